//! From the ONNX graph `export` writes to a [`Net`]: shapes, buffers and fused steps.
//!
//! Every node is checked as it is read (`read.rs`: attributes, element types; here: shapes), and
//! a graph that needs more than this engine does is reported as [`ReadError::Unsupported`] naming
//! the node, so the classifier can hand it to tract's full reader when the `onnx-any` feature is
//! on. Here the nodes become steps: ReLUs fused into the convolution before them, the
//! convolutions a Concat joins writing straight into their place, buffers planned and reused.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Mutex;

use super::conv::{Conv, ConvGeometry};
use super::kernel::Kernel;
use super::pool::{self, PoolGeometry};
use super::read::{
    Const, ConstData, ConstError, ReadError, ReadResult, const_from_proto, float_attr, int_attr, ints_attr,
    invalid, padding, pair_attr, positive, unsupported,
};
use super::{Net, Slot, Step};
use crate::contract::{INPUT_NAME, OUTPUT_NAME};
use crate::onnx_pb::{GraphProto, NodeProto, TensorProto};

/// The ONNX operators this engine reads (the ones `export` writes).
pub(crate) const SUPPORTED_OPS: [&str; 9] =
    ["Conv", "Relu", "MaxPool", "Concat", "GlobalAveragePool", "Flatten", "Add", "Gemm", "DequantizeLinear"];

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
    steps: Vec<Step>,
    buffers: Vec<usize>,
    scratch_len: usize,
    macs: usize,
    kernel: Kernel,
    values: HashMap<&'g str, Value>,
    initializers: HashMap<&'g str, &'g TensorProto>,
    /// How many node inputs (and graph outputs) read each value.
    uses: HashMap<&'g str, usize>,
}

