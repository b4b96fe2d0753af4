//! The cross-surface golden fixtures (tests/fixtures/golden.json, written by the
//! `write_golden_fixtures` example with the bundled model) hold through the Rust API.
#![cfg(feature = "bundled-model")]

use std::path::PathBuf;

use glasses_core::{Classifier, PixelBuffer, PixelFormat};

#[test]
fn bundled_model_gives_the_golden_probabilities() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let text = std::fs::read_to_string(dir.join("golden.json"))
        .expect("tests/fixtures/golden.json is missing: run the write_golden_fixtures example");
    let golden: serde_json::Value = serde_json::from_str(&text).unwrap();
    let tolerance = golden["tolerance"].as_f64().unwrap() as f32;
    let classifier = Classifier::bundled().unwrap();
    assert_eq!(classifier.metadata().model_version, golden["model_version"].as_str().unwrap());
    let cases = golden["cases"].as_array().unwrap();
    assert!(cases.len() >= 4, "too few golden cases");
    for case in cases {
        let bytes = std::fs::read(dir.join(case["image"].as_str().unwrap())).unwrap();
        let expected = case["probability"].as_f64().unwrap() as f32;
        let p = classifier.classify_encoded(&bytes).unwrap();
        assert!(
            (p.probability - expected).abs() <= tolerance,
            "{}: {} vs {expected}",
            case["image"],
            p.probability
        );
        assert_eq!(p.has_glasses, case["has_glasses"].as_bool().unwrap());

        let rgb = glasses_core::preprocess::decode(&bytes, u64::MAX).unwrap();
        let rgba: Vec<u8> = rgb.pixels().flat_map(|px| [px[0], px[1], px[2], 255]).collect();
        let (w, h) = rgb.dimensions();
        let buffer = PixelBuffer::new(&rgba, w, h, w as usize * 4, PixelFormat::Rgba8).unwrap();
        let q = classifier.classify_pixels(&buffer).unwrap();
        let expected_rgba = case["rgba_probability"].as_f64().unwrap() as f32;
        assert!((q.probability - expected_rgba).abs() <= tolerance, "{} as RGBA", case["image"]);
    }
}
