//! A static int8 QDQ graph (ONNX opset 13, as `export`'s quantiser and ONNX Runtime's
//! `quantize_static(QuantFormat.QDQ)` write it) to int8 steps on uint8 buffers.
//!
//! The pattern: the float input is quantised once (`QuantizeLinear`); every `Conv` reads a
//! `DequantizeLinear` of uint8 activations, int8 per-output-channel weights (zero point 0) and
//! an optional int32 bias (scale `s_x * s_w`); an optional `Relu`, then `QuantizeLinear` of its
//! output. `MaxPool` sits between a DQ and a Q; a `Concat` of DQs is followed by a Q (each input
//! requantised straight into the concat's scale, in place, when they differ); the head is
//! `DequantizeLinear -> GlobalAveragePool -> Flatten` to float logits. Anything else, anywhere,
//! and the whole graph runs on the float path instead (`None`), so nothing that loads stops
//! loading.

use std::collections::HashMap;

use super::super::geometry::ConvGeometry;
use super::super::pool::{self, PoolGeometry};
use super::super::qconv::{QConv, QConvParams};
use super::super::qsteps::{QPlanes, QStep};
use super::super::read::{Const, ConstData, const_from_proto, int_attr, ints_attr, padding, pair_attr};
use super::super::split::ScratchLen;
use super::super::uint8::{QUAD, quad_len};
use super::super::{Kernel, Net, Slot, Step};
use super::building::{GraphIndex, NetParts};
use super::{MAX_ACTIVATION_VALUES, MAX_TOTAL_VALUES, live_nodes};
use crate::onnx_pb::{GraphProto, NodeProto};

/// Why a graph is not lowered to int8 (it then runs in float).
type Fallback = String;

/// A uint8 tensor in the quad layout, with the quantisation its readers dequantise it with.
#[derive(Debug, Clone)]
struct QAct {
    slot: Slot,
    shape: Vec<usize>,
    scale: f32,
    zero: u8,
    /// The convolution step that writes exactly this buffer, while nothing else reads it (so
    /// that a concat may make it write into its own buffer instead).
    movable: Option<usize>,
}

#[derive(Debug, Clone)]
enum QValue {
    /// The float graph input.
    Input {
        slot: Slot,
        shape: Vec<usize>,
    },
    U8(QAct),
    /// A `QuantizeLinear` of a float value after the head (ONNX Runtime quantises the pooled
    /// logits too): the integers, as floats.
    FloatQuantized {
        slot: Slot,
        shape: Vec<usize>,
    },
    /// A `DequantizeLinear` of a uint8 tensor: the same bytes, read as reals.
    Dequantized(QAct),
    /// A `DequantizeLinear` of an initializer: integers, per-axis scales and zero points.
    QConst {
        q: std::rc::Rc<Const>,
        scales: Vec<f32>,
        zeros: Vec<i64>,
    },
    /// A convolution's output before its `QuantizeLinear` (the step exists, its output not yet).
    Acc {
        step: usize,
        shape: Vec<usize>,
        relu: bool,
    },
    /// A concat of dequantised tensors, waiting for its `QuantizeLinear`.
    Concat {
        parts: Vec<QAct>,
        shape: Vec<usize>,
    },
    Float {
        slot: Slot,
        shape: Vec<usize>,
    },
}

struct QLowering<'g> {
    net: NetParts,
    values: HashMap<&'g str, QValue>,
    index: GraphIndex<'g>,
}

/// The graph on the int8 kernels of `kernel`, or `None` when it is not a QDQ graph of the
/// pattern above.
pub(crate) fn lower_int8(
    graph: &GraphProto,
    input_name: &str,
    output_name: &str,
    input_shape: [usize; 4],
    kernel: Kernel,
) -> Option<Net> {
    if !graph.node.iter().any(|n| n.op_type == "QuantizeLinear") {
        return None;
    }
    try_lower_int8(graph, input_name, output_name, input_shape, kernel).ok()
}

