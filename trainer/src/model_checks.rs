//! `glasses-trainer checks` for one model file: the validation fold and the check sets of
//! [`crate::checks`], the framing check sets of [`crate::framing_checks`] and the operating points
//! of [`crate::operating`], all through glasses-core with the model's own preprocessing.

use std::path::Path;

use glasses_core::{Classifier, ClassifierOptions, Preprocessing};

use crate::checks::{CheckReport, ValidationParts};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::export::{onnx_class_probabilities, onnx_probabilities};
use crate::framing_checks::FramingReport;
use crate::operating;

/// Everything measured on one model file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ModelChecks {
    /// The validation fold and the older check sets.
    pub checks: CheckReport,
    /// The framing check sets.
    pub framing: FramingReport,
    /// Operating points on the natural-ratio fold.
    pub operating_points: Vec<operating::OperatingPoint>,
}

/// Measures the model file at `path` on `parts` of `dataset`; returns the numbers and a
/// Markdown report headed by the model's name, version, input and default threshold.
pub fn measure_file(
    path: &Path,
    dataset: &Dataset,
    parts: &ValidationParts,
) -> Result<(ModelChecks, String)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let classifier = Classifier::from_bytes(&bytes, ClassifierOptions::default())?;
    let prep = *classifier.preprocessing();
    let checks = CheckReport::measure(dataset, parts, &prep, |set| onnx_probabilities(&bytes, set))?;
    let framing = FramingReport::measure(dataset, parts, &prep, |set| onnx_class_probabilities(&bytes, set))?;
    let (scores, labels) = &checks.natural_scores;
    let operating_points = operating::operating_points(scores, labels);
    let m = classifier.metadata();
    let text = format!(
        "{} ({}, {}x{}, {} classes, {}, default threshold {}):\n{}\nframing check sets (threshold 0.5):\n{}\noperating points on the natural-ratio fold ({} images), chosen at {:.0} % prevalence:\n{}",
        path.display(),
        m.model_version,
        prep.width,
        prep.height,
        m.num_classes(),
        prep.resize.name(),
        m.default_threshold.map_or_else(|| "none".to_owned(), |t| format!("{t:.3}")),
        checks.markdown(),
        framing.markdown(),
        labels.len(),
        operating::DEFAULT_PREVALENCE * 100.0,
        operating::markdown(&operating_points)
    );
    Ok((ModelChecks { checks, framing, operating_points }, text))
}

/// The default threshold of a trained network and how it was chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct ChosenThreshold {
    /// P(eyeglasses) threshold for callers that set none.
    pub threshold: f32,
    /// The rule, for the model's metadata.
    pub rule: String,
    /// A Markdown report: the threshold and the three operating points.
    pub report: String,
}

/// Chooses the default threshold of `net`: the F1 maximum at `prevalence` (negatives re-weighted,
/// [`operating::best_f1_threshold`]) on the natural-ratio part (every eyeglasses and "none" face)
/// of the held-out fold `fold` of `prepared`, through libtorch.
pub fn default_threshold(
    net: &crate::model::Network,
    prepared: &crate::pipeline::Prepared,
    fold: usize,
    prevalence: f64,
    device: tch::Device,
) -> Result<ChosenThreshold> {
    let options = prepared.options();
    let (_, val) = prepared.fold_indices(fold)?;
    let parts = ValidationParts::of(&prepared.dataset, &val, options.split_seed);
    let (p, labels) =
        natural_probabilities(net, &prepared.dataset, &parts, &options.preprocessing(), device)?;
    let threshold = operating::best_f1_threshold(&p, &labels, prevalence).ok_or_else(|| {
        Error::Config(format!(
            "fold {fold} lacks eyeglasses or other faces; no default threshold can be chosen (pass --default-threshold)"
        ))
    })?;
    let report = format!(
        "default threshold {threshold:.3}: F1 maximum at {:.0} % prevalence on {} held-out faces; operating points:\n{}",
        prevalence * 100.0,
        labels.len(),
        operating::markdown(&operating::operating_points(&p, &labels))
    );
    let rule = format!(
        "F1 maximum at {:.0} % eyeglasses prevalence (negatives re-weighted) on {} held-out faces of fold {fold}",
        prevalence * 100.0,
        labels.len()
    );
    Ok(ChosenThreshold { threshold, rule, report })
}

/// P(eyeglasses) of `net` through libtorch on the natural-ratio part of `parts` (every eyeglasses
/// and "none" face of the held-out fold, unaltered), and those faces' labels.
pub fn natural_probabilities(
    net: &crate::model::Network,
    dataset: &Dataset,
    parts: &ValidationParts,
    prep: &Preprocessing,
    device: tch::Device,
) -> Result<(Vec<f32>, Vec<u8>)> {
    let natural =
        crate::checks::load_variant(dataset, &parts.natural, prep, crate::checks::Variant::Original)?;
    let p = crate::train::probabilities(net, &natural, 64, device)?;
    Ok((p, natural.label_vec()?))
}
