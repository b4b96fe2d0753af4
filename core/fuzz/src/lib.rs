//! Fuzz targets for glasses-core; the checks live in [`harness`], which the stable replay test
//! (`core/tests/integration/hostile_inputs.rs`) includes too.

pub mod harness;
