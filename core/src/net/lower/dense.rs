//! `Gemm` with constant weights: the classifier's last layer.

use super::super::Step;
use super::super::read::{ReadResult, float_attr, int_attr, invalid, unsupported};
use super::{Lowering, Value};
use crate::onnx_pb::NodeProto;

impl Lowering<'_> {
    /// `alpha * A B' + beta * C` with constant `B` and `C`.
    pub(super) fn gemm(&mut self, node: &NodeProto) -> ReadResult<Value> {
        let a = self.required_act(node, 0)?;
        let b = self.required_const(node, 1)?;
        if a.shape.len() != 2 {
            return Err(invalid(node, "input 0 must be a matrix"));
        }
        let Some(bv) = b.f32s().filter(|_| b.shape.len() == 2) else {
            return Err(invalid(
                node,
                format!("input 1 must be a float32 matrix, it is {} {:?}", b.type_name(), b.shape),
            ));
        };
        let flag = |name| -> ReadResult<bool> { Ok(int_attr(node, name)?.unwrap_or(0) != 0) };
        if flag("transA")? {
            return Err(unsupported(node, "transA"));
        }
        let trans_b = flag("transB")?;
        let alpha = float_attr(node, "alpha")?.unwrap_or(1.0);
        let beta = float_attr(node, "beta")?.unwrap_or(1.0);
        let (rows, k) = (a.shape[0], a.shape[1]);
        let (bk, n) = if trans_b { (b.shape[1], b.shape[0]) } else { (b.shape[0], b.shape[1]) };
        if bk != k {
            return Err(invalid(
                node,
                format!("A is {:?} but B is {:?} (transB {trans_b})", a.shape, b.shape),
            ));
        }
        // Stored as [n, k] so each output is one contiguous dot product.
        let weights: Vec<f32> = if trans_b {
            bv.to_vec()
        } else {
            (0..n).flat_map(|j| (0..k).map(move |p| bv[p * n + j])).collect()
        };
        let mut c = vec![0f32; rows * n];
        match self.input(node, 2)? {
            Some(_) if beta == 0.0 => {}
            None => {}
            Some(Value::Const(cc)) => {
                let Some(cv) = cc.f32s() else {
                    return Err(invalid(node, format!("C must be float32, it is {}", cc.type_name())));
                };
                // Unidirectional broadcast of C to [rows, n].
                let (cr, cn) = match cc.shape.as_slice() {
                    [] => (1, 1),
                    [x] => (1, *x),
                    [r, x] => (*r, *x),
                    other => return Err(invalid(node, format!("C has rank {}", other.len()))),
                };
                if !(cr == 1 || cr == rows) || !(cn == 1 || cn == n) {
                    return Err(invalid(
                        node,
                        format!("C {:?} does not broadcast to [{rows}, {n}]", cc.shape),
                    ));
                }
                for r in 0..rows {
                    for j in 0..n {
                        c[r * n + j] = beta * cv[(r % cr) * cn + j % cn];
                    }
                }
            }
            Some(Value::Activation(_)) => return Err(unsupported(node, "C computed at run time")),
        }
        let out = self.new_activation(vec![rows, n], node)?;
        self.net.steps.push(Step::Dense {
            weights,
            c,
            alpha,
            rows,
            k,
            n,
            input: a.slot,
            output: out.slot,
            relu: false,
        });
        Ok(Value::Activation(out))
    }
}
