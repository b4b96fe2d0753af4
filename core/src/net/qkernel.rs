//! The int8 matrix-multiply micro-kernels the quantised convolutions run on.
//!
//! One call computes an `mr x nr` tile of exact int32 sums `acc[r][j] = sum_p a[p][r] . b[p][j]`,
//! where each `p` is a *quad*: four consecutive reduction steps (four input channels of one
//! kernel tap). `a` holds `kq` quads of `mr` rows of four int8 weights; row `p` of `b` holds `nr`
//! positions of four uint8 activations, `ldb` bytes after row `p - 1`. That is the layout the
//! engine keeps every uint8 activation in (`[C / 4][H * W][4]`, see `qconv.rs`), so a 1x1
//! convolution reads its input as is, and it is the operand layout of the dot-product
//! instructions: x86's `vpdpbusd` (u8 x s8, four products into one int32) and ARM's `sdot`.
//!
//! Integer sums are exact, so every kernel gives the same `acc`; the requantisation that follows
//! is `uint8::requantize`, or its register form in `qkernel_quads.rs` (the same IEEE operations,
//! tested byte for byte against it), so every kernel writes bit-identical uint8 outputs. The
//! kernel of the CPU is picked at load with the float one ([`super::Kernel`]).

use super::uint8::requantize;

#[path = "qkernel_quads.rs"]
mod quads;

/// The instruction set an int8 kernel uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QIsa {
    /// AVX-512 VNNI `vpdpbusd`: 8 x 48 (24 zmm accumulators).
    #[cfg(target_arch = "x86_64")]
    Vnni,
    /// AVX2: u8 and s8 widened to i16, `vpmaddwd` (exact; `vpmaddubsw` saturates): 4 x 8.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// ARMv8.2 `sdot` on activations shifted to s8 (`x ^ 0x80`), with `128 * sum(w)` added back.
    #[cfg(target_arch = "aarch64")]
    NeonDot,
    /// Plain ARMv8 NEON: widening `smlal` on i16: 4 x 4.
    #[cfg(target_arch = "aarch64")]
    Neon,
    /// Plain Rust: 4 x 16.
    Portable,
}

/// An int8 micro-kernel and the tile it computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QKernel {
    /// Output channels per tile.
    pub mr: usize,
    /// Output positions per tile.
    pub nr: usize,
    isa: QIsa,
}

/// The largest tile (for stack buffers).
pub(crate) const MAX_TILE: usize = 8 * 48;

impl QKernel {
    pub const PORTABLE: QKernel = QKernel { mr: 4, nr: 16, isa: QIsa::Portable };
    #[cfg(target_arch = "x86_64")]
    pub const VNNI: QKernel = QKernel { mr: 8, nr: 48, isa: QIsa::Vnni };
    #[cfg(target_arch = "x86_64")]
    pub const AVX2: QKernel = QKernel { mr: 4, nr: 8, isa: QIsa::Avx2 };
    #[cfg(target_arch = "aarch64")]
    pub const NEON_DOT: QKernel = QKernel { mr: 8, nr: 12, isa: QIsa::NeonDot };
    #[cfg(target_arch = "aarch64")]
    pub const NEON: QKernel = QKernel { mr: 4, nr: 4, isa: QIsa::Neon };

    /// Every int8 kernel this CPU runs, fastest first.
    pub fn available() -> Vec<Self> {
        let candidates = [
            #[cfg(target_arch = "x86_64")]
            (Self::VNNI, vnni_detected()),
            #[cfg(target_arch = "x86_64")]
            (Self::AVX2, std::arch::is_x86_feature_detected!("avx2")),
            #[cfg(target_arch = "aarch64")]
            (Self::NEON_DOT, std::arch::is_aarch64_feature_detected!("dotprod")),
            #[cfg(target_arch = "aarch64")]
            (Self::NEON, true),
            (Self::PORTABLE, true),
        ];
        candidates.into_iter().filter(|&(_, runs)| runs).map(|(k, _)| k).collect()
    }