/// The graph as a [`Net`] with its input fixed to `[1, 3, H, W]` (`input_shape`) and one output,
/// the `logits` value.
pub(crate) fn lower(graph: &GraphProto, input_shape: [usize; 4], kernel: Kernel) -> ReadResult<Net> {
    for node in &graph.node {
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
    let mut uses: HashMap<&str, usize> = HashMap::new();
    for name in graph.node.iter().flat_map(|n| &n.input).filter(|n| !n.is_empty()) {
        *uses.entry(name.as_str()).or_default() += 1;
    }
    *uses.entry(OUTPUT_NAME).or_default() += 1;
    let input_len: usize = input_shape.iter().product();
    let mut l = Lowering {
        steps: Vec::new(),
        buffers: vec![input_len],
        scratch_len: 0,
        macs: 0,
        kernel,
        values: HashMap::new(),
        initializers: graph.initializer.iter().map(|t| (t.name.as_str(), t)).collect(),
        uses,
    };
    let input = Activation {
        slot: Slot { buf: 0, offset: 0, len: input_len },
        shape: input_shape.to_vec(),
        producer: None,
    };
    l.values.insert(INPUT_NAME, Value::Activation(input));
    for node in &graph.node {
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
        if l.values.insert(output.as_str(), value).is_some() || output == INPUT_NAME {
            return Err(invalid(node, format!("its output `{output}` is written twice")));
        }
    }
    let output = match l.values.get(OUTPUT_NAME) {
        Some(Value::Activation(act)) => act.clone(),
        Some(Value::Const(_)) => {
            return Err(ReadError::Invalid(format!(
                "`{OUTPUT_NAME}` is a constant, not computed from the input"
            )));
        }
        None => return Err(ReadError::Invalid(format!("no node computes `{OUTPUT_NAME}`"))),
    };
    let total = l.buffers.iter().skip(1).sum::<usize>() + l.scratch_len;
    if total > MAX_TOTAL_VALUES {
        return Err(ReadError::Invalid(format!(
            "running the graph needs {total} values of buffers, more than the {MAX_TOTAL_VALUES} allowed"
        )));
    }
    Ok(Net {
        steps: l.steps,
        buffers: l.buffers,
        scratch_len: l.scratch_len,
        output: output.slot,
        output_shape: output.shape,
        kernel,
        macs: l.macs,
        spare: Mutex::new(Vec::new()),
    })
}

impl<'g> Lowering<'g> {
    fn node(&mut self, node: &'g NodeProto) -> ReadResult<Value> {
        match node.op_type.as_str() {
            "DequantizeLinear" => self.dequantize_linear(node).map(|c| Value::Const(Rc::new(c))),
            "Conv" => self.conv(node),
            "Relu" => self.relu(node),
            "MaxPool" => self.max_pool(node),
            "Concat" => self.concat(node),
            "GlobalAveragePool" => self.global_average_pool(node),
            "Flatten" => self.flatten(node),
            "Add" => self.add(node),
            "Gemm" => self.gemm(node),
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
        self.buffers.push(len);
        let slot = Slot { buf: self.buffers.len() - 1, offset: 0, len };
        Ok(Activation { slot, shape, producer: Some(self.steps.len()) })
    }

    fn uses(&self, name: &str) -> usize {
        self.uses.get(name).copied().unwrap_or(0)
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
        if let Some(t) = self.initializers.get(name.as_str()) {
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

    /// Per-axis (or per-tensor) int8/uint8 weights to f32: `(q - zero_point) * scale`.
    fn dequantize_linear(&mut self, node: &NodeProto) -> ReadResult<Const> {
        let q = self.required_const(node, 0)?;
        let scale = self.required_const(node, 1)?;
        let zero = match self.input(node, 2)? {
            None => None,
            Some(Value::Const(c)) => Some(c),
            Some(Value::Activation(_)) => return Err(unsupported(node, "a zero point computed at run time")),
        };
        if matches!(q.data, ConstData::F32(_)) {
            return Err(unsupported(node, "quantised input of type float32"));
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
        let side = |axis: usize, len: usize| {
            pool::output_len(
                len,
                [kh, kw][axis],
                dilation[axis],
                stride[axis],
                [pad_before[axis], pad_after[axis]],
                false,
            )
            .ok_or_else(|| {
                invalid(node, format!("the dilated kernel is larger than the padded {h}x{w} input"))
            })
        };
        let (oh, ow) = (side(0, h)?, side(1, w)?);
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
        let conv = Conv::new(geometry, weights, &bias, self.kernel);
        self.scratch_len = self.scratch_len.max(conv.scratch_len());
        self.macs += geometry.macs();
        self.steps.push(Step::Conv { conv: Box::new(conv), input: x.slot, output: out.slot, relu: false });
        Ok(Value::Activation(out))
    }

    /// Fused into the step that computed its input when nothing else reads that value.
    fn relu(&mut self, node: &NodeProto) -> ReadResult<Value> {
        let x = self.required_act(node, 0)?;
        let only_reader = self.uses(&node.input[0]) == 1;
        if let Some(step) = x.producer
            && only_reader
        {
            match &mut self.steps[step] {
                Step::Conv { output, relu, .. }
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
        self.steps.push(Step::Relu { input: x.slot, output: out.slot });
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
        let side = |axis: usize, len: usize| {
            pool::output_len(
                len,
                kernel[axis],
                1,
                stride[axis],
                [pad_before[axis], pad_after[axis]],
                ceil_mode,
            )
            .ok_or_else(|| invalid(node, format!("the kernel is larger than the padded {h}x{w} input")))
        };
        let (oh, ow) = (side(0, h)?, side(1, w)?);
        if pad_before[0] >= kernel[0] || pad_before[1] >= kernel[1] {
            return Err(unsupported(
                node,
                "padding as large as the kernel (windows entirely in the padding)",
            ));
        }
        let geometry = PoolGeometry {
            channels: x.shape[1],
            height: h,
            width: w,
            out_height: oh,
            out_width: ow,
            window: kernel,
            stride,
            pad_before,
        };
        let out = self.new_activation(vec![1, x.shape[1], oh, ow], node)?;
        self.steps.push(Step::MaxPool { geometry, input: x.slot, output: out.slot });
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
            self.steps.push(Step::Concat { inputs: chunks, outer, output: out.slot });
            return Ok(Value::Activation(Activation { producer: None, ..out }));
        }
        let mut offset = 0;
        for (x, name) in inputs.iter().zip(&node.input) {
            let target = Slot { buf: out.slot.buf, offset, len: x.slot.len };
            let only_reader = self.uses(name) == 1;
            let whole_buffer =
                x.slot.buf != 0 && x.slot.offset == 0 && x.slot.len == self.buffers[x.slot.buf];
            let placed = match x.producer.map(|s| &mut self.steps[s]) {
                Some(Step::Conv { output, .. }) if only_reader && whole_buffer && *output == x.slot => {
                    *output = target;
                    true
                }
                _ => false,
            };
            if placed {
                // Nothing reads the old buffer now; it is never allocated.
                self.buffers[x.slot.buf] = 0;
            } else {
                self.steps.push(Step::Concat {
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
        self.steps.push(Step::GlobalAveragePool { plane, input: x.slot, output: out.slot });
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

    fn add(&mut self, node: &NodeProto) -> ReadResult<Value> {
        let (a, b) = (self.required_act(node, 0)?, self.required_act(node, 1)?);
        if a.shape != b.shape {
            return Err(unsupported(node, format!("a broadcasting Add of {:?} and {:?}", a.shape, b.shape)));
        }
        let out = self.new_activation(a.shape.clone(), node)?;
        self.steps.push(Step::Add { a: a.slot, b: b.slot, output: out.slot, relu: false });
        Ok(Value::Activation(out))
    }

    /// `alpha * A B' + beta * C` with constant `B` and `C`.
    fn gemm(&mut self, node: &NodeProto) -> ReadResult<Value> {
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
        self.steps.push(Step::Dense {
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

/// The lowering paths no graph `export` writes reaches (SqueezeNet's Concats are all planned
/// away, every Relu fuses, the classifier's Gemm has transB = 1), each run on every kernel and
/// held to a plain computation, so that a graph from another exporter does not run them first.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx_pb::{AttributeProto, attribute_proto::AttributeType, tensor_proto::DataType};

    /// The input every test graph reads: `[1, C, H, W]`.
    const C: usize = 3;
    const H: usize = 5;
    const W: usize = 4;
    const PLANE: usize = H * W;

    fn node(op: &str, inputs: &[&str], output: &str, attribute: Vec<AttributeProto>) -> NodeProto {
        NodeProto {
            op_type: op.into(),
            name: format!("{op} -> {output}"),
            input: inputs.iter().map(|s| (*s).into()).collect(),
            output: vec![output.into()],
            attribute,
            ..Default::default()
        }
    }

    fn int(name: &str, i: i64) -> AttributeProto {
        AttributeProto { name: name.into(), r#type: AttributeType::Int as i32, i, ..Default::default() }
    }

    fn ints(name: &str, ints: &[i64]) -> AttributeProto {
        AttributeProto {
            name: name.into(),
            r#type: AttributeType::Ints as i32,
            ints: ints.to_vec(),
            ..Default::default()
        }
    }

    fn float(name: &str, f: f32) -> AttributeProto {
        AttributeProto { name: name.into(), r#type: AttributeType::Float as i32, f, ..Default::default() }
    }

    fn tensor(name: &str, dims: &[usize], values: &[f32]) -> TensorProto {
        assert_eq!(dims.iter().product::<usize>(), values.len(), "{name}");
        TensorProto {
            name: name.into(),
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: DataType::Float as i32,
            raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ..Default::default()
        }
    }

    fn graph(node: Vec<NodeProto>, initializer: Vec<TensorProto>) -> GraphProto {
        GraphProto { node, initializer, ..Default::default() }
    }

    /// Deterministic values in about [-2, 2], half of them negative.
    fn values(len: usize, seed: usize) -> Vec<f32> {
        (0..len).map(|i| (((i + seed) * 7919 % 1009) as f32 - 504.0) / 250.0).collect()
    }

    fn input() -> Vec<f32> {
        values(C * PLANE, 1)
    }

    /// A 1x1 convolution of the input to `m` channels: its weight and bias initializers, and its
    /// output computed directly, `b[o] + sum_c w[o, c] x[c, p]`.
    fn pointwise(name: &str, m: usize, seed: usize) -> (Vec<TensorProto>, Vec<f32>) {
        let (w, b) = (values(m * C, seed), values(m, seed + 1));
        let x = input();
        let mut out = vec![0f32; m * PLANE];
        for o in 0..m {
            for p in 0..PLANE {
                let s: f64 =
                    b[o] as f64 + (0..C).map(|c| w[o * C + c] as f64 * x[c * PLANE + p] as f64).sum::<f64>();
                out[o * PLANE + p] = s as f32;
            }
        }
        let init =
            vec![tensor(&format!("{name}.w"), &[m, C, 1, 1], &w), tensor(&format!("{name}.b"), &[m], &b)];
        (init, out)
    }

    fn conv_node(name: &str) -> NodeProto {
        let (w, b) = (format!("{name}.w"), format!("{name}.b"));
        node("Conv", &[INPUT_NAME, &w, &b], name, vec![])
    }

    /// `graph` lowered on every kernel this CPU runs and run on [`input`]: the output must be
    /// `want` (of shape `shape`) within float rounding. Returns the nets for checks of their
    /// steps.
    fn run_on_every_kernel(what: &str, graph: &GraphProto, shape: &[usize], want: &[f32]) -> Vec<Net> {
        let mut nets = Vec::new();
        for kernel in Kernel::available() {
            let net = match lower(graph, [1, C, H, W], kernel) {
                Ok(net) => net,
                Err(e) => panic!("{what}, {}: {e:?}", kernel.name()),
            };
            assert_eq!(net.output_shape(), shape, "{what}, {}", kernel.name());
            let got = net.run(&input());
            assert_eq!(got.len(), want.len(), "{what}, {}", kernel.name());
            for (i, (g, w)) in got.iter().zip(want).enumerate() {
                assert!(
                    (g - w).abs() <= 1e-4 * (1.0 + w.abs()),
                    "{what}, {} [{i}]: {g} vs {w}",
                    kernel.name()
                );
            }
            // A second run reuses the first run's buffers: nothing may depend on them being fresh.
            assert_eq!(net.run(&input()), got, "{what}, {}: second run", kernel.name());
            nets.push(net);
        }
        nets
    }

    fn copies(net: &Net) -> Vec<(usize, usize)> {
        net.steps
            .iter()
            .filter_map(|s| match s {
                Step::Concat { inputs, outer, .. } => Some((inputs.len(), *outer)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn concat_copies_the_inputs_it_cannot_have_written_in_place() {
        // Channels joined: the graph input (never written by a step), `a` (a convolution that
        // another node also reads), `b` (a convolution only the Concat reads: written in place)
        // and `s` (an Add).
        let (mut init, a) = pointwise("a", 2, 10);
        let (init_b, b) = pointwise("b", 4, 20);
        init.extend(init_b);
        let g = graph(
            vec![
                conv_node("a"),
                conv_node("b"),
                node("Add", &["a", "a"], "s", vec![]),
                node("Concat", &[INPUT_NAME, "a", "b", "s"], OUTPUT_NAME, vec![int("axis", 1)]),
            ],
            init,
        );
        let s: Vec<f32> = a.iter().map(|v| v + v).collect();
        let want: Vec<f32> = [input(), a, b, s].concat();
        for net in run_on_every_kernel("concat with copies", &g, &[1, C + 2 + 4 + 2, H, W], &want) {
            assert_eq!(copies(&net), vec![(1, 1); 3], "the input, `a` and `s` are copied");
            let placed = net.steps.iter().any(|s| {
                matches!(s, Step::Conv { output, .. } if output.buf == net.output.buf && output.offset == (C + 2) * PLANE)
            });
            assert!(placed, "`b` is written straight into the joined buffer");
        }
    }

    /// `a` and `b` joined along `axis` the plain way: each output element found by its
    /// coordinates.
    fn joined(a: &[f32], a_shape: [usize; 4], b: &[f32], b_shape: [usize; 4], axis: usize) -> Vec<f32> {
        let mut shape = a_shape;
        shape[axis] += b_shape[axis];
        let at = |s: [usize; 4], i: [usize; 4]| ((i[0] * s[1] + i[1]) * s[2] + i[2]) * s[3] + i[3];
        let mut out = Vec::with_capacity(shape.iter().product());
        for n in 0..shape[0] {
            for c in 0..shape[1] {
                for y in 0..shape[2] {
                    for x in 0..shape[3] {
                        let mut i = [n, c, y, x];
                        out.push(if i[axis] < a_shape[axis] {
                            a[at(a_shape, i)]
                        } else {
                            i[axis] -= a_shape[axis];
                            b[at(b_shape, i)]
                        });
                    }
                }
            }
        }
        out
    }

    #[test]
    fn concat_on_an_inner_axis_interleaves_its_inputs() {
        // [1, 3, 5, 4] (a convolution) then [1, 3, 5, 4] or [1, 3, 4, 4] or [1, 3, 5, 3] (a max
        // pool of the input), along the height or the width, counted from either end.
        for (axis, attr, pool) in [(2, 2, [1usize, 1]), (3, -1, [1, 1]), (2, -2, [2, 1]), (3, 3, [1, 2])] {
            let pool_attr = ints("kernel_shape", &[pool[0] as i64, pool[1] as i64]);
            let (init, a) = pointwise("a", C, 30);
            let g = graph(
                vec![
                    conv_node("a"),
                    node("MaxPool", &[INPUT_NAME], "m", vec![pool_attr]),
                    node("Concat", &["a", "m"], OUTPUT_NAME, vec![int("axis", attr)]),
                ],
                init,
            );
            let m_shape = [1, C, H + 1 - pool[0], W + 1 - pool[1]];
            let x = input();
            let mut m = Vec::new();
            for c in 0..C {
                for y in 0..m_shape[2] {
                    for xx in 0..m_shape[3] {
                        let window = (0..pool[0]).flat_map(|dy| (0..pool[1]).map(move |dx| (dy, dx)));
                        m.push(
                            window.map(|(dy, dx)| x[(c * H + y + dy) * W + xx + dx]).fold(f32::MIN, f32::max),
                        );
                    }
                }
            }
            let want = joined(&a, [1, C, H, W], &m, m_shape, axis);
            let mut shape = vec![1, C, H, W];
            shape[axis] += m_shape[axis];
            let what = format!("concat on axis {attr} after a {pool:?} max pool");
            for net in run_on_every_kernel(&what, &g, &shape, &want) {
                let outer = shape[..axis].iter().product::<usize>();
                assert_eq!(copies(&net), vec![(2, outer)], "{what}: one interleaving copy");
            }
        }
    }

    #[test]
    fn a_relu_that_cannot_fuse_runs_as_its_own_step() {
        let (init, a) = pointwise("a", 2, 40);
        let relu = |v: &[f32]| v.iter().map(|&x| x.max(0.0)).collect::<Vec<f32>>();
        let cases = [
            // The graph input has no step to fuse into.
            ("relu of the input", vec![node("Relu", &[INPUT_NAME], OUTPUT_NAME, vec![])], relu(&input()), C),
            // `a` is read twice: fused, the Add would see max(a, 0) for its other operand too.
            (
                "relu of a value read twice",
                vec![
                    conv_node("a"),
                    node("Relu", &["a"], "r", vec![]),
                    node("Add", &["a", "r"], OUTPUT_NAME, vec![]),
                ],
                a.iter().zip(relu(&a)).map(|(x, r)| x + r).collect(),
                2,
            ),
            // A Concat's output has no producer step that could apply it.
            (
                "relu after a concat",
                vec![
                    conv_node("a"),
                    node("Concat", &["a", INPUT_NAME], "cat", vec![int("axis", 1)]),
                    node("Relu", &["cat"], OUTPUT_NAME, vec![]),
                ],
                relu(&[a.clone(), input()].concat()),
                2 + C,
            ),
        ];
        for (what, nodes, want, channels) in cases {
            let g = graph(nodes, init.clone());
            for net in run_on_every_kernel(what, &g, &[1, channels, H, W], &want) {
                assert!(net.steps.iter().any(|s| matches!(s, Step::Relu { .. })), "{what}: a Relu step");
                let fused = net
                    .steps
                    .iter()
                    .any(|s| matches!(s, Step::Conv { relu: true, .. } | Step::Add { relu: true, .. }));
                assert!(!fused, "{what}: nothing fused");
            }
        }
    }

    #[test]
    fn gemm_reads_b_untransposed_and_broadcasts_c() {
        // [3, 20] (the input flattened from axis 2) times B [20, 5]: rows > 1, k not a multiple
        // of anything, alpha and beta applied.
        let (rows, k, n) = (C, PLANE, 5);
        let b = values(k * n, 50);
        let b_t: Vec<f32> = (0..n).flat_map(|j| (0..k).map(|p| b[p * n + j]).collect::<Vec<_>>()).collect();
        let (alpha, beta) = (0.5, -2.0);
        let x = input();
        for (c_shape, c) in
            [(vec![rows, 1], values(rows, 60)), (vec![n], values(n, 70)), (vec![], vec![0.25])]
        {
            let (cr, cn) = match c_shape.as_slice() {
                [r, x] => (*r, *x),
                [x] => (1, *x),
                _ => (1, 1),
            };
            let mut want = vec![0f32; rows * n];
            for r in 0..rows {
                for j in 0..n {
                    let dot: f64 = (0..k).map(|p| x[r * k + p] as f64 * b[p * n + j] as f64).sum();
                    want[r * n + j] =
                        (alpha as f64 * dot + beta as f64 * c[(r % cr) * cn + j % cn] as f64) as f32;
                }
            }
            // transB = 0 explicit or by default, and the same product from B' with transB = 1.
            for (trans, weights, dims) in [(Some(0), &b, [k, n]), (None, &b, [k, n]), (Some(1), &b_t, [n, k])]
            {
                let mut attrs = vec![float("alpha", alpha), float("beta", beta)];
                attrs.extend(trans.map(|t| int("transB", t)));
                let g = graph(
                    vec![
                        node("Flatten", &[INPUT_NAME], "flat", vec![int("axis", 2)]),
                        node("Gemm", &["flat", "B", "C"], OUTPUT_NAME, attrs),
                    ],
                    vec![tensor("B", &dims, weights), tensor("C", &c_shape, &c)],
                );
                let what = format!("gemm transB {trans:?}, C {c_shape:?}");
                run_on_every_kernel(&what, &g, &[rows, n], &want);
            }
        }
    }
}
