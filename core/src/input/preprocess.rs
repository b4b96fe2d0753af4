//! The one preprocessing path shared by inference, training and every surface.
//!
//! From any source image to the model's input tensor, in this exact order:
//!
//! 1. **Decode** (encoded bytes only): the format is sniffed from the bytes, not the file name;
//!    for GIF the first frame is used; the EXIF orientation (JPEG, PNG, WebP, TIFF) is applied so
//!    the face is upright. Images whose header declares more than `max_pixels` pixels are refused
//!    before any pixel memory is allocated.
//! 2. **To RGB, 8 bits per channel**: alpha is dropped (no blending), gray is replicated to three
//!    channels, 16-bit samples are scaled to 8 bits, CMYK is converted by the decoder.
//! 3. **Fit** the picture to the model's aspect ratio as its metadata says ([`ResizeMode`]):
//!    `center_crop` cuts the largest centred rectangle of the input's aspect ratio out of it (the
//!    crop's left/top edge is `(long - kept) / 2` rounded down, its size `round(short * aspect)`),
//!    `stretch` (contract version 1 files) keeps the whole picture and distorts it.
//!    Then **resize** to the model's `input_width x input_height` with `image` 0.25's `imageops::resize` and
//!    `FilterType::Triangle` (bilinear; when shrinking, the kernel widens with the scale factor
//!    so it averages like an area filter). The result is rounded back to 8 bits. An image that
//!    already has the input size is used untouched. Core computes this resize with its own,
//!    faster code, whose pixels are bit-identical to `image`'s (tested), reading the crop
//!    straight from the decoded or caller's buffer (steps 1 to 3 make no copy of the picture).
//! 4. **Scale and normalise** each channel `c`: `x = (v / 255 - mean[c]) / std[c]`, with `mean`
//!    and `std` read from the model's metadata.
//! 5. **Layout**: float32, NCHW, channel order R, G, B: index `c * H * W + y * W + x`.
//!
//! Faces are expected roughly aligned and centred, as in CelebA's aligned crops (89x109).

use std::io::Cursor;

use image::{ColorType, DynamicImage, ImageBuffer, ImageDecoder, ImageFormat, ImageReader, RgbImage};

use crate::error::{Error, Result};
use crate::input::orientation::Orientation;
use crate::input::pixels::PixelBuffer;
pub use crate::input::resize_mode::ResizeMode;
use crate::input::sampler;
use crate::input::source::{Stored, Upright};
use crate::memory;
use crate::region::Region;

/// Default pixel limit for decoded images: 64 megapixels.
pub const DEFAULT_MAX_PIXELS: u64 = 64_000_000;

/// ImageNet statistics, the default normalisation for newly trained models.
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
/// ImageNet standard deviations, see [`IMAGENET_MEAN`].
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// Input size and normalisation of a model: everything needed to turn pixels into its input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preprocessing {
    /// Input width in pixels.
    pub width: u32,
    /// Input height in pixels.
    pub height: u32,
    /// Per-channel mean (R, G, B), subtracted after scaling to `[0, 1]`.
    pub mean: [f32; 3],
    /// Per-channel standard deviation (R, G, B).
    pub std: [f32; 3],
    /// How a picture of another aspect ratio is fitted (step 3).
    pub resize: ResizeMode,
}

impl Preprocessing {
    /// Number of floats in one input tensor: `3 * height * width`.
    pub fn tensor_len(&self) -> usize {
        3 * self.width as usize * self.height as usize
    }

    /// Steps 3 to 5 of the module docs: resizes `image` and writes the normalised NCHW tensor.
    pub fn tensor_from_rgb(&self, image: &RgbImage) -> Vec<f32> {
        let mut out = vec![0.0; self.tensor_len()];
        self.write_tensor(image, &mut out);
        out
    }

    /// Like [`Self::tensor_from_rgb`], writing into `out` (length [`Self::tensor_len`]).
    ///
    /// # Panics
    /// If `out` has another length; this is a programming error, not bad input.
    pub fn write_tensor(&self, image: &RgbImage, out: &mut [f32]) {
        assert_eq!(out.len(), self.tensor_len(), "output slice must hold 3*H*W floats");
        let resized;
        let image = if image.dimensions() == (self.width, self.height) {
            // Same size means same aspect ratio: the crop keeps everything.
            image
        } else {
            resized = self.resize(image);
            &resized
        };
        let plane = self.width as usize * self.height as usize;
        let (r, rest) = out.split_at_mut(plane);
        let (g, b) = rest.split_at_mut(plane);
        let scale: [f32; 3] = std::array::from_fn(|c| 1.0 / (255.0 * self.std[c]));
        let offset: [f32; 3] = std::array::from_fn(|c| self.mean[c] / self.std[c]);
        for (i, px) in image.as_raw().chunks_exact(3).enumerate() {
            r[i] = px[0] as f32 * scale[0] - offset[0];
            g[i] = px[1] as f32 * scale[1] - offset[1];
            b[i] = px[2] as f32 * scale[2] - offset[2];
        }
    }

