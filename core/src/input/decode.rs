//! Step 1 of [`crate::preprocess`]: encoded bytes to the decoder's own pixel buffer and the
//! EXIF orientation, with every limit checked before the picture's memory is taken (the header's
//! size against `max_pixels`, the decoder's allocations against what that size needs, the
//! buffer itself allocated fallibly) and truncated JPEGs refused.
//!
//! Which formats decode is chosen at build time, one cargo feature each (`jpeg`, `png`, `webp`,
//! `bmp`, `gif`, `tiff`, `ico`, `pnm`, `tga`, `qoi`; all on by default): a picture in a format
//! left out is [`Error::InvalidImage`] naming the feature.

use std::io::Cursor;

use image::{ColorType, DynamicImage, ImageBuffer, ImageDecoder, ImageFormat, ImageReader};

use crate::error::{Error, Result};
use crate::memory;

/// The largest `max_pixels` honoured: 16 bytes per pixel (RGBA f32, the widest layout a decoder
/// returns) must fit in `isize`. Larger limits (`u64::MAX` from a C caller) are clamped to it;
/// below it the decode buffer is allocated fallibly, so a picture that does not fit in memory is
/// [`Error::OutOfMemory`], never an abort.
pub const MAX_PIXELS_CEILING: u64 = isize::MAX as u64 / 16;

/// Step 1 without turning the picture: the decoder's own buffer and the EXIF orientation.
pub(crate) fn decode_unoriented(
    bytes: &[u8],
    max_pixels: u64,
    accept_truncated: bool,
) -> Result<(DynamicImage, image::metadata::Orientation)> {
    if bytes.is_empty() {
        return Err(Error::invalid_image("empty input (0 bytes)"));
    }
    let max_pixels = max_pixels.min(MAX_PIXELS_CEILING);
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::invalid_image(format!("cannot read: {e}")))?;
    let Some(format) = reader.format() else {
        if let Some(unsupported) = super::unsupported::UnsupportedFormat::sniff(bytes) {
            return Err(Error::invalid_image(unsupported.to_string()));
        }
        return Err(Error::invalid_image(format!(
            "unrecognised image format (first bytes {:02x?})",
            &bytes[..bytes.len().min(8)]
        )));
    };
    if let Some((feature, false)) = decoder_feature(format) {
        return Err(Error::invalid_image(format!(
            "{format:?} pictures are not supported by this build (glasses-core's `{feature}` feature is off)"
        )));
    }
    let mut decoder = reader.into_decoder().map_err(|e| Error::invalid_image(format!("{format:?}: {e}")))?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(Error::invalid_image(format!("{format:?} declares a zero-sized image {width}x{height}")));
    }
    let pixels = width as u64 * height as u64;
    if pixels > max_pixels {
        return Err(Error::ImageTooLarge { width, height, pixels, max_pixels });
    }
    if format == ImageFormat::Jpeg
        && !accept_truncated
        && let Some(reason) = jpeg_truncation(bytes)
    {
        return Err(Error::TruncatedImage { reason: format!("JPEG {reason}") });
    }
    let mut limits = image::Limits::default();
    // Room for the decoded pixels at 16-bit RGBA plus decoder scratch; refuses bombs that lie
    // about their size in the header.
    limits.max_alloc = Some(pixels.saturating_mul(8).saturating_add(64 << 20));
    decoder.set_limits(limits).map_err(|e| Error::invalid_image(format!("{format:?}: {e}")))?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    Ok((read_pixels(decoder, format)?, orientation))
}

/// `DynamicImage::from_decoder`, with the one allocation of the picture's size made fallible
/// (`image` allocates it with `vec!`, which aborts the process when it fails).
fn read_pixels(decoder: impl ImageDecoder, format: ImageFormat) -> Result<DynamicImage> {
    const WHAT: &str = "the decoded picture";
    let (width, height) = decoder.dimensions();
    let total = decoder.total_bytes();
    let total = usize::try_from(total)
        .ok()
        .filter(|&t| t <= isize::MAX as usize)
        .ok_or(Error::OutOfMemory { bytes: total, what: WHAT })?;
    let failed = |e: image::ImageError| Error::invalid_image(format!("{format:?}: {e}"));
    macro_rules! read {
        ($sample:ty, $variant:ident) => {{
            let mut buffer = memory::try_zeroed::<$sample>(total / size_of::<$sample>(), WHAT)?;
            decoder.read_image(memory::as_bytes_mut(&mut buffer)).map_err(failed)?;
            ImageBuffer::from_raw(width, height, buffer).map(DynamicImage::$variant)
        }};
    }
    let image = match decoder.color_type() {
        ColorType::L8 => read!(u8, ImageLuma8),
        ColorType::La8 => read!(u8, ImageLumaA8),
        ColorType::Rgb8 => read!(u8, ImageRgb8),
        ColorType::Rgba8 => read!(u8, ImageRgba8),
        ColorType::L16 => read!(u16, ImageLuma16),
        ColorType::La16 => read!(u16, ImageLumaA16),
        ColorType::Rgb16 => read!(u16, ImageRgb16),
        ColorType::Rgba16 => read!(u16, ImageRgba16),
        ColorType::Rgb32F => read!(f32, ImageRgb32F),
        ColorType::Rgba32F => read!(f32, ImageRgba32F),
        other => return Err(Error::invalid_image(format!("{format:?}: unsupported colour type {other:?}"))),
    };
    image.ok_or_else(|| {
        Error::invalid_image(format!("{format:?}: decoder buffer does not match {width}x{height}"))
    })
}

