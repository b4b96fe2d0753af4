//! Run folders and checkpoints. A checkpoint is one file (`checkpoint.ot`, libtorch's
//! `save_multi` format) holding the weights, the optimiser state and the run's JSON metadata, so
//! weights and metadata can never disagree; it is written to a temporary file and renamed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use glasses_core::export::Architecture;
use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::model::Network;
use crate::optim::AdamW;

/// File name of the checkpoint inside a run folder.
pub const CHECKPOINT_FILE: &str = "checkpoint.ot";
const META_KEY: &str = "meta.json";
const MODEL_PREFIX: &str = "model/";

/// Hyper-parameters of one training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// `squeezenet1_1` or `resnet18`.
    pub architecture: String,
    /// Passes over the training set.
    pub epochs: usize,
    /// Images per step.
    pub batch_size: usize,
    /// Input width in pixels.
    pub input_width: u32,
    /// Input height in pixels.
    pub input_height: u32,
    /// Peak learning rate (AdamW).
    pub lr: f64,
    /// Decoupled weight decay.
    pub weight_decay: f64,
    /// Epochs of linear warm-up before the cosine decay.
    pub warmup_epochs: usize,
    /// Seed of initialisation, shuffling, dropout and augmentation.
    pub seed: u64,
    /// Weight of the distillation term (0 = plain training).
    pub alpha: f64,
    /// Softmax temperature of the distillation term.
    pub temperature: f64,
    /// Whether training batches are augmented.
    pub augment: bool,
    /// SqueezeNet only: backward slope below zero of the final ReLU in training (0 = plain ReLU),
    /// see [`crate::model::relu_with_leaky_gradient`]. Runs saved before this setting existed
    /// read as 0.1, the value they were resumed with.
    #[serde(default = "default_final_relu_grad_leak")]
    pub final_relu_grad_leak: f64,
    /// Further "no eyeglasses" images (outside the balanced set, from the training pool of
    /// [`crate::pipeline::Prepared::negative_pools`]) mixed into every epoch, a fresh seeded draw
    /// each epoch; 0 = the balanced set only. Older runs read as 0.
    #[serde(default)]
    pub extra_negatives_per_epoch: usize,
    /// Start from this finished run's weights (its checkpoint.ot or run folder) instead of a fresh
    /// initialisation: fine-tuning. Older runs read as `None`.
    #[serde(default)]
    pub init_from: Option<std::path::PathBuf>,
    /// Fraction of each layer's smallest weights zeroed at the start and kept at zero through
    /// training ([`crate::prune`]); 0 = no pruning. Older runs read as 0.
    #[serde(default)]
    pub prune_fraction: f64,
    /// Number of output classes: 2, or 3 with sunglasses. Older runs read as 2.
    #[serde(default = "default_classes")]
    pub classes: usize,
    /// Start from these ImageNet weights (a safetensors file with torchvision's names); the
    /// classifier head is initialised afresh. Older runs read as `None`.
    #[serde(default)]
    pub init_weights: Option<std::path::PathBuf>,
    /// Draw every epoch's images so that each class is equally likely (with replacement within a
    /// class), instead of one pass over the training set. Older runs read as false.
    #[serde(default)]
    pub balanced_sampling: bool,
    /// Images per epoch with `balanced_sampling` (0 = the size of the training set).
    #[serde(default)]
    pub epoch_size: usize,
    /// The stronger augmentation for photos from other sources (blur, downscaling, gamma, noise,
    /// wider crops), see [`crate::augment::Augment::robust`]. Older runs read as false.
    #[serde(default)]
    pub robust_augment: bool,
    /// Framing invariance on top of the robust augmentation: crops from the face detector's box
    /// to 1.5x wide, low resolution, hard-lit grayscale (see [`crate::framing`]). Older runs read
    /// as false.
    #[serde(default)]
    pub framing_augment: bool,
    /// Also train on the unlabelled `unclear/` faces of the training people, from cached teacher
    /// labels only (see [`crate::soft_labels`]). Older runs read as false.
    #[serde(default)]
    pub unlabelled: bool,
    /// Hard-negative mining: the mined score file whose hard faces the balanced sampler draws
    /// more often (see [`crate::hard_negatives`]). Older runs read as none.
    #[serde(default)]
    pub hard_negatives: Option<std::path::PathBuf>,
    /// How much more often the hardest mined face is drawn than an easy one of its class
    /// (0 without [`Self::hard_negatives`]). Older runs read as 0.
    #[serde(default)]
    pub hard_negative_factor: f64,
    /// With framing augmentation: the probability of hard-lit grayscale, when not the default's.
    /// Older runs read as none (the default).
    #[serde(default)]
    pub gray_hard_share: Option<f64>,
}

fn default_resize() -> String {
    "stretch".to_owned()
}

fn default_classes() -> usize {
    2
}

/// Default of [`TrainConfig::final_relu_grad_leak`].
pub fn default_final_relu_grad_leak() -> f64 {
    0.1
}

impl TrainConfig {
    /// The architecture named by [`Self::architecture`].
    pub fn arch(&self) -> Result<Architecture> {
        self.architecture.parse().map_err(|e: glasses_core::Error| Error::Config(e.to_string()))
    }
}

