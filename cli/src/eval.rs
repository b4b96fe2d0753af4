//! `glasses eval`: accuracy, precision, recall, F1, ROC-AUC and the confusion matrix of a model on a
//! labelled folder.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;

use crate::args::{EvalArgs, ReportFormat};
use crate::batch;
use crate::errors::{self, Status};
use crate::metrics::{self, Confusion};
use crate::model;
use crate::output::{self, Destination};

/// Label folders: `0/` holds faces without eyeglasses, `1/` faces with them.
const LABELS: [(&str, bool); 2] = [("0", false), ("1", true)];

#[derive(Debug, Serialize)]
pub struct Report {
    pub images_path: String,
    pub model: String,
    pub threshold: f32,
    /// Images that were classified (failed files are left out of every metric).
    pub n: usize,
    pub failed: usize,
    pub positives: usize,
    pub negatives: usize,
    pub accuracy: Option<f64>,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
    pub roc_auc: Option<f64>,
    pub confusion_matrix: Confusion,
}

pub fn run(args: &EvalArgs) -> anyhow::Result<Status> {
    let (labelled, unsearchable) = labelled_files(&args.images_path)?;
    let classifier = model::load(&args.model, args.run.options())?;
    let (files, labels): (Vec<PathBuf>, Vec<bool>) = labelled.into_iter().unzip();
    let outcomes = batch::classify(&classifier, files, &args.run)?;

    let mut failed = unsearchable;
    let mut scored = Vec::with_capacity(outcomes.len());
    let mut decided = Vec::with_capacity(outcomes.len());
    for (outcome, actual) in outcomes.iter().zip(labels) {
        match &outcome.result {
            Ok(p) => {
                scored.push((actual, p.probability));
                decided.push((actual, p.has_glasses));
            }
            Err(e) => {
                failed += 1;
                errors::warn(&format!("error: {}: {e}", outcome.path.display()));
            }
        }
    }
    let confusion = Confusion::from_pairs(decided);
    let report = Report {
        images_path: args.images_path.display().to_string(),
        model: model::source(&args.model),
        threshold: args.run.threshold,
        n: confusion.n(),
        failed,
        positives: confusion.positives(),
        negatives: confusion.negatives(),
        accuracy: confusion.accuracy(),
        precision: confusion.precision(),
        recall: confusion.recall(),
        f1: confusion.f1(),
        roc_auc: metrics::roc_auc(&scored),
        confusion_matrix: confusion,
    };
    Destination::Stdout.write(&render(&report, args.format)?)?;
    Ok(Status::from_failures(failed))
}

/// Image files under `root/0` and `root/1` (recursively) with their label; anything else in
/// `root` is ignored. Subfolders that cannot be searched are reported on stderr and counted (the
/// second value) as failures instead of stopping the evaluation.
fn labelled_files(root: &Path) -> anyhow::Result<(Vec<(PathBuf, bool)>, usize)> {
    if !root.is_dir() {
        bail!("`{}` is not a folder (eval needs a folder with `0/` and `1/` subfolders)", root.display());
    }
    let mut labelled = Vec::new();
    let mut unsearchable = 0;
    for (name, label) in LABELS {
        let dir = root.join(name);
        if !dir.is_dir() {
            bail!("`{}` has no `{name}/` subfolder (eval needs `0/` and `1/`)", root.display());
        }
        let found = glasses_core::find_images_tolerant(&dir)
            .with_context(|| format!("cannot search folder `{}`", dir.display()))?;
        for item in found {
            match item {
                Ok(file) => labelled.push((file, label)),
                Err(e) => {
                    unsearchable += 1;
                    errors::warn(&format!("error: cannot search folder: {}", errors::chain(&e)));
                }
            }
        }
    }
    if labelled.is_empty() && unsearchable == 0 {
        bail!("no image files found in `{}/0` or `{}/1`", root.display(), root.display());
    }
    Ok((labelled, unsearchable))
}

pub fn render(report: &Report, format: ReportFormat) -> anyhow::Result<Vec<u8>> {
    match format {
        ReportFormat::Json => {
            let mut bytes = serde_json::to_vec_pretty(report).context("cannot encode the report as JSON")?;
            bytes.push(b'\n');
            Ok(bytes)
        }
        ReportFormat::Table => Ok(render_table(report).into_bytes()),
    }
}

fn render_table(r: &Report) -> String {
    let metric = |value: Option<f64>| value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.4}"));
    let rows: Vec<Vec<String>> = [
        ("images", r.images_path.clone()),
        ("model", r.model.clone()),
        ("threshold", r.threshold.to_string()),
        ("n", r.n.to_string()),
        ("failed", r.failed.to_string()),
        ("accuracy", metric(r.accuracy)),
        ("precision", metric(r.precision)),
        ("recall", metric(r.recall)),
        ("f1", metric(r.f1)),
        ("roc_auc", metric(r.roc_auc)),
    ]
    .into_iter()
    .map(|(name, value)| vec![name.to_owned(), value])
    .collect();
    let c = &r.confusion_matrix;
    let matrix = [
        vec![String::new(), "predicted 0".to_owned(), "predicted 1".to_owned(), "total".to_owned()],
        vec!["actual 0".to_owned(), c.tn.to_string(), c.fp.to_string(), c.negatives().to_string()],
        vec!["actual 1".to_owned(), c.fn_.to_string(), c.tp.to_string(), c.positives().to_string()],
    ];
    format!(
        "{}\nconfusion matrix (0 = no eyeglasses, 1 = eyeglasses):\n{}",
        output::table(&rows),
        output::table(&matrix)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_label_folders_count() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        for name in ["0/a.png", "0/deep/b.jpg", "1/c.png", "other/d.png", "e.png", "1/notes.txt"] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap_or(dir.path()))?;
            std::fs::write(path, b"")?;
        }
        let (found, _) = labelled_files(dir.path())?;
        let relative: Vec<(PathBuf, bool)> = found
            .into_iter()
            .map(|(p, l)| (p.strip_prefix(dir.path()).map(Path::to_path_buf).unwrap_or(p), l))
            .collect();
        assert_eq!(
            relative,
            vec![("0/a.png".into(), false), ("0/deep/b.jpg".into(), false), ("1/c.png".into(), true)]
        );
        Ok(())
    }

    #[test]
    fn a_missing_label_folder_is_named() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir(dir.path().join("0"))?;
        let message = labelled_files(dir.path()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("`1/`"), "{message}");
        Ok(())
    }
}
