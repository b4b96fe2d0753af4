//! Depthwise 3x3 convolution, stride 1, padding 1 (`group = C`): the face detector's
//! MobileNet-style blocks.
//!
//! Through the matrix-product path every channel would be a `1 x 9` times `9 x H*W` product
//! with an im2col copy of nine rows first: nine times the memory traffic for nine
//! multiply-adds per output. Here each output row is computed in one pass over three input rows
//! (the nine taps as nine shifted slices), which the compiler vectorises along the row. The same
//! loop is compiled once per instruction set the engine's kernels use (AVX-512, AVX2 + FMA,
//! plain for NEON and the portable kernel), picked with the convolution's [`Kernel`].

use super::kernel::{Isa, Kernel};

/// A depthwise 3x3 convolution ready to run on one `[C, H, W]` image.
#[derive(Debug, Clone)]
pub(crate) struct Depthwise {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    /// `[C, 9]`, row-major taps per channel (ONNX's `[C, 1, 3, 3]`).
    weights: Vec<f32>,
    bias: Vec<f32>,
    isa: Isa,
    /// One row of zeros: the padding above and below the image.
    zeros: Vec<f32>,
}

impl Depthwise {
    /// `weights` is `[C, 1, 3, 3]`, `bias` is `[C]`; the image is `[C, height, width]`.
    pub fn new(
        channels: usize,
        height: usize,
        width: usize,
        weights: &[f32],
        bias: &[f32],
        kernel: Kernel,
    ) -> Self {
        Self {
            channels,
            height,
            width,
            weights: weights[..channels * 9].to_vec(),
            bias: bias[..channels].to_vec(),
            isa: kernel.isa(),
            zeros: vec![0.0; width],
        }
    }

    /// Multiply-accumulates per image.
    pub fn macs(&self) -> usize {
        self.channels.saturating_mul(self.height * self.width * 9)
    }

    /// `output = act(depthwise(input) + bias)`, both `[C, H, W]`.
    pub fn run(&self, input: &[f32], output: &mut [f32], relu: bool) {
        let area = self.height * self.width;
        assert!(input.len() >= self.channels * area && output.len() >= self.channels * area);
        for c in 0..self.channels {
            let taps: &[f32; 9] = self.weights[c * 9..c * 9 + 9].try_into().expect("9 taps per channel");
            let src = &input[c * area..(c + 1) * area];
            let dst = &mut output[c * area..(c + 1) * area];
            let (h, w, b, z) = (self.height, self.width, self.bias[c], self.zeros.as_slice());
            match self.isa {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: the kernel's instruction set was detected on this CPU when it was made
                // (`Kernel::available`); the function itself only indexes slices.
                Isa::Avx512 => unsafe { x86::plane_avx512(src, dst, h, w, taps, b, relu, z) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above, for AVX2 and FMA.
                Isa::Avx2Fma => unsafe { x86::plane_avx2(src, dst, h, w, taps, b, relu, z) },
                _ => plane_of::<HAS_FMA>(src, dst, h, w, taps, b, relu, z),
            }
        }
    }
}

/// Whether the plain build may use `mul_add` (one instruction where the target has FMA).
const HAS_FMA: bool = cfg!(any(target_arch = "aarch64", target_feature = "fma"));

#[cfg(target_arch = "x86_64")]
mod x86 {
    multiversion! {
        super::plane_of::<true>;
        fn(src: &[f32], dst: &mut [f32], h: usize, w: usize, taps: &[f32; 9], bias: f32, relu: bool, zeros: &[f32]);
        /// # Safety
        /// The CPU must have AVX-512F and FMA.
        plane_avx512 = "avx512f,fma";
        /// # Safety
        /// The CPU must have AVX2 and FMA.
        plane_avx2 = "avx2,fma";
    }
}

#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    // `mul_add` is one instruction only where FMA is enabled; elsewhere it is a library call.
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

#[inline(always)]
fn activate(v: f32, relu: bool) -> f32 {
    if relu && v < 0.0 { 0.0 } else { v }
}

/// Lanes of one block of outputs: fixed-size arrays vectorise without bound checks (one
/// AVX-512 register, two AVX2 or four NEON registers).
const LANES: usize = 16;

/// Output rows computed together: each of the `ROWS + 2` input rows is read once for all of
/// them, so a block of outputs costs `3 * (ROWS + 2) / ROWS` = 4.5 loads per row instead of 9.
/// (Measured on AMD EPYC, AVX-512, the detector's 16x128x160 plane: see docs/PERFORMANCE.md.)
const ROWS: usize = 4;

/// What one channel's convolution reads: its `h x w` input plane `src`, its taps `k`, bias and
/// activation, and `zeros`, a row of `w` zeros read for the rows above and below the image
/// (adding `0 * tap` changes no sum), so that the first and last rows take the vector loop too.
#[derive(Clone, Copy)]
struct Channel<'a> {
    src: &'a [f32],
    h: usize,
    w: usize,
    k: &'a [f32; 9],
    bias: f32,
    relu: bool,
    zeros: &'a [f32],
}

