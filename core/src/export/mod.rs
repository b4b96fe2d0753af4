//! Writing glasses models: builds the ONNX graph of a supported architecture from named weight
//! tensors (PyTorch/torchvision naming), so the trainer exports through core and tests can make
//! models without libtorch.
//!
//! BatchNorm layers are folded into the preceding convolution at export time, so exported
//! ResNet-18 graphs hold only Conv, Relu, MaxPool, Add, GlobalAveragePool, Flatten and Gemm.
//! With [`WeightPrecision::Int8`] every convolution and dense weight is stored as int8 with one
//! scale per output channel and a `DequantizeLinear` node; activations stay float32.

mod architecture;
mod graph;
mod quantize;
mod random;

use std::collections::BTreeMap;

pub use architecture::{Architecture, FireModule, RESNET18_STAGES, ResNetStage, SQUEEZENET_FIRES};
pub use quantize::{QuantizeOptions, RangeMethod, quantize_static};
pub use random::{random_weights, random_weights_for};

use crate::contract::{self, ModelMetadata};
use crate::error::{Error, Result};
use crate::preprocess::{IMAGENET_MEAN, IMAGENET_STD};

/// One named parameter: its shape and values in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightTensor {
    /// Dimensions, outermost first (PyTorch order: `[out, in, kh, kw]` for convolutions).
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub data: Vec<f32>,
}

impl WeightTensor {
    /// A tensor of the given shape; fails when `data` has another length.
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Result<Self> {
        let n: usize = shape.iter().product();
        if n != data.len() {
            return Err(Error::export(format!("shape {shape:?} needs {n} values, got {}", data.len())));
        }
        Ok(Self { shape, data })
    }
}

/// Parameters by their PyTorch state-dict names (e.g. `features.3.squeeze.weight`).
pub type Weights = BTreeMap<String, WeightTensor>;

/// How weights are stored in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum WeightPrecision {
    /// float32 weights.
    #[default]
    F32,
    /// int8 weights, symmetric, one scale per output channel, dequantized in the graph.
    Int8,
}

impl WeightPrecision {
    /// The name written into the model metadata.
    pub fn name(self) -> &'static str {
        match self {
            Self::F32 => "f32",
            Self::Int8 => "int8",
        }
    }
}

/// What to write besides the weights.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportOptions {
    /// Network architecture the weights belong to.
    pub architecture: Architecture,
    /// Input width in pixels.
    pub input_width: u32,
    /// Input height in pixels.
    pub input_height: u32,
    /// Normalisation mean (R, G, B).
    pub mean: [f32; 3],
    /// Normalisation standard deviation (R, G, B).
    pub std: [f32; 3],
    /// Weight storage.
    pub precision: WeightPrecision,
    /// Class names in output order: [`contract::default_class_names`] (2) or
    /// [`contract::eyewear_class_names`] (3, with sunglasses); the weights' head must match.
    pub class_names: Vec<String>,
    /// How pictures are fitted to the input, written into the metadata.
    pub resize: contract::ResizeMode,
    /// Version string of the trained weights.
    pub model_version: String,
    /// The P(eyeglasses) threshold for callers that set none
    /// ([`contract::KEY_DEFAULT_THRESHOLD`]); checked by [`export_onnx`].
    pub default_threshold: Option<f32>,
    /// Further metadata (metrics, data terms); keys must not start with `glasses.` unless they are
    /// meant to override nothing from the contract.
    pub extra_metadata: BTreeMap<String, String>,
}

impl ExportOptions {
    /// Defaults: square input of `input_size`, ImageNet normalisation, float32 weights, two
    /// classes, stretched pictures (as every model before contract version 2).
    pub fn new(architecture: Architecture, input_size: u32) -> Self {
        Self {
            architecture,
            input_width: input_size,
            input_height: input_size,
            mean: IMAGENET_MEAN,
            std: IMAGENET_STD,
            precision: WeightPrecision::F32,
            class_names: contract::default_class_names(),
            resize: contract::ResizeMode::Stretch,
            model_version: String::new(),
            default_threshold: None,
            extra_metadata: BTreeMap::new(),
        }
    }

