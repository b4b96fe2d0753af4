//! A whole int8 tile requantised in registers and written straight into the quad layout.
//!
//! [`QKernel::tile`] stores the int32 tile, then `qconv.rs` requantises it row by row and
//! interleaves four rows into quads: three passes over the tile in L1 that, for the model's
//! short reductions (the stem's 9 quads, a fire expand's 4), cost as much as the products.
//! Here the sums never leave registers: each row is requantised with the same IEEE operations
//! as [`requantize`](super::requantize) (so the same bytes) and four rows become one 32-bit
//! word per position by shifts. Full tiles only; `qconv.rs` keeps the general path for edges.

use super::{QIsa, QKernel, QPanel};

impl QKernel {
    /// Whether [`QKernel::tile_quads`] runs on this kernel (their panels are whole quads: `mr`
    /// is a multiple of 4).
    pub fn writes_quads(&self) -> bool {
        match self.isa {
            #[cfg(target_arch = "x86_64")]
            QIsa::Vnni | QIsa::Avx2 => true,
            #[cfg(target_arch = "aarch64")]
            QIsa::NeonDot => true,
            _ => false,
        }
    }

    /// The `mr x nr` tiles of [`QKernel::tile`] for `panels` consecutive panels of `a` (`wsum`
    /// as there) on the same `b`, requantised (row `r`: `bias[r]`, `mult[r]`, `zero`, `lo`, as
    /// [`QKernel::requantize_row`]) and written as `panels * mr / 4` quads of channels: quad
    /// `q`'s `nr` positions, four bytes each, at `out[q * quad_stride..]`. One call per column
    /// tile, not per panel: the checks below cost as much as a short tile's epilogue.
    ///
    /// Panics when the kernel does not [write quads](QKernel::writes_quads), or a slice is too
    /// short for `panels`, `kq`, `ldb`, `quad_stride` and the tiles.
    #[allow(clippy::too_many_arguments)]
    pub fn tile_quads(
        &self,
        (panels, kq): (usize, usize),
        a: QPanel,
        b: &[u8],
        ldb: usize,
        wsum: &[i32],
        requant: (&[i32], &[f32], i32, i32),
        out: &mut [u8],
        quad_stride: usize,
    ) {
        let (mr, nr) = (self.mr, self.nr);
        let (bias, mult, zero, lo) = requant;
        assert!(self.writes_quads(), "the {} kernel does not write quads", self.name());
        let rows = panels * mr;
        assert!(mr % 4 == 0 && panels > 0 && kq > 0 && ldb >= 4 * nr && quad_stride >= 4 * nr);
        assert!(a.len() >= panels * kq * mr * 4);
        assert!(wsum.len() >= rows && bias.len() >= rows && mult.len() >= rows);
        assert!(b.len() >= (kq - 1) * ldb + 4 * nr);
        assert!(out.len() >= (rows / 4 - 1) * quad_stride + 4 * nr);
        match (self.isa, a) {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the asserts above bound every read and write, and the VNNI kernel is only
            // listed as available on a CPU that has its instruction sets.
            (QIsa::Vnni, QPanel::Bytes(a)) => unsafe {
                x86::vnni_quads(
                    (panels, kq),
                    a.as_ptr(),
                    b.as_ptr(),
                    ldb,
                    (bias.as_ptr(), mult.as_ptr(), zero, lo),
                    out.as_mut_ptr(),
                    quad_stride,
                )
            },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above, for the AVX2 kernel (its weights widened to i16).
            (QIsa::Avx2, QPanel::Words(a)) => unsafe {
                x86::avx2_quads(
                    (panels, kq),
                    a.as_ptr(),
                    b.as_ptr(),
                    ldb,
                    (bias.as_ptr(), mult.as_ptr(), zero, lo),
                    out.as_mut_ptr(),
                    quad_stride,
                )
            },
            #[cfg(target_arch = "aarch64")]
            // SAFETY: as above, for the `sdot` kernel.
            (QIsa::NeonDot, QPanel::Bytes(a)) => unsafe {
                arm::neon_dot_quads(
                    (panels, kq),
                    a.as_ptr(),
                    b.as_ptr(),
                    ldb,
                    wsum.as_ptr(),
                    (bias.as_ptr(), mult.as_ptr(), zero, lo),
                    out.as_mut_ptr(),
                    quad_stride,
                )
            },
            _ => {
                let _ = (a, b, wsum, requant, out);
                panic!("weights not prepared for the {} kernel", self.name())
            }
        }
    }
}