/// Where the training and validation images came from, so `export` can rebuild the validation set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSpec {
    /// The data folders.
    pub images_paths: Vec<PathBuf>,
    /// Every labelled image was used, not the balanced subset.
    #[serde(default)]
    pub all_data: bool,
    /// `sunglasses/` was read as a third class.
    #[serde(default)]
    pub sunglasses: bool,
    /// How pictures were fitted to the input (`stretch` or `center_crop`).
    #[serde(default = "default_resize")]
    pub resize: String,
    /// Sunglasses trained as "no eyeglasses" (two classes). Older runs read as false.
    #[serde(default)]
    pub sunglasses_as_negatives: bool,
    /// Seed of the balanced subset and of the identity folds.
    pub split_seed: u64,
    /// Number of identity folds.
    pub folds: usize,
    /// The fold used for validation.
    pub val_fold: usize,
}

/// One epoch's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// 1-based epoch.
    pub epoch: usize,
    /// Learning rate at the epoch's last step.
    pub lr: f64,
    /// Mean training loss (including the distillation term).
    pub train_loss: f64,
    /// Validation cross-entropy.
    pub val_loss: f64,
    /// Validation metrics at threshold 0.5.
    pub val: Metrics,
    /// Wall time of the epoch in seconds.
    pub seconds: f64,
}

/// Everything about a run except the tensors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    /// Hyper-parameters.
    pub config: TrainConfig,
    /// Data the run was trained on, when it came from a data folder.
    pub data: Option<DataSpec>,
    /// Teacher checkpoint, for distilled runs.
    pub teacher: Option<PathBuf>,
    /// Epochs completed.
    pub epoch: usize,
    /// Per-epoch statistics.
    pub history: Vec<EpochStats>,
}

impl RunMeta {
    /// Whether every epoch has run.
    pub fn finished(&self) -> bool {
        self.epoch >= self.config.epochs
    }
}

/// The checkpoint file of a run folder, or `path` itself when it is a file.
pub fn checkpoint_path(path: &Path) -> PathBuf {
    if path.is_dir() { path.join(CHECKPOINT_FILE) } else { path.to_owned() }
}

/// Writes weights, optimiser state and metadata atomically to `path`.
pub fn save(path: &Path, net: &Network, opt: &AdamW, meta: &RunMeta) -> Result<()> {
    let json = serde_json::to_vec(meta).map_err(|e| Error::Json { path: path.to_owned(), source: e })?;
    let mut named: Vec<(String, Tensor)> =
        net.vs.variables().into_iter().map(|(n, t)| (format!("{MODEL_PREFIX}{n}"), t.detach())).collect();
    named.extend(opt.state());
    named.push((META_KEY.to_owned(), Tensor::from_slice(&json)));
    named.push(("adam.step".to_owned(), Tensor::from_slice(&[opt.step])));
    let tmp = path.with_extension("ot.tmp");
    Tensor::save_multi(&named, &tmp)?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Reads only the metadata of a checkpoint.
pub fn read_meta(path: &Path) -> Result<RunMeta> {
    let tensors = load_all(path)?;
    meta_of(path, &tensors)
}

fn load_all(path: &Path) -> Result<HashMap<String, Tensor>> {
    if !path.is_file() {
        return Err(Error::run(path, "no checkpoint here"));
    }
    let list = Tensor::load_multi_with_device(path, Device::Cpu)
        .map_err(|e| Error::run(path, format!("not a readable checkpoint: {e}")))?;
    Ok(list.into_iter().collect())
}

fn meta_of(path: &Path, tensors: &HashMap<String, Tensor>) -> Result<RunMeta> {
    let bytes = tensors.get(META_KEY).ok_or_else(|| Error::run(path, "checkpoint lacks its metadata"))?;
    let bytes = Vec::<u8>::try_from(bytes)?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Json { path: path.to_owned(), source: e })
}

/// Loads a checkpoint into a new network on `device` (and into `opt` when given).
pub fn load(path: &Path, device: Device) -> Result<(Network, RunMeta, HashMap<String, Tensor>)> {
    let tensors = load_all(path)?;
    let meta = meta_of(path, &tensors)?;
    let net = Network::with_classes(meta.config.arch()?, meta.config.classes, device)?;
    let mut missing = Vec::new();
    tch::no_grad(|| {
        for (name, mut var) in net.vs.variables() {
            match tensors.get(&format!("{MODEL_PREFIX}{name}")) {
                Some(t) if t.size() == var.size() => var.copy_(t),
                _ => missing.push(name),
            }
        }
    });
    if !missing.is_empty() {
        return Err(Error::run(path, format!("checkpoint lacks or misshapes {}", missing.join(", "))));
    }
    Ok((net, meta, tensors))
}

/// Restores the optimiser part of a checkpoint loaded with [`load`].
pub fn restore_optimizer(path: &Path, opt: &mut AdamW, tensors: &HashMap<String, Tensor>) -> Result<()> {
    let missing = opt.load_state(tensors);
    if !missing.is_empty() {
        return Err(Error::run(path, format!("checkpoint lacks optimiser state {}", missing.join(", "))));
    }
    let step = tensors.get("adam.step").ok_or_else(|| Error::run(path, "checkpoint lacks adam.step"))?;
    opt.step = step.int64_value(&[0]);
    Ok(())
}
