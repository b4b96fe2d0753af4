use std::collections::HashMap;

use super::*;
use crate::export::{Architecture, ExportOptions, WeightPrecision, export_onnx, random_weights};
use crate::onnx_pb::{GraphProto, ModelProto, TensorProto, tensor_proto::DataType};
use prost::Message;

const SIDE: u32 = 48;

fn float_model(architecture: Architecture, precision: WeightPrecision) -> Vec<u8> {
    let options = ExportOptions { precision, ..ExportOptions::new(architecture, SIDE) };
    export_onnx(&random_weights(architecture, 7), &options).expect("export")
}

/// Smooth, face-like ranges of preprocessed values (about -2..2.5), different per seed.
fn tensors(count: usize, seed: usize) -> Vec<Vec<f32>> {
    let n = (SIDE * SIDE) as usize;
    (0..count)
        .map(|k| {
            let k = (k + seed) as f32;
            (0..3 * n)
                .map(|i| {
                    let (c, p) = ((i / n) as f32, (i % n) as f32);
                    let (y, x) = ((p / SIDE as f32).floor(), p % SIDE as f32);
                    2.2 * ((0.13 + 0.02 * k) * x + 0.7 * c + k).sin() * ((0.09 + 0.01 * c) * y - k).cos()
                })
                .collect()
        })
        .collect()
}

fn decode(bytes: &[u8]) -> GraphProto {
    ModelProto::decode(bytes).expect("decodes").graph.expect("graph")
}

fn init<'g>(graph: &'g GraphProto, name: &str) -> &'g TensorProto {
    graph.initializer.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no initializer `{name}`"))
}

