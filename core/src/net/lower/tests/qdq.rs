//! Static int8 QDQ graphs (a small SqueezeNet: stem, pool, one fire module, head) lowered to the
//! int8 steps on every kernel: byte-identical across kernels, close to the float path of the same
//! graph (QuantizeLinear and DequantizeLinear as rounding steps on floats), the concat written in
//! place, and graphs outside the pattern on the float path.

use super::*;
use crate::net::lower::qdq::try_lower_int8;

const SIDE: [usize; 2] = [23, 19];

fn typed(name: &str, dims: &[usize], data_type: DataType, raw_data: Vec<u8>) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.iter().map(|&d| d as i64).collect(),
        data_type: data_type as i32,
        raw_data,
        ..Default::default()
    }
}

/// A graph under construction, with the QDQ nodes an exporter writes.
struct Builder {
    nodes: Vec<NodeProto>,
    init: Vec<TensorProto>,
    seed: usize,
}

impl Builder {
    fn qparams(&mut self, name: &str, scale: f32, zero: u8) -> [String; 2] {
        self.init.push(tensor(&format!("{name}.s"), &[], &[scale]));
        self.init.push(typed(&format!("{name}.z"), &[], DataType::Uint8, vec![zero]));
        [format!("{name}.s"), format!("{name}.z")]
    }

    /// `x` quantised with (scale, zero) and dequantised again: the name of the DQ output.
    fn qdq(&mut self, x: &str, name: &str, scale: f32, zero: u8) -> String {
        let [s, z] = self.qparams(name, scale, zero);
        self.nodes.push(node("QuantizeLinear", &[x, &s, &z], &format!("{name}.q"), vec![]));
        self.nodes.push(node(
            "DequantizeLinear",
            &[&format!("{name}.q"), &s, &z],
            &format!("{name}.dq"),
            vec![],
        ));
        format!("{name}.dq")
    }

    /// A Conv of `x` (dequantised, scale `sx`) with int8 per-channel weights and an int32 bias,
    /// the weights scaled so that outputs stay near the inputs' size.
    fn conv(
        &mut self,
        x: &str,
        sx: f32,
        name: &str,
        [m, c, k]: [usize; 3],
        stride: usize,
        pad: usize,
    ) -> String {
        self.seed += 1;
        let n = m * c * k * k;
        let w: Vec<i8> = (0..n).map(|i| (((i + self.seed) * 7919 % 255) as i32 - 127) as i8).collect();
        let sw: Vec<f32> =
            (0..m).map(|o| (1.0 + 0.1 * o as f32) / (127.0 * ((c * k * k) as f32).sqrt())).collect();
        let b: Vec<i32> = (0..m).map(|o| (((o + self.seed) * 31 % 17) as i32 - 8) * 40).collect();
        let sb: Vec<f32> = sw.iter().map(|s| sx * s).collect();
        self.init.push(typed(
            &format!("{name}.wq"),
            &[m, c, k, k],
            DataType::Int8,
            w.iter().map(|&v| v as u8).collect(),
        ));
        self.init.push(tensor(&format!("{name}.ws"), &[m], &sw));
        self.init.push(typed(&format!("{name}.wz"), &[m], DataType::Int8, vec![0; m]));
        self.init.push(typed(
            &format!("{name}.bq"),
            &[m],
            DataType::Int32,
            b.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ));
        self.init.push(tensor(&format!("{name}.bs"), &[m], &sb));
        self.init.push(typed(&format!("{name}.bz"), &[m], DataType::Int32, vec![0; 4 * m]));
        let dq = |t: &str| {
            node(
                "DequantizeLinear",
                &[&format!("{name}.{t}q"), &format!("{name}.{t}s"), &format!("{name}.{t}z")],
                &format!("{name}.{t}"),
                vec![int("axis", 0)],
            )
        };
        self.nodes.push(dq("w"));
        self.nodes.push(dq("b"));
        let attrs = vec![
            ints("kernel_shape", &[k as i64; 2]),
            ints("strides", &[stride as i64; 2]),
            ints("pads", &[pad as i64; 4]),
        ];
        self.nodes.push(node("Conv", &[x, &format!("{name}.w"), &format!("{name}.b")], name, attrs));
        name.to_string()
    }

    fn relu(&mut self, x: &str) -> String {
        self.nodes.push(node("Relu", &[x], &format!("{x}.relu"), vec![]));
        format!("{x}.relu")
    }
}

