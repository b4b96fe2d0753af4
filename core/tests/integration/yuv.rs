//! Camera frames: a picture converted to each YUV 4:2:0 layout and stored rotated as a camera
//! would, classified through the YUV path, gives the upright RGB picture's probability.

use crate::common::{self, stored};

use glasses_core::image::{RgbImage, imageops};
use glasses_core::{ErrorKind, FaceBox, Orientation, YuvFrame, YuvRange};

pub(crate) use crate::yuv_reference::{padded, to_yuv};

#[test]
fn every_layout_and_rotation_matches_the_upright_rgb_picture() {
    let classifier = common::squeezenet(96, 11);
    let upright = common::picture(240, 320);
    let expected = classifier.classify_rgb(&upright).unwrap().probability;
    let mut worst = 0f32;
    for o in common::orientations() {
        let frame = stored(&upright, o);
        let (w, h) = frame.dimensions();
        let (y, u, v) = to_yuv(&frame);
        let (cw, stride, c_stride) = (w as usize / 2, w as usize + 16, w as usize / 2 + 8);
        let y_plane = padded(&y, w as usize, stride);
        let (u_plane, v_plane) = (padded(&u, cw, c_stride), padded(&v, cw, c_stride));
        let uv: Vec<u8> = u.iter().zip(&v).flat_map(|(&a, &b)| [a, b]).collect();
        let vu: Vec<u8> = u.iter().zip(&v).flat_map(|(&a, &b)| [b, a]).collect();
        let i420: Vec<u8> = [y.clone(), u.clone(), v.clone()].concat();
        let uv_plane = padded(&uv, 2 * cw, 2 * cw + 4);
        let frames = [
            (
                "planes",
                YuvFrame::new(&y_plane, stride, &u_plane, &v_plane, c_stride, 1, w, h, YuvRange::Full),
            ),
            ("i420", YuvFrame::i420(&i420, w, h, w as usize, YuvRange::Full)),
            ("nv12", YuvFrame::nv12(&y_plane, stride, &uv_plane, 2 * cw + 4, w, h, YuvRange::Full)),
            ("nv21", YuvFrame::nv21(&y, w as usize, &vu, 2 * cw, w, h, YuvRange::Full)),
        ];
        let mut first = None;
        for (name, frame) in frames {
            let p = classifier.classify_yuv(&frame.unwrap(), o).unwrap().probability;
            // Every layout of the same samples gives the very same answer.
            assert_eq!(*first.get_or_insert(p), p, "{name} {o:?}");
            worst = worst.max((p - expected).abs());
        }
    }
    println!("largest |p(YUV) - p(RGB)| over 8 orientations x 4 layouts: {worst:.6}");
    // Chroma is subsampled 2x2 and rounded through YUV: the answer moves a little, never much.
    assert!(worst <= 0.02, "largest difference from the RGB picture: {worst}");
}

#[test]
fn a_face_region_in_a_rotated_hd_frame_matches_the_face_alone() {
    let classifier = common::squeezenet(96, 13);
    let framing = glasses_core::FaceFraming::AS_IS;
    let classifier = classifier
        .with_options(glasses_core::ClassifierOptions::default().with_face_framing(framing))
        .unwrap();
    let face = common::picture(178, 218);
    let mut upright = RgbImage::from_pixel(720, 1280, glasses_core::image::Rgb([40, 80, 120]));
    imageops::overlay(&mut upright, &face, 300, 500);
    let o = Orientation::rotated(90);
    let frame = stored(&upright, o);
    let (w, h) = frame.dimensions();
    assert_eq!((w, h), (1280, 720), "stored landscape, shown portrait");
    let (y, u, v) = to_yuv(&frame);
    let vu: Vec<u8> = u.iter().zip(&v).flat_map(|(&a, &b)| [b, a]).collect();
    let nv21 = YuvFrame::nv21(&y, w as usize, &vu, w as usize, w, h, YuvRange::Full).unwrap();
    let p = classifier.classify_yuv_region(&nv21, o, FaceBox::new(300.0, 500.0, 178.0, 218.0)).unwrap();
    let alone = classifier.classify_rgb(&face).unwrap();
    println!(
        "face region of a rotated 1280x720 NV21 frame: {} vs the face alone {}",
        p.probability, alone.probability
    );
    assert!((p.probability - alone.probability).abs() <= 0.02, "{} vs {}", p.probability, alone.probability);
    // The whole frame is classified too (averaged down while converted).
    assert!(classifier.classify_yuv(&nv21, o).is_ok());
    let err = classifier.classify_yuv_region(&nv21, o, FaceBox::new(800.0, 10.0, 50.0, 50.0)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRegion, "the box is in the upright frame: x 800 is outside 720");
    let err = classifier.classify_yuv(&nv21, Orientation::rotated(45)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPixelBuffer);
}

/// The bundled model on the golden face pictures (cropped to even sizes), stored as NV21 in every
/// orientation: the YUV path answers like the RGB path.
#[cfg(feature = "bundled-model")]
#[test]
fn the_bundled_model_answers_alike_on_camera_frames_of_the_golden_faces() {
    let classifier = glasses_core::Classifier::bundled().unwrap();
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/faces");
    let mut worst = 0f32;
    for name in
        ["none_89x109.jpg", "eyeglasses_89x109.jpg", "sunglasses_89x109.jpg", "eyeglasses_square_160.png"]
    {
        let decoded =
            glasses_core::preprocess::decode(&std::fs::read(dir.join(name)).unwrap(), u64::MAX).unwrap();
        let (w, h) = (decoded.width() & !1, decoded.height() & !1);
        let upright = imageops::crop_imm(&decoded, 0, 0, w, h).to_image();
        let expected = classifier.classify_rgb(&upright).unwrap();
        for rotation in [0, 90, 180, 270] {
            let o = Orientation::rotated(rotation);
            let frame = stored(&upright, o);
            let (fw, fh) = frame.dimensions();
            let (y, u, v) = to_yuv(&frame);
            let vu: Vec<u8> = u.iter().zip(&v).flat_map(|(&a, &b)| [b, a]).collect();
            let nv21 = YuvFrame::nv21(&y, fw as usize, &vu, fw as usize, fw, fh, YuvRange::Full).unwrap();
            let p = classifier.classify_yuv(&nv21, o).unwrap();
            assert_eq!(p.eyewear, expected.eyewear, "{name} at {rotation}");
            worst = worst.max((p.probability - expected.probability).abs());
        }
    }
    println!("bundled model, golden faces as NV21: largest |p(YUV) - p(RGB)| {worst:.6}");
    assert!(worst <= 0.05, "{worst}");
}
