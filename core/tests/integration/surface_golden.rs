//! The cross-surface golden fixtures (tests/fixtures/golden.json, written by the
//! `write_golden_fixtures` example with the bundled model) hold through the Rust API, on every
//! micro-kernel this CPU runs. The file is read by the golden module every surface's Rust tests
//! share (tests/support/golden.rs).
#![cfg(feature = "bundled-model")]

use crate::common;
use crate::golden_cases::{Answer, Case, Golden, assert_face};

use glasses_core::{
    Classifier, DetectedFace, Eyewear, FaceBox, Input, PixelBuffer, PixelFormat, Prediction, Request,
};

/// A prediction in the terms every surface's golden checks share.
fn answer(p: &Prediction) -> Answer {
    let eyewear = match p.eyewear {
        Eyewear::None => 0,
        Eyewear::Eyeglasses => 1,
        Eyewear::Sunglasses => 2,
        other => panic!("an eyewear kind golden.json does not know: {other:?}"),
    };
    Answer {
        has_glasses: p.has_glasses,
        probability: p.probability,
        eyewear,
        probability_none: p.probabilities.none,
        probability_sunglasses: p.probabilities.sunglasses,
    }
}

/// `face` against the case's face: both absent (the whole picture), or the same box and score.
fn assert_found(face: Option<DetectedFace>, case: &Case, what: &str) {
    match (face, case.found) {
        (None, None) => {}
        (Some(f), Some(want)) => {
            let b = f.face_box;
            assert_face([b.x, b.y, b.width, b.height, f.score], want, what);
        }
        (got, want) => panic!("{what}: face {got:?}, golden {want:?}"),
    }
}

/// P(eyeglasses) of the case's decoded picture given as tightly packed RGBA pixels (the pixel
/// path), inside `face` when given.
fn rgba_probability(classifier: &Classifier, case: &Case, face: Option<FaceBox>) -> f32 {
    let rgb = case.decoded();
    let (w, h) = rgb.dimensions();
    let rgba: Vec<u8> = rgb.pixels().flat_map(|px| [px[0], px[1], px[2], 255]).collect();
    let buffer = PixelBuffer::new(&rgba, w, h, w as usize * 4, PixelFormat::Rgba8).unwrap();
    let p = match face {
        Some(face) => classifier.classify_pixels_region(&buffer, face),
        None => classifier.classify_pixels(&buffer),
    };
    p.unwrap().probability
}

/// golden.json, which must hold at least `min` of the cases `count` counts, and the bundled model
/// on every kernel this CPU runs.
fn golden_on_every_kernel(
    count: fn(&Golden) -> usize,
    min: usize,
) -> (Golden, Vec<(&'static str, Classifier)>) {
    let golden =
        Golden::load().expect("tests/fixtures/golden.json is missing: run the write_golden_fixtures example");
    assert!(count(&golden) >= min, "too few golden cases: {} of at least {min}", count(&golden));
    (golden, common::per_kernel(Classifier::bundled_model_bytes().unwrap()))
}

fn read(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn bundled_model_gives_the_golden_probabilities() {
    let (golden, kernels) = golden_on_every_kernel(|g| g.cases.len(), 4);
    // Apps get the fastest kernel.
    let fastest = Classifier::available_kernels()[0];
    assert!(Classifier::bundled().unwrap().engine().contains(&format!("{fastest} kernels")));
    for (kernel, classifier) in &kernels {
        assert_eq!(classifier.metadata().model_version, golden.model_version);
        for case in &golden.cases {
            let what = format!("{kernel} kernel, {}", case.name);
            let p = classifier.classify_encoded(&read(&case.image)).unwrap();
            case.assert_matches(&answer(&p), golden.tolerance, &what);
            assert_found(p.face, case, &what);

            let expected = case.rgba_probability.expect("golden.json: a case without rgba_probability");
            let got = rgba_probability(classifier, case, None);
            assert!((got - expected).abs() <= golden.tolerance, "{what} as RGBA");
        }
    }
}

#[test]
fn bundled_model_gives_the_golden_region_results() {
    let (golden, kernels) = golden_on_every_kernel(|g| g.region_cases.len(), 2);
    for (kernel, classifier) in &kernels {
        for case in &golden.region_cases {
            let what = format!("{kernel} kernel, {}", case.name);
            let [x, y, width, height] = case.face_box.expect("golden.json: a region case without face_box");
            let face = FaceBox::new(x, y, width, height);
            let p = classifier.classify_encoded_region(&read(&case.image), face).unwrap();
            case.assert_matches(&answer(&p), golden.tolerance, &what);
            // The same through a raw buffer: RGBA pixels, converted only inside the region.
            let got = rgba_probability(classifier, case, Some(face));
            assert!((got - case.probability()).abs() <= golden.tolerance, "{what} as RGBA");
        }
    }
}

#[test]
fn bundled_model_gives_the_golden_group_results() {
    let (golden, kernels) = golden_on_every_kernel(|g| g.group_cases.len(), 2);
    for (kernel, classifier) in &kernels {
        for group in &golden.group_cases {
            assert_eq!(group.faces.len(), group.drawn, "{}: every drawn face is in the fixture", group.name);
            let got =
                classifier.classify_faces(Input::Encoded(&read(&group.image)), &Request::new()).unwrap();
            assert_eq!(got.len(), group.faces.len(), "{kernel} kernel, {}", group.name);
            for (i, (r, want)) in got.iter().zip(&group.faces).enumerate() {
                let what = format!("{kernel} kernel, {} face {i}", group.name);
                assert_found(Some(r.face), want, &what);
                want.assert_matches(&answer(&r.prediction), golden.tolerance, &what);
            }
        }
    }
}
