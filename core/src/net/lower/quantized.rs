//! `DequantizeLinear` on initializers: int8/uint8 weights become float32 at load.

use super::super::read::{Const, ConstData, ReadResult, int_attr, invalid, unsupported};
use super::{Lowering, Value};
use crate::onnx_pb::NodeProto;

impl Lowering<'_> {
    /// Per-axis (or per-tensor) int8/uint8 weights to f32: `(q - zero_point) * scale`.
    pub(super) fn dequantize_linear(&mut self, node: &NodeProto) -> ReadResult<Const> {
        let q = self.required_const(node, 0)?;
        let scale = self.required_const(node, 1)?;
        let zero = match self.input(node, 2)? {
            None => None,
            Some(Value::Const(c)) => Some(c),
            Some(Value::Activation(_)) => return Err(unsupported(node, "a zero point computed at run time")),
        };
        if !matches!(q.data, ConstData::I8(_) | ConstData::U8(_)) {
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
