//! End-to-end tests of the `glasses` binary.
//!
//! Models are random-weight SqueezeNets written by core's exporter: their predictions are arbitrary
//! but deterministic, so these tests check structure, consistency and exit codes, never accuracy,
//! and never depend on the bundled model.

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::{Fixture, TestResult, glasses, random_model};
use glasses_core::export::{Architecture, ExportOptions, random_weights};
use predicates::prelude::*;
use serde_json::Value;

mod common;

const SEED: u64 = 7;

fn export_options() -> ExportOptions {
    let mut options = ExportOptions::new(Architecture::SqueezeNet1_1, 64);
    options.model_version = "test-v1".to_owned();
    options.extra_metadata.insert("train.f1".to_owned(), "0.9".to_owned());
    options
}

fn model_bytes() -> TestResult<Vec<u8>> {
    random_model(2, SEED, export_options())
}

fn fixture() -> TestResult<Fixture> {
    Fixture::with_model(&model_bytes()?)
}

/// The keys of every classified row of `--format json`.
const ROW_KEYS: [&str; 7] =
    ["path", "face", "face_index", "has_glasses", "probability", "eyewear", "probabilities"];

fn json_stdout(output: &std::process::Output) -> TestResult<Value> {
    Ok(serde_json::from_slice(&output.stdout)?)
}

fn rows(value: &Value) -> TestResult<&Vec<Value>> {
    value.as_array().ok_or_else(|| format!("not a JSON array: {value}").into())
}

fn keys(row: &Value) -> BTreeSet<&str> {
    row.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default()
}

fn probability(row: &Value) -> TestResult<f64> {
    row["probability"].as_f64().ok_or_else(|| format!("no probability in {row}").into())
}

/// Paths as the binary printed them, relative to the fixture folder.
fn printed_paths(rows: &[Value]) -> Vec<&str> {
    rows.iter().filter_map(|r| r["path"].as_str()).collect()
}

#[test]
fn classify_searches_folders_recursively_in_sorted_order() -> TestResult {
    let fx = fixture()?;
    fx.images(&["photos/b.png", "photos/a.jpg", "photos/nested/deeper/c.png", "photos/nested/d.bmp"])?;
    fx.write("photos/readme.txt", b"not an image")?;

    let output = fx.cmd("classify").args(["photos", "--format", "json"]).output()?;
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let value = json_stdout(&output)?;
    let rows = rows(&value)?;
    assert_eq!(
        printed_paths(rows),
        ["photos/a.jpg", "photos/b.png", "photos/nested/d.bmp", "photos/nested/deeper/c.png"]
    );
    for row in rows {
        assert_eq!(keys(row), BTreeSet::from(ROW_KEYS), "{row}");
        let p = probability(row)?;
        assert!((0.0..=1.0).contains(&p), "{row}");
        assert_eq!(row["has_glasses"].as_bool(), Some(p >= 0.5), "{row}");
    }
    Ok(())
}

#[test]
fn classify_keeps_input_order_and_accepts_the_original_flags() -> TestResult {
    let fx = fixture()?;
    fx.images(&["z.png", "dir/y.png", "dir/x.png", "a.png"])?;

    let output = glasses()
        .current_dir(fx.dir.path())
        .args(["classify", "z.png", "--images-path", "dir", "dir/x.png", "a.png", "--format", "json"])
        .arg("--model-params-path")
        .arg(&fx.model)
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    // Positional paths first, then --images-path folders; a file named twice is reported once.
    let value = json_stdout(&output)?;
    assert_eq!(printed_paths(rows(&value)?), ["z.png", "dir/x.png", "a.png", "dir/y.png"]);
    Ok(())
}

/// `in/` with two pictures and a broken JPEG (first in sorted order), classified as `format`:
/// the run exits 2, for the one failure.
fn classify_two_pictures_and_a_broken_one(format: &str) -> TestResult<(Fixture, std::process::Output)> {
    let fx = fixture()?;
    fx.images(&["in/good1.png", "in/good2.jpg"])?;
    fx.write("in/broken.jpg", b"\xff\xd8\xff\xe0 this is not really a jpeg")?;
    let output = fx.cmd("classify").args(["in", "--format", format]).output()?;
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    Ok((fx, output))
}