/// Why a JPEG is incomplete, or `None` when its end-of-image marker (FFD9) is reached.
///
/// Walks the marker segments from the start, skipping each by its length (so an EXIF thumbnail's
/// own end marker is never taken for the picture's), and through every scan's entropy-coded data
/// (where a real FF byte is always followed by 00 or a restart marker). Bytes after the end
/// marker are ignored, as decoders do. zune-jpeg, in the non-strict mode `image` uses, decodes a
/// picture cut anywhere without an error and fills the rest.
fn jpeg_truncation(data: &[u8]) -> Option<String> {
    let len = data.len();
    let mut i = 2; // after SOI (FF D8), which format sniffing has checked
    loop {
        // Decoders skip junk between segments; so does this walk.
        while i < len && data[i] != 0xFF {
            i += 1;
        }
        while i < len && data[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = data.get(i) else {
            return Some(format!("ends after {len} bytes without its end-of-image marker"));
        };
        i += 1;
        match marker {
            0xD9 => return None,
            0x01 | 0xD0..=0xD8 => continue,
            _ => {}
        }
        let Some(length) = data.get(i..i + 2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]]))) else {
            return Some(format!("ends inside the header of segment FF{marker:02X} at byte {}", i - 2));
        };
        let end = i + length;
        if end > len {
            return Some(format!(
                "segment FF{marker:02X} at byte {} is cut off ({len} bytes of {end})",
                i - 2
            ));
        }
        i = end;
        if marker == 0xDA {
            // Entropy-coded data runs to the next marker that is not a stuffed byte or a restart.
            loop {
                match data[i..].iter().position(|&b| b == 0xFF) {
                    None => return Some(format!("scan data ends after {len} bytes without a marker")),
                    Some(p) => i += p,
                }
                match data.get(i + 1) {
                    None => return Some(format!("scan data ends after {len} bytes without a marker")),
                    Some(0x00 | 0xD0..=0xD7 | 0xFF) => i += 1,
                    Some(_) => break,
                }
            }
        }
    }
}

/// The cargo feature that builds `format`'s decoder in, and whether this build has it; `None`
/// for formats no feature provides (refused by `image` itself).
fn decoder_feature(format: ImageFormat) -> Option<(&'static str, bool)> {
    Some(match format {
        ImageFormat::Jpeg => ("jpeg", cfg!(feature = "jpeg")),
        ImageFormat::Png => ("png", cfg!(feature = "png")),
        ImageFormat::WebP => ("webp", cfg!(feature = "webp")),
        ImageFormat::Bmp => ("bmp", cfg!(feature = "bmp")),
        ImageFormat::Gif => ("gif", cfg!(feature = "gif")),
        ImageFormat::Tiff => ("tiff", cfg!(feature = "tiff")),
        ImageFormat::Ico => ("ico", cfg!(feature = "ico")),
        ImageFormat::Pnm => ("pnm", cfg!(feature = "pnm")),
        ImageFormat::Tga => ("tga", cfg!(feature = "tga")),
        ImageFormat::Qoi => ("qoi", cfg!(feature = "qoi")),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_names_its_feature_and_the_defaults_build_them_all() {
        let formats = [
            ImageFormat::Jpeg,
            ImageFormat::Png,
            ImageFormat::WebP,
            ImageFormat::Bmp,
            ImageFormat::Gif,
            ImageFormat::Tiff,
            ImageFormat::Ico,
            ImageFormat::Pnm,
            ImageFormat::Tga,
            ImageFormat::Qoi,
        ];
        for format in formats {
            let (feature, built) = decoder_feature(format).expect("a feature");
            // `cargo test` builds the default features, which keep every decoder of 0.2.
            assert!(built, "{format:?} ({feature}) is not built");
        }
        assert_eq!(decoder_feature(ImageFormat::Avif), None);
    }
}
