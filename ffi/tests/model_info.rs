//! Which model a classifier runs, as Swift sees it through uniffi (C's is checked by the C
//! program of `c_abi.rs`, Kotlin's by android/'s ModelInfoTest), and the one version every
//! surface reports.

mod support;

use glasses_core::export::{Architecture, ExportOptions, export_onnx, random_weights};
use glasses_core::{Classifier, ClassifierOptions};
use glasses_ffi::uniffi::{
    FaceModeKind, GlassesClassifier, GlassesInput, GlassesOptionsRecord, GlassesOrientation, GlassesRequest,
    WeightPrecisionKind, default_options, version,
};

#[test]
fn every_rust_artifact_has_the_workspace_version() {
    let workspace = support::workspace_version();
    assert_eq!(workspace, "0.2.0", "this release");
    assert_eq!(env!("CARGO_PKG_VERSION"), workspace, "glasses-ffi inherits the workspace version");
    assert_eq!(version(), workspace, "uniffi's version()");
    // SAFETY: glasses_version returns a static NUL-terminated string.
    let c = unsafe { std::ffi::CStr::from_ptr(glasses_ffi::c::glasses_version()) };
    assert_eq!(c.to_str().expect("UTF-8"), workspace, "C's glasses_version()");
}

#[test]
fn a_model_with_its_own_threshold_reports_every_field() {
    let (model, threshold) = support::info_model();
    let options = GlassesOptionsRecord { threshold: Some(0.25), ..default_options() };
    let info = GlassesClassifier::from_bytes(model, options).expect("info model loads").model_info();
    assert_eq!(info.model_version, "model-info-v7");
    assert_eq!(info.architecture, "squeezenet1_1");
    assert_eq!(info.class_names, glasses_core::contract::eyewear_class_names());
    assert_eq!((info.input_width, info.input_height), (72, 88));
    assert_eq!(info.threshold, 0.25, "the threshold in force is the options'");
    assert_eq!(info.model_default_threshold, Some(threshold), "the file's own threshold");
    assert_eq!(info.weight_precision, WeightPrecisionKind::Int8);
}

#[test]
fn a_plain_float_model_has_no_threshold_of_its_own() {
    let model = export_onnx(
        &random_weights(Architecture::SqueezeNet1_1, 3),
        &ExportOptions::new(Architecture::SqueezeNet1_1, 64),
    )
    .expect("export");
    let info = GlassesClassifier::from_bytes(model, default_options()).expect("loads").model_info();
    assert_eq!(info.model_version, "");
    assert_eq!(info.class_names, glasses_core::contract::default_class_names());
    assert_eq!((info.input_width, info.input_height), (64, 64));
    assert_eq!(info.threshold, 0.5);
    assert_eq!(info.model_default_threshold, None);
    assert_eq!(info.weight_precision, WeightPrecisionKind::Float32);
}

#[test]
fn the_bundled_model_is_reported_as_core_reads_it() {
    let core = Classifier::bundled_with(ClassifierOptions::default()).expect("bundled model");
    let m = core.metadata();
    let info = GlassesClassifier::new(default_options()).expect("bundled model").model_info();
    assert_eq!(info.model_version, m.model_version);
    assert_eq!(info.class_names, m.class_names);
    assert_eq!((info.input_width, info.input_height), (m.input_width, m.input_height));
    assert_eq!(info.weight_precision, WeightPrecisionKind::Int8, "the bundled file is glasses-int8.onnx");
    assert!(!info.model_version.is_empty(), "the bundled model names its weights");
}

#[test]
fn unreadable_default_thresholds_are_not_reported() {
    // A value outside (0, 1) or not a number: the file loads (while core keeps the key among its
    // extra entries) or is refused (once core checks it), but is never reported as a threshold.
    for bad in ["1.5", "0", "NaN", "half"] {
        let options = ExportOptions {
            extra_metadata: [("glasses.default_threshold".to_owned(), bad.to_owned())].into(),
            ..ExportOptions::new(Architecture::SqueezeNet1_1, 64)
        };
        let Ok(model) = export_onnx(&random_weights(Architecture::SqueezeNet1_1, 5), &options) else {
            continue;
        };
        if let Ok(c) = GlassesClassifier::from_bytes(model, default_options()) {
            assert_eq!(c.model_info().model_default_threshold, None, "{bad}");
        }
    }
}

/// Issue 23: options without a threshold (`nil` in Swift, the default) decide with the model
/// file's own threshold, or 0.5 for a file without one; a threshold set wins over the file's.
#[test]
fn an_unset_threshold_is_the_model_files_own() {
    let (model, threshold) = support::info_model();
    assert_eq!(default_options().threshold, None, "the default leaves the threshold to the model");
    let own = GlassesClassifier::from_bytes(model.clone(), default_options()).expect("info model loads");
    assert_eq!(own.model_info().threshold, threshold, "the file's threshold is in force");
    assert_eq!(own.options().threshold, Some(threshold), "options() reports the threshold in force");
    let set = GlassesOptionsRecord { threshold: Some(0.7), ..default_options() };
    let set = GlassesClassifier::from_bytes(model.clone(), set).expect("info model loads");
    assert_eq!(set.model_info().threshold, 0.7, "a threshold set wins");

    // The decision is taken at the threshold in force: the same as options passing that number.
    let number = GlassesOptionsRecord { threshold: Some(threshold), ..default_options() };
    let number = GlassesClassifier::from_bytes(model, number).expect("info model loads");
    let jpeg = std::fs::read(support::repo_root().join("tests/fixtures/faces/eyeglasses_89x109.jpg"))
        .expect("read the golden picture");
    let input = || GlassesInput::Encoded { bytes: jpeg.clone() };
    let request = || GlassesRequest {
        orientation: GlassesOrientation { rotation_degrees: 0, mirrored: false },
        face: None,
        face_mode: FaceModeKind::Whole,
    };
    let by_own = own.classify(input(), request()).expect("classify");
    assert_eq!(by_own, number.classify(input(), request()).expect("classify"));
    assert_eq!(by_own.has_glasses, by_own.probability >= threshold);

    let plain = export_onnx(
        &random_weights(Architecture::SqueezeNet1_1, 3),
        &ExportOptions::new(Architecture::SqueezeNet1_1, 64),
    )
    .expect("export");
    let plain = GlassesClassifier::from_bytes(plain, default_options()).expect("loads");
    assert_eq!(
        plain.model_info().threshold,
        glasses_core::FALLBACK_THRESHOLD,
        "no threshold in the file: 0.5"
    );
}
