//! The matrix-multiply micro-kernels every convolution runs on.
//!
//! One call computes an `mr x nr` tile of `C = bias + A B` (then `max(C, 0)` when asked), where
//! `A` is a packed panel of weights (`k` steps of `mr` values: the weights of `mr` output
//! channels for one input tap) and `B` holds `k` rows of `nr` activations, `ldb` apart. The tile
//! sizes fit each instruction set's register file: the accumulators of a whole tile stay in
//! registers for all `k` steps, so every weight and activation is loaded once per tile. Some
//! kernels come in several widths `nr`: the widest has the best ratio of arithmetic to loads, the
//! narrower ones finish a row of outputs without computing much padding.
//! The best kernel the CPU has is picked once, at load time.

use super::qkernel::QKernel;

mod peak_rate;

pub use peak_rate::peak_macs_per_second;

/// A micro-kernel and the tile it computes, with the int8 kernel (`qkernel.rs`) of the same
/// instruction set that quantised graphs run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kernel {
    /// Output channels per tile (rows of a packed weight panel).
    pub mr: usize,
    /// Output positions per tile: the widths this kernel comes in, widest first.
    pub widths: &'static [usize],
    isa: Isa,
    /// The int8 kernel that goes with it.
    pub int8: QKernel,
}

/// The instruction set a kernel uses; the engine's other vectorised loops (`depthwise.rs`) are
/// compiled once per set and picked with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Isa {
    /// x86_64 AVX-512F: 8 x 48, 8 x 32, 8 x 16 (24, 16, 8 zmm accumulators).
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// x86_64 AVX2 + FMA: 6 x 16, 6 x 8 (12, 6 ymm accumulators).
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
    /// aarch64 NEON (every ARMv8 phone): 8 x 12 (24 q accumulators).
    #[cfg(target_arch = "aarch64")]
    Neon,
    /// Plain Rust the compiler vectorises for whatever the target has: 4 x 16.
    Portable,
}

impl Kernel {
    /// The fastest kernel this CPU runs.
    pub fn best() -> Self {
        Self::available().into_iter().next().unwrap_or(PORTABLE)
    }

    /// Every kernel this CPU runs, fastest first (tests run them all).
    pub fn available() -> Vec<Self> {
        let int8 = QKernel::available();
        // The fastest int8 kernel of the list `int8` that `pick` accepts (the portable one last).
        let best_int8 = |pick: &dyn Fn(&QKernel) -> bool| {
            int8.iter().copied().find(|k| pick(k)).unwrap_or(QKernel::PORTABLE)
        };
        // Each kernel of this architecture, with whether the CPU runs it.
        let candidates = [
            #[cfg(target_arch = "x86_64")]
            (
                Kernel { mr: 8, widths: &[48, 32, 16], isa: Isa::Avx512, int8: best_int8(&|_| true) },
                std::arch::is_x86_feature_detected!("avx512f"),
            ),
            #[cfg(target_arch = "x86_64")]
            (
                Kernel {
                    mr: 6,
                    widths: &[16, 8],
                    isa: Isa::Avx2Fma,
                    int8: best_int8(&|k| *k == QKernel::AVX2),
                },
                std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma"),
            ),
            // NEON is part of ARMv8-A: every aarch64 CPU has it; `sdot` (ARMv8.2) most phones.
            #[cfg(target_arch = "aarch64")]
            (Kernel { mr: 8, widths: &[12], isa: Isa::Neon, int8: best_int8(&|_| true) }, true),
            // The plain NEON int8 kernel, for the tests, where the CPU also has `sdot`.
            #[cfg(target_arch = "aarch64")]
            (
                Kernel { mr: 8, widths: &[12], isa: Isa::Neon, int8: QKernel::NEON },
                best_int8(&|_| true) != QKernel::NEON,
            ),
            (PORTABLE, true),
        ];
        candidates.into_iter().filter(|&(_, runs)| runs).map(|(kernel, _)| kernel).collect()
    }

