//! Reading ONNX nodes and initializers: attributes checked as they are read, initializers turned
//! into constants (float32 or 8-bit integers, raw or typed fields), and the two ways a graph can
//! fail: [`ReadError::Unsupported`] (another ONNX reader may run it) or [`ReadError::Invalid`].
//! `lower.rs` builds the engine's steps from what this gives.

use crate::onnx_pb::{
    AttributeProto, NodeProto, TensorProto, attribute_proto::AttributeType, tensor_proto::DataLocation,
    tensor_proto::DataType,
};

/// Why a graph could not be lowered.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// An operator, or an operator's mode, this engine does not run; tract's full ONNX reader may.
    Unsupported { node: String, what: String },
    /// The graph is broken: no ONNX reader could run it.
    Invalid(String),
}

/// What reading a node gives: the value, or why the graph cannot be run here.
pub(super) type ReadResult<T> = std::result::Result<T, ReadError>;

pub(super) fn invalid(node: &NodeProto, what: impl std::fmt::Display) -> ReadError {
    ReadError::Invalid(format!("node `{}` ({}): {what}", node.name, node.op_type))
}

pub(super) fn unsupported(node: &NodeProto, what: impl Into<String>) -> ReadError {
    ReadError::Unsupported { node: node.name.clone(), what: what.into() }
}

/// A constant known at load time.
#[derive(Debug)]
pub(super) struct Const {
    pub shape: Vec<usize>,
    pub data: ConstData,
}

/// A constant's values in the element type the file stores them in.
#[derive(Debug)]
pub(super) enum ConstData {
    F32(Vec<f32>),
    I8(Vec<i8>),
    U8(Vec<u8>),
    /// Quantised biases (`DequantizeLinear`'s int32 input).
    I32(Vec<i32>),
    /// Shapes (`Reshape`'s target); never weights.
    I64(Vec<i64>),
}

impl Const {
    pub fn f32s(&self) -> Option<&[f32]> {
        match &self.data {
            ConstData::F32(v) => Some(v),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self.data {
            ConstData::F32(_) => "float32",
            ConstData::I8(_) => "int8",
            ConstData::U8(_) => "uint8",
            ConstData::I32(_) => "int32",
            ConstData::I64(_) => "int64",
        }
    }

    pub fn to_f32(&self) -> Vec<f32> {
        match &self.data {
            ConstData::F32(v) => v.clone(),
            ConstData::I8(v) => v.iter().map(|&x| f32::from(x)).collect(),
            ConstData::U8(v) => v.iter().map(|&x| f32::from(x)).collect(),
            ConstData::I32(v) => v.iter().map(|&x| x as f32).collect(),
            ConstData::I64(v) => v.iter().map(|&x| x as f32).collect(),
        }
    }
}

/// Why an initializer cannot be read.
pub(super) enum ConstError {
    /// An element type this engine does not read.
    Type(String),
    Invalid(String),
}

/// An initializer: float32 or 8-bit integers, inline (raw or typed fields).
pub(super) fn const_from_proto(t: &TensorProto) -> std::result::Result<Const, ConstError> {
    if t.data_location == Some(DataLocation::External as i32) {
        return Err(ConstError::Invalid(format!(
            "initializer `{}` keeps its data outside the file, which is not supported",
            t.name
        )));
    }
    let mut shape = Vec::with_capacity(t.dims.len());
    let mut len: usize = 1;
    for &d in &t.dims {
        let d = usize::try_from(d).map_err(|_| {
            ConstError::Invalid(format!("initializer `{}` has a negative dimension {d}", t.name))
        })?;
        len = len
            .checked_mul(d)
            .ok_or_else(|| ConstError::Invalid(format!("initializer `{}` has too many elements", t.name)))?;
        shape.push(d);
    }
    let wrong_len = |got: usize| {
        ConstError::Invalid(format!(
            "initializer `{}` has {got} values for shape {shape:?} ({len} values)",
            t.name
        ))
    };
    let data = match DataType::try_from(t.data_type) {
        Ok(DataType::Float) => ConstData::F32(numbers(t, len, &t.float_data, f32::from_le_bytes, wrong_len)?),
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
                ConstData::I8(bytes.iter().map(|&b| b as i8).collect())
            } else {
                ConstData::U8(bytes)
            }
        }
        Ok(DataType::Int32) => ConstData::I32(numbers(t, len, &t.int32_data, i32::from_le_bytes, wrong_len)?),
        Ok(DataType::Int64) => ConstData::I64(numbers(t, len, &t.int64_data, i64::from_le_bytes, wrong_len)?),
        _ => {
            return Err(ConstError::Type(format!(
                "initializer `{}` of element type {} (this engine reads float32, int8, uint8, int32 and int64)",
                t.name, t.data_type
            )));
        }
    };
    Ok(Const { shape, data })
}

