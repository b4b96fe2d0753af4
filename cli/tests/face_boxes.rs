//! Issue 27 part 4 end to end: a `--face-boxes` file that no caller can break (a FIFO without a
//! writer, `/dev/zero`, an endless stdin stream, a huge file, a folder), and several faces in one
//! picture (issue 28). Each hostile case hung, aborted or misread on the code before the fix.

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Fixture, TestResult, small_model};
use serde_json::Value;

mod common;

/// A refusal takes milliseconds; this only tells "answered" from "hung" (a hang is forever), with
/// room for a loaded machine. Not a speed assertion: the run is killed when it is over.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// A fixture with a 32 px random model and `a.png`, a 120x90 gradient.
fn fixture() -> TestResult<Fixture> {
    let fx = Fixture::with_model(&small_model(2, 3, 32)?)?;
    let image = glasses_core::image::RgbImage::from_fn(120, 90, |x, y| {
        glasses_core::image::Rgb([(x * 2) as u8, (y * 2) as u8, ((x ^ y) * 3) as u8])
    });
    image.save(fx.path("a.png"))?;
    Ok(fx)
}

/// `glasses classify --model <model> a.png --format json <args>` in the fixture folder.
fn command(fx: &Fixture, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glasses"));
    cmd.current_dir(fx.dir.path())
        .args(["classify", "--model"])
        .arg(&fx.model)
        .args(["a.png", "--format", "json"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn run(fx: &Fixture, args: &[&str]) -> TestResult<Output> {
    run_with_timeout(command(fx, args))
}

/// Runs `cmd` to its end, or kills it and fails when it runs past [`ANSWER_WITHIN`].
fn run_with_timeout(mut cmd: Command) -> TestResult<Output> {
    let mut child = cmd.spawn()?;
    // The command may hold the write end of a pipe feeding the child: drop it with the command.
    drop(cmd);
    let start = Instant::now();
    loop {
        if child.try_wait()?.is_some() {
            return Ok(child.wait_with_output()?);
        }
        if start.elapsed() > ANSWER_WITHIN {
            child.kill()?;
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                pipe.read_to_string(&mut stderr)?;
            }
            child.wait()?;
            return Err(format!("still running after {ANSWER_WITHIN:?} (killed); stderr: {stderr}").into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Expects a usage error (exit 1) whose message contains `needle`.
fn refused(output: &Output, needle: &str) -> TestResult {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(needle), "expected `{needle}` in: {stderr}");
    Ok(())
}

/// `glasses ... --face-boxes <path>` with `yes` writing into its stdin without end.
fn fed_by_yes(fx: &Fixture, path: &str) -> TestResult<Output> {
    let mut yes = Command::new("yes").stdout(Stdio::piped()).spawn()?;
    let pipe = yes.stdout.take().ok_or("no pipe from yes")?;
    let mut cmd = command(fx, &["--face-boxes", path]);
    cmd.stdin(pipe);
    let output = run_with_timeout(cmd);
    yes.kill()?;
    yes.wait()?;
    output
}

#[cfg(unix)]
#[test]
fn a_fifo_without_a_writer_is_refused_at_once() -> TestResult {
    let fx = fixture()?;
    let fifo = fx.path("boxes.csv");
    assert!(Command::new("mkfifo").arg(&fifo).status()?.success(), "mkfifo failed");
    refused(&run(&fx, &["--face-boxes", "boxes.csv"])?, "`boxes.csv` is a FIFO, not a regular file")
}

#[cfg(target_os = "linux")]
#[test]
fn dev_zero_is_refused_unread() -> TestResult {
    let fx = fixture()?;
    refused(
        &run(&fx, &["--face-boxes", "/dev/zero"])?,
        "`/dev/zero` is a character device, not a regular file",
    )
}

#[cfg(unix)]
#[test]
fn an_endless_stdin_stream_stops_at_the_limit() -> TestResult {
    let fx = fixture()?;
    // `-` reads stdin, up to the limit.
    refused(
        &fed_by_yes(&fx, "-")?,
        "standard input goes on past 16777216 bytes (the limit, --max-face-boxes-bytes)",
    )?;
    // `/dev/stdin` names the pipe itself, which is not a regular file.
    refused(&fed_by_yes(&fx, "/dev/stdin")?, "is a FIFO")
}

#[test]
fn files_over_the_limit_are_refused_unread() -> TestResult {
    let fx = fixture()?;
    let csv = fx.path("boxes.csv");
    std::fs::write(&csv, format!("path,x,y,w,h\n{}", "a.png,1,2,30,40\n".repeat(100)))?;
    let size = std::fs::metadata(&csv)?.len();
    refused(
        &run(&fx, &["--face-boxes", "boxes.csv", "--max-face-boxes-bytes", "1000"])?,
        &format!("`boxes.csv` is {size} bytes, over the limit of 1000 bytes (--max-face-boxes-bytes)"),
    )?;
    // The default limit, 16 MiB: a sparse file one byte over it costs no disk.
    let huge = std::fs::File::create(fx.path("huge.csv"))?;
    huge.set_len((16 << 20) + 1)?;
    refused(&run(&fx, &["--face-boxes", "huge.csv"])?, "over the limit of 16777216 bytes")
}

#[test]
fn a_folder_is_refused() -> TestResult {
    let fx = fixture()?;
    std::fs::create_dir(fx.path("boxes"))?;
    refused(&run(&fx, &["--face-boxes", "boxes"])?, "`boxes` is a folder, not a regular file")
}

fn json_rows(output: &Output) -> TestResult<Vec<Value>> {
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let value: Value = serde_json::from_slice(&output.stdout)?;
    Ok(value.as_array().cloned().ok_or("not an array")?)
}

#[test]
fn stdin_gives_the_boxes_with_the_same_result_as_a_file() -> TestResult {
    let fx = fixture()?;
    let boxes = "path,x,y,w,h\na.png,10,5,60,70\n";
    std::fs::write(fx.path("boxes.csv"), boxes)?;
    let from_file = json_rows(&run(&fx, &["--face-boxes", "boxes.csv"])?)?;
    let mut cmd = command(&fx, &["--face-boxes", "-"]);
    cmd.stdin(Stdio::piped());
    let mut child = cmd.spawn()?;
    std::io::Write::write_all(&mut child.stdin.take().ok_or("no stdin")?, boxes.as_bytes())?;
    let output = child.wait_with_output()?;
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 face inside a face box"));
    let from_stdin = json_rows(&output)?;
    assert_eq!(from_stdin, from_file);
    assert_eq!(from_file[0]["face_box"], serde_json::json!({"x": 10.0, "y": 5.0, "w": 60.0, "h": 70.0}));
    Ok(())
}

#[test]
fn several_rows_for_one_picture_give_one_result_per_face() -> TestResult {
    let fx = fixture()?;
    std::fs::write(fx.path("one.csv"), "path,x,y,w,h\na.png,60,10,50,60\n")?;
    let alone = json_rows(&run(&fx, &["--face-boxes", "one.csv"])?)?;
    std::fs::write(fx.path("two.csv"), "path,x,y,w,h\na.png,0,0,40,50\na.png,60,10,50,60\n")?;
    let output = run(&fx, &["--face-boxes", "two.csv"])?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let rows = json_rows(&output)?;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r["path"] == "a.png"));
    let boxes: Vec<&Value> = rows.iter().map(|r| &r["face_box"]).collect();
    assert_eq!(boxes[0]["w"], 40.0);
    assert_eq!(boxes[1]["w"], 50.0);
    // Each face is classified inside its own box: the second is the one-box run's result.
    assert_eq!(rows[1]["probability"], alone[0]["probability"]);
    assert!(
        stderr.contains("1 image (2 results)") && stderr.contains("2 faces inside a face box"),
        "{stderr}"
    );
    Ok(())
}
