//! `--faces`: every face of a picture with the bundled model and detector, checked against the
//! drawn group pictures of the golden fixtures (tests/fixtures/golden.json).

use std::error::Error;
use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn glasses() -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("glasses");
    cmd.current_dir(fixtures());
    cmd
}

fn group_case(image: &str) -> TestResult<Value> {
    let golden: Value = serde_json::from_str(&std::fs::read_to_string(fixtures().join("golden.json"))?)?;
    let cases = golden["group_cases"].as_array().ok_or("group_cases")?;
    Ok(cases.iter().find(|c| c["image"] == image).ok_or("the group case")?.clone())
}

fn json_rows(cmd: &mut Command) -> TestResult<Vec<Value>> {
    let output = cmd.output()?;
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let value: Value = serde_json::from_slice(&output.stdout)?;
    Ok(value.as_array().ok_or("an array")?.clone())
}

/// A flat picture without a face, written into a temp folder.
fn blank_png(dir: &std::path::Path) -> TestResult<PathBuf> {
    let path = dir.join("blank.png");
    image::RgbImage::from_pixel(200, 150, image::Rgb([90, 120, 150])).save(&path)?;
    Ok(path)
}

#[test]
fn detect_gives_one_row_per_face_largest_first() -> TestResult {
    let image = "faces/group_three_720x300.png";
    let case = group_case(image)?;
    let want = case["faces"].as_array().ok_or("faces")?;
    let rows = json_rows(glasses().args(["classify", image, "--faces", "detect", "--format", "json"]))?;
    assert_eq!(rows.len(), want.len(), "{rows:?}");
    for (i, (row, want)) in rows.iter().zip(want).enumerate() {
        assert_eq!(row["face_index"], i, "{row}");
        assert_eq!(row["eyewear"], want["eyewear"], "{row}");
        let face = &row["face"];
        for (k, key) in ["x", "y", "width", "height", "score"].into_iter().enumerate() {
            let got = face[key].as_f64().ok_or("a number")?;
            let expected = want["face"][k].as_f64().ok_or("a number")?;
            assert!((got - expected).abs() <= 0.05, "{key}: {got} vs {expected}");
        }
        let p = row["probability"].as_f64().ok_or("p")?;
        assert!((p - want["probability"].as_f64().ok_or("p")?).abs() <= 1e-4, "{row}");
    }
    Ok(())
}

#[test]
fn auto_answers_for_the_largest_face_and_whole_for_the_picture() -> TestResult {
    let image = "faces/group_three_720x300.png";
    let largest = &group_case(image)?["faces"][0];
    let auto = json_rows(glasses().args(["classify", image, "--format", "json"]))?;
    assert_eq!(auto.len(), 1);
    assert_eq!(auto[0]["face_index"], 0);
    assert_eq!(auto[0]["eyewear"], largest["eyewear"]);
    assert!(
        (auto[0]["face"]["x"].as_f64().ok_or("x")? - largest["face"][0].as_f64().ok_or("x")?).abs() <= 0.05
    );
    let whole = json_rows(glasses().args(["classify", image, "--faces", "whole", "--format", "json"]))?;
    assert_eq!(whole.len(), 1);
    assert!(whole[0]["face"].is_null() && whole[0]["face_index"].is_null(), "{}", whole[0]);
    assert_ne!(whole[0]["probabilities"], auto[0]["probabilities"]);
    Ok(())
}

#[test]
fn a_picture_without_a_face_is_a_row_that_says_so() -> TestResult {
    let dir = tempfile::tempdir()?;
    let blank = blank_png(dir.path())?;
    let mut cmd = glasses();
    cmd.args(["classify", "--faces", "detect", "--format", "json"]).arg(&blank);
    let output = cmd.output()?;
    assert_eq!(output.status.code(), Some(0), "not a failure: {}", String::from_utf8_lossy(&output.stderr));
    let rows: Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(rows[0]["no_face"], true, "{rows}");
    assert!(rows[0]["face"].is_null() && rows[0].get("error").is_none(), "{rows}");
    let stderr = String::from_utf8(output.stderr)?;
    assert!(stderr.contains("0 failed, 1 picture without a face"), "{stderr}");
    // Auto classifies it whole.
    let auto = json_rows(glasses().args(["classify", "--format", "json"]).arg(&blank))?;
    assert!(auto[0]["face"].is_null() && auto[0]["probability"].is_number(), "{}", auto[0]);
    // The table and CSV say so too.
    let table = glasses().args(["classify", "--faces", "detect"]).arg(&blank).output()?;
    assert!(String::from_utf8(table.stdout)?.contains("no face found"));
    let csv = glasses().args(["classify", "--faces", "detect", "--format", "csv"]).arg(&blank).output()?;
    let text = String::from_utf8(csv.stdout)?;
    assert!(text.lines().nth(1).is_some_and(|l| l.ends_with(",true")), "{text}");
    Ok(())
}

#[test]
fn eval_detect_reports_per_picture_figures_and_per_face_counts() -> TestResult {
    let dir = tempfile::tempdir()?;
    let labelled = dir.path().join("data");
    for (label, file) in [("1", "group_three_720x300.png"), ("0", "group_two_640x320.jpg")] {
        std::fs::create_dir_all(labelled.join(label))?;
        std::fs::copy(fixtures().join("faces").join(file), labelled.join(label).join(file))?;
    }
    std::fs::create_dir_all(labelled.join("0"))?;
    blank_png(&labelled.join("0"))?;
    let report = |faces: &str| -> TestResult<Value> {
        let mut cmd = glasses();
        cmd.args(["eval", "--format", "json", "--faces", faces, "--images-path"]).arg(&labelled);
        let output = cmd.output()?;
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        Ok(serde_json::from_slice(&output.stdout)?)
    };
    let detect = report("detect")?;
    assert_eq!(detect["n"], 2, "one answer per picture with a face: {detect}");
    assert_eq!(
        detect["faces"],
        serde_json::json!({"mode": "detect", "pictures_with_face": 2, "pictures_without_face": 1,
                           "faces": 5, "pictures_with_several_faces": 2})
    );
    let auto = report("auto")?;
    assert_eq!(auto["n"], 3, "the picture without a face is classified whole: {auto}");
    assert_eq!(
        auto["faces"],
        serde_json::json!({"mode": "auto", "pictures_with_face": 2, "pictures_without_face": 1})
    );
    assert!(report("whole")?.get("faces").is_none());
    Ok(())
}
