//! Golden logits: a fixed input through a fixed-weight model must keep giving the same logits,
//! on every micro-kernel this CPU runs. The fixture is written by this test with
//! `GLASSES_BLESS=1` (from the fastest kernel) and checked in.

use crate::common;

use std::path::PathBuf;

use glasses_core::export::{Architecture, ExportOptions, WeightPrecision, export_onnx, random_weights};
use glasses_core::{Classifier, ClassifierOptions, Error};

const TOLERANCE: f32 = 1e-5;

const CASES: [(Architecture, u32, WeightPrecision); 3] = [
    (Architecture::SqueezeNet1_1, 96, WeightPrecision::F32),
    (Architecture::SqueezeNet1_1, 96, WeightPrecision::Int8),
    (Architecture::ResNet18, 64, WeightPrecision::F32),
];

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden_logits.json")
}

/// The fixture's content as the given kernel computes it.
fn compute(models: &[Vec<u8>], kernel: &str) -> serde_json::Value {
    let mut cases = Vec::new();
    for (&(arch, size, precision), bytes) in CASES.iter().zip(models) {
        let c = Classifier::from_bytes_with_kernel(bytes, ClassifierOptions::default(), kernel).unwrap();
        let logits = c.logits(&common::golden_input(c.preprocessing().tensor_len())).unwrap();
        cases.push(serde_json::json!({
            "architecture": arch.name(), "input_size": size, "precision": precision.name(),
            "seed": 42, "input": "common::golden_input", "logits": logits,
        }));
    }
    serde_json::json!({ "tolerance": TOLERANCE, "cases": cases })
}

#[test]
fn logits_match_the_checked_in_fixture_on_every_kernel() {
    let models: Vec<Vec<u8>> = CASES
        .iter()
        .map(|&(arch, size, precision)| {
            let options = ExportOptions { precision, ..ExportOptions::new(arch, size) };
            export_onnx(&random_weights(arch, 42), &options).unwrap()
        })
        .collect();
    if std::env::var_os("GLASSES_BLESS").is_some() {
        let fastest = compute(&models, Classifier::available_kernels()[0]);
        std::fs::write(fixture_path(), serde_json::to_string_pretty(&fastest).unwrap()).unwrap();
    }
    let text = std::fs::read_to_string(fixture_path())
        .expect("core/tests/fixtures/golden_logits.json is missing: run with GLASSES_BLESS=1 once");
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    let exp = expected["cases"].as_array().unwrap();
    for kernel in common::kernels() {
        let actual = compute(&models, kernel);
        let act = actual["cases"].as_array().unwrap();
        assert_eq!(exp.len(), act.len(), "{kernel}");
        for (e, a) in exp.iter().zip(act) {
            let (el, al) = (e["logits"].as_array().unwrap(), a["logits"].as_array().unwrap());
            assert_eq!(el.len(), al.len(), "{kernel}, {} {}", e["architecture"], e["precision"]);
            for (x, y) in el.iter().zip(al) {
                let (x, y) = (x.as_f64().unwrap() as f32, y.as_f64().unwrap() as f32);
                // Relative for large logits: the kernels sum in different orders, with or without
                // fused multiply-adds.
                assert!(
                    (x - y).abs() <= TOLERANCE * x.abs().max(1.0),
                    "{kernel} kernel, {} {}: expected {x}, got {y}",
                    e["architecture"],
                    e["precision"]
                );
            }
        }
    }
}

#[test]
fn a_kernel_this_cpu_cannot_run_is_refused() {
    let bytes = common::squeezenet_bytes(48, 1);
    // Names of kernels for other CPUs (or none at all) must never reach their instructions.
    for name in ["avx512", "avx2-fma", "neon", "sve", ""] {
        if Classifier::available_kernels().contains(&name) {
            continue;
        }
        match Classifier::from_bytes_with_kernel(&bytes, ClassifierOptions::default(), name) {
            Err(Error::InvalidOptions { reason }) => {
                assert!(reason.contains(&format!("`{name}`")) && reason.contains("portable"), "{reason}")
            }
            other => panic!("kernel {name:?}: expected InvalidOptions, got {other:?}"),
        }
    }
}
