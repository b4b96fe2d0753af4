//! Hostile model files: truncated, random, another contract, broken metadata, NaN outputs.

use super::*;

// ---------------------------------------------------------------------------------------------
// Models.

pub(super) fn tiny_model_bytes() -> Vec<u8> {
    tiny_model(16, 2, 0.5).encode_to_vec()
}

pub(super) fn expect_load_error(name: &str, bytes: &[u8]) {
    match Classifier::from_bytes(bytes, ClassifierOptions::default()) {
        Err(Error::InvalidModel { reason }) => assert!(!reason.is_empty(), "{name}"),
        Err(Error::ContractViolation { rule }) => assert!(!rule.is_empty(), "{name}"),
        Err(other) => panic!("{name}: expected InvalidModel or ContractViolation, got {other:?}"),
        Ok(_) => panic!("{name}: loaded"),
    }
}

#[test]
fn the_tiny_model_is_a_valid_positive_control() {
    let bytes = tiny_model_bytes();
    assert!(bytes.len() < 1024, "the tiny model is {} bytes", bytes.len());
    let c = Classifier::from_bytes(&bytes, ClassifierOptions::default()).expect("tiny model loads");
    assert_eq!(c.preprocessing().width, 16);
    // Logits are an affine function of the channel means: check one by hand.
    let img = RgbImage::from_pixel(16, 16, Rgb([255, 0, 128]));
    let t = c.preprocessing().tensor_from_rgb(&img);
    let mean: Vec<f32> = t.chunks(256).map(|ch| ch.iter().sum::<f32>() / 256.0).collect();
    let w = [0.5, 0.25, 0.0, -0.25, -0.5, -0.75];
    let want = [
        w[0] * mean[0] + w[1] * mean[1] + w[2] * mean[2],
        w[3] * mean[0] + w[4] * mean[1] + w[5] * mean[2] + 0.1,
    ];
    let got = c.logits(&t).expect("logits");
    assert!((got[0] - want[0]).abs() < 1e-4 && (got[1] - want[1]).abs() < 1e-4, "{got:?} vs {want:?}");
    harness::load_model(&bytes);
}

#[test]
fn truncated_models_are_refused_at_every_tenth() {
    let tiny = tiny_model_bytes();
    let exported = harness::exported_model(WeightPrecision::Int8);
    for (name, bytes) in [("tiny", &tiny), ("exported int8", &exported)] {
        for tenth in 0..10 {
            let cut = &bytes[..bytes.len() * tenth / 10];
            expect_load_error(&format!("{name} cut at {tenth}/10"), cut);
        }
        for cut in [1, 2, 7, bytes.len() - 1] {
            expect_load_error(&format!("{name} cut to {cut} bytes"), &bytes[..cut]);
        }
    }
}

#[test]
fn random_bytes_are_refused() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for len in [1, 2, 3, 16, 100, 1000, 65_536] {
        for _ in 0..4 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            expect_load_error(&format!("{len} random bytes"), &bytes);
        }
    }
    // Valid protobuf that is not a model: a long string field, and an image file.
    expect_load_error("png as model", &encode(&picture(8, 8), ImageFormat::Png));
    expect_load_error("all zero", &[0u8; 256]);
}

#[test]
fn models_with_another_contract_are_refused_at_load() {
    // An ImageNet-style head: 1000 outputs, declared.
    expect_load_error("1000 classes declared", &tiny_model(16, 1000, 0.5).encode_to_vec());
    // 1000 outputs computed but the output shape left undeclared: found when the graph is typed.
    let mut m = tiny_model(16, 1000, 0.5);
    m.graph.as_mut().expect("graph").output[0] =
        ValueInfoProto { name: OUTPUT_NAME.into(), ..Default::default() };
    match Classifier::from_bytes(&m.encode_to_vec(), ClassifierOptions::default()) {
        Err(Error::ContractViolation { rule }) => assert!(rule.contains("[1, 2]"), "{rule}"),
        other => panic!("undeclared 1000-class output: expected a contract violation, got {other:?}"),
    }
    // One output class.
    expect_load_error("1 class", &tiny_model(16, 1, 0.5).encode_to_vec());
    // Input size in the graph disagrees with the metadata.
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").input[0] =
        value_info(INPUT_NAME, &[Some(1), Some(3), Some(17), Some(16)]);
    expect_load_error("input 17x16 vs metadata 16x16", &m.encode_to_vec());
    // Two inputs.
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").input.push(value_info("extra", &[Some(1)]));
    expect_load_error("two inputs", &m.encode_to_vec());
    // No graph, and a graph without nodes.
    let mut m = tiny_model(16, 2, 0.5);
    m.graph = None;
    expect_load_error("no graph", &m.encode_to_vec());
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").node.clear();
    expect_load_error("no nodes", &m.encode_to_vec());
    // An operator tract does not know.
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").node[0].op_type = "NoSuchOperator".into();
    expect_load_error("unknown operator", &m.encode_to_vec());
    // A node reading a tensor nobody produces.
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").node[1].input[0] = "dangling".into();
    expect_load_error("dangling edge", &m.encode_to_vec());
    // Weights of the wrong size for their declared shape.
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").initializer[0].raw_data.truncate(5);
    expect_load_error("short weight tensor", &m.encode_to_vec());
}

