//! Issue 13 end to end: what no input may do to the `glasses` command (crash it, hang it, make it
//! read gigabytes, lose data or mangle a name). Each test failed on the code before the fix.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use common::{Fixture, TestResult, small_model};
use glasses_core::image::codecs::png::{CompressionType, FilterType, PngEncoder};
use glasses_core::image::{ExtendedColorType, ImageEncoder};
use serde_json::Value;

mod common;

/// Anything that hung before the fix gets this long.
const PATIENCE: Duration = Duration::from_secs(60);

fn fixture() -> TestResult<Fixture> {
    Fixture::with_model(&small_model(2, 5, 32)?)
}

/// `glasses classify --model <model>` in the fixture folder, killed after [`PATIENCE`].
fn classify(fx: &Fixture) -> Command {
    let mut cmd = fx.cmd("classify");
    cmd.timeout(PATIENCE);
    cmd
}

fn gray_png(w: u32, h: u32) -> TestResult<Vec<u8>> {
    let pixels: Vec<u8> =
        (0..h).flat_map(|_| (0..w).map(move |x| (x as u64 * 255 / w as u64) as u8)).collect();
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub).write_image(
        &pixels,
        w,
        h,
        ExtendedColorType::L8,
    )?;
    Ok(out)
}

fn jpeg(w: u32, h: u32) -> TestResult<Vec<u8>> {
    let img = glasses_core::image::RgbImage::from_fn(w, h, |x, y| {
        glasses_core::image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, ((x * 7) ^ (y * 13)) as u8])
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), glasses_core::image::ImageFormat::Jpeg)?;
    Ok(out)
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &std::process::Output) -> TestResult<Vec<Value>> {
    let value: Value = serde_json::from_slice(&output.stdout)?;
    Ok(value.as_array().cloned().unwrap_or_default())
}

fn mkfifo(path: &Path) -> TestResult {
    let status = std::process::Command::new("mkfifo").arg(path).status()?;
    assert!(status.success(), "mkfifo failed");
    Ok(())
}

#[test]
fn a_64_megapixel_single_row_png_is_classified() -> TestResult {
    // Item 1: aborted with "memory allocation of 82944000000 bytes failed".
    let fx = fixture()?;
    std::fs::write(fx.path("row.png"), gray_png(64_000_000, 1)?)?;
    let output = classify(&fx).args(["row.png", "--format", "json"]).output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let rows = json(&output)?;
    assert!(rows[0]["probability"].is_f64(), "{rows:?}");
    Ok(())
}

#[test]
fn huge_files_devices_and_fifos_are_entry_errors_not_reads() -> TestResult {
    // Item 3: a sparse 1 GB file was read whole, /dev/zero grew without end, a FIFO hung.
    let fx = fixture()?;
    std::fs::File::create(fx.path("big.jpg"))?.set_len(1 << 30)?;
    mkfifo(&fx.path("pipe.jpg"))?;
    std::fs::write(fx.path("ok.png"), gray_png(40, 40)?)?;
    let output =
        classify(&fx).args(["big.jpg", "/dev/zero", "pipe.jpg", "ok.png", "--format", "json"]).output()?;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let rows = json(&output)?;
    let errors: Vec<&str> = rows.iter().map(|r| r["error"].as_str().unwrap_or("")).collect();
    assert!(errors[0].contains("exceeds the limit"), "{errors:?}");
    assert!(errors[1].contains("not a regular file"), "{errors:?}");
    assert!(errors[2].contains("not a regular file"), "{errors:?}");
    assert!(rows[3]["probability"].is_f64(), "{rows:?}");
    // The limit is a flag.
    let output = classify(&fx).args(["ok.png", "--max-file-bytes", "10"]).output()?;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    Ok(())
}

#[test]
fn huge_and_special_model_files_are_refused_unread() -> TestResult {
    let fx = fixture()?;
    std::fs::write(fx.path("ok.png"), gray_png(40, 40)?)?;
    std::fs::File::create(fx.path("big.onnx"))?.set_len(2 << 30)?;
    mkfifo(&fx.path("pipe.onnx"))?;
    for (model, says) in [
        ("big.onnx", "exceeds the limit"),
        ("pipe.onnx", "not a regular file"),
        ("/dev/zero", "not a regular file"),
    ] {
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("glasses");
        let output = cmd
            .current_dir(fx.dir.path())
            .args(["classify", "ok.png", "--model", model])
            .timeout(PATIENCE)
            .output()?;
        assert_eq!(output.status.code(), Some(1), "{model}: {}", stderr(&output));
        assert!(stderr(&output).contains(says), "{model}: {}", stderr(&output));
    }
    Ok(())
}

#[test]
fn eight_thousand_jobs_on_one_image_finish_quickly() -> TestResult {
    // Item 4: still creating threads after 60 s.
    let fx = fixture()?;
    std::fs::write(fx.path("ok.png"), gray_png(40, 40)?)?;
    let output =
        classify(&fx).args(["ok.png", "--jobs", "8000"]).timeout(Duration::from_secs(30)).output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    Ok(())
}

