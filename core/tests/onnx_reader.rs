//! Core reads and runs its ONNX graphs with its own engine (`core/src/net`), without tract. These
//! tests hold it to tract-onnx's results on every architecture and weight precision the exporter
//! writes, and check what it refuses, and how.

mod common;
#[path = "common/tiny_onnx.rs"]
mod tiny_onnx;

use std::io::Cursor;

use glasses_core::contract::{INPUT_NAME, OUTPUT_NAME};
use glasses_core::export::{Architecture, ExportOptions, WeightPrecision, export_onnx, random_weights};
use glasses_core::{Classifier, ClassifierOptions, Error};
use prost::Message;
use tiny_onnx::{float_tensor, int_attr, ints_attr, node, tiny_model, value_info};
use tract_onnx::pb::{ModelProto, tensor_proto::DataType};
use tract_onnx::prelude::*;

/// The logits tract's own ONNX reader computes for `input`, optimised the same way.
fn tract_onnx_logits(bytes: &[u8], height: usize, width: usize, input: &[f32]) -> Vec<f32> {
    let shape = [1, 3, height, width];
    let plan = tract_onnx::onnx()
        .model_for_read(&mut Cursor::new(bytes))
        .expect("tract-onnx reads the file")
        .with_input_fact(0, f32::fact(shape).into())
        .expect("input fact")
        .into_optimized()
        .expect("optimise")
        .into_runnable()
        .expect("plan");
    let out = plan.run(tvec!(Tensor::from_shape(&shape, input).expect("tensor").into())).expect("run");
    out[0].to_plain_array_view::<f32>().expect("f32").iter().copied().collect()
}

fn load(bytes: &[u8]) -> Classifier {
    Classifier::from_bytes(bytes, ClassifierOptions::default()).expect("loads")
}

/// Core's logits, on every micro-kernel this CPU runs, against tract-onnx's for two inputs. The
/// engines sum in different orders (and fuse multiply-adds differently), so the logits agree to
/// float rounding, not to the bit: within 1e-4 of the logits' scale.
fn compare_with_tract_onnx(name: &str, bytes: &[u8]) {
    let kernels = common::per_kernel(bytes);
    let pre = *kernels[0].1.preprocessing();
    let (h, w) = (pre.height as usize, pre.width as usize);
    let smooth = common::golden_input(pre.tensor_len());
    let photo = pre.tensor_from_rgb(&common::picture(120, 150));
    for (what, input) in [("smooth input", &smooth), ("picture", &photo)] {
        let theirs = tract_onnx_logits(bytes, h, w, input);
        let scale = theirs.iter().fold(1f32, |m, v| m.max(v.abs()));
        for (kernel, c) in &kernels {
            let ours = c.logits(input).expect("logits");
            assert_eq!(ours.len(), theirs.len(), "{name}, {kernel} kernel: one logit per class");
            let diff = ours.iter().zip(&theirs).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                diff <= 1e-4 * scale,
                "{name}, {what}, {kernel} kernel: core {ours:?} vs tract-onnx {theirs:?} (diff {diff})"
            );
        }
    }
}

fn exported(arch: Architecture, precision: WeightPrecision, width: u32, height: u32) -> Vec<u8> {
    let mut options = ExportOptions::new(arch, width);
    options.input_height = height;
    options.precision = precision;
    export_onnx(&random_weights(arch, 7), &options).expect("export")
}

#[test]
fn every_exported_architecture_and_precision_matches_tract_onnx() {
    let cases = [
        ("SqueezeNet fp32 64x80", exported(Architecture::SqueezeNet1_1, WeightPrecision::F32, 64, 80)),
        ("SqueezeNet int8 64x80", exported(Architecture::SqueezeNet1_1, WeightPrecision::Int8, 64, 80)),
        ("ResNet-18 fp32 48x40", exported(Architecture::ResNet18, WeightPrecision::F32, 48, 40)),
        ("ResNet-18 int8 48x40", exported(Architecture::ResNet18, WeightPrecision::Int8, 48, 40)),
    ];
    for (name, bytes) in &cases {
        compare_with_tract_onnx(name, bytes);
    }
}