    /// A short name for benchmarks and debugging.
    pub fn name(&self) -> &'static str {
        match self.isa {
            #[cfg(target_arch = "x86_64")]
            QIsa::Vnni => "avx512-vnni",
            #[cfg(target_arch = "x86_64")]
            QIsa::Avx2 => "avx2",
            #[cfg(target_arch = "aarch64")]
            QIsa::NeonDot => "neon-sdot",
            #[cfg(target_arch = "aarch64")]
            QIsa::Neon => "neon",
            QIsa::Portable => "portable",
        }
    }

    /// Whether the kernel reads its weights widened to i16 (AVX2's `vpmaddwd` multiplies i16
    /// pairs: widening the weights once at load keeps the widening out of the inner loop).
    fn widens_weights(&self) -> bool {
        #[cfg(target_arch = "x86_64")]
        if let QIsa::Avx2 = self.isa {
            return true;
        }
        false
    }

    /// `packed` (panels of `kq x mr x 4` weights) in the form this kernel reads.
    pub fn weights(&self, packed: Vec<i8>) -> QWeights {
        if self.widens_weights() {
            QWeights::Words(packed.iter().map(|&w| i16::from(w)).collect())
        } else {
            QWeights::Bytes(packed)
        }
    }

    /// `acc[r * nr + j] = sum_p sum_l a[(p * mr + r) * 4 + l] * b[p * ldb + 4 * j + l]` for
    /// `r < mr`, `j < nr`, `p < kq`; `wsum[r]` is `sum` of row `r`'s weights (the `sdot` kernel's
    /// compensation for its shifted activations). `a` comes from this kernel's
    /// [`QKernel::weights`].
    ///
    /// Panics when a slice is too short for `kq`, `ldb` and the tile, or `a` is not in this
    /// kernel's form, so that no caller's mistake reaches unsafe code.
    pub fn tile(&self, kq: usize, a: QPanel, b: &[u8], ldb: usize, acc: &mut [i32], wsum: &[i32]) {
        let (mr, nr) = (self.mr, self.nr);
        assert!(kq > 0 && ldb >= 4 * nr);
        assert!(a.len() >= kq * mr * 4 && wsum.len() >= mr && acc.len() >= mr * nr);
        assert!(b.len() >= (kq - 1) * ldb + 4 * nr);
        let a = match (a, self.widens_weights()) {
            (QPanel::Bytes(a), false) => a,
            #[cfg(target_arch = "x86_64")]
            (QPanel::Words(a), true) => {
                // SAFETY: the asserts above bound every read and write the kernel makes, and
                // `widens_weights` is true only for the AVX2 kernel, detected on this CPU when
                // it was listed as available.
                unsafe { x86::avx2(kq, a.as_ptr(), b.as_ptr(), ldb, acc.as_mut_ptr()) };
                return;
            }
            _ => panic!("weights not prepared for the {} kernel", self.name()),
        };
        if let QIsa::Portable = self.isa {
            return portable(kq, a, b, ldb, acc);
        }
        let (a, b, acc, wsum) = (a.as_ptr(), b.as_ptr(), acc.as_mut_ptr(), wsum.as_ptr());
        // SAFETY: the asserts above bound every read and write the kernels make, and the
        // kernel's instruction set was detected on this CPU when it was listed as available
        // (`QKernel::available` is the only source of non-portable kernels the engine uses).
        unsafe {
            match self.isa {
                #[cfg(target_arch = "x86_64")]
                QIsa::Vnni => x86::vnni(kq, a, b, ldb, acc),
                #[cfg(target_arch = "aarch64")]
                QIsa::NeonDot => arm::neon_dot(kq, a, b, ldb, acc, wsum),
                #[cfg(target_arch = "aarch64")]
                QIsa::Neon => arm::neon(kq, a, b, ldb, acc),
                _ => unreachable!("portable and widened kernels returned above"),
            }
        }
        let _ = wsum;
    }

    /// Multiply-accumulates per second of this kernel on one core, its tiles run for about
    /// `seconds` on operands that stay in L1: the arithmetic limit of a model on it. The best
    /// of many short batches, so that a busy machine's interruptions do not count.
    pub fn peak_macs_per_second(&self, seconds: f64) -> f64 {
        const KQ: usize = 64;
        let (mr, nr) = (self.mr, self.nr);
        let a: Vec<i8> = (0..KQ * mr * 4).map(|i| (i * 37 % 255) as u8 as i8).collect();
        let a = self.weights(a);
        let b: Vec<u8> = (0..KQ * nr * 4).map(|i| (i * 53 % 251) as u8).collect();
        let wsum = vec![0i32; mr];
        let mut acc = vec![0i32; mr * nr];
        let tile_macs = (KQ * 4 * mr * nr) as f64;
        super::rate::best_rate(seconds, tile_macs, || {
            let panel = a.panel(0, KQ * mr * 4);
            self.tile(KQ, std::hint::black_box(panel), &b, nr * 4, &mut acc, &wsum);
            std::hint::black_box(&mut acc);
        })
    }
}

