//! Hostile and malformed inputs: every one gives a prediction or a typed error, quickly, without
//! panicking and without allocating what a forged header asks for.
//!
//! Also replays the committed fuzz corpus (`core/fuzz/corpus/<target>/`) through the same checks the
//! cargo-fuzz targets run (`core/fuzz/src/harness.rs`), so CI covers the corpus on stable Rust.
//! `cargo test -p glasses-core --test integration -- --ignored write_fuzz_seeds` regenerates the
//! seed files (names starting with `seed-`).
//!
//! Complements `errors.rs` (basic typed errors, the PNG bomb, contract rules) and `inputs.rs` (all
//! input paths agree).

use crate::common::tiny_onnx;
use crate::harness;
use crate::heap;

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use glasses_core::contract::{self, INPUT_NAME, OUTPUT_NAME};
use glasses_core::export::WeightPrecision;
use glasses_core::image::{
    self, DynamicImage, GrayAlphaImage, ImageBuffer, ImageFormat, LumaA, Rgb, RgbImage, Rgba, RgbaImage,
};
use glasses_core::onnx_pb::{StringStringEntryProto, ValueInfoProto};
use glasses_core::preprocess::{self, DEFAULT_MAX_PIXELS};
use glasses_core::{Classifier, ClassifierOptions, Error, PixelFormat};
use harness::{PixelCase, PixelMode};
use prost::Message;
use tiny_onnx::{tiny_model, value_info};

/// Runs `f`, returning its result, the largest single allocation it made and its duration.
fn measured<T>(f: impl FnOnce() -> T) -> (T, usize, Duration) {
    let start = Instant::now();
    let (out, largest) = heap::largest_allocation_during(f);
    (out, largest, start.elapsed())
}

/// Peak resident set size of the process (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

const MIB: usize = 1 << 20;

// ---------------------------------------------------------------------------------------------
// Shared fixtures.

static CLASSIFIER: LazyLock<Classifier> = LazyLock::new(harness::fuzz_classifier);

/// The same classifier with the library's default pixel limit (64 MP).
fn default_limit_classifier() -> Classifier {
    CLASSIFIER.with_options(ClassifierOptions::default()).expect("default options are valid")
}

/// A deterministic picture with gradients, texture and a dark band.
fn picture(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let band = (y * 10 / h.max(1)) == 4;
        let v = if band { 20 } else { 128 };
        Rgb([((x * 255) / w.max(1)) as u8, ((y * 255) / h.max(1)) as u8, v + ((x ^ y) % 64) as u8])
    })
}

/// A picture with only four colours, so palette formats (GIF) store it losslessly.
fn four_colour_picture(w: u32, h: u32) -> RgbImage {
    const COLOURS: [[u8; 3]; 4] = [[250, 10, 10], [10, 200, 30], [20, 40, 220], [240, 240, 240]];
    RgbImage::from_fn(w, h, |x, y| Rgb(COLOURS[((x / 3 + y / 5) % 4) as usize]))
}

fn encode_dynamic(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format).unwrap_or_else(|e| panic!("encode {format:?}: {e}"));
    out
}

fn encode(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
    // ICO and a few others only take RGBA; the alpha channel is opaque either way.
    let dynamic = match format {
        ImageFormat::Ico => DynamicImage::ImageRgba8(DynamicImage::ImageRgb8(img.clone()).to_rgba8()),
        _ => DynamicImage::ImageRgb8(img.clone()),
    };
    encode_dynamic(&dynamic, format)
}

/// Every format the workspace enables in the `image` crate that can be recognised from its bytes,
/// and whether it stores RGB losslessly. TGA has no signature: see `tga_is_not_recognised_from_bytes`.
const FORMATS: [(ImageFormat, bool); 9] = [
    (ImageFormat::Png, true),
    (ImageFormat::Jpeg, false),
    (ImageFormat::Gif, true),  // lossless for the four-colour picture used below
    (ImageFormat::WebP, true), // image's WebP encoder is lossless
    (ImageFormat::Bmp, true),
    (ImageFormat::Tiff, true),
    (ImageFormat::Ico, true),
    (ImageFormat::Pnm, true),
    (ImageFormat::Qoi, true),
];

fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| x.abs_diff(*y) as u64).sum();
    sum as f64 / a.as_raw().len() as f64
}

