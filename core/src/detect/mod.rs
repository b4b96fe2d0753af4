//! Finding faces in a whole picture: YuNet (Wu, Peng, Yu 2023), run by core's own engine.
//!
//! The eyeglasses model expects one face framed as in its training crops. A phone camera or a
//! photo library hands over whole pictures; [`FaceDetector`] finds the faces in them (box, score,
//! 5 landmarks), so each can be framed and classified.
//!
//! ```no_run
//! # #[cfg(feature = "face-detector")] {
//! use glasses_core::{DetectorOptions, FaceDetector};
//!
//! let detector = FaceDetector::bundled()?;
//! let picture = image::open("group.jpg").expect("a picture").to_rgb8();
//! for face in detector.detect_rgb(&picture)? {
//!     println!("face at {:?}, score {:.2}", face.face_box, face.score);
//! }
//! # }
//! # Ok::<(), glasses_core::Error>(())
//! ```
//!
//! The steps: [`Letterbox`] scales the picture to fit the input size and writes the BGR 0..255
//! tensor (`letterbox.rs`), the engine runs the graph (`model.rs`), each grid cell above the
//! score threshold becomes a box (`decode.rs`), and overlapping boxes are merged (`nms.rs`).

mod decode;
mod letterbox;
mod model;
mod nms;

use std::sync::Arc;

use image::RgbImage;

pub use letterbox::Letterbox;

use crate::error::{Error, Result};
use crate::input::source::Upright;
use crate::net::{Kernel, Net};
use crate::region::FaceBox;

/// The bundled detector: YuNet-s (`core/models/face-detector.onnx`, made by
/// `scripts/bundle-face-detector.sh`; MIT, see `core/models/LICENSE-face-detector`).
#[cfg(feature = "face-detector")]
use crate::model::embedded::FACE_DETECTOR as BUNDLED;

/// The bundled detector's file, inflated once: every classifier loads the detector, and 93 KB
/// kept beats inflating it again for each.
#[cfg(feature = "face-detector")]
static BUNDLED_FILE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

/// How the detector reads a picture and which faces it reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorOptions {
    /// Width the picture is fitted into (the tensor pads it up to a multiple of 32). Default 320.
    pub input_width: u32,
    /// Height the picture is fitted into (padded up to a multiple of 32, so 240 runs a 256-row
    /// tensor). Default 240.
    pub input_height: u32,
    /// Faces scoring above this are kept (score `sqrt(cls * obj)`, in 0..1). Default 0.6; at a
    /// 640x480 input (group photos) 0.7 keeps false faces under 1.5 % (docs/PERFORMANCE.md).
    pub score_threshold: f32,
    /// A face overlapping a better one by more than this intersection over union is dropped.
    /// Default 0.3.
    pub nms_iou: f32,
    /// Faces whose box is narrower or lower than this many pixels of the picture are dropped.
    /// Default 0 (every face the detector finds).
    pub min_face_size: f32,
}

impl Default for DetectorOptions {
    /// 320x240 (measured in `docs/PERFORMANCE.md`): every main face of the web photos and
    /// exactly one box on each of 100 tight CelebA crops, no false box, in a quarter of
    /// 640x480's time. 640x480 also finds small background faces, but put a second box on one
    /// crop; choose it for group photos.
    fn default() -> Self {
        Self { input_width: 320, input_height: 240, score_threshold: 0.6, nms_iou: 0.3, min_face_size: 0.0 }
    }
}

/// Boxes the detector draws more than this many times taller than wide are dropped. YuNet's box
/// around a whole face is about 1.3 times taller than wide (median 1.28-1.30, 99th percentile
/// 1.43-1.49, at most 1.63 over ~1,800 boxes on the faces of the group pictures; at most 1.53 on
/// the web photos; 1.61 on the tight drawn face of the golden fixtures); the taller ones it drew
/// on the group pictures were faces cut by the edge of the photo they were pasted from, too
/// little of a face for the classifier's framing (docs/PERFORMANCE.md, "False faces"). Measured
/// on the box as predicted, before it is clipped to the picture, so a whole face partly outside
/// the picture keeps its box. A face drawn taller than this (a long face tilted back) is lost.
pub const MAX_FACE_ASPECT: f32 = 1.65;

/// The largest input side the detector accepts: well above any useful size (YuNet was trained
/// on faces up to ~300 px), low enough that the engine's buffers stay within its limits.
const MAX_INPUT_SIDE: u32 = 1920;

