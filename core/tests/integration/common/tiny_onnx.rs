//! A tiny contract-valid ONNX model built by hand, for tests that break or extend graphs.
#![allow(dead_code)]

use glasses_core::contract::{INPUT_NAME, OUTPUT_NAME};
use glasses_core::export::{Architecture, ExportOptions};
use prost::Message;

use glasses_core::onnx_pb::{
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, StringStringEntryProto,
    TensorProto, ValueInfoProto, tensor_proto::DataType, tensor_shape_proto,
};

/// A float32 graph input or output; `None` dimensions are the symbolic `n`.
pub fn value_info(name: &str, dims: &[Option<i64>]) -> ValueInfoProto {
    use tensor_shape_proto::dimension::Value;
    ValueInfoProto::float_tensor(
        name,
        dims.iter().map(|d| d.map_or_else(|| Value::DimParam("n".into()), Value::DimValue)),
    )
}

pub fn float_tensor(name: &str, dims: &[i64], values: &[f32]) -> TensorProto {
    TensorProto {
        name: name.to_owned(),
        dims: dims.to_vec(),
        data_type: DataType::Float as i32,
        raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ..Default::default()
    }
}

/// A contract-valid model of a few hundred bytes: GlobalAveragePool -> Flatten -> Gemm, with
/// `classes` outputs and a `side` x `side` input.
pub fn tiny_model(side: u32, classes: i64, weight: f32) -> ModelProto {
    let trans_b = AttributeProto::int("transB", 1);
    let w: Vec<f32> = (0..classes * 3).map(|i| weight * (1.0 - 0.5 * i as f32)).collect();
    let b: Vec<f32> = (0..classes).map(|i| 0.1 * i as f32).collect();
    let graph = GraphProto {
        name: "tiny".into(),
        node: vec![
            node("GlobalAveragePool", &[INPUT_NAME], "pooled", vec![]),
            node("Flatten", &["pooled"], "flat", vec![]),
            node("Gemm", &["flat", "fc.weight", "fc.bias"], OUTPUT_NAME, vec![trans_b]),
        ],
        initializer: vec![
            float_tensor("fc.weight", &[classes, 3], &w),
            float_tensor("fc.bias", &[classes], &b),
        ],
        input: vec![value_info(INPUT_NAME, &[Some(1), Some(3), Some(side as i64), Some(side as i64)])],
        output: vec![value_info(OUTPUT_NAME, &[Some(1), Some(classes)])],
    };
    let mut options = ExportOptions::new(Architecture::SqueezeNet1_1, side);
    options.model_version = "hostile-inputs tiny".into();
    let metadata = options.metadata();
    ModelProto {
        ir_version: 7,
        opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 13 }],
        producer_name: "hostile_inputs".into(),
        graph: Some(graph),
        metadata_props: StringStringEntryProto::entries(metadata.to_props()),
        ..Default::default()
    }
}

/// A node with one output, named after its operator.
pub fn node(op: &str, inputs: &[&str], output: &str, attribute: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        op_type: op.to_owned(),
        name: op.to_owned(),
        input: inputs.iter().map(|s| (*s).to_owned()).collect(),
        output: vec![output.to_owned()],
        attribute,
        ..Default::default()
    }
}

/// [`conv_model`] with a Conv that uses every attribute the reader checks: a 3x3 kernel, strides
/// 2x1, asymmetric pads and dilations 1x2 (read by core and held to tract-onnx by parity).
pub fn strided_dilated_conv_model() -> Vec<u8> {
    conv_model(vec![
        AttributeProto::ints("kernel_shape", &[3, 3]),
        AttributeProto::ints("strides", &[2, 1]),
        AttributeProto::ints("pads", &[1, 0, 2, 1]),
        AttributeProto::ints("dilations", &[1, 2]),
    ])
}

/// input -> Conv (2 filters, 3x3) -> GlobalAveragePool -> Flatten -> logits, with the Conv's
/// attributes replaced by `attrs`.
pub fn conv_model(attrs: Vec<AttributeProto>) -> Vec<u8> {
    let mut m = tiny_model(16, 2, 0.5);
    let graph = m.graph.as_mut().expect("graph");
    let w: Vec<f32> = (0..2 * 3 * 3 * 3).map(|i| ((i * 7 % 11) as f32 - 5.0) * 0.05).collect();
    graph.initializer =
        vec![float_tensor("conv.w", &[2, 3, 3, 3], &w), float_tensor("conv.b", &[2], &[0.1, -0.2])];
    graph.node = vec![
        node("Conv", &[INPUT_NAME, "conv.w", "conv.b"], "conv", attrs),
        node("GlobalAveragePool", &["conv"], "pooled", vec![]),
        node("Flatten", &["pooled"], OUTPUT_NAME, vec![]),
    ];
    graph.input = vec![value_info(INPUT_NAME, &[Some(1), Some(3), Some(16), Some(16)])];
    m.encode_to_vec()
}
