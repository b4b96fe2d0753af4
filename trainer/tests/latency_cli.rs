//! `glasses-trainer latency`, the torch side of `bench/compare.sh`: one JSON line with the
//! architecture, the input size and the medians with 1 and with all libtorch threads.

use std::process::Command;

fn latency(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_glasses-trainer"))
        .arg("latency")
        .args(args)
        .output()
        .expect("run glasses-trainer")
}

#[test]
fn prints_one_json_line_with_both_thread_settings() {
    let out =
        latency(&["--arch", "squeezenet", "--input-width", "40", "--input-height", "52", "--runs", "2"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("JSON");
    assert_eq!(v["architecture"], "squeezenet1_1");
    assert_eq!((v["width"].as_u64(), v["height"].as_u64()), (Some(40), Some(52)));
    assert_eq!(v["device"], "cpu");
    for key in ["inference_ms", "inference_all_threads_ms"] {
        let ms = v[key].as_f64().unwrap_or_else(|| panic!("{key} missing: {stdout}"));
        assert!(ms > 0.0 && ms.is_finite(), "{key} = {ms}");
    }
    assert!(v["all_threads"].as_u64().is_some_and(|n| n >= 1), "{stdout}");
}

#[test]
fn zero_runs_is_a_usage_error_naming_the_problem() {
    let out = latency(&["--arch", "resnet18", "--runs", "0"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("at least one run"), "{stderr}");
}
