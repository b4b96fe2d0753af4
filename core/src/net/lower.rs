//! From the ONNX graph `export` writes to a [`Net`]: shapes, buffers and fused steps.
//!
//! Every node is checked as it is read (`read.rs`: attributes, element types; here: shapes), and
//! a graph that needs more than this engine does is reported as [`ReadError::Unsupported`] naming
//! the node, so the classifier can hand it to tract's full reader when the `onnx-any` feature is
//! on. Here the nodes become steps: ReLUs fused into the convolution before them, the
//! convolutions a Concat joins writing straight into their place, buffers planned and reused.

use std::collections::HashMap;
use std::rc::Rc;

use super::conv::Conv;
use super::depthwise::Depthwise;
use super::geometry::ConvGeometry;
use super::kernel::Kernel;
use super::pool::{self, PoolGeometry};
use super::read::{
    Const, ConstError, ReadError, ReadResult, const_from_proto, int_attr, ints_attr, invalid, padding,
    pair_attr, positive, unsupported,
};
use super::{Net, Slot, Step};
use crate::contract::{INPUT_NAME, OUTPUT_NAME};
use crate::onnx_pb::{GraphProto, NodeProto};
use building::{GraphIndex, NetParts};

/// The ONNX operators this engine reads: the ones `export` writes, and those the bundled face
/// detector adds (depthwise `Conv`, `Resize`, `Sigmoid`, `Transpose`, `Reshape`).
pub(crate) const SUPPORTED_OPS: [&str; 14] = [
    "Conv",
    "Relu",
    "MaxPool",
    "Concat",
    "GlobalAveragePool",
    "Flatten",
    "Add",
    "Gemm",
    "DequantizeLinear",
    "QuantizeLinear",
    "Sigmoid",
    "Resize",
    "Transpose",
    "Reshape",
];

/// The most values one intermediate tensor may hold (256 MiB of f32). The contract's largest
/// input is far below it; a graph above it is forged (huge pads, say) and would make inference
/// allocate without bound.
pub(crate) const MAX_ACTIVATION_VALUES: usize = 1 << 26;

/// The most values all of one run's buffers may hold together (1 GiB of f32).
const MAX_TOTAL_VALUES: usize = 1 << 28;

/// A value computed at run time: where it lives, its shape, and the step that wrote it (when
/// that step may still be changed: fused with a ReLU, or made to write elsewhere).
#[derive(Debug, Clone)]
struct Activation {
    slot: Slot,
    shape: Vec<usize>,
    producer: Option<usize>,
}

#[derive(Debug, Clone)]
enum Value {
    Activation(Activation),
    Const(Rc<Const>),
}

struct Lowering<'g> {
    net: NetParts,
    values: HashMap<&'g str, Value>,
    index: GraphIndex<'g>,
}

/// The graph as a [`Net`] with its input fixed to `[1, 3, H, W]` (`input_shape`) and one output,
/// the `logits` value. A QDQ graph (static int8) runs on the int8 kernels when it keeps to the
/// pattern `qdq.rs` reads, and in float (dequantised) otherwise.
pub(crate) fn lower(graph: &GraphProto, input_shape: [usize; 4], kernel: Kernel) -> ReadResult<Net> {
    if let Some(net) = qdq::lower_int8(graph, INPUT_NAME, OUTPUT_NAME, input_shape, kernel) {
        return Ok(net);
    }
    lower_named(graph, INPUT_NAME, &[OUTPUT_NAME], input_shape, kernel)
}

