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
    Ok(onnx_class_probabilities(onnx, set)?
        .iter()
        .map(|p| p.get(glasses_core::contract::EYEGLASSES_INDEX).copied().unwrap_or(0.0))
        .collect())
}

/// Every class's probability (softmax over the logits) of every image of `set` through
/// glasses-core's classifier running `onnx`.
pub fn onnx_class_probabilities(onnx: &[u8], set: &TensorSet) -> Result<Vec<Vec<f32>>> {
    let classifier = Classifier::from_bytes(onnx, ClassifierOptions::default())?;
    let images = set.images.to_device(tch::Device::Cpu).to_kind(tch::Kind::Float).contiguous();
    let mut out = Vec::with_capacity(set.len());
    for i in 0..set.len() as i64 {
        let row = Vec::<f32>::try_from(&images.get(i).view([-1]))?;
        out.push(glasses_core::softmax(&classifier.logits(&row)?));
    }
    Ok(out)
}

/// The `train.recipe` metadata string of a run's settings.
pub fn recipe_text(meta: &RunMeta) -> String {
    let c = &meta.config;
    format!(
        "{} {}, {} classes, {} epochs{}{}, batch {}, AdamW lr {} wd {}, warm-up {} + cosine, augment {}{}{}, {} further negatives per epoch, {}",
        c.architecture,
        match (&c.init_weights, &c.init_from) {
            (Some(w), _) if w.extension().is_some_and(|e| e == "onnx") => format!(
                "fine-tuned from {}",
                w.file_name().map_or_else(|| w.display().to_string(), |n| n.to_string_lossy().into_owned())
            ),
            (Some(_), _) => "from ImageNet weights".to_owned(),
            (None, Some(_)) => "fine-tuned from a trained run".to_owned(),
            (None, None) => "from scratch".to_owned(),
        },
        c.classes,
        c.epochs,
        if c.balanced_sampling { " of class-balanced draws" } else { "" },
        match &c.hard_negatives {
            Some(_) => format!(" (mined hard faces drawn up to {}x as often)", c.hard_negative_factor),
            None => String::new(),
        },
        c.batch_size,
        c.lr,
        c.weight_decay,
        c.warmup_epochs,
        c.augment,
        match (c.framing_augment, c.robust_augment) {
            (true, _) => " (robust, framing)",
            (false, true) => " (robust)",
            (false, false) => "",
        },
        match c.gray_hard_share {
            Some(p) if c.framing_augment => format!(", hard-lit grayscale {p}"),
            _ => String::new(),
        },
        c.extra_negatives_per_epoch,
        match &meta.teacher {
            Some(_) => format!("distilled from a teacher (alpha {}, T {})", c.alpha, c.temperature),
            None => "no distillation".to_owned(),
        }
    )
}
