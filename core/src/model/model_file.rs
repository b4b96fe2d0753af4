//! Reading an ONNX file and checking it against the contract before tract sees it.

use crate::onnx_pb::{
    ModelProto, TensorProto, ValueInfoProto, tensor_proto::DataType, tensor_shape_proto::dimension,
    type_proto,
};
use prost::Message;

use crate::contract::{INPUT_NAME, ModelMetadata, OUTPUT_NAME};
use crate::error::{Error, Result};

/// A decoded model file that passed the contract checks that need no inference engine.
#[derive(Debug)]
pub(crate) struct ParsedModel {
    pub proto: ModelProto,
    pub metadata: ModelMetadata,
    pub parameter_count: usize,
}

/// Decodes the protobuf and checks the contract: metadata keys, one float input `image`
/// `[1, 3, H, W]` matching the metadata, one output `logits` `[1, K]`, K the number of class names.
pub(crate) fn parse(bytes: &[u8]) -> Result<ParsedModel> {
    if bytes.is_empty() {
        return Err(Error::InvalidModel { reason: "empty model (0 bytes)".into() });
    }
    let proto = ModelProto::decode(bytes).map_err(|e| Error::InvalidModel {
        reason: format!("not an ONNX protobuf ({} bytes): {e}", bytes.len()),
    })?;
    let Some(graph) = proto.graph.as_ref() else {
        return Err(Error::InvalidModel { reason: "the ONNX model has no graph".into() });
    };
    if graph.node.is_empty() {
        return Err(Error::InvalidModel { reason: "the ONNX graph has no nodes".into() });
    }
    let metadata =
        ModelMetadata::from_props(proto.metadata_props.iter().map(|e| (e.key.as_str(), e.value.as_str())))?;

    let inputs: Vec<&ValueInfoProto> =
        graph.input.iter().filter(|i| !graph.initializer.iter().any(|t| t.name == i.name)).collect();
    let [input] = inputs.as_slice() else {
        return Err(Error::contract(format!(
            "the graph must have exactly one input, it has {}",
            inputs.len()
        )));
    };
    if input.name != INPUT_NAME {
        return Err(Error::contract(format!(
            "the input must be named `{INPUT_NAME}`, found `{}`",
            input.name
        )));
    }
    let (dtype, dims) = tensor_type(input)?;
    if dtype != DataType::Float as i32 {
        return Err(Error::contract(format!("input `{INPUT_NAME}` must be float32")));
    }
    let want_in = [Some(1), Some(3), Some(metadata.input_height as i64), Some(metadata.input_width as i64)];
    if dims.len() != 4 {
        return Err(Error::contract(format!(
            "input `{INPUT_NAME}` must have rank 4 (NCHW), it has rank {}",
            dims.len()
        )));
    }
    for (axis, (got, want)) in dims.iter().zip(want_in).enumerate() {
        // Symbolic dimensions are allowed (they get fixed from the metadata); fixed ones must agree.
        if got.is_some() && *got != want {
            return Err(Error::contract(format!(
                "input `{INPUT_NAME}` dimension {axis} is {}, the contract and metadata need {}",
                got.unwrap_or_default(),
                want.unwrap_or_default()
            )));
        }
    }

    let [output] = graph.output.as_slice() else {
        return Err(Error::contract(format!(
            "the graph must have exactly one output, it has {}",
            graph.output.len()
        )));
    };
    if output.name != OUTPUT_NAME {
        return Err(Error::contract(format!(
            "the output must be named `{OUTPUT_NAME}`, found `{}`",
            output.name
        )));
    }
    let produced = |name: &str| {
        graph.node.iter().any(|n| n.output.iter().any(|o| o == name))
            || graph.input.iter().any(|i| i.name == name)
            || graph.initializer.iter().any(|t| t.name == name)
    };
    if !produced(OUTPUT_NAME) {
        return Err(Error::contract(format!("no node of the graph produces the output `{OUTPUT_NAME}`")));
    }
    if let Ok((_, dims)) = tensor_type(output)
        && !dims.is_empty()
        && (dims.len() != 2 || dims[1].is_some_and(|d| d != metadata.num_classes() as i64))
    {
        return Err(Error::contract(format!(
            "output `{OUTPUT_NAME}` must be [1, {}] (one logit per class name), it is declared as {dims:?}",
            metadata.num_classes()
        )));
    }

    let parameter_count = graph.initializer.iter().filter(|t| is_parameter(t)).map(element_count).sum();
    Ok(ParsedModel { proto, metadata, parameter_count })
}

fn tensor_type(info: &ValueInfoProto) -> Result<(i32, Vec<Option<i64>>)> {
    let Some(type_proto::Value::TensorType(t)) = info.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
        return Err(Error::contract(format!("`{}` is not declared as a tensor", info.name)));
    };
    let dims = t
        .shape
        .as_ref()
        .map(|s| {
            s.dim
                .iter()
                .map(|d| match d.value {
                    Some(dimension::Value::DimValue(v)) => Some(v),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok((t.elem_type, dims))
}

/// Quantisation scales and zero points are bookkeeping, not weights.
fn is_parameter(t: &TensorProto) -> bool {
    !(t.name.ends_with(".scale") || t.name.ends_with(".zero_point"))
}

fn element_count(t: &TensorProto) -> usize {
    t.dims.iter().map(|&d| d.max(0) as usize).product()
}
