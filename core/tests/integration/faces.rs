//! Every face in any photo: the default request classifies the largest face the bundled
//! detector finds (the whole picture when there is none), `FaceMode::Detect` insists on a face,
//! and `detect_faces` / `classify_faces` report every face, in pixels of the upright picture,
//! alike for every input kind and orientation.

use std::path::PathBuf;

use glasses_core::image::{ImageFormat, Rgb, RgbImage, imageops};
use glasses_core::{
    Classifier, ClassifierOptions, DetectedFace, DetectorOptions, ErrorKind, Eyewear, FaceMode, Input,
    Orientation, PixelBuffer, PixelFormat, Request, YuvFrame, YuvRange,
};

use crate::common;
use crate::common::stored;
use crate::yuv::to_yuv;

fn fixture(name: &str) -> RgbImage {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/faces").join(name);
    glasses_core::preprocess::decode(&std::fs::read(&path).expect("fixture"), u64::MAX).expect("decodes")
}

fn classifier() -> Classifier {
    Classifier::bundled().expect("bundled model and detector")
}

/// Three drawn faces of different kinds and sizes on one wide grey-green picture: sunglasses
/// (largest, left), eyeglasses (middle), none (smallest, right).
fn group() -> RgbImage {
    let mut canvas = RgbImage::from_pixel(720, 300, Rgb([90, 110, 100]));
    let sunglasses = imageops::resize(&fixture("sunglasses_89x109.jpg"), 178, 218, imageops::Triangle);
    let eyeglasses = imageops::resize(&fixture("eyeglasses_89x109.jpg"), 134, 164, imageops::Triangle);
    let none = imageops::resize(&fixture("none_89x109.jpg"), 98, 120, imageops::Triangle);
    imageops::replace(&mut canvas, &sunglasses, 30, 40);
    imageops::replace(&mut canvas, &eyeglasses, 300, 70);
    imageops::replace(&mut canvas, &none, 560, 100);
    canvas
}

fn centre_x(face: &DetectedFace) -> f32 {
    face.face_box.x + face.face_box.width / 2.0
}

#[test]
fn auto_classifies_a_tight_crop_through_the_face_it_finds() {
    let classifier = classifier();
    let picture = fixture("eyeglasses_square_160.png");
    let auto = classifier.classify_rgb(&picture).expect("classifies");
    let face = auto.face.expect("the drawn face is found");
    assert!(face.score >= 0.6 && face.face_box.width > 40.0, "{face:?}");
    let boxed = classifier.classify_region(&picture, face.face_box).expect("classifies");
    assert_eq!(auto.probabilities, boxed.probabilities, "Auto is the face's box, framed");
    assert_eq!(boxed.face, None, "a caller's box is the caller's: no detected face reported");
    let whole = classifier.classify(Input::Rgb(&picture), &Request::new().with_face_mode(FaceMode::Whole));
    assert_eq!(whole.expect("classifies").face, None);
}

#[test]
fn auto_follows_a_face_off_centre_in_a_wide_picture() {
    let classifier = classifier();
    let mut canvas = RgbImage::from_pixel(800, 300, Rgb([90, 110, 100]));
    let face = imageops::resize(&fixture("sunglasses_89x109.jpg"), 178, 218, imageops::Triangle);
    imageops::replace(&mut canvas, &face, 600, 40);
    let auto = classifier.classify_rgb(&canvas).expect("classifies");
    let found = auto.face.expect("the face is found");
    assert!((600.0..778.0).contains(&centre_x(&found)), "{found:?}");
    assert_eq!(auto.eyewear, Eyewear::Sunglasses, "{auto:?}");
    let whole = classifier
        .classify(Input::Rgb(&canvas), &Request::new().with_face_mode(FaceMode::Whole))
        .expect("classifies");
    // The centre crop (300x~366 of the middle) holds no face: its answer is another one.
    assert!(
        (whole.probabilities.sunglasses.unwrap_or(0.0) - auto.probabilities.sunglasses.unwrap_or(0.0)).abs()
            > 0.1,
        "whole {whole:?} vs auto {auto:?}"
    );
}