#[cfg(target_arch = "aarch64")]
mod arm {
    use std::arch::aarch64::*;

    use crate::net::uint8::{ROUND_LIMIT, ROUND_MAGIC};

    /// `round_to_u8(((s + bias) as f32) * mult, zero, lo)` on 4 lanes, as a u32 in 0..=255.
    #[target_feature(enable = "neon")]
    #[inline]
    fn requantize4(s: int32x4_t, bias: i32, mult: f32, zero: i32, lo: i32) -> uint32x4_t {
        let x = vcvtq_f32_s32(vaddq_s32(s, vdupq_n_s32(bias)));
        let y = vmulq_f32(x, vdupq_n_f32(mult));
        // `fmaxnm` gives -limit for NaN, as Rust's `f32::max` does.
        let y = vminnmq_f32(vmaxnmq_f32(y, vdupq_n_f32(-ROUND_LIMIT)), vdupq_n_f32(ROUND_LIMIT));
        let bits = vreinterpretq_s32_f32(vaddq_f32(y, vdupq_n_f32(ROUND_MAGIC)));
        let r = vsubq_s32(bits, vdupq_n_s32(ROUND_MAGIC.to_bits() as i32));
        let r = vminq_s32(vmaxq_s32(vaddq_s32(r, vdupq_n_s32(zero)), vdupq_n_s32(lo)), vdupq_n_s32(255));
        vreinterpretq_u32_s32(r)
    }