impl DetectorOptions {
    pub(crate) fn validate(&self) -> Result<()> {
        let bad = |reason: String| Err(Error::InvalidOptions { reason });
        let (w, h) = (self.input_width, self.input_height);
        if !(32..=MAX_INPUT_SIDE).contains(&w) || !(32..=MAX_INPUT_SIDE).contains(&h) {
            return bad(format!("detector input size {w}x{h}: each side must be 32 to {MAX_INPUT_SIDE}"));
        }
        if !(0.0..=1.0).contains(&self.score_threshold) {
            return bad(format!("score_threshold {} must be in 0..=1", self.score_threshold));
        }
        if !(self.nms_iou > 0.0 && self.nms_iou <= 1.0) {
            return bad(format!("nms_iou {} must be in (0, 1]", self.nms_iou));
        }
        if !(self.min_face_size >= 0.0 && self.min_face_size.is_finite()) {
            return bad(format!("min_face_size {} must be finite and not negative", self.min_face_size));
        }
        Ok(())
    }
}

/// One face found in a picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectedFace {
    /// The face's box in pixels of the picture (top-left origin), clipped to the picture.
    pub face_box: FaceBox,
    /// Detection score in 0..1 (`sqrt(cls * obj)`).
    pub score: f32,
    /// Right eye, left eye, nose tip, right and left mouth corner (the person's right and left),
    /// in pixels of the picture; not clipped.
    pub landmarks: [(f32, f32); 5],
}

impl DetectedFace {
    /// How far the eye line is turned from level, in radians, clockwise on screen (image rows
    /// run down): positive when the person's left eye (the picture's right) sits lower. Levelling
    /// the face means sampling its framing turned by this angle.
    pub fn eye_line_angle(&self) -> f32 {
        let [(rx, ry), (lx, ly), ..] = self.landmarks;
        (ly - ry).atan2(lx - rx)
    }
}

/// A face detector (YuNet) on core's engine, for one input size. Cheap to clone; clones share
/// the model and may run on several threads at once.
#[derive(Debug, Clone)]
pub struct FaceDetector {
    net: Arc<Net>,
    options: DetectorOptions,
    /// Whether boxes taller than [`MAX_FACE_ASPECT`] are dropped (always, but for measuring).
    shape_check: bool,
}

impl FaceDetector {
    /// The bundled YuNet-s detector (feature `face-detector`, on by default).
    #[cfg(feature = "face-detector")]
    pub fn bundled() -> Result<Self> {
        Self::bundled_with(DetectorOptions::default())
    }

    /// The bundled detector with other options.
    #[cfg(feature = "face-detector")]
    pub fn bundled_with(options: DetectorOptions) -> Result<Self> {
        Self::from_bytes(BUNDLED.inflate_once(&BUNDLED_FILE)?, options)
    }

    /// A YuNet ONNX file from memory (the 12-output graphs of `ShiqiYu/libfacedetection.train`,
    /// float or int8 weights). A file that is not such a graph is [`Error::InvalidModel`]; bad
    /// options are [`Error::InvalidOptions`].
    pub fn from_bytes(bytes: &[u8], options: DetectorOptions) -> Result<Self> {
        Self::load(bytes, options, Kernel::best())
    }

    /// [`FaceDetector::from_bytes`] on the named micro-kernel (one of
    /// `Classifier::available_kernels`), for tests that run the model on every kernel. Not a
    /// stable API.
    #[doc(hidden)]
    pub fn from_bytes_with_kernel(bytes: &[u8], options: DetectorOptions, kernel: &str) -> Result<Self> {
        let chosen = Kernel::named(kernel).ok_or_else(|| Error::InvalidOptions {
            reason: format!("kernel `{kernel}` does not run on this CPU"),
        })?;
        Self::load(bytes, options, chosen)
    }

    /// The bundled detector on `kernel` (the classifier's own), or `None` in a build without
    /// the `face-detector` feature.
    pub(crate) fn bundled_on(options: DetectorOptions, kernel: Kernel) -> Result<Option<Self>> {
        #[cfg(feature = "face-detector")]
        {
            Self::load(BUNDLED.inflate_once(&BUNDLED_FILE)?, options, kernel).map(Some)
        }
        #[cfg(not(feature = "face-detector"))]
        {
            options.validate()?;
            let _ = kernel;
            Ok(None)
        }
    }

    fn load(bytes: &[u8], options: DetectorOptions, kernel: Kernel) -> Result<Self> {
        options.validate()?;
        let geometry = Letterbox::fit(1, 1, options.input_width, options.input_height)?;
        let net =
            model::load(bytes, geometry.tensor_width as usize, geometry.tensor_height as usize, kernel)?;
        Ok(Self { net: Arc::new(net), options, shape_check: true })
    }

    /// The same detector keeping boxes of every shape (no [`MAX_FACE_ASPECT`] check), to
    /// measure what the check removes. Not a stable API.
    #[doc(hidden)]
    pub fn without_shape_check(mut self) -> Self {
        self.shape_check = false;
        self
    }

