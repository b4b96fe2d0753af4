//! The trainer binary killed (SIGKILL) in the middle of a run: the checkpoint on disk is always a
//! whole one, and `--resume` finishes the run without losing or changing finished epochs.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use glasses_trainer::checkpoint::{self, CHECKPOINT_FILE};

const EPOCHS: usize = 12;

fn trainer(data: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_glasses-trainer"));
    cmd.args(["train", "--arch", "squeezenet", "--epochs", &EPOCHS.to_string(), "--batch-size", "4"])
        .args(["--input-width", "36", "--input-height", "40", "--folds", "3", "--threads", "1"])
        .args(["--no-extra-negatives", "--device", "cpu", "--images-path"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

#[test]
fn killed_mid_run_resumes_without_losing_epochs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    common::write_dataset(&data, 6, 44, 50);
    let out = dir.path().join("run");
    let ckpt = out.join(CHECKPOINT_FILE);

    let mut child = trainer(&data, &out, &[]).spawn().expect("start trainer");
    let started = Instant::now();
    // Kill as soon as two epochs are on disk: the process is then inside a later epoch (or
    // writing its checkpoint), never between runs.
    let before = loop {
        if let Some(status) = child.try_wait().expect("poll") {
            panic!("the trainer ended ({status}) before it could be killed; raise EPOCHS");
        }
        if let Ok(meta) = checkpoint::read_meta(&ckpt)
            && meta.epoch >= 2
        {
            child.kill().expect("kill");
            child.wait().expect("reap");
            break meta;
        }
        assert!(started.elapsed() < Duration::from_secs(300), "no checkpoint after 300 s");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(before.epoch < EPOCHS, "killed after the end");

    // What is on disk after the kill is a whole checkpoint (the epoch seen, or a later one).
    let after_kill = checkpoint::read_meta(&ckpt).expect("checkpoint readable after SIGKILL");
    assert!(after_kill.epoch >= before.epoch && after_kill.epoch < EPOCHS);

    // Without --resume the stored run is refused, not overwritten.
    let status = trainer(&data, &out, &[]).status().expect("rerun");
    assert!(!status.success(), "an unfinished run must not be replaced without --resume/--force");
    assert_eq!(checkpoint::read_meta(&ckpt).expect("still there").epoch, after_kill.epoch);

    let status = trainer(&data, &out, &["--resume"]).status().expect("resume");
    assert!(status.success(), "resume failed: {status}");
    let done = checkpoint::read_meta(&ckpt).expect("final checkpoint");
    assert_eq!(done.epoch, EPOCHS);
    assert_eq!(done.history.len(), EPOCHS);
    let epochs: Vec<usize> = done.history.iter().map(|h| h.epoch).collect();
    assert_eq!(epochs, (1..=EPOCHS).collect::<Vec<_>>(), "epochs lost or repeated");
    for (old, new) in before.history.iter().zip(&done.history) {
        assert_eq!(old.train_loss, new.train_loss, "finished epoch {} changed", old.epoch);
        assert_eq!(old.val.f1, new.val.f1, "finished epoch {} changed", old.epoch);
    }
    assert!(out.join("metrics.json").is_file(), "report missing after the resumed run");
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .expect("read run folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind: {leftovers:?}");
}
