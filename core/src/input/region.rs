//! Faces inside larger pictures: from a face detector's box to the framing the model was trained on.
//!
//! Phones find the face first (ML Kit's `Face.boundingBox`, Vision's `VNFaceObservation`) and
//! hand the library that box. A detector's box is tight around the eyes, nose and mouth; the
//! model was trained on CelebA's aligned crops, which show the whole head with some margin.
//! [`FaceFraming`] says how much larger the training framing is than a detector's box and where
//! its centre lies; [`FaceFraming::HAAR_CELEBA`] was measured by running OpenCV's frontal-face
//! detector over the training crops (`scripts/face-framing.py`, numbers in
//! `bench/face-framing.json`).
//!
//! The framed region may reach past the picture's edges (a face near the border): the missing
//! part repeats the nearest edge pixel, so the face keeps its place and size in the model's
//! input. The region is never cut out: the sampler (`sampler.rs`) filters it straight from
//! the picture into the model's input, treating the part beyond the edges in closed form, so even
//! a box millions of times the picture's size costs what the picture does.

use crate::error::{Error, Result};

/// A face detector's box in pixels of the upright picture, origin at the top-left corner.
///
/// It may lie partly outside the picture; it must have a positive, finite size and overlap the
/// picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceBox {
    /// Left edge, in pixels from the picture's left edge (may be negative).
    pub x: f32,
    /// Top edge, in pixels from the picture's top edge (may be negative).
    pub y: f32,
    /// Width in pixels.
    pub width: f32,
    /// Height in pixels.
    pub height: f32,
}

impl FaceBox {
    /// A box in pixels, origin top-left (Android's `Rect`, ML Kit's `Face.boundingBox`).
    pub fn new(x: f32, y: f32, width: f32, height: f32) -> Self {
        Self { x, y, width, height }
    }

    /// A box given as fractions of the picture's size, origin top-left (MediaPipe's normalised
    /// rectangles).
    pub fn from_normalized(
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        image_width: u32,
        image_height: u32,
    ) -> Self {
        let (w, h) = (image_width as f32, image_height as f32);
        Self { x: x * w, y: y * h, width: width * w, height: height * h }
    }

    /// A box given as fractions of the picture's size with the origin at the bottom-left corner,
    /// as Apple's Vision framework reports `VNFaceObservation.boundingBox`.
    pub fn from_normalized_bottom_left(
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        image_width: u32,
        image_height: u32,
    ) -> Self {
        Self::from_normalized(x, 1.0 - y - height, width, height, image_width, image_height)
    }
}

/// How the model's training framing relates to a face detector's box: the framing is
/// `scale_x` box widths wide and `scale_y` box heights tall, and its centre lies `center_dx` box
/// widths right of and `center_dy` box heights below the box's centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceFraming {
    /// Framing width in box widths.
    pub scale_x: f32,
    /// Framing height in box heights.
    pub scale_y: f32,
    /// Horizontal offset of the framing's centre from the box's centre, in box widths.
    pub center_dx: f32,
    /// Vertical offset of the framing's centre from the box's centre, in box heights (positive
    /// is down).
    pub center_dy: f32,
}

impl FaceFraming {
    /// The framing of the bundled model's training crops (CelebA aligned faces) relative to
    /// OpenCV's frontal-face Haar cascade box: medians over the training crops, measured with
    /// `scripts/face-framing.py framing` (see `bench/face-framing.json`). Other detectors
    /// (ML Kit, Vision) draw boxes of similar size around the same features.
    pub const HAAR_CELEBA: Self =
        Self { scale_x: 1.669, scale_y: 2.044, center_dx: -0.003, center_dy: -0.145 };

    /// The box already is the model's framing: it is used as it is.
    pub const AS_IS: Self = Self { scale_x: 1.0, scale_y: 1.0, center_dx: 0.0, center_dy: 0.0 };

    /// A framing of your own (for a detector whose boxes differ from [`Self::HAAR_CELEBA`]'s).
    pub fn new(scale_x: f32, scale_y: f32, center_dx: f32, center_dy: f32) -> Self {
        Self { scale_x, scale_y, center_dx, center_dy }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        let finite =
            [self.scale_x, self.scale_y, self.center_dx, self.center_dy].iter().all(|v| v.is_finite());
        if !finite || self.scale_x <= 0.0 || self.scale_y <= 0.0 {
            return Err(Error::InvalidOptions {
                reason: format!("face framing {self:?} needs finite values and positive scales"),
            });
        }
        Ok(())
    }
}

impl Default for FaceFraming {
    fn default() -> Self {
        Self::HAAR_CELEBA
    }
}

/// A whole-pixel rectangle that may reach outside the picture it is cut from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Region {
    pub x: i64,
    pub y: i64,
    pub width: u32,
    pub height: u32,
}

