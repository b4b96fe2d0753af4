//! `glasses eval`: accuracy, precision, recall, F1, ROC-AUC and the confusion matrix of a model on a
//! labelled folder.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;

use crate::args::{EvalArgs, ReportFormat};
use crate::batch;
use crate::errors::{self, Status};
use crate::face_boxes::Usage;
use crate::metrics::{self, Confusion};
use crate::model;
use crate::output::{self, Destination};
use glasses_core::Eyewear;

/// Label folders: `0/` holds faces without eyeglasses, `1/` faces with them, `sunglasses/`
/// (optional) faces with sunglasses, which count as "no eyeglasses" in the binary metrics.
const LABELS: [(&str, Eyewear, bool); 3] = [
    ("0", Eyewear::None, true),
    ("1", Eyewear::Eyeglasses, true),
    ("sunglasses", Eyewear::Sunglasses, false),
];

/// Rows and columns of the eyewear confusion matrix.
const KINDS: [Eyewear; 3] = [Eyewear::None, Eyewear::Eyeglasses, Eyewear::Sunglasses];

/// Actual (rows: none, eyeglasses, sunglasses) against predicted (columns, same order) eyewear.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct EyewearConfusion {
    pub classes: [&'static str; 3],
    pub counts: [[usize; 3]; 3],
}

impl EyewearConfusion {
    fn from_pairs(pairs: impl IntoIterator<Item = (Eyewear, Eyewear)>) -> Self {
        let index = |kind: Eyewear| KINDS.iter().position(|k| *k == kind).unwrap_or(0);
        let mut counts = [[0; 3]; 3];
        for (actual, predicted) in pairs {
            counts[index(actual)][index(predicted)] += 1;
        }
        Self { classes: KINDS.map(Eyewear::name), counts }
    }
}

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
    /// Images of `sunglasses/` (counted as negatives above).
    pub sunglasses: usize,
    /// The 3x3 eyewear matrix, when the folder has `sunglasses/` images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eyewear_confusion_matrix: Option<EyewearConfusion>,
    /// How many images were classified inside a `--face-boxes` box and how many whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub face_boxes: Option<Usage>,
}

pub fn run(args: &EvalArgs) -> anyhow::Result<Status> {
    let (labelled, unsearchable) = labelled_files(&args.images_path)?;
    let classifier = model::load(&args.model, args.run.options())?;
    let boxes = batch::face_boxes(&args.run)?;
    let (files, labels): (Vec<PathBuf>, Vec<Eyewear>) = labelled.into_iter().unzip();
    let outcomes = batch::classify(&classifier, files, &args.run, boxes.as_ref())?;

    let mut failed = unsearchable;
    let mut scored = Vec::with_capacity(outcomes.len());
    let mut decided = Vec::with_capacity(outcomes.len());
    let mut kinds = Vec::with_capacity(outcomes.len());
    for (outcome, actual) in outcomes.iter().zip(labels) {
        match &outcome.result {
            Ok(p) => {
                let positive = actual == Eyewear::Eyeglasses;
                scored.push((positive, p.probability));
                decided.push((positive, p.has_glasses));
                kinds.push((actual, p.eyewear));
            }
            Err(e) => {
                failed += 1;
                errors::warn(&format!("error: {}: {e}", outcome.path.display()));
            }
        }
    }
    let confusion = Confusion::from_pairs(decided);
    let sunglasses = kinds.iter().filter(|(actual, _)| *actual == Eyewear::Sunglasses).count();
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
        sunglasses,
        eyewear_confusion_matrix: (sunglasses > 0).then(|| EyewearConfusion::from_pairs(kinds)),
        face_boxes: batch::usage(&outcomes, boxes.as_ref()),
    };
    Destination::Stdout.write(&render(&report, args.format)?)?;
    Ok(Status::from_failures(failed))
}

/// Image files under `root/0` and `root/1` (recursively) with their label; anything else in
/// `root` is ignored. Subfolders that cannot be searched are reported on stderr and counted (the
/// second value) as failures instead of stopping the evaluation.
fn labelled_files(root: &Path) -> anyhow::Result<(Vec<(PathBuf, Eyewear)>, usize)> {
    if !root.is_dir() {
        bail!("`{}` is not a folder (eval needs a folder with `0/` and `1/` subfolders)", root.display());
    }
    let mut labelled = Vec::new();
    let mut unsearchable = 0;
    for (name, label, required) in LABELS {
        let dir = root.join(name);
        if !dir.is_dir() {
            if !required {
                continue;
            }
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
        ("sunglasses", format!("{} (counted as no eyeglasses)", r.sunglasses)),
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
    let mut text = format!(
        "{}\nconfusion matrix (0 = no eyeglasses, 1 = eyeglasses):\n{}",
        output::table(&rows),
        output::table(&matrix)
    );
    if let Some(e) = &r.eyewear_confusion_matrix {
        let header = std::iter::once(String::new()).chain(e.classes.iter().map(|c| format!("predicted {c}")));
        let mut table = vec![header.collect::<Vec<_>>()];
        for (class, counts) in e.classes.iter().zip(&e.counts) {
            table.push(
                std::iter::once(format!("actual {class}"))
                    .chain(counts.iter().map(usize::to_string))
                    .collect(),
            );
        }
        text.push_str(&format!("\neyewear confusion matrix:\n{}", output::table(&table)));
    }
    if let Some(u) = r.face_boxes {
        text.push_str(&format!(
            "\nface boxes: {} images classified inside their box, {} whole\n",
            u.by_face_box, u.whole_picture
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_label_folders_count() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        for name in
            ["0/a.png", "0/deep/b.jpg", "1/c.png", "other/d.png", "e.png", "1/notes.txt", "sunglasses/s.png"]
        {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap_or(dir.path()))?;
            std::fs::write(path, b"")?;
        }
        let (found, _) = labelled_files(dir.path())?;
        let relative: Vec<(PathBuf, Eyewear)> = found
            .into_iter()
            .map(|(p, l)| (p.strip_prefix(dir.path()).map(Path::to_path_buf).unwrap_or(p), l))
            .collect();
        assert_eq!(
            relative,
            vec![
                ("0/a.png".into(), Eyewear::None),
                ("0/deep/b.jpg".into(), Eyewear::None),
                ("1/c.png".into(), Eyewear::Eyeglasses),
                ("sunglasses/s.png".into(), Eyewear::Sunglasses),
            ]
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

    #[test]
    fn the_eyewear_matrix_counts_actual_against_predicted() {
        let m = EyewearConfusion::from_pairs([
            (Eyewear::None, Eyewear::None),
            (Eyewear::Sunglasses, Eyewear::Eyeglasses),
            (Eyewear::Sunglasses, Eyewear::Sunglasses),
            (Eyewear::Eyeglasses, Eyewear::Eyeglasses),
        ]);
        assert_eq!(m.counts, [[1, 0, 0], [0, 1, 0], [0, 1, 1]]);
        assert_eq!(m.classes, ["none", "eyeglasses", "sunglasses"]);
    }
}
