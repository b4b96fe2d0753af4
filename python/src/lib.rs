//! Python bindings of glasses-core, built by maturin into the `glasses._glasses` extension
//! module that the `glasses` package re-exports: `glasses.Classifier().classify(x)` on a path,
//! bytes, a numpy array or a PIL image.
// `unsafe` lives in one place: the slice over an exported buffer's memory (`input::buffer_bytes`).
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod classifier;
mod errors;
mod faces;
mod input;
mod results;

use pyo3::prelude::*;

use crate::errors::{Failure, guarded};

/// Panics inside the same guard that every call into core runs in, so that the tests see a Rust
/// panic come back as `glasses.InternalError` instead of taking the interpreter down. Private:
/// for the tests only.
#[pyfunction]
fn _panic_for_tests(py: Python<'_>) -> PyResult<()> {
    py.detach(|| guarded(|| -> Result<(), Failure> { panic!("a deliberate panic for the tests") }))
        .map_err(|failure| failure.into_pyerr(py, ""))
}

/// The extension module; the `glasses` package re-exports what it holds.
#[pymodule]
fn _glasses(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add_class::<classifier::Classifier>()?;
    module.add_class::<results::Prediction>()?;
    module.add_class::<results::ModelInfo>()?;
    module.add_class::<faces::Face>()?;
    module.add_class::<results::FaceResult>()?;
    module.add_function(wrap_pyfunction!(_panic_for_tests, module)?)?;
    errors::register(module)?;
    Ok(())
}
