//! Element-wise operators: `Add` of two values of one shape, `Sigmoid`.

use super::super::Step;
use super::super::read::{ReadResult, unsupported};
use super::{Lowering, Value};
use crate::onnx_pb::NodeProto;

impl Lowering<'_> {
    pub(super) fn add(&mut self, node: &NodeProto) -> ReadResult<Value> {
        let (a, b) = (self.required_act(node, 0)?, self.required_act(node, 1)?);
        if a.shape != b.shape {
            return Err(unsupported(node, format!("a broadcasting Add of {:?} and {:?}", a.shape, b.shape)));
        }
        let out = self.new_activation(a.shape.clone(), node)?;
        self.net.steps.push(Step::Add { a: a.slot, b: b.slot, output: out.slot, relu: false });
        Ok(Value::Activation(out))
    }

    pub(super) fn sigmoid(&mut self, node: &NodeProto) -> ReadResult<Value> {
        let x = self.required_act(node, 0)?;
        let out = self.new_activation(x.shape.clone(), node)?;
        self.net.steps.push(Step::Sigmoid { input: x.slot, output: out.slot });
        Ok(Value::Activation(out))
    }
}