/// Packed weights in the form a kernel reads them ([`QKernel::weights`]).
#[derive(Debug, Clone)]
pub(crate) enum QWeights {
    Bytes(Vec<i8>),
    Words(Vec<i16>),
}

/// A panel of [`QWeights`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum QPanel<'a> {
    Bytes(&'a [i8]),
    Words(&'a [i16]),
}

impl QWeights {
    /// `len` weights from `start` (panics past the end).
    pub fn panel(&self, start: usize, len: usize) -> QPanel<'_> {
        match self {
            QWeights::Bytes(w) => QPanel::Bytes(&w[start..start + len]),
            QWeights::Words(w) => QPanel::Words(&w[start..start + len]),
        }
    }
}

impl QPanel<'_> {
    fn len(&self) -> usize {
        match self {
            QPanel::Bytes(w) => w.len(),
            QPanel::Words(w) => w.len(),
        }
    }
}

/// `out[j] = requantize(acc[j], ...)` (`uint8::requantize`), compiled for the kernel's
/// instruction set: the same IEEE operations (no fused multiply-adds), so the same bytes.
#[inline(always)]
fn requantize_body(acc: &[i32], out: &mut [u8], bias: i32, multiplier: f32, zero: i32, lo: i32) {
    for (o, &v) in out.iter_mut().zip(acc) {
        *o = requantize(v, bias, multiplier, zero, lo);
    }
}

