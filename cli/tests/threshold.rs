//! Issue 23 end to end: `--threshold` defaults to the model file's own threshold
//! (`glasses.default_threshold`), `glasses info` shows it, and a given `--threshold` wins.

use common::{Fixture, TestResult, random_model};
use glasses_core::export::{Architecture, ExportOptions};
use serde_json::Value;

mod common;

/// A random model (the same weights every call) whose file carries `threshold`.
fn model(threshold: Option<f32>) -> TestResult<Vec<u8>> {
    let mut options = ExportOptions::new(Architecture::SqueezeNet1_1, 32);
    options.default_threshold = threshold;
    random_model(2, 9, options)
}

/// `(has_glasses, probability)` of `a.png`, classified whole with `args`.
fn classify(fx: &Fixture, args: &[&str]) -> TestResult<(bool, f64)> {
    let output =
        fx.cmd("classify").args(["a.png", "--faces", "whole", "--format", "json"]).args(args).output()?;
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let rows: Value = serde_json::from_slice(&output.stdout)?;
    let row = &rows[0];
    Ok((row["has_glasses"].as_bool().ok_or("has_glasses")?, row["probability"].as_f64().ok_or("p")?))
}

fn info(fx: &Fixture) -> TestResult<Value> {
    let output = fx.cmd("info").args(["--format", "json"]).output()?;
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    Ok(serde_json::from_slice(&output.stdout)?)
}

#[test]
fn the_model_s_threshold_decides_unless_threshold_is_given() -> TestResult {
    let plain = Fixture::with_model(&model(None)?)?;
    plain.images(&["a.png"])?;
    let (_, p) = classify(&plain, &[])?;
    assert!(p > 0.0 && p < 1.0, "{p}");
    let info_plain = info(&plain)?;
    assert_eq!(info_plain["default_threshold"].as_f64(), Some(0.5));
    assert_eq!(info_plain["threshold_from_model"], false);

    // A file threshold above the picture's probability says no, one below says yes.
    for (threshold, expected) in [((p as f32 + 1.0) / 2.0, false), (p as f32 / 2.0, true)] {
        let fx = Fixture::with_model(&model(Some(threshold))?)?;
        fx.images(&["a.png"])?;
        let (has_glasses, p_again) = classify(&fx, &[])?;
        assert_eq!(p_again, p, "the threshold never moves the probability");
        assert_eq!(has_glasses, expected, "file threshold {threshold}, p {p}");
        let info = info(&fx)?;
        assert_eq!(info["default_threshold"].as_f64().map(|t| t as f32), Some(threshold));
        assert_eq!(info["threshold_from_model"], true);
        fx.cmd("info").assert().success().stdout(predicates::str::is_match(format!(
            r"(?m)^default_threshold\s+{threshold} \(the model's\)$"
        ))?);

        // --threshold wins: the opposite side of the probability gives the opposite answer.
        let given = if expected { (p + 1.0) / 2.0 } else { p / 2.0 };
        let (overridden, _) = classify(&fx, &["--threshold", &given.to_string()])?;
        assert_eq!(overridden, !expected, "--threshold {given}, p {p}");

        // eval decides and reports with the file's threshold too.
        // The same picture as a.png (images are drawn by their index), and a negative.
        fx.images(&["data/1/a.png", "data/0/b.png"])?;
        let output = fx
            .cmd("eval")
            .args(["--images-path", "data", "--faces", "whole", "--format", "json"])
            .output()?;
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        let report: Value = serde_json::from_slice(&output.stdout)?;
        assert_eq!(report["threshold"].as_f64().map(|t| t as f32), Some(threshold), "{report}");
        assert_eq!(report["recall"].as_f64(), Some(if expected { 1.0 } else { 0.0 }), "{report}");
    }
    Ok(())
}

#[test]
fn the_help_says_the_default_is_the_model_s() -> TestResult {
    let output = common::glasses().args(["classify", "--help"]).output()?;
    let help = String::from_utf8(output.stdout)?;
    assert!(help.contains("default: the model's own"), "{help}");
    Ok(())
}
