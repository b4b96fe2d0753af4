//! The reference side of glasses-core's parity tests: what tract-onnx computes for an ONNX file.
//! `tests/parity.rs` compares it with core's engine on every micro-kernel the CPU runs;
//! `examples/engines.rs` and `examples/profile_nodes.rs` time the two engines.
#![deny(missing_docs)]

use std::io::Cursor;

use tract_onnx::prelude::*;

/// The logits tract-onnx computes for one `[1, 3, height, width]` input of an ONNX file, with
/// tract's own reader and its optimised plan.
pub fn tract_onnx_logits(bytes: &[u8], height: usize, width: usize, input: &[f32]) -> TractResult<Vec<f32>> {
    let shape = [1, 3, height, width];
    let plan = tract_onnx::onnx()
        .model_for_read(&mut Cursor::new(bytes))?
        .with_input_fact(0, f32::fact(shape).into())?
        .into_optimized()?
        .into_runnable()?;
    let out = plan.run(tvec!(Tensor::from_shape(&shape, input)?.into()))?;
    Ok(out[0].to_plain_array_view::<f32>()?.iter().copied().collect())
}
