//! What [`crate::Classifier::classify`] is asked: a picture in any form the library takes, and
//! what to look at in it.

use std::path::Path;

use image::RgbImage;

use crate::input::orientation::Orientation;
use crate::input::pixels::PixelBuffer;
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

/// Which face a request classifies when it gives no box of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum FaceMode {
    /// The largest face the classifier's detector finds, framed as a caller's box is; the whole
    /// picture (its centre crop) when none is found or the build has no detector. The default.
    #[default]
    Auto,
    /// The largest face found; [`crate::Error::NoFace`] when there is none, and
    /// [`crate::Error::NoFaceDetector`] in a build without the detector.
    Detect,
    /// The whole picture (its centre crop); no detection runs.
    Whole,
}

/// What to classify in an [`Input`]: how to turn it upright and which face to look at.
///
/// `Request::default()` turns the picture upright as stored (after the EXIF orientation, for
/// encoded pictures) and classifies its largest face, or its centre when it has none
/// ([`FaceMode::Auto`]).
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
    /// Where the face is found when [`Self::face`] is `None`. An explicit box wins over the mode.
    pub face_mode: FaceMode,
}

impl Request {
    /// The default request: upright as stored, the largest face ([`FaceMode::Auto`]).
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

    /// Sets where the face is found when no box is given.
    pub fn with_face_mode(mut self, face_mode: FaceMode) -> Self {
        self.face_mode = face_mode;
        self
    }
}
