//! The uint8 activations of int8 graphs: their layout in quads of four channels, and the one
//! rounding every int8 step and kernel writes them with (so that every target writes the same
//! bytes).

/// Channels per quad.
pub(crate) const QUAD: usize = 4;

/// Bytes of the uint8 layout of `channels` channels of `plane` positions.
pub(crate) fn quad_len(channels: usize, plane: usize) -> usize {
    channels.div_ceil(QUAD) * QUAD * plane
}

/// How int32 sums become uint8: `clamp(round((acc + bias) * multiplier) + zero, lo, 255)`,
/// rounding half to even as ONNX's QuantizeLinear does. Plain f32 arithmetic without fused
/// multiply-adds: every target computes exactly the same bytes.
#[inline(always)]
pub(crate) fn requantize(acc: i32, bias: i32, multiplier: f32, zero: i32, lo: i32) -> u8 {
    round_to_u8((acc.wrapping_add(bias) as f32) * multiplier, zero, lo)
}

/// Adding 1.5 * 2^23 rounds an f32 to an integer, ties to even, and leaves it in the low
/// mantissa bits (for |v| < 2^22; [`round_to_u8`] clamps well inside that first).
pub(crate) const ROUND_MAGIC: f32 = 12_582_912.0;

/// [`round_to_u8`] clamps to `-ROUND_LIMIT..=ROUND_LIMIT` before rounding (the result saturates
/// at 0..255 anyway).
pub(crate) const ROUND_LIMIT: f32 = 1024.0;

/// `clamp(round_half_even(v) + zero, lo, 255)` for any f32 (NaN gives `lo`).
#[inline(always)]
pub(crate) fn round_to_u8(v: f32, zero: i32, lo: i32) -> u8 {
    // Integer bit arithmetic instead of a float-to-int cast: the compiler turns the whole
    // function into vector code.
    // Not `clamp`: that keeps NaN, and this must map it into range.
    #[allow(clippy::manual_clamp)]
    let v = v.max(-ROUND_LIMIT).min(ROUND_LIMIT);
    let r = ((v + ROUND_MAGIC).to_bits() as i32).wrapping_sub(ROUND_MAGIC.to_bits() as i32);
    (r + zero).clamp(lo, 255) as u8
}