/// [`lower_int8`] with the reason when the graph is not taken.
pub(crate) fn try_lower_int8<'g>(
    graph: &'g GraphProto,
    input_name: &'g str,
    output_name: &'g str,
    input_shape: [usize; 4],
    kernel: Kernel,
) -> Result<Net, Fallback> {
    let live = live_nodes(graph, &[output_name]);
    let input_len: usize = input_shape.iter().product();
    let mut l = QLowering {
        net: NetParts::new(input_len, kernel),
        values: HashMap::new(),
        index: GraphIndex::new(graph, &live, &[output_name]),
    };
    let input =
        QValue::Input { slot: Slot { buf: 0, offset: 0, len: input_len }, shape: input_shape.to_vec() };
    l.values.insert(input_name, input);
    for node in live {
        if !(node.domain.is_empty() || node.domain == "ai.onnx") {
            return Err(format!("domain `{}`", node.domain));
        }
        let [output] = node.output.as_slice() else {
            return Err(format!("node `{}` has {} outputs", node.name, node.output.len()));
        };
        let value = l.node(node).map_err(|e| format!("node `{}` ({}): {e}", node.name, node.op_type))?;
        if l.values.insert(output.as_str(), value).is_some() {
            return Err(format!("`{output}` is written twice"));
        }
    }
    let (slot, shape) = match l.values.get(output_name) {
        Some(QValue::Float { slot, shape }) => (*slot, shape.clone()),
        _ => return Err(format!("`{output_name}` is not a float output of the int8 head")),
    };
    let total = l.net.buffers.iter().skip(1).sum::<usize>() * 4
        + l.net.qbuffers.iter().sum::<usize>()
        + l.net.qscratch_len.total(1);
    if total > MAX_TOTAL_VALUES * 4 {
        return Err(format!("{total} bytes of buffers"));
    }
    if l.net.qbuffers.iter().any(|&len| len > MAX_ACTIVATION_VALUES * 4) {
        return Err("an activation larger than allowed".into());
    }
    Ok(l.net.into_net(vec![(slot, shape)]))
}

impl<'g> QLowering<'g> {
    fn node(&mut self, node: &'g NodeProto) -> Result<QValue, Fallback> {
        match node.op_type.as_str() {
            "QuantizeLinear" => self.quantize(node),
            "DequantizeLinear" => self.dequantize(node),
            "Conv" => self.conv(node),
            "Relu" => match self.input(node, 0)? {
                QValue::Acc { step, shape, .. } if self.sole_reader(node, 0) => {
                    Ok(QValue::Acc { step, shape, relu: true })
                }
                _ => Err("a Relu that does not follow a convolution alone".into()),
            },
            "MaxPool" => self.max_pool(node),
            "Concat" => self.concat(node),
            "GlobalAveragePool" => self.average_pool(node),
            "Flatten" => match self.input(node, 0)? {
                QValue::Float { slot, shape } if int_attr(node, "axis").ok().flatten().unwrap_or(1) == 1 => {
                    Ok(QValue::Float { slot, shape: vec![shape[0], shape[1..].iter().product()] })
                }
                _ => Err("a Flatten other than the head's".into()),
            },
            other => Err(format!("operator `{other}`")),
        }
    }

    fn input(&self, node: &NodeProto, index: usize) -> Result<QValue, Fallback> {
        let Some(name) = node.input.get(index).filter(|n| !n.is_empty()) else {
            return Err(format!("input {index} is missing"));
        };
        if let Some(v) = self.values.get(name.as_str()) {
            return Ok(v.clone());
        }
        let t = self.index.initializer(name).ok_or_else(|| format!("no value `{name}`"))?;
        let c = const_from_proto(t).map_err(|_| format!("initializer `{name}` unread"))?;
        Ok(QValue::QConst { q: std::rc::Rc::new(c), scales: Vec::new(), zeros: Vec::new() })
    }

    fn optional_const(&self, node: &NodeProto, index: usize) -> Result<Option<std::rc::Rc<Const>>, Fallback> {
        if node.input.get(index).is_none_or(|n| n.is_empty()) {
            return Ok(None);
        }
        match self.input(node, index)? {
            QValue::QConst { q, scales, .. } if scales.is_empty() => Ok(Some(q)),
            _ => Err(format!("input {index} is not an initializer")),
        }
    }

    fn sole_reader(&self, node: &NodeProto, index: usize) -> bool {
        self.index.uses(&node.input[index]) == 1
    }

    /// A Q/DQ node's per-tensor scale and uint8 zero point.
    fn activation_params(&self, node: &NodeProto) -> Result<(f32, u8), Fallback> {
        let scale = match self.optional_const(node, 1)?.as_deref().and_then(Const::f32s) {
            Some(&[s]) if s.is_finite() && s > 0.0 => s,
            _ => return Err("not one positive float32 scale".into()),
        };
        let zero = match self.optional_const(node, 2)?.map(|z| match &z.data {
            ConstData::U8(v) if v.len() == 1 => Some(v[0]),
            _ => None,
        }) {
            None => 0,
            Some(Some(z)) => z,
            Some(None) => return Err("not one uint8 zero point".into()),
        };
        Ok((scale, zero))
    }

