//! The operators the face detector adds, lowered from small graphs and held to plain
//! computations on every kernel: depthwise Conv, nearest 2x Resize, Sigmoid, the heads'
//! Transpose and Reshape, several outputs, and nodes no output needs.

use super::*;

fn text(name: &str, s: &str) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: AttributeType::String as i32,
        s: s.as_bytes().to_vec(),
        ..Default::default()
    }
}

fn int64s(name: &str, values: &[i64]) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: vec![values.len() as i64],
        data_type: DataType::Int64 as i32,
        raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ..Default::default()
    }
}

/// `graph` lowered with `outputs` on every kernel and run on [`input`]: each output must have
/// its shape and values within float rounding.
fn run_outputs_on_every_kernel(
    what: &str,
    graph: &GraphProto,
    outputs: &[&str],
    want: &[(Vec<usize>, Vec<f32>)],
) -> Vec<Net> {
    let mut nets = Vec::new();
    for kernel in Kernel::available() {
        let net = lower_named(graph, INPUT_NAME, outputs, [1, C, H, W], kernel)
            .unwrap_or_else(|e| panic!("{what}, {}: {e:?}", kernel.name()));
        let got = net.run_outputs(&input());
        assert_eq!(got.len(), want.len(), "{what}");
        for (o, ((shape, values), (got_shape, got))) in
            want.iter().zip(net.output_shapes().zip(&got)).enumerate()
        {
            assert_eq!(got_shape, shape.as_slice(), "{what}, {}: output {o}", kernel.name());
            assert_eq!(got.len(), values.len(), "{what}, {}: output {o}", kernel.name());
            for (i, (g, w)) in got.iter().zip(values).enumerate() {
                assert!(
                    (g - w).abs() <= 1e-4 * (1.0 + w.abs()),
                    "{what}, {} output {o} [{i}]: {g} vs {w}",
                    kernel.name()
                );
            }
        }
        assert_eq!(net.run_outputs(&input()), got, "{what}, {}: second run", kernel.name());
        nets.push(net);
    }
    nets
}

fn resize_node(input: &str, output: &str, coordinates: &str, rounding: &str, scales: &str) -> NodeProto {
    let attrs = vec![
        text("mode", "nearest"),
        text("coordinate_transformation_mode", coordinates),
        text("nearest_mode", rounding),
    ];
    node("Resize", &[input, "roi", scales], output, attrs)
}

fn resize_inits() -> Vec<TensorProto> {
    vec![
        tensor("roi", &[0], &[]),
        tensor("scales", &[4], &[1.0, 1.0, 2.0, 2.0]),
        tensor("thrice", &[4], &[1.0, 1.0, 3.0, 3.0]),
    ]
}

/// The input upsampled 2x: value (c, y, x) at every (c, 2y + dy, 2x + dx).
fn doubled(x: &[f32], c: usize, h: usize, w: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(4 * x.len());
    for ch in 0..c {
        for y in 0..2 * h {
            for xx in 0..2 * w {
                out.push(x[(ch * h + y / 2) * w + xx / 2]);
            }
        }
    }
    out
}

#[test]
fn the_detector_heads_upsample_add_flatten_and_squash() {
    // input -> Resize 2x -> + Resize 2x (the FPN's sum) -> Transpose to NHWC -> Reshape [1, -1, C]
    // -> Sigmoid, with the upsampled value and the flattened one as outputs too.
    let mut init = resize_inits();
    init.push(int64s("flat", &[1, -1, C as i64]));
    let g = graph(
        vec![
            resize_node(INPUT_NAME, "up", "asymmetric", "floor", "scales"),
            resize_node(INPUT_NAME, "up2", "half_pixel", "round_prefer_floor", "scales"),
            node("Add", &["up", "up2"], "sum", vec![]),
            node("Transpose", &["sum"], "nhwc", vec![ints("perm", &[0, 2, 3, 1])]),
            node("Reshape", &["nhwc", "flat"], "cells", vec![]),
            node("Sigmoid", &["cells"], "score", vec![]),
        ],
        init,
    );
    let up = doubled(&input(), C, H, W);
    let sum: Vec<f32> = up.iter().map(|v| v + v).collect();
    let (h2, w2) = (2 * H, 2 * W);
    let mut cells = Vec::new();
    for p in 0..h2 * w2 {
        for c in 0..C {
            cells.push(sum[c * h2 * w2 + p]);
        }
    }
    let score: Vec<f32> = cells.iter().map(|&v| (1.0 / (1.0 + (-(v as f64)).exp())) as f32).collect();
    let want = [(vec![1, C, h2, w2], up), (vec![1, h2 * w2, C], cells), (vec![1, h2 * w2, C], score)];
    for net in run_outputs_on_every_kernel("detector heads", &g, &["up", "cells", "score"], &want) {
        let transposes = net.steps.iter().filter(|s| matches!(s, Step::Transpose { .. })).count();
        assert_eq!(transposes, 1, "a 3-channel transpose moves values");
    }
}

