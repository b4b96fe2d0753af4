//! The cross-surface golden fixtures (tests/fixtures/golden.json, written by the
//! `write_golden_fixtures` example with the bundled model) hold through the Rust API, on every
//! micro-kernel this CPU runs.
#![cfg(feature = "bundled-model")]

use crate::common;

use std::path::PathBuf;

use glasses_core::{
    Classifier, DetectedFace, Eyewear, FaceBox, Input, PixelBuffer, PixelFormat, Prediction, Request,
};

/// Detected boxes agree within this many pixels across kernels (the fixture rounds to 0.01).
const BOX_TOLERANCE: f32 = 0.05;

/// `face` against the fixture's `[x, y, width, height, score]`, or `null` for the whole picture.
fn assert_face(face: Option<DetectedFace>, want: &serde_json::Value, what: &str) {
    match (face, want.as_array()) {
        (None, None) => {}
        (Some(f), Some(w)) => {
            let w: Vec<f32> = w.iter().map(|v| v.as_f64().unwrap() as f32).collect();
            let b = f.face_box;
            for (got, want) in [b.x, b.y, b.width, b.height].into_iter().zip(&w) {
                assert!((got - want).abs() <= BOX_TOLERANCE, "{what}: {b:?} vs {w:?}");
            }
            assert!((f.score - w[4]).abs() <= 1e-3, "{what}: score {} vs {}", f.score, w[4]);
        }
        (got, _) => panic!("{what}: face {got:?} vs {want}"),
    }
}

/// The kind and the class probabilities of `p` (from the `kernel` kernel) match the golden `case`.
fn assert_kind_and_probabilities(p: &Prediction, case: &serde_json::Value, tolerance: f32, kernel: &str) {
    let kind = match case["eyewear"].as_str().unwrap() {
        "none" => Eyewear::None,
        "eyeglasses" => Eyewear::Eyeglasses,
        "sunglasses" => Eyewear::Sunglasses,
        other => panic!("unknown eyewear {other}"),
    };
    assert_eq!(p.eyewear, kind, "{kernel} kernel, {}", case["image"]);
    let expected: Vec<f32> =
        case["probabilities"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
    let q = p.probabilities;
    let got: Vec<f32> = [Some(q.none), Some(q.eyeglasses), q.sunglasses].into_iter().flatten().collect();
    assert_eq!(got.len(), expected.len(), "{kernel} kernel, {}", case["image"]);
    for (g, e) in got.iter().zip(&expected) {
        assert!((g - e).abs() <= tolerance, "{kernel} kernel, {}: {got:?} vs {expected:?}", case["image"]);
    }
}

/// `p` against a golden case: P(eyeglasses) within `tolerance` of `expected`, the decision, the
/// eyewear kind and the class probabilities.
fn assert_golden_case(p: &Prediction, case: &serde_json::Value, expected: f32, tolerance: f32, kernel: &str) {
    assert!(
        (p.probability - expected).abs() <= tolerance,
        "{kernel} kernel, {}: {} vs {expected}",
        case["image"],
        p.probability
    );
    assert_eq!(p.has_glasses, case["has_glasses"].as_bool().unwrap(), "{kernel} kernel");
    assert_kind_and_probabilities(p, case, tolerance, kernel);
}

/// The decoded picture as tightly packed RGBA bytes, with its width and height.
fn rgba_pixels(bytes: &[u8]) -> (Vec<u8>, u32, u32) {
    let rgb = glasses_core::preprocess::decode(bytes, u64::MAX).unwrap();
    let (w, h) = rgb.dimensions();
    (rgb.pixels().flat_map(|px| [px[0], px[1], px[2], 255]).collect(), w, h)
}

/// The fixtures folder, golden.json and its tolerance.
fn golden() -> (PathBuf, serde_json::Value, f32) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let text = std::fs::read_to_string(dir.join("golden.json"))
        .expect("tests/fixtures/golden.json is missing: run the write_golden_fixtures example");
    let golden: serde_json::Value = serde_json::from_str(&text).unwrap();
    let tolerance = golden["tolerance"].as_f64().unwrap() as f32;
    (dir, golden, tolerance)
}

