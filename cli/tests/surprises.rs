//! Issue 26 parts 2 and 3 end to end: what the `glasses` command surprised its users with (the
//! table written into `out.json`, P(GLASSES) 0.0000 for a sunglasses face with no word of
//! sunglasses, "1 images", two spellings of a class, folders of `.heic` photos that looked
//! empty, an eval report that could not be saved nor tell which files it got wrong).

use std::ops::Deref;
use std::path::PathBuf;

use common::{TestResult, small_model};
use serde_json::Value;

mod common;

/// The common fixture (its `model.onnx` has two classes: none, eyeglasses) with a second,
/// three-class model (none, eyeglasses, sunglasses) beside it.
struct Fixture {
    fx: common::Fixture,
    two: PathBuf,
    three: PathBuf,
}

impl Fixture {
    fn new() -> TestResult<Self> {
        let fx = common::Fixture::with_model(&small_model(2, 11, 32)?)?;
        let three = fx.write("three.onnx", &small_model(3, 11, 32)?)?;
        Ok(Self { two: fx.model.clone(), three, fx })
    }
}

impl Deref for Fixture {
    type Target = common::Fixture;

    fn deref(&self) -> &common::Fixture {
        &self.fx
    }
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The start of an iPhone photo: an `ftyp` box with brands `heic`, `mif1`, `heic`.
fn heic_bytes() -> Vec<u8> {
    let mut out = 24u32.to_be_bytes().to_vec();
    out.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    out.extend_from_slice(&[0, 0, 0, 0x22, b'm', b'e', b't', b'a', 0, 0, 0, 0]);
    out
}

#[test]
fn the_output_file_s_extension_picks_the_format() -> TestResult {
    let fx = Fixture::new()?;
    fx.images(&["a.png", "b.png"])?;
    fx.cmd_with("classify", &fx.two).args(["a.png", "b.png", "-o", "out.json"]).assert().success();
    let value: Value = serde_json::from_str(&fx.read("out.json")?)?;
    assert_eq!(value.as_array().map(Vec::len), Some(2), "{value}");
    fx.cmd_with("classify", &fx.two).args(["a.png", "b.png", "-o", "out.csv"]).assert().success();
    assert!(fx.read("out.csv")?.starts_with("path,has_glasses,probability,"));
    // --format wins over the extension; other extensions get the table.
    fx.cmd_with("classify", &fx.two)
        .args(["a.png", "-o", "table.json", "--format", "table"])
        .assert()
        .success();
    assert!(fx.read("table.json")?.starts_with("PATH "));
    fx.cmd_with("classify", &fx.two).args(["a.png", "-o", "out.txt"]).assert().success();
    assert!(fx.read("out.txt")?.starts_with("PATH "));
    Ok(())
}

#[test]
fn the_table_names_the_kind_and_both_probabilities() -> TestResult {
    let fx = Fixture::new()?;
    fx.images(&["a.png"])?;
    let three = fx.cmd_with("classify", &fx.three).arg("a.png").output()?;
    let text = String::from_utf8(three.stdout)?;
    let header = text.lines().next().unwrap_or_default();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["PATH", "GLASSES", "EYEWEAR", "P(GLASSES)", "P(SUNGLASSES)"]
    );
    let row: Vec<&str> = text.lines().nth(1).unwrap_or_default().split_whitespace().collect();
    assert!(["none", "eyeglasses", "sunglasses"].contains(&row[2]), "{text}");
    assert!(row[4].parse::<f32>().is_ok_and(|p| (0.0..=1.0).contains(&p)), "{text}");
    // A two-class model has no sunglasses probability to show.
    let two = String::from_utf8(fx.cmd_with("classify", &fx.two).arg("a.png").output()?.stdout)?;
    assert_eq!(two.lines().nth(1).and_then(|l| l.split_whitespace().last()), Some("-"), "{two}");
    Ok(())
}

#[test]
fn the_summary_counts_each_kind_in_good_english() -> TestResult {
    let fx = Fixture::new()?;
    fx.images(&["a.png", "b.png", "c.png"])?;
    let one = stderr(&fx.cmd_with("classify", &fx.three).arg("a.png").output()?);
    assert!(one.starts_with("1 image: "), "{one}");
    let all =
        fx.cmd_with("classify", &fx.three).args(["a.png", "b.png", "c.png", "--format", "json"]).output()?;
    let rows: Value = serde_json::from_slice(&all.stdout)?;
    let kind = |k: &str| rows.as_array().map_or(0, |r| r.iter().filter(|r| r["eyewear"] == k).count());
    let expected = format!(
        "3 images: {} with eyeglasses, {} with sunglasses, {} without eyewear, 0 failed",
        kind("eyeglasses"),
        kind("sunglasses"),
        kind("none")
    );
    assert!(stderr(&all).contains(&expected), "{} vs {expected}", stderr(&all));
    Ok(())
}

#[test]
fn info_prints_the_canonical_class_names() -> TestResult {
    let fx = Fixture::new()?;
    let text = String::from_utf8(fx.cmd_with("info", &fx.three).output()?.stdout)?;
    let line = |key: &str| text.lines().find(|l| l.split_whitespace().next() == Some(key)).map(str::to_owned);
    assert_eq!(
        line("class_names")
            .as_deref()
            .map(str::split_whitespace)
            .map(|w| w.skip(1).collect::<Vec<_>>().join(" ")),
        Some("none, eyeglasses, sunglasses".to_owned())
    );
    // The file's own names, shown as they are: this version's exporter writes `none` too (older
    // three-class files say `no_eyeglasses`, read as the same class).
    assert!(
        line("metadata_class_names").is_some_and(|l| l.contains("none, eyeglasses, sunglasses")),
        "{text}"
    );
    Ok(())
}

