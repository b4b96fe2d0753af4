//! Static int8 quantisation of a float glasses model: calibrated activation scales, int8 weights,
//! written as standard ONNX QDQ (opset 13) so tract, ONNX Runtime and core's engine all run it.
//!
//! The file keeps the float graph and adds, for each quantised tensor `t`,
//! `t -> QuantizeLinear(s, z: uint8) -> DequantizeLinear -> readers of t`:
//! * the input `image`, every ReLU output (zero point 0), and every convolution output not
//!   followed by a ReLU are quantised with a per-tensor scale from calibration;
//! * every convolution reads `DequantizeLinear` of int8 weights (symmetric, one scale per output
//!   channel, axis 0) and of int32 biases on the scale `input scale x weight scale`;
//! * a max pool's output, and a concat's inputs and output, share one scale and zero point, so
//!   neither needs requantising: a fire module's two expand branches are ranged together;
//! * the head (`GlobalAveragePool`, `Flatten`, `logits`) stays float.
//!
//! The metadata says `glasses.quantization = static-int8` and how it was calibrated.

mod calibrate;
mod pattern;
mod qdq;
#[cfg(test)]
mod tests;

pub use calibrate::RangeMethod;

use crate::contract::{self, OUTPUT_NAME};
use crate::error::{Error, Result};
use crate::model::model_file;
use qdq::QParams;

/// How [`quantize_static`] calibrates, and what it records about it.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizeOptions {
    /// How each tensor's range is taken from its calibration values.
    pub range: RangeMethod,
    /// Where the calibration tensors came from (data set, split, fold), for the metadata.
    pub calibration_source: String,
}

impl Default for QuantizeOptions {
    fn default() -> Self {
        Self { range: RangeMethod::MinMax, calibration_source: "unspecified".to_owned() }
    }
}

/// The static int8 (QDQ) version of the float model `fp32_model`, with activation ranges measured
/// on `calibration` (preprocessed input tensors, as [`crate::preprocess`] makes them, each of
/// `3 * height * width` values).
///
/// Errors: [`Error::InvalidModel`] / [`Error::ContractViolation`] for a file that is no glasses
/// model, [`Error::Export`] for an empty calibration set, non-finite values, bad options or a graph
/// outside the pattern (ResNet's `Add`/`Gemm`, an already quantised file), [`Error::TensorShape`]
/// for a calibration tensor of the wrong length.
pub fn quantize_static(
    fp32_model: &[u8],
    calibration: &[Vec<f32>],
    options: &QuantizeOptions,
) -> Result<Vec<u8>> {
    options.range.check()?;
    let parsed = model_file::parse(fp32_model)?;
    let metadata = parsed.metadata;
    if metadata.extra.contains_key(contract::KEY_QUANTIZATION) {
        return Err(Error::export(format!(
            "the model is already quantised (`{}` = {})",
            contract::KEY_QUANTIZATION,
            metadata.extra[contract::KEY_QUANTIZATION]
        )));
    }
    let graph = parsed.proto.graph.ok_or_else(|| Error::InvalidModel { reason: "no graph".into() })?;
    if !graph.node.iter().any(|n| n.output.iter().any(|o| o == OUTPUT_NAME)) {
        return Err(Error::contract(format!("no node produces `{OUTPUT_NAME}`")));
    }
    let plan = pattern::plan(&graph)?;
    if calibration.is_empty() {
        return Err(Error::export("the calibration set is empty: at least one input tensor is needed"));
    }
    let shape = [1, 3, metadata.input_height as usize, metadata.input_width as usize];
    let expected: usize = shape.iter().product();
    if let Some(bad) = calibration.iter().find(|t| t.len() != expected) {
        return Err(Error::TensorShape { expected, actual: bad.len() });
    }
    if let Some(i) = calibration.iter().position(|t| t.iter().any(|v| !v.is_finite())) {
        return Err(Error::export(format!("calibration tensor {i} holds a non-finite value")));
    }
    let ranges = calibrate::ranges(&graph, shape, &plan.calibrated, calibration, options.range)?;
    let mut group_ranges = vec![(f32::INFINITY, f32::NEG_INFINITY); plan.groups];
    for (name, (lo, hi)) in plan.calibrated.iter().zip(ranges) {
        let r = &mut group_ranges[plan.group_of[name]];
        *r = (r.0.min(lo), r.1.max(hi));
    }
    let params: Vec<QParams> = group_ranges.iter().map(|&(lo, hi)| QParams::from_range(lo, hi)).collect();
    let quantised = qdq::rewrite(&graph, &plan, &params)?;

    let mut metadata = metadata;
    let extra = &mut metadata.extra;
    extra.insert(contract::KEY_WEIGHT_PRECISION.to_owned(), super::WeightPrecision::Int8.name().to_owned());
    extra.insert(contract::KEY_QUANTIZATION.to_owned(), contract::QUANTIZATION_STATIC_INT8.to_owned());
    extra.insert(contract::KEY_CALIBRATION_COUNT.to_owned(), calibration.len().to_string());
    extra.insert(contract::KEY_CALIBRATION_SOURCE.to_owned(), options.calibration_source.clone());
    extra.insert(contract::KEY_CALIBRATION_METHOD.to_owned(), options.range.name());
    Ok(super::graph::encode_model(quantised, &metadata))
}
