//! Core's own engine against tract's stock plan (the engine core used before), on one model, in
//! one run, plus the arithmetic limit: the model's multiply-accumulates at this core's measured
//! peak FMA rate.
//!
//! `cargo run --profile dist -p glasses-parity --example engines -- [MODEL.onnx ...]`
//! (default: the bundled model). Rounds alternate the engines; each round is the median of
//! `RUNS` (default 300) single-threaded inferences after warm-up.

// The medians core's latency examples take (a file with no dependency beyond std).
#[path = "../../core/examples/common/timing.rs"]
mod timing;

use std::io::Cursor;

use glasses_core::{Classifier, ClassifierOptions};
use tract_onnx::prelude::*;

/// The median of `runs` timed calls of `f` after a tenth as many plus 5 to warm up.
fn median_ms(runs: usize, f: impl FnMut()) -> f64 {
    timing::median_ms(runs / 10 + 5, runs, f)
}

/// Multiply-accumulates per second one core sustains on independent FMA chains, with the widest
/// vectors this CPU has (what a perfect convolution kernel could reach).
fn peak_macs_per_s() -> (f64, &'static str) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: AVX-512F was detected just above.
            return (unsafe { x86::fma_avx512() }, "AVX-512 FMA");
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: AVX2 and FMA were detected just above.
            return (unsafe { x86::fma_avx2() }, "AVX2 FMA");
        }
    }
    (f64::NAN, "unmeasured on this CPU")
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;
    use std::time::Instant;

    const ITERS: usize = 20_000_000;

    // One peak-rate function per vector width: multiply-accumulates per second of 12 independent
    // FMA chains (enough to hide the FMA latency), summed afterwards so that the compiler keeps
    // them. The widths differ only in their intrinsics and lane count.
    macro_rules! peak_fma {
        ($name:ident, $feature:literal, $lanes:literal, $set1:ident, $fmadd:ident, $storeu:ident) => {
            #[target_feature(enable = $feature)]
            pub fn $name() -> f64 {
                let mut acc = [$set1(0.0); 12];
                let (a, b) = ($set1(0.999_999), $set1(1e-7));
                let t = Instant::now();
                for _ in 0..ITERS {
                    for x in acc.iter_mut() {
                        *x = $fmadd(*x, a, b);
                    }
                }
                let s = t.elapsed().as_secs_f64();
                let mut lanes = [0f32; $lanes];
                for v in acc {
                    let mut l = [0f32; $lanes];
                    // SAFETY: `l` holds the `$lanes` floats the store writes.
                    unsafe { $storeu(l.as_mut_ptr(), v) };
                    lanes.iter_mut().zip(l).for_each(|(a, b)| *a += b);
                }
                std::hint::black_box(lanes);
                (ITERS * 12 * $lanes) as f64 / s
            }
        };
    }

    peak_fma!(fma_avx512, "avx512f", 16, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_storeu_ps);
    peak_fma!(fma_avx2, "avx2,fma", 8, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_storeu_ps);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::var("RUNS").ok().map(|s| s.parse()).transpose()?.unwrap_or(300);
    let rounds: usize = std::env::var("ROUNDS").ok().map(|s| s.parse()).transpose()?.unwrap_or(3);
    let mut paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        paths.push("bundled".into());
    }
    let (peak, peak_isa) = peak_macs_per_s();
    println!("peak: {:.1} G multiply-accumulates/s on one core ({peak_isa})", peak / 1e9);
    println!();
    println!(
        "| model | input | MACs | core engine ms | tract 0.23 ms | core / tract | arithmetic limit ms | core / limit |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for path in paths {
        let bytes = if path == "bundled" {
            Classifier::bundled_model_bytes()?.to_vec()
        } else {
            std::fs::read(&path)?
        };
        let c = Classifier::from_bytes(&bytes, ClassifierOptions::default())?;
        let prep = *c.preprocessing();
        let (h, w) = (prep.height as usize, prep.width as usize);
        let shape = [1, 3, h, w];
        let plan = tract_onnx::onnx()
            .model_for_read(&mut Cursor::new(&bytes))?
            .with_input_fact(0, f32::fact(shape).into())?
            .into_optimized()?
            .into_runnable()?;
        let tensor: Vec<f32> = (0..3 * h * w).map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0).collect();
        let input = Tensor::from_shape(&shape, &tensor)?;
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            ours.push(median_ms(runs, || {
                c.logits(&tensor).expect("logits");
            }));
            theirs.push(median_ms(runs, || {
                plan.run(tvec!(input.clone().into())).expect("tract");
            }));
        }
        ours.sort_by(f64::total_cmp);
        theirs.sort_by(f64::total_cmp);
        let (ours, theirs) = (ours[rounds / 2], theirs[rounds / 2]);
        let macs = c.multiply_accumulates().unwrap_or(0) as f64;
        let limit = macs / peak * 1e3;
        println!(
            "| {path} | {w}x{h} | {:.1} M | {ours:.3} | {theirs:.3} | {:.2} | {limit:.3} | {:.2} |",
            macs / 1e6,
            ours / theirs,
            ours / limit
        );
    }
    println!();
    println!("engine: {}", Classifier::bundled()?.engine());
    Ok(())
}