    /// A uint8 buffer for `channels` planes of `plane` values, within the engine's limit.
    fn new_qbuffer(&mut self, channels: usize, plane: usize) -> Result<Slot, Fallback> {
        let len = channels
            .checked_add(QUAD)
            .and_then(|c| c.checked_mul(plane))
            .filter(|&n| n <= MAX_ACTIVATION_VALUES)
            .map(|_| quad_len(channels, plane))
            .ok_or("an activation larger than allowed")?;
        self.net.qbuffers.push(len);
        Ok(Slot { buf: self.net.qbuffers.len() - 1, offset: 0, len })
    }

    fn quantize(&mut self, node: &NodeProto) -> Result<QValue, Fallback> {
        let (scale, zero) = self.activation_params(node)?;
        match self.input(node, 0)? {
            QValue::Input { slot, shape } => {
                let [1, channels, h, w] = shape[..] else { return Err("input not [1, C, H, W]".into()) };
                let output = self.new_qbuffer(channels, h * w)?;
                let planes = QPlanes { scale, zero, channels, plane: h * w };
                let step = QStep::Quantize { planes, input: slot, output };
                self.net.steps.push(Step::Int8(step));
                Ok(QValue::U8(QAct { slot: output, shape, scale, zero, movable: None }))
            }
            QValue::Acc { step, shape, relu } if self.sole_reader(node, 0) => {
                let output = self.new_qbuffer(shape[1], shape[2] * shape[3])?;
                let Step::Int8(QStep::Conv { conv, output: out, .. }) = &mut self.net.steps[step] else {
                    return Err("lost convolution".into());
                };
                // With zero point 0 the clamp at 0 is a ReLU (ONNX Runtime drops the Relu node
                // then); it must stay one if a concat requantises the output to another zero point.
                conv.relu = relu || zero == 0;
                conv.set_output(scale, zero);
                *out = output;
                Ok(QValue::U8(QAct { slot: output, shape, scale, zero, movable: Some(step) }))
            }
            QValue::Dequantized(a) if a.scale == scale && a.zero == zero => {
                Ok(QValue::U8(QAct { movable: None, ..a }))
            }
            QValue::Concat { parts, shape } => self.place_concat(parts, shape, scale, zero),
            QValue::Float { slot, shape } => {
                let output = self.net.new_float(slot.len);
                self.net.steps.push(Step::Quantize { scale, zero: f32::from(zero), input: slot, output });
                Ok(QValue::FloatQuantized { slot: output, shape })
            }
            _ => Err("a QuantizeLinear of a value other than the input, a convolution or a concat".into()),
        }
    }

    /// Each input of a concat written into its place in one buffer: its convolution retargeted
    /// (and requantised to the concat's scale), or copied when its scale already is the concat's.
    fn place_concat(
        &mut self,
        parts: Vec<QAct>,
        shape: Vec<usize>,
        scale: f32,
        zero: u8,
    ) -> Result<QValue, Fallback> {
        let plane = shape[2] * shape[3];
        let output = self.new_qbuffer(shape[1], plane)?;
        let mut channel = 0;
        for part in &parts {
            let target = Slot { buf: output.buf, offset: channel * plane, len: part.slot.len };
            channel += part.shape[1];
            if channel % QUAD != 0 && channel != shape[1] {
                return Err("a concat input whose channels are not a multiple of 4".into());
            }
            match part.movable.map(|s| &mut self.net.steps[s]) {
                Some(Step::Int8(QStep::Conv { conv, output, .. })) => {
                    conv.set_output(scale, zero);
                    self.net.qbuffers[output.buf] = 0;
                    *output = target;
                }
                _ if part.scale == scale && part.zero == zero => {
                    self.net.steps.push(Step::Int8(QStep::Copy { input: part.slot, output: target }));
                }
                _ => return Err("a concat input of another scale that cannot be requantised in place".into()),
            }
        }
        Ok(QValue::U8(QAct { slot: output, shape, scale, zero, movable: None }))
    }

