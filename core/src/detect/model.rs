//! Reading a YuNet ONNX file into core's engine: one float input `[1, 3, H, W]`, twelve outputs
//! (cls, obj, bbox, kps at strides 8, 16, 32), each `[1, rows * cols, C]` for the fixed input
//! size the detector runs at.

use prost::Message;

use super::decode::{CHANNELS, STRIDES};
use crate::error::{Error, Result};
use crate::net::{self, Kernel, Net, ReadError};
use crate::onnx_pb::ModelProto;

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidModel { reason: reason.into() }
}

/// The graph lowered for a `tensor_width x tensor_height` input, its outputs checked.
pub(crate) fn load(bytes: &[u8], tensor_width: usize, tensor_height: usize, kernel: Kernel) -> Result<Net> {
    if bytes.is_empty() {
        return Err(invalid("empty face detector model (0 bytes)"));
    }
    let proto = ModelProto::decode(bytes)
        .map_err(|e| invalid(format!("not an ONNX protobuf ({} bytes): {e}", bytes.len())))?;
    let graph = proto.graph.as_ref().ok_or_else(|| invalid("the ONNX model has no graph"))?;
    let inputs: Vec<&str> = graph
        .input
        .iter()
        .filter(|i| !graph.initializer.iter().any(|t| t.name == i.name))
        .map(|i| i.name.as_str())
        .collect();
    let [input] = inputs.as_slice() else {
        return Err(invalid(format!("a face detector has one input, this graph has {}", inputs.len())));
    };
    let outputs: Vec<&str> = graph.output.iter().map(|o| o.name.as_str()).collect();
    if outputs.len() != CHANNELS.len() {
        return Err(invalid(format!(
            "a YuNet face detector has 12 outputs (cls, obj, bbox, kps at strides 8, 16, 32), this graph has {}",
            outputs.len()
        )));
    }
    let shape = [1, 3, tensor_height, tensor_width];
    // Backstop: a hostile graph must cost an error, never the process.
    let lowered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        net::lower_named(graph, input, &outputs, shape, kernel)
    }))
    .map_err(|_| invalid("the ONNX reader failed on this graph (internal panic)"))?;
    let net = match lowered {
        Ok(net) => net,
        Err(ReadError::Invalid(reason)) => return Err(invalid(reason)),
        Err(ReadError::Unsupported { node, what }) => {
            return Err(invalid(format!(
                "node `{node}` uses {what}, which core's engine does not run; it reads {}",
                net::SUPPORTED_OPS.join(", ")
            )));
        }
    };
    for ((i, got), (name, channels)) in net.output_shapes().enumerate().zip(outputs.iter().zip(CHANNELS)) {
        let s = STRIDES[i % 3];
        let want = [1, (tensor_height / s) * (tensor_width / s), channels];
        if got != want {
            return Err(invalid(format!(
                "output {i} `{name}` is {got:?} for a {tensor_width}x{tensor_height} input; YuNet's is {want:?}"
            )));
        }
    }
    Ok(net)
}
