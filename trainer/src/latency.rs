//! Inference latency of the trainer's networks in libtorch, for `bench/compare.sh`'s torch
//! columns: the same graph as the exported ONNX file (weights do not change the work), one image,
//! evaluation mode, no autograd.

use std::time::Instant;

use glasses_core::export::Architecture;
use tch::{Device, Kind, Tensor};

use crate::error::{Error, Result};
use crate::model::Network;

/// What [`forward_latency`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Latency {
    /// Median milliseconds of one forward pass of a `[1, 3, height, width]` batch.
    pub median_ms: f64,
    /// Timed runs (after warm-up).
    pub runs: usize,
    /// libtorch's intra-op thread count during the runs.
    pub threads: i32,
}

/// Times `runs` forward passes (after `runs / 10 + 5` untimed ones) of a freshly initialised
/// `architecture` at `width` x `height` on `device`, with libtorch's current thread setting.
/// CUDA runs are synchronised before each clock read, so a time covers the whole pass.
pub fn forward_latency(
    architecture: Architecture,
    width: u32,
    height: u32,
    device: Device,
    runs: usize,
) -> Result<Latency> {
    if runs == 0 || width == 0 || height == 0 {
        return Err(Error::Config(format!(
            "latency needs at least one run and a non-empty input (runs {runs}, {width}x{height})"
        )));
    }
    let network = Network::new(architecture, device)?;
    let input = Tensor::f_randn([1, 3, i64::from(height), i64::from(width)], (Kind::Float, device))?;
    let sync = || {
        if let Device::Cuda(index) = device {
            tch::Cuda::synchronize(index as i64);
        }
    };
    tch::no_grad(|| -> Result<Latency> {
        let logits = network.forward_t(&input, false);
        if logits.size() != [1, 2] {
            return Err(Error::Config(format!(
                "{architecture} gave logits of shape {:?}, not [1, 2]",
                logits.size()
            )));
        }
        for _ in 0..runs / 10 + 5 {
            let _ = network.forward_t(&input, false);
        }
        sync();
        let mut times: Vec<f64> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                let _ = network.forward_t(&input, false);
                sync();
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        Ok(Latency { median_ms: times[times.len() / 2], runs, threads: tch::get_num_threads() })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_squeezenet_on_the_cpu() {
        let l = forward_latency(Architecture::SqueezeNet1_1, 48, 60, Device::Cpu, 3).unwrap();
        assert!(l.median_ms.is_finite() && l.median_ms > 0.0, "{l:?}");
        assert_eq!(l.runs, 3);
        assert!(l.threads >= 1);
    }

    #[test]
    fn rejects_zero_runs_and_empty_inputs() {
        for (w, h, runs) in [(48, 60, 0), (0, 60, 3), (48, 0, 3)] {
            let err = forward_latency(Architecture::SqueezeNet1_1, w, h, Device::Cpu, runs).unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{err}");
        }
    }
}
