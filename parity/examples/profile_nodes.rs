//! Per-operator time of a model in tract's stock optimised plan (without glasses-core's own
//! plan rewrites), to see where inference time goes.
//!
//! `cargo run --release -p glasses-parity --example profile_nodes -- MODEL.onnx [WIDTH HEIGHT]`
//!
//! Input: the same synthetic 178x218 picture as `latency.rs`, through core's preprocessing, so
//! the numbers compare with its `inference_ms` (timings can depend on the values, e.g. through
//! subnormal floats). Prints the median of whole runs, then the mean time per node (200 runs),
//! slowest first.

use std::collections::BTreeMap;
use std::time::Instant;

use tract_onnx::prelude::*;
use tract_onnx::tract_core::plan::{SimpleState, eval};

fn main() -> TractResult<()> {
    let mut args = std::env::args().skip(1);
    let path =
        args.next().ok_or_else(|| TractError::msg("usage: profile_nodes MODEL.onnx [WIDTH HEIGHT]"))?;
    let w: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(88);
    let h: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(108);
    let plan = tract_onnx::onnx()
        .model_for_path(&path)?
        .with_input_fact(0, f32::fact([1, 3, h, w]).into())?
        .into_optimized()?
        .into_runnable()?;
    let prep = glasses_core::Preprocessing {
        width: w as u32,
        height: h as u32,
        mean: glasses_core::preprocess::IMAGENET_MEAN,
        std: glasses_core::preprocess::IMAGENET_STD,
        resize: glasses_core::preprocess::ResizeMode::Stretch,
    };
    let img = glasses_core::image::RgbImage::from_fn(178, 218, |x, y| {
        glasses_core::image::Rgb([(x * 255 / 178) as u8, (y * 255 / 218) as u8, ((x ^ y) & 0xff) as u8])
    });
    let input = Tensor::from_shape(&[1, 3, h, w], &prep.tensor_from_rgb(&img))?;
    let mut times: Vec<f64> = Vec::new();
    for i in 0..330 {
        let t = Instant::now();
        plan.run(tvec!(input.clone().into()))?;
        if i >= 30 {
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.sort_by(f64::total_cmp);
    println!("{path} {w}x{h}: median run {:.3} ms", times[times.len() / 2]);
    let mut state = SimpleState::new(&plan)?;
    let mut per_node: BTreeMap<String, f64> = BTreeMap::new();
    let runs = 200;
    for _ in 0..runs {
        state.run_plan_with_eval(tvec!(input.clone().into()), |ctx, s, node, inputs| {
            let t = Instant::now();
            let out = eval(ctx, s, node, inputs);
            *per_node.entry(format!("{} {}", node.op().name(), node.name)).or_default() +=
                t.elapsed().as_secs_f64() * 1e3 / runs as f64;
            out
        })?;
    }
    let mut rows: Vec<_> = per_node.into_iter().collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    let total: f64 = rows.iter().map(|r| r.1).sum();
    println!("| node | ms | share |\n|---|---|---|");
    for (name, ms) in rows.iter().take(15) {
        println!("| {name} | {ms:.3} | {:.1} % |", 100.0 * ms / total);
    }
    Ok(())
}
