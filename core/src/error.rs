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

    /// The encoded image ends before its last byte of picture data (a JPEG without its end
    /// marker, a cut-off download). Decoders fill the missing part silently, which changes the
    /// answer, so it is refused unless [`crate::ClassifierOptions::accept_truncated`] is set.
    #[error("truncated image: {reason}")]
    TruncatedImage {
        /// What was missing, in words.
        reason: String,
    },

    /// A buffer the input asks for could not be allocated; the call failed, the process lives.
    #[error("out of memory: cannot allocate {bytes} bytes for {what}")]
    OutOfMemory {
        /// Size of the failed allocation.
        bytes: u64,
        /// What the memory was for.
        what: &'static str,
    },

    /// A file is larger than the configured limit ([`crate::ClassifierOptions::max_file_bytes`]
    /// for images, [`crate::ClassifierOptions::max_model_bytes`] for models); nothing was read.
    #[error("{path}: file of {size} bytes exceeds the limit of {max_bytes} bytes")]
    FileTooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The configured limit.
        max_bytes: u64,
    },

    /// The path names a folder, device, FIFO, socket or anything else than a regular file
    /// (links are followed); it is refused before it is opened for reading, so it cannot hang.
    #[error("{path} is not a regular file (it is {file_type})")]
    NotARegularFile {
        /// The path given.
        path: PathBuf,
        /// What it is instead, in words ("a folder", "a FIFO", ...).
        file_type: &'static str,
    },

    /// A face region (see [`crate::FaceBox`]) that cannot be used: empty, negative, not finite,
    /// or wholly outside the picture.
    #[error("invalid face region: {reason}")]
    InvalidRegion {
        /// What was wrong with the box, in words.
        reason: String,
    },

    /// [`crate::FaceMode::Detect`] found no face in the picture (the face detector's options,
    /// such as [`crate::DetectorOptions::min_face_size`], decide what counts as one).
    #[error("no face found in the {width}x{height} picture")]
    NoFace {
        /// Width of the upright picture searched.
        width: u32,
        /// Height of the upright picture searched.
        height: u32,
    },

    /// Faces were asked for ([`crate::FaceMode::Detect`], [`crate::Classifier::detect_faces`])
    /// but this build has no face detector (the `face-detector` feature is off).
    #[error("this build has no face detector (enable glasses-core's `face-detector` feature)")]
    NoFaceDetector,
}

/// Defines [`ErrorKind`], one kind per listed [`Error`] variant of the same name, and
/// [`Error::kind`]: the list of variants is written once, so a kind can never be missing or
/// mapped to another variant's.
macro_rules! error_kinds {
    ($($variant:ident),* $(,)?) => {
        /// The kind of an [`Error`], without its details: a flat, `Copy` value for code that only
        /// needs to decide what to do, such as the FFI layers that turn an error into a status
        /// code, an exception code or a Swift error case.
        ///
        /// There is one kind per [`Error`] variant, and a kind's meaning never changes, so
        /// bindings can map kinds to their own stable codes. Like [`Error`] it is non-exhaustive:
        /// new kinds may be added, so keep a fallback arm.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $(
                #[doc = concat!("See [`Error::", stringify!($variant), "`].")]
                $variant,
            )*
        }

        impl Error {
            /// The kind of this error. Bindings match on this instead of on [`Error`] itself, so a
            /// new variant is classified once, here, and every surface follows.
            pub fn kind(&self) -> ErrorKind {
                match self {
                    $(Self::$variant { .. } => ErrorKind::$variant,)*
                }
            }
        }
    };
}

error_kinds![
    InvalidImage,
    ImageTooLarge,
    InvalidPixelBuffer,
    InvalidModel,
    ContractViolation,
    TensorShape,
    InvalidOptions,
    Io,
    Inference,
    Export,
    NoBundledModel,
    TruncatedImage,
    OutOfMemory,
    FileTooLarge,
    NotARegularFile,
    InvalidRegion,
    NoFace,
    NoFaceDetector,
];

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid_image(reason: impl Into<String>) -> Self {
        Self::InvalidImage { reason: reason.into() }
    }
    pub(crate) fn pixel_buffer(reason: impl Into<String>) -> Self {
        Self::InvalidPixelBuffer { reason: reason.into() }
    }
    pub(crate) fn region(reason: impl Into<String>) -> Self {
        Self::InvalidRegion { reason: reason.into() }
    }
    pub(crate) fn contract(rule: impl Into<String>) -> Self {
        Self::ContractViolation { rule: rule.into() }
    }
    #[cfg(feature = "export")]
    pub(crate) fn export(reason: impl Into<String>) -> Self {
        Self::Export { reason: reason.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_its_kind() {
        let s = || "x".to_owned();
        // One line per variant; the exhaustive `match` in `kind()` makes a new variant fail to
        // compile until it is classified, and this list is where its intended kind is pinned.
        let cases = [
            (Error::InvalidImage { reason: s() }, ErrorKind::InvalidImage),
            (
                Error::ImageTooLarge { width: 1, height: 1, pixels: 1, max_pixels: 0 },
                ErrorKind::ImageTooLarge,
            ),
            (Error::InvalidPixelBuffer { reason: s() }, ErrorKind::InvalidPixelBuffer),
            (Error::InvalidModel { reason: s() }, ErrorKind::InvalidModel),
            (Error::ContractViolation { rule: s() }, ErrorKind::ContractViolation),
            (Error::TensorShape { expected: 2, actual: 1 }, ErrorKind::TensorShape),
            (Error::InvalidOptions { reason: s() }, ErrorKind::InvalidOptions),
            (Error::Io { path: "p".into(), source: std::io::ErrorKind::NotFound.into() }, ErrorKind::Io),
            (Error::Inference { reason: s() }, ErrorKind::Inference),
            (Error::Export { reason: s() }, ErrorKind::Export),
            (Error::NoBundledModel, ErrorKind::NoBundledModel),
            (Error::TruncatedImage { reason: s() }, ErrorKind::TruncatedImage),
            (Error::OutOfMemory { bytes: 1, what: "x" }, ErrorKind::OutOfMemory),
            (Error::FileTooLarge { path: "p".into(), size: 2, max_bytes: 1 }, ErrorKind::FileTooLarge),
            (Error::NotARegularFile { path: "p".into(), file_type: "a FIFO" }, ErrorKind::NotARegularFile),
            (Error::InvalidRegion { reason: s() }, ErrorKind::InvalidRegion),
            (Error::NoFace { width: 1, height: 1 }, ErrorKind::NoFace),
            (Error::NoFaceDetector, ErrorKind::NoFaceDetector),
        ];
        for (error, kind) in &cases {
            assert_eq!(error.kind(), *kind, "{error}");
        }
        // Distinct variants never share a kind, so no surface loses a distinction core makes.
        let kinds: std::collections::HashSet<_> = cases.iter().map(|(_, k)| *k).collect();
        assert_eq!(kinds.len(), cases.len());
    }
}