impl QKernel {
    /// One row of a tile requantised: `out[j] = requantize(acc[j], bias, multiplier, zero, lo)`.
    pub fn requantize_row(
        &self,
        acc: &[i32],
        out: &mut [u8],
        bias: i32,
        multiplier: f32,
        zero: i32,
        lo: i32,
    ) {
        match self.isa {
            // SAFETY: slices only (no pointers); the instruction set was detected when the
            // kernel was listed as available.
            #[cfg(target_arch = "x86_64")]
            QIsa::Vnni => unsafe { x86::requantize_avx512(acc, out, bias, multiplier, zero, lo) },
            // SAFETY: as above.
            #[cfg(target_arch = "x86_64")]
            QIsa::Avx2 => unsafe { x86::requantize_avx2(acc, out, bias, multiplier, zero, lo) },
            _ => requantize_body(acc, out, bias, multiplier, zero, lo),
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn vnni_detected() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vnni")
}

/// Plain Rust; wrapping sums, as the SIMD kernels' are (a forged graph may overflow them, and
/// then every kernel still agrees).
fn portable(kq: usize, a: &[i8], b: &[u8], ldb: usize, acc: &mut [i32]) {
    const MR: usize = QKernel::PORTABLE.mr;
    const NR: usize = QKernel::PORTABLE.nr;
    // Two partial sums per position (lanes 0-1 and 2-3 of its quad): `x[2k] w[2k] + x[2k+1]
    // w[2k+1]` over i16 arrays is the shape compilers turn into one multiply-add of i16 pairs
    // (SSE2 `pmaddwd`, NEON `smlal` pairs), exact since u8 x s8 fits i16 and two of them i32.
    let mut sums = [[0i32; 2 * NR]; MR];
    for p in 0..kq {
        let bp = &b[p * ldb..p * ldb + 4 * NR];
        let mut xs = [0i16; 4 * NR];
        for (x, &v) in xs.iter_mut().zip(bp) {
            *x = i16::from(v);
        }
        let ap = &a[p * MR * 4..(p + 1) * MR * 4];
        for (row, w) in sums.iter_mut().zip(ap.chunks_exact(4)) {
            let quad = [i16::from(w[0]), i16::from(w[1]), i16::from(w[2]), i16::from(w[3])];
            let mut ws = [0i16; 4 * NR];
            for q in ws.chunks_exact_mut(4) {
                q.copy_from_slice(&quad);
            }
            for ((s, x), w) in row.iter_mut().zip(xs.chunks_exact(2)).zip(ws.chunks_exact(2)) {
                let pair = i32::from(x[0]) * i32::from(w[0]) + i32::from(x[1]) * i32::from(w[1]);
                *s = s.wrapping_add(pair);
            }
        }
    }
    for (dst, row) in acc.chunks_exact_mut(NR).zip(&sums) {
        for (d, pair) in dst.iter_mut().zip(row.chunks_exact(2)) {
            *d = pair[0].wrapping_add(pair[1]);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    multiversion! {
        super::requantize_body;
        fn(acc: &[i32], out: &mut [u8], bias: i32, mult: f32, zero: i32, lo: i32);
        /// # Safety
        /// AVX-512F and BW must be available.
        requantize_avx512 = "avx512f,avx512bw";
        /// # Safety
        /// AVX2 must be available.
        requantize_avx2 = "avx2";
    }

    /// # Safety
    /// AVX-512F, BW and VNNI must be available; pointers as [`super::QKernel::tile`] checks them
    /// for 8 x 48.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub(super) unsafe fn vnni(kq: usize, a: *const i8, b: *const u8, ldb: usize, acc: *mut i32) {
        // SAFETY: the caller keeps this function's contract (# Safety above): the CPU has the
        // instruction set, and every pointer offset below stays inside the tile it checked.
        unsafe {
            let sums = vnni_sums(kq, a, b, ldb);
            for (r, row) in sums.iter().enumerate() {
                for (v, &s) in row.iter().enumerate() {
                    _mm512_storeu_si512(acc.add(r * 48 + 16 * v) as *mut _, s);
                }
            }
        }
    }

    /// The 8 x 48 tile's sums, in registers: `[row][16 positions]`.
    ///
    /// # Safety
    /// As [`vnni`], without `acc`.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    #[inline]
    pub(super) unsafe fn vnni_sums(kq: usize, a: *const i8, b: *const u8, ldb: usize) -> [[__m512i; 3]; 8] {
        // SAFETY: as in `vnni`: the caller checked every offset for `kq`, `ldb` and the tile.
        unsafe {
            let mut sums = [[_mm512_setzero_si512(); 3]; 8];
            for p in 0..kq {
                let bp = b.add(p * ldb);
                let bv = [
                    _mm512_loadu_si512(bp as *const _),
                    _mm512_loadu_si512(bp.add(64) as *const _),
                    _mm512_loadu_si512(bp.add(128) as *const _),
                ];
                let ap = a.add(p * 32) as *const i32;
                for (r, row) in sums.iter_mut().enumerate() {
                    let w = _mm512_set1_epi32(ap.add(r).read_unaligned());
                    for (s, &x) in row.iter_mut().zip(&bv) {
                        *s = _mm512_dpbusd_epi32(*s, x, w);
                    }
                }
            }
            sums
        }
    }

    /// # Safety
    /// AVX2 must be available; pointers as [`super::QKernel::tile`] checks them for 4 x 8, the
    /// weights widened to i16.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn avx2(kq: usize, a: *const i16, b: *const u8, ldb: usize, acc: *mut i32) {
        // SAFETY: the caller keeps this function's contract (# Safety above): the CPU has the
        // instruction set, and every pointer offset below stays inside the tile it checked.
        unsafe {
            for (r, &s) in avx2_sums(kq, a, b, ldb).iter().enumerate() {
                _mm256_storeu_si256(acc.add(r * 8) as *mut _, s);
            }
        }
    }

    /// The 4 x 8 tile's sums, in registers: one row of 8 positions each.
    ///
    /// # Safety
    /// As [`avx2`], without `acc`.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) unsafe fn avx2_sums(kq: usize, a: *const i16, b: *const u8, ldb: usize) -> [__m256i; 4] {
        // SAFETY: as in `avx2`: the caller checked every offset for `kq`, `ldb` and the tile.
        unsafe {
            // Each accumulator holds 4 positions x 2 partial sums (pairs of products, summed by
            // `vpmaddwd` exactly in int32); the pairs are added once, at the end. A row's quad
            // of i16 weights is one 64-bit broadcast load (no widening in the loop). Four rows,
            // not six: a panel is then one quad of output channels, which `tile_quads` writes
            // from registers.
            let mut sums = [[_mm256_setzero_si256(); 2]; 4];
            for p in 0..kq {
                let bp = b.add(p * ldb);
                let x = [
                    _mm256_cvtepu8_epi16(_mm_loadu_si128(bp as *const _)),
                    _mm256_cvtepu8_epi16(_mm_loadu_si128(bp.add(16) as *const _)),
                ];
                let ap = a.add(p * 16) as *const i64;
                for (r, row) in sums.iter_mut().enumerate() {
                    let w = _mm256_set1_epi64x(ap.add(r).read_unaligned());
                    row[0] = _mm256_add_epi32(row[0], _mm256_madd_epi16(x[0], w));
                    row[1] = _mm256_add_epi32(row[1], _mm256_madd_epi16(x[1], w));
                }
            }
            // hadd of the two halves' pairs: positions 0-1, 4-5 | 2-3, 6-7 in each lane.
            let mut rows = [_mm256_setzero_si256(); 4];
            for (out, row) in rows.iter_mut().zip(&sums) {
                *out = _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_hadd_epi32(row[0], row[1]));
            }
            rows
        }
    }
}

