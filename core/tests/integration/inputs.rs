//! The same picture through every input path gives the same probability.

use crate::common::{self, ByteOrder};

use glasses_core::image::{self, ImageFormat, RgbImage, imageops};
use glasses_core::{PixelBuffer, PixelFormat};

const TOL: f32 = 1e-4;

fn rgba(img: &RgbImage) -> Vec<u8> {
    img.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect()
}

#[test]
fn every_pixel_format_and_png_agree() {
    let c = common::squeezenet(96, 5);
    let img = common::picture(89, 109);
    let (w, h) = img.dimensions();
    let reference = c.classify_rgb(&img).unwrap().probability;

    let png = common::encode(&img, ImageFormat::Png);
    let bmp = common::encode(&img, ImageFormat::Bmp);
    let rgb = img.as_raw().clone();
    let rgba = rgba(&img);
    let bgra: Vec<u8> = img.pixels().flat_map(|p| [p[2], p[1], p[0], 255]).collect();
    let argb: Vec<u32> =
        img.pixels().map(|p| 0xff00_0000 | (p[0] as u32) << 16 | (p[1] as u32) << 8 | p[2] as u32).collect();
    // Padded rows, as camera buffers have them.
    let stride = w as usize * 4 + 12;
    let mut padded = vec![0xaa; stride * h as usize];
    for y in 0..h as usize {
        padded[y * stride..y * stride + w as usize * 4]
            .copy_from_slice(&rgba[y * w as usize * 4..(y + 1) * w as usize * 4]);
    }

    let results = [
        ("png", c.classify_encoded(&png).unwrap().probability),
        ("bmp", c.classify_encoded(&bmp).unwrap().probability),
        (
            "rgb",
            c.classify_pixels(&PixelBuffer::new(&rgb, w, h, w as usize * 3, PixelFormat::Rgb8).unwrap())
                .unwrap()
                .probability,
        ),
        (
            "rgba",
            c.classify_pixels(&PixelBuffer::new(&rgba, w, h, w as usize * 4, PixelFormat::Rgba8).unwrap())
                .unwrap()
                .probability,
        ),
        (
            "bgra",
            c.classify_pixels(&PixelBuffer::new(&bgra, w, h, w as usize * 4, PixelFormat::Bgra8).unwrap())
                .unwrap()
                .probability,
        ),
        (
            "argb",
            c.classify_pixels(&PixelBuffer::from_argb_ints(&argb, w, h, w as usize).unwrap())
                .unwrap()
                .probability,
        ),
        (
            "padded rgba",
            c.classify_pixels(&PixelBuffer::new(&padded, w, h, stride, PixelFormat::Rgba8).unwrap())
                .unwrap()
                .probability,
        ),
    ];
    for (name, p) in results {
        assert!((p - reference).abs() < TOL, "{name}: {p} vs {reference}");
    }
}

/// ARGB pixels handed over as the bytes of native-endian `u32`s (what a C `uint32_t[]` or a Swift
/// `Data` holds) give exactly the pixels and the answer of the same `u32` values, with an odd row
/// length in pixels and a slice that starts one byte into its allocation (not 4-byte aligned).
#[test]
fn argb_bytes_equal_argb_ints_at_any_alignment() {
    let c = common::squeezenet(64, 3);
    let img = common::picture(37, 29);
    let (w, h) = img.dimensions();
    let stride_px = w as usize + 3; // 40 pixels: padded, and 37 itself is odd
    let mut ints = vec![0x1234_5678u32; stride_px * (h as usize - 1) + w as usize];
    for (x, y, p) in img.enumerate_pixels() {
        ints[y as usize * stride_px + x as usize] =
            0x7f00_0000 | u32::from(p[0]) << 16 | u32::from(p[1]) << 8 | u32::from(p[2]);
    }
    let mut storage = vec![0xeeu8];
    storage.extend(ints.iter().flat_map(|p| p.to_ne_bytes()));
    let bytes = &storage[1..];
    assert_ne!(bytes.as_ptr() as usize % 4, 0, "the slice must be misaligned for u32");

    let from_ints = PixelBuffer::from_argb_ints(&ints, w, h, stride_px).unwrap();
    let from_bytes = PixelBuffer::new(bytes, w, h, stride_px * 4, PixelFormat::Argb32).unwrap();
    assert_eq!(from_bytes.to_rgb(), img, "alpha dropped, padding skipped, channels in order");
    assert_eq!(from_ints.to_rgb(), from_bytes.to_rgb());
    assert_eq!(c.classify_pixels(&from_bytes).unwrap(), c.classify_pixels(&from_ints).unwrap());
    let face = glasses_core::FaceBox::new(5.0, 4.0, 20.0, 18.0);
    assert_eq!(
        c.classify_pixels_region(&from_bytes, face).unwrap(),
        c.classify_pixels_region(&from_ints, face).unwrap()
    );

    // The stride is in bytes and must be whole pixels; a buffer one byte short is refused.
    // (One row: only the stride is wrong in the first case.)
    for (rows, stride, len) in [(1, stride_px * 4 + 1, bytes.len()), (h, stride_px * 4, bytes.len() - 1)] {
        let err = PixelBuffer::new(&bytes[..len], w, rows, stride, PixelFormat::Argb32).unwrap_err();
        assert!(matches!(err, glasses_core::Error::InvalidPixelBuffer { .. }), "{stride}/{len}: {err}");
    }
    PixelBuffer::new(bytes, w, 1, stride_px * 4 + 4, PixelFormat::Argb32).expect("whole pixels are fine");
}

