//! # glasses-core
//!
//! On-device eyeglasses classification: a face image goes in, "wears eyeglasses: yes/no" and a
//! probability come out, from a SqueezeNet ONNX model run by core's own inference engine
//! (register-tiled SIMD kernels for AVX-512, AVX2, NEON, and portable Rust elsewhere). Graphs
//! with operators outside the glasses models' nine go to [tract](https://github.com/sonos/tract)
//! with the `onnx-any` feature.
//!
//! ```no_run
//! use glasses_core::{Classifier, ClassifierOptions};
//!
//! let classifier = Classifier::bundled()?;
//! let bytes = std::fs::read("face.jpg").expect("readable file");
//! let prediction = classifier.classify_encoded(&bytes)?;
//! println!("eyeglasses: {} (p = {:.3})", prediction.has_glasses, prediction.probability);
//! # Ok::<(), glasses_core::Error>(())
//! ```
//!
//! By default every `classify*` call answers for the largest face the bundled face detector
//! finds (the whole picture when there is none; [`FaceMode`] chooses), and
//! [`Classifier::classify_faces`] answers for every face of a group photo.
//!
//! * [`preprocess`] documents the one preprocessing path that training and every surface share.
//! * [`contract`] documents what a model file must look like; `export` (feature `export`, off by
//!   default so that apps do not carry the ONNX writer) writes such files.
//!
//! Features: `bundled-model` (default: embeds the trained model), `face-detector` (default:
//! embeds the 93 KB YuNet face detector the classifier finds faces with), `onnx-any` (tract for other
//! graphs), `export` (the ONNX writer, for the trainer and tools).
#![deny(missing_docs)]
#![deny(clippy::unwrap_used)]
// `unsafe` lives in five places only (the SIMD micro-kernels, the AVX2 resize, zeroed
// allocation, the AVX state check, the inference threads' hand-off of borrowed work), each
// allowed where it is and each block documented.
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

// The data path, in order: image in (files found by `folder`) -> model file -> engine -> prediction.
mod classifier;
mod detect;
mod folder;
mod input;
mod model;
mod net;
mod options;
mod prediction;
// Beside the path: errors, bounded reads and allocations, the ONNX writer.
mod error;
#[cfg(feature = "export")]
pub mod export;
#[allow(unsafe_code)]
mod memory;
#[allow(unsafe_code)]
mod simd_state;
#[allow(unsafe_code)]
mod workers;

// The documented module paths (`glasses_core::preprocess`, `glasses_core::contract`, ...).
pub use input::{preprocess, region, unsupported, yuv};
pub use model::contract;
// The ONNX messages core reads and writes, public for the tests and tools that build or edit
// graphs (core's tests, the parity crate, the fuzz harness); not a stable API.
#[doc(hidden)]
pub use model::onnx_pb;

/// Measurements for the benchmarks and examples (`int8_latency`); not a stable API.
#[doc(hidden)]
pub mod bench_support {
    pub use crate::net::kernel::peak_macs_per_second;
    pub use crate::workers::handoff_micros;
}

pub use classifier::{Classifier, ModelInfo};
pub use detect::{DetectedFace, DetectorOptions, FaceDetector, Letterbox, MAX_FACE_ASPECT};
pub use error::{Error, ErrorKind, Result};
pub use folder::{
    FolderScan, SkipReason, SkippedFile, find_images, find_images_tolerant, is_image_path, scan_folder,
};
pub use image;
pub use input::orientation::Orientation;
pub use input::pixels::{PixelBuffer, PixelFormat};
pub use input::preprocess::Preprocessing;
pub use input::region::{FaceBox, FaceFraming};
pub use input::request::{FaceMode, Input, Request};
pub use input::unsupported::UnsupportedFormat;
pub use input::yuv::{YuvFrame, YuvRange};
pub use memory::read_regular_file;
pub use model::contract::ModelMetadata;
pub use options::{
    ClassifierOptions, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_MODEL_BYTES, FALLBACK_THRESHOLD,
    MAX_INFERENCE_THREADS,
};
pub use prediction::{Eyewear, EyewearProbabilities, FaceResult, Prediction, softmax, softmax_eyeglasses};
