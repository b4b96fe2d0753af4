//! k-fold cross-validation by identity, for ResNet-18, SqueezeNet and SqueezeNet distilled from
//! that fold's ResNet-18 (the study's Table 1), and optionally the bundled recipe (SqueezeNet from
//! ImageNet, three classes, every face) on the same folds. Every (fold, model) run lives in its own
//! folder with a checkpoint per epoch and a `result.json` when done, so an interrupted CV
//! continues where it stopped when run again with the same settings; a (fold, model) whose
//! `result.json` is there is not trained again, so the small result files alone (kept in git,
//! checkpoints not) let a CV go on in another session.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::Device;

use crate::checkpoint::{DataSpec, TrainConfig, default_final_relu_grad_leak};
use crate::error::{Error, Result};
use crate::metrics::mean_var;
use crate::pipeline::{DataOptions, Prepared};
use crate::report;
use crate::train::{RunPolicy, Teacher, train};

/// The study's compared models, in table order: (folder name, table label).
pub const MODELS: [(&str, &str); 3] = [
    ("resnet18", "ResNet-18"),
    ("squeezenet", "SqueezeNet 1.1"),
    ("squeezenet_distilled", "SqueezeNet 1.1 distilled from ResNet-18"),
];

/// A finished (fold, model) run's summary file.
pub const RESULT_FILE: &str = "result.json";

/// Folder-name prefix of the bundled recipe's rows (`recipe-<W>x<H>`).
pub const RECIPE_PREFIX: &str = "recipe-";

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
    /// Training settings of the run; a rerun with other settings is refused rather than mixed
    /// into the table. Absent in files written before they were recorded.
    #[serde(default)]
    pub config: Option<TrainConfig>,
    /// Data, seed and fold of the run (absent in older files, like `config`).
    #[serde(default)]
    pub data: Option<DataSpec>,
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
    /// Mean ROC AUC over the finished folds.
    pub mean_auc: f64,
    /// Training time of the finished folds, summed, in minutes.
    pub train_minutes: f64,
}

/// The bundled recipe as a row of the CV: its data (the CV's folders, seed and folds, every
/// face, three classes, centre crop at its own input size) and its training settings.
#[derive(Debug, Clone)]
pub struct RecipeRow {
    /// Data options; they must give the same folds as the CV's.
    pub data: DataOptions,
    /// Training settings ([`bundled_recipe`]).
    pub config: TrainConfig,
}

impl RecipeRow {
    /// The bundled recipe at the input size of `data` (which must read every face, three classes),
    /// from the ImageNet weights in `init`, for `epochs` epochs.
    pub fn new(data: DataOptions, init: PathBuf, epochs: usize) -> Result<Self> {
        if !data.all_data || data.classes() != 3 {
            return Err(Error::Config(
                "the recipe row trains on every face with sunglasses as a class: run the CV with --all-data --sunglasses"
                    .into(),
            ));
        }
        let config = bundled_recipe(&data, init, epochs);
        Ok(Self { data, config })
    }

    /// Folder name of this row in every fold.
    pub fn dir_name(&self) -> String {
        format!("{RECIPE_PREFIX}{}x{}", self.data.input_width, self.data.input_height)
    }
}

/// Epochs of the bundled model's run (`EPOCHS` of `scripts/train-bundled.sh`).
pub const BUNDLED_EPOCHS: usize = 10;

/// Input width and height of the bundled model (`bundled_size` of `scripts/train-bundled.sh`).
pub const BUNDLED_SIZE: (u32, u32) = (176, 216);

/// The training settings of `scripts/train-bundled.sh` (a test holds the two in step): SqueezeNet 1.1
/// from ImageNet, three classes, class-balanced draws of 6,000 images an epoch, robust
/// augmentation, batch 64, AdamW peak lr 6e-4 with weight decay 0.05, one warm-up epoch.
pub fn bundled_recipe(data: &DataOptions, init: PathBuf, epochs: usize) -> TrainConfig {
    TrainConfig {
        architecture: glasses_core::export::Architecture::SqueezeNet1_1.name().to_owned(),
        epochs,
        batch_size: 64,
        input_width: data.input_width,
        input_height: data.input_height,
        lr: 6e-4,
        weight_decay: 0.05,
        warmup_epochs: 1,
        seed: data.split_seed,
        alpha: 0.0,
        temperature: 4.0,
        augment: true,
        final_relu_grad_leak: default_final_relu_grad_leak(),
        extra_negatives_per_epoch: 0,
        init_from: None,
        prune_fraction: 0.0,
        classes: data.classes(),
        init_weights: Some(init),
        balanced_sampling: true,
        epoch_size: 6000,
        robust_augment: true,
        framing_augment: false,
        unlabelled: false,
        hard_negatives: None,
        hard_negative_factor: 0.0,
        gray_hard_share: None,
    }
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
    /// The bundled recipe as a further row, on the same folds.
    pub recipe: Option<RecipeRow>,
    /// Output folder.
    pub out: PathBuf,
    /// Compute device.
    pub device: Device,
    /// Only these folds (all when empty).
    pub only_folds: Vec<usize>,
}

