//! The detector's input: the picture scaled to fit the input size (aspect kept), pasted at the
//! top-left of a black canvas padded to multiples of 32, as BGR 0..255 NCHW floats (OpenCV
//! `FaceDetectorYN`'s pre-processing, which YuNet was trained and evaluated with).

use image::RgbImage;

use crate::error::{Error, Result};
use crate::input::orientation::Orientation;
use crate::input::sampler;
use crate::input::source::{Stored, Upright};
use crate::memory::try_zeroed;
use crate::region::Region;

/// The filter's running sums may take this many bytes before the sampler sums along rows first
/// (see `crate::input::resize`). The classifier keeps `image`'s order up to 64 MiB to match its pixels
/// bit for bit; the detector needs no such match (its boxes are compared within a tolerance), so
/// a very wide picture (a 1,048,576 x 1 row: 34 MiB in that order) costs it no more than its
/// input.
const SUM_BUDGET: usize = 1 << 20;

/// Where a picture lands in the detector's input tensor.
///
/// The picture is scaled by [`Letterbox::scale`] to `resized_width x resized_height` and placed
/// at the tensor's top-left corner; the rest of the `tensor_width x tensor_height` canvas is
/// black. Detections divide by `scale` to get back to the picture's pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Letterbox {
    /// Width of the picture, in its own pixels.
    pub width: u32,
    /// Height of the picture, in its own pixels.
    pub height: u32,
    /// Picture pixels to tensor pixels: `min(input_width / width, input_height / height)`.
    pub scale: f64,
    /// Width of the scaled picture in the tensor.
    pub resized_width: u32,
    /// Height of the scaled picture in the tensor.
    pub resized_height: u32,
    /// Tensor width: the input width rounded up to a multiple of 32.
    pub tensor_width: u32,
    /// Tensor height: the input height rounded up to a multiple of 32.
    pub tensor_height: u32,
}

impl Letterbox {
    /// The geometry for a `width x height` picture fitted into `input_width x input_height`.
    ///
    /// Errors with [`Error::InvalidImage`] for an empty picture and [`Error::InvalidOptions`] for
    /// an empty input size.
    pub fn fit(width: u32, height: u32, input_width: u32, input_height: u32) -> Result<Self> {
        if width == 0 || height == 0 {
            return Err(Error::InvalidImage { reason: format!("the picture is {width}x{height} pixels") });
        }
        if input_width == 0 || input_height == 0 {
            return Err(Error::InvalidOptions {
                reason: format!("detector input size {input_width}x{input_height} is empty"),
            });
        }
        let scale =
            (f64::from(input_width) / f64::from(width)).min(f64::from(input_height) / f64::from(height));
        // Python's round (ties to even), as the reference pre-processing computes the size.
        let side = |len: u32, limit: u32| ((f64::from(len) * scale).round_ties_even() as u32).clamp(1, limit);
        Ok(Self {
            width,
            height,
            scale,
            resized_width: side(width, input_width),
            resized_height: side(height, input_height),
            tensor_width: input_width.div_ceil(32) * 32,
            tensor_height: input_height.div_ceil(32) * 32,
        })
    }

    /// Floats in the tensor: `3 * tensor_height * tensor_width`.
    pub fn tensor_len(&self) -> usize {
        3 * self.tensor_height as usize * self.tensor_width as usize
    }

    /// The `[1, 3, H, W]` BGR tensor of `image`, resized with core's triangle (bilinear) filter.
    /// `image` must be the size this letterbox was made for.
    pub fn tensor_from_rgb(&self, image: &RgbImage) -> Result<Vec<f32>> {
        self.tensor_from_upright(&Upright::new(Stored::Rgb(image), Orientation::default())?)
    }