#[test]
fn bundled_model_gives_the_golden_probabilities() {
    let (dir, golden, tolerance) = golden();
    let bundled = Classifier::bundled_model_bytes().unwrap();
    let cases = golden["cases"].as_array().unwrap();
    assert!(cases.len() >= 4, "too few golden cases");
    // Apps get the fastest kernel.
    let fastest = Classifier::available_kernels()[0];
    assert!(Classifier::bundled().unwrap().engine().contains(&format!("{fastest} kernels")));
    for (kernel, classifier) in common::per_kernel(bundled) {
        assert_eq!(classifier.metadata().model_version, golden["model_version"].as_str().unwrap());
        for case in cases {
            let bytes = std::fs::read(dir.join(case["image"].as_str().unwrap())).unwrap();
            let expected = case["probability"].as_f64().unwrap() as f32;
            let p = classifier.classify_encoded(&bytes).unwrap();
            assert_golden_case(&p, case, expected, tolerance, kernel);
            assert_face(p.face, &case["face"], &format!("{kernel} kernel, {}", case["image"]));

            let (rgba, w, h) = rgba_pixels(&bytes);
            let buffer = PixelBuffer::new(&rgba, w, h, w as usize * 4, PixelFormat::Rgba8).unwrap();
            let q = classifier.classify_pixels(&buffer).unwrap();
            let expected_rgba = case["rgba_probability"].as_f64().unwrap() as f32;
            assert!(
                (q.probability - expected_rgba).abs() <= tolerance,
                "{kernel} kernel, {} as RGBA",
                case["image"]
            );
        }
    }
}

#[test]
fn bundled_model_gives_the_golden_region_results() {
    let (dir, golden, tolerance) = golden();
    let bundled = Classifier::bundled_model_bytes().unwrap();
    let cases = golden["region_cases"].as_array().expect("golden.json has region_cases");
    assert!(cases.len() >= 2, "too few region cases");
    for (kernel, classifier) in common::per_kernel(bundled) {
        for case in cases {
            let bytes = std::fs::read(dir.join(case["image"].as_str().unwrap())).unwrap();
            let b: Vec<f32> =
                case["face_box"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
            let face = FaceBox::new(b[0], b[1], b[2], b[3]);
            let p = classifier.classify_encoded_region(&bytes, face).unwrap();
            let expected = case["probability"].as_f64().unwrap() as f32;
            assert_golden_case(&p, case, expected, tolerance, kernel);
            // The same through a raw buffer: RGBA pixels, converted only inside the region.
            let (rgba, w, h) = rgba_pixels(&bytes);
            let buffer = PixelBuffer::new(&rgba, w, h, w as usize * 4, PixelFormat::Rgba8).unwrap();
            let q = classifier.classify_pixels_region(&buffer, face).unwrap();
            assert!(
                (q.probability - expected).abs() <= tolerance,
                "{kernel} kernel, {} as RGBA",
                case["image"]
            );
        }
    }
}

#[test]
fn bundled_model_gives_the_golden_group_results() {
    let (dir, golden, tolerance) = golden();
    let cases = golden["group_cases"].as_array().expect("golden.json has group_cases");
    assert!(cases.len() >= 2, "too few group cases");
    for (kernel, classifier) in common::per_kernel(Classifier::bundled_model_bytes().unwrap()) {
        for case in cases {
            let bytes = std::fs::read(dir.join(case["image"].as_str().unwrap())).unwrap();
            let faces = case["faces"].as_array().unwrap();
            let drawn = case["drawn"].as_array().unwrap();
            assert_eq!(faces.len(), drawn.len(), "{}: every drawn face is in the fixture", case["image"]);
            let got = classifier.classify_faces(Input::Encoded(&bytes), &Request::new()).unwrap();
            assert_eq!(got.len(), faces.len(), "{kernel} kernel, {}", case["image"]);
            for (i, (r, want)) in got.iter().zip(faces).enumerate() {
                let what = format!("{kernel} kernel, {} face {i}", case["image"]);
                assert_face(Some(r.face), &want["face"], &what);
                let expected = want["probability"].as_f64().unwrap() as f32;
                let want = serde_json::json!({"image": what, "eyewear": want["eyewear"],
                    "has_glasses": want["has_glasses"], "probabilities": want["probabilities"]});
                assert_golden_case(&r.prediction, &want, expected, tolerance, kernel);
            }
        }
    }
}