#[cfg(target_arch = "aarch64")]
mod arm {
    use std::arch::aarch64::*;

    /// `acc[j] += dot(b[4j..4j + 4], a[4 * LANE..4 * LANE + 4])` (`sdot` by element; its
    /// intrinsic is not stable Rust yet).
    ///
    /// # Safety
    /// The CPU must have the dot-product extension.
    #[target_feature(enable = "neon,dotprod")]
    #[inline]
    unsafe fn sdot_lane<const LANE: i32>(acc: int32x4_t, b: int8x16_t, a: int8x16_t) -> int32x4_t {
        let mut acc = acc;
        // SAFETY: register-only arithmetic; the caller guarantees the CPU has `sdot`.
        unsafe {
            std::arch::asm!(
                "sdot {acc:v}.4s, {b:v}.16b, {a:v}.4b[{lane}]",
                acc = inout(vreg) acc,
                b = in(vreg) b,
                a = in(vreg) a,
                lane = const LANE,
                options(pure, nomem, nostack, preserves_flags),
            );
        }
        acc
    }

    /// # Safety
    /// The CPU must have the dot-product extension; pointers as [`super::QKernel::tile`] checks
    /// them for 8 x 12, and `wsum` for 8 rows.
    #[target_feature(enable = "neon,dotprod")]
    pub(super) unsafe fn neon_dot(
        kq: usize,
        a: *const i8,
        b: *const u8,
        ldb: usize,
        acc: *mut i32,
        wsum: *const i32,
    ) {
        // SAFETY: the caller keeps this function's contract (# Safety above): the CPU has the
        // instruction set, and every pointer offset below stays inside the tile it checked.
        unsafe {
            let sums = neon_dot_sums(kq, a, b, ldb, wsum);
            for (r, row) in sums.iter().enumerate() {
                for (q, &v) in row.iter().enumerate() {
                    vst1q_s32(acc.add(r * 12 + 4 * q), v);
                }
            }
        }
    }