#[test]
fn three_class_models_match_tract_onnx() {
    for (arch, precision) in [
        (Architecture::SqueezeNet1_1, WeightPrecision::F32),
        (Architecture::SqueezeNet1_1, WeightPrecision::Int8),
        (Architecture::ResNet18, WeightPrecision::F32),
    ] {
        let mut options = ExportOptions::new(arch, 48);
        options.precision = precision;
        options.class_names = glasses_core::contract::eyewear_class_names();
        let bytes =
            export_onnx(&glasses_core::export::random_weights_for(arch, 3, 7), &options).expect("export");
        let c = load(&bytes);
        assert!(c.metadata().has_sunglasses_class());
        compare_with_tract_onnx(&format!("{arch} {precision:?} 3 classes"), &bytes);
    }
}

#[test]
fn the_bundled_model_matches_tract_onnx() {
    let bytes = Classifier::bundled_model_bytes().expect("bundled");
    compare_with_tract_onnx("bundled", bytes);
}

#[test]
fn weights_stored_in_typed_fields_read_like_raw_bytes() {
    // ONNX allows float_data / int32_data instead of raw_data; other exporters use them.
    for precision in [WeightPrecision::F32, WeightPrecision::Int8] {
        let raw = exported(Architecture::SqueezeNet1_1, precision, 48, 48);
        let mut m = ModelProto::decode(raw.as_slice()).expect("decode");
        for t in &mut m.graph.as_mut().expect("graph").initializer {
            let bytes = std::mem::take(&mut t.raw_data);
            if t.data_type == DataType::Float as i32 {
                t.float_data =
                    bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
            } else {
                t.int32_data = bytes.iter().map(|&b| i32::from(b as i8)).collect();
            }
        }
        let typed = m.encode_to_vec();
        let input = common::golden_input(3 * 48 * 48);
        assert_eq!(
            load(&raw).logits(&input).expect("raw"),
            load(&typed).logits(&input).expect("typed"),
            "{precision:?}"
        );
    }
}

/// tiny_model with a Softmax between the Gemm and `logits`.
fn tiny_with_softmax() -> Vec<u8> {
    let mut m = tiny_model(16, 2, 0.5);
    let graph = m.graph.as_mut().expect("graph");
    graph.node[2].output[0] = "scores".into();
    graph.node.push(node("Softmax", &["scores"], OUTPUT_NAME, vec![int_attr("axis", 1)]));
    m.encode_to_vec()
}

#[cfg(not(feature = "onnx-any"))]
#[test]
fn other_operators_are_refused_by_name_without_the_onnx_any_feature() {
    match Classifier::from_bytes(&tiny_with_softmax(), ClassifierOptions::default()) {
        Err(Error::InvalidModel { reason }) => {
            assert!(
                reason.contains("`Softmax`") && reason.contains("Conv") && reason.contains("onnx-any"),
                "{reason}"
            )
        }
        other => panic!("expected InvalidModel naming Softmax, got {other:?}"),
    }
}

#[cfg(feature = "onnx-any")]
#[test]
fn other_operators_go_to_tract_onnx_with_the_onnx_any_feature() {
    let plain = load(&tiny_model(16, 2, 0.5).encode_to_vec());
    let softmaxed = load(&tiny_with_softmax());
    let input = common::golden_input(3 * 16 * 16);
    let l = plain.logits(&input).expect("plain");
    let (ea, eb) = (l[0].exp(), l[1].exp());
    let got = softmaxed.logits(&input).expect("softmax");
    assert!((got[0] - ea / (ea + eb)).abs() < 1e-6 && (got[1] - eb / (ea + eb)).abs() < 1e-6, "{got:?}");
}

