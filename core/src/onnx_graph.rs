//! Turns the ONNX graphs glasses writes into a tract-core graph, without a general ONNX reader.
//!
//! tract's ONNX front end (`tract-onnx`, `tract-hir`, `tract-nnef`) registers every ONNX
//! operator it knows, so a library that links it carries all of them: about a third of the
//! shipped library's code. Glasses models use nine operators; this module wires each straight
//! to the tract-core operator that tract's own front end would produce for it (same operator,
//! same attributes, same constant layout), so the optimised plan and its numbers are the same.
//! Graphs with any other operator are reported as [`ReadError::Unsupported`]; with the
//! `onnx-any` feature the classifier then hands them to tract's full reader.

use std::collections::HashMap;

use tract_core::internal::*;
use tract_core::ops::array::TypedConcat;
use tract_core::ops::change_axes::{to_axis_ops_with_tf_rules, wire_with_rank_broadcast};
use tract_core::ops::cnn::{Conv, KernelFormat, MaxPool, PaddingSpec, PoolSpec};
use tract_core::ops::einsum::EinSum;
use tract_core::ops::math;
use tract_core::ops::nn::{DataFormat, Reduce, Reducer};

use crate::contract::{INPUT_NAME, OUTPUT_NAME};
use crate::onnx_pb::{
    AttributeProto, GraphProto, NodeProto, TensorProto, attribute_proto::AttributeType,
    tensor_proto::DataLocation, tensor_proto::DataType,
};

/// The ONNX operators this module reads (the ones `export` writes).
pub(crate) const SUPPORTED_OPS: [&str; 9] =
    ["Conv", "Relu", "MaxPool", "Concat", "GlobalAveragePool", "Flatten", "Add", "Gemm", "DequantizeLinear"];

/// The most values one intermediate tensor may hold (256 MiB of f32). The contract's largest
/// input is far below it; a graph above it is forged (huge pads, say) and would make inference
/// allocate without bound.
pub(crate) const MAX_ACTIVATION_VALUES: usize = 1 << 26;

/// Why a graph could not be turned into a tract-core graph.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// An operator, or an operator's mode, this module does not read; tract's full ONNX reader may.
    Unsupported { node: String, what: String },
    /// The graph is broken: no ONNX reader could run it.
    Invalid(String),
}

type Read<T> = std::result::Result<T, ReadError>;

fn invalid(node: &NodeProto, what: impl std::fmt::Display) -> ReadError {
    ReadError::Invalid(format!("node `{}` ({}): {what}", node.name, node.op_type))
}

fn unsupported(node: &NodeProto, what: impl Into<String>) -> ReadError {
    ReadError::Unsupported { node: node.name.clone(), what: what.into() }
}

/// A named value of the ONNX graph: computed at run time, or a constant known at load time.
#[derive(Clone)]
enum Value {
    Wire(OutletId),
    Const(Arc<Tensor>),
}

struct Reader<'g> {
    model: TypedModel,
    values: HashMap<&'g str, Value>,
    initializers: HashMap<&'g str, &'g TensorProto>,
}

/// The graph as a tract-core model with its input fixed to `input_shape` (NCHW, f32) and one
/// output, the `logits` value.
pub(crate) fn typed_model(graph: &GraphProto, input_shape: [usize; 4]) -> Read<TypedModel> {
    let mut reader = Reader {
        model: TypedModel::default(),
        values: HashMap::new(),
        initializers: graph.initializer.iter().map(|t| (t.name.as_str(), t)).collect(),
    };
    let source = reader
        .model
        .add_source(INPUT_NAME, f32::fact(input_shape))
        .map_err(|e| ReadError::Invalid(format!("cannot add the input: {e:#}")))?;
    reader.values.insert(INPUT_NAME, Value::Wire(source));
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
    for node in &graph.node {
        let outputs = reader.node(node)?;
        if let Value::Wire(outlet) = outputs {
            let volume = reader.fact(node, outlet)?.shape.volume();
            match volume.to_usize() {
                Ok(n) if n <= MAX_ACTIVATION_VALUES => {}
                _ => {
                    return Err(invalid(
                        node,
                        format!(
                            "its output holds {volume} values, more than the {MAX_ACTIVATION_VALUES} allowed"
                        ),
                    ));
                }
            }
        }
        let [output] = node.output.as_slice() else {
            return Err(unsupported(node, format!("{} outputs", node.output.len())));
        };
        if reader.values.insert(output.as_str(), outputs).is_some() || output == INPUT_NAME {
            return Err(invalid(node, format!("its output `{output}` is written twice")));
        }
    }
    let output = match reader.values.get(OUTPUT_NAME) {
        Some(Value::Wire(outlet)) => *outlet,
        Some(Value::Const(_)) => {
            return Err(ReadError::Invalid(format!(
                "`{OUTPUT_NAME}` is a constant, not computed from the input"
            )));
        }
        None => return Err(ReadError::Invalid(format!("no node computes `{OUTPUT_NAME}`"))),
    };
    let mut model = reader.model;
    model
        .select_output_outlets(&[output])
        .map_err(|e| ReadError::Invalid(format!("cannot set the output: {e:#}")))?;
    Ok(model)
}