/// The graph as a [`Net`] that reads the value `input` (fixed to `input_shape`) and computes the
/// values `outputs`, in that order. Only the nodes those outputs need are lowered.
pub(crate) fn lower_named<'g>(
    graph: &'g GraphProto,
    input_name: &'g str,
    outputs: &[&'g str],
    input_shape: [usize; 4],
    kernel: Kernel,
) -> ReadResult<Net> {
    // Structure first, over every node, read or not: a value written twice makes the graph
    // ambiguous whichever outputs are asked for.
    let mut written: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for node in &graph.node {
        // An empty name is ONNX's way to leave an optional output out.
        for output in node.output.iter().filter(|o| !o.is_empty()) {
            if !written.insert(output.as_str()) || output == input_name {
                return Err(invalid(node, format!("its output `{output}` is written twice")));
            }
        }
    }
    let live = live_nodes(graph, outputs);
    for node in &live {
        // Reject foreign domains first: a custom `Conv` is not ONNX's.
        if !(node.domain.is_empty() || node.domain == "ai.onnx") {
            return Err(unsupported(
                node,
                format!("operator `{}` of domain `{}`", node.op_type, node.domain),
            ));
        }
        if !SUPPORTED_OPS.contains(&node.op_type.as_str()) {
            return Err(unsupported(node, format!("operator `{}`", node.op_type)));
        }
    }
    let input_len: usize = input_shape.iter().product();
    let mut l = Lowering {
        net: NetParts::new(input_len, kernel),
        values: HashMap::new(),
        index: GraphIndex::new(graph, &live, outputs),
    };
    let input = Activation {
        slot: Slot { buf: 0, offset: 0, len: input_len },
        shape: input_shape.to_vec(),
        producer: None,
    };
    l.values.insert(input_name, Value::Activation(input));
    for node in live {
        let value = l.node(node)?;
        if let Value::Activation(act) = &value
            && act.slot.len > MAX_ACTIVATION_VALUES
        {
            return Err(invalid(
                node,
                format!(
                    "its output holds {} values, more than the {MAX_ACTIVATION_VALUES} allowed",
                    act.slot.len
                ),
            ));
        }
        let [output] = node.output.as_slice() else {
            return Err(unsupported(node, format!("{} outputs", node.output.len())));
        };
        if l.values.insert(output.as_str(), value).is_some() || output == input_name {
            return Err(invalid(node, format!("its output `{output}` is written twice")));
        }
    }
    let mut computed = Vec::with_capacity(outputs.len());
    for &name in outputs {
        match l.values.get(name) {
            Some(Value::Activation(act)) => computed.push((act.slot, act.shape.clone())),
            Some(Value::Const(_)) => {
                return Err(ReadError::Invalid(format!(
                    "`{name}` is a constant, not computed from the input"
                )));
            }
            None => return Err(ReadError::Invalid(format!("no node computes `{name}`"))),
        }
    }
    let total = l.net.buffers.iter().skip(1).sum::<usize>() + l.net.scratch_len.total(1);
    if total > MAX_TOTAL_VALUES {
        return Err(ReadError::Invalid(format!(
            "running the graph needs {total} values of buffers, more than the {MAX_TOTAL_VALUES} allowed"
        )));
    }
    Ok(l.net.into_net(computed))
}

/// The nodes that compute `outputs`, in graph order: a node is live when a live node or an
/// output reads one of its values. Unread nodes (a detector's unused heads, say) are never
/// checked or run.
fn live_nodes<'g>(graph: &'g GraphProto, outputs: &[&str]) -> Vec<&'g NodeProto> {
    let mut needed: std::collections::HashSet<&str> = outputs.iter().copied().collect();
    let mut live = vec![false; graph.node.len()];
    for (i, node) in graph.node.iter().enumerate().rev() {
        if node.output.iter().any(|o| needed.contains(o.as_str())) {
            live[i] = true;
            needed.extend(node.input.iter().map(String::as_str));
        }
    }
    graph.node.iter().zip(live).filter(|(_, l)| *l).map(|(n, _)| n).collect()
}

impl<'g> Lowering<'g> {
    fn node(&mut self, node: &'g NodeProto) -> ReadResult<Value> {
        match node.op_type.as_str() {
            "DequantizeLinear" => self.dequantize(node),
            "QuantizeLinear" => self.quantize(node),
            "Conv" => self.conv(node),
            "Relu" => self.relu(node),
            "MaxPool" => self.max_pool(node),
            "Concat" => self.concat(node),
            "GlobalAveragePool" => self.global_average_pool(node),
            "Flatten" => self.flatten(node),
            "Add" => self.add(node),
            "Gemm" => self.gemm(node),
            "Sigmoid" => self.sigmoid(node),
            "Resize" => self.resize(node),
            "Transpose" => self.transpose(node),
            "Reshape" => self.reshape(node),
            other => Err(unsupported(node, format!("operator `{other}`"))),
        }
    }

