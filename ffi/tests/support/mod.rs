//! What the integration tests of every surface share: the golden cases of
//! `tests/fixtures/golden.json` and the YUV reference conversion (both shared with core's tests,
//! from tests/support/), and pictures turned by each of the eight orientations.
//!
//! Each test file includes this folder with `mod support;` and uses what it needs.
#![allow(dead_code)]

#[path = "../../../tests/support/golden.rs"]
pub mod golden;
pub mod turn;
#[path = "../../../tests/support/yuv.rs"]
pub mod yuv;

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("ffi/ has a parent").to_path_buf()
}

/// The version in `[workspace.package]` of the root `Cargo.toml`: the one version every surface
/// reports, read from the file itself so a test fails when a surface drifts from it.
pub fn workspace_version() -> String {
    let path = repo_root().join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut in_package = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[workspace.package]";
        } else if in_package && let Some(value) = line.strip_prefix("version") {
            let value = value.trim_start().strip_prefix('=').map(str::trim).unwrap_or_default();
            return value.trim_matches('"').to_owned();
        }
    }
    panic!("{} has no version in [workspace.package]", path.display())
}

/// A three-class int8 model with its own version, input size and recommended threshold, so a
/// model-info check sees every field differ from the defaults. Returns the file and the
/// threshold written into its metadata.
pub fn info_model() -> (Vec<u8>, f32) {
    use glasses_core::export::{
        Architecture, ExportOptions, WeightPrecision, export_onnx, random_weights_for,
    };
    const DEFAULT_THRESHOLD: f32 = 0.42;
    let options = ExportOptions {
        input_width: 72,
        input_height: 88,
        precision: WeightPrecision::Int8,
        class_names: glasses_core::contract::eyewear_class_names(),
        model_version: "model-info-v7".to_owned(),
        extra_metadata: [("glasses.default_threshold".to_owned(), DEFAULT_THRESHOLD.to_string())].into(),
        ..ExportOptions::new(Architecture::SqueezeNet1_1, 64)
    };
    let weights = random_weights_for(Architecture::SqueezeNet1_1, 3, 7);
    (export_onnx(&weights, &options).expect("the model-info model exports"), DEFAULT_THRESHOLD)
}

/// The uniffi surface's answer in the terms every surface shares.
impl From<&glasses_ffi::uniffi::GlassesResultRecord> for golden::Answer {
    fn from(r: &glasses_ffi::uniffi::GlassesResultRecord) -> Self {
        Self {
            has_glasses: r.has_glasses,
            probability: r.probability,
            eyewear: r.eyewear as u32,
            probability_none: r.probability_none,
            probability_sunglasses: r.probability_sunglasses,
        }
    }
}
