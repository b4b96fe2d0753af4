//! What [`crate::Classifier::classify`] is asked: a picture in any form the library takes, and
//! what to look at in it.

use std::path::Path;

use image::RgbImage;

use crate::orientation::Orientation;
use crate::pixels::PixelBuffer;
use crate::region::FaceBox;
use crate::yuv::YuvFrame;

/// A picture in any form the library takes. Every form is read in place; none is copied whole.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Input<'a> {
    /// An encoded image (JPEG, PNG, WebP, BMP, GIF, TIFF, ...); its EXIF orientation is applied
    /// before the request's.
    Encoded(&'a [u8]),
    /// An image file: a regular file of at most [`crate::ClassifierOptions::max_file_bytes`].
    Path(&'a Path),
    /// A raw pixel buffer.
    Pixels(PixelBuffer<'a>),
    /// A YUV 4:2:0 camera frame.
    Yuv(YuvFrame<'a>),
    /// An 8-bit RGB picture.
    Rgb(&'a RgbImage),
}

/// What to classify in an [`Input`]: how to turn it upright and, optionally, where the face is.
///
/// `Request::default()` classifies the centre of the picture as stored (after the EXIF
/// orientation, for encoded pictures).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct Request {
    /// How the picture is turned upright (a camera's rotation and mirror); applied after an
    /// encoded picture's EXIF orientation.
    pub orientation: Orientation,
    /// A face detector's box, in pixels of the upright picture. `None`: the picture's centre
    /// crop (see [`crate::preprocess`]). `Some`: the box expanded to the model's framing
    /// ([`crate::ClassifierOptions::face_framing`]); parts past the picture repeat its edge.
    pub face: Option<FaceBox>,
}

impl Request {
    /// The default request: upright as stored, the picture's centre.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how the picture is turned upright.
    pub fn with_orientation(mut self, orientation: Orientation) -> Self {
        self.orientation = orientation;
        self
    }

    /// Sets the face box (in pixels of the upright picture).
    pub fn with_face(mut self, face: FaceBox) -> Self {
        self.face = Some(face);
        self
    }
}
