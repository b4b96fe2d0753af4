//! Measuring the value range of every quantised tensor over the calibration tensors, on core's
//! own engine lowered to those tensors as outputs.

use crate::contract::INPUT_NAME;
use crate::error::{Error, Result};
use crate::net::{Kernel, ReadError, lower_named};
use crate::onnx_pb::GraphProto;

/// How a tensor's range is taken from the values it held over the calibration set.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum RangeMethod {
    /// The smallest and largest value seen: nothing is clipped, rare outliers widen the step.
    MinMax,
    /// The given percentile (in `(50, 100]`) of the values at the top and its mirror at the bottom:
    /// the rarest values are clipped so that the rest get a finer step.
    Percentile(f32),
}

impl RangeMethod {
    /// How the method is written into the metadata (`minmax`, `percentile 99.99`).
    pub fn name(&self) -> String {
        match self {
            Self::MinMax => "minmax".to_owned(),
            Self::Percentile(p) => format!("percentile {p}"),
        }
    }

    pub(super) fn check(&self) -> Result<()> {
        match *self {
            Self::Percentile(p) if !(p > 50.0 && p <= 100.0) => {
                Err(Error::export(format!("the range percentile must be in (50, 100], got {p}")))
            }
            _ => Ok(()),
        }
    }
}

/// Bins of the histogram a percentile is read from: fine enough that the bin width (1/4096 of the
/// full range) is well under one int8 step (1/255 of the clipped range).
const BINS: usize = 4096;

/// `(low, high)` of each tensor in `names` over `calibration`, by `method`.
pub(super) fn ranges(
    graph: &GraphProto,
    input_shape: [usize; 4],
    names: &[String],
    calibration: &[Vec<f32>],
    method: RangeMethod,
) -> Result<Vec<(f32, f32)>> {
    let outputs: Vec<&str> = names.iter().map(String::as_str).collect();
    let net = lower_named(graph, INPUT_NAME, &outputs, input_shape, Kernel::best()).map_err(|e| match e {
        ReadError::Invalid(reason) => Error::InvalidModel { reason },
        ReadError::Unsupported { node, what } => {
            Error::export(format!("core's engine cannot run node `{node}` ({what}) to calibrate it"))
        }
    })?;
    let mut min_max = vec![(f32::INFINITY, f32::NEG_INFINITY); names.len()];
    for tensor in calibration {
        for (range, values) in min_max.iter_mut().zip(net.run_outputs(tensor)) {
            for &v in &values {
                range.0 = range.0.min(v);
                range.1 = range.1.max(v);
            }
        }
    }
    if let Some(i) = min_max.iter().position(|(lo, hi)| !(lo.is_finite() && hi.is_finite())) {
        return Err(Error::export(format!(
            "tensor `{}` took non-finite values during calibration",
            names[i]
        )));
    }
    let RangeMethod::Percentile(p) = method else {
        return Ok(min_max);
    };
    if p >= 100.0 {
        return Ok(min_max);
    }
    // Second pass: a histogram per tensor over its full range, then the percentile's bin edges.
    let mut histograms = vec![vec![0u64; BINS]; names.len()];
    for tensor in calibration {
        for ((hist, &(lo, hi)), values) in histograms.iter_mut().zip(&min_max).zip(net.run_outputs(tensor)) {
            let width = (hi - lo).max(f32::MIN_POSITIVE);
            for &v in &values {
                let bin = (((v - lo) / width) * BINS as f32) as usize;
                hist[bin.min(BINS - 1)] += 1;
            }
        }
    }
    let tail = f64::from(100.0 - p) / 100.0;
    Ok(histograms
        .iter()
        .zip(&min_max)
        .map(|(hist, &(lo, hi))| {
            let total: u64 = hist.iter().sum();
            let clip = (tail * total as f64) as u64;
            let width = (hi - lo) / BINS as f32;
            let mut seen = 0;
            let low_bin = hist.iter().position(|&c| {
                seen += c;
                seen > clip
            });
            seen = 0;
            let high_bin = hist.iter().rposition(|&c| {
                seen += c;
                seen > clip
            });
            let (Some(a), Some(b)) = (low_bin, high_bin) else { return (lo, hi) };
            (lo + a as f32 * width, (lo + (b + 1) as f32 * width).min(hi))
        })
        .collect())
}
