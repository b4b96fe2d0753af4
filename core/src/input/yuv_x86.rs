//! [`Bt601Lanes::block`] written with AVX2 intrinsics. The portable code's arithmetic is exact
//! (integer-valued `f32`), so only its last step is slow: compilers interleave the three
//! channel planes into packed RGB one byte at a time. Here each pixel's three bytes are built in
//! one 32-bit lane and four pixels are packed to twelve bytes with one byte shuffle. Same
//! operations in the same order per value: the same bytes (tested against the integer formula).

use std::arch::x86_64::*;

use super::bt601::{BLOCK, Bt601Lanes};

/// Converts one block as [`Bt601Lanes::block`] does, with AVX2 where the CPU has it; `false`
/// (nothing written) where it does not.
#[inline]
pub(super) fn block(
    lanes: &Bt601Lanes,
    luma: &[u8],
    u: &[u8],
    v: &[u8],
    step: usize,
    out: &mut [u8],
) -> bool {
    if !std::arch::is_x86_feature_detected!("avx2") {
        return false;
    }
    let (luma, out) = (&luma[..BLOCK], &mut out[..BLOCK * 3]);
    // The eight chroma samples of each plane as one register's bytes (not stored and reloaded:
    // narrow stores read back as a vector would stall).
    let (mut bu, mut bv) = (0u64, 0u64);
    for j in 0..BLOCK / 2 {
        bu |= u64::from(u[j * step]) << (8 * j);
        bv |= u64::from(v[j * step]) << (8 * j);
    }
    // SAFETY: AVX2 was detected above; `luma` holds BLOCK bytes and `out` 3 * BLOCK (the
    // slicing above checks it), all that `block_avx2` reads and writes.
    unsafe { block_avx2(lanes, luma, (bu, bv), out) };
    true
}

/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
unsafe fn block_avx2(lanes: &Bt601Lanes, luma: &[u8], (bu, bv): (u64, u64), out: &mut [u8]) {
    assert!(luma.len() >= BLOCK && out.len() >= BLOCK * 3);
    let black = _mm256_set1_ps(lanes.black);
    let scale = _mm256_set1_ps(lanes.luma);
    let half = _mm256_set1_ps(128.0);
    let (kr, kgu, kgv, kb) = (
        _mm256_set1_ps(lanes.kr),
        _mm256_set1_ps(-lanes.kgu),
        _mm256_set1_ps(lanes.kgv),
        _mm256_set1_ps(lanes.kb),
    );
    let (zero, top, magic) = (_mm256_setzero_ps(), _mm256_set1_ps(65535.0), _mm256_set1_ps(8_388_608.0));
    let chroma = |bytes: u64| {
        let wide = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(bytes as i64)));
        _mm256_sub_ps(wide, half)
    };
    let (cu, cv) = (chroma(bu), chroma(bv));
    // Bytes 0-2 of each 32-bit pixel, four pixels to twelve bytes per 128-bit lane.
    let pack = _mm256_setr_epi8(
        0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1, 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1,
        -1, -1, -1,
    );
    let byte1 = _mm256_set1_epi32(0xff00);
    // `min(max(x, 0), 65535) + 2^23`: bits 8..16 of the float are the 8-bit result.
    let code =
        |x: __m256| _mm256_castps_si256(_mm256_add_ps(_mm256_min_ps(_mm256_max_ps(x, zero), top), magic));
    for h in 0..2 {
        // SAFETY: `luma[8h..8h + 8]` is inside `luma` (BLOCK = 16 bytes, asserted above).
        let y = unsafe { _mm_loadl_epi64(luma.as_ptr().add(8 * h).cast()) };
        let y = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(y));
        let l = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(y, black), scale), half);
        // Pixels 2k and 2k + 1 share chroma sample k.
        let k = 4 * h as i32;
        let pairs = _mm256_setr_epi32(k, k, k + 1, k + 1, k + 2, k + 2, k + 3, k + 3);
        let (u, v) = (_mm256_permutevar8x32_ps(cu, pairs), _mm256_permutevar8x32_ps(cv, pairs));
        let r = code(_mm256_add_ps(l, _mm256_mul_ps(kr, v)));
        let g = code(_mm256_add_ps(l, _mm256_sub_ps(_mm256_mul_ps(kgu, u), _mm256_mul_ps(kgv, v))));
        let b = code(_mm256_add_ps(l, _mm256_mul_ps(kb, u)));
        let words = _mm256_or_si256(
            _mm256_or_si256(_mm256_srli_epi32::<8>(_mm256_and_si256(r, byte1)), _mm256_and_si256(g, byte1)),
            _mm256_slli_epi32::<8>(_mm256_and_si256(b, byte1)),
        );
        let packed = _mm256_shuffle_epi8(words, pack);
        let (lo, hi) = (_mm256_castsi256_si128(packed), _mm256_extracti128_si256::<1>(packed));
        // SAFETY: `out[24h..24h + 24]` is inside `out` (3 * BLOCK = 48 bytes, asserted above).
        let at = unsafe { out.as_mut_ptr().add(24 * h) };
        // Twelve bytes per lane: eight, then four.
        // SAFETY: the four stores write `at[0..24]`, inside `out` (just above).
        unsafe {
            _mm_storel_epi64(at.cast(), lo);
            at.add(8).cast::<i32>().write_unaligned(_mm_extract_epi32::<2>(lo));
            _mm_storel_epi64(at.add(12).cast(), hi);
            at.add(20).cast::<i32>().write_unaligned(_mm_extract_epi32::<2>(hi));
        }
    }
}
