//! How a stored picture is turned to be upright: a clockwise rotation by a quarter turn, then an
//! optional left-right mirror. These eight cases are the camera's `rotationDegrees` (plus the
//! front camera's mirror) and also EXIF's eight orientations, so both are read in place, never
//! rotated into a copy.

use crate::error::{Error, Result};

/// How the picture must be turned to be upright: the clockwise rotation in degrees, as Android's
/// `imageInfo.rotationDegrees` gives it, then an optional left-right mirror (front cameras).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Orientation {
    /// 0, 90, 180 or 270.
    pub rotation_degrees: u32,
    /// Mirror the upright picture left to right.
    pub mirrored: bool,
}

impl Orientation {
    /// A rotation without mirroring; `rotation_degrees` must be 0, 90, 180 or 270.
    pub fn rotated(rotation_degrees: u32) -> Self {
        Self { rotation_degrees, mirrored: false }
    }

    /// The orientation an EXIF tag asks for (`image`'s reading of it): its eight cases are the
    /// four rotations, each with or without a mirror.
    pub fn from_exif(exif: image::metadata::Orientation) -> Self {
        use image::metadata::Orientation as O;
        let (rotation_degrees, mirrored) = match exif {
            O::NoTransforms => (0, false),
            O::Rotate90 => (90, false),
            O::Rotate180 => (180, false),
            O::Rotate270 => (270, false),
            O::FlipHorizontal => (0, true),
            // Upside down, then mirrored: the picture flipped top to bottom.
            O::FlipVertical => (180, true),
            O::Rotate90FlipH => (90, true),
            O::Rotate270FlipH => (270, true),
        };
        Self { rotation_degrees, mirrored }
    }

    /// `self` applied first, then `then`: one orientation with the same effect.
    pub fn then(self, then: Self) -> Self {
        // A mirror followed by a clockwise turn is the opposite turn followed by the mirror.
        let turn =
            if self.mirrored { (360 - then.rotation_degrees % 360) % 360 } else { then.rotation_degrees };
        Self {
            rotation_degrees: (self.rotation_degrees + turn) % 360,
            mirrored: self.mirrored != then.mirrored,
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if matches!(self.rotation_degrees, 0 | 90 | 180 | 270) {
            Ok(())
        } else {
            Err(Error::pixel_buffer(format!(
                "rotation of {} degrees: only 0, 90, 180 and 270 are possible",
                self.rotation_degrees
            )))
        }
    }

    /// The upright size of a `width x height` picture.
    pub fn upright_size(&self, width: u32, height: u32) -> (u32, u32) {
        if self.rotation_degrees % 180 == 90 { (height, width) } else { (width, height) }
    }

    /// The stored position shown at upright position `(ux, uy)` of a `width x height` picture.
    pub(crate) fn source(&self, ux: u32, uy: u32, width: u32, height: u32) -> (u32, u32) {
        let (uw, _) = self.upright_size(width, height);
        let ux = if self.mirrored { uw - 1 - ux } else { ux };
        match self.rotation_degrees {
            90 => (uy, height - 1 - ux),
            180 => (width - 1 - ux, height - 1 - uy),
            270 => (width - 1 - uy, ux),
            _ => (ux, uy),
        }
    }
}

#[cfg(test)]
mod tests {
    use image::{DynamicImage, GenericImageView, RgbImage};

    use super::*;

    fn all() -> impl Iterator<Item = Orientation> {
        [0, 90, 180, 270]
            .into_iter()
            .flat_map(|r| [false, true].map(|m| Orientation { rotation_degrees: r, mirrored: m }))
    }

    /// The upright picture `o` makes of `stored`, by `source`.
    fn upright(stored: &RgbImage, o: Orientation) -> RgbImage {
        let (w, h) = stored.dimensions();
        let (uw, uh) = o.upright_size(w, h);
        RgbImage::from_fn(uw, uh, |x, y| {
            let (sx, sy) = o.source(x, y, w, h);
            *stored.get_pixel(sx, sy)
        })
    }

    fn stored() -> RgbImage {
        RgbImage::from_fn(5, 3, |x, y| image::Rgb([x as u8, y as u8, (x * 3 + y) as u8]))
    }

    #[test]
    fn rotations_map_upright_positions_back_to_the_frame() {
        // A 4x2 frame: upright corners under each rotation.
        let (w, h) = (4, 2);
        let top_left = |o: Orientation| o.source(0, 0, w, h);
        assert_eq!(top_left(Orientation::rotated(0)), (0, 0));
        assert_eq!(top_left(Orientation::rotated(90)), (0, 1));
        assert_eq!(top_left(Orientation::rotated(180)), (3, 1));
        assert_eq!(top_left(Orientation::rotated(270)), (3, 0));
        assert_eq!(top_left(Orientation { rotation_degrees: 0, mirrored: true }), (3, 0));
        assert_eq!(Orientation::rotated(90).upright_size(w, h), (2, 4));
        assert!(Orientation::rotated(45).validate().is_err());
    }

    #[test]
    fn every_exif_orientation_reads_like_image_applies_it() {
        use image::metadata::Orientation as O;
        for exif in [
            O::NoTransforms,
            O::Rotate90,
            O::Rotate180,
            O::Rotate270,
            O::FlipHorizontal,
            O::FlipVertical,
            O::Rotate90FlipH,
            O::Rotate270FlipH,
        ] {
            let mut want = DynamicImage::ImageRgb8(stored());
            want.apply_orientation(exif);
            let got = upright(&stored(), Orientation::from_exif(exif));
            assert_eq!(want.dimensions(), got.dimensions(), "{exif:?}");
            assert_eq!(want.to_rgb8(), got, "{exif:?}");
        }
    }

    #[test]
    fn composing_equals_applying_one_after_the_other() {
        for a in all() {
            for b in all() {
                let step = upright(&upright(&stored(), a), b);
                assert_eq!(upright(&stored(), a.then(b)), step, "{a:?} then {b:?}");
            }
        }
    }
}
