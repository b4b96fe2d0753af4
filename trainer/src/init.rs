//! Starting from ImageNet: loads torchvision-named weights from a safetensors file into a
//! network, checking every name and shape. The classifier head (`classifier.1.*` of SqueezeNet,
//! `fc.*` of ResNet-18) is ImageNet's 1,000-class layer in such files; it is kept only when its
//! shape fits this network and otherwise left as freshly initialised, and the report says which.
//!
//! A float32 glasses model (`.onnx`, e.g. `core/models/glasses.onnx`) is read the same way: its
//! initializers carry the same names, so a SqueezeNet fine-tune can start from the shipped
//! weights, head included when the class count matches. int8 files and ResNet-18 files (whose
//! BatchNorm is folded into the convolutions at export) cannot be read back into a network.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use glasses_core::export::Architecture;
use tch::Tensor;

use crate::error::{Error, Result};
use crate::model::Network;

/// What [`load_pretrained`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitReport {
    /// Tensors copied from the file.
    pub loaded: usize,
    /// Head tensors left freshly initialised, with the file's shape (empty: none).
    pub reinitialised_head: Vec<(String, Vec<i64>)>,
}

impl fmt::Display for InitReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "initialised {} tensors from the pretrained file", self.loaded)?;
        if !self.reinitialised_head.is_empty() {
            let heads: Vec<String> =
                self.reinitialised_head.iter().map(|(n, s)| format!("{n} (file: {s:?})")).collect();
            write!(f, "; classifier head re-created for this model's classes: {}", heads.join(", "))?;
        }
        Ok(())
    }
}

/// Whether `name` belongs to the classifier head of `arch`.
pub fn is_head(arch: Architecture, name: &str) -> bool {
    match arch {
        Architecture::ResNet18 => name.starts_with("fc."),
        _ => name.starts_with("classifier."),
    }
}

/// The named tensors of a safetensors file, or the float32 initializers of an ONNX model
/// (`.onnx`).
pub fn read_weights(path: &Path) -> Result<HashMap<String, Tensor>> {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("onnx")) {
        return onnx_weights(path);
    }
    Ok(Tensor::read_safetensors(path)
        .map_err(|e| Error::data(path, format!("not a readable safetensors file: {e}")))?
        .into_iter()
        .collect())
}

/// The initializers of the ONNX model at `path`, which must all be float32 (an int8 model's
/// quantised weights are refused: pass the float32 file).
pub fn onnx_weights(path: &Path) -> Result<HashMap<String, Tensor>> {
    use glasses_core::onnx_pb::{ModelProto, tensor_proto::DataType};
    use prost::Message;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let model = ModelProto::decode(bytes.as_slice())
        .map_err(|e| Error::data(path, format!("not an ONNX model: {e}")))?;
    let graph = model.graph.ok_or_else(|| Error::data(path, "the ONNX model has no graph"))?;
    let mut out = HashMap::new();
    for t in graph.initializer {
        if t.data_type != DataType::Float as i32 {
            return Err(Error::data(
                path,
                format!(
                    "initializer `{}` is not float32 (an int8 model?); start from the float32 model file",
                    t.name
                ),
            ));
        }
        let values: Vec<f32> = if t.raw_data.is_empty() {
            t.float_data
        } else {
            t.raw_data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
        };
        let n: i64 = t.dims.iter().product();
        if t.dims.iter().any(|&d| d < 0) || n as usize != values.len() {
            return Err(Error::data(
                path,
                format!("initializer `{}` has {} values for shape {:?}", t.name, values.len(), t.dims),
            ));
        }
        out.insert(t.name, Tensor::from_slice(&values).view(t.dims.as_slice()));
    }
    Ok(out)
}

/// Copies the tensors of the safetensors file at `path` into `net`. Every non-head variable of
/// the network must be in the file with its exact shape, and every tensor of the file must be a
/// variable of the network (BatchNorm's `num_batches_tracked` aside): a mismatch is an error
/// naming the tensor. Head tensors of another shape are skipped (see [`InitReport`]).
pub fn load_pretrained(net: &Network, path: &Path) -> Result<InitReport> {
    if !path.is_file() {
        return Err(Error::data(path, "pretrained weights not found (expected a .safetensors file)"));
    }
    let file = read_weights(path)?;
    let arch = net.architecture;
    let variables = net.vs.variables();
    for name in file.keys() {
        if !variables.contains_key(name) && !name.ends_with("num_batches_tracked") {
            return Err(Error::data(
                path,
                format!("tensor `{name}` is not a parameter of {arch}; is this file for another network?"),
            ));
        }
    }
    let mut report = InitReport { loaded: 0, reinitialised_head: Vec::new() };
    let mut names: Vec<&String> = variables.keys().collect();
    names.sort();
    let mut copies = Vec::new();
    for name in names {
        let var = &variables[name];
        let head = is_head(arch, name);
        match file.get(name) {
            Some(t) if t.size() == var.size() => copies.push((name, t)),
            Some(t) if head => report.reinitialised_head.push((name.clone(), t.size())),
            Some(t) => {
                return Err(Error::data(
                    path,
                    format!("tensor `{name}` has shape {:?}, {arch} needs {:?}", t.size(), var.size()),
                ));
            }
            None if head => report.reinitialised_head.push((name.clone(), Vec::new())),
            None => return Err(Error::data(path, format!("lacks tensor `{name}` of {arch}"))),
        }
    }
    tch::no_grad(|| {
        for (name, t) in copies {
            let mut var = variables[name].shallow_clone();
            var.copy_(&t.to_kind(var.kind()).to_device(var.device()));
            report.loaded += 1;
        }
    });
    Ok(report)
}
