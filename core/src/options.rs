//! The classifier's options: limits, threshold, face framing, detector settings, threads.

use crate::contract::ModelMetadata;
use crate::detect::DetectorOptions;
use crate::error::{Error, Result};
use crate::preprocess::DEFAULT_MAX_PIXELS;
use crate::region::FaceFraming;

/// Default size limit for image files read by [`Classifier::classify_path`]: 64 MiB. A face photo
/// is rarely over 20 MB, even a 50-megapixel JPEG at top quality.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 << 20;

/// Default size limit for model files read by [`Classifier::from_file`]: 256 MiB (the bundled
/// model is 0.75 MB, the ResNet-18 teacher in fp32 about 45 MB).
pub const DEFAULT_MAX_MODEL_BYTES: u64 = 256 << 20;

/// The decision threshold on P(eyeglasses) when neither the caller nor the model file sets one.
pub const FALLBACK_THRESHOLD: f32 = 0.5;

/// Tunable behaviour, with defaults that suit most callers.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct ClassifierOptions {
    /// Decision threshold on P(eyeglasses), in `[0, 1]`. Default `None`: the model file's own
    /// threshold ([`ModelMetadata::default_threshold`], chosen by the trainer on held-out data),
    /// or [`FALLBACK_THRESHOLD`] for a file that has none; [`Classifier::threshold`] gives the
    /// one in force.
    pub threshold: Option<f32>,
    /// Largest image (width x height) decoded; larger ones fail with
    /// [`Error::ImageTooLarge`] before any pixels are decoded. Default 64 megapixels. Values above
    /// [`crate::preprocess::MAX_PIXELS_CEILING`] are clamped to it.
    pub max_pixels: u64,
    /// Classify truncated pictures (a JPEG cut before its end marker) as far as they decode,
    /// instead of failing with [`Error::TruncatedImage`]. Default `false`: the decoder fills the
    /// missing part and the answer silently changes.
    pub accept_truncated: bool,
    /// Largest image file [`Classifier::classify_path`] reads; larger ones fail with
    /// [`Error::FileTooLarge`] before they are read. Default [`DEFAULT_MAX_FILE_BYTES`].
    pub max_file_bytes: u64,
    /// Largest model file [`Classifier::from_file`] reads. Default [`DEFAULT_MAX_MODEL_BYTES`].
    pub max_model_bytes: u64,
    /// How [`Classifier::classify_region`] expands a face detector's box to the model's framing.
    /// Default [`FaceFraming::HAAR_CELEBA`], measured for the bundled model's training crops.
    pub face_framing: FaceFraming,
    /// The face detector's input size, score threshold, overlap and smallest face, for
    /// [`FaceMode::Auto`] and [`FaceMode::Detect`] requests and [`Classifier::detect_faces`].
    /// Default [`DetectorOptions::default`].
    pub detector: DetectorOptions,
    /// Level a detected face before classifying it: its framing is sampled turned by the eye
    /// line's angle ([`DetectedFace::eye_line_angle`]). Only faces the detector found are
    /// turned; a caller's box is framed as it is. Default `false`, and hidden: measured, it does
    /// not help (YuNet's eye landmarks follow a turned face's eyes only part of the way,
    /// docs/PERFORMANCE.md); kept so `bench/align-eval.sh` reruns on other models. Not a stable
    /// API.
    #[doc(hidden)]
    pub align_faces: bool,
    /// Threads one picture's inference is split over: the classifier starts `threads - 1`
    /// workers (parked between pictures, stopped when its last clone is dropped) and the calling
    /// thread is the last. Default 1: no extra threads. 0 means one per available core (at
    /// most [`MAX_INFERENCE_THREADS`]); a count above [`MAX_INFERENCE_THREADS`] is refused
    /// ([`crate::Error::InvalidOptions`]), as every surface refuses it. The answers are the same
    /// bits at any count. One picture uses the workers at a time: a picture classified concurrently on
    /// another thread runs on that thread alone (for many pictures, parallel pictures beat
    /// split pictures).
    pub threads: usize,
}