/// [`plane`] from the channel's parts, which the functions compiled per instruction set take as
/// arguments: a reference argument tells the compiler more than a reference in a struct (with a
/// `Channel` argument there, the face detector's depthwise layers ran 4-10% slower in
/// `detect_latency --profile`; with this, their machine code is what it was before `Channel`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn plane_of<const FMA: bool>(
    src: &[f32],
    dst: &mut [f32],
    h: usize,
    w: usize,
    k: &[f32; 9],
    bias: f32,
    relu: bool,
    zeros: &[f32],
) {
    plane::<FMA>(Channel { src, h, w, k, bias, relu, zeros }, dst)
}

/// One channel into `dst` (`h x w`).
#[inline(always)]
fn plane<const FMA: bool>(channel: Channel<'_>, dst: &mut [f32]) {
    let Channel { src, h, w, k, bias, relu, zeros } = channel;
    if h < ROWS || w < LANES + 2 {
        return plane_rows::<FMA>(channel, dst, 0..h);
    }
    let row = |y: isize| -> &[f32] {
        if (0..h as isize).contains(&y) { &src[y as usize * w..(y as usize + 1) * w] } else { &zeros[..w] }
    };
    let n = w - 2;
    let mut y0 = 0;
    loop {
        // The rows above, in and below the block: `input[r]` is image row `y0 + r - 1`.
        let input: [&[f32]; ROWS + 2] = std::array::from_fn(|r| row(y0 as isize + r as isize - 1));
        let mut i = 0;
        loop {
            let mut acc = [[bias; LANES]; ROWS];
            for (r, line) in input.iter().enumerate() {
                for dx in 0..3 {
                    let v: &[f32; LANES] = line[i + dx..i + dx + LANES].try_into().expect("a full block");
                    // Input row `r` is tap row `r - j` of output row `j`.
                    for (j, acc) in acc.iter_mut().enumerate() {
                        if let Some(ky) = r.checked_sub(j).filter(|&ky| ky < 3) {
                            let t = k[3 * ky + dx];
                            for (a, &v) in acc.iter_mut().zip(v) {
                                *a = madd::<FMA>(t, v, *a);
                            }
                        }
                    }
                }
            }
            for (j, acc) in acc.iter().enumerate() {
                let start = (y0 + j) * w + 1 + i;
                let o: &mut [f32; LANES] = (&mut dst[start..start + LANES]).try_into().expect("a full block");
                for (o, &a) in o.iter_mut().zip(acc) {
                    *o = activate(a, relu);
                }
            }
            // The last block ends at the row's end and may overlap the one before it, which
            // only writes the same values twice.
            if i + LANES == n {
                break;
            }
            i = (i + LANES).min(n - LANES);
        }
        for j in 0..ROWS {
            let rows = [input[j], input[j + 1], input[j + 2]];
            let out = &mut dst[(y0 + j) * w..(y0 + j + 1) * w];
            edge_columns::<FMA>(rows, out, k, bias, relu);
        }
        if y0 + ROWS == h {
            break;
        }
        // Likewise the last block of rows ends at the image's last row.
        y0 = (y0 + ROWS).min(h - ROWS);
    }
}

