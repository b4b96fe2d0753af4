//! Writing the QDQ graph: the float graph's nodes with a `QuantizeLinear`/`DequantizeLinear` pair
//! after every quantised tensor, int8 per-output-channel weights and int32 biases behind their own
//! `DequantizeLinear`, so that any ONNX reader runs the file and an int8 engine can fuse each
//! `DQ -> Conv -> (Relu) -> Q` into one integer convolution.

use std::collections::HashMap;

use super::pattern::QuantPlan;
use crate::contract::INPUT_NAME;
use crate::error::{Error, Result};
use crate::onnx_pb::{AttributeProto, GraphProto, NodeProto, TensorProto, tensor_proto::DataType};

/// One group's affine map: `real = (q - zero_point) * scale`, `q` in `0..=255`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct QParams {
    pub scale: f32,
    pub zero_point: u8,
}

impl QParams {
    /// The uint8 map of `[low, high]`, widened to hold 0 exactly (padding and ReLU's zeros must
    /// quantise without error), so tensors that are never negative get zero point 0.
    pub fn from_range(low: f32, high: f32) -> Self {
        let (low, high) = (low.min(0.0), high.max(0.0));
        let scale = (high - low) / 255.0;
        if !(scale.is_finite() && scale > 0.0) {
            // A tensor that is always zero: any scale represents it exactly.
            return Self { scale: 1.0, zero_point: 0 };
        }
        Self { scale, zero_point: (-low / scale).round().clamp(0.0, 255.0) as u8 }
    }
}

struct Writer<'p> {
    plan: &'p QuantPlan,
    params: &'p [QParams],
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    /// Float tensor -> the name of its dequantised copy, which readers take instead.
    dequantised: HashMap<String, String>,
}

/// The QDQ version of `graph` with `params[group]` for each group of `plan`.
pub(super) fn rewrite(graph: &GraphProto, plan: &QuantPlan, params: &[QParams]) -> Result<GraphProto> {
    let mut w =
        Writer { plan, params, nodes: Vec::new(), initializers: Vec::new(), dequantised: HashMap::new() };
    for (g, p) in params.iter().enumerate() {
        w.initializers.push(scalar(&group_name(g, "scale"), DataType::Float, p.scale.to_le_bytes().to_vec()));
        w.initializers.push(scalar(&group_name(g, "zero_point"), DataType::Uint8, vec![p.zero_point]));
    }
    let initializers: HashMap<&str, &TensorProto> =
        graph.initializer.iter().map(|t| (t.name.as_str(), t)).collect();
    w.quantize_dequantize(INPUT_NAME);
    for node in &graph.node {
        let mut node = node.clone();
        if node.op_type == "Conv" {
            w.conv_parameters(&mut node, &initializers)?;
        } else {
            for input in &mut node.input {
                if let Some(dq) = w.dequantised.get(input.as_str()) {
                    *input = dq.clone();
                }
            }
        }
        let out = node.output[0].clone();
        w.nodes.push(node);
        if w.plan.group_of.contains_key(&out) {
            w.quantize_dequantize(&out);
        }
    }
    Ok(GraphProto {
        node: w.nodes,
        name: graph.name.clone(),
        initializer: w.initializers,
        input: graph.input.clone(),
        output: graph.output.clone(),
    })
}

fn group_name(group: usize, what: &str) -> String {
    format!("quant.{group}.{what}")
}

