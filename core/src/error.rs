//! The one public error type of the crate.

use std::path::PathBuf;

/// Everything that can go wrong when loading a model or classifying an image.
///
/// The enum is non-exhaustive so that new failure kinds can be added without breaking callers;
/// match the variants you handle and keep a fallback arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The encoded image could not be decoded: empty, truncated, corrupt or of an unsupported format.
    #[error("invalid image: {reason}")]
    InvalidImage {
        /// What was wrong with the image, in words.
        reason: String,
    },

    /// The image is larger than [`crate::ClassifierOptions::max_pixels`]; refused before decoding.
    #[error("image too large: {width}x{height} = {pixels} pixels exceeds the limit of {max_pixels}")]
    ImageTooLarge {
        /// Width declared by the image header.
        width: u32,
        /// Height declared by the image header.
        height: u32,
        /// `width * height`.
        pixels: u64,
        /// The configured limit.
        max_pixels: u64,
    },

    /// A raw pixel buffer does not match its declared width, height, stride or format.
    #[error("invalid pixel buffer: {reason}")]
    InvalidPixelBuffer {
        /// What was inconsistent.
        reason: String,
    },

    /// The model bytes are not a readable ONNX model (empty, truncated, not protobuf, unsupported operators).
    #[error("invalid model: {reason}")]
    InvalidModel {
        /// What the ONNX reader or optimiser reported.
        reason: String,
    },

    /// The model is valid ONNX but breaks the glasses model contract (see [`crate::contract`]).
    #[error("model breaks the contract: {rule}")]
    ContractViolation {
        /// The rule that was broken, in words.
        rule: String,
    },

    /// A preprocessed tensor has the wrong number of values for the model's input.
    #[error("input tensor has {actual} values, the model expects {expected}")]
    TensorShape {
        /// `3 * height * width` of the model.
        expected: usize,
        /// Length of the slice given.
        actual: usize,
    },

    /// The classifier options are out of range.
    #[error("invalid options: {reason}")]
    InvalidOptions {
        /// Which option and why.
        reason: String,
    },

    /// Reading a file failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file that was read.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// The inference engine failed while running a model that loaded fine.
    #[error("inference failed: {reason}")]
    Inference {
        /// The engine's message.
        reason: String,
    },

    /// The exporter was given weights that do not fit the architecture.
    #[error("export failed: {reason}")]
    Export {
        /// Which tensor was missing or had the wrong shape.
        reason: String,
    },

    /// No model is bundled in this build (the `bundled-model` feature is off).
    #[error("this build has no bundled model (enable the `bundled-model` feature or load a model file)")]
    NoBundledModel,
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid_image(reason: impl Into<String>) -> Self {
        Self::InvalidImage { reason: reason.into() }
    }
    pub(crate) fn pixel_buffer(reason: impl Into<String>) -> Self {
        Self::InvalidPixelBuffer { reason: reason.into() }
    }
    pub(crate) fn contract(rule: impl Into<String>) -> Self {
        Self::ContractViolation { rule: rule.into() }
    }
    pub(crate) fn export(reason: impl Into<String>) -> Self {
        Self::Export { reason: reason.into() }
    }
}
