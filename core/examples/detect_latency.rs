//! Median face-detection times (ms, one thread) of core's engine, for bench/detect-compare.sh to
//! set beside onnxruntime's (bench/ort_detect_latency.py) on the same file.
//!
//! `cargo run --release -p glasses-core --example detect_latency -- [MODEL.onnx] [RUNS]`
//!
//! Without a model the bundled one runs. One JSON line per input size (320x240 -> a 320x256
//! tensor, 640x480): `run_ms` is the engine alone on the letterboxed tensor of
//! tests/fixtures/faces/region_eyeglasses_640x400.png, `total_ms` is `detect_rgb` on that
//! picture (letterbox resize, run, decode, NMS).

use std::path::Path;
use std::time::Instant;

use glasses_core::{DetectorOptions, FaceDetector};

fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..runs.div_ceil(10).max(5) {
        f();
    }
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let model = args.next().filter(|a| a != "bundled");
    let runs: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(200);
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
        let run_ms = median_ms(runs, || {
            detector.raw_outputs(&tensor).expect("runs");
        });
        let total_ms = median_ms(runs, || {
            detector.detect_rgb(&img).expect("detects");
        });
        let faces = detector.detect_rgb(&img)?.len();
        println!(
            "{{\"engine\":\"{}\",\"model\":\"{}\",\"input\":\"{w}x{h}\",\"tensor\":\"{}x{}\",\"runs\":{runs},\"run_ms\":{run_ms:.3},\"total_ms\":{total_ms:.3},\"faces\":{faces}}}",
            detector.engine(),
            model.as_deref().unwrap_or("bundled"),
            letterbox.tensor_width,
            letterbox.tensor_height,
        );
    }
    Ok(())
}