    /// A new buffer of `len` values for the output of a step about to be pushed.
    fn new_activation(&mut self, shape: Vec<usize>, node: &NodeProto) -> ReadResult<Activation> {
        let len = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .filter(|&n| n <= MAX_ACTIVATION_VALUES);
        let Some(len) = len else {
            return Err(invalid(
                node,
                format!("its output {shape:?} has more than the {MAX_ACTIVATION_VALUES} allowed values"),
            ));
        };
        self.net.buffers.push(len);
        let slot = Slot { buf: self.net.buffers.len() - 1, offset: 0, len };
        Ok(Activation { slot, shape, producer: Some(self.net.steps.len()) })
    }

    /// The value named by the node's input `index`; `None` when the slot is absent or empty
    /// (ONNX's way to skip an optional input).
    fn input(&self, node: &NodeProto, index: usize) -> ReadResult<Option<Value>> {
        let Some(name) = node.input.get(index).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        if let Some(v) = self.values.get(name.as_str()) {
            return Ok(Some(v.clone()));
        }
        if let Some(t) = self.index.initializer(name) {
            return const_from_proto(t).map(|c| Some(Value::Const(Rc::new(c)))).map_err(|e| match e {
                ConstError::Type(what) => unsupported(node, what),
                ConstError::Invalid(what) => invalid(node, what),
            });
        }
        Err(invalid(
            node,
            format!(
                "reads `{name}`, which no earlier node, input or initializer gives (nodes must be in topological order)"
            ),
        ))
    }

    fn required(&self, node: &NodeProto, index: usize) -> ReadResult<Value> {
        self.input(node, index)?.ok_or_else(|| invalid(node, format!("input {index} is missing")))
    }

    fn required_const(&self, node: &NodeProto, index: usize) -> ReadResult<Rc<Const>> {
        match self.required(node, index)? {
            Value::Const(c) => Ok(c),
            Value::Activation(_) => Err(unsupported(
                node,
                format!("input {index} computed at run time (only constant weights are read)"),
            )),
        }
    }

    fn required_act(&self, node: &NodeProto, index: usize) -> ReadResult<Activation> {
        match self.required(node, index)? {
            Value::Activation(a) => Ok(a),
            Value::Const(_) => {
                Err(unsupported(node, format!("input {index} is a constant (constant folding)")))
            }
        }
    }

