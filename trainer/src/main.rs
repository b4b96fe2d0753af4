//! `glasses-trainer`: train, cross-validate and export the glasses classifier.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use glasses_core::export::{Architecture, WeightPrecision};
use glasses_core::preprocess::ResizeMode;
use glasses_trainer::checkpoint::{self, TrainConfig};
use glasses_trainer::checks::{CheckReport, ValidationParts};
use glasses_trainer::cv::{self, CvOptions, RecipeRow};
use glasses_trainer::device::DeviceChoice;
use glasses_trainer::export::{self, CELEBA_LICENSE};
use glasses_trainer::latency;
use glasses_trainer::metrics::Metrics;
use glasses_trainer::operating;
use glasses_trainer::pipeline::{DataOptions, Prepared};
use glasses_trainer::prune;
use glasses_trainer::report;
use glasses_trainer::train::{self, RunPolicy, Teacher};

mod groups;

#[derive(Debug, Parser)]
#[command(
    name = "glasses-trainer",
    version,
    about = "Train, cross-validate and export the glasses classifier (tch/libtorch)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train one model on the balanced set, holding out one identity-disjoint fold for validation.
    Train(TrainArgs),
    /// k-fold cross-validation by identity of ResNet-18, SqueezeNet and distilled SqueezeNet (Table 1).
    Cv(CvArgs),
    /// Export a checkpoint to fp32 and int8 ONNX through glasses-core and check both on the validation fold.
    Export(ExportArgs),
    /// Time one-image inference of a freshly initialised network in libtorch (bench/compare.sh, TORCH=1).
    Latency(LatencyArgs),
    /// Measure ONNX model files through glasses-core on a validation fold and its check sets
    /// (grayscale, square tight crop, 2x, 0.5x), each with its own preprocessing.
    Checks(ChecksArgs),
    /// Label every face once with teacher models (for `train --soft-labels`): 0/, 1/,
    /// sunglasses/ and the unlabelled unclear/ of each data folder, through glasses-core.
    Label(LabelArgs),
    /// Wide pictures of several held-out people (and face-filling crops of them) with the boxes
    /// where their faces are, for `core/examples/faces_eval.rs` (bench/faces-eval.sh).
    Groups(groups::GroupsArgs),
}

#[derive(Debug, Args)]
struct LabelArgs {
    /// Teacher model files (repeatable: an ensemble, probabilities averaged). Any input size.
    #[arg(long, required = true)]
    model: Vec<PathBuf>,
    /// Data folders (repeatable).
    #[arg(long, required = true)]
    images_path: Vec<PathBuf>,
    /// The labels file to write (CSV).
    #[arg(long)]
    out: PathBuf,
    /// Do not average each teacher with its view of the mirrored face.
    #[arg(long)]
    no_mirror: bool,
    /// Images classified at once (default: the machine's cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Replace an existing labels file.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct ChecksArgs {
    /// Model files (repeatable).
    #[arg(long, required = true)]
    model: Vec<PathBuf>,
    /// Data folders (repeatable), split by person over their union into --folds folds with --seed,
    /// every labelled image used (as `train --all-data`), sunglasses/ read.
    #[arg(long, required = true)]
    images_path: Vec<PathBuf>,
    /// Identity-disjoint folds.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Seed of the folds.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The held-out fold to measure on.
    #[arg(long, default_value_t = 0)]
    val_fold: usize,
    /// Also write every number as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct LatencyArgs {
    /// squeezenet or resnet18.
    #[arg(long)]
    arch: Architecture,
    /// Input width in pixels.
    #[arg(long, default_value_t = 88)]
    input_width: u32,
    /// Input height in pixels.
    #[arg(long, default_value_t = 108)]
    input_height: u32,
    /// Timed runs per thread setting (after warm-up).
    #[arg(long, default_value_t = 200)]
    runs: usize,
    /// auto (CUDA when available), cpu or cuda.
    #[arg(long, default_value = "cpu")]
    device: DeviceChoice,
}