/// A labelled folder: 3 none, 2 eyeglasses, 1 sunglasses, plus files eval must skip.
fn labelled(fx: &Fixture) -> TestResult {
    fx.images(&[
        "data/0/a.png",
        "data/0/b.png",
        "data/0/c.png",
        "data/1/d.png",
        "data/1/e.png",
        "data/sunglasses/s.png",
    ])?;
    fx.write("data/0/IMG_1.HEIC", &heic_bytes())?;
    fx.write("data/1/notes.txt", b"not an image")?;
    Ok(())
}

#[test]
fn eval_saves_its_report_lists_its_mistakes_and_sweeps_thresholds() -> TestResult {
    let fx = Fixture::new()?;
    labelled(&fx)?;
    let output = fx
        .cmd_with("eval", &fx.three)
        .args([
            "--images-path",
            "data",
            "-o",
            "report.json",
            "--misclassified",
            "wrong.csv",
            "--precision-at",
            "0",
        ])
        .output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    let report: Value = serde_json::from_str(&fx.read("report.json")?)?;
    let sweep = report["threshold_sweep"].as_array().ok_or("no sweep")?;
    let thresholds: Vec<f64> = sweep.iter().filter_map(|r| r["threshold"].as_f64()).collect();
    assert_eq!(thresholds.len(), 9, "{thresholds:?}");
    assert!((thresholds[4] - 0.5).abs() < 1e-6);
    // The sweep's row at the chosen threshold is the report's own numbers.
    assert_eq!(sweep[4]["precision"], report["precision"]);
    assert_eq!(sweep[4]["recall"], report["recall"]);
    // Precision 0 is reached at the lowest score, where every image is called eyeglasses.
    assert_eq!(report["precision_at"]["reached"]["recall"].as_f64(), Some(1.0), "{report}");

    let mistakes = fx.read("wrong.csv")?;
    let mut lines = mistakes.lines();
    assert_eq!(lines.next(), Some("path,truth,prediction,probability,confidence"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len() as u64, report["misclassified"].as_u64().ok_or("no misclassified")?);
    for row in &rows {
        assert_ne!(row[1], row[2], "{mistakes}");
        assert!(["none", "eyeglasses", "sunglasses"].contains(&row[1]) && row[0].starts_with("data/"));
    }
    // The eyewear matrix holds the same mistakes: everything off its diagonal.
    let matrix = &report["eyewear_confusion_matrix"]["counts"];
    let off_diagonal: u64 = (0..3)
        .flat_map(|a| (0..3).map(move |p| (a, p)))
        .filter(|(a, p)| a != p)
        .filter_map(|(a, p)| matrix[a][p].as_u64())
        .sum();
    assert_eq!(off_diagonal, rows.len() as u64);

    // The folder's other files are reported, counted by reason.
    assert!(
        stderr(&output).contains("1 .heic file skipped: HEIC is not supported, convert to JPEG"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        report["skipped"],
        serde_json::json!([
            {"count": 1, "extension": ".heic", "reason": "HEIC is not supported, convert to JPEG"},
            {"count": 1, "reason": "not an image"},
        ])
    );
    Ok(())
}

#[test]
fn eval_writes_markdown_and_csv_by_extension() -> TestResult {
    let fx = Fixture::new()?;
    labelled(&fx)?;
    fx.cmd_with("eval", &fx.two).args(["--images-path", "data", "-o", "report.md"]).assert().success();
    let md = fx.read("report.md")?;
    assert!(md.starts_with("| metric | value |\n| --- | --- |\n"), "{md}");
    assert!(md.contains("### threshold sweep"), "{md}");
    fx.cmd_with("eval", &fx.two).args(["--images-path", "data", "-o", "report.csv"]).assert().success();
    let csv = fx.read("report.csv")?;
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.starts_with("images_path,model,threshold,n,failed,"), "{csv}");
    // The table on stdout shows the sweep too.
    let table = String::from_utf8(
        fx.cmd_with("eval", &fx.two).args(["--images-path", "data", "--threshold", "0.35"]).output()?.stdout,
    )?;
    assert!(table.contains("\n0.35 (chosen)"), "{table}");
    Ok(())
}

#[test]
fn folders_say_what_they_skipped_and_heic_named_alone_is_named() -> TestResult {
    let fx = Fixture::new()?;
    fx.images(&["photos/a.png"])?;
    fx.write("photos/IMG_1.HEIC", &heic_bytes())?;
    fx.write("photos/IMG_2.heic", &heic_bytes())?;
    fx.write("photos/notes.txt", b"hello")?;
    let output = fx.cmd_with("classify", &fx.two).arg("photos").output()?;
    assert_eq!(output.status.code(), Some(0));
    let text = stderr(&output);
    assert!(text.contains("2 .heic files skipped: HEIC is not supported, convert to JPEG"), "{text}");
    assert!(text.contains("1 file skipped: not an image"), "{text}");
    // A folder of nothing but HEIC says why it is empty.
    fx.write("iphone/IMG_3.heic", &heic_bytes())?;
    let output = fx.cmd_with("classify", &fx.two).arg("iphone").output()?;
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("1 .heic file skipped: HEIC is not supported"), "{}", stderr(&output));
    // Named alone, even under a `.jpg` name, the file's error names its format.
    fx.write("renamed.jpg", &heic_bytes())?;
    let output = fx
        .cmd_with("classify", &fx.two)
        .args(["photos/IMG_1.HEIC", "renamed.jpg", "--format", "json"])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    let rows: Value = serde_json::from_slice(&output.stdout)?;
    for row in rows.as_array().ok_or("not an array")? {
        assert_eq!(row["error"], "invalid image: HEIC is not supported, convert to JPEG", "{row}");
    }
    Ok(())
}