#[test]
fn a_corrupt_file_is_reported_and_the_others_classified() -> TestResult {
    let (fx, output) = classify_two_pictures_and_a_broken_one("json")?;
    let value = json_stdout(&output)?;
    let rows = rows(&value)?;
    assert_eq!(printed_paths(rows), ["in/broken.jpg", "in/good1.png", "in/good2.jpg"]);
    assert_eq!(keys(&rows[0]), BTreeSet::from(["path", "error"]));
    let error = rows[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("invalid image"), "{error}");
    for row in &rows[1..] {
        assert_eq!(keys(row), BTreeSet::from(ROW_KEYS), "{row}");
    }
    let stderr = String::from_utf8(output.stderr)?;
    assert!(stderr.contains("3 images") && stderr.contains("1 failed"), "{stderr}");

    // The table says so too, in place, with the same exit code.
    fx.cmd("classify")
        .arg("in")
        .assert()
        .code(2)
        .stdout(predicate::str::is_match(r"in/broken\.jpg\s+error\s+invalid image")?)
        .stdout(predicate::str::is_match(r"in/good1\.png\s+(yes|no)\s+(none|eyeglasses)\s+[01]\.\d{4}")?);
    Ok(())
}

#[test]
fn csv_has_a_header_and_one_row_per_file() -> TestResult {
    let (_fx, output) = classify_two_pictures_and_a_broken_one("csv")?;
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    assert_eq!(
        reader.headers()?.iter().collect::<Vec<_>>().join(","),
        "path,has_glasses,probability,error,eyewear,p_none,p_eyeglasses,p_sunglasses,face_x,face_y,\
         face_w,face_h,face_index,detected_x,detected_y,detected_width,detected_height,detected_score,no_face"
    );
    let records = reader.records().collect::<Result<Vec<_>, _>>()?;
    assert_eq!(records.len(), 3);
    for record in &records[1..] {
        assert!(matches!(&record[1], "true" | "false"), "{record:?}");
        let p: f64 = record[2].parse()?;
        assert!((0.0..=1.0).contains(&p));
        assert_eq!(&record[1] == "true", p >= 0.5);
        assert!(record[3].is_empty());
        assert_eq!(&record[4] == "eyeglasses", &record[1] == "true", "{record:?}");
        let none: f64 = record[5].parse()?;
        assert!((none + p - 1.0).abs() < 1e-5, "two classes: {record:?}");
        assert_eq!(record[6].parse::<f64>()?, p);
        assert!(record[7].is_empty(), "a two-class model has no sunglasses probability");
    }
    assert_eq!(&records[0][0], "in/broken.jpg");
    assert!(records[0][1].is_empty() && records[0][2].is_empty());
    assert!(records[0][3].contains("invalid image"), "{:?}", records[0]);
    Ok(())
}

