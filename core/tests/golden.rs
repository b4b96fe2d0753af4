//! Golden logits: a fixed input through a fixed-weight model must keep giving the same logits.
//! The fixture is written by this test with `GLASSES_BLESS=1` and checked in.

mod common;

use std::path::PathBuf;

use glasses_core::export::{Architecture, ExportOptions, WeightPrecision, export_onnx, random_weights};
use glasses_core::{Classifier, ClassifierOptions};

const TOLERANCE: f32 = 1e-5;

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden_logits.json")
}

fn compute() -> serde_json::Value {
    let mut cases = Vec::new();
    for (arch, size, precision) in [
        (Architecture::SqueezeNet1_1, 96, WeightPrecision::F32),
        (Architecture::SqueezeNet1_1, 96, WeightPrecision::Int8),
        (Architecture::ResNet18, 64, WeightPrecision::F32),
    ] {
        let options = ExportOptions { precision, ..ExportOptions::new(arch, size) };
        let bytes = export_onnx(&random_weights(arch, 42), &options).unwrap();
        let c = Classifier::from_bytes(&bytes, ClassifierOptions::default()).unwrap();
        let logits = c.logits(&common::golden_input(c.preprocessing().tensor_len())).unwrap();
        cases.push(serde_json::json!({
            "architecture": arch.name(), "input_size": size, "precision": precision.name(),
            "seed": 42, "input": "common::golden_input", "logits": logits,
        }));
    }
    serde_json::json!({ "tolerance": TOLERANCE, "cases": cases })
}

#[test]
fn logits_match_the_checked_in_fixture() {
    let actual = compute();
    if std::env::var_os("GLASSES_BLESS").is_some() {
        std::fs::write(fixture_path(), serde_json::to_string_pretty(&actual).unwrap()).unwrap();
    }
    let text = std::fs::read_to_string(fixture_path())
        .expect("core/tests/fixtures/golden_logits.json is missing: run with GLASSES_BLESS=1 once");
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (exp, act) = (expected["cases"].as_array().unwrap(), actual["cases"].as_array().unwrap());
    assert_eq!(exp.len(), act.len());
    for (e, a) in exp.iter().zip(act) {
        for i in 0..2 {
            let (x, y) = (e["logits"][i].as_f64().unwrap() as f32, a["logits"][i].as_f64().unwrap() as f32);
            // Relative for large logits: SIMD kernels may sum in another order on another CPU.
            assert!(
                (x - y).abs() <= TOLERANCE * x.abs().max(1.0),
                "{}: expected {x}, got {y}",
                e["architecture"]
            );
        }
    }
}
