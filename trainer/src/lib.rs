//! # glasses-trainer
//!
//! Trains the glasses classifier (SqueezeNet 1.1, from ImageNet weights or from scratch, optionally
//! distilled from a teacher) with [tch](https://github.com/LaurentMazare/tch-rs) / libtorch 2.13, and exports it
//! through [`glasses_core::export`] so training and inference share one preprocessing path and one
//! model contract.
//!
//! * [`data`]: the labelled folder (`0/`, `1/`, `manifest.csv`), identity-disjoint folds, and the
//!   input tensors made by glasses-core's preprocessing.
//! * [`model`]: the networks, with torchvision parameter names; [`init`]: ImageNet weights.
//! * [`checks`]: the check sets (grayscale, square crops, other resolutions) every model is
//!   measured on besides the validation fold.
//! * [`soft_labels`]: teacher probabilities computed once per face (unlabelled ones too) for
//!   distillation.
//! * [`hard_negatives`]: faces a model gets wrong, drawn more often by the [`sampler`].
//! * [`train`]: the loop, distillation, checkpoints ([`checkpoint`]), reports ([`report`]).
//! * [`export`]: ONNX through glasses-core; [`cv`]: k-fold cross-validation (Table 1);
//!   [`prune`]: magnitude pruning for the size experiments; [`latency`]: libtorch's inference
//!   time for the speed comparison.
#![deny(missing_docs)]

pub mod augment;
pub mod checkpoint;
pub mod checks;
pub mod cv;
pub mod data;
pub mod device;
mod error;
pub mod export;
pub mod framing;
pub mod framing_checks;
pub mod hard_negatives;
pub mod init;
pub mod latency;
pub mod metrics;
pub mod model;
pub mod model_checks;
pub mod operating;
pub mod optim;
pub mod pipeline;
pub mod prune;
pub mod report;
pub mod rng;
pub mod sampler;
pub mod soft_labels;
pub mod train;

pub use error::{Error, Result};
