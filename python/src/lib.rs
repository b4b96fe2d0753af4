//! Python bindings of glasses-core, built by maturin into the `glasses._glasses` extension
//! module that the `glasses` package re-exports: `glasses.Classifier().classify(x)` on a path,
//! bytes, a numpy array or a PIL image.
// `unsafe` lives in one place: the slice over an exported buffer's memory (`input::buffer_bytes`).
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod classifier;
mod errors;
mod input;
mod results;

use pyo3::prelude::*;

/// The extension module; the `glasses` package re-exports what it holds.
#[pymodule]
fn _glasses(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add_class::<classifier::Classifier>()?;
    module.add_class::<results::Prediction>()?;
    module.add_class::<results::ModelInfo>()?;
    errors::register(module)?;
    Ok(())
}