    /// The part of a `width x height` picture that step 3 keeps: `(x, y, w, h)`.
    pub fn crop_rect(&self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        if self.resize == ResizeMode::Stretch || width == 0 || height == 0 {
            return (0, 0, width, height);
        }
        // Compare width/height with the input's aspect in integers: w * H against h * W.
        let (iw, ih) = (self.width as u64, self.height as u64);
        let (w, h) = (width as u64, height as u64);
        if w * ih > h * iw {
            let kept = ((h * iw + ih / 2) / ih).clamp(1, w);
            (((w - kept) / 2) as u32, 0, kept as u32, height)
        } else {
            let kept = ((w * ih + iw / 2) / iw).clamp(1, h);
            (0, ((h - kept) / 2) as u32, width, kept as u32)
        }
    }

    /// Step 3 alone: the resized RGB image the tensor is made from (useful for augmentation).
    ///
    /// The crop is read in place (no copy of the picture); only the filter's running sums, a few
    /// rows of the crop's width, are allocated besides the result.
    ///
    /// # Panics
    /// If those few rows cannot be allocated (as `vec!` would).
    pub fn resize(&self, image: &RgbImage) -> RgbImage {
        if image.width() == 0 || image.height() == 0 {
            return RgbImage::new(self.width, self.height);
        }
        let source = Upright::new(Stored::Rgb(image), Orientation::default())
            .expect("a non-empty picture with the default orientation");
        self.sample_center(&source).expect("the resize's running sums fit in memory")
    }

    /// The part of `region` (of a picture, or a face's framing in it) that step 3 keeps: its
    /// [`Self::crop_rect`], placed in the picture.
    pub(crate) fn crop_region(&self, region: Region) -> Region {
        let (x, y, width, height) = self.crop_rect(region.width, region.height);
        Region { x: region.x + x as i64, y: region.y + y as i64, width, height }
    }

    /// Step 3 on a picture read in place.
    pub(crate) fn sample_center(&self, source: &Upright<'_>) -> Result<RgbImage> {
        let (width, height) = source.size();
        let region = self.crop_region(Region { x: 0, y: 0, width, height });
        sampler::sample(source, region, self.width, self.height)
    }

    /// All five steps for encoded image bytes.
    pub fn tensor_from_encoded(&self, bytes: &[u8], max_pixels: u64) -> Result<Vec<f32>> {
        let (image, exif) = decode_unoriented(bytes, max_pixels, false)?;
        let source = Upright::new(Stored::Image(&image), Orientation::from_exif(exif))?;
        Ok(self.tensor_from_rgb(&self.sample_center(&source)?))
    }

    /// Steps 2 to 5 for a raw pixel buffer.
    pub fn tensor_from_pixels(&self, pixels: &PixelBuffer<'_>) -> Result<Vec<f32>> {
        let source = Upright::new(Stored::Pixels(*pixels), Orientation::default())?;
        Ok(self.tensor_from_rgb(&self.sample_center(&source)?))
    }
}

/// The largest `max_pixels` honoured: 16 bytes per pixel (RGBA f32, the widest layout a decoder
/// returns) must fit in `isize`. Larger limits (`u64::MAX` from a C caller) are clamped to it;
/// below it the decode buffer is allocated fallibly, so a picture that does not fit in memory is
/// [`Error::OutOfMemory`], never an abort.
pub const MAX_PIXELS_CEILING: u64 = isize::MAX as u64 / 16;

/// Steps 1 and 2: decodes an encoded image to upright 8-bit RGB. A truncated picture is refused
/// ([`Error::TruncatedImage`]); see [`decode_with`].
pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<RgbImage> {
    decode_with(bytes, max_pixels, false)
}

/// Steps 1 and 2, with the choice to accept truncated pictures.
///
/// A JPEG that ends before its end-of-image marker is [`Error::TruncatedImage`] unless
/// `accept_truncated` is set: the decoder would fill the missing rows with grey or repeated data
/// and the classification would silently change. Every allocation of the size of the picture
/// (the decode buffer, the upright RGB copy) is fallible: [`Error::OutOfMemory`]. The RGB copy
/// is made in one pass, converted and turned upright together; an upright RGB picture is
/// returned as decoded. (Classifying never makes this copy: it reads the decoded buffer.)
pub fn decode_with(bytes: &[u8], max_pixels: u64, accept_truncated: bool) -> Result<RgbImage> {
    let (image, exif) = decode_unoriented(bytes, max_pixels, accept_truncated)?;
    let orientation = Orientation::from_exif(exif);
    match image {
        DynamicImage::ImageRgb8(rgb) if orientation == Orientation::default() => Ok(rgb),
        image => Upright::new(Stored::Image(&image), orientation)?.read_all(),
    }
}