    fn dequantize(&mut self, node: &NodeProto) -> Result<QValue, Fallback> {
        match self.input(node, 0)? {
            QValue::U8(a) => {
                let (scale, zero) = self.activation_params(node)?;
                let movable = a.movable.filter(|_| self.sole_reader(node, 0));
                Ok(QValue::Dequantized(QAct { scale, zero, movable, ..a }))
            }
            QValue::QConst { q, .. } => {
                let scales = self
                    .optional_const(node, 1)?
                    .and_then(|s| s.f32s().map(<[f32]>::to_vec))
                    .filter(|s| !s.is_empty() && s.iter().all(|v| v.is_finite() && *v > 0.0))
                    .ok_or("weight scales must be positive float32")?;
                let zeros = match self.optional_const(node, 2)?.map(|z| z.data_i64()) {
                    None => vec![0; scales.len()],
                    Some(Some(z)) if z.len() == scales.len() => z,
                    _ => return Err("zero points do not match the scales".into()),
                };
                let axis = int_attr(node, "axis").ok().flatten().unwrap_or(1);
                if scales.len() > 1 && axis != 0 {
                    return Err("per-channel scales on an axis other than 0".into());
                }
                if scales.len() > 1 && q.shape.first() != Some(&scales.len()) {
                    return Err("per-channel scales do not match the output channels".into());
                }
                Ok(QValue::QConst { q, scales, zeros })
            }
            QValue::FloatQuantized { slot, shape } => {
                let (scale, zero) = self.activation_params(node)?;
                let output = self.net.new_float(slot.len);
                self.net.steps.push(Step::Dequantize { scale, zero: f32::from(zero), input: slot, output });
                Ok(QValue::Float { slot: output, shape })
            }
            _ => Err("a DequantizeLinear of a float value".into()),
        }
    }

    fn conv(&mut self, node: &NodeProto) -> Result<QValue, Fallback> {
        let QValue::Dequantized(x) = self.input(node, 0)? else {
            return Err("the input is not dequantised uint8".into());
        };
        let QValue::QConst { q: w, scales: w_scales, zeros: w_zeros } = self.input(node, 1)? else {
            return Err("the weight is not an int8 initializer".into());
        };
        let (ConstData::I8(weights), &[m, c, kh, kw]) = (&w.data, &w.shape[..]) else {
            return Err("the weight is not int8 [M, C, kh, kw]".into());
        };
        if w_scales.is_empty() || w_zeros.iter().any(|&z| z != 0) {
            return Err("weights not symmetric int8".into());
        }
        let [1, xc, h, wd] = x.shape[..] else { return Err("input not [1, C, H, W]".into()) };
        if xc != c || m == 0 || c == 0 || kh == 0 || kw == 0 {
            return Err("weight and input disagree".into());
        }
        if int_attr(node, "group").ok().flatten().unwrap_or(1) != 1 {
            return Err("grouped convolution".into());
        }
        if ints_attr(node, "kernel_shape").ok().flatten().is_some_and(|k| k != [kh as i64, kw as i64]) {
            return Err("kernel_shape disagrees with the weight".into());
        }
        let w_scale = |o: usize| if w_scales.len() == 1 { w_scales[0] } else { w_scales[o] };
        let acc_scale: Vec<f32> = (0..m).map(|o| x.scale * w_scale(o)).collect();
        let bias: Vec<i32> = match self.input(node, 2) {
            Err(_) if node.input.get(2).is_none_or(|n| n.is_empty()) => vec![0; m],
            Ok(QValue::QConst { q: b, scales, zeros }) if b.shape == [m] && !scales.is_empty() => {
                let ConstData::I32(values) = &b.data else { return Err("bias not int32".into()) };
                if zeros.iter().any(|&z| z != 0) {
                    return Err("bias zero point not 0".into());
                }
                // In accumulator units; exact when the bias scale is `s_x * s_w`, as QDQ files write it.
                let mut out = Vec::with_capacity(m);
                for (o, &v) in values.iter().enumerate() {
                    let s = if scales.len() == 1 { scales[0] } else { scales[o] };
                    let units = (f64::from(v) * f64::from(s) / f64::from(acc_scale[o])).round();
                    if units.abs() > f64::from(1 << 30) {
                        return Err("bias out of range".into());
                    }
                    out.push(units as i32);
                }
                out
            }
            _ => return Err("the bias is not a dequantised int32 initializer".into()),
        };
        let (pad_before, pad_after, _) = padding(node).map_err(|_| "padding".to_string())?;
        let stride = pair_attr(node, "strides").map_err(|_| "strides".to_string())?;
        let dilation = pair_attr(node, "dilations").map_err(|_| "dilations".to_string())?;
        let [oh, ow] = pool::output_size([h, wd], [kh, kw], dilation, stride, (pad_before, pad_after, false))
            .ok_or("kernel larger than the padded input")?;
        let geometry = ConvGeometry {
            input: [c, h, wd],
            out_channels: m,
            window: [kh, kw],
            stride,
            dilation,
            pad_before,
            output: [oh, ow],
            groups: 1,
        };
        if geometry.output_len() > MAX_ACTIVATION_VALUES {
            return Err("output too large".into());
        }
        let params = QConvParams { weights, bias: &bias, acc_scale: &acc_scale, zero_in: x.zero };
        let conv = QConv::new(geometry, &params, self.net.kernel.int8).ok_or("sums could overflow int32")?;
        self.net.qscratch_len = self.net.qscratch_len.max(conv.scratch_len());
        // The output slot is set by the QuantizeLinear that follows.
        let output = Slot { buf: 0, offset: 0, len: 0 };
        let macs = conv.macs();
        self.net.push(Step::Int8(QStep::Conv { conv: Box::new(conv), input: x.slot, output }), macs);
        Ok(QValue::Acc { step: self.net.steps.len() - 1, shape: vec![1, m, oh, ow], relu: false })
    }