    fn conv(&mut self, node: &NodeProto) -> ReadResult<Value> {
        let x = self.required_act(node, 0)?;
        let weight = self.required_const(node, 1)?;
        let Some(weights) = weight.f32s().filter(|_| weight.shape.len() == 4) else {
            return Err(invalid(
                node,
                format!(
                    "the weight must be float32 [O, I, kH, kW], it is {} {:?}",
                    weight.type_name(),
                    weight.shape
                ),
            ));
        };
        let [out_channels, in_per_group, kh, kw] =
            [weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3]];
        if out_channels == 0 || in_per_group == 0 || kh == 0 || kw == 0 {
            return Err(invalid(node, format!("the weight has an empty dimension {:?}", weight.shape)));
        }
        if let Some(shape) = ints_attr(node, "kernel_shape")?
            && shape != [kh as i64, kw as i64]
        {
            return Err(invalid(
                node,
                format!("kernel_shape {shape:?} disagrees with the weight's {kh}x{kw}"),
            ));
        }
        let groups = positive(node, "group", int_attr(node, "group")?.unwrap_or(1))?;
        if out_channels % groups != 0 {
            return Err(invalid(
                node,
                format!("{out_channels} output channels do not split into {groups} groups"),
            ));
        }
        if x.shape.len() != 4 || x.shape[0] != 1 || x.shape[1] != in_per_group * groups {
            return Err(invalid(
                node,
                format!(
                    "the input is {:?}; the weight and group {groups} need [N, {}, H, W] with N = 1",
                    x.shape,
                    in_per_group * groups
                ),
            ));
        }
        let bias = match self.input(node, 2)? {
            None => vec![0.0; out_channels],
            Some(Value::Const(b)) if b.shape == [out_channels] && b.f32s().is_some() => b.to_f32(),
            Some(Value::Const(b)) => {
                return Err(invalid(
                    node,
                    format!(
                        "the bias must be float32 [{out_channels}], it is {} {:?}",
                        b.type_name(),
                        b.shape
                    ),
                ));
            }
            Some(Value::Activation(_)) => return Err(unsupported(node, "a bias computed at run time")),
        };
        let (pad_before, pad_after, _) = padding(node)?;
        let stride = pair_attr(node, "strides")?;
        let dilation = pair_attr(node, "dilations")?;
        let (h, w) = (x.shape[2], x.shape[3]);
        let [oh, ow] = pool::output_size([h, w], [kh, kw], dilation, stride, (pad_before, pad_after, false))
            .ok_or_else(|| {
                invalid(node, format!("the dilated kernel is larger than the padded {h}x{w} input"))
            })?;
        let geometry = ConvGeometry {
            input: [x.shape[1], h, w],
            out_channels,
            window: [kh, kw],
            stride,
            dilation,
            pad_before,
            output: [oh, ow],
            groups,
        };
        let out = self.new_activation(vec![1, out_channels, oh, ow], node)?;
        let depthwise = groups == out_channels
            && in_per_group == 1
            && [kh, kw] == [3, 3]
            && stride == [1, 1]
            && dilation == [1, 1]
            && pad_before == [1, 1]
            && pad_after == [1, 1];
        if depthwise {
            let conv = Box::new(Depthwise::new(out_channels, h, w, weights, &bias, self.net.kernel));
            let macs = conv.macs();
            self.net.push(Step::Depthwise { conv, input: x.slot, output: out.slot, relu: false }, macs);
            return Ok(Value::Activation(out));
        }
        let conv = Box::new(Conv::new(geometry, weights, &bias, self.net.kernel));
        self.net.scratch_len = self.net.scratch_len.max(conv.scratch_len());
        self.net.push(Step::Conv { conv, input: x.slot, output: out.slot, relu: false }, geometry.macs());
        Ok(Value::Activation(out))
    }

    /// Fused into the step that computed its input when nothing else reads that value.
    fn relu(&mut self, node: &NodeProto) -> ReadResult<Value> {
        let x = self.required_act(node, 0)?;
        let only_reader = self.index.uses(&node.input[0]) == 1;
        if let Some(step) = x.producer
            && only_reader
        {
            match &mut self.net.steps[step] {
                Step::Conv { output, relu, .. }
                | Step::Depthwise { output, relu, .. }
                | Step::Add { output, relu, .. }
                | Step::Dense { output, relu, .. }
                    if *output == x.slot =>
                {
                    *relu = true;
                    return Ok(Value::Activation(x));
                }
                _ => {}
            }
        }
        let out = self.new_activation(x.shape.clone(), node)?;
        self.net.steps.push(Step::Relu { input: x.slot, output: out.slot });
        Ok(Value::Activation(out))
    }

    fn max_pool(&mut self, node: &NodeProto) -> ReadResult<Value> {
        let x = self.required_act(node, 0)?;
        if x.shape.len() != 4 || x.shape[0] != 1 {
            return Err(invalid(node, format!("the input must be [1, C, H, W], it is {:?}", x.shape)));
        }
        let Some(kernel) = ints_attr(node, "kernel_shape")? else {
            return Err(invalid(node, "kernel_shape is missing"));
        };
        if kernel.len() != 2 {
            return Err(invalid(node, format!("`kernel_shape` needs 2 values, has {}", kernel.len())));
        }
        let kernel = [positive(node, "kernel_shape", kernel[0])?, positive(node, "kernel_shape", kernel[1])?];
        if pair_attr(node, "dilations")? != [1, 1] {
            return Err(unsupported(node, "a dilated max pool"));
        }
        let stride = pair_attr(node, "strides")?;
        let (pad_before, pad_after, ceil_mode) = padding(node)?;
        let (h, w) = (x.shape[2], x.shape[3]);
        let geometry =
            PoolGeometry::sliding(x.shape[1], [h, w], kernel, stride, (pad_before, pad_after, ceil_mode))
                .ok_or_else(|| {
                    invalid(node, format!("the kernel is larger than the padded {h}x{w} input"))
                })?;
        if pad_before[0] >= kernel[0] || pad_before[1] >= kernel[1] {
            return Err(unsupported(
                node,
                "padding as large as the kernel (windows entirely in the padding)",
            ));
        }
        let (oh, ow) = (geometry.out_height, geometry.out_width);
        let out = self.new_activation(vec![1, x.shape[1], oh, ow], node)?;
        self.net.steps.push(Step::MaxPool { geometry, input: x.slot, output: out.slot });
        Ok(Value::Activation(out))
    }

    /// Inputs whose only reader is this Concat, computed by a convolution, are written straight
    /// into their place in the output; the others are copied.
    fn concat(&mut self, node: &'g NodeProto) -> ReadResult<Value> {
        if node.input.is_empty() {
            return Err(invalid(node, "no inputs"));
        }
        let inputs: Vec<Activation> =
            (0..node.input.len()).map(|i| self.required_act(node, i)).collect::<ReadResult<_>>()?;
        let rank = inputs[0].shape.len() as i64;
        let Some(axis) = int_attr(node, "axis")? else {
            return Err(invalid(node, "axis is missing"));
        };
        let axis = if axis < 0 { axis + rank } else { axis };
        if !(0..rank).contains(&axis) {
            return Err(invalid(node, format!("axis {axis} is outside rank {rank}")));
        }
        let axis = axis as usize;
        let mut shape = inputs[0].shape.clone();
        shape[axis] = 0;
        for x in &inputs {
            let same = x.shape.len() == shape.len()
                && x.shape.iter().zip(&shape).enumerate().all(|(i, (a, b))| i == axis || a == b);
            if !same {
                return Err(invalid(
                    node,
                    format!("input {:?} does not join {:?} along axis {axis}", x.shape, inputs[0].shape),
                ));
            }
            shape[axis] += x.shape[axis];
        }
        let outer: usize = shape[..axis].iter().product();
        let out = self.new_activation(shape, node)?;
        if outer != 1 {
            let chunks = inputs.iter().map(|x| (x.slot, x.slot.len / outer)).collect();
            self.net.steps.push(Step::Concat { inputs: chunks, outer, output: out.slot });
            return Ok(Value::Activation(Activation { producer: None, ..out }));
        }
        let mut offset = 0;
        for (x, name) in inputs.iter().zip(&node.input) {
            let target = Slot { buf: out.slot.buf, offset, len: x.slot.len };
            let only_reader = self.index.uses(name) == 1;
            let whole_buffer =
                x.slot.buf != 0 && x.slot.offset == 0 && x.slot.len == self.net.buffers[x.slot.buf];
            let placed = match x.producer.map(|s| &mut self.net.steps[s]) {
                Some(Step::Conv { output, .. }) if only_reader && whole_buffer && *output == x.slot => {
                    *output = target;
                    true
                }
                _ => false,
            };
            if placed {
                // Nothing reads the old buffer now; it is never allocated.
                self.net.buffers[x.slot.buf] = 0;
            } else {
                self.net.steps.push(Step::Concat {
                    inputs: vec![(x.slot, x.slot.len)],
                    outer: 1,
                    output: target,
                });
            }
            offset += x.slot.len;
        }
        Ok(Value::Activation(Activation { producer: None, ..out }))
    }

    fn global_average_pool(&mut self, node: &NodeProto) -> ReadResult<Value> {
        let x = self.required_act(node, 0)?;
        if x.shape.len() < 3 {
            return Err(invalid(
                node,
                format!("the input needs spatial axes, it has rank {}", x.shape.len()),
            ));
        }
        let plane: usize = x.shape[2..].iter().product();
        if plane == 0 {
            return Err(invalid(node, "the input has no spatial extent"));
        }
        let mut shape = x.shape.clone();
        shape[2..].fill(1);
        let out = self.new_activation(shape, node)?;
        self.net.steps.push(Step::GlobalAveragePool { plane, input: x.slot, output: out.slot });
        Ok(Value::Activation(out))
    }

    fn flatten(&mut self, node: &NodeProto) -> ReadResult<Value> {
        let x = self.required_act(node, 0)?;
        let rank = x.shape.len() as i64;
        let axis = int_attr(node, "axis")?.unwrap_or(1);
        let axis = if axis < 0 { axis + rank } else { axis };
        if !(0..=rank).contains(&axis) {
            return Err(invalid(node, format!("axis {axis} is outside rank {rank}")));
        }
        let (head, tail) = x.shape.split_at(axis as usize);
        let shape = vec![head.iter().product(), tail.iter().product()];
        // Same values, same place: only the shape changes. No producer, so nothing fuses across it.
        Ok(Value::Activation(Activation { slot: x.slot, shape, producer: None }))
    }
}

mod building;
mod dense;
mod elementwise;
mod layout;
mod qdq;
mod quantized;
#[cfg(test)]
mod tests;