fn expect_invalid(name: &str, bytes: &[u8], needle: &str) {
    match Classifier::from_bytes(bytes, ClassifierOptions::default()) {
        Err(Error::InvalidModel { reason }) => {
            assert!(reason.contains(needle), "{name}: `{reason}` does not mention `{needle}`");
            assert!(!reason.contains("panic"), "{name}: {reason}");
        }
        other => panic!("{name}: expected InvalidModel, got {other:?}"),
    }
}

#[test]
fn broken_graph_structure_is_refused_with_the_reason() {
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").node.swap(0, 1);
    expect_invalid("nodes out of order", &m.encode_to_vec(), "topological order");

    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").node[1].output[0] = "pooled".into();
    expect_invalid("an output written twice", &m.encode_to_vec(), "written twice");

    let mut m = tiny_model(16, 2, 0.5);
    let t = &mut m.graph.as_mut().expect("graph").initializer[0];
    t.raw_data.clear();
    t.data_location = Some(1);
    expect_invalid("external weights", &m.encode_to_vec(), "outside the file");

    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").initializer[0].dims = vec![2, -3];
    expect_invalid("negative dimension", &m.encode_to_vec(), "negative dimension");
}

/// input -> Conv (2 filters, 3x3) -> GlobalAveragePool -> Flatten -> logits, with the Conv's
/// attributes replaced by `attrs`.
fn conv_model(attrs: Vec<tract_onnx::pb::AttributeProto>) -> Vec<u8> {
    let mut m = tiny_model(16, 2, 0.5);
    let graph = m.graph.as_mut().expect("graph");
    let w: Vec<f32> = (0..2 * 3 * 3 * 3).map(|i| ((i * 7 % 11) as f32 - 5.0) * 0.05).collect();
    graph.initializer =
        vec![float_tensor("conv.w", &[2, 3, 3, 3], &w), float_tensor("conv.b", &[2], &[0.1, -0.2])];
    graph.node = vec![
        node("Conv", &[INPUT_NAME, "conv.w", "conv.b"], "conv", attrs),
        node("GlobalAveragePool", &["conv"], "pooled", vec![]),
        node("Flatten", &["pooled"], OUTPUT_NAME, vec![]),
    ];
    graph.input = vec![value_info(INPUT_NAME, &[Some(1), Some(3), Some(16), Some(16)])];
    m.encode_to_vec()
}

#[test]
fn conv_attributes_are_read_and_checked() {
    let good = conv_model(vec![
        ints_attr("kernel_shape", &[3, 3]),
        ints_attr("strides", &[2, 1]),
        ints_attr("pads", &[1, 0, 2, 1]),
        ints_attr("dilations", &[1, 2]),
    ]);
    compare_with_tract_onnx("conv with strides, asymmetric pads and dilations", &good);
    let cases = [
        ("stride 0", vec![ints_attr("strides", &[0, 1])], "`strides`"),
        ("negative pad", vec![ints_attr("pads", &[-1, 0, 0, 0])], "padding -1"),
        ("three pads", vec![ints_attr("pads", &[1, 1, 1])], "`pads` needs 4"),
        ("kernel 5x5 vs 3x3 weight", vec![ints_attr("kernel_shape", &[5, 5])], "kernel_shape"),
        ("huge dilation", vec![ints_attr("dilations", &[1 << 40, 1])], "`dilations`"),
        ("stride as an int", vec![int_attr("strides", 2)], "list of integers"),
        ("2 groups over 3 channels", vec![int_attr("group", 2)], "need [N, 6, H, W]"),
        // 8,016 x 8,016 x 2 outputs from a 16 x 16 input: refused before anything is allocated.
        (
            "huge padding",
            vec![ints_attr("pads", &[4000, 4000, 4000, 4000])],
            "more than the 67108864 allowed",
        ),
    ];
    for (name, attrs, needle) in cases {
        expect_invalid(name, &conv_model(attrs), needle);
    }
}
