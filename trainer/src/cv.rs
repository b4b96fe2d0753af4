//! k-fold cross-validation by identity on the balanced set, for ResNet-18, SqueezeNet and
//! SqueezeNet distilled from that fold's ResNet-18. Every (fold, model) run lives in its own
//! folder with a checkpoint per epoch and a `result.json` when done, so an interrupted CV
//! continues where it stopped when run again with the same settings.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::Device;

use crate::checkpoint::TrainConfig;
use crate::error::{Error, Result};
use crate::metrics::mean_var;
use crate::pipeline::{DataOptions, Prepared};
use crate::report;
use crate::train::{RunPolicy, Teacher, train};

/// The compared models, in table order: (folder name, table label).
pub const MODELS: [(&str, &str); 3] = [
    ("resnet18", "ResNet-18"),
    ("squeezenet", "SqueezeNet 1.1"),
    ("squeezenet_distilled", "SqueezeNet 1.1 distilled from ResNet-18"),
];

/// The result of one model on one fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    /// Folder name of the model (see [`MODELS`]).
    pub model: String,
    /// 0-based fold.
    pub fold: usize,
    /// Validation F1 at threshold 0.5 after the last epoch.
    pub f1: f64,
    /// Validation ROC AUC.
    pub auc: f64,
    /// Validation accuracy.
    pub accuracy: f64,
    /// Validation images.
    pub val_images: usize,
    /// Training wall time in seconds (summed over epochs, across resumptions).
    pub train_seconds: f64,
}

/// One row of Table 1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableRow {
    /// Model label.
    pub model: String,
    /// Folds finished.
    pub folds_done: usize,
    /// Per-fold F1, fold order.
    pub f1: Vec<f64>,
    /// Mean F1 over the finished folds.
    pub mean_f1: f64,
    /// Sample variance (n - 1) of F1 over the finished folds.
    pub var_f1: f64,
}

/// Settings of a CV run besides the per-model configs.
#[derive(Debug, Clone)]
pub struct CvOptions {
    /// Data and split.
    pub data: DataOptions,
    /// Training settings of the ResNet-18 runs.
    pub resnet: TrainConfig,
    /// Training settings of the SqueezeNet runs (alpha/temperature used by the distilled ones).
    pub squeezenet: TrainConfig,
    /// Output folder.
    pub out: PathBuf,
    /// Compute device.
    pub device: Device,
    /// Only these folds (all when empty).
    pub only_folds: Vec<usize>,
}

/// Runs (or continues) the CV and returns Table 1 over the folds finished so far.
pub fn run(options: &CvOptions) -> Result<Vec<TableRow>> {
    let prepared = Prepared::load(&options.data)?;
    std::fs::create_dir_all(&options.out).map_err(|e| Error::io(&options.out, e))?;
    for fold in 0..options.data.folds {
        if !options.only_folds.is_empty() && !options.only_folds.contains(&fold) {
            continue;
        }
        eprintln!("{}", prepared.describe(fold));
        let (train_set, val_set) = prepared.split(fold)?;
        let wants_extra =
            options.resnet.extra_negatives_per_epoch > 0 || options.squeezenet.extra_negatives_per_epoch > 0;
        let pool = if wants_extra { Some(prepared.training_negatives(fold)?) } else { None };
        let spec = options.data.spec(fold);
        let fold_dir = options.out.join(format!("fold{fold}"));
        let policy = RunPolicy { resume: true, force: false, quiet: false, stop_after: None };
        let resnet_dir = fold_dir.join(MODELS[0].0);
        let teacher = train(
            &options.resnet,
            Some(spec.clone()),
            &train_set,
            &val_set,
            pool.as_ref(),
            None,
            &resnet_dir,
            options.device,
            policy,
        )?;
        save_result(&resnet_dir, MODELS[0].0, fold, &teacher)?;
        let mut plain = options.squeezenet.clone();
        plain.alpha = 0.0;
        let dir = fold_dir.join(MODELS[1].0);
        let outcome = train(
            &plain,
            Some(spec.clone()),
            &train_set,
            &val_set,
            pool.as_ref(),
            None,
            &dir,
            options.device,
            policy,
        )?;
        save_result(&dir, MODELS[1].0, fold, &outcome)?;
        let dir = fold_dir.join(MODELS[2].0);
        let t = Teacher::Network {
            network: &teacher.network,
            path: resnet_dir.join(crate::checkpoint::CHECKPOINT_FILE),
        };
        let outcome = train(
            &options.squeezenet,
            Some(spec),
            &train_set,
            &val_set,
            pool.as_ref(),
            Some(t),
            &dir,
            options.device,
            policy,
        )?;
        save_result(&dir, MODELS[2].0, fold, &outcome)?;
    }
    let rows = table(&options.out, options.data.folds)?;
    let md = markdown(&rows, options.data.folds);
    report::write_atomic(&options.out.join("table1.md"), md.as_bytes())?;
    let path = options.out.join("cv.json");
    let json = serde_json::to_vec_pretty(&rows).map_err(|e| Error::Json { path: path.clone(), source: e })?;
    report::write_atomic(&path, &json)?;
    Ok(rows)
}

fn save_result(dir: &Path, model: &str, fold: usize, outcome: &crate::train::RunOutcome) -> Result<()> {
    let m = outcome.final_metrics().ok_or_else(|| Error::run(dir, "run has no epochs"))?;
    let result = FoldResult {
        model: model.to_owned(),
        fold,
        f1: m.f1,
        auc: m.auc,
        accuracy: m.accuracy,
        val_images: outcome.val_labels.len(),
        train_seconds: outcome.meta.history.iter().map(|h| h.seconds).sum(),
    };
    report::write(dir, &outcome.meta, &outcome.val_probs, &outcome.val_labels, serde_json::json!({}))?;
    let path = dir.join("result.json");
    let json =
        serde_json::to_vec_pretty(&result).map_err(|e| Error::Json { path: path.clone(), source: e })?;
    report::write_atomic(&path, &json)
}

/// Table 1 from the `result.json` files found under `out`.
pub fn table(out: &Path, folds: usize) -> Result<Vec<TableRow>> {
    let mut rows = Vec::new();
    for (dir_name, label) in MODELS {
        let mut f1 = Vec::new();
        for fold in 0..folds {
            let path = out.join(format!("fold{fold}")).join(dir_name).join("result.json");
            if let Ok(bytes) = std::fs::read(&path) {
                let r: FoldResult =
                    serde_json::from_slice(&bytes).map_err(|e| Error::Json { path, source: e })?;
                f1.push(r.f1);
            }
        }
        let (mean_f1, var_f1) = mean_var(&f1);
        rows.push(TableRow { model: label.to_owned(), folds_done: f1.len(), f1, mean_f1, var_f1 });
    }
    Ok(rows)
}

/// Table 1 as Markdown.
pub fn markdown(rows: &[TableRow], folds: usize) -> String {
    let mut s =
        String::from("| Model | E[F1] | Var[F1] | folds done | F1 per fold |\n|---|---|---|---|---|\n");
    for r in rows {
        let per: Vec<String> = r.f1.iter().map(|v| format!("{v:.4}")).collect();
        s.push_str(&format!(
            "| {} | {:.4} | {:.6} | {}/{folds} | {} |\n",
            r.model,
            r.mean_f1,
            r.var_f1,
            r.folds_done,
            per.join(", ")
        ));
    }
    s
}
