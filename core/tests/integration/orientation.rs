//! A picture stored turned (a camera's rotation, a front camera's mirror, a JPEG's EXIF tag) and
//! classified with its orientation answers as the upright picture does, for every input kind:
//! pixel buffers of every format, RGB pictures, and encoded JPEGs, whose EXIF orientation is
//! read in place instead of rotating a copy.

use crate::common::{self, ByteOrder, orientations, stored};

use glasses_core::image::{DynamicImage, ImageFormat};
use glasses_core::{FaceBox, Input, Orientation, PixelBuffer, PixelFormat, Request};

#[test]
fn turned_pixel_buffers_of_every_format_answer_like_the_upright_picture() {
    let classifier = common::squeezenet(96, 41);
    let upright = common::picture(150, 110);
    let want = classifier.classify_rgb(&upright).unwrap().probability;
    let face = FaceBox::new(30.0, 20.0, 60.0, 50.0);
    let want_face = classifier.classify_region(&upright, face).unwrap().probability;
    for o in orientations() {
        let frame = stored(&upright, o);
        let (w, h) = frame.dimensions();
        let px = || frame.pixels();
        let rgba: Vec<u8> = px().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
        let bgra: Vec<u8> = px().flat_map(|p| [p[2], p[1], p[0], 255]).collect();
        let argb: Vec<u32> =
            px().map(|p| 0xff00_0000 | (p[0] as u32) << 16 | (p[1] as u32) << 8 | p[2] as u32).collect();
        let argb_bytes: Vec<u8> = argb.iter().flat_map(|v| v.to_ne_bytes()).collect();
        let rgb = frame.as_raw();
        let buffers = [
            PixelBuffer::new(&rgba, w, h, w as usize * 4, PixelFormat::Rgba8).unwrap(),
            PixelBuffer::new(&bgra, w, h, w as usize * 4, PixelFormat::Bgra8).unwrap(),
            PixelBuffer::from_argb_ints(&argb, w, h, w as usize).unwrap(),
            PixelBuffer::new(&argb_bytes, w, h, w as usize * 4, PixelFormat::Argb32).unwrap(),
            PixelBuffer::new(rgb, w, h, w as usize * 3, PixelFormat::Rgb8).unwrap(),
        ];
        let request = Request::new().with_orientation(o);
        for buffer in buffers {
            let p = classifier.classify(Input::Pixels(buffer), &request).unwrap().probability;
            assert!((p - want).abs() <= 1e-4, "{:?} {o:?}: {p} vs {want}", buffer.format());
            let q = classifier.classify(Input::Pixels(buffer), &request.with_face(face)).unwrap().probability;
            assert!((q - want_face).abs() <= 1e-4, "{:?} {o:?}, face: {q} vs {want_face}", buffer.format());
        }
        let p = classifier.classify(Input::Rgb(&frame), &request).unwrap().probability;
        assert!((p - want).abs() <= 1e-4, "RGB {o:?}: {p} vs {want}");
        // Gray: the upright gray picture's answer.
        let gray: Vec<u8> = px().map(|p| p[1]).collect();
        let upright_gray: Vec<u8> = upright.pixels().map(|p| p[1]).collect();
        let (uw, uh) = upright.dimensions();
        let want_gray = classifier
            .classify_pixels(
                &PixelBuffer::new(&upright_gray, uw, uh, uw as usize, PixelFormat::Gray8).unwrap(),
            )
            .unwrap()
            .probability;
        let buffer = PixelBuffer::new(&gray, w, h, w as usize, PixelFormat::Gray8).unwrap();
        let p = classifier.classify(Input::Pixels(buffer), &request).unwrap().probability;
        assert!((p - want_gray).abs() <= 1e-4, "Gray8 {o:?}: {p} vs {want_gray}");
    }
}

#[test]
fn jpegs_with_every_exif_orientation_answer_like_their_upright_pixels() {
    let classifier = common::squeezenet(96, 42);
    let jpeg = common::encode(&common::picture(150, 110), ImageFormat::Jpeg);
    let decoded = glasses_core::preprocess::decode(&jpeg, u64::MAX).unwrap();
    for tag in 1..=8u16 {
        let tagged = common::with_exif_orientation(&jpeg, tag, ByteOrder::Big);
        let exif = glasses_core::image::metadata::Orientation::from_exif(tag as u8).unwrap();
        let mut upright = DynamicImage::ImageRgb8(decoded.clone());
        upright.apply_orientation(exif);
        let upright = upright.to_rgb8();
        // The decoder's pixels turned by `image` itself: what the EXIF tag means.
        assert_eq!(glasses_core::preprocess::decode(&tagged, u64::MAX).unwrap(), upright, "EXIF {tag}");
        let want = classifier.classify_rgb(&upright).unwrap().probability;
        let p = classifier.classify_encoded(&tagged).unwrap().probability;
        assert!((p - want).abs() <= 1e-4, "EXIF {tag}: {p} vs {want}");
        // A face box is in the upright picture's pixels.
        let face = FaceBox::new(20.0, 15.0, 50.0, 45.0);
        let want = classifier.classify_region(&upright, face).unwrap().probability;
        let p = classifier.classify_encoded_region(&tagged, face).unwrap().probability;
        assert!((p - want).abs() <= 1e-4, "EXIF {tag}, face: {p} vs {want}");
        // The request's orientation applies after EXIF's.
        let o = Orientation { rotation_degrees: 90, mirrored: true };
        let want = classifier
            .classify(Input::Rgb(&upright), &Request::new().with_orientation(o))
            .unwrap()
            .probability;
        let p = classifier
            .classify(Input::Encoded(&tagged), &Request::new().with_orientation(o))
            .unwrap()
            .probability;
        assert!((p - want).abs() <= 1e-4, "EXIF {tag} then {o:?}: {p} vs {want}");
    }
}
