//! `glasses eval`: accuracy, precision, recall, F1, ROC-AUC and the confusion matrix of a model on a
//! labelled folder.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::args::EvalArgs;
use crate::batch::{self, Outcome};
use crate::errors::{self, Status};
use crate::eval_report::{EyewearConfusion, FaceCounts, Mistake, PrecisionTarget, Report};
use crate::metrics::{self, Confusion};
use crate::model;
use crate::output::Destination;
use crate::skipped;
use glasses_core::{Eyewear, SkippedFile};

/// Label folders: `0/` holds faces without eyeglasses, `1/` faces with them, `sunglasses/`
/// (optional) faces with sunglasses, which count as "no eyeglasses" in the binary metrics.
const LABELS: [(&str, Eyewear, bool); 3] = [
    ("0", Eyewear::None, true),
    ("1", Eyewear::Eyeglasses, true),
    ("sunglasses", Eyewear::Sunglasses, false),
];

pub fn run(args: &EvalArgs) -> anyhow::Result<Status> {
    let destination = args.output.destination(args.force);
    destination.check()?;
    let mistakes_file = args.misclassified.as_deref().map(|path| Destination::new(Some(path), args.force));
    if let Some(file) = &mistakes_file {
        file.check()?;
    }
    let found = labelled_files(&args.images_path)?;
    let skipped = skipped::group(&found.skipped);
    for group in &skipped {
        errors::warn(&group.line());
    }
    let boxes = batch::face_boxes(&args.run)?;
    let classifier = model::load(&args.model, args.run.options())?;
    let (files, labels): (Vec<PathBuf>, Vec<Eyewear>) = found.labelled.into_iter().unzip();
    let groups = batch::classify(&classifier, files, &args.run, boxes.as_ref())?;
    let labelled: Vec<(Outcome, Eyewear)> = groups
        .into_iter()
        .zip(labels)
        .flat_map(|(group, label)| group.into_iter().map(move |o| (o, label)))
        .collect();

    let mut failed = found.unsearchable;
    let mut scored = Vec::with_capacity(labelled.len());
    let mut decided = Vec::with_capacity(labelled.len());
    let mut kinds = Vec::with_capacity(labelled.len());
    let mut mistakes = Vec::new();
    for (outcome, actual) in &labelled {
        // Per picture: the largest face answers for it; the others are counted in `faces`.
        let extra_face = outcome.detected.is_some() && outcome.face_index.is_some_and(|i| i > 0);
        if extra_face || outcome.no_face {
            continue;
        }
        match &outcome.result {
            Ok(p) => {
                let positive = *actual == Eyewear::Eyeglasses;
                scored.push((positive, p.probability));
                decided.push((positive, p.has_glasses));
                kinds.push((*actual, p.eyewear));
                mistakes.extend(mistake(&outcome.path, *actual, p));
            }
            Err(e) => {
                failed += 1;
                errors::warn(&format!("error: {}: {e}", outcome.path.display()));
            }
        }
    }
    mistakes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence).then_with(|| a.path.cmp(&b.path)));
    let confusion = Confusion::from_pairs(decided);
    let sunglasses = kinds.iter().filter(|(actual, _)| *actual == Eyewear::Sunglasses).count();
    let outcomes: Vec<Outcome> = labelled.into_iter().map(|(o, _)| o).collect();
    let report = Report {
        images_path: args.images_path.display().to_string(),
        model: model::source(&args.model),
        threshold: classifier.threshold(),
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
        faces: FaceCounts::of(&outcomes, args.run.faces),
        threshold_sweep: metrics::sweep(&scored, &metrics::sweep_thresholds(classifier.threshold())),
        precision_at: args.precision_at.map(|target| PrecisionTarget {
            target,
            reached: metrics::lowest_threshold_for_precision(&scored, target),
        }),
        misclassified: mistakes.len(),
        skipped,
    };
    if let (Some(file), Some(path)) = (&mistakes_file, &args.misclassified) {
        file.write(&crate::eval_render::mistakes(&mistakes, path)?)?;
    }
    destination.write(&crate::eval_render::render(&report, args.output.format())?)?;
    Ok(Status::from_failures(failed))
}

