//! Core reads and runs its ONNX graphs with its own engine (`core/src/net`), without tract. These
//! tests check what it reads (typed weight fields, Conv attributes) and what it refuses, and how;
//! the values it computes are held to tract-onnx's in the glasses-parity crate (`parity/`).

use crate::common;
use crate::common::tiny_onnx;

use glasses_core::contract::OUTPUT_NAME;
use glasses_core::export::{Architecture, WeightPrecision};
use glasses_core::onnx_pb::{AttributeProto, ModelProto, tensor_proto::DataType};
use glasses_core::{Classifier, ClassifierOptions, Error};
use prost::Message;
use tiny_onnx::{conv_model, node, strided_dilated_conv_model, tiny_model};

fn load(bytes: &[u8]) -> Classifier {
    Classifier::from_bytes(bytes, ClassifierOptions::default()).expect("loads")
}

#[test]
fn weights_stored_in_typed_fields_read_like_raw_bytes() {
    // ONNX allows float_data / int32_data instead of raw_data; other exporters use them.
    for precision in [WeightPrecision::F32, WeightPrecision::Int8] {
        let raw = common::exported(Architecture::SqueezeNet1_1, precision, 48, 48);
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
    graph.node.push(node("Softmax", &["scores"], OUTPUT_NAME, vec![AttributeProto::int("axis", 1)]));
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

#[test]
fn conv_attributes_are_read_and_checked() {
    let good = strided_dilated_conv_model();
    // The values of this graph are held to tract-onnx's in glasses-parity (parity/tests).
    load(&good).logits(&common::golden_input(3 * 16 * 16)).expect("a valid conv runs");
    let cases = [
        ("stride 0", vec![AttributeProto::ints("strides", &[0, 1])], "`strides`"),
        ("negative pad", vec![AttributeProto::ints("pads", &[-1, 0, 0, 0])], "padding -1"),
        ("three pads", vec![AttributeProto::ints("pads", &[1, 1, 1])], "`pads` needs 4"),
        ("kernel 5x5 vs 3x3 weight", vec![AttributeProto::ints("kernel_shape", &[5, 5])], "kernel_shape"),
        ("huge dilation", vec![AttributeProto::ints("dilations", &[1 << 40, 1])], "`dilations`"),
        ("stride as an int", vec![AttributeProto::int("strides", 2)], "list of integers"),
        ("2 groups over 3 channels", vec![AttributeProto::int("group", 2)], "need [N, 6, H, W]"),
        // 8,016 x 8,016 x 2 outputs from a 16 x 16 input: refused before anything is allocated.
        (
            "huge padding",
            vec![AttributeProto::ints("pads", &[4000, 4000, 4000, 4000])],
            "more than the 67108864 allowed",
        ),
    ];
    for (name, attrs, needle) in cases {
        expect_invalid(name, &conv_model(attrs), needle);
    }
}
