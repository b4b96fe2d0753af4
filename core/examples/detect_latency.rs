//! Median face-detection times (ms, one thread) of core's engine, for bench/detect-compare.sh to
//! set beside onnxruntime's (bench/ort_detect_latency.py) on the same file.
//!
//! `cargo run --release -p glasses-core --example detect_latency -- [MODEL.onnx|bundled] [RUNS] [--profile]`
//!
//! `--profile` also prints the time of every engine step.
//! Without a model the bundled one runs. One JSON line per input size (320x240 -> a 320x256
//! tensor, 640x480): `run_ms` is the engine alone on the letterboxed tensor of
//! tests/fixtures/faces/region_eyeglasses_640x400.png, `total_ms` is `detect_rgb` on that
//! picture (letterbox resize, run, decode, NMS); medians of wall time and, `*_cpu_ms`, of the
//! thread's CPU time (what a shared, loaded machine distorts least). `letterbox_cpu_ms` is the
//! letterbox alone, `detect_tensor_cpu_ms` the run with decoding and NMS (less `run_cpu_ms`:
//! their cost, within the noise of a loaded machine).

mod common;

use std::path::Path;
use std::time::Instant;

use common::thread_cpu_ms;
use glasses_core::{DetectorOptions, FaceDetector};

/// Medians of the wall time and of the thread's CPU time of `f`, in ms.
fn median_ms(runs: usize, mut f: impl FnMut()) -> (f64, f64) {
    for _ in 0..runs.div_ceil(10).max(5) {
        f();
    }
    let (mut wall, mut cpu): (Vec<f64>, Vec<f64>) = (0..runs)
        .map(|_| {
            let (t, c) = (Instant::now(), thread_cpu_ms());
            f();
            (t.elapsed().as_secs_f64() * 1e3, thread_cpu_ms() - c)
        })
        .unzip();
    wall.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    (wall[runs / 2], cpu[runs / 2])
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let model = args.next().filter(|a| a != "bundled");
    let runs: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(200);
    let profile = args.next().is_some_and(|a| a == "--profile");
    let bytes = match &model {
        Some(path) => std::fs::read(path)?,
        None => include_bytes!("../models/face-detector.onnx").to_vec(),
    };
    let picture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/faces/region_eyeglasses_640x400.png");
    let img = glasses_core::image::open(&picture)?.to_rgb8();
    for (w, h) in [(320, 240), (640, 480)] {
        let options = DetectorOptions { input_width: w, input_height: h, ..DetectorOptions::default() };
        let detector = FaceDetector::from_bytes(&bytes, options)?;
        let letterbox = detector.letterbox(img.width(), img.height())?;
        let tensor = letterbox.tensor_from_rgb(&img)?;
        let (run_ms, run_cpu_ms) = median_ms(runs, || {
            detector.raw_outputs(&tensor).expect("runs");
        });
        let (total_ms, total_cpu_ms) = median_ms(runs, || {
            detector.detect_rgb(&img).expect("detects");
        });
        // The steps around the engine, timed apart: the letterbox (resize and BGR tensor), and
        // the run with decoding and NMS (detect_tensor).
        let (_, letterbox_cpu_ms) = median_ms(runs, || {
            letterbox.tensor_from_rgb(&img).expect("letterboxes");
        });
        let (_, detect_cpu_ms) = median_ms(runs, || {
            detector.detect_tensor(&tensor, &letterbox).expect("detects");
        });
        let faces = detector.detect_rgb(&img)?.len();
        if profile {
            // The least of 10 profiles of runs / 10 runs each: the load of a shared machine
            // inflates some, rarely all.
            let mut steps = detector.profile(&tensor, runs.div_ceil(10))?;
            for _ in 0..9 {
                for ((_, best), (_, t)) in steps.iter_mut().zip(detector.profile(&tensor, runs.div_ceil(10))?)
                {
                    *best = best.min(t);
                }
            }
            let total: f64 = steps.iter().map(|(_, t)| t).sum();
            for (step, ms) in steps {
                eprintln!("{ms:8.3} ms {:5.1} %  {step}", 100.0 * ms / total);
            }
        }
        println!(
            "{{\"engine\":\"{}\",\"model\":\"{}\",\"input\":\"{w}x{h}\",\"tensor\":\"{}x{}\",\"runs\":{runs},\"run_ms\":{run_ms:.3},\"run_cpu_ms\":{run_cpu_ms:.3},\"total_ms\":{total_ms:.3},\"total_cpu_ms\":{total_cpu_ms:.3},\"letterbox_cpu_ms\":{letterbox_cpu_ms:.3},\"detect_tensor_cpu_ms\":{detect_cpu_ms:.3},\"faces\":{faces}}}",
            detector.engine(),
            model.as_deref().unwrap_or("bundled"),
            letterbox.tensor_width,
            letterbox.tensor_height,
        );
    }
    Ok(())
}
