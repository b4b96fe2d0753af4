//! Decompression bombs: headers that declare far more pixels than the file could hold.

use super::*;

// --- Decompression bombs: a header that declares far more pixels than the file could hold.

pub(super) use crate::common::png_claiming;

pub(super) fn gif_claiming(w: u16, h: u16) -> Vec<u8> {
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

pub(super) fn bmp_claiming(w: i32, h: i32) -> Vec<u8> {
    let mut bmp = encode(&picture(8, 8), ImageFormat::Bmp);
    bmp[18..22].copy_from_slice(&w.to_le_bytes());
    bmp[22..26].copy_from_slice(&h.to_le_bytes());
    bmp
}

pub(super) fn jpeg_claiming(w: u16, h: u16) -> Vec<u8> {
    let mut jpeg = encode(&picture(8, 8), ImageFormat::Jpeg);
    let sof = jpeg.windows(2).position(|m| m == [0xff, 0xc0]).expect("baseline JPEG has SOF0");
    jpeg[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    jpeg
}

pub(super) fn webp_claiming_max() -> Vec<u8> {
    let mut webp = encode(&picture(8, 8), ImageFormat::WebP);
    assert_eq!(&webp[12..16], b"VP8L", "image writes lossless WebP");
    // After the 0x2f signature: 14 bits width - 1, 14 bits height - 1, alpha, version.
    let bits = u32::from_le_bytes(webp[21..25].try_into().expect("4 bytes"));
    let bits = (bits & 0xf000_0000) | 0x3fff | (0x3fff << 14);
    webp[21..25].copy_from_slice(&bits.to_le_bytes());
    webp
}

pub(super) fn tiff_claiming(w: u32, h: u32) -> Vec<u8> {
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

pub(super) fn header_claiming(format: ImageFormat, w: u32, h: u32) -> Vec<u8> {
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
pub(super) fn bombs() -> Vec<(&'static str, Vec<u8>, u64, u64)> {
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
