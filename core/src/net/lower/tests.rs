//! The lowering paths no graph `export` writes reaches (SqueezeNet's Concats are all planned
//! away, every Relu fuses, the classifier's Gemm has transB = 1), each run on every kernel and
//! held to a plain computation, so that a graph from another exporter does not run them first.

use super::*;
use crate::onnx_pb::{AttributeProto, TensorProto, attribute_proto::AttributeType, tensor_proto::DataType};

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
    let init = vec![tensor(&format!("{name}.w"), &[m, C, 1, 1], &w), tensor(&format!("{name}.b"), &[m], &b)];
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
            assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "{what}, {} [{i}]: {g} vs {w}", kernel.name());
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
            matches!(s, Step::Conv { output, .. } if output.buf == net.outputs[0].0.buf && output.offset == (C + 2) * PLANE)
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
                    m.push(window.map(|(dy, dx)| x[(c * H + y + dy) * W + xx + dx]).fold(f32::MIN, f32::max));
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
    for (c_shape, c) in [(vec![rows, 1], values(rows, 60)), (vec![n], values(n, 70)), (vec![], vec![0.25])] {
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
        for (trans, weights, dims) in [(Some(0), &b, [k, n]), (None, &b, [k, n]), (Some(1), &b_t, [n, k])] {
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

mod detector;
mod qdq;