    /// The 8 x 12 tile's sums, in registers: `[row][4 positions]`.
    ///
    /// # Safety
    /// As [`neon_dot`], without `acc`.
    #[target_feature(enable = "neon,dotprod")]
    #[inline]
    pub(super) unsafe fn neon_dot_sums(
        kq: usize,
        a: *const i8,
        b: *const u8,
        ldb: usize,
        wsum: *const i32,
    ) -> [[int32x4_t; 3]; 8] {
        // SAFETY: as in `neon_dot`: the caller checked every offset for `kq`, `ldb` and the tile.
        unsafe {
            // sum w * x = sum w * (x - 128) + 128 * sum w, and x - 128 is x ^ 0x80 as s8.
            let mut sums = [[vdupq_n_s32(0); 3]; 8];
            for (r, row) in sums.iter_mut().enumerate() {
                let v = vdupq_n_s32((*wsum.add(r)).wrapping_mul(128));
                *row = [v, v, v];
            }
            let flip = vdupq_n_u8(0x80);
            for p in 0..kq {
                let bp = b.add(p * ldb);
                let bv = [
                    vreinterpretq_s8_u8(veorq_u8(vld1q_u8(bp), flip)),
                    vreinterpretq_s8_u8(veorq_u8(vld1q_u8(bp.add(16)), flip)),
                    vreinterpretq_s8_u8(veorq_u8(vld1q_u8(bp.add(32)), flip)),
                ];
                let ap = a.add(p * 32);
                let (a_lo, a_hi) = (vld1q_s8(ap), vld1q_s8(ap.add(16)));
                neon_rows!(sdot_lane, sums, bv, a_lo, a_hi);
            }
            sums
        }
    }