/// The outcome must be a prediction or an image error; returns whether it was a prediction.
fn expect_prediction_or_image_error(what: &str, r: Result<glasses_core::Prediction, Error>) -> bool {
    match r {
        Ok(p) => {
            harness::check_prediction(p, 0.5, what);
            true
        }
        Err(Error::InvalidImage { .. } | Error::ImageTooLarge { .. } | Error::TruncatedImage { .. }) => false,
        Err(other) => panic!("{what}: expected a prediction or an image error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Encoded images.

#[test]
fn every_enabled_format_decodes_to_the_original_pixels() {
    let img = four_colour_picture(37, 23);
    for (format, lossless) in FORMATS {
        let bytes = encode(&img, format);
        let decoded = preprocess::decode(&bytes, DEFAULT_MAX_PIXELS)
            .unwrap_or_else(|e| panic!("{format:?} ({} bytes) does not decode: {e}", bytes.len()));
        assert_eq!(decoded.dimensions(), (37, 23), "{format:?} size");
        if lossless {
            assert!(decoded == img, "{format:?}: lossless format decoded to other pixels");
        } else {
            let d = mean_abs_diff(&decoded, &img);
            // Quality-75 JPEG of hard colour edges: about 12; a channel swap or shift gives 60+.
            assert!(d < 24.0, "{format:?}: mean abs difference {d} is too large for a quality-75 JPEG");
        }
        let p = CLASSIFIER.classify_encoded(&bytes).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        harness::check_prediction(p, 0.5, &format!("{format:?}"));
        let direct = CLASSIFIER.classify_rgb(&decoded).expect("classify decoded pixels");
        assert_eq!(p, direct, "{format:?}: encoded path and decoded pixels disagree");
    }
}

#[test]
fn tga_is_not_recognised_from_bytes() {
    // TGA files carry no magic number, and core sniffs the format from the bytes only, so a valid
    // TGA is refused as "unrecognised" even though the `tga` feature is on and `is_image_path`
    // accepts `.tga`. (Reported: classify_path could fall back to the file extension.)
    let img = picture(20, 10);
    let tga = encode(&img, ImageFormat::Tga);
    assert_eq!(
        image::load_from_memory_with_format(&tga, ImageFormat::Tga).expect("valid TGA").to_rgb8(),
        img
    );
    match CLASSIFIER.classify_encoded(&tga) {
        Err(Error::InvalidImage { reason }) => assert!(reason.contains("unrecognised"), "{reason}"),
        other => panic!("TGA bytes: expected InvalidImage (unrecognised), got {other:?}"),
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("face.tga");
    std::fs::write(&path, &tga).expect("write");
    assert!(glasses_core::is_image_path(&path));
    match CLASSIFIER.classify_path(&path) {
        // Today: refused. With an extension fallback: the same result as the decoded pixels.
        Err(Error::InvalidImage { .. }) => {}
        Ok(p) => assert_eq!(p, CLASSIFIER.classify_rgb(&img).expect("classify")),
        Err(other) => panic!("face.tga: unexpected {other:?}"),
    }
}

#[test]
fn empty_and_one_byte_inputs_are_invalid_image() {
    for bytes in [&[][..], &[0x00], &[0xff], &[0x89], b"P", b"G", b"B", b"I", b"R"] {
        match CLASSIFIER.classify_encoded(bytes) {
            Err(Error::InvalidImage { reason }) => assert!(!reason.is_empty()),
            other => panic!("{bytes:02x?}: expected InvalidImage, got {other:?}"),
        }
    }
}

#[test]
fn truncation_at_every_tenth_gives_a_prediction_or_invalid_image() {
    let img = picture(64, 48);
    for (format, _) in FORMATS {
        let bytes = encode(&img, format);
        for tenth in 0..10 {
            let cut = &bytes[..bytes.len() * tenth / 10];
            let r = CLASSIFIER.classify_encoded(cut);
            let what = format!("{format:?} cut to {}/{} bytes", cut.len(), bytes.len());
            match r {
                Err(Error::InvalidImage { .. }) => {}
                Err(Error::TruncatedImage { .. }) => assert_eq!(format, ImageFormat::Jpeg, "{what}"),
                // Some decoders (BMP, and JPEG with accept_truncated) hand back what they have;
                // that is acceptable output.
                Ok(p) => harness::check_prediction(p, 0.5, &what),
                Err(other) => panic!("{what}: expected InvalidImage or a prediction, got {other:?}"),
            }
            if tenth == 0 {
                assert!(r.is_err(), "{what}: an empty input cannot be an image");
            }
        }
    }
}

#[test]
fn corrupt_header_bytes_give_a_prediction_or_a_typed_error() {
    // A small, exhaustive "fuzz" of the first 48 bytes of every format, on stable Rust.
    let img = picture(24, 16);
    for (format, _) in FORMATS {
        let bytes = encode(&img, format);
        for i in 0..bytes.len().min(48) {
            for v in [0x00, 0xff, bytes[i] ^ 0x80, bytes[i].wrapping_add(1)] {
                let mut corrupt = bytes.clone();
                corrupt[i] = v;
                let ((), largest, took) = measured(|| harness::classify_encoded(&CLASSIFIER, &corrupt));
                assert!(
                    largest <= harness::FUZZ_MAX_PIXELS as usize * 8 + 64 * MIB,
                    "{format:?} byte {i} = {v:#04x}: allocated {largest} bytes at once"
                );
                assert!(took < Duration::from_secs(10), "{format:?} byte {i} = {v:#04x}: took {took:?}");
            }
        }
    }
}

#[test]
fn png_bytes_named_jpg_are_sniffed_not_trusted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let img = picture(40, 30);
    let png = encode(&img, ImageFormat::Png);
    let jpeg = encode(&img, ImageFormat::Jpeg);
    for (name, bytes) in [("photo.jpg", &png), ("photo.png", &jpeg), ("photo.gif", &png), ("noext", &jpeg)] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write temp file");
        let by_path = CLASSIFIER.classify_path(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let by_bytes = CLASSIFIER.classify_encoded(bytes).expect("classify bytes");
        assert_eq!(by_path, by_bytes, "{name}: the file name changed the result");
    }
    // A text file named .png is still an invalid image, not an I/O error.
    let fake = dir.path().join("fake.png");
    std::fs::write(&fake, b"definitely not a PNG").expect("write temp file");
    assert!(matches!(CLASSIFIER.classify_path(&fake), Err(Error::InvalidImage { .. })));
}

fn gif_frames(frames: &[RgbImage]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut out);
        encoder.set_repeat(image::codecs::gif::Repeat::Infinite).expect("repeat");
        let frames = frames.iter().map(|f| {
            image::Frame::from_parts(
                DynamicImage::ImageRgb8(f.clone()).to_rgba8(),
                0,
                0,
                image::Delay::from_numer_denom_ms(100, 1),
            )
        });
        encoder.encode_frames(frames).expect("encode animated gif");
    }
    out
}

#[test]
fn animated_gif_uses_the_first_frame() {
    let first = four_colour_picture(48, 40);
    let second = RgbImage::from_fn(48, 40, |x, _| if x < 24 { Rgb([0, 0, 0]) } else { Rgb([255, 255, 0]) });
    let animated = gif_frames(&[first.clone(), second.clone()]);
    let still_first = gif_frames(std::slice::from_ref(&first));
    let still_second = gif_frames(std::slice::from_ref(&second));

    let decoded = preprocess::decode(&animated, DEFAULT_MAX_PIXELS).expect("animated gif decodes");
    assert!(decoded == first, "the animated GIF did not decode to its first frame");
    assert!(decoded != second, "the test frames must differ");

    let p_anim = CLASSIFIER.classify_encoded(&animated).expect("animated");
    let p_first = CLASSIFIER.classify_encoded(&still_first).expect("still first frame");
    let p_second = CLASSIFIER.classify_encoded(&still_second).expect("still second frame");
    assert_eq!(p_anim, p_first, "animated GIF and a still GIF of its first frame disagree");
    assert_ne!(p_anim.probability, p_second.probability, "the frames must classify differently");
}

#[test]
fn sixteen_bit_png_is_scaled_to_eight_bits() {
    let img8 = picture(33, 21);
    // v * 257 is the 16-bit value whose 8-bit scaling is exactly v.
    let img16: ImageBuffer<Rgb<u16>, Vec<u16>> =
        ImageBuffer::from_fn(33, 21, |x, y| Rgb(img8.get_pixel(x, y).0.map(|v| v as u16 * 257)));
    let png16 = encode_dynamic(&DynamicImage::ImageRgb16(img16), ImageFormat::Png);
    assert_eq!(png16[24], 16, "the test PNG must have bit depth 16");
    let decoded = preprocess::decode(&png16, DEFAULT_MAX_PIXELS).expect("16-bit PNG decodes");
    assert!(decoded == img8, "16-bit samples were not scaled to the matching 8-bit values");
    assert_eq!(
        CLASSIFIER.classify_encoded(&png16).expect("16-bit"),
        CLASSIFIER.classify_rgb(&img8).expect("8")
    );

    // 16-bit gray with alpha, too.
    let la16: ImageBuffer<LumaA<u16>, Vec<u16>> =
        ImageBuffer::from_fn(5, 4, |x, y| LumaA([(x * 40 + y) as u16 * 257, (y * 60) as u16 * 257]));
    let decoded =
        preprocess::decode(&encode_dynamic(&DynamicImage::ImageLumaA16(la16), ImageFormat::Png), 100)
            .expect("16-bit gray+alpha PNG decodes");
    for (x, y, p) in decoded.enumerate_pixels() {
        let l = (x * 40 + y) as u8;
        assert_eq!(p.0, [l, l, l], "pixel ({x}, {y})");
    }
}

#[test]
fn gray_alpha_png_drops_alpha_without_blending() {
    // Alpha from fully transparent to opaque: the colour must be the stored gray every time.
    let img = GrayAlphaImage::from_fn(16, 16, |x, y| LumaA([(x * 16 + y) as u8, (y * 17) as u8]));
    let png = encode_dynamic(&DynamicImage::ImageLumaA8(img.clone()), ImageFormat::Png);
    let decoded = preprocess::decode(&png, DEFAULT_MAX_PIXELS).expect("gray+alpha decodes");
    for (x, y, p) in decoded.enumerate_pixels() {
        let l = img.get_pixel(x, y)[0];
        assert_eq!(p.0, [l, l, l], "pixel ({x}, {y}) with alpha {}", img.get_pixel(x, y)[1]);
    }
    // RGBA: the same rule.
    let rgba = RgbaImage::from_fn(9, 9, |x, y| Rgba([x as u8 * 20, y as u8 * 20, 77, (x * y * 3) as u8]));
    let decoded =
        preprocess::decode(&encode_dynamic(&DynamicImage::ImageRgba8(rgba.clone()), ImageFormat::Png), 81)
            .expect("rgba decodes");
    for (x, y, p) in decoded.enumerate_pixels() {
        let q = rgba.get_pixel(x, y);
        assert_eq!(p.0, [q[0], q[1], q[2]], "pixel ({x}, {y})");
    }
}

/// A minimal baseline JPEG with four components (CMYK, Adobe APP14 transform 0), `side` x `side`
/// pixels, every sample 128: each 8x8 block is "DC difference 0, end of block", two bits per block.
fn cmyk_jpeg(side: u16) -> Vec<u8> {
    let mut j = vec![0xff, 0xd8];
    let mut segment = |marker: u8, body: &[u8]| {
        j.extend_from_slice(&[0xff, marker]);
        j.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        j.extend_from_slice(body);
    };
    // APP14 "Adobe": version 100, flags 0, 0, transform 0 (no colour transform: plain CMYK).
    segment(0xee, b"Adobe\x00\x64\x00\x00\x00\x00\x00");
    let mut dqt = vec![0x00];
    dqt.extend_from_slice(&[1; 64]);
    segment(0xdb, &dqt);
    let mut sof = vec![8];
    sof.extend_from_slice(&side.to_be_bytes());
    sof.extend_from_slice(&side.to_be_bytes());
    sof.push(4);
    for id in 1..=4 {
        sof.extend_from_slice(&[id, 0x11, 0]);
    }
    segment(0xc0, &sof);
    // DC table 0 and AC table 0, each with one 1-bit code: DC category 0, AC end-of-block.
    for class in [0x00, 0x10] {
        let mut dht = vec![class, 1];
        dht.extend_from_slice(&[0; 15]);
        dht.push(0x00);
        segment(0xc4, &dht);
    }
    segment(0xda, &[4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0]);
    let blocks = (side as usize).div_ceil(8).pow(2) * 4;
    j.extend(std::iter::repeat_n(0u8, (blocks * 2).div_ceil(8)));
    j.extend_from_slice(&[0xff, 0xd9]);
    j
}

#[test]
fn cmyk_jpeg_is_converted_by_the_decoder() {
    let jpeg = cmyk_jpeg(16);
    let decoded = preprocess::decode(&jpeg, DEFAULT_MAX_PIXELS).expect("CMYK JPEG decodes");
    assert_eq!(decoded.dimensions(), (16, 16));
    let first = *decoded.get_pixel(0, 0);
    assert!(decoded.pixels().all(|p| *p == first), "a uniform CMYK image decoded unevenly");
    // C = M = Y = K = 128 is a neutral dark gray (about 64 either way round CMYK is stored);
    // reading the four channels as YCbCr would give mid-gray 128 instead.
    let [r, g, b] = first.0;
    assert!(r.abs_diff(g) <= 2 && g.abs_diff(b) <= 2, "CMYK gray decoded to a colour {:?}", first.0);
    assert!((40..=90).contains(&r), "CMYK (128,128,128,128) decoded to {:?}, not a dark gray", first.0);
    let p = CLASSIFIER.classify_encoded(&jpeg).expect("CMYK JPEG classifies");
    harness::check_prediction(p, 0.5, "cmyk jpeg");
}

#[test]
fn extreme_aspect_ratios_and_single_pixels_classify() {
    for (w, h) in [(1, 1), (1, 2000), (2000, 1), (1, 3), (3, 1), (2, 2)] {
        let img = picture(w, h);
        for format in [ImageFormat::Png, ImageFormat::Bmp, ImageFormat::Jpeg, ImageFormat::Gif] {
            let bytes = encode(&img, format);
            let decoded = preprocess::decode(&bytes, DEFAULT_MAX_PIXELS)
                .unwrap_or_else(|e| panic!("{format:?} {w}x{h}: {e}"));
            assert_eq!(decoded.dimensions(), (w, h), "{format:?} {w}x{h}");
            let p = CLASSIFIER.classify_encoded(&bytes).unwrap_or_else(|e| panic!("{format:?} {w}x{h}: {e}"));
            harness::check_prediction(p, 0.5, &format!("{format:?} {w}x{h}"));
        }
        let case = PixelCase {
            mode: PixelMode::Bytes(PixelFormat::Rgb8),
            width: w,
            height: h,
            stride: w as usize * 3,
            data: img.as_raw().clone(),
        };
        harness::classify_pixels(&CLASSIFIER, &case.to_bytes());
    }
}

// --- Decompression bombs: a header that declares far more pixels than the file could hold.

/// PNG's CRC-32, so a forged chunk passes the decoder's checksum.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A real PNG whose IHDR now declares `w` x `h` with the given bit depth and colour type.
fn png_claiming(w: u32, h: u32, depth: u8, colour: u8) -> Vec<u8> {
    let mut png = encode(&picture(8, 8), ImageFormat::Png);
    png[16..20].copy_from_slice(&w.to_be_bytes());
    png[20..24].copy_from_slice(&h.to_be_bytes());
    png[24] = depth;
    png[25] = colour;
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

fn gif_claiming(w: u16, h: u16) -> Vec<u8> {
    let mut gif = encode(&four_colour_picture(8, 8), ImageFormat::Gif);
    gif[6..8].copy_from_slice(&w.to_le_bytes());
    gif[8..10].copy_from_slice(&h.to_le_bytes());
    // The first image descriptor (0x2c) after the header and global colour table.
    let table = if gif[10] & 0x80 != 0 { 3 << ((gif[10] & 7) + 1) } else { 0 };
    let mut i = 13 + table;
    while i < gif.len() && gif[i] == 0x21 {
        // Skip extension blocks: introducer, label, then sub-blocks until a zero length.
        i += 2;
        while i < gif.len() && gif[i] != 0 {
            i += gif[i] as usize + 1;
        }
        i += 1;
    }
    assert_eq!(gif.get(i), Some(&0x2c), "no image descriptor found in the test GIF");
    gif[i + 5..i + 7].copy_from_slice(&w.to_le_bytes());
    gif[i + 7..i + 9].copy_from_slice(&h.to_le_bytes());
    gif
}

fn bmp_claiming(w: i32, h: i32) -> Vec<u8> {
    let mut bmp = encode(&picture(8, 8), ImageFormat::Bmp);
    bmp[18..22].copy_from_slice(&w.to_le_bytes());
    bmp[22..26].copy_from_slice(&h.to_le_bytes());
    bmp
}

fn jpeg_claiming(w: u16, h: u16) -> Vec<u8> {
    let mut jpeg = encode(&picture(8, 8), ImageFormat::Jpeg);
    let sof = jpeg.windows(2).position(|m| m == [0xff, 0xc0]).expect("baseline JPEG has SOF0");
    jpeg[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    jpeg
}

fn webp_claiming_max() -> Vec<u8> {
    let mut webp = encode(&picture(8, 8), ImageFormat::WebP);
    assert_eq!(&webp[12..16], b"VP8L", "image writes lossless WebP");
    // After the 0x2f signature: 14 bits width - 1, 14 bits height - 1, alpha, version.
    let bits = u32::from_le_bytes(webp[21..25].try_into().expect("4 bytes"));
    let bits = (bits & 0xf000_0000) | 0x3fff | (0x3fff << 14);
    webp[21..25].copy_from_slice(&bits.to_le_bytes());
    webp
}

fn tiff_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut tiff = encode(&picture(8, 8), ImageFormat::Tiff);
    assert_eq!(&tiff[..2], b"II", "image writes little-endian TIFF");
    let ifd = u32::from_le_bytes(tiff[4..8].try_into().expect("4 bytes")) as usize;
    let count = u16::from_le_bytes([tiff[ifd], tiff[ifd + 1]]) as usize;
    for e in 0..count {
        let at = ifd + 2 + e * 12;
        let tag = u16::from_le_bytes([tiff[at], tiff[at + 1]]);
        let kind = u16::from_le_bytes([tiff[at + 2], tiff[at + 3]]);
        let value = if tag == 256 {
            w
        } else if tag == 257 {
            h
        } else {
            continue;
        };
        if kind == 3 {
            tiff[at + 8..at + 10].copy_from_slice(&(value.min(65535) as u16).to_le_bytes());
        } else {
            tiff[at + 8..at + 12].copy_from_slice(&value.to_le_bytes());
        }
    }
    tiff
}

fn header_claiming(format: ImageFormat, w: u32, h: u32) -> Vec<u8> {
    match format {
        ImageFormat::Qoi => {
            let mut qoi = encode(&picture(8, 8), ImageFormat::Qoi);
            qoi[4..8].copy_from_slice(&w.to_be_bytes());
            qoi[8..12].copy_from_slice(&h.to_be_bytes());
            qoi
        }
        ImageFormat::Tga => {
            let mut tga = encode(&picture(8, 8), ImageFormat::Tga);
            tga[12..14].copy_from_slice(&(w.min(65535) as u16).to_le_bytes());
            tga[14..16].copy_from_slice(&(h.min(65535) as u16).to_le_bytes());
            tga
        }
        ImageFormat::Pnm => {
            let mut p = format!("P6\n{w} {h}\n255\n").into_bytes();
            p.extend_from_slice(&[7; 64]);
            p
        }
        _ => unreachable!(),
    }
}

/// Every forged header: (name, bytes, declared width, declared height).
fn bombs() -> Vec<(&'static str, Vec<u8>, u64, u64)> {
    vec![
        ("png 1e6 x 1e6 rgb8", png_claiming(1_000_000, 1_000_000, 8, 2), 1_000_000, 1_000_000),
        ("png 2^31-1 square rgba16", png_claiming(0x7fff_ffff, 0x7fff_ffff, 16, 6), 0x7fff_ffff, 0x7fff_ffff),
        ("png 1 x 2^31-1", png_claiming(1, 0x7fff_ffff, 8, 2), 1, 0x7fff_ffff),
        ("gif 65535 square", gif_claiming(65535, 65535), 65535, 65535),
        ("bmp 1e6 square", bmp_claiming(1_000_000, 1_000_000), 1_000_000, 1_000_000),
        ("bmp top-down 1e6 square", bmp_claiming(1_000_000, -1_000_000), 1_000_000, 1_000_000),
        ("bmp i32::MIN height", bmp_claiming(16, i32::MIN), 16, 1 << 31),
        ("jpeg 65535 square", jpeg_claiming(65535, 65535), 65535, 65535),
        ("webp 16384 square", webp_claiming_max(), 16384, 16384),
        ("tiff 1e6 square", tiff_claiming(1_000_000, 1_000_000), 1_000_000, 1_000_000),
        ("qoi 1e6 square", header_claiming(ImageFormat::Qoi, 1_000_000, 1_000_000), 1_000_000, 1_000_000),
        ("tga 65535 square", header_claiming(ImageFormat::Tga, 65535, 65535), 65535, 65535),
        ("pnm 1e6 square", header_claiming(ImageFormat::Pnm, 1_000_000, 1_000_000), 1_000_000, 1_000_000),
    ]
}

#[test]
fn decompression_bombs_are_refused_quickly_without_allocating() {
    let classifier = default_limit_classifier();
    let _heavy = heap::heavy_memory();
    let rss_before = peak_rss();
    for (name, bytes, w, h) in bombs() {
        assert!(bytes.len() < 4096, "{name}: the bomb should be a tiny file");
        assert!(w * h > DEFAULT_MAX_PIXELS, "{name}: not a bomb");
        let (r, largest, took) = measured(|| classifier.classify_encoded(&bytes));
        match &r {
            Err(Error::ImageTooLarge { .. } | Error::InvalidImage { .. }) => {}
            other => panic!("{name}: expected ImageTooLarge or InvalidImage, got {other:?}"),
        }
        assert!(took < Duration::from_secs(2), "{name}: took {took:?} to refuse");
        assert!(largest < 16 * MIB, "{name}: allocated {} MiB at once before refusing", largest / MIB);
    }
    if let (Some(before), Some(after)) = (rss_before, peak_rss()) {
        // Other tests of this binary run at the same time; a real bomb allocation would be gigabytes.
        assert!(
            after.saturating_sub(before) < 256 * MIB as u64,
            "peak RSS grew from {} MiB to {} MiB while refusing bombs",
            before / MIB as u64,
            after / MIB as u64
        );
    }
}

#[test]
fn lying_headers_within_the_limit_fail_cleanly_and_stay_within_the_allocation_cap() {
    // Headers that pass the pixel limit but have (almost) no pixel data behind them. The decoder
    // may reserve the declared size (core caps it at max_pixels * 8 + 64 MiB) but must fail with
    // InvalidImage, not abort or hang. Run with a 1 MP limit to keep the reservation small.
    let classifier =
        CLASSIFIER.with_options(ClassifierOptions::default().with_max_pixels(1_000_000)).unwrap();
    let cap = 1_000_000 * 8 + 64 * MIB;
    let cases = [
        ("png 1000 square rgba16", png_claiming(1000, 1000, 16, 6)),
        ("gif 1000 square", gif_claiming(1000, 1000)),
        ("bmp 1000 square", bmp_claiming(1000, 1000)),
        ("jpeg 1000 square", jpeg_claiming(1000, 1000)),
        ("tiff 1000 square", tiff_claiming(1000, 1000)),
        ("qoi 1000 square", header_claiming(ImageFormat::Qoi, 1000, 1000)),
        ("tga 1000 square", header_claiming(ImageFormat::Tga, 1000, 1000)),
        ("pnm 1000 square", header_claiming(ImageFormat::Pnm, 1000, 1000)),
    ];
    for (name, bytes) in cases {
        let (r, largest, took) = measured(|| classifier.classify_encoded(&bytes));
        // JPEG and BMP decoders may fill missing data and return an image; that is fine.
        expect_prediction_or_image_error(name, r);
        assert!(largest <= cap, "{name}: allocated {largest} bytes at once, above the {cap} cap");
        assert!(took < Duration::from_secs(20), "{name}: took {took:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Raw pixel buffers. `harness::classify_pixels` checks core against an independent statement of
// the rules (accept exactly the consistent buffers, convert pixel-exactly, classify).

fn pixel_case(mode: PixelMode, width: u32, height: u32, stride: usize, len: usize) -> PixelCase {
    PixelCase { mode, width, height, stride, data: (0..len).map(|i| (i * 37 % 251) as u8).collect() }
}

#[test]
fn raw_buffers_are_accepted_exactly_when_consistent() {
    use PixelFormat::*;
    let modes = [
        PixelMode::Bytes(Rgba8),
        PixelMode::Bytes(Bgra8),
        PixelMode::Bytes(Rgb8),
        PixelMode::Bytes(Gray8),
        PixelMode::Bytes(Argb32),
        PixelMode::ArgbInts,
    ];
    let mut accepted = 0;
    for mode in modes {
        let bpp = match mode {
            PixelMode::Bytes(Rgb8) => 3,
            PixelMode::Bytes(Gray8) => 1,
            _ => 4,
        };
        let unit = if mode == PixelMode::ArgbInts { 4 } else { 1 }; // stride unit in bytes
        for (w, h) in [(1, 1), (3, 2), (7, 5), (1, 9), (9, 1)] {
            let row = w as usize * bpp;
            let strides = [row / unit, row / unit + 1, row / unit + 3, (row / unit).saturating_sub(1), 0];
            for stride in strides {
                let need = (h as usize - 1) * stride * unit + row;
                for len in [need, need + 5, need.saturating_sub(1), need.saturating_sub(unit), 0] {
                    let case = pixel_case(mode, w, h, stride, len);
                    accepted += case.should_be_valid() as usize;
                    harness::classify_pixels(&CLASSIFIER, &case.to_bytes());
                }
            }
        }
    }
    assert!(accepted > 50, "the table must exercise accepted buffers too ({accepted})");
}

#[test]
fn zero_overflowing_and_short_buffers_are_invalid_pixel_buffer() {
    use PixelFormat::*;
    let data = vec![0u8; 64];
    let ints = vec![0u32; 16];
    let cases: Vec<(&str, Result<glasses_core::PixelBuffer<'_>, Error>)> = vec![
        ("zero width", glasses_core::PixelBuffer::new(&data, 0, 4, 16, Rgba8)),
        ("zero height", glasses_core::PixelBuffer::new(&data, 4, 0, 16, Rgba8)),
        ("zero both", glasses_core::PixelBuffer::new(&[], 0, 0, 0, Gray8)),
        ("u32::MAX width", glasses_core::PixelBuffer::new(&data, u32::MAX, 1, usize::MAX, Rgba8)),
        ("u32::MAX height", glasses_core::PixelBuffer::new(&data, 1, u32::MAX, 4, Rgba8)),
        (
            "height * stride overflows",
            glasses_core::PixelBuffer::new(&data, 1, u32::MAX, usize::MAX / 2, Gray8),
        ),
        ("stride smaller than row", glasses_core::PixelBuffer::new(&data, 4, 2, 15, Rgba8)),
        ("stride 0", glasses_core::PixelBuffer::new(&data, 4, 2, 0, Rgb8)),
        ("short by one byte", glasses_core::PixelBuffer::new(&data[..63], 4, 4, 16, Rgba8)),
        ("argb bytes, stride not whole pixels", glasses_core::PixelBuffer::new(&data, 2, 2, 9, Argb32)),
        ("argb bytes short", glasses_core::PixelBuffer::new(&data[..63], 4, 4, 16, Argb32)),
        ("argb stride overflows", glasses_core::PixelBuffer::from_argb_ints(&ints, 1, 2, usize::MAX / 2)),
        ("argb short", glasses_core::PixelBuffer::from_argb_ints(&ints[..15], 4, 4, 4)),
        ("argb stride below width", glasses_core::PixelBuffer::from_argb_ints(&ints, 4, 2, 3)),
        ("argb empty", glasses_core::PixelBuffer::from_argb_ints(&[], 1, 1, 1)),
    ];
    for (name, r) in cases {
        match r {
            Err(Error::InvalidPixelBuffer { reason }) => assert!(!reason.is_empty(), "{name}"),
            other => panic!("{name}: expected InvalidPixelBuffer, got {other:?}"),
        }
    }
}

#[test]
fn odd_strides_and_unpadded_last_rows_are_read_exactly() {
    // Stride 7 for a 2-pixel RGB row (6 bytes) and a buffer that ends right after the last row:
    // the harness checks every converted pixel against the source bytes.
    for (mode, w, h, stride) in [
        (PixelMode::Bytes(PixelFormat::Rgb8), 2, 3, 7),
        (PixelMode::Bytes(PixelFormat::Rgba8), 3, 3, 13),
        (PixelMode::Bytes(PixelFormat::Bgra8), 1, 4, 5),
        (PixelMode::Bytes(PixelFormat::Gray8), 5, 5, 9),
        (PixelMode::Bytes(PixelFormat::Argb32), 3, 3, 20),
        (PixelMode::ArgbInts, 3, 3, 5),
    ] {
        let unit = if mode == PixelMode::ArgbInts { 4 } else { 1 };
        let bpp = if let PixelMode::Bytes(f) = mode { f.bytes_per_pixel() } else { 4 };
        let len = (h as usize - 1) * stride * unit + w as usize * bpp;
        let case = pixel_case(mode, w, h, stride, len);
        assert!(case.should_be_valid(), "{mode:?}");
        harness::classify_pixels(&CLASSIFIER, &case.to_bytes());
    }
}

// ---------------------------------------------------------------------------------------------
// Models.

fn tiny_model_bytes() -> Vec<u8> {
    tiny_model(16, 2, 0.5).encode_to_vec()
}

fn expect_load_error(name: &str, bytes: &[u8]) {
    match Classifier::from_bytes(bytes, ClassifierOptions::default()) {
        Err(Error::InvalidModel { reason }) => assert!(!reason.is_empty(), "{name}"),
        Err(Error::ContractViolation { rule }) => assert!(!rule.is_empty(), "{name}"),
        Err(other) => panic!("{name}: expected InvalidModel or ContractViolation, got {other:?}"),
        Ok(_) => panic!("{name}: loaded"),
    }
}

#[test]
fn the_tiny_model_is_a_valid_positive_control() {
    let bytes = tiny_model_bytes();
    assert!(bytes.len() < 1024, "the tiny model is {} bytes", bytes.len());
    let c = Classifier::from_bytes(&bytes, ClassifierOptions::default()).expect("tiny model loads");
    assert_eq!(c.preprocessing().width, 16);
    // Logits are an affine function of the channel means: check one by hand.
    let img = RgbImage::from_pixel(16, 16, Rgb([255, 0, 128]));
    let t = c.preprocessing().tensor_from_rgb(&img);
    let mean: Vec<f32> = t.chunks(256).map(|ch| ch.iter().sum::<f32>() / 256.0).collect();
    let w = [0.5, 0.25, 0.0, -0.25, -0.5, -0.75];
    let want = [
        w[0] * mean[0] + w[1] * mean[1] + w[2] * mean[2],
        w[3] * mean[0] + w[4] * mean[1] + w[5] * mean[2] + 0.1,
    ];
    let got = c.logits(&t).expect("logits");
    assert!((got[0] - want[0]).abs() < 1e-4 && (got[1] - want[1]).abs() < 1e-4, "{got:?} vs {want:?}");
    harness::load_model(&bytes);
}

#[test]
fn truncated_models_are_refused_at_every_tenth() {
    let tiny = tiny_model_bytes();
    let exported = harness::exported_model(WeightPrecision::Int8);
    for (name, bytes) in [("tiny", &tiny), ("exported int8", &exported)] {
        for tenth in 0..10 {
            let cut = &bytes[..bytes.len() * tenth / 10];
            expect_load_error(&format!("{name} cut at {tenth}/10"), cut);
        }
        for cut in [1, 2, 7, bytes.len() - 1] {
            expect_load_error(&format!("{name} cut to {cut} bytes"), &bytes[..cut]);
        }
    }
}

#[test]
fn random_bytes_are_refused() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for len in [1, 2, 3, 16, 100, 1000, 65_536] {
        for _ in 0..4 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            expect_load_error(&format!("{len} random bytes"), &bytes);
        }
    }
    // Valid protobuf that is not a model: a long string field, and an image file.
    expect_load_error("png as model", &encode(&picture(8, 8), ImageFormat::Png));
    expect_load_error("all zero", &[0u8; 256]);
}

#[test]
fn models_with_another_contract_are_refused_at_load() {
    // An ImageNet-style head: 1000 outputs, declared.
    expect_load_error("1000 classes declared", &tiny_model(16, 1000, 0.5).encode_to_vec());
    // 1000 outputs computed but the output shape left undeclared: found when the graph is typed.
    let mut m = tiny_model(16, 1000, 0.5);
    m.graph.as_mut().expect("graph").output[0] =
        ValueInfoProto { name: OUTPUT_NAME.into(), ..Default::default() };
    match Classifier::from_bytes(&m.encode_to_vec(), ClassifierOptions::default()) {
        Err(Error::ContractViolation { rule }) => assert!(rule.contains("[1, 2]"), "{rule}"),
        other => panic!("undeclared 1000-class output: expected a contract violation, got {other:?}"),
    }
    // One output class.
    expect_load_error("1 class", &tiny_model(16, 1, 0.5).encode_to_vec());
    // Input size in the graph disagrees with the metadata.
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").input[0] =
        value_info(INPUT_NAME, &[Some(1), Some(3), Some(17), Some(16)]);
    expect_load_error("input 17x16 vs metadata 16x16", &m.encode_to_vec());
    // Two inputs.
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").input.push(value_info("extra", &[Some(1)]));
    expect_load_error("two inputs", &m.encode_to_vec());
    // No graph, and a graph without nodes.
    let mut m = tiny_model(16, 2, 0.5);
    m.graph = None;
    expect_load_error("no graph", &m.encode_to_vec());
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").node.clear();
    expect_load_error("no nodes", &m.encode_to_vec());
    // An operator tract does not know.
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").node[0].op_type = "NoSuchOperator".into();
    expect_load_error("unknown operator", &m.encode_to_vec());
    // A node reading a tensor nobody produces.
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").node[1].input[0] = "dangling".into();
    expect_load_error("dangling edge", &m.encode_to_vec());
    // Weights of the wrong size for their declared shape.
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").initializer[0].raw_data.truncate(5);
    expect_load_error("short weight tensor", &m.encode_to_vec());
}

#[test]
fn missing_or_broken_metadata_is_refused_at_load() {
    let required = [
        contract::KEY_INPUT_WIDTH,
        contract::KEY_INPUT_HEIGHT,
        contract::KEY_MEAN,
        contract::KEY_STD,
        contract::KEY_CLASS_NAMES,
        contract::KEY_ARCHITECTURE,
        contract::KEY_CONTRACT_VERSION,
    ];
    let mut m = tiny_model(16, 2, 0.5);
    m.metadata_props.clear();
    expect_load_error("no metadata at all", &m.encode_to_vec());
    for key in required {
        let mut m = tiny_model(16, 2, 0.5);
        m.metadata_props.retain(|p| p.key != key);
        match Classifier::from_bytes(&m.encode_to_vec(), ClassifierOptions::default()) {
            Err(Error::ContractViolation { rule }) => assert!(rule.contains(key), "{key}: {rule}"),
            other => panic!("without {key}: expected a contract violation naming it, got {other:?}"),
        }
    }
    for (key, value) in [
        (contract::KEY_INPUT_WIDTH, "4097"),
        (contract::KEY_INPUT_WIDTH, "-16"),
        (contract::KEY_INPUT_HEIGHT, "99999999999999999999"),
        (contract::KEY_MEAN, "NaN,0,0"),
        (contract::KEY_MEAN, "inf,0,0"),
        (contract::KEY_STD, "1,1,-1"),
        (contract::KEY_STD, ""),
        (contract::KEY_CLASS_NAMES, ""),
        (contract::KEY_CONTRACT_VERSION, "1.0"),
    ] {
        let mut m = tiny_model(16, 2, 0.5);
        for p in &mut m.metadata_props {
            if p.key == key {
                p.value = value.into();
            }
        }
        expect_load_error(&format!("{key} = {value:?}"), &m.encode_to_vec());
    }
    // Duplicate keys: the last one wins in ONNX readers; either way, never a panic.
    let mut m = tiny_model(16, 2, 0.5);
    m.metadata_props
        .push(StringStringEntryProto { key: contract::KEY_INPUT_WIDTH.into(), value: "0".into() });
    harness::load_model(&m.encode_to_vec());
}

#[test]
fn a_graph_output_that_no_node_produces_is_a_typed_error() {
    // Found by the load_model fuzz target (corpus/load_model/regress-output-not-produced): tract
    // indexes its outlet map with the declared output name and panics ("no entry found for key",
    // tract-onnx 0.23.9 src/model.rs:187) when no node produces it. Core must refuse the file.
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").node[2].output[0] = "loeits".into();
    let bytes = m.encode_to_vec();
    let r = std::panic::catch_unwind(|| Classifier::from_bytes(&bytes, ClassifierOptions::default()));
    match r {
        Ok(Err(Error::InvalidModel { .. } | Error::ContractViolation { .. })) => {}
        Ok(other) => panic!("expected InvalidModel or ContractViolation, got {other:?}"),
        Err(_) => panic!("Classifier::from_bytes panicked on a graph whose output `logits` no node produces"),
    }
}

#[test]
fn a_model_that_computes_nan_gives_an_inference_error() {
    for (name, weight) in [("nan", f32::NAN), ("inf", f32::INFINITY)] {
        let bytes = tiny_model(16, 2, weight).encode_to_vec();
        let c =
            Classifier::from_bytes(&bytes, ClassifierOptions::default()).expect("a NaN weight is valid ONNX");
        match c.classify_rgb(&picture(20, 20)) {
            Err(Error::Inference { reason }) => assert!(reason.contains("non-finite"), "{name}: {reason}"),
            other => panic!("{name} weights: expected an Inference error, got {other:?}"),
        }
    }
}

#[test]
fn symbolic_input_dimensions_are_fixed_from_the_metadata() {
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").input[0] = value_info(INPUT_NAME, &[None, Some(3), None, None]);
    let c =
        Classifier::from_bytes(&m.encode_to_vec(), ClassifierOptions::default()).expect("symbolic dims load");
    let p = c.classify_rgb(&picture(30, 40)).expect("classifies");
    harness::check_prediction(p, 0.5, "symbolic dims");
}

// ---------------------------------------------------------------------------------------------
// The fuzz corpus, replayed through the fuzz targets' own checks.

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target)
}

fn corpus_files(target: &str) -> Vec<PathBuf> {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no corpus files", dir.display());
    files
}

fn replay(target: &str, run: impl Fn(&[u8])) {
    for path in corpus_files(target) {
        let bytes = std::fs::read(&path).expect("read corpus file");
        let (_, _, took) = measured(|| run(&bytes));
        assert!(took < Duration::from_secs(30), "{}: took {took:?}", path.display());
    }
}

#[test]
fn fuzz_corpus_classify_encoded_replays_cleanly() {
    replay("classify_encoded", |b| harness::classify_encoded(&CLASSIFIER, b));
}

#[test]
fn fuzz_corpus_classify_pixels_replays_cleanly() {
    replay("classify_pixels", |b| harness::classify_pixels(&CLASSIFIER, b));
}

#[test]
fn fuzz_corpus_load_model_replays_cleanly() {
    replay("load_model", harness::load_model);
}

#[test]
fn fuzz_corpus_load_model_mutated_replays_cleanly() {
    let f32_model = harness::exported_model(WeightPrecision::F32);
    let int8_model = harness::exported_model(WeightPrecision::Int8);
    replay("load_model_mutated", |script| {
        harness::load_model(&harness::mutate_model(&f32_model, &int8_model, script));
    });
}

/// Writes the generated seeds into `core/fuzz/corpus/<target>/seed-*` (run on demand).
#[test]
#[ignore = "writes the fuzz seed corpus; run with --ignored to regenerate"]
fn write_fuzz_seeds() {
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let name: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).expect("create corpus dir");
        std::fs::write(dir.join(format!("seed-{name}")), bytes).expect("write seed");
    };
    let img = picture(12, 10);
    for (format, _) in FORMATS {
        write("classify_encoded", &format!("{format:?}").to_lowercase(), &encode(&img, format));
    }
    let small = four_colour_picture(6, 5);
    write("classify_encoded", "gif-animated", &gif_frames(&[small.clone(), picture(6, 5)]));
    let img16: ImageBuffer<Rgb<u16>, Vec<u16>> =
        ImageBuffer::from_fn(6, 5, |x, y| Rgb(small.get_pixel(x, y).0.map(|v| v as u16 * 257)));
    write(
        "classify_encoded",
        "png-16bit",
        &encode_dynamic(&DynamicImage::ImageRgb16(img16), ImageFormat::Png),
    );
    let la = GrayAlphaImage::from_fn(6, 5, |x, y| LumaA([(x * 40) as u8, (y * 50) as u8]));
    write(
        "classify_encoded",
        "png-gray-alpha",
        &encode_dynamic(&DynamicImage::ImageLumaA8(la), ImageFormat::Png),
    );
    write("classify_encoded", "jpeg-cmyk", &cmyk_jpeg(16));
    write("classify_encoded", "png-1x1", &encode(&picture(1, 1), ImageFormat::Png));
    for (name, bytes, _, _) in bombs() {
        write("classify_encoded", &format!("bomb-{name}"), &bytes);
    }
    // Issue 13: extreme aspect ratios within the fuzz limit (4 MP), declared sizes far past it
    // (100,000 x 100,000 RGB: 30 GB, refused by the limit; with `max_pixels` raised, fallible),
    // and a JPEG cut before its end marker.
    let ramp = |w: u32, h: u32| {
        use image::ImageEncoder;
        use image::codecs::png::{CompressionType, FilterType, PngEncoder};
        let gray = image::GrayImage::from_fn(w, h, |x, y| image::Luma([((x + y) * 255 / (w + h)) as u8]));
        let mut out = Vec::new();
        PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::NoFilter)
            .write_image(gray.as_raw(), w, h, image::ExtendedColorType::L8)
            .expect("encode PNG");
        out
    };
    write("classify_encoded", "aspect-4000000x1", &ramp(4_000_000, 1));
    write("classify_encoded", "aspect-1x4000000", &ramp(1, 4_000_000));
    write("classify_encoded", "aspect-65536x61", &ramp(65_536, 61));
    write("classify_encoded", "declares-100000-square-rgb8", &png_claiming(100_000, 100_000, 8, 2));
    write("classify_encoded", "declares-4000000x1-rgba16", &png_claiming(4_000_000, 1, 16, 6));
    write("classify_encoded", "declares-1x4000000-gray", &png_claiming(1, 4_000_000, 8, 0));
    let jpeg = encode(&picture(64, 48), ImageFormat::Jpeg);
    write("classify_encoded", "jpeg-truncated-60pct", &jpeg[..jpeg.len() * 6 / 10]);
    write("classify_encoded", "jpeg-no-end-marker", &jpeg[..jpeg.len() - 2]);

    let pixel_seeds = [
        ("rgba-3x2", pixel_case(PixelMode::Bytes(PixelFormat::Rgba8), 3, 2, 12, 24)),
        ("bgra-2x2-padded", pixel_case(PixelMode::Bytes(PixelFormat::Bgra8), 2, 2, 11, 19)),
        ("rgb-odd-stride", pixel_case(PixelMode::Bytes(PixelFormat::Rgb8), 2, 3, 7, 20)),
        ("gray-5x4", pixel_case(PixelMode::Bytes(PixelFormat::Gray8), 5, 4, 5, 20)),
        ("argb-bytes", pixel_case(PixelMode::Bytes(PixelFormat::Argb32), 2, 2, 8, 16)),
        ("argb-ints-3x2", pixel_case(PixelMode::ArgbInts, 3, 2, 4, 28)),
        ("short", pixel_case(PixelMode::Bytes(PixelFormat::Rgba8), 4, 4, 16, 63)),
        ("huge-dims", pixel_case(PixelMode::Bytes(PixelFormat::Gray8), u32::MAX, u32::MAX, usize::MAX, 8)),
        ("gray-65536x1", pixel_case(PixelMode::Bytes(PixelFormat::Gray8), 65_536, 1, 65_536, 65_536)),
        ("gray-1x65536", pixel_case(PixelMode::Bytes(PixelFormat::Gray8), 1, 65_536, 1, 65_536)),
    ];
    for (name, case) in pixel_seeds {
        write("classify_pixels", name, &case.to_bytes());
    }

    write("load_model", "tiny", &tiny_model_bytes());
    write("load_model", "tiny-1000-classes", &tiny_model(4, 1000, 0.5).encode_to_vec());
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").input[0] = value_info(INPUT_NAME, &[None, Some(3), None, None]);
    write("load_model", "tiny-symbolic", &m.encode_to_vec());
    let mut m = tiny_model(16, 2, 0.5);
    m.metadata_props.clear();
    write("load_model", "tiny-no-metadata", &m.encode_to_vec());

    write("load_model_mutated", "unchanged-f32", &[0]);
    write("load_model_mutated", "unchanged-int8", &[1]);
    write("load_model_mutated", "truncated-half", &[3, 0, 0x80]);
    write("load_model_mutated", "head-and-tail-edits", &[0, 0, 40, 0, 0x01, 1, 20, 0, 0x20, 1, 200, 0, 0]);
}

/// The YUV fuzz target's checks on stable, over random and edge-case geometry: every frame is
/// refused with a typed error or classified, never a panic or an out-of-bounds read.
#[test]
fn random_yuv_frames_are_refused_or_classified() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut valid = 0;
    for case in 0..3000 {
        let len = 16 + (next() % 6000) as usize;
        let mut input: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if case % 3 == 0 {
            // Consistent geometry more often: even sizes, exact strides, planes of the right size.
            input[0] = (input[0] % 24) * 2;
            input[1] = (input[1] % 24) * 2;
            input[2] = 4;
            input[3] = 1 + input[3] % 2;
            input[4] = 4;
            input[8] = 100;
            input[9] = 128;
        }
        valid += usize::from(harness::classify_yuv(&CLASSIFIER, &input));
    }
    // Enough frames pass validation that classification itself is exercised, not only refusals.
    assert!(valid >= 100, "only {valid} of 3000 frames were valid");
    for input in [&[][..], &[0; 16][..], &[255; 64][..]] {
        harness::classify_yuv(&CLASSIFIER, input);
    }
}