    /// The kernel called `name` (see [`Kernel::name`]) when this CPU runs it. The only way to pick
    /// a kernel other than [`Kernel::best`]: it goes through [`Kernel::available`], so a kernel
    /// whose instructions the CPU lacks can never be made.
    pub fn named(name: &str) -> Option<Self> {
        Self::available().into_iter().find(|k| k.name() == name)
    }

    /// The instruction set this kernel runs on (detected on this CPU when the kernel was made).
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// A short name for benchmarks and debugging.
    pub fn name(&self) -> &'static str {
        match self.isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => "avx512",
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => "avx2-fma",
            #[cfg(target_arch = "aarch64")]
            Isa::Neon if self.int8 == QKernel::NEON && QKernel::available()[0] != QKernel::NEON => {
                "neon-nodot"
            }
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => "neon",
            Isa::Portable => "portable",
        }
    }

    /// The widest tile.
    pub fn max_width(&self) -> usize {
        self.widths[0]
    }

    /// The width for the next tile when `remaining` output positions are left in the row: the
    /// widest while more than that remain, then the narrowest that covers the rest in one
    /// (padded) tile. Measured on the bundled model: one padded 32-wide tile for 30 positions is
    /// faster than a 16-wide one plus a padded 16-wide one.
    pub fn width_for(&self, remaining: usize) -> usize {
        self.widths.iter().rev().copied().find(|&w| w >= remaining).unwrap_or(self.widths[0])
    }

    /// One full tile: `c[r * ldc + j] = act(bias[r] + sum_p a[p * mr + r] * b[p * ldb + j])` for
    /// `r < mr`, `j < nr`, where `nr` is one of [`Kernel::widths`].
    ///
    /// Panics when `nr` is not one of the widths, or a slice is too short for `k`, the strides
    /// and the tile; the checks cost a few comparisons per tile, and keep every caller's indexing
    /// mistake out of unsafe code.
    #[allow(clippy::too_many_arguments)]
    pub fn tile(
        &self,
        nr: usize,
        k: usize,
        a: &[f32],
        b: &[f32],
        ldb: usize,
        c: &mut [f32],
        ldc: usize,
        bias: &[f32],
        relu: bool,
    ) {
        let mr = self.mr;
        assert!(self.widths.contains(&nr));
        assert!(k > 0 && ldb >= nr && ldc >= nr);
        assert!(a.len() >= k * mr && bias.len() >= mr);
        assert!(b.len() >= (k - 1) * ldb + nr);
        assert!(c.len() >= (mr - 1) * ldc + nr);
        if let Isa::Portable = self.isa {
            return portable(k, a, b, ldb, c, ldc, bias, relu);
        }
        let (a, b, c, bias) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr(), bias.as_ptr());
        // SAFETY: the asserts above bound every read and write the kernels make, and the
        // kernel's instruction set was detected on this CPU when the kernel was made.
        unsafe {
            match self.isa {
                #[cfg(target_arch = "x86_64")]
                Isa::Avx512 => match nr {
                    48 => x86::avx512::<3>(k, a, b, ldb, c, ldc, bias, relu),
                    32 => x86::avx512::<2>(k, a, b, ldb, c, ldc, bias, relu),
                    _ => x86::avx512::<1>(k, a, b, ldb, c, ldc, bias, relu),
                },
                #[cfg(target_arch = "x86_64")]
                Isa::Avx2Fma => match nr {
                    16 => x86::avx2_fma::<2>(k, a, b, ldb, c, ldc, bias, relu),
                    _ => x86::avx2_fma::<1>(k, a, b, ldb, c, ldc, bias, relu),
                },
                #[cfg(target_arch = "aarch64")]
                Isa::Neon => arm::neon(k, a, b, ldb, c, ldc, bias, relu),
                Isa::Portable => unreachable!("the portable kernel returned above"),
            }
        }
    }
}

const PORTABLE: Kernel = Kernel { mr: 4, widths: &[16], isa: Isa::Portable, int8: QKernel::PORTABLE };