/// The first and last columns of one output row from its three input rows: the taps left of
/// column 0 and right of column w-1 are padding. `w >= 2`.
#[inline(always)]
fn edge_columns<const FMA: bool>(rows: [&[f32]; 3], out: &mut [f32], k: &[f32; 9], bias: f32, relu: bool) {
    let w = out.len();
    let (mut first, mut last) = (bias, bias);
    for (r, row) in rows.iter().enumerate() {
        first = madd::<FMA>(k[3 * r + 1], row[0], first);
        first = madd::<FMA>(k[3 * r + 2], row[1], first);
        last = madd::<FMA>(k[3 * r], row[w - 2], last);
        last = madd::<FMA>(k[3 * r + 1], row[w - 1], last);
    }
    out[0] = activate(first, relu);
    out[w - 1] = activate(last, relu);
}

/// Rows `ys` of one channel, one output row per pass: planes too small for [`plane`]'s blocks.
#[inline(always)]
fn plane_rows<const FMA: bool>(channel: Channel<'_>, dst: &mut [f32], ys: std::ops::Range<usize>) {
    let Channel { src, h, w, k, bias, relu, zeros } = channel;
    for y in ys {
        let out = &mut dst[y * w..(y + 1) * w];
        if w < 3 {
            // Too narrow for the interior loop.
            for (x, o) in out.iter_mut().enumerate() {
                *o = activate(point::<FMA>(src, h, w, k, bias, y, x), relu);
            }
            continue;
        }
        let top = if y > 0 { &src[(y - 1) * w..y * w] } else { &zeros[..w] };
        let mid = &src[y * w..(y + 1) * w];
        let bottom = if y + 1 < h { &src[(y + 1) * w..(y + 2) * w] } else { &zeros[..w] };
        let rows = [top, mid, bottom];
        let n = w - 2;
        // Nine equal-length shifted slices: the loop indexes all of them with one bound.
        let [a0, a1, a2] = [&rows[0][..n], &rows[0][1..n + 1], &rows[0][2..n + 2]];
        let [b0, b1, b2] = [&rows[1][..n], &rows[1][1..n + 1], &rows[1][2..n + 2]];
        let [c0, c1, c2] = [&rows[2][..n], &rows[2][1..n + 1], &rows[2][2..n + 2]];
        let taps = [a0, a1, a2, b0, b1, b2, c0, c1, c2];
        let inner = &mut out[1..n + 1];
        // As in `plane`, the last block may overlap the one before it.
        if n >= LANES {
            let mut i = 0;
            loop {
                let mut acc = [bias; LANES];
                for (row, &t) in taps.into_iter().zip(k) {
                    let r: &[f32; LANES] = row[i..i + LANES].try_into().expect("a full block");
                    for (a, &v) in acc.iter_mut().zip(r) {
                        *a = madd::<FMA>(t, v, *a);
                    }
                }
                let o: &mut [f32; LANES] = (&mut inner[i..i + LANES]).try_into().expect("a full block");
                for (o, a) in o.iter_mut().zip(acc) {
                    *o = activate(a, relu);
                }
                if i + LANES == n {
                    break;
                }
                i = (i + LANES).min(n - LANES);
            }
        } else {
            for (i, o) in inner.iter_mut().enumerate() {
                let mut s = bias;
                for (row, &t) in taps.into_iter().zip(k) {
                    s = madd::<FMA>(t, row[i], s);
                }
                *o = activate(s, relu);
            }
        }
        edge_columns::<FMA>(rows, out, k, bias, relu);
    }
}

