//! `glasses-trainer train`: one model on the balanced set (or all data), one identity-disjoint
//! fold held out for validation, with its report and checks.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use glasses_core::export::Architecture;
use glasses_trainer::checkpoint::{self, TrainConfig};
use glasses_trainer::checks::{CheckReport, ValidationParts};
use glasses_trainer::pipeline::Prepared;
use glasses_trainer::report;
use glasses_trainer::train::{self, RunPolicy, Teacher};

use super::args::{DataArgs, HyperArgs, MachineArgs};

#[derive(Debug, Args)]
pub struct TrainArgs {
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
    /// Hard-negative mining: a score file written by `glasses-trainer mine` for this fold; the
    /// balanced sampler draws the faces it scored wrong more often (needs --balanced-sampling).
    #[arg(long)]
    hard_negatives: Option<PathBuf>,
    /// With --hard-negatives: a face the miner was sure about and wrong on is drawn this many
    /// times as often as an easy face of its class (linear in between).
    #[arg(long, default_value_t = glasses_trainer::hard_negatives::DEFAULT_FACTOR, requires = "hard_negatives")]
    hard_negative_factor: f64,
    /// Fine-tune: start from this finished run's weights (checkpoint.ot or run folder).
    #[arg(long)]
    init_from: Option<PathBuf>,
    /// Zero this fraction of each layer's smallest weights at the start and keep them at zero.
    #[arg(long, default_value_t = 0.0)]
    prune: f64,
    #[command(flatten)]
    machine: MachineArgs,
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

/// The balanced sampler's weight of each training row of fold `val_fold` from a mined file.
fn mined_weights(prepared: &Prepared, val_fold: usize, file: &Path, factor: f64) -> anyhow::Result<Vec<f64>> {
    use glasses_trainer::hard_negatives;
    use glasses_trainer::soft_labels::SoftLabels;
    let scores = SoftLabels::read(file)?;
    let (train, val) = prepared.fold_indices(val_fold)?;
    let samples = |rows: &[usize]| rows.iter().map(|&i| &prepared.dataset.samples[i]).collect::<Vec<_>>();
    let (train, val) = (samples(&train), samples(&val));
    let weights = hard_negatives::row_weights(&scores, &train, &val, factor, file)?;
    eprint!(
        "hard negatives from {} ({}):\n{}",
        file.display(),
        scores.teachers.join("; "),
        hard_negatives::describe(&scores, &train, factor)
    );
    Ok(weights)
}

pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    let device = args.machine.device()?;
    let data = args.data.options();
    let mut config =
        args.hyper.config(args.arch, &data, args.teacher.is_some() || args.soft_labels.is_some());
    config.unlabelled = args.unlabelled;
    config.init_from = args.init_from.as_deref().map(checkpoint::checkpoint_path);
    config.prune_fraction = args.prune;
    if let Some(file) = &args.hard_negatives {
        config.hard_negatives = Some(file.clone());
        config.hard_negative_factor = args.hard_negative_factor;
    }
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
    let row_weights = match &args.hard_negatives {
        Some(file) => Some(mined_weights(&prepared, args.val_fold, file, args.hard_negative_factor)?),
        None => None,
    };
    let policy = RunPolicy { resume: args.resume, force: args.force, quiet: false, stop_after: None };
    let outcome = train::train_weighted(
        &config,
        Some(data.spec(args.val_fold)),
        &train_set,
        &val_set,
        pool.as_ref(),
        cached.or_else(|| {
            teacher.as_ref().map(|(network, path)| Teacher::Network { network, path: path.clone() })
        }),
        row_weights.as_deref(),
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
        let (p, labels) = glasses_trainer::model_checks::natural_probabilities(
            &outcome.network,
            &prepared.dataset,
            &parts,
            &data.preprocessing(),
            device,
        )?;
        report::write_natural_curves(&out, &p, &labels)?;
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