    /// # Safety
    /// NEON and the dot-product extension must be available; `panels` panels of `a` and `wsum`,
    /// `b` as `neon_dot`'s, `requant`'s pointers `8 * panels` values each, and 48 bytes from
    /// `out + q * quad_stride` writable for `q < 2 * panels`.
    #[target_feature(enable = "neon,dotprod")]
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn neon_dot_quads(
        (panels, kq): (usize, usize),
        a: *const i8,
        b: *const u8,
        ldb: usize,
        wsum: *const i32,
        requant: (*const i32, *const f32, i32, i32),
        out: *mut u8,
        quad_stride: usize,
    ) {
        // SAFETY: the caller keeps this function's contract (# Safety above).
        unsafe {
            let (bias, mult, zero, lo) = requant;
            for p in 0..panels {
                let sums = super::super::arm::neon_dot_sums(kq, a.add(p * kq * 32), b, ldb, wsum.add(8 * p));
                for q in 0..2 {
                    let rows = &sums[4 * q..4 * q + 4];
                    for v in 0..3 {
                        let mut word = vdupq_n_u32(0);
                        for (l, row) in rows.iter().enumerate() {
                            let r = 8 * p + 4 * q + l;
                            let byte = requantize4(row[v], *bias.add(r), *mult.add(r), zero, lo);
                            word = vorrq_u32(word, vshlq_u32(byte, vdupq_n_s32(8 * l as i32)));
                        }
                        vst1q_u8(out.add((2 * p + q) * quad_stride + 16 * v), vreinterpretq_u8_u32(word));
                    }
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use crate::net::uint8::{ROUND_LIMIT, ROUND_MAGIC};

    /// `round_to_u8(((s + bias) as f32) * mult, zero, lo)` on 16 lanes, as an i32 in 0..=255.
    /// Inlined into the panel loops, whose invariant broadcasts the compiler hoists.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn requantize16(s: __m512i, bias: i32, mult: f32, zero: i32, lo: i32) -> __m512i {
        let x = _mm512_cvtepi32_ps(_mm512_add_epi32(s, _mm512_set1_epi32(bias)));
        let y = _mm512_mul_ps(x, _mm512_set1_ps(mult));
        // `max(y, -limit)` gives -limit for NaN, as Rust's `f32::max` does.
        let y = _mm512_min_ps(_mm512_max_ps(y, _mm512_set1_ps(-ROUND_LIMIT)), _mm512_set1_ps(ROUND_LIMIT));
        let bits = _mm512_castps_si512(_mm512_add_ps(y, _mm512_set1_ps(ROUND_MAGIC)));
        let r = _mm512_sub_epi32(bits, _mm512_set1_epi32(ROUND_MAGIC.to_bits() as i32));
        let r = _mm512_max_epi32(_mm512_add_epi32(r, _mm512_set1_epi32(zero)), _mm512_set1_epi32(lo));
        _mm512_min_epi32(r, _mm512_set1_epi32(255))
    }

    /// [`requantize16`] on 8 lanes.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn requantize8(s: __m256i, bias: i32, mult: f32, zero: i32, lo: i32) -> __m256i {
        let x = _mm256_cvtepi32_ps(_mm256_add_epi32(s, _mm256_set1_epi32(bias)));
        let y = _mm256_mul_ps(x, _mm256_set1_ps(mult));
        let y = _mm256_min_ps(_mm256_max_ps(y, _mm256_set1_ps(-ROUND_LIMIT)), _mm256_set1_ps(ROUND_LIMIT));
        let bits = _mm256_castps_si256(_mm256_add_ps(y, _mm256_set1_ps(ROUND_MAGIC)));
        let r = _mm256_sub_epi32(bits, _mm256_set1_epi32(ROUND_MAGIC.to_bits() as i32));
        let r = _mm256_max_epi32(_mm256_add_epi32(r, _mm256_set1_epi32(zero)), _mm256_set1_epi32(lo));
        _mm256_min_epi32(r, _mm256_set1_epi32(255))
    }

    /// # Safety
    /// AVX2 must be available; `panels` panels of `a` (4 x 8 tiles, weights widened to i16), `b`
    /// as `avx2`'s, `requant`'s pointers `4 * panels` values each, and 32 bytes from
    /// `out + p * quad_stride` writable for `p < panels`.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn avx2_quads(
        (panels, kq): (usize, usize),
        a: *const i16,
        b: *const u8,
        ldb: usize,
        requant: (*const i32, *const f32, i32, i32),
        out: *mut u8,
        quad_stride: usize,
    ) {
        // SAFETY: the caller keeps this function's contract (# Safety above).
        unsafe {
            let (bias, mult, zero, lo) = requant;
            for p in 0..panels {
                let rows = super::super::x86::avx2_sums(kq, a.add(p * kq * 16), b, ldb);
                let mut word = _mm256_setzero_si256();
                for (l, &row) in rows.iter().enumerate() {
                    let r = 4 * p + l;
                    let byte = requantize8(row, *bias.add(r), *mult.add(r), zero, lo);
                    word = _mm256_or_si256(word, _mm256_sllv_epi32(byte, _mm256_set1_epi32(8 * l as i32)));
                }
                _mm256_storeu_si256(out.add(p * quad_stride) as *mut _, word);
            }
        }
    }

    /// # Safety
    /// AVX-512F, BW and VNNI must be available; `panels` panels of `a`, `b` as `vnni`'s,
    /// `requant`'s pointers `8 * panels` values each, and 192 bytes from `out + q * quad_stride`
    /// writable for `q < 2 * panels`.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub(super) unsafe fn vnni_quads(
        (panels, kq): (usize, usize),
        a: *const i8,
        b: *const u8,
        ldb: usize,
        requant: (*const i32, *const f32, i32, i32),
        out: *mut u8,
        quad_stride: usize,
    ) {
        // SAFETY: the caller keeps this function's contract (# Safety above).
        unsafe {
            let (bias, mult, zero, lo) = requant;
            for p in 0..panels {
                let sums = super::super::x86::vnni_sums(kq, a.add(p * kq * 32), b, ldb);
                for q in 0..2 {
                    let rows = &sums[4 * q..4 * q + 4];
                    for v in 0..3 {
                        let mut word = _mm512_setzero_si512();
                        for (l, row) in rows.iter().enumerate() {
                            let r = 8 * p + 4 * q + l;
                            let byte = requantize16(row[v], *bias.add(r), *mult.add(r), zero, lo);
                            word = _mm512_or_si512(
                                word,
                                _mm512_sllv_epi32(byte, _mm512_set1_epi32(8 * l as i32)),
                            );
                        }
                        _mm512_storeu_si512(out.add((2 * p + q) * quad_stride + 64 * v) as *mut _, word);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quads_hold_the_bytes_of_the_tiles_requantised_row_by_row() {
        for kern in QKernel::available().into_iter().filter(QKernel::writes_quads) {
            let (mr, nr) = (kern.mr, kern.nr);
            for (case, (panels, kq)) in [(1, 1usize), (2, 4), (1, 9), (3, 37)].into_iter().enumerate() {
                let (ldb, rows) = (4 * nr + 8 * case, panels * mr);
                let a: Vec<i8> =
                    (0..panels * kq * mr * 4).map(|i| ((i * 2_654_435_761) >> 9) as u8 as i8).collect();
                let b: Vec<u8> = (0..kq * ldb).map(|i| ((i * 40_503 + case) >> 3) as u8).collect();
                // The `sdot` kernel's compensation: each row's weight sum, panel by panel.
                let wsum: Vec<i32> = (0..rows)
                    .map(|r| {
                        let panel = &a[r / mr * kq * mr * 4..];
                        (0..kq * 4).map(|k| i32::from(panel[(k / 4 * mr + r % mr) * 4 + k % 4])).sum()
                    })
                    .collect();
                let bias: Vec<i32> = (0..rows as i32).map(|r| (r - 3) * 4_099 + case as i32).collect();
                // Ordinary scales, then the extremes a forged file could hold.
                let mut mult: Vec<f32> = (0..rows).map(|r| 0.0007 + 0.0003 * (r % 11) as f32).collect();
                if case == 3 {
                    mult[mr..mr + 4].copy_from_slice(&[f32::NAN, f32::INFINITY, -f32::INFINITY, 0.0]);
                }
                let weights = kern.weights(a.clone());
                let stride = 4 * nr + 20;
                for (zero, lo) in [(0, 0), (77, 77), (200, 0)] {
                    let mut want = vec![0xEEu8; (rows / 4) * stride];
                    for p in 0..panels {
                        let mut acc = vec![0i32; mr * nr];
                        let panel = weights.panel(p * kq * mr * 4, kq * mr * 4);
                        kern.tile(kq, panel, &b, ldb, &mut acc, &wsum[p * mr..]);
                        for r in p * mr..(p + 1) * mr {
                            let mut row = vec![0u8; nr];
                            let sums = &acc[(r % mr) * nr..(r % mr + 1) * nr];
                            kern.requantize_row(sums, &mut row, bias[r], mult[r], zero, lo);
                            for (j, &v) in row.iter().enumerate() {
                                want[(r / 4) * stride + 4 * j + r % 4] = v;
                            }
                        }
                    }
                    let mut got = vec![0xEEu8; (rows / 4) * stride];
                    let all = weights.panel(0, a.len());
                    let requant = (&bias[..], &mult[..], zero, lo);
                    kern.tile_quads((panels, kq), all, &b, ldb, &wsum, requant, &mut got, stride);
                    assert_eq!(got, want, "{} panels {panels} kq {kq} zero {zero}", kern.name());
                    assert!(want.iter().any(|&v| v != 0 && v != 255 && v != 0xEE));
                }
            }
        }
    }

    #[test]
    #[should_panic]
    fn a_kernel_without_quads_refuses() {
        let kern = QKernel::PORTABLE;
        let a = kern.weights(vec![0; kern.mr * 4]);
        let mut out = vec![0u8; kern.mr * kern.nr * 4];
        let requant = (&[0; 8][..], &[1.0; 8][..], 0, 0);
        let (b, wsum) = ([0; 256], [0; 8]);
        kern.tile_quads(
            (1, 1),
            a.panel(0, kern.mr * 4),
            &b,
            4 * kern.nr,
            &wsum,
            requant,
            &mut out,
            4 * kern.nr,
        );
    }
}