#[inline(always)]
fn madd(a: f32, b: f32, c: f32) -> f32 {
    // `mul_add` is one instruction only where the target has FMA; elsewhere it is a library call.
    if cfg!(any(target_arch = "aarch64", target_feature = "fma")) { a.mul_add(b, c) } else { a * b + c }
}

/// The kernel for CPUs without the SIMD sets above (armv7 and x86 Android among them): plain
/// Rust over slices, no `unsafe`; the compiler vectorises the inner loops for what the target has.
#[allow(clippy::too_many_arguments)]
fn portable(k: usize, a: &[f32], b: &[f32], ldb: usize, c: &mut [f32], ldc: usize, bias: &[f32], relu: bool) {
    const MR: usize = PORTABLE.mr;
    const NR: usize = PORTABLE.widths[0];
    let mut acc = [[0f32; NR]; MR];
    for (row, &v) in acc.iter_mut().zip(&bias[..MR]) {
        *row = [v; NR];
    }
    for p in 0..k {
        let bp = &b[p * ldb..p * ldb + NR];
        let ap = &a[p * MR..p * MR + MR];
        for (row, &av) in acc.iter_mut().zip(ap) {
            for (x, &bv) in row.iter_mut().zip(bp) {
                *x = madd(av, bv, *x);
            }
        }
    }
    for (r, row) in acc.iter().enumerate() {
        for (out, &v) in c[r * ldc..r * ldc + NR].iter_mut().zip(row) {
            *out = if relu && v < 0.0 { 0.0 } else { v };
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// The five operations a tile needs, on one register width: AVX-512 and AVX2 run the same
    /// tile loop (`entry!`, [`avx512`] and [`avx2_fma`]) through them.
    ///
    /// # Safety
    /// Every method needs the CPU to have the register's instruction set; `load` and `store`
    /// need `LANES` readable or writable values at `p`.
    trait Register: Copy {
        /// `f32` lanes in one register.
        const LANES: usize;
        unsafe fn splat(v: f32) -> Self;
        unsafe fn load(p: *const f32) -> Self;
        unsafe fn store(p: *mut f32, v: Self);
        /// `self * b + c`, rounded once.
        unsafe fn fmadd(self, b: Self, c: Self) -> Self;
        unsafe fn max(self, b: Self) -> Self;
    }

    /// Implements [`Register`] for one vector type with its instruction set's intrinsics.
    macro_rules! register {
        ($ty:ty, $lanes:literal, $splat:ident, $load:ident, $store:ident, $fmadd:ident, $max:ident) => {
            impl Register for $ty {
                const LANES: usize = $lanes;
                #[inline(always)]
                unsafe fn splat(v: f32) -> Self {
                    // SAFETY: the caller keeps the trait's contract.
                    unsafe { $splat(v) }
                }
                #[inline(always)]
                unsafe fn load(p: *const f32) -> Self {
                    // SAFETY: the caller keeps the trait's contract.
                    unsafe { $load(p) }
                }
                #[inline(always)]
                unsafe fn store(p: *mut f32, v: Self) {
                    // SAFETY: the caller keeps the trait's contract.
                    unsafe { $store(p, v) }
                }
                #[inline(always)]
                unsafe fn fmadd(self, b: Self, c: Self) -> Self {
                    // SAFETY: the caller keeps the trait's contract.
                    unsafe { $fmadd(self, b, c) }
                }
                #[inline(always)]
                unsafe fn max(self, b: Self) -> Self {
                    // SAFETY: the caller keeps the trait's contract.
                    unsafe { $max(self, b) }
                }
            }
        };
    }

    register!(__m512, 16, _mm512_set1_ps, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_fmadd_ps, _mm512_max_ps);
    register!(__m256, 8, _mm256_set1_ps, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_fmadd_ps, _mm256_max_ps);

    /// Defines a `#[target_feature]` entry point computing one `MR x LANES·NV` tile in registers
    /// of type `R` (`$reg`, with `$mr` rows): the same loop for each instruction set, compiled to
    /// its code.
    macro_rules! entry {
        ($(#[$doc:meta])* $name:ident, $features:literal, $reg:ty, $mr:literal) => {
            $(#[$doc])*
            #[target_feature(enable = $features)]
            #[allow(clippy::too_many_arguments)]
            pub(super) unsafe fn $name<const NV: usize>(
                k: usize,
                a: *const f32,
                b: *const f32,
                ldb: usize,
                c: *mut f32,
                ldc: usize,
                bias: *const f32,
                relu: bool,
            ) {
                type R = $reg;
                const MR: usize = $mr;
                // SAFETY: the caller keeps this function's contract (# Safety above): the CPU has the
                // instruction set, and every pointer offset below stays inside the tile it checked.
                unsafe {
                    let mut acc = [[R::splat(0.0); NV]; MR];
                    for (r, row) in acc.iter_mut().enumerate() {
                        *row = [R::splat(*bias.add(r)); NV];
                    }
                    for p in 0..k {
                        let bp = b.add(p * ldb);
                        let mut bv = [R::splat(0.0); NV];
                        for (v, x) in bv.iter_mut().enumerate() {
                            *x = R::load(bp.add(R::LANES * v));
                        }
                        let ap = a.add(p * MR);
                        for (r, row) in acc.iter_mut().enumerate() {
                            let av = R::splat(*ap.add(r));
                            for (x, &bx) in row.iter_mut().zip(&bv) {
                                *x = av.fmadd(bx, *x);
                            }
                        }
                    }
                    let zero = R::splat(0.0);
                    for (r, row) in acc.iter().enumerate() {
                        for (v, &x) in row.iter().enumerate() {
                            R::store(c.add(r * ldc + R::LANES * v), if relu { x.max(zero) } else { x });
                        }
                    }
                }
            }
        };
    }

    entry!(
        /// # Safety
        /// AVX-512F must be available; pointers as [`super::Kernel::tile`] checks them for 8 x 16·NV.
        avx512, "avx512f", __m512, 8
    );
    entry!(
        /// # Safety
        /// AVX2 and FMA must be available; pointers as [`super::Kernel::tile`] checks them for 6 x 8·NV.
        avx2_fma, "avx2,fma", __m256, 6
    );
}

#[cfg(target_arch = "aarch64")]
mod arm {
    use std::arch::aarch64::*;

    /// # Safety
    /// Pointers as [`super::Kernel::tile`] checks them for 8 x 12 (NEON is part of ARMv8-A).
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn neon(
        k: usize,
        a: *const f32,
        b: *const f32,
        ldb: usize,
        c: *mut f32,
        ldc: usize,
        bias: *const f32,
        relu: bool,
    ) {
        // SAFETY: the caller keeps this function's contract (# Safety above): the CPU has the
        // instruction set, and every pointer offset below stays inside the tile it checked.
        unsafe {
            let mut acc = [[vdupq_n_f32(0.0); 3]; 8];
            for (r, row) in acc.iter_mut().enumerate() {
                let v = vdupq_n_f32(*bias.add(r));
                *row = [v, v, v];
            }
            for p in 0..k {
                let bp = b.add(p * ldb);
                let bv = [vld1q_f32(bp), vld1q_f32(bp.add(4)), vld1q_f32(bp.add(8))];
                let ap = a.add(p * 8);
                let (a_lo, a_hi) = (vld1q_f32(ap), vld1q_f32(ap.add(4)));
                neon_rows!(vfmaq_laneq_f32, acc, bv, a_lo, a_hi);
            }
            let zero = vdupq_n_f32(0.0);
            for (r, row) in acc.iter().enumerate() {
                for (q, &v) in row.iter().enumerate() {
                    let v = if relu { vmaxq_f32(v, zero) } else { v };
                    vst1q_f32(c.add(r * ldc + 4 * q), v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::too_many_arguments)]
    fn reference(
        k: usize,
        mr: usize,
        nr: usize,
        a: &[f32],
        b: &[f32],
        ldb: usize,
        bias: &[f32],
        relu: bool,
    ) -> Vec<f32> {
        let mut out = vec![0f32; mr * nr];
        for r in 0..mr {
            for j in 0..nr {
                let mut s = bias[r] as f64;
                for p in 0..k {
                    s += a[p * mr + r] as f64 * b[p * ldb + j] as f64;
                }
                let s = s as f32;
                out[r * nr + j] = if relu { s.max(0.0) } else { s };
            }
        }
        out
    }

    #[test]
    fn every_kernel_and_width_matches_a_plain_sum() {
        for kern in Kernel::available() {
            for &nr in kern.widths {
                for (k, ldb_extra, relu) in [(1, 0, false), (7, 3, true), (144, 0, false), (33, 5, true)] {
                    let (mr, ldb) = (kern.mr, nr + ldb_extra);
                    let a: Vec<f32> = (0..k * mr).map(|i| ((i * 37 % 101) as f32 - 50.0) / 25.0).collect();
                    let b: Vec<f32> = (0..k * ldb).map(|i| ((i * 53 % 97) as f32 - 48.0) / 24.0).collect();
                    let bias: Vec<f32> = (0..mr).map(|i| i as f32 - 2.0).collect();
                    let ldc = nr + 2;
                    let mut c = vec![f32::NAN; mr * ldc];
                    kern.tile(nr, k, &a, &b, ldb, &mut c, ldc, &bias, relu);
                    let want = reference(k, mr, nr, &a, &b, ldb, &bias, relu);
                    for r in 0..mr {
                        for j in 0..nr {
                            let (got, want) = (c[r * ldc + j], want[r * nr + j]);
                            assert!(
                                (got - want).abs() <= 1e-4 * (1.0 + want.abs()),
                                "{} {mr}x{nr} k={k} [{r},{j}]: {got} vs {want}",
                                kern.name()
                            );
                        }
                        // The gap between rows is not written.
                        assert!(c[r * ldc + nr..(r + 1) * ldc].iter().all(|v| v.is_nan()));
                    }
                }
            }
        }
    }

    #[test]
    fn widths_are_widest_first_then_the_narrowest_that_covers_the_rest() {
        for kern in Kernel::available() {
            let (widest, narrowest) = (kern.max_width(), kern.widths[kern.widths.len() - 1]);
            assert_eq!(kern.width_for(10_000), widest);
            assert_eq!(kern.width_for(widest), widest);
            assert_eq!(kern.width_for(narrowest), narrowest);
            assert_eq!(kern.width_for(1), narrowest);
            for rem in 1..=widest {
                let w = kern.width_for(rem);
                assert!(
                    w >= rem && kern.widths.iter().all(|&x| x < rem || x >= w),
                    "{} {rem}: {w}",
                    kern.name()
                );
            }
        }
    }

    #[test]
    #[should_panic]
    fn short_slices_panic_instead_of_reading_out_of_bounds() {
        let kern = Kernel::best();
        let nr = kern.max_width();
        let mut c = vec![0f32; kern.mr * nr];
        kern.tile(
            nr,
            4,
            &vec![0.0; 4 * kern.mr],
            &vec![0.0; 3 * nr],
            nr,
            &mut c,
            nr,
            &vec![0.0; kern.mr],
            false,
        );
    }

    #[test]
    fn every_kernel_has_a_positive_finite_peak_rate() {
        for kern in Kernel::available() {
            for int8 in [false, true] {
                let rate = peak_macs_per_second(kern.name(), int8, 0.01);
                assert!(
                    rate.is_some_and(|r| r.is_finite() && r > 0.0),
                    "{} int8 {int8}: {rate:?}",
                    kern.name()
                );
            }
        }
        assert_eq!(peak_macs_per_second("no-such-kernel", false, 0.01), None);
    }

    #[test]
    #[should_panic]
    fn widths_the_kernel_lacks_panic() {
        let kern = Kernel::best();
        let nr = kern.max_width() + 1;
        let mut c = vec![0f32; kern.mr * nr];
        kern.tile(nr, 1, &vec![0.0; kern.mr], &vec![0.0; nr], nr, &mut c, nr, &vec![0.0; kern.mr], false);
    }
}