#[test]
fn jpeg_bytes_equal_their_decoded_pixels() {
    let c = common::squeezenet(96, 5);
    let jpeg = common::encode(&common::picture(120, 150), ImageFormat::Jpeg);
    let decoded = image::load_from_memory(&jpeg).unwrap().to_rgb8();
    let a = c.classify_encoded(&jpeg).unwrap().probability;
    let b = c.classify_rgb(&decoded).unwrap().probability;
    assert!((a - b).abs() < TOL, "{a} vs {b}");
}

#[test]
fn gray_images_are_replicated_to_three_channels() {
    let c = common::squeezenet(64, 2);
    let gray = image::GrayImage::from_fn(50, 60, |x, y| image::Luma([((x * 3 + y * 2) % 256) as u8]));
    let as_rgb = image::DynamicImage::ImageLuma8(gray.clone()).to_rgb8();
    let a =
        c.classify_pixels(&PixelBuffer::new(gray.as_raw(), 50, 60, 50, PixelFormat::Gray8).unwrap()).unwrap();
    let b = c.classify_rgb(&as_rgb).unwrap();
    let d = c.classify_encoded(&common::encode(&as_rgb, ImageFormat::Png)).unwrap();
    assert!((a.probability - b.probability).abs() < TOL && (a.probability - d.probability).abs() < TOL);
}

#[test]
fn exif_rotated_jpeg_equals_the_upright_picture() {
    let c = common::squeezenet(96, 9);
    let upright = common::picture(90, 120);
    // Stored sideways; orientation 6 says "rotate 90 degrees clockwise to display".
    let stored = imageops::rotate270(&upright);
    let plain_jpeg = common::encode(&stored, ImageFormat::Jpeg);
    let rotated_jpeg = common::with_exif_orientation(&plain_jpeg, 6, ByteOrder::Little);

    let decoded = glasses_core::preprocess::decode(&rotated_jpeg, u64::MAX).unwrap();
    assert_eq!(decoded.dimensions(), (90, 120), "orientation was not applied");
    let expected = imageops::rotate90(&image::load_from_memory(&plain_jpeg).unwrap().to_rgb8());
    assert_eq!(decoded, expected);

    let sideways = c.classify_encoded(&plain_jpeg).unwrap().probability;
    let rotated = c.classify_encoded(&rotated_jpeg).unwrap().probability;
    let upright_p = c.classify_rgb(&expected).unwrap().probability;
    assert!((rotated - upright_p).abs() < TOL, "{rotated} vs {upright_p}");
    assert!((rotated - sideways).abs() > TOL, "the test picture must look different sideways");
}

#[test]
fn batch_keeps_input_order() {
    let c = common::squeezenet(64, 4);
    let images: Vec<Vec<u8>> =
        (0..12).map(|i| common::encode(&common::picture(40 + i * 7, 50 + i * 3), ImageFormat::Png)).collect();
    let mut inputs: Vec<&[u8]> = images.iter().map(Vec::as_slice).collect();
    inputs.insert(5, b"not an image");
    let batch = c.classify_encoded_batch(&inputs);
    assert_eq!(batch.len(), 13);
    for (input, result) in inputs.iter().zip(&batch) {
        match c.classify_encoded(input) {
            Ok(p) => assert_eq!(result.as_ref().unwrap(), &p),
            Err(_) => assert!(result.is_err()),
        }
    }
    assert!(batch[5].is_err());
}

#[cfg(unix)]
#[test]
fn find_images_recurses_sorted_and_survives_link_loops() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("b/c");
    std::fs::create_dir_all(&sub).unwrap();
    for p in ["a.jpg", "b/z.PNG", "b/c/x.webp", "b/notes.txt"] {
        std::fs::write(dir.path().join(p), b"x").unwrap();
    }
    std::os::unix::fs::symlink(dir.path(), sub.join("loop")).unwrap();
    let found = glasses_core::find_images(dir.path()).unwrap();
    let rel: Vec<_> =
        found.iter().map(|p| p.strip_prefix(dir.path()).unwrap().to_str().unwrap().to_owned()).collect();
    assert_eq!(rel, ["a.jpg", "b/c/x.webp", "b/z.PNG"]);
}
