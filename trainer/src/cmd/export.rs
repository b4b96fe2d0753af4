//! `glasses-trainer export`: a checkpoint to fp32 and int8 ONNX through glasses-core, each
//! checked on the validation fold against libtorch and against the size and int8 budgets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use glasses_core::export::WeightPrecision;
use glasses_trainer::checkpoint;
use glasses_trainer::checks::{CheckReport, ValidationParts};
use glasses_trainer::export::{self, CELEBA_LICENSE};
use glasses_trainer::metrics::Metrics;
use glasses_trainer::operating;
use glasses_trainer::pipeline::{DataOptions, Prepared};
use glasses_trainer::prune;
use glasses_trainer::report;
use glasses_trainer::train;

use super::args::MachineArgs;

#[derive(Debug, Args)]
pub struct ExportArgs {
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

fn int8_path(out: &Path) -> PathBuf {
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into());
    out.with_file_name(format!("{stem}-int8.onnx"))
}

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    let device = args.machine.device()?;
    super::refuse_to_replace([args.out.clone(), int8_path(&args.out)], args.force)?;
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