/// Step 1 alone, keeping the decoded colour type. Truncated pictures are refused as in [`decode`].
pub fn decode_dynamic(bytes: &[u8], max_pixels: u64) -> Result<DynamicImage> {
    let (mut image, orientation) = decode_unoriented(bytes, max_pixels, false)?;
    image.apply_orientation(orientation);
    Ok(image)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn prep(w: u32, h: u32) -> Preprocessing {
        Preprocessing {
            width: w,
            height: h,
            mean: [0.5, 0.5, 0.5],
            std: [0.5, 0.25, 0.125],
            resize: ResizeMode::Stretch,
        }
    }

    fn cropping(w: u32, h: u32) -> Preprocessing {
        Preprocessing { resize: ResizeMode::CenterCrop, ..prep(w, h) }
    }

    #[test]
    fn center_crop_keeps_the_input_aspect_ratio() {
        let p = cropping(88, 108);
        // CelebA's 89x109 crops lose almost nothing.
        assert_eq!(p.crop_rect(89, 109), (0, 0, 89, 109));
        // Square and landscape pictures lose their sides; portrait ones their top and bottom.
        assert_eq!(p.crop_rect(100, 100), (9, 0, 81, 100));
        assert_eq!(p.crop_rect(400, 300), (78, 0, 244, 300));
        assert_eq!(p.crop_rect(100, 300), (0, 88, 100, 123));
        assert_eq!(p.crop_rect(10_000, 1), (4999, 0, 1, 1));
        assert_eq!(p.crop_rect(1, 10_000), (0, 4999, 1, 1));
        assert_eq!(prep(88, 108).crop_rect(400, 300), (0, 0, 400, 300));
    }

    #[test]
    fn center_crop_drops_the_margins_and_does_not_distort() {
        // A square picture: red margins left and right of a centred 81-wide green band.
        let mut img = RgbImage::from_pixel(100, 100, image::Rgb([255, 0, 0]));
        for y in 0..100 {
            for x in 9..90 {
                img.put_pixel(x, y, image::Rgb([0, 255, 0]));
            }
        }
        let out = cropping(88, 108).resize(&img);
        assert_eq!(out.dimensions(), (88, 108));
        assert!(out.pixels().all(|p| p.0 == [0, 255, 0]), "no margin pixel may survive the crop");
        // Stretched, the margins stay in the picture.
        let stretched = prep(88, 108).resize(&img);
        assert!(stretched.pixels().any(|p| p.0[0] > 128));
        // A landscape picture gives the same tensor as its centre cut out by hand.
        let wide = RgbImage::from_fn(300, 200, |x, y| image::Rgb([(x % 251) as u8, (y % 241) as u8, 7]));
        let (x0, y0, w, h) = cropping(88, 108).crop_rect(300, 200);
        let by_hand = image::imageops::crop_imm(&wide, x0, y0, w, h).to_image();
        assert_eq!(cropping(88, 108).tensor_from_rgb(&wide), prep(88, 108).tensor_from_rgb(&by_hand));
    }

    #[test]
    fn normalises_in_nchw_rgb_order() {
        let img = RgbImage::from_raw(2, 1, vec![255, 0, 51, 0, 255, 102]).unwrap();
        let t = prep(2, 1).tensor_from_rgb(&img);
        let want = [1.0, -1.0, -2.0, 2.0, (0.2 - 0.5) / 0.125, (0.4 - 0.5) / 0.125];
        for (a, b) in t.iter().zip(want) {
            assert!((a - b).abs() < 1e-5, "{t:?}");
        }
    }

    #[test]
    fn resizes_to_model_size() {
        let img = RgbImage::from_pixel(89, 109, image::Rgb([255, 255, 255]));
        let t = prep(48, 40).tensor_from_rgb(&img);
        assert_eq!(t.len(), 3 * 48 * 40);
        assert!(t[..48 * 40].iter().all(|v| (v - 1.0).abs() < 1e-5));
    }

    #[test]
    fn refuses_garbage_and_empty() {
        assert!(matches!(decode(&[], 100), Err(Error::InvalidImage { .. })));
        assert!(matches!(decode(b"hello world, no image", 100), Err(Error::InvalidImage { .. })));
    }

    #[test]
    fn refuses_too_many_pixels_before_decoding() {
        let img = RgbImage::new(20, 20);
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        assert!(decode(&png, 400).is_ok());
        let err = decode(&png, 399).unwrap_err();
        assert!(matches!(err, Error::ImageTooLarge { width: 20, height: 20, .. }), "{err}");
    }
}