#[test]
fn truncated_jpegs_are_errors_unless_accepted() -> TestResult {
    // Item 5: classified without a word.
    let fx = fixture()?;
    let whole = jpeg(178, 218)?;
    std::fs::write(fx.path("cut.jpg"), &whole[..whole.len() * 3 / 10])?;
    std::fs::write(fx.path("whole.jpg"), &whole)?;
    let output = classify(&fx).args(["cut.jpg", "whole.jpg", "--format", "json"]).output()?;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let rows = json(&output)?;
    assert!(rows[0]["error"].as_str().is_some_and(|e| e.contains("truncated")), "{rows:?}");
    assert!(rows[1]["probability"].is_f64(), "{rows:?}");
    let output = classify(&fx).args(["cut.jpg", "--accept-truncated"]).output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    Ok(())
}

#[cfg(unix)]
#[test]
fn force_replaces_only_regular_files() -> TestResult {
    // Item 6: a symlink or a FIFO given to -o --force became a regular file.
    let fx = fixture()?;
    std::fs::write(fx.path("ok.png"), gray_png(40, 40)?)?;
    std::fs::write(fx.path("target.txt"), b"keep")?;
    std::os::unix::fs::symlink(fx.path("target.txt"), fx.path("link.txt"))?;
    mkfifo(&fx.path("fifo.txt"))?;
    for name in ["link.txt", "fifo.txt"] {
        let output = classify(&fx).args(["ok.png", "-o", name, "--force"]).output()?;
        assert_eq!(output.status.code(), Some(1), "{name}: {}", stderr(&output));
        assert!(stderr(&output).contains("only replaces regular files"), "{}", stderr(&output));
        assert!(!fx.path(name).symlink_metadata()?.file_type().is_file(), "{name} was replaced");
    }
    assert_eq!(std::fs::read(fx.path("target.txt"))?, b"keep");
    // A regular file is still replaced.
    let output = classify(&fx).args(["ok.png", "-o", "target.txt", "--force"]).output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_ne!(std::fs::read(fx.path("target.txt"))?, b"keep");
    Ok(())
}

#[cfg(target_os = "linux")]
#[test]
fn temp_files_of_killed_runs_are_cleaned_up() -> TestResult {
    // Item 6: a kill during the write left `.glasses-output-*.tmp` files that piled up.
    let fx = fixture()?;
    std::fs::write(fx.path("ok.png"), gray_png(40, 40)?)?;
    let out = fx.path("out");
    std::fs::create_dir(&out)?;
    let leftover = out.join(".glasses-output-99999999-Xy12ab.tmp");
    std::fs::write(&leftover, b"half a result")?;
    let output = classify(&fx).args(["ok.png", "-o", "out/results.txt"]).output()?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!leftover.exists(), "the leftover of a dead run is still there");
    let names: Vec<_> = std::fs::read_dir(&out)?.flatten().map(|e| e.file_name()).collect();
    assert_eq!(names, ["results.txt"]);
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_path_too_long_deep_in_the_tree_is_one_entry_error() -> TestResult {
    // Item 7: the whole run failed with exit 1 and no results.
    let fx = fixture()?;
    fx.write("tree/a.png", &gray_png(40, 40)?)?;
    let name = "d".repeat(200);
    let script =
        format!("cd tree && for i in $(seq 25); do mkdir {name} && cd {name} 2>/dev/null || break; done");
    let built = std::process::Command::new("sh").current_dir(fx.dir.path()).arg("-c").arg(script).status()?;
    assert!(built.success());
    let output = classify(&fx).args(["tree", "--format", "json"]).output()?;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let rows = json(&output)?;
    assert!(rows.iter().any(|r| r["path"] == "tree/a.png" && r["probability"].is_f64()), "{rows:?}");
    assert!(
        rows.iter().any(|r| r["error"].as_str().is_some_and(|e| e.contains("cannot search folder"))),
        "{rows:?}"
    );
    Ok(())
}

#[cfg(unix)]
#[test]
fn names_with_newlines_and_invalid_utf8_are_kept_faithfully() -> TestResult {
    // Item 8: a non-UTF-8 name became U+FFFD in JSON/CSV and a newline broke the table.
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let fx = fixture()?;
    std::fs::create_dir(fx.path("in"))?;
    let newline = fx.path("in/a\nb.png");
    let latin1 = fx.dir.path().join("in").join(OsStr::from_bytes(b"caf\xe9.png"));
    for path in [&newline, &latin1] {
        std::fs::write(path, gray_png(40, 40)?)?;
    }
    let table = classify(&fx).arg("in").output()?;
    assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
    let text = String::from_utf8(table.stdout)?;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].starts_with("in/a\\nb.png "), "{text}");
    assert!(lines[2].starts_with("in/caf\\xe9.png "), "{text}");

    let output = classify(&fx).args(["in", "--format", "json"]).output()?;
    let rows = json(&output)?;
    assert_eq!(rows[0]["path"], "in/a\nb.png");
    assert!(rows[0].get("path_bytes").is_none(), "{rows:?}");
    let bytes: Vec<u8> = rows[1]["path_bytes"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).map(|b| b as u8).collect())
        .unwrap_or_default();
    assert_eq!(bytes, b"in/caf\xe9.png");

    let output = classify(&fx).args(["in", "--format", "csv"]).output()?;
    let mut reader = csv::ReaderBuilder::new().from_reader(output.stdout.as_slice());
    let paths: Vec<Vec<u8>> =
        reader.byte_records().map(|r| r.map(|r| r[0].to_vec())).collect::<Result<_, _>>()?;
    assert_eq!(paths, [b"in/a\nb.png".to_vec(), b"in/caf\xe9.png".to_vec()]);
    Ok(())
}