/// The most threads [`ClassifierOptions::threads`] splits one inference over.
pub const MAX_INFERENCE_THREADS: usize = crate::workers::MAX_THREADS;

impl Default for ClassifierOptions {
    fn default() -> Self {
        Self {
            threshold: None,
            max_pixels: DEFAULT_MAX_PIXELS,
            accept_truncated: false,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_model_bytes: DEFAULT_MAX_MODEL_BYTES,
            face_framing: FaceFraming::default(),
            detector: DetectorOptions::default(),
            align_faces: false,
            threads: 1,
        }
    }
}

/// The `with_*` builder methods that set one field to the value given, each with its own
/// documentation.
macro_rules! setters {
    ($($(#[$attr:meta])* $name:ident: $field:ident: $ty:ty;)*) => {
        $(
            $(#[$attr])*
            pub fn $name(mut self, $field: $ty) -> Self {
                self.$field = $field;
                self
            }
        )*
    };
}

impl ClassifierOptions {
    setters! {
        /// Sets the pixel limit for decoded images.
        with_max_pixels: max_pixels: u64;
        /// Sets whether truncated pictures are classified (`true`) or refused (`false`, the
        /// default).
        with_accept_truncated: accept_truncated: bool;
        /// Sets the size limit for image files read from a path.
        with_max_file_bytes: max_file_bytes: u64;
        /// Sets how a face detector's box is expanded to the model's framing
        /// ([`Classifier::classify_region`]).
        with_face_framing: face_framing: FaceFraming;
        /// Sets the face detector's options.
        with_detector: detector: DetectorOptions;
        /// Sets whether detected faces are levelled by their eye line before they are classified
        /// (see [`Self::align_faces`]). Not a stable API.
        #[doc(hidden)]
        with_align_faces: align_faces: bool;
        /// Sets the threads one picture's inference is split over (0: one per core).
        with_threads: threads: usize;
        /// Sets the size limit for model files read from a path.
        with_max_model_bytes: max_model_bytes: u64;
    }
    /// Sets the decision threshold, in place of the model's own.
    pub fn with_threshold(mut self, threshold: f32) -> Self {
        self.threshold = Some(threshold);
        self
    }
    /// The threshold these options decide with on a model with `metadata`: the one set here,
    /// else the file's default, else [`FALLBACK_THRESHOLD`].
    pub fn threshold_for(&self, metadata: &ModelMetadata) -> f32 {
        self.threshold.or(metadata.default_threshold).unwrap_or(FALLBACK_THRESHOLD)
    }
    /// The threads these options split an inference over: [`ClassifierOptions::threads`], 0
    /// resolved to the available cores, at most [`MAX_INFERENCE_THREADS`].
    pub fn inference_threads(&self) -> usize {
        let threads = match self.threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        threads.min(MAX_INFERENCE_THREADS)
    }
    pub(crate) fn validate(&self) -> Result<()> {
        if let Some(threshold) = self.threshold.filter(|t| !(0.0..=1.0).contains(t)) {
            return Err(Error::InvalidOptions { reason: format!("threshold {threshold} is outside [0, 1]") });
        }
        if self.max_pixels == 0 {
            return Err(Error::InvalidOptions { reason: "max_pixels must be positive".into() });
        }
        self.face_framing.validate()?;
        self.detector.validate()?;
        if self.max_file_bytes == 0 || self.max_model_bytes == 0 {
            return Err(Error::InvalidOptions { reason: "file size limits must be positive".into() });
        }
        if self.threads > MAX_INFERENCE_THREADS {
            let reason = format!(
                "threads {} is more than {MAX_INFERENCE_THREADS} (0 means one per core)",
                self.threads
            );
            return Err(Error::InvalidOptions { reason });
        }
        Ok(())
    }
}