    fn max_pool(&mut self, node: &NodeProto) -> Result<QValue, Fallback> {
        let QValue::Dequantized(x) = self.input(node, 0)? else {
            return Err("a max pool of a float value".into());
        };
        let kernel = match ints_attr(node, "kernel_shape").ok().flatten().as_deref() {
            Some(&[a, b]) if (1..=64).contains(&a) && (1..=64).contains(&b) => [a as usize, b as usize],
            _ => return Err("kernel_shape".into()),
        };
        if pair_attr(node, "dilations").ok() != Some([1, 1]) {
            return Err("a dilated max pool".into());
        }
        let stride = pair_attr(node, "strides").map_err(|_| "strides".to_string())?;
        let (pad_before, pad_after, ceil_mode) = padding(node).map_err(|_| "padding".to_string())?;
        let [1, channels, h, w] = x.shape[..] else { return Err("input not [1, C, H, W]".into()) };
        if pad_before[0] >= kernel[0] || pad_before[1] >= kernel[1] {
            return Err("padding as large as the kernel".into());
        }
        let geometry =
            PoolGeometry::sliding(channels, [h, w], kernel, stride, (pad_before, pad_after, ceil_mode))
                .ok_or("kernel larger than the padded input")?;
        let (oh, ow) = (geometry.out_height, geometry.out_width);
        let output = self.new_qbuffer(channels, oh.saturating_mul(ow))?;
        // One input row of quads and its even and odd halves, in the int8 scratch of each part.
        let row = ScratchLen { shared: 0, per_part: 3 * w.div_ceil(2) * 2 * QUAD };
        self.net.qscratch_len = self.net.qscratch_len.max(row);
        self.net.steps.push(Step::Int8(QStep::MaxPool { geometry, input: x.slot, output }));
        Ok(QValue::Dequantized(QAct { slot: output, shape: vec![1, channels, oh, ow], movable: None, ..x }))
    }

    fn concat(&mut self, node: &NodeProto) -> Result<QValue, Fallback> {
        if int_attr(node, "axis").ok().flatten() != Some(1) || node.input.is_empty() {
            return Err("a concat other than along channels".into());
        }
        let mut parts = Vec::new();
        for i in 0..node.input.len() {
            let QValue::Dequantized(mut x) = self.input(node, i)? else {
                return Err("a concat of float values".into());
            };
            if !self.sole_reader(node, i) {
                x.movable = None;
            }
            parts.push(x);
        }
        let mut shape = parts[0].shape.clone();
        if shape.len() != 4 || parts.iter().any(|p| p.shape.len() != 4 || p.shape[2..] != shape[2..]) {
            return Err("concat inputs of different planes".into());
        }
        shape[1] = parts.iter().map(|p| p.shape[1]).sum();
        Ok(QValue::Concat { parts, shape })
    }

    fn average_pool(&mut self, node: &NodeProto) -> Result<QValue, Fallback> {
        let QValue::Dequantized(x) = self.input(node, 0)? else {
            return Err("an average pool of a float value".into());
        };
        let [1, channels, h, w] = x.shape[..] else { return Err("input not [1, C, H, W]".into()) };
        if h * w == 0 {
            return Err("empty plane".into());
        }
        let output = self.net.new_float(channels);
        let planes = QPlanes { scale: x.scale, zero: x.zero, channels, plane: h * w };
        let step = QStep::AveragePool { planes, input: x.slot, output };
        self.net.steps.push(Step::Int8(step));
        Ok(QValue::Float { slot: output, shape: vec![1, channels, 1, 1] })
    }
}

impl Const {
    /// Integer values (zero points), whatever their integer type.
    fn data_i64(&self) -> Option<Vec<i64>> {
        match &self.data {
            ConstData::I8(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            ConstData::U8(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            ConstData::I32(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            ConstData::I64(v) => Some(v.clone()),
            ConstData::F32(_) => None,
        }
    }
}
