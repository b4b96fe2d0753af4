//! Issue 25: a uniform picture is the same picture whatever part of it, at whatever scale, the
//! model sees. Every box size (and so every scale the old YUV decimation used, its step 1 to
//! 5,000) and every picture size gives the probability of a small uniform frame.
//!
//! On the code before the one-sampler path: a 2x2 white NV21 frame with a box needing step 182
//! answered like a black frame (its i32 sums overflowed), step 4096 panicked with a division by
//! zero, and large frames of zeros answered 0.342 where small ones answered 0.413.

use crate::common;

use glasses_core::preprocess::MAX_PIXELS_CEILING;
use glasses_core::{
    Classifier, ClassifierOptions, FaceBox, FaceFraming, Orientation, PixelBuffer, PixelFormat, YuvFrame,
    YuvRange,
};

/// The test classifier (96x96 input), box used as it is, no practical pixel limit.
fn classifier() -> Classifier {
    let options = ClassifierOptions::default()
        .with_max_pixels(MAX_PIXELS_CEILING)
        .with_face_framing(FaceFraming::AS_IS);
    common::squeezenet(96, 31).with_options(options).unwrap()
}

/// Scales the old decimation would have averaged by: every one up to 200 (its overflow began
/// past 181), then a spread up to 5,000.
fn scales() -> Vec<u32> {
    (1..=200).chain([255, 256, 257, 511, 1000, 1024, 2047, 2048, 4095, 4096, 4097, 5000]).collect()
}

/// A box centred on a `w x h` picture that the model sees at `scale` times its input size.
fn box_at_scale(w: u32, h: u32, scale: u32) -> FaceBox {
    let side = scale as f32 * 96.0;
    FaceBox::new(w as f32 / 2.0 - side / 2.0, h as f32 / 2.0 - side / 2.0, side, side)
}

/// NV21 planes of a uniform `w x h` frame: luma `y`, chroma neutral.
fn nv21(w: usize, h: usize, y: u8) -> (Vec<u8>, Vec<u8>) {
    (vec![y; w * h], vec![128; w * h / 2])
}

#[test]
fn uniform_camera_frames_answer_alike_at_every_scale_and_size() {
    let classifier = classifier();
    for luma in [0u8, 16, 128, 235, 255] {
        let (y, vu) = nv21(2, 2, luma);
        let small = YuvFrame::nv21(&y, 2, &vu, 2, 2, 2, YuvRange::Full).unwrap();
        let want = classifier.classify_yuv(&small, Orientation::default()).unwrap().probability;
        for scale in scales() {
            let face = box_at_scale(2, 2, scale);
            let p = classifier.classify_yuv_region(&small, Orientation::default(), face).unwrap().probability;
            assert_eq!(p, want, "luma {luma}, 2x2 frame, scale {scale}");
        }
        // Frames of other sizes (the old decimation's steps on the whole frame), rotated too.
        for (w, h) in [(4, 2), (6, 10), (98, 96), (970, 962), (1762, 2000)] {
            let (y, vu) = nv21(w, h, luma);
            let frame = YuvFrame::nv21(&y, w, &vu, w, w as u32, h as u32, YuvRange::Full).unwrap();
            for o in [
                Orientation::default(),
                Orientation::rotated(90),
                Orientation { rotation_degrees: 270, mirrored: true },
            ] {
                let p = classifier.classify_yuv(&frame, o).unwrap().probability;
                assert_eq!(p, want, "luma {luma}, {w}x{h} frame, {o:?}");
            }
            for scale in [1, 3, 182, 4096] {
                let face = box_at_scale(w as u32, h as u32, scale);
                let p =
                    classifier.classify_yuv_region(&frame, Orientation::default(), face).unwrap().probability;
                assert_eq!(p, want, "luma {luma}, {w}x{h} frame, scale {scale}");
            }
        }
    }
}

#[test]
fn uniform_pixel_buffers_answer_alike_at_every_scale_and_size() {
    let classifier = classifier();
    for value in [0u8, 128, 255] {
        let tiny = [value; 3];
        let one = PixelBuffer::new(&tiny, 1, 1, 3, PixelFormat::Rgb8).unwrap();
        let want = classifier.classify_pixels(&one).unwrap().probability;
        for (w, h) in [(1u32, 1u32), (2, 2), (3, 5), (7, 1), (1, 9), (97, 101), (333, 211)] {
            let rgba = vec![[value, value, value, 9]; (w * h) as usize].concat();
            let pixels = PixelBuffer::new(&rgba, w, h, w as usize * 4, PixelFormat::Rgba8).unwrap();
            assert_eq!(classifier.classify_pixels(&pixels).unwrap().probability, want, "{value}: {w}x{h}");
            for scale in scales().into_iter().step_by(7) {
                let p = classifier
                    .classify_pixels_region(&pixels, box_at_scale(w, h, scale))
                    .unwrap()
                    .probability;
                assert_eq!(p, want, "{value}: {w}x{h}, scale {scale}");
            }
        }
    }
}
