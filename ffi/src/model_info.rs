//! What every surface reports about the loaded model (C's `glasses_classifier_model_info`,
//! Kotlin's `modelInfo()`, Swift's `modelInfo`), read once here so the three agree.

use glasses_core::Classifier;
use glasses_core::contract::{KEY_WEIGHT_PRECISION, ModelMetadata};

use crate::codes::GlassesWeightPrecision;

/// Metadata key of the threshold the trainer chose for the model (`glasses.default_threshold`).
pub(crate) const KEY_DEFAULT_THRESHOLD: &str = "glasses.default_threshold";

/// The facts about a classifier's model that the surfaces report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModelFacts {
    /// Version of the trained weights (`glasses.model_version`; empty when the file has none).
    pub(crate) model_version: String,
    /// Architecture name, e.g. `squeezenet1_1`.
    pub(crate) architecture: String,
    /// Class names in output order (2 or 3).
    pub(crate) class_names: Vec<String>,
    /// Model input width in pixels.
    pub(crate) input_width: u32,
    /// Model input height in pixels.
    pub(crate) input_height: u32,
    /// The decision threshold in force (the options' own, else the model file's, else 0.5).
    pub(crate) threshold: f32,
    /// The threshold the model file recommends, when its metadata carries one.
    pub(crate) model_default_threshold: Option<f32>,
    /// How the file stores its weights.
    pub(crate) weight_precision: GlassesWeightPrecision,
}

impl ModelFacts {
    /// The facts of `classifier`'s model and options.
    pub(crate) fn of(classifier: &Classifier) -> Self {
        let m = classifier.metadata();
        Self {
            model_version: m.model_version.clone(),
            architecture: m.architecture.clone(),
            class_names: m.class_names.clone(),
            input_width: m.input_width,
            input_height: m.input_height,
            threshold: classifier.threshold(),
            model_default_threshold: model_default_threshold(m),
            weight_precision: weight_precision(m),
        }
    }
}

/// The model file's own threshold, if its metadata carries a valid one (in (0, 1)).
///
/// Read from the entries the metadata writes back ([`ModelMetadata::to_props`]) rather than from a
/// field: core may keep the key among the extra entries or in a field of its own, and both are
/// written back under the same key.
pub(crate) fn model_default_threshold(metadata: &ModelMetadata) -> Option<f32> {
    metadata
        .to_props()
        .into_iter()
        .find(|(key, _)| key == KEY_DEFAULT_THRESHOLD)
        .and_then(|(_, value)| value.trim().parse::<f32>().ok())
        .filter(|t| t.is_finite() && *t > 0.0 && *t < 1.0)
}

/// How the weights are stored, from the file's `glasses.weight_precision` entry: core's loader
/// keeps no other record of it (int8 weights are dequantised into the same float plan).
pub(crate) fn weight_precision(metadata: &ModelMetadata) -> GlassesWeightPrecision {
    match metadata.extra.get(KEY_WEIGHT_PRECISION).map(|p| p.trim()) {
        Some("f32") => GlassesWeightPrecision::Float32,
        Some("int8") => GlassesWeightPrecision::Int8,
        _ => GlassesWeightPrecision::Unknown,
    }
}