/// Whether the (fold, model) run in `dir` has its result file. One written with other settings
/// than `config` and `data` is an error: its number belongs to another table.
fn finished(dir: &Path, config: &TrainConfig, data: &DataSpec) -> Result<bool> {
    let path = dir.join(RESULT_FILE);
    let Some(result) = read_result(&path)? else { return Ok(false) };
    let same_config = result.config.as_ref().is_none_or(|c| c == config);
    let same_data = result.data.as_ref().is_none_or(|d| d == data);
    if !(same_config && same_data) {
        let mut differences = Vec::new();
        if let Some(stored) = &result.config {
            differences.extend(differing_fields(stored, config));
        }
        if let Some(stored) = &result.data {
            differences.extend(differing_fields(stored, data));
        }
        return Err(Error::Config(format!(
            "{} was written with other settings than this run's ({}): use another --out, or remove that folder to train it again",
            path.display(),
            differences.join(", ")
        )));
    }
    Ok(true)
}

/// The result file at `path`, or `None` when there is none yet.
fn read_result(path: &Path) -> Result<Option<FoldResult>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| Error::Json { path: path.to_owned(), source: e })
}

/// "name: stored -> now" for each top-level field in which two settings differ.
fn differing_fields<T: Serialize>(stored: &T, now: &T) -> Vec<String> {
    let (Ok(serde_json::Value::Object(stored)), Ok(serde_json::Value::Object(now))) =
        (serde_json::to_value(stored), serde_json::to_value(now))
    else {
        return Vec::new();
    };
    let null = serde_json::Value::Null;
    let mut keys: Vec<&String> = stored.keys().chain(now.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (a, b) = (stored.get(k).unwrap_or(&null), now.get(k).unwrap_or(&null));
            (a != b).then(|| format!("{k}: {a} -> {b}"))
        })
        .collect()
}

/// Runs (or continues) the CV and returns Table 1 over the folds finished so far.
///
/// On the balanced set (the study's setting) each model trains and is validated on the fold's
/// parts. With `all_data` the folds split every face by person, the study's models train on the
/// fold's balanced two-class subset, and every model, the recipe too, is validated on the fold's
/// balanced part ([`Prepared::study_split`]).
pub fn run(options: &CvOptions) -> Result<Vec<TableRow>> {
    let prepared = Prepared::load(&options.data)?;
    let recipe = match &options.recipe {
        Some(row) => {
            let data = Prepared::load(&row.data)?;
            if data.folds != prepared.folds {
                return Err(Error::Config(
                    "the recipe row's data splits other people into the folds than the CV's (same folders, seed, fold count, --all-data and --sunglasses needed)".into(),
                ));
            }
            Some((row, data))
        }
        None => None,
    };
    let (mut resnet, mut squeezenet) = (options.resnet.clone(), options.squeezenet.clone());
    if options.data.all_data {
        // The study's models tell eyeglasses from none; sunglasses are the recipe's third class.
        (resnet.classes, squeezenet.classes) = (2, 2);
    }
    std::fs::create_dir_all(&options.out).map_err(|e| Error::io(&options.out, e))?;
    let policy = RunPolicy { resume: true, force: false, quiet: false, stop_after: None };
    for fold in 0..options.data.folds {
        if !options.only_folds.is_empty() && !options.only_folds.contains(&fold) {
            continue;
        }
        eprintln!("{}", prepared.describe(fold));
        let (train_set, val_set) = prepared.study_split(fold)?;
        let wants_extra = resnet.extra_negatives_per_epoch > 0 || squeezenet.extra_negatives_per_epoch > 0;
        let pool = if wants_extra { Some(prepared.training_negatives(fold)?) } else { None };
        let spec = options.data.spec(fold);
        let fold_dir = options.out.join(format!("fold{fold}"));
        let run = |config: &TrainConfig, dir: &Path, teacher: Option<Teacher<'_>>| {
            train(
                config,
                Some(spec.clone()),
                &train_set,
                &val_set,
                pool.as_ref(),
                teacher,
                dir,
                options.device,
                policy,
            )
        };
        let [resnet_dir, plain_dir, distilled_dir] = MODELS.map(|(name, _)| fold_dir.join(name));
        let mut plain = squeezenet.clone();
        plain.alpha = 0.0;
        let teacher =
            if finished(&resnet_dir, &resnet, &spec)? && finished(&distilled_dir, &squeezenet, &spec)? {
                None
            } else {
                let outcome = run(&resnet, &resnet_dir, None)?;
                save_result(&resnet_dir, MODELS[0].0, fold, &outcome)?;
                Some(outcome)
            };
        if !finished(&plain_dir, &plain, &spec)? {
            let outcome = run(&plain, &plain_dir, None)?;
            save_result(&plain_dir, MODELS[1].0, fold, &outcome)?;
        }
        let distill = !finished(&distilled_dir, &squeezenet, &spec)?;
        if let Some(teacher) = teacher.filter(|_| distill) {
            let t = Teacher::Network {
                network: &teacher.network,
                path: resnet_dir.join(crate::checkpoint::CHECKPOINT_FILE),
            };
            let outcome = run(&squeezenet, &distilled_dir, Some(t))?;
            save_result(&distilled_dir, MODELS[2].0, fold, &outcome)?;
        }
        if let Some((row, data)) = &recipe {
            let dir = fold_dir.join(row.dir_name());
            let spec = row.data.spec(fold);
            if !finished(&dir, &row.config, &spec)? {
                let (train_set, _) = data.split(fold)?;
                let val_set = data.balanced_validation(fold)?;
                let outcome = train(
                    &row.config,
                    Some(spec),
                    &train_set,
                    &val_set,
                    None,
                    None,
                    &dir,
                    options.device,
                    policy,
                )?;
                save_result(&dir, &row.dir_name(), fold, &outcome)?;
            }
        }
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
        config: Some(outcome.meta.config.clone()),
        data: outcome.meta.data.clone(),
    };
    report::write(dir, &outcome.meta, &outcome.val_probs, &outcome.val_labels, serde_json::json!({}))?;
    let path = dir.join(RESULT_FILE);
    let json =
        serde_json::to_vec_pretty(&result).map_err(|e| Error::Json { path: path.clone(), source: e })?;
    report::write_atomic(&path, &json)
}

