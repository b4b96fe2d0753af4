//! Full-HD camera frames and pixel buffers through the fast row readers (YUV rows converted in
//! vector lanes, RGB and RGBA rows filtered in place): each gives, bit for bit, the answer for
//! the same pixels handed over as an `RgbImage`, for the whole picture and for face regions
//! that start on odd columns.

use glasses_core::image::{DynamicImage, ImageFormat, Rgb, RgbImage, RgbaImage};
use glasses_core::{
    Classifier, FaceBox, FaceMode, Input, Orientation, PixelBuffer, PixelFormat, Request, YuvFrame, YuvRange,
};

use crate::common;

const W: u32 = 1920;
const H: u32 = 1080;

/// Noise bytes from a xorshift generator: every value occurs, in no pattern a path could favour.
fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut s = seed.wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 11) as u8
        })
        .collect()
}

/// BT.601 in fixed point as `glasses_core::yuv` documents it: 1.402, 0.344136, 0.714136, 1.772
/// times 256, limited range with Y scaled by 255/219 and chroma by 255/224, rounded.
fn bt601(y: u8, u: u8, v: u8, range: YuvRange) -> [u8; 3] {
    let (black, luma, kr, kgu, kgv, kb) = match range {
        YuvRange::Limited => (16, 298, 409, 100, 208, 516),
        _ => (0, 256, 359, 88, 183, 454),
    };
    let l = (i32::from(y) - black) * luma;
    let (u, v) = (i32::from(u) - 128, i32::from(v) - 128);
    [l + kr * v, l - kgu * u - kgv * v, l + kb * u].map(|t| ((t + 128) >> 8).clamp(0, 255) as u8)
}

/// The requests every path is checked with: the whole picture, and two face boxes whose framed
/// regions start on odd and even columns.
fn requests() -> Vec<Request> {
    let whole = Request::new().with_face_mode(FaceMode::Whole);
    vec![
        whole,
        whole.with_face(FaceBox::new(301.0, 157.0, 401.0, 433.0)),
        whole.with_face(FaceBox::new(1200.0, 500.0, 300.0, 300.0)),
    ]
}

fn probability(classifier: &Classifier, input: Input<'_>, request: &Request) -> f32 {
    classifier.classify(input, request).expect("classifies").probability
}

#[test]
fn full_hd_nv21_and_i420_frames_answer_as_their_rgb_conversion_bit_for_bit() {
    let classifier = Classifier::bundled().expect("bundled model");
    let y = noise((W * H) as usize, 1);
    let vu = noise((W * H / 2) as usize, 2);
    for range in [YuvRange::Full, YuvRange::Limited] {
        let frame = YuvFrame::nv21(&y, W as usize, &vu, W as usize, W, H, range).expect("frame");
        let rgb = RgbImage::from_fn(W, H, |x, yy| {
            let c = (yy / 2 * W + x / 2 * 2) as usize;
            Rgb(bt601(y[(yy * W + x) as usize], vu[c + 1], vu[c], range))
        });
        // The same samples as planar I420, whose chroma lies 1 byte apart instead of 2.
        let mut i420 = y.clone();
        i420.extend(vu.iter().skip(1).step_by(2));
        i420.extend(vu.iter().step_by(2));
        let planar = YuvFrame::i420(&i420, W, H, W as usize, range).expect("I420 frame");
        for request in requests() {
            let want = probability(&classifier, Input::Rgb(&rgb), &request);
            assert_eq!(
                probability(&classifier, Input::Yuv(frame), &request),
                want,
                "NV21 {range:?} {request:?}"
            );
            assert_eq!(
                probability(&classifier, Input::Yuv(planar), &request),
                want,
                "I420 {range:?} {request:?}"
            );
        }
    }
}

#[test]
fn full_hd_rgba_read_in_place_answers_as_the_converted_layouts_and_rgb() {
    let classifier = Classifier::bundled().expect("bundled model");
    let stride = W as usize * 4 + 12;
    let mut rgba = noise(stride * H as usize, 3);
    let rgb = RgbImage::from_fn(W, H, |x, y| {
        let at = y as usize * stride + x as usize * 4;
        Rgb([rgba[at], rgba[at + 1], rgba[at + 2]])
    });
    let bgra: Vec<u8> = rgba.chunks_exact(4).flat_map(|p| [p[2], p[1], p[0], p[3]]).collect();
    let in_place = PixelBuffer::new(&rgba, W, H, stride, PixelFormat::Rgba8).expect("RGBA");
    let converted = PixelBuffer::new(&bgra, W, H, stride, PixelFormat::Bgra8).expect("BGRA");
    for request in requests() {
        let want = probability(&classifier, Input::Rgb(&rgb), &request);
        assert_eq!(probability(&classifier, Input::Pixels(in_place), &request), want, "RGBA {request:?}");
        assert_eq!(probability(&classifier, Input::Pixels(converted), &request), want, "BGRA {request:?}");
    }
    // Alpha never reaches the answer, read in place or not.
    for (i, a) in rgba.iter_mut().enumerate() {
        if i % 4 == 3 {
            *a = !*a;
        }
    }
    let flipped = PixelBuffer::new(&rgba, W, H, stride, PixelFormat::Rgba8).expect("RGBA");
    let whole = &requests()[0];
    assert_eq!(
        probability(&classifier, Input::Pixels(flipped), whole),
        probability(&classifier, Input::Rgb(&rgb), whole)
    );
    // Turned a quarter, the rows are converted instead of read in place: still the same pixels.
    let turned = Request::new().with_face_mode(FaceMode::Whole).with_orientation(Orientation::rotated(90));
    let upright = glasses_core::image::imageops::rotate90(&rgb);
    assert_eq!(
        probability(&classifier, Input::Pixels(flipped), &turned),
        probability(&classifier, Input::Rgb(&upright), whole)
    );
}

#[test]
fn decoded_pictures_with_alpha_are_read_in_place_as_their_rgb() {
    let classifier = Classifier::bundled().expect("bundled model");
    let (w, h) = (640, 480);
    let picture = common::picture(w, h);
    let alpha = noise((w * h) as usize, 4);
    let rgba = RgbaImage::from_fn(w, h, |x, y| {
        let p = picture.get_pixel(x, y).0;
        glasses_core::image::Rgba([p[0], p[1], p[2], alpha[(y * w + x) as usize]])
    });
    let mut png = Vec::new();
    DynamicImage::ImageRgba8(rgba)
        .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
        .expect("PNG");
    for request in requests().into_iter().take(2) {
        assert_eq!(
            probability(&classifier, Input::Encoded(&png), &request),
            probability(&classifier, Input::Rgb(&picture), &request),
            "{request:?}"
        );
    }
}