/// The `len` values of a tensor of `N`-byte numbers: little-endian in `raw_data` when that is
/// set, else its typed field `typed`; `wrong_len` says how many there were instead.
fn numbers<T: Clone, const N: usize>(
    t: &TensorProto,
    len: usize,
    typed: &[T],
    from_le_bytes: fn([u8; N]) -> T,
    wrong_len: impl Fn(usize) -> ConstError,
) -> std::result::Result<Vec<T>, ConstError> {
    let values: Vec<T> = if !t.raw_data.is_empty() {
        if t.raw_data.len() != len * N {
            return Err(wrong_len(t.raw_data.len() / N));
        }
        t.raw_data.chunks_exact(N).map(|c| from_le_bytes(c.try_into().expect("chunks of N bytes"))).collect()
    } else {
        typed.to_vec()
    };
    if values.len() != len {
        return Err(wrong_len(values.len()));
    }
    Ok(values)
}

pub(super) fn attr<'n>(node: &'n NodeProto, name: &str) -> Option<&'n AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

pub(super) fn int_attr(node: &NodeProto, name: &str) -> ReadResult<Option<i64>> {
    match attr(node, name) {
        None => Ok(None),
        Some(a) if a.r#type == AttributeType::Int as i32 => Ok(Some(a.i)),
        Some(_) => Err(invalid(node, format!("attribute `{name}` must be an integer"))),
    }
}

pub(super) fn float_attr(node: &NodeProto, name: &str) -> ReadResult<Option<f32>> {
    match attr(node, name) {
        None => Ok(None),
        Some(a) if a.r#type == AttributeType::Float as i32 => Ok(Some(a.f)),
        Some(_) => Err(invalid(node, format!("attribute `{name}` must be a float"))),
    }
}

pub(super) fn string_attr<'n>(node: &'n NodeProto, name: &str) -> ReadResult<Option<&'n [u8]>> {
    match attr(node, name) {
        None => Ok(None),
        Some(a) if a.r#type == AttributeType::String as i32 => Ok(Some(a.s.as_slice())),
        Some(_) => Err(invalid(node, format!("attribute `{name}` must be a string"))),
    }
}

pub(super) fn ints_attr(node: &NodeProto, name: &str) -> ReadResult<Option<Vec<i64>>> {
    match attr(node, name) {
        None => Ok(None),
        Some(a) if a.r#type == AttributeType::Ints as i32 => Ok(Some(a.ints.clone())),
        Some(_) => Err(invalid(node, format!("attribute `{name}` must be a list of integers"))),
    }
}

pub(super) fn positive(node: &NodeProto, name: &str, v: i64) -> ReadResult<usize> {
    // The bound keeps shape arithmetic far from overflow; no real kernel, stride or group is near it.
    if (1..=1 << 20).contains(&v) {
        Ok(v as usize)
    } else {
        Err(invalid(node, format!("`{name}` value {v} must be between 1 and 2^20")))
    }
}

/// A two-value list of positive integers (strides, dilations), `[1, 1]` when absent.
pub(super) fn pair_attr(node: &NodeProto, name: &str) -> ReadResult<[usize; 2]> {
    match ints_attr(node, name)? {
        None => Ok([1, 1]),
        Some(v) if v.len() == 2 => Ok([positive(node, name, v[0])?, positive(node, name, v[1])?]),
        Some(v) => Err(invalid(node, format!("`{name}` needs 2 values, has {}", v.len()))),
    }
}

/// ONNX `pads` (both befores, then both afters) and `ceil_mode`.
pub(super) fn padding(node: &NodeProto) -> ReadResult<([usize; 2], [usize; 2], bool)> {
    match attr(node, "auto_pad").map(|a| a.s.as_slice()) {
        None | Some(b"NOTSET") => {}
        Some(b"VALID") if attr(node, "pads").is_none() => {}
        Some(other) => {
            return Err(unsupported(node, format!("auto_pad `{}`", String::from_utf8_lossy(other))));
        }
    }
    let ceil = int_attr(node, "ceil_mode")?.unwrap_or(0) != 0;
    let pads = match ints_attr(node, "pads")? {
        None => vec![0; 4],
        Some(p) if p.len() == 4 => p,
        Some(p) => return Err(invalid(node, format!("`pads` needs 4 values, has {}", p.len()))),
    };
    if let Some(&bad) = pads.iter().find(|&&p| !(0..=1 << 20).contains(&p)) {
        return Err(invalid(node, format!("padding {bad} must be between 0 and 2^20")));
    }
    let p = |i: usize| pads[i] as usize;
    Ok(([p(0), p(1)], [p(2), p(3)], ceil))
}