impl Writer<'_> {
    fn quantize_dequantize(&mut self, tensor: &str) {
        let g = self.plan.group_of[tensor];
        let (scale, zero) = (group_name(g, "scale"), group_name(g, "zero_point"));
        let (q, dq) = (format!("{tensor}.quantized"), format!("{tensor}.dequantized"));
        self.push("QuantizeLinear", vec![tensor.to_owned(), scale.clone(), zero.clone()], &q, None);
        self.push("DequantizeLinear", vec![q, scale, zero], &dq, None);
        self.dequantised.insert(tensor.to_owned(), dq);
    }

    fn push(&mut self, op: &str, input: Vec<String>, output: &str, axis: Option<i64>) {
        self.nodes.push(NodeProto {
            name: format!("{op}_{output}"),
            op_type: op.to_owned(),
            input,
            output: vec![output.to_owned()],
            attribute: axis.map(|i| AttributeProto::int("axis", i)).into_iter().collect(),
            ..Default::default()
        });
    }

    /// Reads the convolution's input dequantised, and replaces its float weight and bias by
    /// int8 weights (symmetric, one scale per output channel) and int32 biases on the scale
    /// `input scale x weight scale`, each behind a per-channel `DequantizeLinear`.
    fn conv_parameters(&mut self, node: &mut NodeProto, inits: &HashMap<&str, &TensorProto>) -> Result<()> {
        let x = &node.input[0];
        let group = self.plan.group_of[x.as_str()];
        let x_scale = self.params[group].scale;
        node.input[0] = self.dequantised[x.as_str()].clone();
        let weight = inits[node.input[1].as_str()];
        let values = float_values(weight)?;
        let out_channels = weight.dims.first().copied().unwrap_or(0).max(0) as usize;
        if out_channels == 0 || values.len() % out_channels != 0 {
            return Err(Error::export(format!("weight `{}` has shape {:?}", weight.name, weight.dims)));
        }
        let (scales, q) = crate::export::int8_per_channel(&values, out_channels);
        let w_name = weight.name.clone();
        let w_dq = self.dequantize_param(&w_name, &weight.dims, DataType::Int8, q, &scales, 1);
        node.input[1] = w_dq;
        if let Some(b) = node.input.get(2).cloned() {
            let bias = inits[b.as_str()];
            let values = float_values(bias)?;
            if values.len() != out_channels {
                return Err(Error::export(format!(
                    "bias `{b}` has {} values for {out_channels} output channels",
                    values.len()
                )));
            }
            let bias_scales: Vec<f32> = scales.iter().map(|s| s * x_scale).collect();
            let q: Vec<u8> = values
                .iter()
                .zip(&bias_scales)
                .flat_map(|(v, s)| {
                    ((v / s).round().clamp(i32::MIN as f32, i32::MAX as f32) as i32).to_le_bytes()
                })
                .collect();
            node.input[2] = self.dequantize_param(&b, &bias.dims, DataType::Int32, q, &bias_scales, 4);
        }
        Ok(())
    }

    /// An integer initializer `{name}.quantized` with per-channel scales and zero zero points, and
    /// the `DequantizeLinear` (axis 0) that gives `{name}` back as float.
    fn dequantize_param(
        &mut self,
        name: &str,
        dims: &[i64],
        kind: DataType,
        raw: Vec<u8>,
        scales: &[f32],
        width: usize,
    ) -> String {
        let channels = vec![scales.len() as i64];
        let (q, s, z) = (format!("{name}.quantized"), format!("{name}.scale"), format!("{name}.zero_point"));
        self.initializers.push(TensorProto {
            name: q.clone(),
            dims: dims.to_vec(),
            data_type: kind as i32,
            raw_data: raw,
            ..Default::default()
        });
        self.initializers.push(TensorProto {
            name: s.clone(),
            dims: channels.clone(),
            data_type: DataType::Float as i32,
            raw_data: scales.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ..Default::default()
        });
        self.initializers.push(TensorProto {
            name: z.clone(),
            dims: channels,
            data_type: kind as i32,
            raw_data: vec![0; scales.len() * width],
            ..Default::default()
        });
        self.push("DequantizeLinear", vec![q, s, z], name, Some(0));
        name.to_owned()
    }
}

fn scalar(name: &str, kind: DataType, raw: Vec<u8>) -> TensorProto {
    TensorProto {
        name: name.to_owned(),
        dims: vec![],
        data_type: kind as i32,
        raw_data: raw,
        ..Default::default()
    }
}

fn float_values(t: &TensorProto) -> Result<Vec<f32>> {
    let values: Vec<f32> = if t.raw_data.is_empty() {
        t.float_data.clone()
    } else {
        t.raw_data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
    };
    let expected: i64 = t.dims.iter().product();
    if values.len() as i64 != expected || values.iter().any(|v| !v.is_finite()) {
        return Err(Error::export(format!(
            "initializer `{}` does not hold {expected} finite float32 values",
            t.name
        )));
    }
    Ok(values)
}