#[test]
fn without_a_face_auto_falls_back_to_the_whole_picture_and_detect_is_an_error() {
    let classifier = classifier();
    let blank = common::picture(300, 200);
    let auto = classifier.classify_rgb(&blank).expect("classifies");
    assert_eq!(auto.face, None);
    let whole = classifier
        .classify(Input::Rgb(&blank), &Request::new().with_face_mode(FaceMode::Whole))
        .expect("classifies");
    assert_eq!(auto, whole, "no face: the whole picture, bit for bit");
    let detect = Request::new().with_face_mode(FaceMode::Detect);
    let err = classifier.classify(Input::Rgb(&blank), &detect).expect_err("no face");
    assert_eq!(err.kind(), ErrorKind::NoFace, "{err}");
    assert!(err.to_string().contains("300x200"), "{err}");
    assert_eq!(classifier.detect_faces(Input::Rgb(&blank), &detect).expect("detects"), vec![]);
    assert_eq!(classifier.classify_faces(Input::Rgb(&blank), &detect).expect("classifies"), vec![]);
    // With a face, Detect is Auto.
    let picture = fixture("eyeglasses_square_160.png");
    let with_face = classifier.classify(Input::Rgb(&picture), &detect).expect("classifies");
    assert_eq!(with_face, classifier.classify_rgb(&picture).expect("classifies"));
    // A caller's box wins over the mode.
    let boxed = detect.with_face(glasses_core::FaceBox::new(10.0, 10.0, 50.0, 50.0));
    assert_eq!(classifier.classify(Input::Rgb(&blank), &boxed).expect("classifies").face, None);
}

#[test]
fn every_face_of_a_group_picture_is_classified_largest_first() {
    let classifier = classifier();
    let picture = group();
    let results = classifier.classify_faces(Input::Rgb(&picture), &Request::new()).expect("classifies");
    let summary: Vec<_> = results.iter().map(|r| (r.face.face_box, r.prediction.eyewear)).collect();
    assert_eq!(results.len(), 3, "{summary:?}");
    let areas: Vec<f32> = results.iter().map(|r| r.face.face_box.width * r.face.face_box.height).collect();
    assert!(areas.windows(2).all(|w| w[0] >= w[1]), "largest first: {areas:?}");
    let kinds: Vec<Eyewear> = results.iter().map(|r| r.prediction.eyewear).collect();
    assert_eq!(kinds, [Eyewear::Sunglasses, Eyewear::Eyeglasses, Eyewear::None], "{summary:?}");
    for (r, (left, right)) in results.iter().zip([(30.0, 208.0), (300.0, 434.0), (560.0, 658.0)]) {
        assert!((left..right).contains(&centre_x(&r.face)), "{:?} outside {left}..{right}", r.face);
        assert_eq!(r.prediction.face, Some(r.face));
        let alone = classifier.classify_region(&picture, r.face.face_box).expect("classifies");
        assert_eq!(alone.probabilities, r.prediction.probabilities);
    }
    let faces = classifier.detect_faces(Input::Rgb(&picture), &Request::new()).expect("detects");
    assert_eq!(faces, results.iter().map(|r| r.face).collect::<Vec<_>>());
    // The default request answers for the largest.
    assert_eq!(classifier.classify_rgb(&picture).expect("classifies"), results[0].prediction);
}

#[test]
fn a_turned_picture_with_its_orientation_gives_the_upright_faces_and_answers() {
    let classifier = classifier();
    let upright = group();
    let want = classifier.classify_faces(Input::Rgb(&upright), &Request::new()).expect("classifies");
    assert_eq!(want.len(), 3);
    for rotation in [0, 90, 180, 270] {
        for mirrored in [false, true] {
            let o = Orientation { rotation_degrees: rotation, mirrored };
            let turned = stored(&upright, o);
            let got = classifier
                .classify_faces(Input::Rgb(&turned), &Request::new().with_orientation(o))
                .expect("classifies");
            assert_eq!(got.len(), want.len(), "{o:?}");
            for (g, w) in got.iter().zip(&want) {
                let (a, b) = (g.face.face_box, w.face.face_box);
                let diff = [a.x - b.x, a.y - b.y, a.width - b.width, a.height - b.height];
                assert!(diff.iter().all(|d| d.abs() <= 1e-4), "{o:?}: {a:?} vs {b:?}");
                let dp = (g.prediction.probability - w.prediction.probability).abs();
                assert!(dp <= 1e-4, "{o:?}: {dp}");
            }
        }
    }
}

