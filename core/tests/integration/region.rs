//! Faces inside larger pictures: a detector's box is expanded to the model's framing, cut out
//! without copying the frame, and classified like the face on its own.

use crate::common;

use glasses_core::image::{Rgb, RgbImage, imageops};
use glasses_core::{ClassifierOptions, ErrorKind, FaceBox, FaceFraming, PixelBuffer, PixelFormat};

/// The box a detector would report for a face whose framing is the `w x h` rectangle at `(x, y)`.
fn detector_box(framing: FaceFraming, x: f32, y: f32, w: f32, h: f32) -> FaceBox {
    let (bw, bh) = (w / framing.scale_x, h / framing.scale_y);
    let cx = x + w / 2.0 - framing.center_dx * bw;
    let cy = y + h / 2.0 - framing.center_dy * bh;
    FaceBox::new(cx - bw / 2.0, cy - bh / 2.0, bw, bh)
}

fn canvas_with(face: &RgbImage, width: u32, height: u32, x: i64, y: i64) -> RgbImage {
    let mut canvas = RgbImage::from_fn(width, height, |x, y| Rgb([(x % 200) as u8, (y % 180) as u8, 90]));
    imageops::overlay(&mut canvas, face, x, y);
    canvas
}

#[test]
fn a_face_in_a_large_frame_classifies_like_the_face_alone() {
    let classifier = common::squeezenet(96, 7);
    let framing = FaceFraming::HAAR_CELEBA;
    let face = common::picture(178, 218);
    let alone = classifier.classify_rgb(&face).unwrap();
    for (x, y) in [(600i64, 300i64), (3, 5), (1280 - 178, 720 - 218)] {
        let canvas = canvas_with(&face, 1280, 720, x, y);
        let face_box = detector_box(framing, x as f32, y as f32, 178.0, 218.0);
        let p = classifier.classify_region(&canvas, face_box).unwrap();
        // The box is found back to within rounding, so the cut is the face exactly.
        assert!(
            (p.probability - alone.probability).abs() <= 1e-4,
            "at ({x}, {y}): {} vs {}",
            p.probability,
            alone.probability
        );
        // A detector box off by a few pixels moves the cut by as much: the answer barely moves.
        let shifted =
            FaceBox::new(face_box.x + 3.0, face_box.y - 2.0, face_box.width * 1.03, face_box.height * 1.03);
        let q = classifier.classify_region(&canvas, shifted).unwrap();
        assert!(
            (q.probability - alone.probability).abs() <= 0.05,
            "shifted: {} vs {}",
            q.probability,
            alone.probability
        );
    }
}

#[test]
fn a_face_cut_by_the_edge_is_padded_with_the_edge_pixels() {
    let classifier = common::squeezenet(96, 3);
    let framing = FaceFraming::AS_IS;
    let canvas = common::picture(300, 200);
    // 60 columns of the 160x200 framing lie left of the picture, 20 rows above it.
    let face_box = FaceBox::new(-60.0, -20.0, 160.0, 200.0);
    let options = ClassifierOptions::default().with_face_framing(framing);
    let classifier = classifier.with_options(options).unwrap();
    let p = classifier.classify_region(&canvas, face_box).unwrap();
    let expected = RgbImage::from_fn(160, 200, |x, y| {
        let sx = (x as i64 - 60).clamp(0, 299) as u32;
        let sy = (y as i64 - 20).clamp(0, 199) as u32;
        *canvas.get_pixel(sx, sy)
    });
    let q = classifier.classify_rgb(&expected).unwrap();
    assert_eq!(p.probability, q.probability);
}

#[test]
fn every_pixel_layout_cuts_the_same_region() {
    let classifier = common::squeezenet(96, 5);
    let canvas = common::picture(320, 240);
    let face_box = FaceBox::new(100.0, 60.0, 70.0, 70.0);
    let expected = classifier.classify_region(&canvas, face_box).unwrap().probability;
    let (w, h) = canvas.dimensions();
    let rgba: Vec<u8> = canvas.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    let bgra: Vec<u8> = canvas.pixels().flat_map(|p| [p[2], p[1], p[0], 255]).collect();
    let argb: Vec<u32> = canvas
        .pixels()
        .map(|p| 0xff00_0000 | (p[0] as u32) << 16 | (p[1] as u32) << 8 | p[2] as u32)
        .collect();
    // Rows padded to 4 extra bytes: the stride must be honoured inside the region too.
    let padded: Vec<u8> =
        canvas.as_raw().chunks_exact(w as usize * 3).flat_map(|r| [r, &[0; 4]].concat()).collect();
    let buffers = [
        PixelBuffer::new(&rgba, w, h, w as usize * 4, PixelFormat::Rgba8).unwrap(),
        PixelBuffer::new(&bgra, w, h, w as usize * 4, PixelFormat::Bgra8).unwrap(),
        PixelBuffer::from_argb_ints(&argb, w, h, w as usize).unwrap(),
        PixelBuffer::new(&padded, w, h, w as usize * 3 + 4, PixelFormat::Rgb8).unwrap(),
    ];
    for buffer in &buffers {
        let p = classifier.classify_pixels_region(buffer, face_box).unwrap();
        assert_eq!(p.probability, expected, "{:?}", buffer.format());
    }
    let png = common::encode(&canvas, glasses_core::image::ImageFormat::Png);
    assert_eq!(classifier.classify_encoded_region(&png, face_box).unwrap().probability, expected);
}

#[test]
fn impossible_boxes_are_clear_errors() {
    let classifier = common::squeezenet(96, 1);
    let canvas = common::picture(200, 100);
    for face in [
        FaceBox::new(f32::NAN, 10.0, 50.0, 50.0),
        FaceBox::new(10.0, 10.0, f32::INFINITY, 50.0),
        FaceBox::new(10.0, 10.0, 0.0, 50.0),
        FaceBox::new(10.0, 10.0, 50.0, -5.0),
        FaceBox::new(200.0, 10.0, 50.0, 50.0),
        FaceBox::new(-60.0, 10.0, 50.0, 50.0),
        FaceBox::new(10.0, -80.0, 50.0, 50.0),
        FaceBox::new(0.0, 0.0, 3e38, 3e38),
    ] {
        let err = classifier.classify_region(&canvas, face).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRegion, "{face:?}: {err}");
        assert!(err.to_string().starts_with("invalid face region"), "{err}");
    }
    // A box partly outside is fine.
    assert!(classifier.classify_region(&canvas, FaceBox::new(-20.0, -20.0, 60.0, 60.0)).is_ok());
}

#[test]
fn bad_framings_are_refused_as_options() {
    let options = ClassifierOptions::default().with_face_framing(FaceFraming::new(-1.0, 1.0, 0.0, 0.0));
    let err = common::squeezenet(96, 1).with_options(options).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOptions);
}

#[test]
fn two_class_models_say_no_sunglasses_probability_is_available() {
    let classifier = common::squeezenet(96, 9);
    assert!(!classifier.metadata().has_sunglasses_class());
    let p = classifier.classify_rgb(&common::picture(89, 109)).unwrap();
    assert_eq!(p.probabilities.sunglasses, None);
    assert!((p.probabilities.none + p.probabilities.eyeglasses - 1.0).abs() < 1e-6);
    assert_eq!(p.eyewear == glasses_core::Eyewear::Eyeglasses, p.has_glasses);
}
