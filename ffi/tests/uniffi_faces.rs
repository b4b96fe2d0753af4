//! Every face through the uniffi surface the Swift bindings call (`detect_faces`,
//! `classify_faces`, the face mode of `classify`, the detector's settings), on the drawn group
//! pictures of the golden fixtures.

mod support;

use glasses_core::image;
use glasses_core::{DetectorOptions, FaceMode as CoreFaceMode};
use glasses_ffi::uniffi::{
    DetectedFaceRecord, FaceBox, FaceModeKind, GlassesClassifier, GlassesError, GlassesInput,
    GlassesOptionsRecord, GlassesOrientation, GlassesRequest, PixelFormat, default_options,
};
use support::golden::{Answer, Golden, assert_face};

fn request(face_mode: FaceModeKind) -> GlassesRequest {
    GlassesRequest {
        orientation: GlassesOrientation { rotation_degrees: 0, mirrored: false },
        face: None,
        face_mode,
    }
}

fn classifier(golden: &Golden, options: GlassesOptionsRecord) -> Result<GlassesClassifier, GlassesError> {
    let path = golden.model.to_string_lossy().into_owned();
    Ok(std::sync::Arc::try_unwrap(GlassesClassifier::from_file(path, options)?).expect("the only reference"))
}

fn five(f: &DetectedFaceRecord) -> [f32; 5] {
    [f.face_box.x, f.face_box.y, f.face_box.width, f.face_box.height, f.score]
}

fn rgba_input(image: &image::RgbImage) -> GlassesInput {
    let rgba = image::DynamicImage::ImageRgb8(image.clone()).to_rgba8();
    let (width, height) = rgba.dimensions();
    GlassesInput::Pixels {
        pixels: rgba.into_raw(),
        width,
        height,
        stride: width * 4,
        format: PixelFormat::Rgba8,
    }
}

#[test]
fn every_face_of_the_group_pictures_from_bytes_and_pixels() {
    let Some(golden) = Golden::load() else { return };
    assert!(golden.group_cases.len() >= 2, "golden.json has group pictures");
    let ours = classifier(&golden, default_options()).expect("golden model");
    for group in &golden.group_cases {
        let bytes = std::fs::read(&group.image).expect("group picture");
        let inputs = [("encoded", GlassesInput::Encoded { bytes }), ("rgba", rgba_input(&group.decoded()))];
        for (how, input) in inputs {
            let what = format!("{} {how}", group.name);
            let faces = ours.detect_faces(input.clone(), request(FaceModeKind::Auto)).expect("detect");
            assert_eq!(faces.len(), group.faces.len(), "{what}: {faces:?}");
            let results = ours.classify_faces(input, request(FaceModeKind::Auto)).expect("classify faces");
            assert_eq!(results.len(), group.faces.len(), "{what}");
            for (i, ((face, result), want)) in faces.iter().zip(&results).zip(&group.faces).enumerate() {
                let found = want.found.expect("a group face has its box");
                assert_face(five(face), found, &format!("{what} detect {i}"));
                assert_eq!(face.landmarks.len(), 5, "{what}");
                assert_eq!(&result.face, face, "{what}: classify_faces finds the same faces");
                assert_eq!(result.result.face.as_ref(), Some(face), "{what}: the answer names its face");
                want.assert_matches(
                    &Answer::from(&result.result),
                    golden.tolerance,
                    &format!("{what} face {i}"),
                );
            }
        }
    }
}

