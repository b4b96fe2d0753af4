//! Raw pixel buffers against the harness's independent statement of the rules.

use super::*;

// ---------------------------------------------------------------------------------------------
// Raw pixel buffers. `harness::classify_pixels` checks core against an independent statement of
// the rules (accept exactly the consistent buffers, convert pixel-exactly, classify).

pub(super) fn pixel_case(mode: PixelMode, width: u32, height: u32, stride: usize, len: usize) -> PixelCase {
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