    /// # Safety
    /// Pointers as [`super::QKernel::tile`] checks them for 4 x 4 (NEON is part of ARMv8-A).
    pub(super) unsafe fn neon(kq: usize, a: *const i8, b: *const u8, ldb: usize, acc: *mut i32) {
        // SAFETY: the caller keeps this function's contract (# Safety above): the CPU has the
        // instruction set, and every pointer offset below stays inside the tile it checked.
        unsafe {
            // Accumulator [r][j] holds the four per-lane partial sums of row r, position j.
            let mut sums = [[vdupq_n_s32(0); 4]; 4];
            for p in 0..kq {
                let x = vld1q_u8(b.add(p * ldb));
                let x01 = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(x)));
                let x23 = vreinterpretq_s16_u16(vmovl_high_u8(x));
                let xs = [vget_low_s16(x01), vget_high_s16(x01), vget_low_s16(x23), vget_high_s16(x23)];
                let w8 = vld1q_s8(a.add(p * 16));
                let w01 = vmovl_s8(vget_low_s8(w8));
                let w23 = vmovl_high_s8(w8);
                let ws = [vget_low_s16(w01), vget_high_s16(w01), vget_low_s16(w23), vget_high_s16(w23)];
                for (row, &w) in sums.iter_mut().zip(&ws) {
                    for (s, &xj) in row.iter_mut().zip(&xs) {
                        *s = vmlal_s16(*s, xj, w);
                    }
                }
            }
            for (r, row) in sums.iter().enumerate() {
                for (j, &s) in row.iter().enumerate() {
                    *acc.add(r * 4 + j) = vaddvq_s32(s);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic bytes covering the whole range, extremes included.
    fn bytes(len: usize, seed: usize) -> Vec<u8> {
        (0..len).map(|i| ((i + seed).wrapping_mul(2_654_435_761) >> 7) as u8).collect()
    }

    fn reference(kern: &QKernel, kq: usize, a: &[i8], b: &[u8], ldb: usize) -> Vec<i32> {
        let (mr, nr) = (kern.mr, kern.nr);
        let mut out = vec![0i32; mr * nr];
        for r in 0..mr {
            for j in 0..nr {
                out[r * nr + j] = (0..kq)
                    .flat_map(|p| (0..4).map(move |l| (p, l)))
                    .map(|(p, l)| i32::from(a[(p * mr + r) * 4 + l]) * i32::from(b[p * ldb + 4 * j + l]))
                    .sum();
            }
        }
        out
    }

    #[test]
    fn every_int8_kernel_gives_the_exact_sums() {
        for kern in QKernel::available() {
            for (kq, ldb_extra) in [(1, 0), (3, 4), (16, 0), (37, 12), (144, 0)] {
                let ldb = 4 * kern.nr + ldb_extra;
                let mut a: Vec<i8> = bytes(kq * kern.mr * 4, kq).iter().map(|&v| v as i8).collect();
                let mut b = bytes(kq * ldb, 7 * kq);
                // The worst case for saturating instructions: 255 x -128 and 255 x 127 in a row.
                a[..4].copy_from_slice(&[-128, -128, 127, 127]);
                b[..4].fill(255);
                let wsum: Vec<i32> = (0..kern.mr)
                    .map(|r| {
                        (0..kq)
                            .flat_map(|p| (0..4).map(move |l| (p, l)))
                            .map(|(p, l)| i32::from(a[(p * kern.mr + r) * 4 + l]))
                            .sum()
                    })
                    .collect();
                let mut acc = vec![i32::MIN; kern.mr * kern.nr];
                let weights = kern.weights(a.clone());
                kern.tile(kq, weights.panel(0, a.len()), &b, ldb, &mut acc, &wsum);
                assert_eq!(acc, reference(&kern, kq, &a, &b, ldb), "{} kq {kq}", kern.name());
            }
        }
    }

    #[test]
    #[should_panic]
    fn short_slices_panic_instead_of_reading_out_of_bounds() {
        let kern = QKernel::available()[0];
        let mut acc = vec![0i32; kern.mr * kern.nr];
        let b = vec![0u8; 4 * kern.nr * 2 - 1];
        let a = kern.weights(vec![0i8; 2 * kern.mr * 4]);
        kern.tile(2, a.panel(0, 2 * kern.mr * 4), &b, 4 * kern.nr, &mut acc, &vec![0; kern.mr]);
    }

    #[test]
    #[should_panic]
    fn weights_of_another_kernel_panic() {
        // Bytes to a widening kernel or words to any other: one of the two is wrong everywhere.
        let kern = QKernel::available()[0];
        let mut acc = vec![0i32; kern.mr * kern.nr];
        let (b, wsum) = (vec![0u8; 4 * kern.nr], vec![0; kern.mr]);
        let len = kern.mr * 4;
        let bytes = QWeights::Bytes(vec![0; len]);
        let words = QWeights::Words(vec![0; len]);
        kern.tile(1, bytes.panel(0, len), &b, 4 * kern.nr, &mut acc, &wsum);
        kern.tile(1, words.panel(0, len), &b, 4 * kern.nr, &mut acc, &wsum);
    }
}
