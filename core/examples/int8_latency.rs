//! Int8 inference against fp32 on the same model, per micro-kernel, single-threaded.
//!
//! `cargo run --release -p glasses-core --example int8_latency -- FP32.onnx INT8_QDQ.onnx [ROUNDS]`
//!
//! Both files are loaded on every kernel this CPU runs (`Classifier::available_kernels`; a QDQ
//! file runs on the int8 kernel of the same instruction set). Rounds alternate between the two
//! models (50 inferences each), so that both see the same machine load; the medians of the
//! per-round means are printed with their ratio, and the largest difference of the softmax
//! probabilities between the two files on the bench picture.
//!
//! A second table holds each model against its arithmetic limit: the model's multiply-accumulates
//! (`Classifier::multiply_accumulates`) at the kernel's peak rate on one core (its tile on
//! operands in L1, `bench_support::peak_macs_per_second`), measured in the same run, and the
//! median time over that ideal (the int8 target: core inference <= 1.3x its limit).

mod common;

use std::time::Instant;

use common::timing::median;
use glasses_core::bench_support::peak_macs_per_second;
use glasses_core::image::{Rgb, RgbImage};
use glasses_core::{Classifier, ClassifierOptions};

const PER_ROUND: usize = 50;

fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::MIN, f32::max);
    let e: Vec<f32> = logits.iter().map(|&l| (l - max).exp()).collect();
    let sum: f32 = e.iter().sum();
    e.iter().map(|v| v / sum).collect()
}

fn round_ms(c: &Classifier, tensor: &[f32]) -> f64 {
    let t = Instant::now();
    for _ in 0..PER_ROUND {
        c.logits(tensor).expect("logits");
    }
    t.elapsed().as_secs_f64() * 1e3 / PER_ROUND as f64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: int8_latency FP32.onnx INT8_QDQ.onnx [ROUNDS]";
    let fp32_bytes = std::fs::read(args.next().ok_or(usage)?)?;
    let int8_bytes = std::fs::read(args.next().ok_or(usage)?)?;
    let rounds: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(20);
    let options = ClassifierOptions::default();
    println!("| kernel | fp32 ms | int8 ms | int8 / fp32 | max abs diff of P |\n|---|---|---|---|---|");
    let mut limits = Vec::new();
    for kernel in Classifier::available_kernels() {
        let fp32 = Classifier::from_bytes_with_kernel(&fp32_bytes, options, kernel)?;
        let int8 = Classifier::from_bytes_with_kernel(&int8_bytes, options, kernel)?;
        // The bench input of `latency.rs`: a 178x218 picture through the model's preprocessing.
        let img = RgbImage::from_fn(178, 218, |x, y| {
            Rgb([(x * 255 / 178) as u8, (y * 255 / 218) as u8, ((x ^ y) & 0xff) as u8])
        });
        let tensor = fp32.preprocessing().tensor_from_rgb(&img);
        let (p32, p8) = (softmax(&fp32.logits(&tensor)?), softmax(&int8.logits(&tensor)?));
        let diff = p32.iter().zip(&p8).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        round_ms(&fp32, &tensor);
        round_ms(&int8, &tensor);
        let (mut t32, mut t8) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            t32.push(round_ms(&fp32, &tensor));
            t8.push(round_ms(&int8, &tensor));
        }
        let (m32, m8) = (median(t32), median(t8));
        println!("| {kernel} | {m32:.3} | {m8:.3} | {:.2} | {diff:.4} |", m8 / m32);
        for (label, model, int8, ms) in [("fp32", &fp32, false, m32), ("int8", &int8, true, m8)] {
            let macs = model.multiply_accumulates().ok_or("the engine runs no convolutions of its own")?;
            let peak = peak_macs_per_second(kernel, int8, 0.5).ok_or("kernel not available")?;
            let ideal = macs as f64 / peak * 1e3;
            limits.push(format!(
                "| {kernel} | {label} | {:.1} | {:.2} | {ideal:.3} | {ms:.3} | {:.2} |",
                macs as f64 / 1e6,
                peak / 1e9,
                ms / ideal
            ));
        }
        eprintln!("{kernel}: fp32 engine `{}`, int8 engine `{}`", fp32.engine(), int8.engine());
    }
    println!("\n| kernel | model | MMACs | peak GMAC/s | ideal ms | measured ms | measured / ideal |");
    println!("|---|---|---|---|---|---|---|");
    for line in limits {
        println!("{line}");
    }
    Ok(())
}