/// The mistake `prediction` makes on a picture labelled `actual`, if any: the predicted eyewear is
/// not the label's. A two-class model has no sunglasses class, so for it "none" is the right
/// answer for sunglasses (they are not eyeglasses).
fn mistake(path: &Path, actual: Eyewear, prediction: &glasses_core::Prediction) -> Option<Mistake> {
    let q = prediction.probabilities;
    let expected = match (actual, q.sunglasses) {
        (Eyewear::Sunglasses, None) => Eyewear::None,
        _ => actual,
    };
    if prediction.eyewear == expected {
        return None;
    }
    let confidence = match prediction.eyewear {
        Eyewear::None => q.none,
        Eyewear::Eyeglasses => q.eyeglasses,
        _ => q.sunglasses.unwrap_or(0.0),
    };
    Some(Mistake {
        path: path.display().to_string(),
        truth: actual.name(),
        prediction: prediction.eyewear.name(),
        probability: prediction.probability,
        confidence,
    })
}

/// What the label folders hold.
struct Labelled {
    labelled: Vec<(PathBuf, Eyewear)>,
    /// Subfolders that could not be searched (reported on stderr, counted as failures).
    unsearchable: usize,
    skipped: Vec<SkippedFile>,
}

/// Image files under `root/0`, `root/1` and `root/sunglasses` (recursively) with their label;
/// anything else in `root` is ignored. Subfolders that cannot be searched are reported on stderr
/// and counted as failures instead of stopping the evaluation.
fn labelled_files(root: &Path) -> anyhow::Result<Labelled> {
    if !root.is_dir() {
        bail!("`{}` is not a folder (eval needs a folder with `0/` and `1/` subfolders)", root.display());
    }
    let mut found = Labelled { labelled: Vec::new(), unsearchable: 0, skipped: Vec::new() };
    for (name, label, required) in LABELS {
        let dir = root.join(name);
        if !dir.is_dir() {
            if !required {
                continue;
            }
            bail!("`{}` has no `{name}/` subfolder (eval needs `0/` and `1/`)", root.display());
        }
        let scan = glasses_core::scan_folder(&dir)
            .with_context(|| format!("cannot search folder `{}`", dir.display()))?;
        found.skipped.extend(scan.skipped);
        for item in scan.images {
            match item {
                Ok(file) => found.labelled.push((file, label)),
                Err(e) => {
                    found.unsearchable += 1;
                    errors::warn(&format!("error: cannot search folder: {}", errors::chain(&e)));
                }
            }
        }
    }
    if found.labelled.is_empty() && found.unsearchable == 0 {
        bail!("no image files found in `{}/0` or `{}/1`", root.display(), root.display());
    }
    Ok(found)
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
        let found = labelled_files(dir.path())?;
        let skipped: Vec<PathBuf> = found.skipped.iter().map(|s| s.path.clone()).collect();
        assert_eq!(skipped, [dir.path().join("1/notes.txt")]);
        let relative: Vec<(PathBuf, Eyewear)> = found
            .labelled
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

    #[test]
    fn mistakes_follow_the_model_s_classes() {
        let three = |q: [f32; 3]| glasses_core::Prediction::from_probabilities(&q, 0.5);
        let two = |q: [f32; 2]| glasses_core::Prediction::from_probabilities(&q, 0.5);
        let path = Path::new("x.png");
        assert!(mistake(path, Eyewear::Sunglasses, &three([0.1, 0.2, 0.7])).is_none());
        let wrong = mistake(path, Eyewear::Sunglasses, &three([0.6, 0.1, 0.3]));
        assert_eq!(wrong.map(|m| (m.truth, m.prediction, m.confidence)), Some(("sunglasses", "none", 0.6)));
        // A two-class model is right to call sunglasses "none", wrong to call them eyeglasses.
        assert!(mistake(path, Eyewear::Sunglasses, &two([0.8, 0.2])).is_none());
        assert!(mistake(path, Eyewear::Sunglasses, &two([0.25, 0.75])).is_some());
        assert!(mistake(path, Eyewear::None, &two([0.25, 0.75])).is_some());
    }
}
