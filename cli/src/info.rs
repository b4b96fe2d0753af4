//! `glasses info`: what a model file is and what it expects.

use std::collections::BTreeMap;

use anyhow::Context;
use serde::Serialize;

use crate::args::{InfoArgs, ReportFormat};
use crate::errors::Status;
use crate::model;
use crate::output::{self, Destination};
use glasses_core::Eyewear;

#[derive(Debug, Serialize)]
pub struct Info {
    pub model: String,
    pub size_bytes: usize,
    pub parameter_count: usize,
    pub input_width: u32,
    pub input_height: u32,
    pub architecture: String,
    pub contract_version: u32,
    pub model_version: String,
    /// The threshold on P(eyeglasses) used when `--threshold` is not given: the file's own
    /// (`glasses.default_threshold`) or 0.5.
    pub default_threshold: f32,
    /// Whether the file carries its own default threshold.
    pub threshold_from_model: bool,
    /// The model's classes in the names every command prints (`none`, `eyeglasses`,
    /// `sunglasses`), in the contract's order.
    pub class_names: Vec<String>,
    /// The class names as the model file's metadata spells them.
    pub metadata_class_names: Vec<String>,
    /// How pictures are fitted to the input (`stretch` or `center_crop`).
    pub resize: String,
    pub mean: [f32; 3],
    pub std: [f32; 3],
    /// What runs the model on this machine (engine and micro-kernels).
    pub engine: String,
    /// Multiply-accumulates per image in the convolutions (absent when tract runs the model).
    pub multiply_accumulates: Option<u64>,
    /// Every other metadata entry (training metrics, weight precision, ...).
    pub metadata: BTreeMap<String, String>,
}

pub fn run(args: &InfoArgs) -> anyhow::Result<Status> {
    let classifier = model::load(&args.model, glasses_core::ClassifierOptions::default())?;
    let loaded = classifier.info();
    let m = &loaded.metadata;
    let info = Info {
        model: model::source(&args.model),
        size_bytes: loaded.size_bytes,
        parameter_count: loaded.parameter_count,
        input_width: m.input_width,
        input_height: m.input_height,
        architecture: m.architecture.clone(),
        contract_version: m.contract_version,
        model_version: m.model_version.clone(),
        default_threshold: loaded.default_threshold(),
        threshold_from_model: m.default_threshold.is_some(),
        class_names: canonical_names(m.class_names.len()),
        metadata_class_names: m.class_names.clone(),
        resize: m.resize.name().to_owned(),
        mean: m.mean,
        std: m.std,
        engine: classifier.engine(),
        multiply_accumulates: classifier.multiply_accumulates(),
        metadata: m.extra.clone(),
    };
    Destination::Stdout.write(&render(&info, args.format)?)?;
    Ok(Status::Success)
}

/// The canonical names of a model with `count` classes: the contract fixes what each index means
/// (0 none, 1 eyeglasses, 2 sunglasses), whatever the file calls them.
fn canonical_names(count: usize) -> Vec<String> {
    [Eyewear::None, Eyewear::Eyeglasses, Eyewear::Sunglasses]
        .into_iter()
        .take(count)
        .map(|kind| kind.name().to_owned())
        .collect()
}

/// The default threshold and where it comes from.
fn threshold_row(info: &Info) -> String {
    let source = if info.threshold_from_model { "the model's" } else { "the model sets none" };
    format!("{} ({source})", info.default_threshold)
}

pub fn render(info: &Info, format: ReportFormat) -> anyhow::Result<Vec<u8>> {
    match format {
        ReportFormat::Json => {
            let mut bytes =
                serde_json::to_vec_pretty(info).context("cannot encode the model info as JSON")?;
            bytes.push(b'\n');
            Ok(bytes)
        }
        ReportFormat::Table => Ok(render_table(info).into_bytes()),
    }
}

fn render_table(info: &Info) -> String {
    let triplet = |v: &[f32; 3]| v.iter().map(f32::to_string).collect::<Vec<_>>().join(", ");
    let or_dash = |s: &str| if s.is_empty() { "-".to_owned() } else { s.to_owned() };
    let mut rows: Vec<Vec<String>> = [
        ("model", info.model.clone()),
        ("size_bytes", info.size_bytes.to_string()),
        ("parameter_count", info.parameter_count.to_string()),
        ("input_size", format!("{}x{}", info.input_width, info.input_height)),
        ("architecture", info.architecture.clone()),
        ("contract_version", info.contract_version.to_string()),
        ("model_version", or_dash(&info.model_version)),
        ("default_threshold", threshold_row(info)),
        ("class_names", info.class_names.join(", ")),
        ("metadata_class_names", info.metadata_class_names.join(", ")),
        ("resize", info.resize.clone()),
        ("mean", triplet(&info.mean)),
        ("std", triplet(&info.std)),
        ("engine", info.engine.clone()),
        ("multiply_accumulates", info.multiply_accumulates.map_or_else(|| "-".to_owned(), |n| n.to_string())),
    ]
    .into_iter()
    .map(|(k, v)| vec![k.to_owned(), v])
    .collect();
    rows.extend(info.metadata.iter().map(|(k, v)| vec![k.clone(), v.clone()]));
    output::table(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_named_by_their_index() {
        assert_eq!(canonical_names(2), ["none", "eyeglasses"]);
        assert_eq!(canonical_names(3), ["none", "eyeglasses", "sunglasses"]);
    }
}