#[derive(Debug, Args)]
struct DataArgs {
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
    fn options(&self) -> DataOptions {
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
struct HyperArgs {
    /// Passes over the training set.
    #[arg(long, default_value_t = 100)]
    epochs: usize,
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
}

impl HyperArgs {
    fn config(&self, arch: Architecture, data: &DataOptions, distilled: bool) -> TrainConfig {
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
        }
    }
}

#[derive(Debug, Args)]
struct MachineArgs {
    /// auto (CUDA when available), cpu or cuda.
    #[arg(long, default_value = "auto")]
    device: DeviceChoice,
    /// libtorch CPU threads (default: libtorch's choice).
    #[arg(long)]
    threads: Option<i32>,
}

impl MachineArgs {
    fn device(&self) -> anyhow::Result<tch::Device> {
        if let Some(n) = self.threads {
            tch::set_num_threads(n);
        }
        Ok(self.device.resolve()?)
    }
}

#[derive(Debug, Args)]
struct TrainArgs {
    /// squeezenet or resnet18.
    #[arg(long)]
    arch: Architecture,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    hyper: HyperArgs,
    /// Distil from this trained ResNet-18: its checkpoint.ot or its run folder.
    #[arg(long, conflicts_with = "soft_labels")]
    teacher: Option<PathBuf>,
    /// Distil from teacher labels cached by `glasses-trainer label` (any teacher input size).
    #[arg(long)]
    soft_labels: Option<PathBuf>,
    /// With --soft-labels: also train on each folder's unlabelled unclear/ faces of training
    /// people (never of validation people), from the teacher's labels only.
    #[arg(long, requires = "soft_labels")]
    unlabelled: bool,
    /// Validation fold (the others are trained on).
    #[arg(long, default_value_t = 0)]
    val_fold: usize,
    /// Run folder (checkpoint, metrics.json, PNGs). Default runs/<arch>.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue an unfinished run in --out.
    #[arg(long)]
    resume: bool,
    /// Replace a run stored in --out.
    #[arg(long)]
    force: bool,
    /// Skip the false-positive check on the negatives outside the balanced set.
    #[arg(long)]
    no_extra_negatives: bool,
    /// Fine-tune: start from this finished run's weights (checkpoint.ot or run folder).
    #[arg(long)]
    init_from: Option<PathBuf>,
    /// Zero this fraction of each layer's smallest weights at the start and keep them at zero.
    #[arg(long, default_value_t = 0.0)]
    prune: f64,
    #[command(flatten)]
    machine: MachineArgs,
}

#[derive(Debug, Args)]
struct CvArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    hyper: HyperArgs,
    /// Epochs of the ResNet-18 runs (default: --epochs).
    #[arg(long)]
    resnet_epochs: Option<usize>,
    /// Peak learning rate of the ResNet-18 runs (default 1e-3; --lr sets the SqueezeNet runs).
    #[arg(long)]
    resnet_lr: Option<f64>,
    /// Only these folds (repeatable); default all.
    #[arg(long = "fold")]
    only_folds: Vec<usize>,
    /// Add the bundled recipe (scripts/train-bundled.sh) as a row, starting from these ImageNet
    /// weights, on the same folds; needs --all-data --sunglasses.
    #[arg(long)]
    recipe_init: Option<PathBuf>,
    /// Input width of the recipe row.
    #[arg(long, default_value_t = cv::BUNDLED_SIZE.0)]
    recipe_width: u32,
    /// Input height of the recipe row.
    #[arg(long, default_value_t = cv::BUNDLED_SIZE.1)]
    recipe_height: u32,
    /// Epochs of the recipe row.
    #[arg(long, default_value_t = cv::BUNDLED_EPOCHS)]
    recipe_epochs: usize,
    /// Output folder; rerunning with the same settings continues an interrupted CV.
    #[arg(long, default_value = "runs/cv")]
    out: PathBuf,
    #[command(flatten)]
    machine: MachineArgs,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// checkpoint.ot of a finished run, or its run folder.
    #[arg(long)]
    checkpoint: PathBuf,
    /// fp32 model path; the int8 model goes next to it as <name>-int8.onnx.
    #[arg(long)]
    out: PathBuf,
    /// Data folders for the validation check (default: those recorded in the checkpoint).
    #[arg(long)]
    images_path: Vec<PathBuf>,
    /// Version string written into the model.
    #[arg(long)]
    model_version: Option<String>,
    /// Replace existing model files at --out and its int8 sibling.
    #[arg(long)]
    force: bool,
    /// Zero this fraction of the smallest weights of each layer before exporting (no fine-tuning).
    #[arg(long, default_value_t = 0.0)]
    prune: f64,
    /// Share of eyeglasses wearers the default threshold (`glasses.default_threshold`, the F1
    /// maximum on the held-out fold with negatives re-weighted) is chosen for.
    #[arg(long, default_value_t = operating::DEFAULT_PREVALENCE)]
    prevalence: f64,
    /// Write this default threshold instead of choosing one.
    #[arg(long)]
    default_threshold: Option<f32>,
    #[command(flatten)]
    machine: MachineArgs,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Train(args) => run_train(args),
        Command::Cv(args) => run_cv(args),
        Command::Export(args) => run_export(args),
        Command::Latency(args) => run_latency(args),
        Command::Checks(args) => run_checks(args),
        Command::Label(args) => run_label(args),
        Command::Groups(args) => groups::run(args),
    }
}