    /// The metadata the exported file will carry.
    pub fn metadata(&self) -> ModelMetadata {
        let mut extra = self.extra_metadata.clone();
        extra.insert(contract::KEY_WEIGHT_PRECISION.to_owned(), self.precision.name().to_owned());
        ModelMetadata {
            input_width: self.input_width,
            input_height: self.input_height,
            mean: self.mean,
            std: self.std,
            class_names: self.class_names.clone(),
            resize: self.resize,
            architecture: self.architecture.name().to_owned(),
            contract_version: contract::CONTRACT_VERSION,
            model_version: self.model_version.clone(),
            default_threshold: self.default_threshold,
            extra,
        }
    }
}

/// Builds the ONNX file for `weights`. Every parameter the architecture needs must be present
/// with its exact shape; unknown names are refused (BatchNorm `num_batches_tracked` is ignored).
pub fn export_onnx(weights: &Weights, options: &ExportOptions) -> Result<Vec<u8>> {
    let min = options.architecture.min_input_size();
    if options.input_width < min
        || options.input_height < min
        || options.input_width > contract::MAX_INPUT_SIDE
        || options.input_height > contract::MAX_INPUT_SIDE
    {
        return Err(Error::export(format!(
            "input {}x{} is outside {min}..={} for {}",
            options.input_width,
            options.input_height,
            contract::MAX_INPUT_SIDE,
            options.architecture.name()
        )));
    }
    if let Some(t) = options.default_threshold {
        contract::validate_threshold(t).map_err(|e| Error::export(e.to_string()))?;
    }
    let classes = options.class_names.len();
    if ![contract::NUM_CLASSES, contract::NUM_CLASSES_WITH_SUNGLASSES].contains(&classes) {
        return Err(Error::export(format!("a model has 2 or 3 classes, {classes} class names given")));
    }
    architecture::check_weights(options.architecture, classes, weights)?;
    let graph = graph::build(weights, options)?;
    Ok(graph::encode_model(graph, &options.metadata()))
}

/// Symmetric int8 of a weight, one scale per output channel (`values` holds `out_channels` equal
/// rows): the scales and the int8 values as stored bytes. Each row's largest magnitude maps to
/// 127; an all-zero row gets scale 1.
pub(crate) fn int8_per_channel(values: &[f32], out_channels: usize) -> (Vec<f32>, Vec<u8>) {
    let per_channel = values.len() / out_channels;
    let mut scales = Vec::with_capacity(out_channels);
    let mut q = Vec::with_capacity(values.len());
    for row in values.chunks_exact(per_channel) {
        let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        scales.push(scale);
        q.extend(row.iter().map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8 as u8));
    }
    (scales, q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Classifier, ClassifierOptions};

    fn squeezenet(options: ExportOptions) -> Result<Vec<u8>> {
        export_onnx(&random_weights_for(Architecture::SqueezeNet1_1, 3, 3), &options)
    }

    fn three_class_options() -> ExportOptions {
        ExportOptions {
            class_names: contract::eyewear_class_names(),
            ..ExportOptions::new(Architecture::SqueezeNet1_1, 64)
        }
    }

    #[test]
    fn the_default_threshold_is_written_and_read_back() -> Result<()> {
        let bytes = squeezenet(ExportOptions { default_threshold: Some(0.42), ..three_class_options() })?;
        let c = Classifier::from_bytes(&bytes, ClassifierOptions::default())?;
        assert_eq!(c.metadata().default_threshold, Some(0.42));
        assert_eq!(c.metadata().class_names, ["none", "eyeglasses", "sunglasses"]);
        let without = squeezenet(three_class_options())?;
        let c = Classifier::from_bytes(&without, ClassifierOptions::default())?;
        assert_eq!(c.metadata().default_threshold, None);
        Ok(())
    }

    #[test]
    fn an_invalid_default_threshold_is_not_written() {
        for bad in [0.0, 1.0, -0.1, f32::NAN] {
            let err = squeezenet(ExportOptions { default_threshold: Some(bad), ..three_class_options() })
                .expect_err("refused");
            assert!(
                matches!(err, Error::Export { .. })
                    && err.to_string().contains(contract::KEY_DEFAULT_THRESHOLD),
                "{bad}: {err}"
            );
        }
    }
}