/// One output value, taps outside the image skipped (zero padding), in the interior loop's order.
#[inline(always)]
fn point<const FMA: bool>(
    src: &[f32],
    h: usize,
    w: usize,
    k: &[f32; 9],
    bias: f32,
    y: usize,
    x: usize,
) -> f32 {
    let mut s = bias;
    for ky in 0..3 {
        let Some(iy) = (y + ky).checked_sub(1).filter(|&iy| iy < h) else { continue };
        for kx in 0..3 {
            let Some(ix) = (x + kx).checked_sub(1).filter(|&ix| ix < w) else { continue };
            s = madd::<FMA>(k[ky * 3 + kx], src[iy * w + ix], s);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook depthwise convolution in f64.
    fn reference(c: usize, h: usize, w: usize, x: &[f32], k: &[f32], b: &[f32], relu: bool) -> Vec<f32> {
        let mut out = vec![0f32; c * h * w];
        for ch in 0..c {
            for y in 0..h as isize {
                for xx in 0..w as isize {
                    let mut s = b[ch] as f64;
                    for ky in 0..3isize {
                        for kx in 0..3isize {
                            let (iy, ix) = (y + ky - 1, xx + kx - 1);
                            if (0..h as isize).contains(&iy) && (0..w as isize).contains(&ix) {
                                s += k[ch * 9 + (ky * 3 + kx) as usize] as f64
                                    * x[(ch * h + iy as usize) * w + ix as usize] as f64;
                            }
                        }
                    }
                    let s = s as f32;
                    out[(ch * h + y as usize) * w + xx as usize] = if relu { s.max(0.0) } else { s };
                }
            }
        }
        out
    }

    /// Pseudo-random values in about [-2, 2] (a small LCG: no test dependency).
    fn random(len: usize, seed: u64) -> Vec<f32> {
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((state >> 40) as f32 / (1u64 << 24) as f32) * 4.0 - 2.0
            })
            .collect()
    }

    #[test]
    fn every_kernel_matches_the_textbook_depthwise_convolution() {
        // `[C, H, W]` planes that `plane_rows` computes alone: one pixel, one row, one column,
        // too narrow for its interior loop, narrower than a block of lanes, too low for a block
        // of rows.
        let by_rows = [(1, 1, 1), (2, 1, 5), (3, 4, 1), (2, 2, 2), (3, 3, 3), (5, 7, 9), (2, 3, 40)];
        // Planes that `plane` computes in blocks: exactly one block of rows and of columns, row
        // and column counts that are not multiples of the blocks' (the last block overlaps), wide.
        let in_blocks = [(3, 4, 18), (2, 5, 18), (2, 9, 19), (4, 16, 37), (2, 30, 40), (3, 13, 160)];
        let blocked = |&(_, h, w): &(usize, usize, usize)| h >= ROWS && w >= LANES + 2;
        assert!(!by_rows.iter().any(blocked) && in_blocks.iter().all(blocked));
        for kernel in Kernel::available() {
            for (i, &(c, h, w)) in by_rows.iter().chain(&in_blocks).enumerate() {
                let x = random(c * h * w, i as u64);
                let k = random(c * 9, 100 + i as u64);
                let b = random(c, 200 + i as u64);
                let dw = Depthwise::new(c, h, w, &k, &b, kernel);
                for relu in [false, true] {
                    let mut out = vec![f32::NAN; c * h * w];
                    dw.run(&x, &mut out, relu);
                    let want = reference(c, h, w, &x, &k, &b, relu);
                    for (j, (a, b)) in out.iter().zip(&want).enumerate() {
                        assert!(
                            (a - b).abs() <= 1e-5 * (1.0 + b.abs()),
                            "{} {c}x{h}x{w} relu {relu} [{j}]: {a} vs {b}",
                            kernel.name()
                        );
                    }
                }
            }
        }
    }
}