/// The same folds as `train --all-data --sunglasses` with the same seed and fold count, so the
/// numbers compare with the training report's and with each other.
fn run_checks(args: ChecksArgs) -> anyhow::Result<()> {
    let dataset = glasses_trainer::data::Dataset::scan_roots(&args.images_path, true)?;
    let folds =
        glasses_trainer::data::identity_folds(&dataset, &dataset.all_indices(), args.folds, args.seed)?;
    let val = folds.get(args.val_fold).with_context(|| format!("fold {} does not exist", args.val_fold))?;
    let parts = ValidationParts::of(&dataset, val, args.seed);
    let mut all = Vec::new();
    for model in &args.model {
        let (numbers, text) = glasses_trainer::model_checks::measure_file(model, &dataset, &parts)
            .with_context(|| format!("measuring {}", model.display()))?;
        println!("{text}");
        all.push(serde_json::json!({ "model": model, "numbers": numbers }));
    }
    if let Some(json) = &args.json {
        report::write_atomic(json, &serde_json::to_vec_pretty(&all)?)?;
    }
    Ok(())
}

fn run_label(args: LabelArgs) -> anyhow::Result<()> {
    use glasses_trainer::soft_labels::{SoftLabels, TeacherModel, UNLABELLED_FOLDER};
    if args.out.exists() && !args.force {
        bail!("{} exists; pass --force to replace it", args.out.display());
    }
    let mut teachers = Vec::new();
    for path in &args.model {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        teachers.push(TeacherModel { name: path.display().to_string(), bytes });
    }
    let dataset = glasses_trainer::data::Dataset::scan_roots(&args.images_path, true)?;
    let unlabelled = dataset.scan_unlabelled(UNLABELLED_FOLDER)?;
    let paths: Vec<PathBuf> = dataset.samples.iter().chain(&unlabelled).map(|s| s.path.clone()).collect();
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let started = std::time::Instant::now();
    let labels = SoftLabels::compute(&teachers, &paths, !args.no_mirror, threads)?;
    labels.write(&args.out, args.force)?;
    eprintln!(
        "{}: {} faces ({} labelled, {} from {UNLABELLED_FOLDER}/) labelled by {} in {:.0} s",
        args.out.display(),
        labels.len(),
        dataset.samples.len(),
        unlabelled.len(),
        labels.teachers.join("; "),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One JSON line: the median with 1 libtorch thread and with libtorch's default (all cores) on
/// the CPU, or one GPU time on CUDA.
fn run_latency(args: LatencyArgs) -> anyhow::Result<()> {
    let device = args.device.resolve()?;
    let time = |threads: Option<i32>| -> anyhow::Result<latency::Latency> {
        if let Some(n) = threads {
            tch::set_num_threads(n);
        }
        Ok(latency::forward_latency(args.arch, args.input_width, args.input_height, device, args.runs)?)
    };
    let device_name = match device {
        tch::Device::Cuda(i) => format!("cuda:{i}"),
        _ => "cpu".to_owned(),
    };
    let mut line = serde_json::json!({
        "architecture": args.arch.name(),
        "width": args.input_width,
        "height": args.input_height,
        "device": device_name,
        "runs": args.runs,
    });
    if device == tch::Device::Cpu {
        let all = tch::get_num_threads();
        line["inference_ms"] = time(Some(1))?.median_ms.into();
        line["inference_all_threads_ms"] = time(Some(all))?.median_ms.into();
        line["all_threads"] = all.into();
    } else {
        line["inference_ms"] = time(None)?.median_ms.into();
    }
    println!("{line}");
    Ok(())
}

/// The cached teacher's probabilities for the training rows of fold `val_fold`, and with
/// `config.unlabelled` the training set grown by the unlabelled faces of people in neither the
/// validation fold nor the held-out check negatives (their rows last, labelled to be ignored).
fn cached_teacher(
    prepared: &Prepared,
    train_set: &glasses_trainer::data::TensorSet,
    val_fold: usize,
    file: &Path,
    config: &TrainConfig,
) -> anyhow::Result<(Option<glasses_trainer::data::TensorSet>, tch::Tensor)> {
    use glasses_trainer::data::{Sample, TensorSet};
    use glasses_trainer::soft_labels::{SoftLabels, UNLABELLED_FOLDER};
    let labels = SoftLabels::read(file)?;
    if labels.classes != config.classes {
        bail!(
            "{} holds {} classes per face, this run trains {}",
            file.display(),
            labels.classes,
            config.classes
        );
    }
    let (train, _) = prepared.fold_indices(val_fold)?;
    let dataset = &prepared.dataset;
    let mut samples: Vec<&Sample> = train.iter().map(|&i| &dataset.samples[i]).collect();
    let unlabelled = if config.unlabelled {
        prepared.unlabelled_for_training(val_fold, UNLABELLED_FOLDER)?
    } else {
        Vec::new()
    };
    let extra: Vec<&Sample> = unlabelled.iter().collect();
    let grown = if extra.is_empty() {
        None
    } else {
        let set = TensorSet::from_samples(&extra, &prepared.options().preprocessing())?;
        eprintln!(
            "unlabelled faces: {} in {UNLABELLED_FOLDER}/ of training people (none of validation or check people)",
            extra.len()
        );
        samples.extend(extra);
        Some(train_set.concat(&set))
    };
    let probabilities = labels.targets(&samples, file)?;
    eprintln!("teacher labels from {}: {}", file.display(), labels.teachers.join("; "));
    Ok((grown, probabilities))
}

fn run_train(args: TrainArgs) -> anyhow::Result<()> {
    let device = args.machine.device()?;
    let data = args.data.options();
    let mut config =
        args.hyper.config(args.arch, &data, args.teacher.is_some() || args.soft_labels.is_some());
    config.unlabelled = args.unlabelled;
    config.init_from = args.init_from.as_deref().map(checkpoint::checkpoint_path);
    config.prune_fraction = args.prune;
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("runs").join(args.arch.name()));
    let teacher = match &args.teacher {
        Some(path) => {
            let ckpt = checkpoint::checkpoint_path(path);
            let (net, meta, _) = checkpoint::load(&ckpt, device)
                .with_context(|| format!("loading the teacher {}", ckpt.display()))?;
            if !meta.finished() {
                eprintln!(
                    "note: teacher {} stopped at epoch {}/{}",
                    ckpt.display(),
                    meta.epoch,
                    meta.config.epochs
                );
            }
            if (meta.config.input_width, meta.config.input_height) != (data.input_width, data.input_height) {
                bail!(
                    "teacher {} expects {}x{} inputs, the student {}x{}",
                    ckpt.display(),
                    meta.config.input_width,
                    meta.config.input_height,
                    data.input_width,
                    data.input_height
                );
            }
            if let Some(spec) = &meta.data
                && (spec.split_seed, spec.folds, spec.val_fold)
                    != (data.split_seed, data.folds, args.val_fold)
            {
                eprintln!(
                    "warning: the teacher was trained with another split; its training data may overlap this validation fold"
                );
            }
            Some((net, ckpt))
        }
        None => None,
    };
    let prepared = Prepared::load(&data)?;
    eprintln!("{}", prepared.describe(args.val_fold));
    let (mut train_set, val_set) = prepared.split(args.val_fold)?;
    let cached = match &args.soft_labels {
        Some(file) => {
            let (train_set_with_unlabelled, probabilities) =
                cached_teacher(&prepared, &train_set, args.val_fold, file, &config)?;
            if let Some(set) = train_set_with_unlabelled {
                train_set = set;
            }
            Some(Teacher::Cached { probabilities, path: file.clone() })
        }
        None => None,
    };
    let pool = if config.extra_negatives_per_epoch > 0 {
        let pool = prepared.training_negatives(args.val_fold)?;
        eprintln!(
            "training pool of further negatives: {} images, {} drawn per epoch",
            pool.len(),
            config.extra_negatives_per_epoch.min(pool.len())
        );
        Some(pool)
    } else {
        None
    };
    let policy = RunPolicy { resume: args.resume, force: args.force, quiet: false, stop_after: None };
    let outcome = train::train(
        &config,
        Some(data.spec(args.val_fold)),
        &train_set,
        &val_set,
        pool.as_ref(),
        cached.or_else(|| {
            teacher.as_ref().map(|(network, path)| Teacher::Network { network, path: path.clone() })
        }),
        &out,
        device,
        policy,
    )?;
    let mut extra = serde_json::json!({});
    if !args.no_extra_negatives {
        let negatives = prepared.check_negatives(args.val_fold)?;
        if !negatives.is_empty() {
            let p = train::probabilities(&outcome.network, &negatives, 64, device)?;
            let fp = p.iter().filter(|&&v| v >= 0.5).count();
            let m = outcome.final_metrics().copied();
            let (tp, val_fp) = m.map(|m| (m.tp, m.fp)).unwrap_or((0, 0));
            let precision = tp as f64 / (tp + val_fp + fp).max(1) as f64;
            extra = serde_json::json!({
                "extra_negatives": negatives.len(),
                "extra_negatives_false_positives": fp,
                "extra_negatives_fpr": fp as f64 / negatives.len() as f64,
                "precision_validation_plus_extra_negatives": precision,
            });
            eprintln!(
                "precision check: {fp} of {} further identity-disjoint negatives called eyeglasses (FPR {:.4}); precision on validation + those: {precision:.4}",
                negatives.len(),
                fp as f64 / negatives.len() as f64
            );
        }
    }
    if data.all_data {
        let (_, val) = prepared.fold_indices(args.val_fold)?;
        let parts = ValidationParts::of(&prepared.dataset, &val, data.split_seed);
        let checks = CheckReport::measure(&prepared.dataset, &parts, &data.preprocessing(), |set| {
            train::probabilities(&outcome.network, set, 64, device)
        })?;
        println!("{}", checks.markdown());
        extra["checks"] = serde_json::to_value(&checks)?;
        let natural = glasses_trainer::checks::load_variant(
            &prepared.dataset,
            &parts.natural,
            &data.preprocessing(),
            glasses_trainer::checks::Variant::Original,
        )?;
        let p = train::probabilities(&outcome.network, &natural, 64, device)?;
        report::write_natural_curves(&out, &p, &natural.label_vec()?)?;
    }
    report::write(&out, &outcome.meta, &outcome.val_probs, &outcome.val_labels, extra)?;
    if let Some(m) = outcome.final_metrics() {
        println!(
            "{}: validation F1 {:.4}, precision {:.4}, recall {:.4}, AUC {:.4} ({} images); report in {}",
            config.architecture,
            m.f1,
            m.precision,
            m.recall,
            m.auc,
            outcome.val_labels.len(),
            out.display()
        );
    }
    Ok(())
}

fn run_cv(args: CvArgs) -> anyhow::Result<()> {
    let device = args.machine.device()?;
    let data = args.data.options();
    let mut resnet = args.hyper.config(Architecture::ResNet18, &data, false);
    resnet.epochs = args.resnet_epochs.unwrap_or(args.hyper.epochs);
    resnet.lr = args.resnet_lr.unwrap_or(1e-3);
    let squeezenet = args.hyper.config(Architecture::SqueezeNet1_1, &data, true);
    let recipe = match args.recipe_init {
        Some(init) => {
            let recipe_data = DataOptions {
                resize: ResizeMode::CenterCrop,
                input_width: args.recipe_width,
                input_height: args.recipe_height,
                ..data.clone()
            };
            Some(RecipeRow::new(recipe_data, init, args.recipe_epochs)?)
        }
        None => None,
    };
    let started = std::time::Instant::now();
    let options = CvOptions {
        data,
        resnet,
        squeezenet,
        recipe,
        out: args.out.clone(),
        device,
        only_folds: args.only_folds,
    };
    let rows = cv::run(&options)?;
    println!("{}", cv::markdown(&rows, options.data.folds));
    println!(
        "wall time of this invocation: {:.1} min; results in {}",
        started.elapsed().as_secs_f64() / 60.0,
        args.out.display()
    );
    Ok(())
}

fn int8_path(out: &Path) -> PathBuf {
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into());
    out.with_file_name(format!("{stem}-int8.onnx"))
}

