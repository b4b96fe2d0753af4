//! Which tensors of a float glasses graph get a quantize/dequantize pair, and which of them must
//! share one scale: the plan the calibration fills with ranges and the writer follows.
//!
//! The pattern is the chain core's exporter writes for SqueezeNet: `Conv` (+ `Relu`), `MaxPool`,
//! fire modules joined by `Concat`, then `GlobalAveragePool` and `Flatten`. Anything else (ResNet's
//! `Add` and `Gemm`, a file whose weights are already quantised) is refused by name.

use std::collections::HashMap;

use crate::contract::INPUT_NAME;
use crate::error::{Error, Result};
use crate::onnx_pb::{GraphProto, NodeProto};

/// The operators a graph may hold to be quantised.
const PATTERN_OPS: [&str; 6] = ["Conv", "Relu", "MaxPool", "Concat", "GlobalAveragePool", "Flatten"];

/// Which tensors are quantised, and in which scale group.
#[derive(Debug)]
pub(super) struct QuantPlan {
    /// Quantised tensor name -> its group (one (scale, zero point) per group).
    pub group_of: HashMap<String, usize>,
    /// Tensors whose values are measured during calibration; every group has at least one.
    pub calibrated: Vec<String>,
    /// Number of groups.
    pub groups: usize,
}

fn outside(node: &NodeProto, why: impl std::fmt::Display) -> Error {
    Error::export(format!(
        "node `{}` ({}) is outside the static int8 pattern: {why}",
        node.name, node.op_type
    ))
}

/// Checks the graph against the pattern and plans its quantised tensors.
pub(super) fn plan(graph: &GraphProto) -> Result<QuantPlan> {
    let initializers: HashMap<&str, _> = graph.initializer.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut readers: HashMap<&str, Vec<&NodeProto>> = HashMap::new();
    for node in &graph.node {
        if !PATTERN_OPS.contains(&node.op_type.as_str())
            || !(node.domain.is_empty() || node.domain == "ai.onnx")
        {
            return Err(outside(node, format!("the pattern has only {}", PATTERN_OPS.join(", "))));
        }
        if node.output.len() != 1 {
            return Err(outside(
                node,
                format!("{} outputs, the pattern's nodes have one", node.output.len()),
            ));
        }
        for input in &node.input {
            readers.entry(input.as_str()).or_default().push(node);
        }
    }
    // Union-find over quantised tensors: a max pool's output and its input, and every input of a
    // concat with its output, share one (scale, zero point) so neither op has to requantise.
    let mut g = Groups::default();
    g.add(INPUT_NAME, true);
    let mut links: Vec<(String, String)> = Vec::new();
    let mut float_only: Vec<&str> = Vec::new();
    for node in &graph.node {
        let out = node.output[0].as_str();
        match node.op_type.as_str() {
            "Conv" => {
                let [x, w, rest @ ..] = node.input.as_slice() else {
                    return Err(outside(node, "a convolution needs an input and a weight"));
                };
                if !g.has(x) {
                    return Err(outside(node, format!("its input `{x}` is not a quantised activation")));
                }
                for name in std::iter::once(w).chain(rest.first()) {
                    match initializers.get(name.as_str()) {
                        Some(t) if t.data_type == crate::onnx_pb::tensor_proto::DataType::Float as i32 => {}
                        _ => return Err(outside(node, format!("`{name}` is not a float32 initializer"))),
                    }
                }
                let only_relu =
                    matches!(readers.get(out).map(Vec::as_slice), Some([r]) if r.op_type == "Relu");
                // A ReLU right after is quantised instead: the int8 kernel fuses it.
                if !only_relu {
                    g.add(out, true);
                }
            }
            "Relu" => {
                g.add(out, true);
            }
            "MaxPool" => {
                let x = node.input.first().ok_or_else(|| outside(node, "no input"))?;
                if !g.has(x) {
                    return Err(outside(node, format!("its input `{x}` is not a quantised activation")));
                }
                g.add(out, false);
                links.push((x.clone(), out.to_owned()));
            }
            "Concat" => {
                if node.input.is_empty() {
                    return Err(outside(node, "no inputs"));
                }
                for x in &node.input {
                    if !g.has(x) {
                        return Err(outside(node, format!("its input `{x}` is not a quantised activation")));
                    }
                    links.push((x.clone(), out.to_owned()));
                }
                g.add(out, false);
            }
            "GlobalAveragePool" | "Flatten" => {
                let x = node.input.first().ok_or_else(|| outside(node, "no input"))?;
                if !g.has(x) && !float_only.contains(&x.as_str()) {
                    return Err(outside(node, format!("its input `{x}` comes from outside the pattern")));
                }
                float_only.push(out);
            }
            _ => unreachable!("checked against PATTERN_OPS above"),
        }
    }
    for (a, b) in &links {
        let (ra, rb) = (g.find(g.group_of[a]), g.find(g.group_of[b]));
        g.parent[ra.max(rb)] = ra.min(rb);
    }
    let Groups { mut parent, mut group_of, calibrated } = g;
    // Groups numbered in graph order, so the same model always gives the same file.
    let mut dense: HashMap<usize, usize> = HashMap::new();
    let mut numbered = vec![0; parent.len()];
    for (id, slot) in numbered.iter_mut().enumerate() {
        let root = find(&mut parent, id);
        let next = dense.len();
        *slot = *dense.entry(root).or_insert(next);
    }
    for id in group_of.values_mut() {
        *id = numbered[*id];
    }
    let groups = dense.len();
    // A concat group is measured through its branches; a group with no measured member cannot
    // happen in the pattern (every chain starts at the input or a ReLU), but is refused, not guessed.
    let measured: std::collections::HashSet<usize> = calibrated.iter().map(|n| group_of[n]).collect();
    if measured.len() != groups {
        return Err(Error::export("a quantised tensor has no calibrated source".to_owned()));
    }
    Ok(QuantPlan { group_of, calibrated, groups })
}

#[derive(Default)]
struct Groups {
    parent: Vec<usize>,
    group_of: HashMap<String, usize>,
    calibrated: Vec<String>,
}

impl Groups {
    fn add(&mut self, name: &str, measured: bool) {
        let id = self.parent.len();
        self.parent.push(id);
        self.group_of.insert(name.to_owned(), id);
        if measured {
            self.calibrated.push(name.to_owned());
        }
    }

    fn has(&self, name: &str) -> bool {
        self.group_of.contains_key(name)
    }

    fn find(&mut self, i: usize) -> usize {
        find(&mut self.parent, i)
    }
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}
