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

use image::{DynamicImage, RgbImage};

use super::decode::decode_unoriented;
use crate::error::Result;
use crate::input::orientation::Orientation;
use crate::input::pixels::PixelBuffer;
pub use crate::input::resize_mode::ResizeMode;
use crate::input::sampler;
use crate::input::source::{Stored, Upright};
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

pub use super::decode::MAX_PIXELS_CEILING;

/// Steps 1 and 2: decodes an encoded image to upright 8-bit RGB. A truncated picture is refused
/// ([`crate::Error::TruncatedImage`]); see [`decode_with`].
pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<RgbImage> {
    decode_with(bytes, max_pixels, false)
}

/// Steps 1 and 2, with the choice to accept truncated pictures.
///
/// A JPEG that ends before its end-of-image marker is [`crate::Error::TruncatedImage`] unless
/// `accept_truncated` is set: the decoder would fill the missing rows with grey or repeated data
/// and the classification would silently change. Every allocation of the size of the picture
/// (the decode buffer, the upright RGB copy) is fallible: [`crate::Error::OutOfMemory`]. The RGB copy
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

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
    #[cfg(feature = "png")]
    fn refuses_too_many_pixels_before_decoding() {
        let img = RgbImage::new(20, 20);
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        assert!(decode(&png, 400).is_ok());
        let err = decode(&png, 399).unwrap_err();
        assert!(matches!(err, Error::ImageTooLarge { width: 20, height: 20, .. }), "{err}");
    }
}
