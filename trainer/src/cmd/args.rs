//! Arguments several subcommands share: the data folders and split, the hyperparameters of a
//! training run, and the machine it runs on.

use std::path::PathBuf;

use clap::Args;
use glasses_core::export::Architecture;
use glasses_core::preprocess::ResizeMode;
use glasses_trainer::checkpoint::TrainConfig;
use glasses_trainer::data::{Dataset, fold_split, identity_folds};
use glasses_trainer::device::DeviceChoice;
use glasses_trainer::pipeline::DataOptions;

/// The split of the commands that measure or draw from finished data: every labelled image of
/// the data folders, sunglasses/ read, split by person as `train --all-data --sunglasses` splits
/// it with the same seed and fold count, so their numbers compare with the training report's.
#[derive(Debug, Args)]
pub struct FoldArgs {
    /// Data folders (repeatable), split by person over their union into --folds folds with --seed,
    /// every labelled image used, sunglasses/ read (as `train --all-data --sunglasses`).
    #[arg(long, required = true)]
    pub images_path: Vec<PathBuf>,
    /// Identity-disjoint folds.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Seed of the folds (and of whatever else the command draws).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The held-out fold: `checks` measures on it, `groups` shows its people, `quantize` never
    /// calibrates on it.
    #[arg(long, default_value_t = 0)]
    pub val_fold: usize,
}

/// The data folders read and split by [`FoldArgs`].
pub struct Folds {
    pub dataset: Dataset,
    /// Indices of every fold but the held-out one, sorted.
    pub train: Vec<usize>,
    /// Indices of the held-out fold.
    pub val: Vec<usize>,
}

impl FoldArgs {
    /// Reads the data folders and splits them; a --val-fold past the last fold is an error.
    pub fn split(&self) -> anyhow::Result<Folds> {
        let dataset = Dataset::scan_roots(&self.images_path, true)?;
        let folds = identity_folds(&dataset, &dataset.all_indices(), self.folds, self.seed)?;
        if self.val_fold >= folds.len() {
            anyhow::bail!("fold {} does not exist ({} folds)", self.val_fold, folds.len());
        }
        let (train, val) = fold_split(&folds, self.val_fold);
        Ok(Folds { dataset, train, val })
    }
}

#[derive(Debug, Args)]
pub struct DataArgs {
    /// Data folder with 0/ (no eyeglasses), 1/ (eyeglasses) and optionally sunglasses/ and
    /// manifest.csv (file,folder,identity). Repeat for several folders: they are read as one set,
    /// split by person over the union.
    #[arg(long, required = true)]
    images_path: Vec<PathBuf>,
    /// Use every labelled image, not the study's balanced subset (with --balanced-sampling the
    /// sampler evens out the classes).
    #[arg(long)]
    all_data: bool,
    /// Read sunglasses/ as a third class (none / eyeglasses / sunglasses).
    #[arg(long)]
    sunglasses: bool,
    /// Read sunglasses/ as "no eyeglasses" (a two-class model) on the same folds and checks as
    /// --sunglasses, to compare the two choices.
    #[arg(long, conflicts_with = "sunglasses")]
    sunglasses_as_negatives: bool,
    /// How pictures are fitted to the input: stretch (the study's models) or center_crop (keeps
    /// the aspect ratio; recorded in the exported model).
    #[arg(long, default_value = "stretch", value_parser = parse_resize)]
    resize: ResizeMode,
    /// Square input size in pixels (overridden by --input-width/--input-height).
    #[arg(long, default_value_t = 96)]
    input_size: u32,
    /// Input width in pixels.
    #[arg(long)]
    input_width: Option<u32>,
    /// Input height in pixels.
    #[arg(long)]
    input_height: Option<u32>,
    /// Seed of the balanced subset, the folds, initialisation and augmentation.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Identity-disjoint folds of the balanced set.
    #[arg(long, default_value_t = 5)]
    folds: usize,
}

fn parse_resize(text: &str) -> Result<ResizeMode, String> {
    match text {
        "stretch" => Ok(ResizeMode::Stretch),
        "center_crop" | "center-crop" => Ok(ResizeMode::CenterCrop),
        other => Err(format!("expected stretch or center_crop, got {other:?}")),
    }
}

impl DataArgs {
    pub fn options(&self) -> DataOptions {
        DataOptions {
            images_paths: self.images_path.clone(),
            all_data: self.all_data,
            sunglasses: self.sunglasses || self.sunglasses_as_negatives,
            sunglasses_as_negatives: self.sunglasses_as_negatives,
            resize: self.resize,
            split_seed: self.seed,
            folds: self.folds,
            input_width: self.input_width.unwrap_or(self.input_size),
            input_height: self.input_height.unwrap_or(self.input_size),
        }
    }
}