impl<'g> Reader<'g> {
    fn node(&mut self, node: &'g NodeProto) -> Read<Value> {
        match node.op_type.as_str() {
            "DequantizeLinear" => self.dequantize_linear(node).map(Value::Const),
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

    /// The value named by the node's input `index`; `None` when the slot is absent or empty
    /// (ONNX's way to skip an optional input).
    fn input(&self, node: &NodeProto, index: usize) -> Read<Option<Value>> {
        let Some(name) = node.input.get(index).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        if let Some(v) = self.values.get(name.as_str()) {
            return Ok(Some(v.clone()));
        }
        if let Some(t) = self.initializers.get(name.as_str()) {
            if !matches!(
                DataType::try_from(t.data_type),
                Ok(DataType::Float | DataType::Int8 | DataType::Uint8)
            ) {
                return Err(unsupported(
                    node,
                    format!("initializer `{name}` of element type {}", t.data_type),
                ));
            }
            return tensor_from_proto(t)
                .map(|t| Some(Value::Const(t.into_arc_tensor())))
                .map_err(|e| invalid(node, e));
        }
        Err(invalid(
            node,
            format!(
                "reads `{name}`, which no earlier node, input or initializer gives (nodes must be in topological order)"
            ),
        ))
    }

    fn required(&self, node: &NodeProto, index: usize) -> Read<Value> {
        self.input(node, index)?.ok_or_else(|| invalid(node, format!("input {index} is missing")))
    }

    fn required_const(&self, node: &NodeProto, index: usize) -> Read<Arc<Tensor>> {
        match self.required(node, index)? {
            Value::Const(t) => Ok(t),
            Value::Wire(_) => Err(unsupported(
                node,
                format!("input {index} computed at run time (only constant weights are read)"),
            )),
        }
    }

    /// The value as a wire of the model: constants become `Const` nodes.
    fn wire(&mut self, node: &NodeProto, value: Value, hint: &str) -> Read<OutletId> {
        match value {
            Value::Wire(w) => Ok(w),
            Value::Const(t) => {
                let name = self.model.unique_name(format!("{}.{hint}", node.name));
                self.model.add_const(name, t).map_err(|e| invalid(node, format!("{e:#}")))
            }
        }
    }

    fn wire_op(
        &mut self,
        node: &NodeProto,
        suffix: &str,
        op: impl Into<Box<dyn TypedOp>>,
        inputs: &[OutletId],
    ) -> Read<OutletId> {
        let name = self.model.unique_name(if suffix.is_empty() {
            node.name.clone()
        } else {
            format!("{}.{suffix}", node.name)
        });
        let wires = self.model.wire_node(name, op, inputs).map_err(|e| invalid(node, format!("{e:#}")))?;
        Ok(wires[0])
    }

    fn fact(&self, node: &NodeProto, outlet: OutletId) -> Read<TypedFact> {
        self.model.outlet_fact(outlet).cloned().map_err(|e| invalid(node, format!("{e:#}")))
    }

    /// Per-axis (or per-tensor) int8/uint8 weights to f32: `(q - zero_point) * scale`, the
    /// formula and operation order of tract's own DequantizeLinear, so results are bit-equal.
    fn dequantize_linear(&mut self, node: &NodeProto) -> Read<Arc<Tensor>> {
        let q = self.required_const(node, 0)?;
        let scale = self.required_const(node, 1)?;
        let zero = self.input(node, 2)?;
        let zero = match zero {
            None => None,
            Some(Value::Const(t)) => Some(t),
            Some(Value::Wire(_)) => return Err(unsupported(node, "a zero point computed at run time")),
        };
        let values: Vec<f32> = match q.datum_type() {
            DatumType::I8 => to_f32::<i8>(&q).map_err(|e| invalid(node, e))?,
            DatumType::U8 => to_f32::<u8>(&q).map_err(|e| invalid(node, e))?,
            other => return Err(unsupported(node, format!("quantised input of type {other:?}"))),
        };
        let scales = to_f32::<f32>(&scale).map_err(|_| invalid(node, "the scale must be float32"))?;
        let zeros: Vec<f32> = match &zero {
            None => vec![0.0; scales.len()],
            Some(z) if z.datum_type() != q.datum_type() => {
                return Err(invalid(node, "the zero point's type differs from the input's"));
            }
            Some(z) => match z.datum_type() {
                DatumType::I8 => to_f32::<i8>(z).map_err(|e| invalid(node, e))?,
                _ => to_f32::<u8>(z).map_err(|e| invalid(node, e))?,
            },
        };
        if zeros.len() != scales.len() {
            return Err(invalid(node, format!("{} scales but {} zero points", scales.len(), zeros.len())));
        }
        let shape = q.shape().to_vec();
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
        Tensor::from_shape(&shape, &out)
            .map(|t| t.into_arc_tensor())
            .map_err(|e| invalid(node, format!("{e:#}")))
    }

    fn conv(&mut self, node: &NodeProto) -> Read<Value> {
        let x = self.required(node, 0)?;
        let x = self.wire(node, x, "input")?;
        let kernel = self.required_const(node, 1)?;
        if kernel.datum_type() != DatumType::F32 || kernel.rank() != 4 {
            return Err(invalid(
                node,
                format!(
                    "the weight must be float32 [O, I, kH, kW], it is {:?} {:?}",
                    kernel.datum_type(),
                    kernel.shape()
                ),
            ));
        }
        let (out_channels, in_per_group, kh, kw) =
            (kernel.shape()[0], kernel.shape()[1], kernel.shape()[2], kernel.shape()[3]);
        if let Some(shape) = ints_attr(node, "kernel_shape")?
            && shape != [kh as i64, kw as i64]
        {
            return Err(invalid(
                node,
                format!("kernel_shape {shape:?} disagrees with the weight's {kh}x{kw}"),
            ));
        }
        let group = positive(node, "group", int_attr(node, "group")?.unwrap_or(1))?;
        if out_channels % group != 0 {
            return Err(invalid(
                node,
                format!("{out_channels} output channels do not split into {group} groups"),
            ));
        }
        let fact = self.fact(node, x)?;
        if fact.rank() != 4 || fact.shape[1] != (in_per_group * group).to_dim() {
            return Err(invalid(
                node,
                format!(
                    "the input is {:?}; the weight and group {group} need [N, {}, H, W]",
                    fact.shape,
                    in_per_group * group
                ),
            ));
        }
        let bias = match self.input(node, 2)? {
            None => Tensor::zero::<f32>(&[out_channels])
                .map_err(|e| invalid(node, format!("{e:#}")))?
                .into_arc_tensor(),
            Some(Value::Const(b)) if b.datum_type() == DatumType::F32 && b.shape() == [out_channels] => b,
            Some(Value::Const(b)) => {
                return Err(invalid(
                    node,
                    format!(
                        "the bias must be float32 [{out_channels}], it is {:?} {:?}",
                        b.datum_type(),
                        b.shape()
                    ),
                ));
            }
            Some(Value::Wire(_)) => return Err(unsupported(node, "a bias computed at run time")),
        };
        let pool_spec = PoolSpec {
            data_format: DataFormat::NCHW,
            kernel_shape: tvec![kh, kw],
            padding: padding(node, 2, false)?,
            dilations: usizes_attr(node, "dilations", 2)?,
            strides: usizes_attr(node, "strides", 2)?,
            input_channels: in_per_group * group,
            output_channels: out_channels,
        };
        let kernel = self.wire(node, Value::Const(kernel), "weight")?;
        let bias = self.wire(node, Value::Const(bias), "bias")?;
        let op = Conv::new(pool_spec, KernelFormat::OIHW, group, None);
        Ok(Value::Wire(self.wire_op(node, "", op, &[x, kernel, bias])?))
    }

    /// `max(x, 0)` against a broadcast zero, as tract's ONNX front end wires Relu.
    fn relu(&mut self, node: &NodeProto) -> Read<Value> {
        let x = self.required(node, 0)?;
        let x = self.wire(node, x, "input")?;
        let rank = self.fact(node, x)?.rank();
        let zero = tensor0(0f32).broadcast_into_rank(rank).map_err(|e| invalid(node, format!("{e:#}")))?;
        let zero = self.wire(node, Value::Const(zero.into_arc_tensor()), "low.cst")?;
        Ok(Value::Wire(self.wire_op(node, "low", math::max(), &[x, zero])?))
    }

    fn max_pool(&mut self, node: &NodeProto) -> Read<Value> {
        let x = self.required(node, 0)?;
        let x = self.wire(node, x, "input")?;
        let fact = self.fact(node, x)?;
        if fact.rank() != 4 {
            return Err(invalid(node, format!("the input must be NCHW, it has rank {}", fact.rank())));
        }
        let channels = fact.shape[1].to_usize().map_err(|e| invalid(node, format!("{e:#}")))?;
        let Some(kernel) = usizes_attr(node, "kernel_shape", 2)? else {
            return Err(invalid(node, "kernel_shape is missing"));
        };
        let pool_spec = PoolSpec {
            data_format: DataFormat::NCHW,
            kernel_shape: kernel,
            padding: padding(node, 2, true)?,
            dilations: usizes_attr(node, "dilations", 2)?,
            strides: usizes_attr(node, "strides", 2)?,
            input_channels: channels,
            output_channels: channels,
        };
        Ok(Value::Wire(self.wire_op(node, "", MaxPool::new(pool_spec, None), &[x])?))
    }

    fn concat(&mut self, node: &NodeProto) -> Read<Value> {
        let mut wires = TVec::new();
        for i in 0..node.input.len() {
            let v = self.required(node, i)?;
            wires.push(self.wire(node, v, &format!("input{i}"))?);
        }
        let Some(&first) = wires.first() else {
            return Err(invalid(node, "no inputs"));
        };
        let rank = self.fact(node, first)?.rank() as i64;
        let Some(axis) = int_attr(node, "axis")? else {
            return Err(invalid(node, "axis is missing"));
        };
        let axis = if axis < 0 { axis + rank } else { axis };
        if !(0..rank).contains(&axis) {
            return Err(invalid(node, format!("axis {axis} is outside rank {rank}")));
        }
        Ok(Value::Wire(self.wire_op(node, "", TypedConcat::new(axis as usize), &wires)?))
    }

    /// Sum over the spatial axes, then divide by their size, as tract's front end wires it.
    fn global_average_pool(&mut self, node: &NodeProto) -> Read<Value> {
        let x = self.required(node, 0)?;
        let x = self.wire(node, x, "input")?;
        let fact = self.fact(node, x)?;
        if fact.rank() < 3 {
            return Err(invalid(node, format!("the input needs spatial axes, it has rank {}", fact.rank())));
        }
        let axes: TVec<usize> = (2..fact.rank()).collect();
        let count = fact
            .shape
            .iter()
            .skip(2)
            .product::<TDim>()
            .to_usize()
            .map_err(|e| invalid(node, format!("{e:#}")))?;
        let sum = self.wire_op(node, "sum", Reduce::new(axes, Reducer::Sum), &[x])?;
        let div = self.wire(node, Value::Const(tensor0(count as f32).into_arc_tensor()), "div")?;
        let name = self.model.unique_name(format!("{}.norm", node.name));
        let out = wire_with_rank_broadcast(name, &mut self.model, math::div(), &[sum, div])
            .map_err(|e| invalid(node, format!("{e:#}")))?;
        Ok(Value::Wire(out[0]))
    }

    fn flatten(&mut self, node: &NodeProto) -> Read<Value> {
        let x = self.required(node, 0)?;
        let x = self.wire(node, x, "input")?;
        let shape = self.fact(node, x)?.shape.to_tvec();
        let rank = shape.len() as i64;
        let axis = int_attr(node, "axis")?.unwrap_or(1);
        let axis = if axis < 0 { axis + rank } else { axis };
        if !(0..=rank).contains(&axis) {
            return Err(invalid(node, format!("axis {axis} is outside rank {rank}")));
        }
        let (head, tail) = shape.split_at(axis as usize);
        let target: TVec<TDim> = tvec![head.iter().product(), tail.iter().product()];
        let ops = to_axis_ops_with_tf_rules(&shape, &target).map_err(|e| invalid(node, format!("{e:#}")))?;
        let mut wire = x;
        for (i, op) in ops.into_iter().enumerate() {
            wire = self.wire_op(node, &i.to_string(), op, &[wire])?;
        }
        Ok(Value::Wire(wire))
    }

    fn add(&mut self, node: &NodeProto) -> Read<Value> {
        let (a, b) = (self.required(node, 0)?, self.required(node, 1)?);
        let a = self.wire(node, a, "a")?;
        let b = self.wire(node, b, "b")?;
        let name = self.model.unique_name(node.name.clone());
        let out = wire_with_rank_broadcast(name, &mut self.model, math::add(), &[a, b])
            .map_err(|e| invalid(node, format!("{e:#}")))?;
        Ok(Value::Wire(out[0]))
    }

    /// `alpha * A' B' + beta * C` as an einsum, as tract's front end wires Gemm.
    fn gemm(&mut self, node: &NodeProto) -> Read<Value> {
        let (a, b) = (self.required(node, 0)?, self.required(node, 1)?);
        let a = self.wire(node, a, "a")?;
        let b = self.wire(node, b, "b")?;
        for (i, w) in [a, b].into_iter().enumerate() {
            if self.fact(node, w)?.rank() != 2 {
                return Err(invalid(node, format!("input {i} must be a matrix")));
            }
        }
        let flag = |name| -> Read<bool> { Ok(int_attr(node, name)?.unwrap_or(0) != 0) };
        let (trans_a, trans_b) = (flag("transA")?, flag("transB")?);
        let alpha = float_attr(node, "alpha")?.unwrap_or(1.0);
        let beta = float_attr(node, "beta")?.unwrap_or(1.0);
        let axes = AxesMapping::for_numpy_matmul(2, trans_a, trans_b, false)
            .map_err(|e| invalid(node, format!("{e:#}")))?;
        let mut wire = self.wire_op(node, "ab", EinSum::new(axes, DatumType::F32), &[a, b])?;
        if alpha != 1.0 {
            let alpha = tensor0(alpha).broadcast_into_rank(2).map_err(|e| invalid(node, format!("{e:#}")))?;
            let alpha = self.wire(node, Value::Const(alpha.into_arc_tensor()), "alpha_ab.cst")?;
            wire = self.wire_op(node, "alpha_ab", math::mul(), &[alpha, wire])?;
        }
        if let Some(c) = self.input(node, 2)?
            && beta != 0.0
        {
            let mut c = self.wire(node, c, "c")?;
            while self.fact(node, c)?.rank() < 2 {
                c = self.wire_op(node, "c_add_axis", AxisOp::Add(0), &[c])?;
            }
            let beta = tensor0(beta).broadcast_into_rank(2).map_err(|e| invalid(node, format!("{e:#}")))?;
            let beta = self.wire(node, Value::Const(beta.into_arc_tensor()), "beta_c.cst")?;
            let beta_c = self.wire_op(node, "beta_c", math::mul(), &[beta, c])?;
            wire = self.wire_op(node, "", math::add(), &[wire, beta_c])?;
        }
        Ok(Value::Wire(wire))
    }
}

/// The tensor's values as f32; fails when its element type is not `T`.
fn to_f32<T: Datum + Copy>(t: &Tensor) -> TractResult<Vec<f32>>
where
    f32: From<T>,
{
    Ok(t.try_as_plain_ram()?.as_slice::<T>()?.iter().map(|&v| f32::from(v)).collect())
}

fn attr<'n>(node: &'n NodeProto, name: &str) -> Option<&'n AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

fn int_attr(node: &NodeProto, name: &str) -> Read<Option<i64>> {
    match attr(node, name) {
        None => Ok(None),
        Some(a) if a.r#type == AttributeType::Int as i32 => Ok(Some(a.i)),
        Some(_) => Err(invalid(node, format!("attribute `{name}` must be an integer"))),
    }
}

fn float_attr(node: &NodeProto, name: &str) -> Read<Option<f32>> {
    match attr(node, name) {
        None => Ok(None),
        Some(a) if a.r#type == AttributeType::Float as i32 => Ok(Some(a.f)),
        Some(_) => Err(invalid(node, format!("attribute `{name}` must be a float"))),
    }
}

fn ints_attr(node: &NodeProto, name: &str) -> Read<Option<Vec<i64>>> {
    match attr(node, name) {
        None => Ok(None),
        Some(a) if a.r#type == AttributeType::Ints as i32 => Ok(Some(a.ints.clone())),
        Some(_) => Err(invalid(node, format!("attribute `{name}` must be a list of integers"))),
    }
}

fn positive(node: &NodeProto, name: &str, v: i64) -> Read<usize> {
    // The bound keeps shape arithmetic far from overflow; no real kernel, stride or group is near it.
    if (1..=1 << 20).contains(&v) {
        Ok(v as usize)
    } else {
        Err(invalid(node, format!("`{name}` value {v} must be between 1 and 2^20")))
    }
}

/// A per-spatial-axis list of positive integers (strides, dilations, kernel shape).
fn usizes_attr(node: &NodeProto, name: &str, len: usize) -> Read<Option<TVec<usize>>> {
    let Some(values) = ints_attr(node, name)? else {
        return Ok(None);
    };
    if values.len() != len {
        return Err(invalid(node, format!("`{name}` needs {len} values, has {}", values.len())));
    }
    values.iter().map(|&v| positive(node, name, v)).collect::<Read<TVec<usize>>>().map(Some)
}

/// ONNX `pads` (all befores, then all afters) in tract's terms; pools keep ONNX's ceil mode.
fn padding(node: &NodeProto, spatial: usize, pool: bool) -> Read<PaddingSpec> {
    match attr(node, "auto_pad").map(|a| a.s.as_slice()) {
        None | Some(b"NOTSET") => {}
        Some(b"VALID") if attr(node, "pads").is_none() => return Ok(PaddingSpec::Valid),
        Some(other) => {
            return Err(unsupported(node, format!("auto_pad `{}`", String::from_utf8_lossy(other))));
        }
    }
    let ceil = int_attr(node, "ceil_mode")?.unwrap_or(0) != 0;
    let pads = match ints_attr(node, "pads")? {
        None => vec![0; 2 * spatial],
        Some(p) if p.len() == 2 * spatial => p,
        Some(p) => {
            return Err(invalid(node, format!("`pads` needs {} values, has {}", 2 * spatial, p.len())));
        }
    };
    if let Some(&bad) = pads.iter().find(|&&p| !(0..=1 << 20).contains(&p)) {
        return Err(invalid(node, format!("padding {bad} must be between 0 and 2^20")));
    }
    let before: TVec<usize> = pads[..spatial].iter().map(|&p| p as usize).collect();
    let after: TVec<usize> = pads[spatial..].iter().map(|&p| p as usize).collect();
    Ok(if pool {
        PaddingSpec::ExplicitOnnxPool(before, after, ceil)
    } else {
        PaddingSpec::Explicit(before, after)
    })
}

/// An initializer as a tract tensor: float32 or 8-bit integers, inline (raw or typed fields).
fn tensor_from_proto(t: &TensorProto) -> std::result::Result<Tensor, String> {
    if t.data_location == Some(DataLocation::External as i32) {
        return Err(format!(
            "initializer `{}` keeps its data outside the file, which is not supported",
            t.name
        ));
    }
    let mut shape = Vec::with_capacity(t.dims.len());
    let mut len: usize = 1;
    for &d in &t.dims {
        let d = usize::try_from(d)
            .map_err(|_| format!("initializer `{}` has a negative dimension {d}", t.name))?;
        len = len.checked_mul(d).ok_or_else(|| format!("initializer `{}` has too many elements", t.name))?;
        shape.push(d);
    }
    let wrong_len =
        |got: usize| format!("initializer `{}` has {got} values for shape {shape:?} ({len} values)", t.name);
    let built = match DataType::try_from(t.data_type) {
        Ok(DataType::Float) => {
            let values: Vec<f32> = if !t.raw_data.is_empty() {
                if t.raw_data.len() != len * 4 {
                    return Err(wrong_len(t.raw_data.len() / 4));
                }
                t.raw_data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
            } else {
                t.float_data.clone()
            };
            if values.len() != len {
                return Err(wrong_len(values.len()));
            }
            Tensor::from_shape(&shape, &values)
        }
        Ok(kind @ (DataType::Int8 | DataType::Uint8)) => {
            let bytes: Vec<u8> = if !t.raw_data.is_empty() {
                t.raw_data.clone()
            } else {
                // ONNX stores 8-bit integers one per int32 when not raw; keep the low byte.
                t.int32_data.iter().map(|&v| v as u8).collect()
            };
            if bytes.len() != len {
                return Err(wrong_len(bytes.len()));
            }
            if kind == DataType::Int8 {
                let values: Vec<i8> = bytes.iter().map(|&b| b as i8).collect();
                Tensor::from_shape(&shape, &values)
            } else {
                Tensor::from_shape(&shape, &bytes)
            }
        }
        _ => {
            return Err(format!(
                "initializer `{}` has element type {}, glasses reads float32, int8 and uint8",
                t.name, t.data_type
            ));
        }
    };
    built.map_err(|e| format!("initializer `{}`: {e:#}", t.name))
}
