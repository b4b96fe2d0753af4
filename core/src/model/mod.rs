//! The model file: the ONNX messages glasses reads and writes (`onnx_pb`), the contract a file
//! must keep (`contract`: input, output, metadata) and reading a file within its limits
//! (`model_file`). What runs a file is the engine's choice (`net::plan`).

pub mod contract;
#[cfg(any(feature = "bundled-model", feature = "face-detector"))]
pub(crate) mod embedded;
pub(crate) mod model_file;
pub mod onnx_pb;
