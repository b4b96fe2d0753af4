//! The float path of quantised graphs: `DequantizeLinear` on initializers (int8/uint8 weights,
//! int32 biases) becomes float32 at load; `QuantizeLinear` and `DequantizeLinear` on activations
//! (a QDQ graph the int8 lowering of `qdq.rs` does not take) become rounding steps on floats.

use std::rc::Rc;

use super::super::Step;
use super::super::read::{Const, ConstData, ReadResult, int_attr, invalid, unsupported};
use super::{Lowering, Value};
use crate::onnx_pb::NodeProto;

impl Lowering<'_> {
    pub(super) fn dequantize(&mut self, node: &NodeProto) -> ReadResult<Value> {
        if let Some(Value::Activation(x)) = self.input(node, 0)? {
            let (scale, zero) = self.activation_quantization(node)?;
            let out = self.new_activation(x.shape.clone(), node)?;
            self.net.steps.push(Step::Dequantize { scale, zero, input: x.slot, output: out.slot });
            return Ok(Value::Activation(out));
        }
        self.dequantize_linear(node).map(|c| Value::Const(Rc::new(c)))
    }

    /// `QuantizeLinear` of an activation to uint8 (the integers kept as floats).
    pub(super) fn quantize(&mut self, node: &NodeProto) -> ReadResult<Value> {
        let x = self.required_act(node, 0)?;
        let (scale, zero) = self.activation_quantization(node)?;
        let out = self.new_activation(x.shape.clone(), node)?;
        self.net.steps.push(Step::Quantize { scale, zero, input: x.slot, output: out.slot });
        Ok(Value::Activation(out))
    }

    /// The per-tensor scale and uint8 zero point of an activation's Q/DQ node.
    fn activation_quantization(&self, node: &NodeProto) -> ReadResult<(f32, f32)> {
        let scale = self.required_const(node, 1)?;
        let scale = match scale.f32s() {
            Some(&[s]) if s.is_finite() && s > 0.0 => s,
            _ => return Err(unsupported(node, "an activation scale that is not one positive float32")),
        };
        let zero = match self.input(node, 2)? {
            None => 0.0,
            Some(Value::Const(z)) => match &z.data {
                ConstData::U8(v) if v.len() == 1 => f32::from(v[0]),
                _ => return Err(unsupported(node, "an activation zero point that is not one uint8")),
            },
            Some(Value::Activation(_)) => return Err(unsupported(node, "a zero point computed at run time")),
        };
        Ok((scale, zero))
    }

    /// Per-axis (or per-tensor) int8/uint8 weights to f32: `(q - zero_point) * scale`.
    pub(super) fn dequantize_linear(&mut self, node: &NodeProto) -> ReadResult<Const> {
        let q = self.required_const(node, 0)?;
        let scale = self.required_const(node, 1)?;
        let zero = match self.input(node, 2)? {
            None => None,
            Some(Value::Const(c)) => Some(c),
            Some(Value::Activation(_)) => return Err(unsupported(node, "a zero point computed at run time")),
        };
        if !matches!(q.data, ConstData::I8(_) | ConstData::U8(_) | ConstData::I32(_)) {
            return Err(unsupported(node, format!("quantised input of type {}", q.type_name())));
        }
        let scales = scale.f32s().ok_or_else(|| invalid(node, "the scale must be float32"))?;
        let zeros: Vec<f32> = match &zero {
            None => vec![0.0; scales.len()],
            Some(z) if z.type_name() != q.type_name() => {
                return Err(invalid(node, "the zero point's type differs from the input's"));
            }
            Some(z) => z.to_f32(),
        };
        if zeros.len() != scales.len() {
            return Err(invalid(node, format!("{} scales but {} zero points", scales.len(), zeros.len())));
        }
        let values = q.to_f32();
        let shape = q.shape.clone();
        // Which scale applies to element i: per tensor, or per slice along `axis`.
        let (outer, axis_len, inner) = if scales.len() == 1 {
            (1, 1, values.len())
        } else {
            let rank = shape.len() as i64;
            let axis = int_attr(node, "axis")?.unwrap_or(1);
            let axis = if axis < 0 { axis + rank } else { axis };
            if !(0..rank).contains(&axis) {
                return Err(invalid(node, format!("axis {axis} is outside a rank-{rank} input")));
            }
            let axis = axis as usize;
            if shape[axis] != scales.len() {
                return Err(invalid(
                    node,
                    format!("{} scales for {} slices along axis {axis}", scales.len(), shape[axis]),
                ));
            }
            (shape[..axis].iter().product(), shape[axis], shape[axis + 1..].iter().product())
        };
        let mut out = Vec::with_capacity(values.len());
        for o in 0..outer {
            for a in 0..axis_len {
                let start = (o * axis_len + a) * inner;
                out.extend(values[start..start + inner].iter().map(|&v| (v - zeros[a]) * scales[a]));
            }
        }
        Ok(Const { shape, data: ConstData::F32(out) })
    }
}
