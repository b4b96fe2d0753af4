//! A model file's own threshold (`glasses.default_threshold`, issue 23) decides when the caller
//! sets none, and the caller's threshold wins when set.

use glasses_core::export::{Architecture, ExportOptions, export_onnx, random_weights};
use glasses_core::{Classifier, ClassifierOptions, FALLBACK_THRESHOLD};

use crate::common;

/// A random SqueezeNet (the same weights every call) whose file carries `default_threshold`.
fn model(default_threshold: Option<f32>) -> Vec<u8> {
    let mut options = ExportOptions::new(Architecture::SqueezeNet1_1, 64);
    options.default_threshold = default_threshold;
    export_onnx(&random_weights(Architecture::SqueezeNet1_1, 7), &options).expect("export")
}

fn load(bytes: &[u8], options: ClassifierOptions) -> Classifier {
    Classifier::from_bytes(bytes, options).expect("load")
}

/// P(eyeglasses) of the test picture under the model's weights (the same in every file below:
/// the threshold never changes the probability).
fn probability() -> f32 {
    load(&model(None), ClassifierOptions::default())
        .classify_rgb(&common::picture(89, 109))
        .expect("p")
        .probability
}

#[test]
fn a_file_without_a_threshold_decides_at_the_fallback() {
    let c = load(&model(None), ClassifierOptions::default());
    assert_eq!(c.metadata().default_threshold, None);
    assert_eq!(c.info().default_threshold(), FALLBACK_THRESHOLD);
    assert_eq!(c.threshold(), FALLBACK_THRESHOLD);
    let p = c.classify_rgb(&common::picture(89, 109)).expect("p");
    assert_eq!(p.has_glasses, p.probability >= FALLBACK_THRESHOLD);
}

#[test]
fn the_file_s_threshold_decides_when_the_caller_sets_none() {
    let p = probability();
    assert!(p > 0.0 && p < 1.0, "{p}");
    // One file's threshold above the picture's probability, one below: the answer follows it.
    for (threshold, expected) in [((p + 1.0) / 2.0, false), (p / 2.0, true)] {
        let bytes = model(Some(threshold));
        let c = load(&bytes, ClassifierOptions::default());
        assert_eq!(c.info().default_threshold(), threshold);
        assert_eq!(c.threshold(), threshold);
        let got = c.classify_rgb(&common::picture(89, 109)).expect("classify");
        assert_eq!(got.probability, p);
        assert_eq!(got.has_glasses, expected, "file threshold {threshold}, p {p}");
        // The one request path decides alike.
        let tensor = c.preprocessing().tensor_from_rgb(&common::picture(89, 109));
        assert_eq!(c.classify_tensor(&tensor).expect("tensor").has_glasses, expected);
    }
}

#[test]
fn the_caller_s_threshold_wins_over_the_file_s() {
    let p = probability();
    let (above, below) = ((p + 1.0) / 2.0, p / 2.0);
    let bytes = model(Some(above));
    let c = load(&bytes, ClassifierOptions::default().with_threshold(below));
    assert_eq!(c.threshold(), below);
    assert_eq!(c.info().default_threshold(), above, "the file's default is still shown");
    assert!(c.classify_rgb(&common::picture(89, 109)).expect("classify").has_glasses);
    // Back to the file's own by clearing the caller's threshold, without a reload.
    let mut options = *c.options();
    options.threshold = None;
    let back = c.with_options(options).expect("options");
    assert_eq!(back.threshold(), above);
    assert!(!back.classify_rgb(&common::picture(89, 109)).expect("classify").has_glasses);
    // An explicit 0.5 is the caller's, not "unset".
    let half = c.with_options(ClassifierOptions::default().with_threshold(0.5)).expect("options");
    assert_eq!(half.threshold(), 0.5);
    assert_eq!(ClassifierOptions::default().with_threshold(0.5).threshold_for(c.metadata()), 0.5);
    assert_eq!(ClassifierOptions::default().threshold_for(c.metadata()), above);
}

#[test]
fn a_caller_threshold_outside_the_unit_interval_is_refused_whatever_the_file_says() {
    let bytes = model(Some(0.7));
    for bad in [-0.1, 1.5, f32::NAN] {
        let err = Classifier::from_bytes(&bytes, ClassifierOptions::default().with_threshold(bad));
        assert!(matches!(err, Err(glasses_core::Error::InvalidOptions { .. })), "{bad}: {err:?}");
    }
}
