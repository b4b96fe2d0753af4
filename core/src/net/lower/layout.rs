//! Operators that move or relabel values: `Resize` (nearest 2x only), `Transpose`, `Reshape`.

use super::super::Step;
use super::super::read::{ConstData, ReadResult, int_attr, ints_attr, invalid, string_attr, unsupported};
use super::{Activation, Lowering, Value};
use crate::onnx_pb::NodeProto;

impl Lowering<'_> {
    /// ONNX `Resize` (opset 11 and later: X, roi, scales, sizes) when it repeats every pixel 2x2:
    /// nearest mode, scales `[1, 1, 2, 2]` (or the sizes they give), and a coordinate and
    /// rounding mode that map output `i` to input `i / 2` at factor 2.
    pub(super) fn resize(&mut self, node: &NodeProto) -> ReadResult<Value> {
        let x = self.required_act(node, 0)?;
        if x.shape.len() != 4 || x.shape[0] != 1 {
            return Err(invalid(node, format!("the input must be [1, C, H, W], it is {:?}", x.shape)));
        }
        if node.input.len() < 3 {
            return Err(unsupported(node, "Resize without the roi input (the opset-10 form)"));
        }
        let text = |name: &str, default: &'static [u8]| -> ReadResult<String> {
            Ok(String::from_utf8_lossy(string_attr(node, name)?.unwrap_or(default)).into_owned())
        };
        let mode = text("mode", b"nearest")?;
        let coordinates = text("coordinate_transformation_mode", b"half_pixel")?;
        let rounding = text("nearest_mode", b"round_prefer_floor")?;
        let repeats = matches!(
            (coordinates.as_str(), rounding.as_str()),
            ("asymmetric", "floor" | "round_prefer_floor")
                | ("half_pixel" | "pytorch_half_pixel", "round_prefer_floor" | "round_prefer_ceil")
        );
        if mode != "nearest" || !repeats {
            return Err(unsupported(
                node,
                format!("Resize mode `{mode}` with `{coordinates}` coordinates and `{rounding}` rounding"),
            ));
        }
        let [_, c, h, w] = [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
        let doubled = [1, c, 2 * h, 2 * w];
        let scales = match self.input(node, 2)? {
            Some(Value::Const(s)) if !s.shape.contains(&0) => Some(s.to_f32()),
            Some(Value::Const(_)) | None => None,
            Some(Value::Activation(_)) => return Err(unsupported(node, "scales computed at run time")),
        };
        let by_two = match scales {
            Some(s) => s == [1.0, 1.0, 2.0, 2.0],
            None => match self.input(node, 3)? {
                Some(Value::Const(sizes)) => match &sizes.data {
                    ConstData::I64(v) => v.iter().map(|&d| d as usize).eq(doubled),
                    _ => return Err(invalid(node, "sizes must be int64")),
                },
                Some(Value::Activation(_)) => return Err(unsupported(node, "sizes computed at run time")),
                None => return Err(invalid(node, "neither scales nor sizes is given")),
            },
        };
        if !by_two {
            return Err(unsupported(node, "a Resize other than 2x in height and width"));
        }
        let out = self.new_activation(doubled.to_vec(), node)?;
        self.net.steps.push(Step::Upsample2x {
            channels: c,
            height: h,
            width: w,
            input: x.slot,
            output: out.slot,
        });
        Ok(Value::Activation(out))
    }

    /// A copy in the new axis order, or no step at all when only axes of length 1 move (the
    /// values then keep their order, as for the detector's one-channel heads).
    pub(super) fn transpose(&mut self, node: &NodeProto) -> ReadResult<Value> {
        let x = self.required_act(node, 0)?;
        let rank = x.shape.len();
        let perm: Vec<usize> = match ints_attr(node, "perm")? {
            None => (0..rank).rev().collect(),
            Some(p) => p.iter().map(|&a| usize::try_from(a).unwrap_or(usize::MAX)).collect(),
        };
        let mut seen = vec![false; rank];
        for &a in &perm {
            if a >= rank || std::mem::replace(&mut seen[a], true) {
                return Err(invalid(node, format!("perm {perm:?} is not a permutation of {rank} axes")));
            }
        }
        if perm.len() != rank {
            return Err(invalid(node, format!("perm {perm:?} is not a permutation of {rank} axes")));
        }
        let shape: Vec<usize> = perm.iter().map(|&a| x.shape[a]).collect();
        let moved: Vec<usize> = perm.iter().copied().filter(|&a| x.shape[a] != 1).collect();
        if moved.windows(2).all(|p| p[0] < p[1]) {
            return Ok(Value::Activation(Activation { slot: x.slot, shape, producer: None }));
        }
        let out = self.new_activation(shape, node)?;
        self.net.steps.push(Step::Transpose {
            shape: x.shape.clone(),
            perm,
            input: x.slot,
            output: out.slot,
        });
        Ok(Value::Activation(out))
    }

    /// Same values, same place, new shape (constant target; `0` copies a dimension, `-1` takes
    /// what is left).
    pub(super) fn reshape(&mut self, node: &NodeProto) -> ReadResult<Value> {
        let x = self.required_act(node, 0)?;
        let target = self.required_const(node, 1)?;
        let ConstData::I64(target) = &target.data else {
            return Err(invalid(node, format!("the shape must be int64, it is {}", target.type_name())));
        };
        if int_attr(node, "allowzero")?.unwrap_or(0) != 0 {
            return Err(unsupported(node, "allowzero"));
        }
        let mut shape = Vec::with_capacity(target.len());
        let mut infer = None;
        for (i, &d) in target.iter().enumerate() {
            match d {
                0 => {
                    shape.push(*x.shape.get(i).ok_or_else(|| {
                        invalid(node, format!("dimension {i} copies an axis the input lacks"))
                    })?)
                }
                -1 if infer.is_none() => {
                    infer = Some(i);
                    shape.push(1);
                }
                d if d > 0 => shape.push(d as usize),
                _ => return Err(invalid(node, format!("target shape {target:?}"))),
            }
        }
        let known = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).unwrap_or(0);
        if let Some(i) = infer {
            if known == 0 || x.slot.len % known != 0 {
                return Err(invalid(node, format!("{:?} cannot be reshaped to {target:?}", x.shape)));
            }
            shape[i] = x.slot.len / known;
        }
        if shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)) != Some(x.slot.len) {
            return Err(invalid(node, format!("{:?} cannot be reshaped to {target:?}", x.shape)));
        }
        Ok(Value::Activation(Activation { slot: x.slot, shape, producer: None }))
    }
}
