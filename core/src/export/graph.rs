//! ONNX graph construction for the supported architectures.

use crate::onnx_pb::{
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, StringStringEntryProto,
    TensorProto, ValueInfoProto, tensor_proto::DataType, tensor_shape_proto,
};
use prost::Message;

use super::architecture::{Architecture, RESNET18_STAGES, ResNetStage, SQUEEZENET_FIRES};
use super::{ExportOptions, WeightPrecision, WeightTensor, Weights};
use crate::contract::{INPUT_NAME, ModelMetadata, OUTPUT_NAME};
use crate::error::{Error, Result};

/// ONNX opset the graphs are written for (per-axis DequantizeLinear needs 13).
const OPSET: i64 = 13;
/// ONNX IR version matching opset 13.
const IR_VERSION: i64 = 7;
/// PyTorch's BatchNorm epsilon.
const BN_EPS: f32 = 1e-5;

/// An activation flowing through the graph, with its static shape.
#[derive(Debug, Clone)]
struct Act {
    name: String,
    channels: usize,
    height: usize,
    width: usize,
}

struct Builder<'w> {
    weights: &'w Weights,
    precision: WeightPrecision,
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    counter: usize,
}

pub(super) fn build(weights: &Weights, options: &ExportOptions) -> Result<GraphProto> {
    let mut b =
        Builder { weights, precision: options.precision, nodes: vec![], initializers: vec![], counter: 0 };
    let input = Act {
        name: INPUT_NAME.to_owned(),
        channels: 3,
        height: options.input_height as usize,
        width: options.input_width as usize,
    };
    match options.architecture {
        Architecture::SqueezeNet1_1 => b.squeezenet(input)?,
        Architecture::ResNet18 => b.resnet18(input)?,
    }
    Ok(GraphProto {
        name: options.architecture.name().to_owned(),
        node: b.nodes,
        initializer: b.initializers,
        input: vec![value_info(INPUT_NAME, &[1, 3, options.input_height as i64, options.input_width as i64])],
        output: vec![value_info(OUTPUT_NAME, &[1, options.class_names.len() as i64])],
    })
}

pub(super) fn encode_model(graph: GraphProto, metadata: &ModelMetadata) -> Vec<u8> {
    let model = ModelProto {
        ir_version: IR_VERSION,
        opset_import: vec![OperatorSetIdProto { domain: String::new(), version: OPSET }],
        producer_name: "glasses-core".to_owned(),
        producer_version: env!("CARGO_PKG_VERSION").to_owned(),
        graph: Some(graph),
        metadata_props: StringStringEntryProto::entries(metadata.to_props()),
    };
    model.encode_to_vec()
}

