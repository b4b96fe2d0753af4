//! Levelling a turned face (`ClassifierOptions::align_faces`, off by default: it did not help,
//! docs/PERFORMANCE.md): the detector's eye line gives the angle and only detected faces are
//! turned. The sampling itself is tested in `core/src/input/rotated.rs`: at a zero angle it is
//! the region path bit for bit, and a face turned by a known angle levels to the upright answer.

use std::path::PathBuf;

use glasses_core::image::{RgbImage, imageops};
use glasses_core::{Classifier, ClassifierOptions, FaceBox, FaceMode, Input, Request};

fn fixture(name: &str) -> RgbImage {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/faces").join(name);
    glasses_core::preprocess::decode(&std::fs::read(&path).expect("fixture"), u64::MAX).expect("decodes")
}

/// `face` doubled, mirrored out to 2.2 times its size (surroundings, not a cut edge, for the
/// detector) and turned clockwise on screen by `degrees` about the centre, bilinear.
fn turned(face: &RgbImage, degrees: f32) -> RgbImage {
    let face = imageops::resize(face, face.width() * 2, face.height() * 2, imageops::Triangle);
    let (cw, ch) = ((face.width() as f32 * 2.2) as u32, (face.height() as f32 * 2.2) as u32);
    crate::turn::turned(&face, (cw, ch), degrees)
}

fn classifiers() -> (Classifier, Classifier) {
    let plain = Classifier::bundled().expect("bundled model and detector");
    let aligned = plain.with_options(ClassifierOptions::default().with_align_faces(true)).expect("options");
    (plain, aligned)
}

#[test]
fn only_detected_faces_are_turned() {
    let (plain, aligned) = classifiers();
    let picture = turned(&fixture("eyeglasses_89x109.jpg"), 20.0);
    // A caller's box carries no landmarks: framed as it is, bit for bit.
    let boxed = Request::new().with_face(FaceBox::new(60.0, 70.0, 100.0, 110.0));
    let whole = Request::new().with_face_mode(FaceMode::Whole);
    for request in [boxed, whole] {
        let a = plain.classify(Input::Rgb(&picture), &request).expect("classifies");
        let b = aligned.classify(Input::Rgb(&picture), &request).expect("classifies");
        assert_eq!(a, b, "{request:?}");
    }
    // A detected face is turned: its answer moves.
    let a = plain.classify(Input::Rgb(&picture), &Request::new()).expect("classifies");
    let b = aligned.classify(Input::Rgb(&picture), &Request::new()).expect("classifies");
    assert_eq!(a.face, b.face, "the same face is found");
    assert_ne!(a.probabilities, b.probabilities, "and seen turned");
}