#[test]
fn missing_or_broken_metadata_is_refused_at_load() {
    let required = [
        contract::KEY_INPUT_WIDTH,
        contract::KEY_INPUT_HEIGHT,
        contract::KEY_MEAN,
        contract::KEY_STD,
        contract::KEY_CLASS_NAMES,
        contract::KEY_ARCHITECTURE,
        contract::KEY_CONTRACT_VERSION,
    ];
    let mut m = tiny_model(16, 2, 0.5);
    m.metadata_props.clear();
    expect_load_error("no metadata at all", &m.encode_to_vec());
    for key in required {
        let mut m = tiny_model(16, 2, 0.5);
        m.metadata_props.retain(|p| p.key != key);
        match Classifier::from_bytes(&m.encode_to_vec(), ClassifierOptions::default()) {
            Err(Error::ContractViolation { rule }) => assert!(rule.contains(key), "{key}: {rule}"),
            other => panic!("without {key}: expected a contract violation naming it, got {other:?}"),
        }
    }
    for (key, value) in [
        (contract::KEY_INPUT_WIDTH, "4097"),
        (contract::KEY_INPUT_WIDTH, "-16"),
        (contract::KEY_INPUT_HEIGHT, "99999999999999999999"),
        (contract::KEY_MEAN, "NaN,0,0"),
        (contract::KEY_MEAN, "inf,0,0"),
        (contract::KEY_STD, "1,1,-1"),
        (contract::KEY_STD, ""),
        (contract::KEY_CLASS_NAMES, ""),
        (contract::KEY_CONTRACT_VERSION, "1.0"),
    ] {
        let mut m = tiny_model(16, 2, 0.5);
        for p in &mut m.metadata_props {
            if p.key == key {
                p.value = value.into();
            }
        }
        expect_load_error(&format!("{key} = {value:?}"), &m.encode_to_vec());
    }
    // Duplicate keys: the last one wins in ONNX readers; either way, never a panic.
    let mut m = tiny_model(16, 2, 0.5);
    m.metadata_props
        .push(StringStringEntryProto { key: contract::KEY_INPUT_WIDTH.into(), value: "0".into() });
    harness::load_model(&m.encode_to_vec());
}

#[test]
fn a_graph_output_that_no_node_produces_is_a_typed_error() {
    // Found by the load_model fuzz target (corpus/load_model/regress-output-not-produced): tract
    // indexes its outlet map with the declared output name and panics ("no entry found for key",
    // tract-onnx 0.23.9 src/model.rs:187) when no node produces it. Core must refuse the file.
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").node[2].output[0] = "loeits".into();
    let bytes = m.encode_to_vec();
    let r = std::panic::catch_unwind(|| Classifier::from_bytes(&bytes, ClassifierOptions::default()));
    match r {
        Ok(Err(Error::InvalidModel { .. } | Error::ContractViolation { .. })) => {}
        Ok(other) => panic!("expected InvalidModel or ContractViolation, got {other:?}"),
        Err(_) => panic!("Classifier::from_bytes panicked on a graph whose output `logits` no node produces"),
    }
}

#[test]
fn a_model_that_computes_nan_gives_an_inference_error() {
    for (name, weight) in [("nan", f32::NAN), ("inf", f32::INFINITY)] {
        let bytes = tiny_model(16, 2, weight).encode_to_vec();
        let c =
            Classifier::from_bytes(&bytes, ClassifierOptions::default()).expect("a NaN weight is valid ONNX");
        match c.classify_rgb(&picture(20, 20)) {
            Err(Error::Inference { reason }) => assert!(reason.contains("non-finite"), "{name}: {reason}"),
            other => panic!("{name} weights: expected an Inference error, got {other:?}"),
        }
    }
}

#[test]
fn symbolic_input_dimensions_are_fixed_from_the_metadata() {
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").input[0] = value_info(INPUT_NAME, &[None, Some(3), None, None]);
    let c =
        Classifier::from_bytes(&m.encode_to_vec(), ClassifierOptions::default()).expect("symbolic dims load");
    let p = c.classify_rgb(&picture(30, 40)).expect("classifies");
    harness::check_prediction(p, 0.5, "symbolic dims");
}