    /// The options this detector was made with.
    pub fn options(&self) -> &DetectorOptions {
        &self.options
    }

    /// Which engine and micro-kernel run the detector.
    pub fn engine(&self) -> String {
        format!("glasses engine, {} kernels", self.net.kernel().name())
    }

    /// Where a `width x height` picture goes in this detector's input.
    pub fn letterbox(&self, width: u32, height: u32) -> Result<Letterbox> {
        Letterbox::fit(width, height, self.options.input_width, self.options.input_height)
    }

    /// The faces in `image`, largest box first.
    pub fn detect_rgb(&self, image: &RgbImage) -> Result<Vec<DetectedFace>> {
        let letterbox = self.letterbox(image.width(), image.height())?;
        let tensor = letterbox.tensor_from_rgb(image)?;
        self.detect_tensor(&tensor, &letterbox)
    }

    /// The faces in a picture read in place (any input kind, turned upright while read): the
    /// letterboxed picture is filtered straight from the source by the classifier's sampler
    /// (the same triangle filter, bit for bit, as [`Self::detect_rgb`]'s resize), so no copy of
    /// the whole picture is made. Boxes are in pixels of the upright picture, largest first.
    pub(crate) fn detect_upright(&self, source: &Upright<'_>) -> Result<Vec<DetectedFace>> {
        let (width, height) = source.size();
        let letterbox = self.letterbox(width, height)?;
        self.detect_tensor(&letterbox.tensor_from_upright(source)?, &letterbox)
    }

    /// The faces in an input tensor written by `letterbox` (see [`Letterbox::write_bgr`]), in
    /// pixels of the letterbox's picture, largest box first.
    pub fn detect_tensor(&self, tensor: &[f32], letterbox: &Letterbox) -> Result<Vec<DetectedFace>> {
        let outputs = self.raw_outputs(tensor)?;
        let (tw, th) = (letterbox.tensor_width as usize, letterbox.tensor_height as usize);
        let mut found = decode::candidates(&outputs, tw, th, self.options.score_threshold);
        // Before suppression, so a dropped box removes no face-shaped box it overlaps.
        if self.shape_check {
            found.retain(|c| {
                let [x1, y1, x2, y2] = c.corners;
                y2 - y1 <= MAX_FACE_ASPECT * (x2 - x1)
            });
        }
        let kept = nms::suppress(found, self.options.nms_iou);
        let scale = letterbox.scale as f32;
        let (w, h) = (letterbox.width as f32, letterbox.height as f32);
        let mut faces: Vec<DetectedFace> = kept
            .into_iter()
            .filter_map(|c| {
                let [x1, y1, x2, y2] = c.corners.map(|v| v / scale);
                let (x1, x2) = (x1.clamp(0.0, w), x2.clamp(0.0, w));
                let (y1, y2) = (y1.clamp(0.0, h), y2.clamp(0.0, h));
                let size = (x2 - x1).min(y2 - y1);
                // A box entirely in the padding has no size left in the picture.
                (size > 0.0 && size >= self.options.min_face_size).then(|| DetectedFace {
                    face_box: FaceBox::new(x1, y1, x2 - x1, y2 - y1),
                    score: c.score,
                    landmarks: c.landmarks.map(|(x, y)| (x / scale, y / scale)),
                })
            })
            .collect();
        let area = |f: &DetectedFace| f.face_box.width * f.face_box.height;
        faces.sort_by(|a, b| area(b).total_cmp(&area(a)));
        Ok(faces)
    }

    /// Time per engine step over `runs` runs of `tensor`, in milliseconds, with a description of
    /// each step (for `examples/detect_latency.rs --profile`). Not a stable API.
    #[doc(hidden)]
    pub fn profile(&self, tensor: &[f32], runs: usize) -> Result<Vec<(String, f64)>> {
        if tensor.len() != self.net.input_len() {
            return Err(Error::TensorShape { expected: self.net.input_len(), actual: tensor.len() });
        }
        Ok(self.net.profile(tensor, runs))
    }

    /// The twelve head outputs for one input tensor (cls, obj, bbox, kps at strides 8, 16, 32;
    /// `[rows * cols, C]` each), for parity tests against onnxruntime. Not a stable API.
    #[doc(hidden)]
    pub fn raw_outputs(&self, tensor: &[f32]) -> Result<Vec<Vec<f32>>> {
        if tensor.len() != self.net.input_len() {
            return Err(Error::TensorShape { expected: self.net.input_len(), actual: tensor.len() });
        }
        Ok(self.net.run_outputs(tensor))
    }
}