#[test]
fn output_file_is_never_overwritten_without_force() -> TestResult {
    let fx = fixture()?;
    fx.images(&["in/a.png", "in/b.png"])?;
    let out = fx.write("results.json", b"keep me")?;

    fx.cmd("classify")
        .args(["in", "--format", "json", "--output", "results.json"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("already exists").and(predicate::str::contains("--force")));
    assert_eq!(std::fs::read(&out)?, b"keep me");

    fx.cmd("classify")
        .args(["in", "--format", "json", "--output", "results.json", "--force"])
        .assert()
        .success()
        .stdout("");
    let value: Value = serde_json::from_slice(&std::fs::read(&out)?)?;
    assert_eq!(printed_paths(rows(&value)?), ["in/a.png", "in/b.png"]);

    // A new file needs no --force, and no temp file is left behind.
    fx.cmd("classify").args(["in", "--format", "csv", "-o", "new.csv"]).assert().success().stdout("");
    assert_eq!(std::fs::read_to_string(fx.path("new.csv"))?.lines().count(), 3);
    let leftovers: Vec<_> = std::fs::read_dir(fx.dir.path())?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    Ok(())
}

#[test]
fn thresholds_zero_and_one_move_the_decision_not_the_probability() -> TestResult {
    let fx = fixture()?;
    fx.images(&["in/a.png", "in/b.jpg", "in/c.png", "in/d.bmp", "in/e.png"])?;

    let run = |threshold: &str| -> TestResult<Vec<(bool, f64)>> {
        let output =
            fx.cmd("classify").args(["in", "--format", "json", "--threshold", threshold]).output()?;
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        let value = json_stdout(&output)?;
        rows(&value)?
            .iter()
            .map(|r| Ok((r["has_glasses"].as_bool().ok_or("no has_glasses")?, probability(r)?)))
            .collect()
    };
    let at_zero = run("0")?;
    let at_one = run("1")?;
    let at_half = run("0.5")?;
    let probabilities = |rows: &[(bool, f64)]| rows.iter().map(|r| r.1).collect::<Vec<_>>();
    assert_eq!(probabilities(&at_zero), probabilities(&at_one));
    assert_eq!(probabilities(&at_zero), probabilities(&at_half));
    assert!(at_zero.iter().all(|(glasses, _)| *glasses), "{at_zero:?}");
    // Only a probability of exactly 1 reaches a threshold of 1.
    assert!(at_one.iter().all(|(glasses, p)| *glasses == (*p >= 1.0)), "{at_one:?}");
    assert!(at_half.iter().all(|(glasses, p)| *glasses == (*p >= 0.5)), "{at_half:?}");
    Ok(())
}

#[test]
fn results_do_not_depend_on_the_number_of_jobs() -> TestResult {
    let fx = fixture()?;
    let names: Vec<String> = (0..24).map(|i| format!("many/img{i:02}.png")).collect();
    fx.images(&names.iter().map(String::as_str).collect::<Vec<_>>())?;

    let one = fx.cmd("classify").args(["many", "--format", "json", "--jobs", "1"]).output()?;
    let three = fx.cmd("classify").args(["many", "--format", "json", "-j", "3"]).output()?;
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(three.status.code(), Some(0));
    assert_eq!(one.stdout, three.stdout);
    assert_eq!(rows(&json_stdout(&one)?)?.len(), 24);
    // stderr is not a terminal here, so no progress bar: only the summary line.
    let stderr = String::from_utf8(three.stderr)?;
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("24 images: "), "{stderr}");
    Ok(())
}