#[derive(Debug, Args)]
pub struct HyperArgs {
    /// Passes over the training set.
    #[arg(long, default_value_t = 100)]
    pub epochs: usize,
    /// Images per step.
    #[arg(long, default_value_t = 40)]
    batch_size: usize,
    /// Peak learning rate of AdamW (default: 2e-3 SqueezeNet, 1e-3 ResNet-18).
    #[arg(long)]
    lr: Option<f64>,
    /// AdamW decoupled weight decay (not applied to biases and BatchNorm).
    #[arg(long, default_value_t = 0.05)]
    weight_decay: f64,
    /// Epochs of linear warm-up before the cosine decay.
    #[arg(long, default_value_t = 3)]
    warmup_epochs: usize,
    /// Distillation weight of the soft-target term.
    #[arg(long, default_value_t = 0.7)]
    alpha: f64,
    /// Distillation temperature.
    #[arg(long, default_value_t = 4.0)]
    temperature: f64,
    /// Train without augmentation.
    #[arg(long)]
    no_augment: bool,
    /// SqueezeNet: backward slope below zero of the final ReLU in training (0 = plain ReLU);
    /// keeps the class scores from dying. Outputs and export are unaffected.
    #[arg(long, default_value_t = glasses_trainer::checkpoint::default_final_relu_grad_leak())]
    final_relu_grad_leak: f64,
    /// Mix this many further negatives (outside the balanced set, never of validation people or
    /// of the held-out check set) into every epoch, a fresh draw each epoch; with --teacher they
    /// are distilled like the rest. 0 = the balanced set only.
    #[arg(long, default_value_t = 0)]
    extra_negatives: usize,
    /// Start from ImageNet: torchvision-named weights in a safetensors file (e.g.
    /// ../shared/pretrained/squeezenet1_1-imagenet.safetensors); the classifier head is re-created.
    #[arg(long)]
    init: Option<PathBuf>,
    /// Draw each epoch's images with every class equally likely.
    #[arg(long)]
    balanced_sampling: bool,
    /// Images per epoch with --balanced-sampling (default: the training set's size).
    #[arg(long, default_value_t = 0)]
    epoch_size: usize,
    /// Stronger augmentation for photos unlike the training crops (low resolution, blur, gamma,
    /// colour casts, noise, wider crops).
    #[arg(long)]
    robust_augment: bool,
    /// Framing invariance (implies --robust-augment): random crops from face-filling (the face
    /// detector's box) to 1.5x wider than the training crops, off-centre and through other
    /// aspect ratios, edges repeated past the picture, plus faces down to 40 px and hard-lit
    /// grayscale.
    #[arg(long)]
    framing_augment: bool,
    /// With --framing-augment: probability of hard-lit grayscale per picture (default 0.12).
    #[arg(long, requires = "framing_augment")]
    gray_hard_share: Option<f64>,
}

impl HyperArgs {
    pub fn config(&self, arch: Architecture, data: &DataOptions, distilled: bool) -> TrainConfig {
        let default_lr = if arch == Architecture::ResNet18 { 1e-3 } else { 2e-3 };
        TrainConfig {
            architecture: arch.name().to_owned(),
            epochs: self.epochs,
            batch_size: self.batch_size,
            input_width: data.input_width,
            input_height: data.input_height,
            lr: self.lr.unwrap_or(default_lr),
            weight_decay: self.weight_decay,
            warmup_epochs: self.warmup_epochs,
            seed: data.split_seed,
            alpha: if distilled { self.alpha } else { 0.0 },
            temperature: self.temperature,
            augment: !self.no_augment,
            final_relu_grad_leak: self.final_relu_grad_leak,
            extra_negatives_per_epoch: self.extra_negatives,
            init_from: None,
            prune_fraction: 0.0,
            classes: data.classes(),
            init_weights: self.init.clone(),
            balanced_sampling: self.balanced_sampling,
            epoch_size: self.epoch_size,
            robust_augment: self.robust_augment || self.framing_augment,
            framing_augment: self.framing_augment,
            unlabelled: false,
            hard_negatives: None,
            hard_negative_factor: 0.0,
            gray_hard_share: self.gray_hard_share,
        }
    }
}

#[derive(Debug, Args)]
pub struct MachineArgs {
    /// auto (CUDA when available), cpu or cuda.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
    /// libtorch CPU threads (default: libtorch's choice).
    #[arg(long)]
    threads: Option<i32>,
}

impl MachineArgs {
    pub fn device(&self) -> anyhow::Result<tch::Device> {
        if let Some(n) = self.threads {
            tch::set_num_threads(n);
        }
        Ok(self.device.resolve()?)
    }
}