/// The part of a `width x height` picture the model sees for `face`: the box expanded by
/// `framing`, in whole pixels. Refuses boxes that are not finite, not positive, or do not overlap
/// the picture, and regions of more than `max_pixels` pixels.
pub(crate) fn framed_region(
    face: FaceBox,
    framing: FaceFraming,
    width: u32,
    height: u32,
    max_pixels: u64,
) -> Result<Region> {
    let FaceBox { x, y, width: bw, height: bh } = face;
    if ![x, y, bw, bh].iter().all(|v| v.is_finite()) {
        return Err(Error::region(format!("{face:?} has a coordinate that is not a finite number")));
    }
    if bw <= 0.0 || bh <= 0.0 {
        return Err(Error::region(format!("{face:?} is empty or has a negative size")));
    }
    let (pw, ph) = (width as f64, height as f64);
    let (x, y, bw, bh) = (x as f64, y as f64, bw as f64, bh as f64);
    if x >= pw || y >= ph || x + bw <= 0.0 || y + bh <= 0.0 {
        return Err(Error::region(format!("{face:?} lies wholly outside the {width}x{height} picture")));
    }
    let cw = bw * framing.scale_x as f64;
    let ch = bh * framing.scale_y as f64;
    let cx = x + bw / 2.0 + framing.center_dx as f64 * bw;
    let cy = y + bh / 2.0 + framing.center_dy as f64 * bh;
    let (rw, rh) = (cw.round().max(1.0), ch.round().max(1.0));
    if rw * rh > max_pixels as f64 || rw > u32::MAX as f64 || rh > u32::MAX as f64 {
        return Err(Error::region(format!(
            "{face:?} framed to {rw}x{rh} pixels exceeds the limit of {max_pixels} pixels"
        )));
    }
    Ok(Region {
        x: (cx - cw / 2.0).round() as i64,
        y: (cy - ch / 2.0).round() as i64,
        width: rw as u32,
        height: rh as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIG: u64 = 1 << 40;

    #[test]
    fn the_box_is_expanded_around_its_offset_centre() {
        let framing = FaceFraming::new(2.0, 1.5, 0.0, 0.1);
        let region = framed_region(FaceBox::new(100.0, 100.0, 50.0, 60.0), framing, 400, 300, BIG).unwrap();
        // Centre (125, 130 + 6), size 100 x 90.
        assert_eq!(region, Region { x: 75, y: 91, width: 100, height: 90 });
    }

    #[test]
    fn bad_boxes_are_refused_with_a_reason() {
        let f = FaceFraming::AS_IS;
        // Each box of a 100x50 picture, with the words its refusal gives.
        let not_finite = "not a finite number";
        let empty = "empty or has a negative size";
        let outside = "wholly outside the 100x50 picture";
        for (face, reason) in [
            (FaceBox::new(f32::NAN, 0.0, 10.0, 10.0), not_finite),
            (FaceBox::new(0.0, 0.0, f32::INFINITY, 10.0), not_finite),
            (FaceBox::new(0.0, 0.0, 0.0, 10.0), empty),
            (FaceBox::new(0.0, 0.0, 10.0, -1.0), empty),
            (FaceBox::new(100.0, 0.0, 10.0, 10.0), outside),
            (FaceBox::new(-10.0, 0.0, 10.0, 10.0), outside),
            (FaceBox::new(0.0, 50.0, 10.0, 10.0), outside),
        ] {
            let err = framed_region(face, f, 100, 50, BIG).unwrap_err();
            assert!(matches!(err, Error::InvalidRegion { .. }), "{face:?}: {err}");
            assert!(err.to_string().ends_with(reason), "{face:?}: {err}");
        }
        let huge = framed_region(FaceBox::new(0.0, 0.0, 1e9, 1e9), f, 100, 50, 1 << 26).unwrap_err();
        assert!(huge.to_string().contains("exceeds the limit"), "{huge}");
    }

    #[test]
    fn vision_boxes_flip_to_top_left() {
        let b = FaceBox::from_normalized_bottom_left(0.25, 0.1, 0.5, 0.4, 200, 100);
        let want = [50.0, 50.0, 100.0, 40.0];
        for (got, want) in [b.x, b.y, b.width, b.height].into_iter().zip(want) {
            assert!((got - want).abs() < 1e-3, "{b:?}");
        }
    }

    #[test]
    fn framings_must_be_finite_and_positive() {
        assert!(FaceFraming::default().validate().is_ok());
        assert!(FaceFraming::new(0.0, 1.0, 0.0, 0.0).validate().is_err());
        assert!(FaceFraming::new(1.0, 1.0, f32::NAN, 0.0).validate().is_err());
    }
}