#[test]
fn every_input_kind_gives_the_same_faces() {
    let classifier = classifier();
    // Even sides, so that the YUV frame's chroma covers every pixel.
    let picture = group();
    let (w, h) = picture.dimensions();
    let request = Request::new();
    let want = classifier.detect_faces(Input::Rgb(&picture), &request).expect("detects");
    assert_eq!(want.len(), 3);
    let png = common::encode(&picture, ImageFormat::Png);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("group.png");
    std::fs::write(&path, &png).expect("writes");
    let rgba: Vec<u8> = picture.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    let pixels = PixelBuffer::new(&rgba, w, h, w as usize * 4, PixelFormat::Rgba8).expect("buffer");
    for (what, input) in
        [("encoded", Input::Encoded(&png)), ("file", Input::Path(&path)), ("pixels", Input::Pixels(pixels))]
    {
        assert_eq!(classifier.detect_faces(input, &request).expect("detects"), want, "{what}");
    }
    // A camera frame converts to RGB with its own rounding: the same faces, within a pixel or two.
    let (y, u, v) = to_yuv(&picture);
    let uv: Vec<u8> = u.iter().zip(&v).flat_map(|(&a, &b)| [a, b]).collect();
    let frame = YuvFrame::nv12(&y, w as usize, &uv, w as usize, w, h, YuvRange::Full).expect("frame");
    let got = classifier.detect_faces(Input::Yuv(frame), &request).expect("detects");
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(&want) {
        let (a, b) = (g.face_box, w.face_box);
        let diff = [a.x - b.x, a.y - b.y, a.width - b.width, a.height - b.height];
        assert!(diff.iter().all(|d| d.abs() <= 3.0), "YUV {a:?} vs {b:?}");
    }
}

#[test]
fn the_detector_options_are_the_classifier_s_and_are_validated() {
    let classifier = classifier();
    let picture = group();
    // Faces narrower than 120 pixels dropped: only the sunglasses face (about 134 wide) is left.
    let options = ClassifierOptions::default()
        .with_detector(DetectorOptions { min_face_size: 120.0, ..DetectorOptions::default() });
    let large_only = classifier.with_options(options).expect("valid options");
    let faces = large_only.detect_faces(Input::Rgb(&picture), &Request::new()).expect("detects");
    assert_eq!(faces.len(), 1, "{faces:?}");
    assert!(faces[0].face_box.width >= 120.0, "{faces:?}");
    // No face is that large: Auto falls back to the whole picture.
    let none = ClassifierOptions::default()
        .with_detector(DetectorOptions { min_face_size: 10_000.0, ..DetectorOptions::default() });
    let whole =
        classifier.with_options(none).expect("valid options").classify_rgb(&picture).expect("classifies");
    assert_eq!(whole.face, None);
    for bad in [
        DetectorOptions { input_width: 8, ..DetectorOptions::default() },
        DetectorOptions { score_threshold: 1.5, ..DetectorOptions::default() },
        DetectorOptions { min_face_size: f32::NAN, ..DetectorOptions::default() },
    ] {
        let options = ClassifierOptions::default().with_detector(bad);
        let err = classifier.with_options(options).expect_err("invalid");
        assert_eq!(err.kind(), ErrorKind::InvalidOptions, "{bad:?}: {err}");
        let bytes = Classifier::bundled_model_bytes().expect("bundled");
        assert_eq!(
            Classifier::from_bytes(bytes, options).map(|_| ()).map_err(|e| e.kind()),
            Err(ErrorKind::InvalidOptions)
        );
    }
}
