//! Export through glasses-core: VarStore tensors become [`glasses_core::export::Weights`], and
//! [`glasses_core::export::export_onnx`] writes the file the classifier loads.

use std::collections::BTreeMap;

use glasses_core::export::{ExportOptions, WeightPrecision, export_onnx};
use glasses_core::preprocess::ResizeMode;
use glasses_core::{Classifier, ClassifierOptions, Preprocessing};

use crate::checkpoint::RunMeta;
use crate::data::TensorSet;
use crate::error::Result;
use crate::model::Network;

/// Licence terms of the CelebA images the bundled model is trained on.
pub const CELEBA_LICENSE: &str = "CelebA non-commercial research only";

/// The export options for a trained run: its input size, ImageNet normalisation, `precision`,
/// plus `extra` metadata.
pub fn options_for(
    net: &Network,
    meta: &RunMeta,
    precision: WeightPrecision,
    extra: BTreeMap<String, String>,
) -> ExportOptions {
    let mut o = ExportOptions::new(net.architecture, meta.config.input_width);
    o.input_width = meta.config.input_width;
    o.input_height = meta.config.input_height;
    o.precision = precision;
    o.extra_metadata = extra;
    if meta.config.classes == glasses_core::contract::NUM_CLASSES_WITH_SUNGLASSES {
        o.class_names = glasses_core::contract::eyewear_class_names();
    }
    if meta.data.as_ref().is_some_and(|d| d.resize == ResizeMode::CenterCrop.name()) {
        o.resize = ResizeMode::CenterCrop;
    }
    o
}

/// The ONNX bytes of `net` with `options`.
pub fn export_network(net: &Network, options: &ExportOptions) -> Result<Vec<u8>> {
    Ok(export_onnx(&net.weights()?, options)?)
}

/// The preprocessing an exported model with `options` declares.
pub fn preprocessing_of(options: &ExportOptions) -> Preprocessing {
    Preprocessing {
        width: options.input_width,
        height: options.input_height,
        mean: options.mean,
        std: options.std,
        resize: options.resize,
    }
}

/// P(eyeglasses) of every image of `set` through glasses-core's classifier running `onnx`.
pub fn onnx_probabilities(onnx: &[u8], set: &TensorSet) -> Result<Vec<f32>> {
    let classifier = Classifier::from_bytes(onnx, ClassifierOptions::default())?;
    let images = set.images.to_device(tch::Device::Cpu).to_kind(tch::Kind::Float).contiguous();
    let mut out = Vec::with_capacity(set.len());
    for i in 0..set.len() as i64 {
        let row = Vec::<f32>::try_from(&images.get(i).view([-1]))?;
        out.push(glasses_core::softmax_eyeglasses(&classifier.logits(&row)?));
    }
    Ok(out)
}