/// Variants: `ort` writes the graph as ONNX Runtime does (no Relu nodes before a zero-point-0
/// Q, the expand branches of different scales, the pooled logits quantised too).
fn squeezenet(ort: bool) -> GraphProto {
    let mut b = Builder { nodes: Vec::new(), init: Vec::new(), seed: 0 };
    let act = 6.0 / 255.0;
    let x = b.qdq(INPUT_NAME, "in", 4.0 / 255.0, 128);
    let relu = |b: &mut Builder, x: String| if ort { x } else { b.relu(&x) };
    let c = b.conv(&x, 4.0 / 255.0, "stem", [8, C, 3], 2, 0);
    let c = relu(&mut b, c);
    let c = b.qdq(&c, "stem", act, 0);
    b.nodes.push(node(
        "MaxPool",
        &[&c],
        "pool",
        vec![ints("kernel_shape", &[3, 3]), ints("strides", &[2, 2]), int("ceil_mode", 1)],
    ));
    let p = b.qdq("pool", "pool", act, 0);
    let s = b.conv(&p, act, "squeeze", [4, 8, 1], 1, 0);
    let s = relu(&mut b, s);
    let s = b.qdq(&s, "squeeze", act, 0);
    let e1 = b.conv(&s, act, "e1", [8, 4, 1], 1, 0);
    let e1 = relu(&mut b, e1);
    let e3 = b.conv(&s, act, "e3", [8, 4, 3], 1, 1);
    let e3 = relu(&mut b, e3);
    let (e1, e3) = if ort {
        (b.qdq(&e1, "e1", act * 0.7, 0), b.qdq(&e3, "e3", act * 1.3, 0))
    } else {
        (b.qdq(&e1, "e1", act, 0), b.qdq(&e3, "e3", act, 0))
    };
    b.nodes.push(node("Concat", &[&e1, &e3], "fire", vec![int("axis", 1)]));
    let f = b.qdq("fire", "fire", act, 0);
    let h = b.conv(&f, act, "head", [3, 16, 1], 1, 0);
    let h = relu(&mut b, h);
    let h = b.qdq(&h, "head", act, 0);
    b.nodes.push(node("GlobalAveragePool", &[&h], "gap", vec![]));
    let pooled = if ort { b.qdq("gap", "gap", act / 8.0, 0) } else { "gap".into() };
    b.nodes.push(node("Flatten", &[&pooled], OUTPUT_NAME, vec![int("axis", 1)]));
    graph(b.nodes, b.init)
}

fn picture() -> Vec<f32> {
    values(C * SIDE[0] * SIDE[1], 5)
}

fn int8_steps(net: &Net) -> usize {
    net.steps.iter().filter(|s| matches!(s, Step::Int8(_))).count()
}

#[test]
fn qdq_graphs_run_in_int8_identically_on_every_kernel_and_near_the_float_path() {
    let shape = [1, C, SIDE[0], SIDE[1]];
    for ort in [false, true] {
        let g = squeezenet(ort);
        let float = lower_named(&g, INPUT_NAME, &[OUTPUT_NAME], shape, Kernel::best()).expect("float path");
        assert_eq!(int8_steps(&float), 0);
        let want = float.run(&picture());
        let mut first: Option<Vec<f32>> = None;
        for kernel in Kernel::available() {
            let what = format!("ort {ort}, {} / {}", kernel.name(), kernel.int8.name());
            let net = try_lower_int8(&g, INPUT_NAME, OUTPUT_NAME, shape, kernel)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            // quantize, stem, pool, squeeze, two expands, head, average: no copies for the concat.
            assert_eq!(int8_steps(&net), 8, "{what}");
            assert_eq!(net.output_shape(), [1, 3], "{what}");
            let got = net.run(&picture());
            // Exact int32 sums and one requantisation: every kernel gives the same logits.
            match &first {
                None => first = Some(got.clone()),
                Some(f) => assert_eq!(&got, f, "{what}"),
            }
            // The float path rounds its float sums, the int8 path its integer sums: a value on a
            // rounding edge may land one step apart, and carry on; a logit is a mean of 12
            // values, so a few steps of the head's scale (6/255) bound the difference.
            for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                assert!((a - b).abs() <= 3.0 * 6.0 / 255.0, "{what} [{i}]: {a} vs float {b}");
            }
            assert!(got.iter().any(|&v| v > 0.05), "{what}: {got:?} (all saturated or zero)");
            assert_eq!(net.run(&picture()), got, "{what}: second run");
            // And what `lower` picks for a QDQ graph is this.
            assert_eq!(lower(&g, shape, kernel).expect("lower").run(&picture()), got, "{what}");
        }
    }
}

#[test]
fn qdq_graphs_outside_the_pattern_run_on_the_float_path() {
    let shape = [1, C, SIDE[0], SIDE[1]];
    // A Sigmoid on a dequantised activation, and a grouped convolution: no int8 lowering, but
    // the graph still loads and runs (in float).
    let mut g = squeezenet(false);
    let at = g.node.iter().position(|n| n.op_type == "GlobalAveragePool").expect("gap");
    let input = g.node[at].input[0].clone();
    g.node.insert(at, node("Sigmoid", &[&input], "sig", vec![]));
    g.node[at + 1].input[0] = "sig".into();
    assert!(try_lower_int8(&g, INPUT_NAME, OUTPUT_NAME, shape, Kernel::best()).is_err());
    let net = lower(&g, shape, Kernel::best()).expect("float path");
    assert_eq!(int8_steps(&net), 0);
    assert!(net.run(&picture()).iter().all(|v| v.is_finite()));

    let mut g = squeezenet(false);
    let conv = g.node.iter_mut().find(|n| n.op_type == "Conv" && n.name.contains("e1")).expect("e1");
    conv.attribute.push(int("group", 2));
    let err = try_lower_int8(&g, INPUT_NAME, OUTPUT_NAME, shape, Kernel::best()).expect_err("grouped");
    assert!(err.contains("grouped"), "{err}");
}