fn run_export(args: ExportArgs) -> anyhow::Result<()> {
    let device = args.machine.device()?;
    if !args.force
        && let Some(existing) = [args.out.clone(), int8_path(&args.out)].into_iter().find(|p| p.exists())
    {
        bail!("{} exists; pass --force to replace it", existing.display());
    }
    if !(args.prevalence > 0.0 && args.prevalence < 1.0) {
        bail!("--prevalence must lie strictly between 0 and 1, got {}", args.prevalence);
    }
    let ckpt = checkpoint::checkpoint_path(&args.checkpoint);
    let (net, meta, _) = checkpoint::load(&ckpt, device)?;
    if !meta.finished() {
        eprintln!("warning: exporting an unfinished run (epoch {}/{})", meta.epoch, meta.config.epochs);
    }
    let spec = meta.data.clone().context("the checkpoint records no data folder; cannot check the export")?;
    let mut data = DataOptions::from_spec(&spec, meta.config.input_width, meta.config.input_height);
    if !args.images_path.is_empty() {
        data.images_paths = args.images_path.clone();
    }
    if args.prune > 0.0 {
        let stats = prune::magnitude_prune(&net, args.prune)?;
        println!(
            "pruned: {} of {} layer weights are zero ({:.1} %)",
            stats.zeroed,
            stats.total,
            100.0 * stats.zeroed as f64 / stats.total as f64
        );
    }
    let prepared = Prepared::load(&data)?;
    let (_, val_set) = prepared.split(spec.val_fold)?;
    let labels = val_set.label_vec()?;
    let tch_probs = train::probabilities(&net, &val_set, 64, device)?;
    let tch_m = Metrics::compute(&tch_probs, &labels, 0.5);

    let mut extra = BTreeMap::new();
    let c = &meta.config;
    let run_dir = ckpt.parent().unwrap_or(Path::new("."));
    extra.insert("train.val_f1".to_owned(), format!("{:.4}", tch_m.f1));
    extra.insert("train.val_auc".to_owned(), format!("{:.4}", tch_m.auc));
    extra.insert("train.val_precision".to_owned(), format!("{:.4}", tch_m.precision));
    extra.insert("train.val_recall".to_owned(), format!("{:.4}", tch_m.recall));
    extra.insert("train.val_images".to_owned(), labels.len().to_string());
    let data_text = if data.all_data {
        let c = prepared.dataset.counts(&prepared.balanced);
        format!(
            "CelebA faces from {} folders, all {} images ({} without, {} eyeglasses, {} sunglasses), identity-disjoint fold {} of {} held out (seed {})",
            data.images_paths.len(),
            prepared.balanced.len(),
            c[0],
            c[1],
            c[2],
            spec.val_fold,
            spec.folds,
            spec.split_seed
        )
    } else {
        format!(
            "CelebA eyeglasses, balanced {} images, identity-disjoint fold {} of {} held out (seed {})",
            prepared.balanced.len(),
            spec.val_fold,
            spec.folds,
            spec.split_seed
        )
    };
    extra.insert("train.data".to_owned(), data_text);
    extra.insert("train.license".to_owned(), CELEBA_LICENSE.to_owned());
    if args.prune > 0.0 {
        extra.insert("train.pruned_fraction".to_owned(), format!("{}", args.prune));
    }
    extra.insert("train.recipe".to_owned(), export::recipe_text(&meta));
    let default_threshold = match args.default_threshold {
        Some(t) => t,
        None => {
            let chosen = glasses_trainer::model_checks::default_threshold(
                &net,
                &prepared,
                spec.val_fold,
                args.prevalence,
                device,
            )?;
            println!("{}", chosen.report);
            extra.insert("train.default_threshold_rule".to_owned(), chosen.rule);
            chosen.threshold
        }
    };
    if let Ok(bytes) = std::fs::read(run_dir.join("metrics.json"))
        && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes)
        && let Some(fpr) = v["extra"]["extra_negatives_fpr"].as_f64()
    {
        extra.insert("train.extra_negatives_fpr".to_owned(), format!("{fpr:.4}"));
        if let Some(n) = v["extra"]["extra_negatives"].as_u64() {
            extra.insert("train.extra_negatives".to_owned(), n.to_string());
        }
    }
    let version =
        args.model_version.clone().unwrap_or_else(|| format!("{}-e{}-s{}", c.architecture, c.epochs, c.seed));

    // The held-out check set of further negatives: false positives at a realistic class ratio.
    let check_set = prepared.check_negatives(spec.val_fold)?;
    let int8_out = int8_path(&args.out);
    let mut results = Vec::new();
    for (precision, path) in [(WeightPrecision::F32, args.out.clone()), (WeightPrecision::Int8, int8_out)] {
        let mut options = export::options_for(&net, &meta, precision, extra.clone());
        options.model_version = version.clone();
        options.default_threshold = Some(default_threshold);
        let bytes = export::export_network(&net, &options)?;
        let probs = export::onnx_probabilities(&bytes, &val_set)?;
        let m = Metrics::compute(&probs, &labels, 0.5);
        let max_diff = probs.iter().zip(&tch_probs).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        report::write_atomic(&path, &bytes)?;
        let check = if check_set.is_empty() {
            String::new()
        } else {
            let p = export::onnx_probabilities(&bytes, &check_set)?;
            let fp = p.iter().filter(|&&v| v >= 0.5).count();
            format!(", FPR {:.4} ({fp} of {} check-set negatives)", fp as f64 / p.len() as f64, p.len())
        };
        println!(
            "{} ({}, {} bytes): validation F1 {:.4} (tch {:.4}), AUC {:.4}, max |p - p_tch| {:.2e}{check}",
            path.display(),
            precision.name(),
            bytes.len(),
            m.f1,
            tch_m.f1,
            m.auc,
            max_diff
        );
        let mut f1 = m.f1;
        if data.all_data {
            let (_, val) = prepared.fold_indices(spec.val_fold)?;
            let parts = ValidationParts::of(&prepared.dataset, &val, data.split_seed);
            let checks = CheckReport::measure(&prepared.dataset, &parts, &data.preprocessing(), |set| {
                export::onnx_probabilities(&bytes, set)
            })?;
            println!("{} through glasses-core:\n{}", precision.name(), checks.markdown());
            f1 = checks.balanced.f1;
        }
        results.push((precision, bytes.len(), f1));
    }
    let (fp32, int8) = (results[0], results[1]);
    if fp32.1 >= 3_000_000 || int8.1 >= 1_000_000 {
        bail!(
            "size budget exceeded: fp32 {} bytes (limit 3,000,000), int8 {} bytes (limit 1,000,000)",
            fp32.1,
            int8.1
        );
    }
    if fp32.2 - int8.2 > 0.005 {
        bail!("int8 loses {:.4} F1 against fp32 (limit 0.005)", fp32.2 - int8.2);
    }
    Ok(())
}