    /// The tensor of a picture read in place (any input kind, turned upright while read): the
    /// picture is filtered straight from its source into the resized picture (the classifier's
    /// sampler, the same triangle filter), so the whole picture is never copied.
    pub(crate) fn tensor_from_upright(&self, source: &Upright<'_>) -> Result<Vec<f32>> {
        let (width, height) = source.size();
        if (width, height) != (self.width, self.height) {
            return Err(Error::InvalidPixelBuffer {
                reason: format!(
                    "a {width}x{height} picture for a letterbox made for {}x{}",
                    self.width, self.height
                ),
            });
        }
        let whole = Region { x: 0, y: 0, width, height };
        let resized =
            sampler::sample_with_budget(source, whole, self.resized_width, self.resized_height, SUM_BUDGET)?;
        let mut tensor = try_zeroed(self.tensor_len(), "the face detector's input tensor")?;
        self.write_bgr(resized.as_raw(), &mut tensor)?;
        Ok(tensor)
    }

    /// Writes the tensor from the already resized picture: `resized` is packed RGB8 of
    /// `resized_width x resized_height`; `tensor` has [`Letterbox::tensor_len`] floats. Pixels
    /// outside the picture are set to 0 (black).
    pub fn write_bgr(&self, resized: &[u8], tensor: &mut [f32]) -> Result<()> {
        let (w, h) = (self.resized_width as usize, self.resized_height as usize);
        let (tw, th) = (self.tensor_width as usize, self.tensor_height as usize);
        if resized.len() != w * h * 3 || tensor.len() != self.tensor_len() || w > tw || h > th {
            return Err(Error::InvalidPixelBuffer {
                reason: format!(
                    "{} bytes of {w}x{h} RGB and {} floats for a 3x{th}x{tw} tensor",
                    resized.len(),
                    tensor.len()
                ),
            });
        }
        let plane = tw * th;
        for (channel, out) in tensor.chunks_exact_mut(plane).enumerate() {
            // BGR: tensor channel 0 is the picture's blue.
            let source = 2 - channel;
            for (y, row) in out.chunks_exact_mut(tw).enumerate() {
                if y >= h {
                    row.fill(0.0);
                    continue;
                }
                for (o, px) in row[..w].iter_mut().zip(resized[y * w * 3..(y + 1) * w * 3].chunks_exact(3)) {
                    *o = f32::from(px[source]);
                }
                row[w..].fill(0.0);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picture_fits_the_input_and_the_tensor_pads_to_multiples_of_32() {
        let l = Letterbox::fit(640, 480, 320, 240).expect("fits");
        assert_eq!(
            (l.resized_width, l.resized_height, l.tensor_width, l.tensor_height),
            (320, 240, 320, 256)
        );
        assert_eq!(l.scale, 0.5);
        // A tall crop: the height decides.
        let l = Letterbox::fit(89, 109, 640, 480).expect("fits");
        assert_eq!(
            (l.resized_width, l.resized_height, l.tensor_width, l.tensor_height),
            (392, 480, 640, 480)
        );
        // A line of pixels keeps at least one row.
        let l = Letterbox::fit(10_000, 1, 320, 240).expect("fits");
        assert_eq!((l.resized_width, l.resized_height), (320, 1));
        assert!(Letterbox::fit(0, 5, 320, 240).is_err());
        assert!(Letterbox::fit(5, 5, 0, 240).is_err());
    }

    #[test]
    fn the_tensor_is_bgr_at_the_top_left_and_black_elsewhere() {
        let l = Letterbox {
            width: 2,
            height: 1,
            scale: 1.0,
            resized_width: 2,
            resized_height: 1,
            tensor_width: 3,
            tensor_height: 2,
        };
        let rgb = [10, 20, 30, 40, 50, 60];
        let mut t = vec![f32::NAN; l.tensor_len()];
        l.write_bgr(&rgb, &mut t).expect("sizes agree");
        assert_eq!(
            t,
            [30.0, 60.0, 0.0, 0.0, 0.0, 0.0, 20.0, 50.0, 0.0, 0.0, 0.0, 0.0, 10.0, 40.0, 0.0, 0.0, 0.0, 0.0]
        );
        assert!(l.write_bgr(&rgb[..3], &mut t).is_err(), "too few pixels");
        assert!(l.write_bgr(&rgb, &mut t[..5]).is_err(), "too short a tensor");
        assert!(l.tensor_from_rgb(&RgbImage::new(3, 1)).is_err(), "another picture's letterbox");
    }
}