#[test]
fn usage_and_input_errors_exit_with_1() -> TestResult {
    let fx = fixture()?;
    fx.images(&["in/a.png"])?;

    fx.cmd("classify").arg("missing.png").assert().code(1).stderr(predicate::str::contains("missing.png"));
    fx.cmd("classify").assert().code(1).stderr(predicate::str::contains("no input"));
    fx.write("empty/notes.txt", b"")?;
    fx.cmd("classify").arg("empty").assert().code(1).stderr(predicate::str::contains("no image files"));
    fx.cmd("classify")
        .args(["in", "--jobs", "0"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--jobs"));
    fx.cmd("classify")
        .args(["in", "--threshold", "1.5"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("[0, 1]"));
    fx.cmd("classify").args(["in", "--format", "xml"]).assert().code(1);
    fx.cmd("classify").args(["in", "--force"]).assert().code(1).stderr(predicate::str::contains("--output"));
    glasses().arg("frobnicate").assert().code(1);
    glasses().assert().code(1);
    Ok(())
}

#[test]
fn help_documents_the_exit_codes() {
    for args in [&["--help"][..], &["classify", "--help"]] {
        glasses().args(args).assert().code(0).stdout(
            predicate::str::contains("Exit codes").and(predicate::str::contains("2  some image files")),
        );
    }
    glasses().args(["classify", "--help"]).assert().stdout(
        predicate::str::contains("--model-params-path").and(predicate::str::contains("--images-path")),
    );
}

#[test]
fn unusable_models_exit_with_1_and_say_why() -> TestResult {
    let fx = fixture()?;
    fx.images(&["in/a.png"])?;

    glasses()
        .current_dir(fx.dir.path())
        .args(["classify", "in", "--model", "nope.onnx"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("cannot load model `nope.onnx`")
                .and(predicate::str::contains("nope.onnx")),
        );

    let garbage = fx.write("garbage.onnx", b"definitely not protobuf")?;
    glasses()
        .current_dir(fx.dir.path())
        .args(["classify", "in", "--model"])
        .arg(&garbage)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("invalid model"));

    // Valid ONNX whose metadata lacks a required key: renaming the key keeps the protobuf intact.
    let key = b"glasses.contract_version";
    let mut bytes = model_bytes()?;
    let at = bytes.windows(key.len()).position(|w| w == key).ok_or("key not found in the model")?;
    bytes[at + key.len() - 1] = b'X';
    let broken = fx.write("broken.onnx", &bytes)?;
    for subcommand in ["classify", "info"] {
        let mut cmd = glasses();
        cmd.current_dir(fx.dir.path()).arg(subcommand).arg("--model").arg(&broken);
        if subcommand == "classify" {
            cmd.arg("in");
        }
        cmd.assert().code(1).stdout("").stderr(
            predicate::str::contains("model breaks the contract")
                .and(predicate::str::contains("glasses.contract_version")),
        );
    }
    Ok(())
}

/// Labelled tree: 3 negatives (one nested), 2 positives, plus entries eval must ignore.
fn labelled_tree(fx: &Fixture) -> TestResult {
    fx.images(&["data/0/a.png", "data/0/b.jpg", "data/0/sub/c.png", "data/1/d.png", "data/1/e.png"])?;
    fx.images(&["data/other/f.png", "data/g.png"])?;
    fx.write("data/1/notes.txt", b"ignored")?;
    Ok(())
}

fn count(report: &Value, key: &str) -> TestResult<u64> {
    report[key].as_u64().ok_or_else(|| format!("no {key} in {report}").into())
}

#[test]
fn eval_numbers_are_consistent_with_classify() -> TestResult {
    let fx = fixture()?;
    labelled_tree(&fx)?;

    let output = fx.cmd("eval").args(["--images-path", "data", "--format", "json"]).output()?;
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report = json_stdout(&output)?;
    let cm = &report["confusion_matrix"];
    let [tn, fp, fn_, tp] = [count(cm, "tn")?, count(cm, "fp")?, count(cm, "fn")?, count(cm, "tp")?];
    assert_eq!(count(&report, "n")?, 5);
    assert_eq!(count(&report, "failed")?, 0);
    assert_eq!((count(&report, "negatives")?, count(&report, "positives")?), (3, 2));
    assert_eq!((tn + fp, fn_ + tp), (3, 2));
    let accuracy = report["accuracy"].as_f64().ok_or("no accuracy")?;
    assert!((accuracy - (tn + tp) as f64 / 5.0).abs() < 1e-9);

    // The same model on the same files through `classify`: recompute the matrix and the AUC by
    // counting pairs, and expect eval's numbers.
    let classified = fx.cmd("classify").args(["data/0", "data/1", "--format", "json"]).output()?;
    let value = json_stdout(&classified)?;
    let scored: Vec<(bool, bool, f64)> = rows(&value)?
        .iter()
        .map(|r| {
            let actual = r["path"].as_str().is_some_and(|p| p.starts_with("data/1"));
            Ok((actual, r["has_glasses"].as_bool().ok_or("no has_glasses")?, probability(r)?))
        })
        .collect::<TestResult<_>>()?;
    let tally = |a: bool, p: bool| scored.iter().filter(|s| s.0 == a && s.1 == p).count() as u64;
    assert_eq!(
        [tn, fp, fn_, tp],
        [tally(false, false), tally(false, true), tally(true, false), tally(true, true)]
    );
    let (mut wins, mut pairs) = (0.0, 0.0);
    for pos in scored.iter().filter(|s| s.0) {
        for neg in scored.iter().filter(|s| !s.0) {
            pairs += 1.0;
            wins += if pos.2 > neg.2 {
                1.0
            } else if pos.2 == neg.2 {
                0.5
            } else {
                0.0
            };
        }
    }
    let auc = report["roc_auc"].as_f64().ok_or("no roc_auc")?;
    assert!((auc - wins / pairs).abs() < 1e-9, "{auc} vs {}", wins / pairs);
    Ok(())
}

#[test]
fn eval_at_threshold_zero_predicts_every_image_positive() -> TestResult {
    let fx = fixture()?;
    labelled_tree(&fx)?;

    let output =
        fx.cmd("eval").args(["--images-path", "data", "--format", "json", "--threshold", "0"]).output()?;
    assert_eq!(output.status.code(), Some(0));
    let report = json_stdout(&output)?;
    assert_eq!(report["confusion_matrix"], serde_json::json!({"tn": 0, "fp": 3, "fn": 0, "tp": 2}));
    assert_eq!(report["recall"].as_f64(), Some(1.0));
    assert_eq!(report["precision"].as_f64(), Some(0.4));
    assert_eq!(report["accuracy"].as_f64(), Some(0.4));
    let f1 = report["f1"].as_f64().ok_or("no f1")?;
    assert!((f1 - 4.0 / 7.0).abs() < 1e-9, "{f1}");
    Ok(())
}

#[test]
fn eval_table_and_failures() -> TestResult {
    let fx = fixture()?;
    labelled_tree(&fx)?;

    fx.cmd("eval")
        .args(["--images-path", "data"])
        .assert()
        .code(0)
        .stdout(predicate::str::is_match(r"(?m)^n\s+5$")?)
        .stdout(predicate::str::is_match(r"(?m)^roc_auc\s+(\d\.\d{4}|n/a)$")?)
        .stdout(predicate::str::contains("confusion matrix"))
        .stdout(predicate::str::is_match(r"(?m)^actual 0\s+\d+\s+\d+\s+3$")?)
        .stdout(predicate::str::is_match(r"(?m)^actual 1\s+\d+\s+\d+\s+2$")?);

    // A broken file is left out of the metrics, named on stderr, and makes the exit code 2.
    fx.write("data/1/broken.png", b"not a png")?;
    let output = fx.cmd("eval").args(["--images-path", "data", "--format", "json"]).output()?;
    assert_eq!(output.status.code(), Some(2));
    let report = json_stdout(&output)?;
    assert_eq!((count(&report, "n")?, count(&report, "failed")?), (5, 1));
    assert!(String::from_utf8(output.stderr)?.contains("broken.png"));

    // Without both label folders there is nothing to evaluate.
    fx.images(&["unlabelled/0/a.png"])?;
    fx.cmd("eval")
        .args(["--images-path", "unlabelled"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("`1/`"));
    fx.cmd("eval")
        .args(["--images-path", "nowhere"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nowhere"));
    Ok(())
}

#[test]
fn info_describes_a_generated_model() -> TestResult {
    let fx = fixture()?;
    let size = std::fs::metadata(&fx.model)?.len();
    let weights = random_weights(Architecture::SqueezeNet1_1, SEED);
    let parameters: usize = weights.values().map(|w| w.data.len()).sum();

    let output = fx.cmd("info").args(["--format", "json"]).output()?;
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let info = json_stdout(&output)?;
    assert_eq!(info["size_bytes"].as_u64(), Some(size));
    assert_eq!(info["parameter_count"].as_u64(), Some(parameters as u64));
    assert_eq!((info["input_width"].as_u64(), info["input_height"].as_u64()), (Some(64), Some(64)));
    assert_eq!(info["architecture"], "squeezenet1_1");
    assert_eq!(info["model_version"], "test-v1");
    // Classes in the names every command prints; the file's own spelling is shown apart.
    assert_eq!(info["class_names"], serde_json::json!(["none", "eyeglasses"]));
    assert_eq!(info["metadata_class_names"], serde_json::json!(["no_eyeglasses", "eyeglasses"]));
    assert_eq!(info["resize"], "stretch");
    assert_eq!(info["metadata"]["train.f1"], "0.9");
    assert_eq!(info["metadata"]["glasses.weight_precision"], "f32");

    fx.cmd("info")
        .assert()
        .code(0)
        .stdout(predicate::str::is_match(format!(r"(?m)^size_bytes\s+{size}$"))?)
        .stdout(predicate::str::is_match(format!(r"(?m)^parameter_count\s+{parameters}$"))?)
        .stdout(predicate::str::is_match(r"(?m)^input_size\s+64x64$")?)
        .stdout(predicate::str::is_match(r"(?m)^train\.f1\s+0\.9$")?);
    Ok(())
}

/// A three-class (none / eyeglasses / sunglasses) random-weight model in the fixture folder.
fn three_class_model(fx: &Fixture) -> TestResult<PathBuf> {
    fx.write("three.onnx", &random_model(3, SEED, export_options())?)
}

#[test]
fn eval_shows_the_eyewear_matrix_when_there_are_sunglasses() -> TestResult {
    let fx = fixture()?;
    labelled_tree(&fx)?;
    fx.images(&["data/sunglasses/s1.png", "data/sunglasses/s2.jpg"])?;
    let three = three_class_model(&fx)?;
    let output = glasses()
        .current_dir(fx.dir.path())
        .args(["eval", "--images-path", "data", "--format", "json", "--model"])
        .arg(&three)
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report = json_stdout(&output)?;
    // Sunglasses count as negatives in the binary metrics.
    assert_eq!(
        (count(&report, "n")?, count(&report, "negatives")?, count(&report, "sunglasses")?),
        (7, 5, 2)
    );
    let matrix = &report["eyewear_confusion_matrix"];
    assert_eq!(matrix["classes"], serde_json::json!(["none", "eyeglasses", "sunglasses"]));
    let counts: Vec<Vec<u64>> = serde_json::from_value(matrix["counts"].clone())?;
    let row_totals: Vec<u64> = counts.iter().map(|r| r.iter().sum()).collect();
    assert_eq!(row_totals, [3, 2, 2]);
    // The matrix agrees with the kinds `classify` prints for the same files.
    let classified = glasses()
        .current_dir(fx.dir.path())
        .args(["classify", "data/0", "data/1", "data/sunglasses", "--format", "json", "--model"])
        .arg(&three)
        .output()?;
    let value = json_stdout(&classified)?;
    let mut recount = vec![vec![0u64; 3]; 3];
    let kinds = ["none", "eyeglasses", "sunglasses"];
    for row in rows(&value)? {
        let path = row["path"].as_str().ok_or("path")?;
        let actual = if path.starts_with("data/1") {
            1
        } else if path.starts_with("data/sunglasses") {
            2
        } else {
            0
        };
        let predicted = kinds.iter().position(|k| row["eyewear"] == *k).ok_or("eyewear")?;
        recount[actual][predicted] += 1;
        let p = &row["probabilities"];
        let sum: f64 = kinds.iter().map(|k| p[k].as_f64().unwrap_or(f64::NAN)).sum();
        assert!((sum - 1.0).abs() < 1e-5, "{row}");
    }
    assert_eq!(counts, recount);
    // The table shows it too; a folder without sunglasses/ has no such matrix.
    let table = glasses()
        .current_dir(fx.dir.path())
        .args(["eval", "--images-path", "data", "--model"])
        .arg(&three)
        .output()?;
    assert!(String::from_utf8_lossy(&table.stdout).contains("eyewear confusion matrix"));
    std::fs::remove_dir_all(fx.path("data/sunglasses"))?;
    let report = json_stdout(&fx.cmd("eval").args(["--images-path", "data", "--format", "json"]).output()?)?;
    assert!(report.get("eyewear_confusion_matrix").is_none(), "{report}");
    Ok(())
}

#[test]
fn two_class_models_give_no_sunglasses_probability() -> TestResult {
    let fx = fixture()?;
    fx.images(&["a.png"])?;
    let value = json_stdout(&fx.cmd("classify").args(["a.png", "--format", "json"]).output()?)?;
    let row = &rows(&value)?[0];
    assert!(row["probabilities"]["sunglasses"].is_null(), "{row}");
    assert_ne!(row["eyewear"], "sunglasses");
    let csv = fx.cmd("classify").args(["a.png", "--format", "csv"]).output()?;
    let text = String::from_utf8(csv.stdout)?;
    assert!(
        text.starts_with(
            "path,has_glasses,probability,error,eyewear,p_none,p_eyeglasses,p_sunglasses,face_x,"
        ),
        "{text}"
    );
    // No face box, no face found in the drawn noise: the face columns are empty.
    assert!(text.lines().nth(1).is_some_and(|l| l.ends_with(",,,,,,,,,,,,false")), "{text}");
    Ok(())
}

#[test]
fn face_boxes_classify_the_face_inside_a_larger_picture() -> TestResult {
    let fx = fixture()?;
    // A face-sized picture pasted into a larger canvas at (200, 40), and the same face alone.
    let face = image::RgbImage::from_fn(89, 109, |x, y| {
        image::Rgb([(x * 2) as u8, (y * 2) as u8, ((x ^ y) * 3) as u8])
    });
    face.save(fx.path("face.png"))?;
    let mut canvas = image::RgbImage::from_pixel(400, 240, image::Rgb([30, 60, 90]));
    image::imageops::overlay(&mut canvas, &face, 200, 40);
    std::fs::create_dir_all(fx.path("photos"))?;
    canvas.save(fx.path("photos/canvas.png"))?;
    canvas.save(fx.path("photos/nobox.png"))?;
    // The detector box whose framing (core's default) is exactly the pasted face.
    let f = glasses_core::FaceFraming::HAAR_CELEBA;
    let (bw, bh) = (89.0 / f.scale_x, 109.0 / f.scale_y);
    let (cx, cy) = (200.0 + 44.5 - f.center_dx * bw, 40.0 + 54.5 - f.center_dy * bh);
    fx.write(
        "photos/boxes.csv",
        format!(
            "path,label,x,y,w,h\ncanvas.png,1,{},{},{bw},{bh}\nnobox.png,0,,,,\n",
            cx - bw / 2.0,
            cy - bh / 2.0
        )
        .as_bytes(),
    )?;
    let alone = json_stdout(&fx.cmd("classify").args(["face.png", "--format", "json"]).output()?)?;
    let output = fx
        .cmd("classify")
        .args(["photos", "--face-boxes", "photos/boxes.csv", "--format", "json"])
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 face inside a face box, 1 picture whole"));
    let value = json_stdout(&output)?;
    let by_path = |p: &str| rows(&value).ok().and_then(|r| r.iter().find(|row| row["path"] == p).cloned());
    let boxed = by_path("photos/canvas.png").ok_or("canvas row")?;
    assert!((probability(&boxed)? - probability(&rows(&alone)?[0])?).abs() < 1e-4, "{boxed} vs {alone}");
    let whole = json_stdout(&fx.cmd("classify").args(["photos/nobox.png", "--format", "json"]).output()?)?;
    assert_eq!(
        probability(&by_path("photos/nobox.png").ok_or("nobox row")?)?,
        probability(&rows(&whole)?[0])?
    );
    // A box wholly outside the picture is that file's error, not the run's.
    fx.write("photos/boxes.csv", b"path,x,y,w,h\ncanvas.png,900,10,50,50\n")?;
    let output = fx
        .cmd("classify")
        .args(["photos", "--face-boxes", "photos/boxes.csv", "--format", "json"])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    let value = json_stdout(&output)?;
    let bad = rows(&value)?.iter().find(|r| r["path"] == "photos/canvas.png").ok_or("canvas row")?;
    assert!(bad["error"].as_str().is_some_and(|e| e.contains("invalid face region")), "{bad}");
    // An unreadable boxes file is a usage error naming it.
    fx.cmd("classify")
        .args(["photos", "--face-boxes", "missing.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing.csv"));
    Ok(())
}
