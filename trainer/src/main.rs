//! `glasses-trainer`: train, cross-validate and export the glasses classifier.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use glasses_core::export::{Architecture, WeightPrecision};
use glasses_trainer::checkpoint::{self, TrainConfig};
use glasses_trainer::cv::{self, CvOptions};
use glasses_trainer::device::DeviceChoice;
use glasses_trainer::export::{self, CELEBA_LICENSE};
use glasses_trainer::latency;
use glasses_trainer::metrics::Metrics;
use glasses_trainer::pipeline::{DataOptions, Prepared};
use glasses_trainer::prune;
use glasses_trainer::report;
use glasses_trainer::train::{self, RunPolicy, Teacher};

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
    /// Data folder with 0/ (no eyeglasses), 1/ (eyeglasses) and optionally manifest.csv (file,folder,identity).
    #[arg(long)]
    images_path: PathBuf,
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

impl DataArgs {
    fn options(&self) -> DataOptions {
        DataOptions {
            images_path: self.images_path.clone(),
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
    #[arg(long)]
    teacher: Option<PathBuf>,
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
    /// Data folder for the validation check (default: the one recorded in the checkpoint).
    #[arg(long)]
    images_path: Option<PathBuf>,
    /// Version string written into the model.
    #[arg(long)]
    model_version: Option<String>,
    /// Replace existing model files at --out and its int8 sibling.
    #[arg(long)]
    force: bool,
    /// Zero this fraction of the smallest weights of each layer before exporting (no fine-tuning).
    #[arg(long, default_value_t = 0.0)]
    prune: f64,
    #[command(flatten)]
    machine: MachineArgs,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Train(args) => run_train(args),
        Command::Cv(args) => run_cv(args),
        Command::Export(args) => run_export(args),
        Command::Latency(args) => run_latency(args),
    }
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

fn run_train(args: TrainArgs) -> anyhow::Result<()> {
    let device = args.machine.device()?;
    let data = args.data.options();
    let mut config = args.hyper.config(args.arch, &data, args.teacher.is_some());
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
    let (train_set, val_set) = prepared.split(args.val_fold)?;
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
        teacher.as_ref().map(|(network, path)| Teacher { network, path: path.clone() }),
        &out,
        device,
        policy,
    )?;
    let mut extra = serde_json::json!({});
    if !args.no_extra_negatives {
        let negatives = prepared.check_negatives(args.val_fold)?;
        if !negatives.is_empty() {
            let (p, _) = train::evaluate(&outcome.network, &negatives, 64, device)?;
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
    let started = std::time::Instant::now();
    let options =
        CvOptions { data, resnet, squeezenet, out: args.out.clone(), device, only_folds: args.only_folds };
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
    let ckpt = checkpoint::checkpoint_path(&args.checkpoint);
    let (net, meta, _) = checkpoint::load(&ckpt, device)?;
    if !meta.finished() {
        eprintln!("warning: exporting an unfinished run (epoch {}/{})", meta.epoch, meta.config.epochs);
    }
    let spec = meta.data.clone().context("the checkpoint records no data folder; cannot check the export")?;
    let data = DataOptions {
        images_path: args.images_path.clone().unwrap_or(spec.images_path.clone()),
        split_seed: spec.split_seed,
        folds: spec.folds,
        input_width: meta.config.input_width,
        input_height: meta.config.input_height,
    };
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
    let (tch_probs, _) = train::evaluate(&net, &val_set, 64, device)?;
    let tch_m = Metrics::compute(&tch_probs, &labels, 0.5);

    let mut extra = BTreeMap::new();
    let c = &meta.config;
    let run_dir = ckpt.parent().unwrap_or(Path::new("."));
    extra.insert("train.val_f1".to_owned(), format!("{:.4}", tch_m.f1));
    extra.insert("train.val_auc".to_owned(), format!("{:.4}", tch_m.auc));
    extra.insert("train.val_precision".to_owned(), format!("{:.4}", tch_m.precision));
    extra.insert("train.val_recall".to_owned(), format!("{:.4}", tch_m.recall));
    extra.insert("train.val_images".to_owned(), labels.len().to_string());
    extra.insert(
        "train.data".to_owned(),
        format!(
            "CelebA eyeglasses, balanced {} images, identity-disjoint fold {} of {} held out (seed {})",
            prepared.balanced.len(),
            spec.val_fold,
            spec.folds,
            spec.split_seed
        ),
    );
    extra.insert("train.license".to_owned(), CELEBA_LICENSE.to_owned());
    if args.prune > 0.0 {
        extra.insert("train.pruned_fraction".to_owned(), format!("{}", args.prune));
    }
    extra.insert(
        "train.recipe".to_owned(),
        format!(
            "{} from scratch, {} epochs, batch {}, AdamW lr {} wd {}, warm-up {} + cosine, augment {}, {} further negatives per epoch, {}",
            c.architecture,
            c.epochs,
            c.batch_size,
            c.lr,
            c.weight_decay,
            c.warmup_epochs,
            c.augment,
            c.extra_negatives_per_epoch,
            match &meta.teacher {
                Some(_) => format!("distilled from ResNet-18 (alpha {}, T {})", c.alpha, c.temperature),
                None => "no distillation".to_owned(),
            }
        ),
    );
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
        results.push((precision, bytes.len(), m.f1));
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
