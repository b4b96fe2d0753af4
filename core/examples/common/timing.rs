//! Medians of repeated timings, shared by core's latency examples and parity's `engines` (which
//! includes this file by path: it has no dependency beyond std for that reason).

use std::time::Instant;

/// The median of `v` (the upper one of an even count).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The median wall time of `runs` calls of `f`, in ms, after `warmups` untimed calls.
pub fn median_ms(warmups: usize, runs: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..warmups {
        f();
    }
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    )
}
