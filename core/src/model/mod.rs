//! The model file: the ONNX messages glasses reads and writes (`onnx_pb`), the contract a file
//! must keep (`contract`: input, output, metadata), reading a file within its limits
//! (`model_file`) and choosing what runs it (`plan`: core's engine, or tract with `onnx-any`).

pub mod contract;
pub(crate) mod model_file;
pub mod onnx_pb;
pub(crate) mod plan;
