//! Time per step of core's own engine, in plan order, to see where inference time goes.
//!
//! `cargo run --profile dist -p glasses-core --example profile_steps -- [MODEL.onnx]` (default:
//! the bundled model). Input: the synthetic 178x218 picture `latency.rs` uses, through core's
//! preprocessing. Mean of 300 runs per step.

use glasses_core::image::{Rgb, RgbImage};
use glasses_core::{Classifier, ClassifierOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let c = match std::env::args().nth(1) {
        Some(path) => Classifier::from_file(path, ClassifierOptions::default())?,
        None => Classifier::bundled()?,
    };
    let img = RgbImage::from_fn(178, 218, |x, y| {
        Rgb([(x * 255 / 178) as u8, (y * 255 / 218) as u8, ((x ^ y) & 0xff) as u8])
    });
    let tensor = c.preprocessing().tensor_from_rgb(&img);
    let steps = c.profile_steps(&tensor, 300)?;
    let total: f64 = steps.iter().map(|s| s.1).sum();
    println!(
        "{}; {:.1} M MACs; sum of steps {total:.3} ms",
        c.engine(),
        c.multiply_accumulates().unwrap_or(0) as f64 / 1e6
    );
    println!("| # | step | ms | share |\n|---|---|---|---|");
    for (i, (what, ms)) in steps.iter().enumerate() {
        println!("| {i} | {what} | {ms:.4} | {:.1} % |", 100.0 * ms / total);
    }
    Ok(())
}
