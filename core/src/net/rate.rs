//! Timing a kernel's tile for the arithmetic limits the benchmarks compare models with.

/// The best rate of `work` per second over batches of `tile` calls (each doing `work`) that fill
/// about `seconds` (at least one batch of about a millisecond).
pub(crate) fn best_rate(seconds: f64, work: f64, mut tile: impl FnMut()) -> f64 {
    use std::time::{Duration, Instant};
    tile();
    // Calls per batch: enough for about a millisecond.
    let mut calls = 1usize;
    loop {
        let t = Instant::now();
        (0..calls).for_each(|_| tile());
        if t.elapsed() >= Duration::from_micros(500) || calls >= 1 << 24 {
            break;
        }
        calls *= 2;
    }
    let budget = Duration::from_secs_f64(if seconds.is_finite() { seconds.clamp(0.0, 60.0) } else { 0.0 });
    let start = Instant::now();
    let mut best = 0f64;
    loop {
        let t = Instant::now();
        (0..calls).for_each(|_| tile());
        let elapsed = t.elapsed().as_secs_f64().max(1e-9);
        best = best.max(work * calls as f64 / elapsed);
        if start.elapsed() >= budget {
            return best;
        }
    }
}