impl Builder<'_> {
    fn fresh(&mut self, hint: &str) -> String {
        self.counter += 1;
        format!("{hint}_{}", self.counter)
    }

    fn tensor(&self, name: &str) -> Result<&WeightTensor> {
        self.weights.get(name).ok_or_else(|| Error::export(format!("missing tensor `{name}`")))
    }

    fn node(&mut self, op: &str, inputs: Vec<String>, hint: &str, attrs: Vec<AttributeProto>) -> String {
        let out = if hint == OUTPUT_NAME { hint.to_owned() } else { self.fresh(hint) };
        self.nodes.push(NodeProto {
            name: format!("{op}_{}", self.nodes.len()),
            op_type: op.to_owned(),
            input: inputs,
            output: vec![out.clone()],
            attribute: attrs,
            ..Default::default()
        });
        out
    }

    fn float_init(&mut self, name: &str, shape: &[usize], data: Vec<f32>) -> String {
        self.initializers.push(TensorProto {
            name: name.to_owned(),
            dims: shape.iter().map(|&d| d as i64).collect(),
            data_type: DataType::Float as i32,
            raw_data: data.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ..Default::default()
        });
        name.to_owned()
    }

    /// A convolution or dense weight: float32, or int8 with a per-output-channel scale and a
    /// DequantizeLinear node whose output carries the weight's name.
    fn weight(&mut self, name: &str, shape: &[usize], data: Vec<f32>) -> String {
        if self.precision == WeightPrecision::F32 {
            return self.float_init(name, shape, data);
        }
        let (scales, q) = super::int8_per_channel(&data, shape[0]);
        self.initializers.push(TensorProto {
            name: format!("{name}.int8"),
            dims: shape.iter().map(|&d| d as i64).collect(),
            data_type: DataType::Int8 as i32,
            raw_data: q,
            ..Default::default()
        });
        let scale = self.float_init(&format!("{name}.scale"), &[shape[0]], scales);
        self.initializers.push(TensorProto {
            name: format!("{name}.zero_point"),
            dims: vec![shape[0] as i64],
            data_type: DataType::Int8 as i32,
            raw_data: vec![0; shape[0]],
            ..Default::default()
        });
        self.nodes.push(NodeProto {
            name: format!("DequantizeLinear_{}", self.nodes.len()),
            op_type: "DequantizeLinear".to_owned(),
            input: vec![format!("{name}.int8"), scale, format!("{name}.zero_point")],
            output: vec![name.to_owned()],
            attribute: vec![AttributeProto::int("axis", 0)],
            ..Default::default()
        });
        name.to_owned()
    }

    /// Conv with bias; `bn` folds a BatchNorm's statistics into weight and bias.
    fn conv(&mut self, x: &Act, prefix: &str, stride: usize, pad: usize, bn: Option<&str>) -> Result<Act> {
        let w = self.tensor(&format!("{prefix}.weight"))?.clone();
        let (cout, cin, k) = (w.shape[0], w.shape[1], w.shape[2]);
        if cin != x.channels {
            return Err(Error::export(format!(
                "`{prefix}` expects {cin} input channels, gets {}",
                x.channels
            )));
        }
        let (mut wdata, mut bias) = (
            w.data,
            match self.weights.get(&format!("{prefix}.bias")) {
                Some(b) => b.data.clone(),
                None => vec![0.0; cout],
            },
        );
        if let Some(bn) = bn {
            let gamma = &self.tensor(&format!("{bn}.weight"))?.data;
            let beta = &self.tensor(&format!("{bn}.bias"))?.data;
            let mean = &self.tensor(&format!("{bn}.running_mean"))?.data;
            let var = &self.tensor(&format!("{bn}.running_var"))?.data;
            let per = wdata.len() / cout;
            for o in 0..cout {
                let f = gamma[o] / (var[o] + BN_EPS).sqrt();
                wdata[o * per..(o + 1) * per].iter_mut().for_each(|v| *v *= f);
                bias[o] = beta[o] + (bias[o] - mean[o]) * f;
            }
        }
        let wname = self.weight(&format!("{prefix}.weight"), &w.shape, wdata);
        let bname = self.float_init(&format!("{prefix}.bias"), &[cout], bias);
        let p = pad as i64;
        let out = self.node(
            "Conv",
            vec![x.name.clone(), wname, bname],
            prefix,
            vec![
                AttributeProto::ints("kernel_shape", &[k as i64, k as i64]),
                AttributeProto::ints("strides", &[stride as i64, stride as i64]),
                AttributeProto::ints("pads", &[p, p, p, p]),
            ],
        );
        Ok(Act {
            name: out,
            channels: cout,
            height: (x.height + 2 * pad - k) / stride + 1,
            width: (x.width + 2 * pad - k) / stride + 1,
        })
    }

    fn relu(&mut self, x: Act) -> Act {
        let name = self.node("Relu", vec![x.name], "relu", vec![]);
        Act { name, ..x }
    }

    /// MaxPool; `ceil` reproduces PyTorch's `ceil_mode=True` with explicit end padding, which
    /// ONNX fills with -inf for max pooling.
    fn max_pool(&mut self, x: Act, k: usize, stride: usize, pad: usize, ceil: bool) -> Act {
        let out_size = |n: usize| {
            let span = n + 2 * pad - k;
            let mut o = if ceil { span.div_ceil(stride) + 1 } else { span / stride + 1 };
            if ceil && (o - 1) * stride >= n + pad {
                o -= 1;
            }
            o
        };
        let (oh, ow) = (out_size(x.height), out_size(x.width));
        let end_pad = |n: usize, o: usize| ((o - 1) * stride + k).saturating_sub(n + pad) as i64;
        let p = pad as i64;
        let name = self.node(
            "MaxPool",
            vec![x.name],
            "pool",
            vec![
                AttributeProto::ints("kernel_shape", &[k as i64, k as i64]),
                AttributeProto::ints("strides", &[stride as i64, stride as i64]),
                AttributeProto::ints("pads", &[p, p, end_pad(x.height, oh), end_pad(x.width, ow)]),
            ],
        );
        Act { name, channels: x.channels, height: oh, width: ow }
    }

    fn squeezenet(&mut self, input: Act) -> Result<()> {
        let x = self.conv(&input, "features.0", 2, 0, None)?;
        let mut x = self.relu(x);
        for fire in SQUEEZENET_FIRES {
            if fire.pool_before {
                x = self.max_pool(x, 3, 2, 0, true);
            }
            let p = format!("features.{}", fire.index);
            let s = self.conv(&x, &format!("{p}.squeeze"), 1, 0, None)?;
            let s = self.relu(s);
            let e1 = self.conv(&s, &format!("{p}.expand1x1"), 1, 0, None)?;
            let e1 = self.relu(e1);
            let e3 = self.conv(&s, &format!("{p}.expand3x3"), 1, 1, None)?;
            let e3 = self.relu(e3);
            let name =
                self.node("Concat", vec![e1.name, e3.name], "fire", vec![AttributeProto::int("axis", 1)]);
            x = Act { name, channels: e1.channels + e3.channels, ..e1 };
        }
        let x = self.conv(&x, "classifier.1", 1, 0, None)?;
        let x = self.relu(x);
        let pooled = self.node("GlobalAveragePool", vec![x.name], "gap", vec![]);
        self.node("Flatten", vec![pooled], OUTPUT_NAME, vec![AttributeProto::int("axis", 1)]);
        Ok(())
    }

    fn resnet18(&mut self, input: Act) -> Result<()> {
        let x = self.conv(&input, "conv1", 2, 3, Some("bn1"))?;
        let x = self.relu(x);
        let mut x = self.max_pool(x, 3, 2, 1, false);
        for stage in RESNET18_STAGES {
            let stride = stage.stride;
            for block in 0..ResNetStage::BLOCKS {
                let p = format!("{}.{block}", stage.name);
                let s = if block == 0 { stride } else { 1 };
                let y = self.conv(&x, &format!("{p}.conv1"), s, 1, Some(&format!("{p}.bn1")))?;
                let y = self.relu(y);
                let y = self.conv(&y, &format!("{p}.conv2"), 1, 1, Some(&format!("{p}.bn2")))?;
                let shortcut = if block == 0 && stage.downsamples() {
                    self.conv(
                        &x,
                        &format!("{p}.downsample.0"),
                        stride,
                        0,
                        Some(&format!("{p}.downsample.1")),
                    )?
                } else {
                    x.clone()
                };
                let sum = self.node("Add", vec![y.name.clone(), shortcut.name], "add", vec![]);
                x = self.relu(Act { name: sum, ..y });
            }
        }
        let pooled = self.node("GlobalAveragePool", vec![x.name], "gap", vec![]);
        let flat = self.node("Flatten", vec![pooled], "flat", vec![AttributeProto::int("axis", 1)]);
        let fc = self.tensor("fc.weight")?.clone();
        let w = self.weight("fc.weight", &fc.shape, fc.data);
        let bias = self.tensor("fc.bias")?.data.clone();
        let classes = bias.len();
        let b = self.float_init("fc.bias", &[classes], bias);
        self.node("Gemm", vec![flat, w, b], OUTPUT_NAME, vec![AttributeProto::int("transB", 1)]);
        Ok(())
    }
}

/// A float32 graph input or output of fixed shape.
fn value_info(name: &str, shape: &[i64]) -> ValueInfoProto {
    ValueInfoProto::float_tensor(
        name,
        shape.iter().map(|&d| tensor_shape_proto::dimension::Value::DimValue(d)),
    )
}
