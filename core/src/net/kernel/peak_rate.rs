//! The arithmetic limit: how many multiply-accumulates per second a kernel's widest tile does on
//! one core, for the benchmarks that compare a model's time with it.

use super::Kernel;
use crate::net::rate::best_rate;

impl Kernel {
    /// Multiply-accumulates per second of this kernel's widest tile on one core, run for about
    /// `seconds` on operands that stay in L1: the arithmetic limit of a model on it. The best of
    /// many short batches, so that a busy machine's interruptions do not count.
    pub fn peak_macs_per_second(&self, seconds: f64) -> f64 {
        const K: usize = 64;
        let (mr, nr) = (self.mr, self.max_width());
        let a: Vec<f32> = (0..K * mr).map(|i| (i % 7) as f32 * 0.25 - 0.75).collect();
        let b: Vec<f32> = (0..K * nr).map(|i| (i % 5) as f32 * 0.5 - 1.0).collect();
        let bias = vec![0f32; mr];
        let mut c = vec![0f32; mr * nr];
        best_rate(seconds, (K * mr * nr) as f64, || {
            self.tile(nr, K, std::hint::black_box(&a), &b, nr, &mut c, nr, &bias, false);
            std::hint::black_box(&mut c);
        })
    }
}

/// Peak multiply-accumulates per second on one core of the kernel called `kernel` (a name of
/// `Classifier::available_kernels`), or of its int8 kernel, measured for about `seconds` (see
/// [`Kernel::peak_macs_per_second`]); `None` when this CPU does not run that kernel. For the
/// `int8_latency` example's arithmetic limit; not a stable API.
pub fn peak_macs_per_second(kernel: &str, int8: bool, seconds: f64) -> Option<f64> {
    let kern = Kernel::named(kernel)?;
    Some(if int8 { kern.int8.peak_macs_per_second(seconds) } else { kern.peak_macs_per_second(seconds) })
}