fn f32s(t: &TensorProto) -> Vec<f32> {
    t.raw_data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

fn quantised() -> (Vec<u8>, Vec<u8>) {
    let fp32 = float_model(Architecture::SqueezeNet1_1, WeightPrecision::F32);
    let options = QuantizeOptions { calibration_source: "test pictures".into(), ..Default::default() };
    let int8 = quantize_static(&fp32, &tensors(6, 0), &options).expect("quantises");
    (fp32, int8)
}

#[test]
fn the_file_follows_the_qdq_format_and_records_its_calibration() {
    let (fp32, int8) = quantised();
    let parsed = model_file::parse(&int8).expect("still a glasses model");
    let extra = &parsed.metadata.extra;
    assert_eq!(extra[contract::KEY_QUANTIZATION], contract::QUANTIZATION_STATIC_INT8);
    assert_eq!(extra[contract::KEY_WEIGHT_PRECISION], "int8");
    assert_eq!(extra[contract::KEY_CALIBRATION_COUNT], "6");
    assert_eq!(extra[contract::KEY_CALIBRATION_SOURCE], "test pictures");
    assert_eq!(extra[contract::KEY_CALIBRATION_METHOD], "minmax");

    let (float, graph) = (decode(&fp32), decode(&int8));
    let producer: HashMap<&str, &crate::onnx_pb::NodeProto> =
        graph.node.iter().map(|n| (n.output[0].as_str(), n)).collect();
    let op = |name: &str| producer.get(name).map_or("(input)", |n| n.op_type.as_str());
    let convs: Vec<_> = graph.node.iter().filter(|n| n.op_type == "Conv").collect();
    assert_eq!(convs.len(), float.node.iter().filter(|n| n.op_type == "Conv").count());
    for conv in &convs {
        // Activation, weight and bias all come dequantised: an int8 engine fuses from here.
        for input in &conv.input {
            assert_eq!(op(input), "DequantizeLinear", "{}: {input}", conv.name);
        }
        let w = &producer[conv.input[1].as_str()];
        assert_eq!(init(&graph, &w.input[0]).data_type, DataType::Int8 as i32);
        let b = &producer[conv.input[2].as_str()];
        assert_eq!(init(&graph, &b.input[0]).data_type, DataType::Int32 as i32);
        // Bias scale = activation scale x weight scale, per channel.
        let x_q = &producer[producer[conv.input[0].as_str()].input[0].as_str()];
        let s_x = f32s(init(&graph, &x_q.input[1]))[0];
        let (s_w, s_b) = (f32s(init(&graph, &w.input[1])), f32s(init(&graph, &b.input[1])));
        for (sw, sb) in s_w.iter().zip(&s_b) {
            assert!((sw * s_x - sb).abs() <= 1e-6 * sb.abs(), "{}: {sw} x {s_x} != {sb}", conv.name);
        }
    }
    // Every concat reads DQ outputs of one shared scale, and is requantised with it.
    let concats: Vec<_> = graph.node.iter().filter(|n| n.op_type == "Concat").collect();
    assert_eq!(concats.len(), 8, "eight fire modules");
    for concat in concats {
        let scale_of = |dq: &str| producer[dq].input[1].clone();
        let scales: Vec<String> = concat.input.iter().map(|i| scale_of(i)).collect();
        assert!(scales.iter().all(|s| *s == scales[0]), "{scales:?}");
        let q = graph.node.iter().find(|n| n.input[0] == concat.output[0]).expect("read");
        assert_eq!(q.op_type, "QuantizeLinear");
        assert_eq!(q.input[1], scales[0]);
    }
    // ReLU outputs are never negative: zero point 0.
    for relu in graph.node.iter().filter(|n| n.op_type == "Relu") {
        let q = graph.node.iter().find(|n| n.input[0] == relu.output[0]).expect("read");
        assert_eq!(init(&graph, &q.input[2]).raw_data, [0], "{}", relu.name);
    }
    // The head stays float: GAP reads a dequantised ReLU output and Flatten writes the logits.
    let gap = graph.node.iter().find(|n| n.op_type == "GlobalAveragePool").expect("gap");
    assert_eq!(op(&gap.input[0]), "DequantizeLinear");
    assert_eq!(op(contract::OUTPUT_NAME), "Flatten");
}

#[test]
fn weights_and_biases_round_trip_within_half_a_step() {
    let (fp32, int8) = quantised();
    let (float, graph) = (decode(&fp32), decode(&int8));
    for t in float.initializer.iter().filter(|t| t.name.ends_with(".weight")) {
        let (q, s) =
            (init(&graph, &format!("{}.quantized", t.name)), init(&graph, &format!("{}.scale", t.name)));
        let (values, scales) = (f32s(t), f32s(s));
        let per = values.len() / scales.len();
        for (i, v) in values.iter().enumerate() {
            let back = f32::from(q.raw_data[i] as i8) * scales[i / per];
            assert!((back - v).abs() <= 0.5 * scales[i / per] + 1e-7, "{}[{i}]: {v} -> {back}", t.name);
        }
    }
    for t in float.initializer.iter().filter(|t| t.name.ends_with(".bias")) {
        let (q, s) =
            (init(&graph, &format!("{}.quantized", t.name)), init(&graph, &format!("{}.scale", t.name)));
        let ints: Vec<i32> =
            q.raw_data.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        for ((v, i), s) in f32s(t).iter().zip(ints).zip(f32s(s)) {
            assert!((i as f32 * s - v).abs() <= 0.5 * s + 1e-7, "{}: {v} -> {i} x {s}", t.name);
        }
    }
}

#[test]
fn percentile_ranges_are_no_wider_than_min_max() {
    let fp32 = float_model(Architecture::SqueezeNet1_1, WeightPrecision::F32);
    let calibration = tensors(4, 3);
    let scales = |range| {
        let options = QuantizeOptions { range, ..Default::default() };
        let graph = decode(&quantize_static(&fp32, &calibration, &options).expect("quantises"));
        let mut s: Vec<(String, f32)> = graph
            .initializer
            .iter()
            .filter(|t| t.name.starts_with("quant.") && t.name.ends_with(".scale"))
            .map(|t| (t.name.clone(), f32s(t)[0]))
            .collect();
        s.sort_by(|a, b| a.0.cmp(&b.0));
        s
    };
    let (wide, narrow) = (scales(RangeMethod::MinMax), scales(RangeMethod::Percentile(99.0)));
    assert_eq!(wide.len(), narrow.len());
    assert!(wide.iter().zip(&narrow).all(|(w, n)| n.1 <= w.1 * 1.0001), "{wide:?} vs {narrow:?}");
    assert!(wide.iter().zip(&narrow).any(|(w, n)| n.1 < w.1 * 0.99), "99th percentile clips something");
    assert_eq!(scales(RangeMethod::Percentile(100.0)), wide);
}

#[test]
fn bad_inputs_are_typed_errors() {
    let fp32 = float_model(Architecture::SqueezeNet1_1, WeightPrecision::F32);
    let options = QuantizeOptions::default();
    let good = tensors(1, 0);
    let export_error = |r: Result<Vec<u8>>, needle: &str| match r {
        Err(e @ Error::Export { .. }) => assert!(e.to_string().contains(needle), "{e}"),
        other => panic!("expected an export error naming {needle:?}, got {other:?}"),
    };
    export_error(quantize_static(&fp32, &[], &options), "empty");
    let err = quantize_static(&fp32, &[vec![0.0; 12]], &options).expect_err("wrong length");
    assert!(matches!(err, Error::TensorShape { actual: 12, .. }), "{err}");
    let mut nan = good.clone();
    nan[0][5] = f32::NAN;
    export_error(quantize_static(&fp32, &nan, &options), "non-finite");
    for p in [0.0, 50.0, 100.5, f32::NAN] {
        let bad = QuantizeOptions { range: RangeMethod::Percentile(p), ..Default::default() };
        export_error(quantize_static(&fp32, &good, &bad), "percentile");
    }
    // Graphs outside the pattern are named, not guessed at.
    let resnet = float_model(Architecture::ResNet18, WeightPrecision::F32);
    export_error(quantize_static(&resnet, &good, &options), "outside the static int8 pattern");
    let int8_weights = float_model(Architecture::SqueezeNet1_1, WeightPrecision::Int8);
    export_error(quantize_static(&int8_weights, &good, &options), "DequantizeLinear");
    let twice = quantize_static(&fp32, &good, &options).expect("quantises");
    export_error(quantize_static(&twice, &good, &options), "already quantised");
    let err = quantize_static(b"not a model", &good, &options).expect_err("garbage");
    assert!(matches!(err, Error::InvalidModel { .. }), "{err}");
}

/// Core with tract's full reader (`onnx-any`) runs the QDQ file as ONNX says; its logits track the
/// float file's on the calibration tensors (rounding only) and on tensors it never saw (rounding
/// and clipping to the calibrated ranges).
#[cfg(feature = "onnx-any")]
#[test]
fn tract_runs_the_file_close_to_the_float_model() {
    use crate::{Classifier, ClassifierOptions};
    let fp32 = float_model(Architecture::SqueezeNet1_1, WeightPrecision::F32);
    let calibration = tensors(24, 0);
    let int8 = quantize_static(&fp32, &calibration, &QuantizeOptions::default()).expect("quantises");
    let float = Classifier::from_bytes(&fp32, ClassifierOptions::default()).expect("float loads");
    let quant = Classifier::from_bytes(&int8, ClassifierOptions::default()).expect("int8 loads");
    assert!(quant.engine().contains("tract"), "{}", quant.engine());
    // Stated tolerance: 5 % of the largest logit (measured: up to 2.5 % on calibration tensors,
    // 3.3 % on unseen ones, through 26 quantised layers of random weights).
    for (set, tolerance) in [(calibration[..4].to_vec(), 0.05), (tensors(4, 100), 0.05)] {
        for tensor in set {
            let a = float.logits(&tensor).expect("float runs");
            let b = quant.logits(&tensor).expect("int8 runs");
            let spread = a.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-3);
            for (x, y) in a.iter().zip(&b) {
                assert!(
                    (x - y).abs() <= tolerance * spread,
                    "float {a:?} vs int8 {b:?}, tolerance {tolerance}"
                );
            }
        }
    }
}
