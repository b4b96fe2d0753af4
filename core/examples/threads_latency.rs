//! Inference time of one picture split over 1, 2 and 4 threads (`ClassifierOptions::threads`),
//! for the bundled file, the fp32 file and the static int8 file.
//!
//! `cargo run --release -p glasses-core --example threads_latency -- [STATIC_INT8.onnx] [ROUNDS]`
//!
//! The static int8 file defaults to `/work/runs/int8/glasses-static-int8.onnx` (skipped with a
//! message when absent). Rounds alternate between the thread counts (50 inferences of the bench
//! tensor each), so that all see the same machine load; the table holds the medians of the
//! per-round means and the speed-ups over one thread. The load average before and after is
//! printed with it, and the cores the process really got (its CPU time over wall time, idle
//! workers' spinning included): on a machine shared with other work, the speed-up is what the
//! cores left over allow. Last, the fixed cost of one split step (`bench_support::handoff_micros`), which
//! the engine's cut-off for splitting a step is chosen by.

mod common;

use std::time::Instant;

use common::timing::median;
use glasses_core::bench_support::handoff_micros;
use glasses_core::image::{Rgb, RgbImage};
use glasses_core::{Classifier, ClassifierOptions};

const PER_ROUND: usize = 50;
const THREADS: [usize; 3] = [1, 2, 4];
const STATIC_INT8: &str = "/work/runs/int8/glasses-static-int8.onnx";

/// Wall and process CPU time of one round, in ms per inference.
fn round_ms(c: &Classifier, tensor: &[f32]) -> (f64, f64) {
    let (t, cpu) = (Instant::now(), process_cpu_ms());
    for _ in 0..PER_ROUND {
        c.logits(tensor).expect("logits");
    }
    let per = |ms: f64| ms / PER_ROUND as f64;
    (per(t.elapsed().as_secs_f64() * 1e3), per(process_cpu_ms() - cpu))
}

/// CPU time of the whole process (every thread), in ms: over wall time, the cores it really got.
fn process_cpu_ms() -> f64 {
    #[cfg(unix)]
    {
        let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `t` is a valid, writable timespec; the clock id is a constant of this platform.
        unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
        t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
    }
    #[cfg(not(unix))]
    {
        f64::NAN
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(|_| "unknown".into(), |s| s.trim().to_owned())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let static_int8 = args.next().unwrap_or_else(|| STATIC_INT8.to_owned());
    let rounds: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(20);
    let mut models = vec![("bundled (int8 weights)".to_owned(), Classifier::bundled_model_bytes()?.to_vec())];
    let fp32 = concat!(env!("CARGO_MANIFEST_DIR"), "/models/glasses.onnx");
    for (label, path) in [("fp32", fp32), ("static int8", static_int8.as_str())] {
        match std::fs::read(path) {
            Ok(bytes) => models.push((format!("{label} ({path})"), bytes)),
            Err(e) => eprintln!("skipped {label}: {path}: {e}"),
        }
    }
    let img = RgbImage::from_fn(178, 218, |x, y| {
        Rgb([(x * 255 / 178) as u8, (y * 255 / 218) as u8, ((x ^ y) & 0xff) as u8])
    });
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!("{cores} cores; load average before: {}", load_average());
    println!(
        "| model | engine | 1 thread ms | 2 threads ms | 4 threads ms | 1/2 | 1/4 | cores used at 1/2/4 |\n\
         |---|---|---|---|---|---|---|---|"
    );
    for (label, bytes) in models {
        let classifiers = THREADS
            .iter()
            .map(|&t| Classifier::from_bytes(&bytes, ClassifierOptions::default().with_threads(t)))
            .collect::<Result<Vec<_>, _>>()?;
        let tensor = classifiers[0].preprocessing().tensor_from_rgb(&img);
        let (mut times, mut cores) = (vec![Vec::new(); THREADS.len()], vec![Vec::new(); THREADS.len()]);
        for c in &classifiers {
            round_ms(c, &tensor);
        }
        for _ in 0..rounds {
            for ((c, t), used) in classifiers.iter().zip(&mut times).zip(&mut cores) {
                let (wall, cpu) = round_ms(c, &tensor);
                t.push(wall);
                used.push(cpu / wall);
            }
        }
        let ms: Vec<f64> = times.into_iter().map(median).collect();
        let cores: Vec<f64> = cores.into_iter().map(median).collect();
        println!(
            "| {label} | {} | {:.3} | {:.3} | {:.3} | {:.2} | {:.2} | {:.2} / {:.2} / {:.2} |",
            classifiers[0].engine(),
            ms[0],
            ms[1],
            ms[2],
            ms[0] / ms[1],
            ms[0] / ms[2],
            cores[0],
            cores[1],
            cores[2]
        );
    }
    println!("load average after: {}", load_average());
    for threads in [2, 4] {
        for part_us in [2.0, 10.0] {
            println!(
                "a step of {} parts of {part_us} us costs {:.2} us more on {threads} threads than 1/{threads} of its \
                 time alone",
                2 * threads,
                handoff_micros(threads, 5_000, part_us)
            );
        }
    }
    Ok(())
}
