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

/// `clamp(round_half_even(v) + zero, lo, 255)` for any f32 (NaN gives `lo`).
#[inline(always)]
pub(crate) fn round_to_u8(v: f32, zero: i32, lo: i32) -> u8 {
    // Adding 1.5 * 2^23 rounds to an integer, ties to even, and leaves it in the low mantissa
    // bits (for |v| < 2^22; values are clamped well inside that first, the result saturates at
    // 0..255 anyway). Integer bit arithmetic instead of a float-to-int cast: the compiler turns
    // the whole function into vector code.
    const MAGIC: f32 = 12_582_912.0;
    // Not `clamp`: that keeps NaN, and this must map it into range.
    #[allow(clippy::manual_clamp)]
    let v = v.max(-1024.0).min(1024.0);
    let r = ((v + MAGIC).to_bits() as i32).wrapping_sub(MAGIC.to_bits() as i32);
    (r + zero).clamp(lo, 255) as u8
}