#[test]
fn the_face_mode_chooses_what_classify_answers_for() {
    let Some(golden) = Golden::load() else { return };
    let ours = classifier(&golden, default_options()).expect("golden model");
    let group = &golden.group_cases[0];
    let bytes = std::fs::read(&group.image).expect("group picture");
    let input = GlassesInput::Encoded { bytes };
    let largest = &group.faces[0];
    for mode in [FaceModeKind::Auto, FaceModeKind::Detect] {
        let r = ours.classify(input.clone(), request(mode)).expect("classify");
        assert_face(
            five(r.face.as_ref().expect("a face")),
            largest.found.expect("box"),
            &format!("{mode:?}"),
        );
        largest.assert_matches(&Answer::from(&r), golden.tolerance, &format!("{mode:?}"));
    }
    let whole = ours.classify(input.clone(), request(FaceModeKind::Whole)).expect("whole");
    assert!(whole.face.is_none());
    assert_ne!(whole, ours.classify(input.clone(), request(FaceModeKind::Auto)).expect("auto"));
    // A box given with the request wins over the mode: no detected face is named.
    let [x, y, width, height, _] = group.faces[1].found.expect("box");
    let given =
        GlassesRequest { face: Some(FaceBox { x, y, width, height }), ..request(FaceModeKind::Detect) };
    assert!(ours.classify(input, given).expect("given box").face.is_none());
    // The single pictures: the face golden.json names, or none.
    for case in &golden.cases {
        let bytes = std::fs::read(&case.image).expect("case picture");
        let r = ours.classify(GlassesInput::Encoded { bytes }, request(FaceModeKind::Auto)).expect("auto");
        match (&r.face, case.found) {
            (Some(face), Some(want)) => assert_face(five(face), want, &case.name),
            (None, None) => {}
            (got, want) => panic!("{}: face {got:?}, golden {want:?}", case.name),
        }
    }
}

#[test]
fn a_picture_without_a_face() {
    let Some(golden) = Golden::load() else { return };
    let ours = classifier(&golden, default_options()).expect("golden model");
    let blank = rgba_input(&image::RgbImage::from_pixel(64, 48, image::Rgb([128, 128, 128])));
    assert!(ours.detect_faces(blank.clone(), request(FaceModeKind::Auto)).expect("detect").is_empty());
    assert!(
        ours.classify_faces(blank.clone(), request(FaceModeKind::Auto)).expect("classify faces").is_empty()
    );
    assert!(ours.classify(blank.clone(), request(FaceModeKind::Auto)).expect("auto").face.is_none());
    let err = ours.classify(blank, request(FaceModeKind::Detect)).expect_err("no face");
    assert!(matches!(&err, GlassesError::NoFace(m) if m.contains("face")), "{err:?}");
}

#[test]
fn detector_settings_travel_in_the_options() {
    let Some(golden) = Golden::load() else { return };
    let defaults = default_options();
    assert_eq!(DetectorOptions::from(defaults.detector), DetectorOptions::default());
    let group = &golden.group_cases[0];
    let shorter = |f: [f32; 5]| f[2].min(f[3]);
    let min_face_size = shorter(group.faces.last().and_then(|f| f.found).expect("box")) + 1.0;
    let keep = group.faces.iter().filter(|f| shorter(f.found.expect("box")) >= min_face_size).count();
    assert!(keep < group.faces.len());
    let options = GlassesOptionsRecord {
        detector: DetectorOptions { min_face_size, ..Default::default() }.into(),
        ..defaults
    };
    let large_only = classifier(&golden, options).expect("options");
    let in_force = GlassesOptionsRecord { threshold: Some(large_only.model_info().threshold), ..options };
    assert_eq!(large_only.options(), in_force, "options() reports the threshold in force");
    let bytes = std::fs::read(&group.image).expect("group picture");
    let faces = large_only
        .detect_faces(GlassesInput::Encoded { bytes }, request(FaceModeKind::Auto))
        .expect("detect");
    assert_eq!(faces.len(), keep);
    let mut bad = defaults;
    bad.detector.score_threshold = 1.5;
    assert!(matches!(classifier(&golden, bad), Err(GlassesError::InvalidArgument(_))));
    bad = defaults;
    bad.detector.input_width = 8;
    assert!(matches!(classifier(&golden, bad), Err(GlassesError::InvalidArgument(_))));
}

#[test]
fn face_modes_are_cores_case_for_case() {
    let pairs = [
        (FaceModeKind::Auto, CoreFaceMode::Auto),
        (FaceModeKind::Detect, CoreFaceMode::Detect),
        (FaceModeKind::Whole, CoreFaceMode::Whole),
    ];
    for (ours, core) in pairs {
        assert_eq!(CoreFaceMode::from(ours), core);
    }
    assert_eq!(CoreFaceMode::from(FaceModeKind::default()), CoreFaceMode::default());
}