/// Table 1 from the `result.json` files found under `out`: the study's rows, then a row per
/// recipe input size found in any fold.
pub fn table(out: &Path, folds: usize) -> Result<Vec<TableRow>> {
    let mut models: Vec<(String, String)> =
        MODELS.iter().map(|(dir, label)| ((*dir).to_owned(), (*label).to_owned())).collect();
    let mut recipes = std::collections::BTreeSet::new();
    for fold in 0..folds {
        let Ok(entries) = std::fs::read_dir(out.join(format!("fold{fold}"))) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(size) = name.strip_prefix(RECIPE_PREFIX) {
                recipes.insert((size.to_owned(), name.clone()));
            }
        }
    }
    for (size, dir) in recipes {
        models.push((
            dir,
            format!("SqueezeNet 1.1 from ImageNet, 3 classes, every face, {size} (bundled recipe)"),
        ));
    }
    let mut rows = Vec::new();
    for (dir_name, label) in models {
        let mut results = Vec::new();
        for fold in 0..folds {
            let path = out.join(format!("fold{fold}")).join(&dir_name).join(RESULT_FILE);
            results.extend(read_result(&path)?);
        }
        let f1: Vec<f64> = results.iter().map(|r| r.f1).collect();
        let (mean_f1, var_f1) = mean_var(&f1);
        let (mean_auc, _) = mean_var(&results.iter().map(|r| r.auc).collect::<Vec<_>>());
        let train_minutes = results.iter().map(|r| r.train_seconds).sum::<f64>() / 60.0;
        rows.push(TableRow {
            model: label,
            folds_done: f1.len(),
            f1,
            mean_f1,
            var_f1,
            mean_auc,
            train_minutes,
        });
    }
    Ok(rows)
}

/// Table 1 as Markdown.
pub fn markdown(rows: &[TableRow], folds: usize) -> String {
    let mut s = String::from(
        "| Model | E[F1] | Var[F1] | E[AUC] | folds done | F1 per fold | training time, summed (min) |\n|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let per: Vec<String> = r.f1.iter().map(|v| format!("{v:.4}")).collect();
        s.push_str(&format!(
            "| {} | {:.4} | {:.6} | {:.4} | {}/{folds} | {} | {:.1} |\n",
            r.model,
            r.mean_f1,
            r.var_f1,
            r.mean_auc,
            r.folds_done,
            per.join(", "),
            r.train_minutes
        ));
    }
    s
}
