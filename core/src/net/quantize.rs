//! The int8 graph's first step: float planes to uint8 quads (`qconv.rs`'s layout),
//! `clamp(round(x / scale) + zero, 0, 255)`.

use super::qsteps::QPlanes;
use super::uint8::{QUAD, round_to_u8};

pub(super) fn quantize(src: &[f32], QPlanes { scale, zero, channels, plane }: QPlanes, dst: &mut [u8]) {
    // Runs of each channel are quantised into contiguous rows (vector code), then four rows
    // become one quad per position; a byte-by-byte strided store was 4 % of a picture's time.
    const RUN: usize = 256;
    let mut rows = [[zero; RUN]; QUAD];
    for (q, quad) in dst.chunks_exact_mut(plane * QUAD).enumerate() {
        // Channels past `channels` in the last quad meet zero weights; they hold the zero point.
        let lanes = channels.saturating_sub(q * QUAD).min(QUAD);
        rows[lanes..].iter_mut().for_each(|r| r.fill(zero));
        for start in (0..plane).step_by(RUN) {
            let len = RUN.min(plane - start);
            for (l, row) in rows.iter_mut().enumerate().take(lanes) {
                let c = q * QUAD + l;
                let run = &src[c * plane + start..c * plane + start + len];
                quantize_run(run, &mut row[..len], scale, i32::from(zero));
            }
            let out = &mut quad[start * QUAD..(start + len) * QUAD];
            let [r0, r1, r2, r3] = &rows;
            for (px, (((&a, &b), &c), &d)) in
                out.chunks_exact_mut(QUAD).zip(r0.iter().zip(r1).zip(r2).zip(r3))
            {
                px.copy_from_slice(&[a, b, c, d]);
            }
        }
    }
}

/// `dst[i] = round_to_u8(src[i] / scale, zero, 0)`, in this CPU's widest vectors (the same
/// IEEE operations on every one, so the same bytes).
fn quantize_run(src: &[f32], dst: &mut [u8], scale: f32, zero: i32) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512bw") {
            // SAFETY: slices only; the instruction sets were detected just above.
            return unsafe { x86::quantize_avx512(src, dst, scale, zero) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            return unsafe { x86::quantize_avx2(src, dst, scale, zero) };
        }
    }
    quantize_body(src, dst, scale, zero)
}

#[inline(always)]
fn quantize_body(src: &[f32], dst: &mut [u8], scale: f32, zero: i32) {
    for (r, &x) in dst.iter_mut().zip(src) {
        *r = round_to_u8(x / scale, zero, 0);
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    multiversion! {
        super::quantize_body;
        fn(src: &[f32], dst: &mut [u8], scale: f32, zero: i32);
        /// # Safety
        /// AVX-512F and BW must be available.
        quantize_avx512 = "avx512f,avx512bw";
        /// # Safety
        /// AVX2 must be available.
        quantize_avx2 = "avx2";
    }
}