#[test]
fn moving_only_unit_axes_is_free_and_reshape_copies_zero_dimensions() {
    // One channel: NCHW -> NHWC keeps the values in order, so no step; Reshape `0` keeps axis 0.
    let (init, a) = pointwise("a", 1, 70);
    let mut init = init;
    init.push(int64s("shape", &[0, -1]));
    let g = graph(
        vec![
            conv_node("a"),
            node("Transpose", &["a"], "t", vec![ints("perm", &[0, 2, 3, 1])]),
            node("Reshape", &["t", "shape"], OUTPUT_NAME, vec![]),
        ],
        init,
    );
    for net in
        run_outputs_on_every_kernel("unit-axis transpose", &g, &[OUTPUT_NAME], &[(vec![1, PLANE], a.clone())])
    {
        assert!(!net.steps.iter().any(|s| matches!(s, Step::Transpose { .. })), "no copy");
    }
}

#[test]
fn a_channel_grouped_3x3_conv_runs_on_the_depthwise_loop() {
    let (w, b) = (values(C * 9, 80), values(C, 81));
    let g = graph(
        vec![
            node(
                "Conv",
                &[INPUT_NAME, "w", "b"],
                "d",
                vec![int("group", C as i64), ints("pads", &[1, 1, 1, 1])],
            ),
            node("Relu", &["d"], OUTPUT_NAME, vec![]),
        ],
        vec![tensor("w", &[C, 1, 3, 3], &w), tensor("b", &[C], &b)],
    );
    let x = input();
    let mut want = vec![0f32; C * PLANE];
    for c in 0..C {
        for y in 0..H as isize {
            for xx in 0..W as isize {
                let mut s = b[c] as f64;
                for (t, &wt) in w[c * 9..c * 9 + 9].iter().enumerate() {
                    let (iy, ix) = (y + t as isize / 3 - 1, xx + t as isize % 3 - 1);
                    if (0..H as isize).contains(&iy) && (0..W as isize).contains(&ix) {
                        s += wt as f64 * x[(c * H + iy as usize) * W + ix as usize] as f64;
                    }
                }
                want[(c * H + y as usize) * W + xx as usize] = (s as f32).max(0.0);
            }
        }
    }
    for net in run_on_every_kernel("depthwise", &g, &[1, C, H, W], &want) {
        assert!(matches!(net.steps.as_slice(), [Step::Depthwise { relu: true, .. }]), "{:?}", net.steps);
    }
}

#[test]
fn nodes_no_output_needs_are_not_read() {
    let (init, a) = pointwise("a", 2, 90);
    let g = graph(vec![conv_node("a"), node("NotAnOperator", &["a"], "unused", vec![])], init);
    let net = lower_named(&g, INPUT_NAME, &["a"], [1, C, H, W], Kernel::best())
        .expect("the unread node is skipped");
    for (g, w) in net.run(&input()).iter().zip(&a) {
        assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "{g} vs {w}");
    }
    let err = lower_named(&g, INPUT_NAME, &["unused"], [1, C, H, W], Kernel::best()).expect_err("needed now");
    assert!(matches!(err, ReadError::Unsupported { .. }), "{err:?}");
    let err =
        lower_named(&g, INPUT_NAME, &["nothing"], [1, C, H, W], Kernel::best()).expect_err("no such value");
    assert!(matches!(err, ReadError::Invalid(_)), "{err:?}");
}

#[test]
fn resizes_other_than_a_2x_repeat_and_bad_shapes_are_refused() {
    let unsupported_cases = [
        resize_node(INPUT_NAME, OUTPUT_NAME, "asymmetric", "round_prefer_ceil", "scales"),
        resize_node(INPUT_NAME, OUTPUT_NAME, "align_corners", "floor", "scales"),
        resize_node(INPUT_NAME, OUTPUT_NAME, "asymmetric", "floor", "thrice"),
        node("Resize", &[INPUT_NAME, "roi", "scales"], OUTPUT_NAME, vec![text("mode", "linear")]),
        node("Resize", &[INPUT_NAME, "scales"], OUTPUT_NAME, vec![]),
    ];
    for n in unsupported_cases {
        let what = format!(
            "{:?}",
            n.attribute.iter().map(|a| String::from_utf8_lossy(&a.s).into_owned()).collect::<Vec<_>>()
        );
        let err = lower(&graph(vec![n], resize_inits()), [1, C, H, W], Kernel::best()).expect_err(&what);
        assert!(matches!(err, ReadError::Unsupported { .. }), "{what}: {err:?}");
    }
    let invalid_cases = [
        (vec![int64s("s", &[1, 7])], vec![node("Reshape", &[INPUT_NAME, "s"], OUTPUT_NAME, vec![])]),
        (vec![int64s("s", &[-1, -1])], vec![node("Reshape", &[INPUT_NAME, "s"], OUTPUT_NAME, vec![])]),
        (vec![], vec![node("Transpose", &[INPUT_NAME], OUTPUT_NAME, vec![ints("perm", &[0, 1, 1, 2])])]),
        (vec![], vec![node("Transpose", &[INPUT_NAME], OUTPUT_NAME, vec![ints("perm", &[0, 1, 2])])]),
    ];
    for (init, nodes) in invalid_cases {
        let what = format!("{:?}", nodes[0].op_type);
        let err = lower(&graph(nodes, init), [1, C, H, W], Kernel::best()).expect_err(&what);
        assert!(matches!(err, ReadError::Invalid(_)), "{what}: {err:?}");
    }
}
