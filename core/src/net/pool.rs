//! Max pooling and global average pooling of one NCHW image.
//!
//! The max pool works one channel plane at a time in two passes: the element-wise max of the
//! window's input rows (contiguous, so the compiler vectorises it), then the max over each
//! window's columns of that row. A per-output, per-tap walk (what tract 0.23 does for
//! SqueezeNet's 3x3 stride-2 pools) took 39 % of the bundled model's inference time. Values are
//! folded from `f32::MIN` with a `<` comparison, as tract does, so a NaN input is skipped and the
//! results are bit-identical to tract's (the engine's tract parity tests run every pool of the
//! exported models; the unit test here holds it to the textbook definition).

use super::split::COPY_COST;
use crate::workers::{MAX_PARTS, Team};

/// Where a 2-D pool reads, for one input shape.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PoolGeometry {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub out_height: usize,
    pub out_width: usize,
    pub window: [usize; 2],
    pub stride: [usize; 2],
    /// Padding before the first row and column; padding after needs no field since windows
    /// are clipped to the image.
    pub pad_before: [usize; 2],
}

impl PoolGeometry {
    /// The clipped input range that output position `out` of `axis` (0 = rows) reads.
    pub(super) fn window_range(&self, axis: usize, out: usize) -> std::ops::Range<usize> {
        let len = if axis == 0 { self.height } else { self.width };
        let start = (out * self.stride[axis]) as isize - self.pad_before[axis] as isize;
        let end = (start + self.window[axis] as isize).clamp(0, len as isize) as usize;
        (start.max(0) as usize).min(end)..end
    }

    #[cfg(test)]
    pub fn output_len(&self) -> usize {
        self.channels * self.out_height * self.out_width
    }
}

/// Output length along one axis, as ONNX (and tract) define it: `(in + pads - field) / stride + 1`,
/// rounded up in ceil mode, where a last window that would start in the padding after the input
/// is dropped. `None` when the dilated kernel is larger than the padded input.
pub(crate) fn output_len(
    input: usize,
    kernel: usize,
    dilation: usize,
    stride: usize,
    pads: [usize; 2],
    ceil_mode: bool,
) -> Option<usize> {
    let field = (kernel - 1).checked_mul(dilation)? + 1;
    let dividend = (input + pads[0] + pads[1]).checked_sub(field)?;
    let mut out = if ceil_mode { dividend.div_ceil(stride) } else { dividend / stride } + 1;
    if ceil_mode && (out - 1) * stride >= input + pads[0] {
        out -= 1;
    }
    Some(out)
}

/// Padding before and after (rows, columns) and ceil mode, as [`super::read::padding`] reads them.
pub(crate) type Pads = ([usize; 2], [usize; 2], bool);

/// Output height and width of a `window` (dilated by `dilation`) sliding by `stride` over an
/// `input` of `[height, width]` padded by `pads`: [`output_len`] on both axes.
pub(crate) fn output_size(
    input: [usize; 2],
    window: [usize; 2],
    dilation: [usize; 2],
    stride: [usize; 2],
    (before, after, ceil_mode): Pads,
) -> Option<[usize; 2]> {
    let side =
        |a: usize| output_len(input[a], window[a], dilation[a], stride[a], [before[a], after[a]], ceil_mode);
    Some([side(0)?, side(1)?])
}

impl PoolGeometry {
    /// A max pool of `window` by `stride` over `channels` planes of `[height, width]` padded by
    /// `pads`; `None` when the window is larger than the padded input.
    pub(crate) fn sliding(
        channels: usize,
        [height, width]: [usize; 2],
        window: [usize; 2],
        stride: [usize; 2],
        pads: Pads,
    ) -> Option<Self> {
        let [out_height, out_width] = output_size([height, width], window, [1, 1], stride, pads)?;
        Some(Self { channels, height, width, out_height, out_width, window, stride, pad_before: pads.0 })
    }
}

/// Max pool of `input` (`C*H*W`) into `output` (`C*OH*OW`).
///
/// Baseline code only (SSE2 on x86-64): the same loops compiled for AVX2 ran 2.5x slower on AMD
/// EPYC (Zen 4), 0.24 against 0.10 ms for the bundled model's first pool, measured side by side.
/// [`max_pool`] with the channels split over `team`.
pub(crate) fn max_pool_on(team: Team, g: &PoolGeometry, input: &[f32], output: &mut [f32]) {
    let (in_plane, out_plane) = (g.height * g.width, g.out_height * g.out_width);
    let parts = team.parts(g.channels, g.channels.saturating_mul(in_plane) * COPY_COST);
    let mut pieces: [(PoolGeometry, &[f32], &mut [f32]); MAX_PARTS] = Default::default();
    let mut rest = output;
    for (i, piece) in pieces.iter_mut().enumerate().take(parts) {
        let channels = g.channels * i / parts..g.channels * (i + 1) / parts;
        let (out, tail) = std::mem::take(&mut rest).split_at_mut(channels.len() * out_plane);
        rest = tail;
        let src = &input[channels.start * in_plane..channels.end * in_plane];
        *piece = (PoolGeometry { channels: channels.len(), ..*g }, src, out);
    }
    team.for_each_mut(&mut pieces[..parts], |(g, src, out)| max_pool(g, src, out));
}

pub(crate) fn max_pool(g: &PoolGeometry, input: &[f32], output: &mut [f32]) {
    if g.window == [2, 2] && g.stride == [2, 2] && g.pad_before == [0, 0] && is_whole(g) {
        return max_pool_2x2(g, input, output);
    }
    max_pool_any(g, input, output);
}

/// [`max_pool`] for any window, stride and padding.
fn max_pool_any(g: &PoolGeometry, input: &[f32], output: &mut [f32]) {
    // Even length, so the stride-2 split below covers every column; the spare stays f32::MIN.
    let mut row = vec![f32::MIN; g.width.next_multiple_of(2)];
    let half = row.len() / 2;
    let (mut even, mut odd) = (vec![f32::MIN; half], vec![f32::MIN; half]);
    let columns: Vec<(usize, usize)> =
        (0..g.out_width).map(|ox| g.window_range(1, ox)).map(|r| (r.start, r.end)).collect();
    // Output columns whose window is whole (not clipped by the image's edges): pooled with one
    // strided pass per tap, which the compiler vectorises.
    let whole = |&(start, end): &(usize, usize)| end - start == g.window[1];
    let lo = columns.iter().position(whole).unwrap_or(g.out_width);
    let hi = lo + columns[lo..].iter().take_while(|c| whole(c)).count();
    let (in_plane, out_plane) = (g.height * g.width, g.out_height * g.out_width);
    for (src, dst) in input.chunks_exact(in_plane).zip(output.chunks_exact_mut(out_plane)) {
        for (oy, out_row) in dst.chunks_exact_mut(g.out_width).enumerate() {
            row[..g.width].fill(f32::MIN);
            for y in g.window_range(0, oy) {
                for (acc, &v) in row.iter_mut().zip(&src[y * g.width..(y + 1) * g.width]) {
                    *acc = max(*acc, v);
                }
            }
            for (out, &(start, end)) in out_row.iter_mut().zip(&columns).take(lo) {
                *out = row[start..end].iter().fold(f32::MIN, |m, &v| max(m, v));
            }
            if lo < hi {
                let first = columns[lo].0;
                let interior = &mut out_row[lo..hi];
                interior.fill(f32::MIN);
                if g.stride[1] == 2 {
                    // Split the row into its even and odd columns once, so that every tap is a
                    // contiguous run of one of them. (A stride-2 walk that reads one value of
                    // each pair compiled, for AVX2, to gathers, slow on AMD Zen 4; a split that
                    // uses both values of each pair compiles to shuffles.)
                    for ((e, o), pair) in even.iter_mut().zip(odd.iter_mut()).zip(row.chunks_exact(2)) {
                        *e = pair[0];
                        *o = pair[1];
                    }
                }
                for tap in 0..g.window[1] {
                    if g.stride[1] == 2 {
                        let start = first + tap;
                        let half_row = if start.is_multiple_of(2) { &even } else { &odd };
                        for (out, &v) in interior.iter_mut().zip(&half_row[start / 2..]) {
                            *out = max(*out, v);
                        }
                    } else {
                        let taps = row[first + tap..].iter().step_by(g.stride[1]);
                        for (out, &v) in interior.iter_mut().zip(taps) {
                            *out = max(*out, v);
                        }
                    }
                }
            }
            for (out, &(start, end)) in out_row.iter_mut().zip(&columns).skip(hi) {
                *out = row[start..end].iter().fold(f32::MIN, |m, &v| max(m, v));
            }
        }
    }
}

/// Whether every window lies inside the image (none clipped by an edge or by ceil mode).
fn is_whole(g: &PoolGeometry) -> bool {
    g.out_height > 0
        && g.out_width > 0
        && (g.out_height - 1) * g.stride[0] + g.window[0] <= g.height
        && (g.out_width - 1) * g.stride[1] + g.window[1] <= g.width
}

/// The 2x2 stride-2 pool with no clipped window (the face detector's four pools): one pass over
/// each pair of input rows, where the general loop above makes four (row max, even/odd split,
/// two taps): 0.09 against 0.19 ms for the detector's four pools at 320x256 (docs/PERFORMANCE.md).
/// The same folds in the same order as the general loop (rows first, from `f32::MIN`, then the
/// two columns), so the results are bit for bit the same.
fn max_pool_2x2(g: &PoolGeometry, input: &[f32], output: &mut [f32]) {
    let (in_plane, out_plane) = (g.height * g.width, g.out_height * g.out_width);
    let (w, ow) = (g.width, g.out_width);
    for (src, dst) in input.chunks_exact(in_plane).zip(output.chunks_exact_mut(out_plane)) {
        for (oy, out_row) in dst.chunks_exact_mut(ow).enumerate() {
            let top = &src[2 * oy * w..2 * oy * w + 2 * ow];
            let bottom = &src[(2 * oy + 1) * w..(2 * oy + 1) * w + 2 * ow];
            for ((out, t), b) in out_row.iter_mut().zip(top.chunks_exact(2)).zip(bottom.chunks_exact(2)) {
                let left = max(max(f32::MIN, t[0]), b[0]);
                let right = max(max(f32::MIN, t[1]), b[1]);
                *out = max(max(f32::MIN, left), right);
            }
        }
    }
}

/// tract's max: a select, not a branch (compiles to `maxps`, does not mispredict), that keeps
/// `acc` when `v` is NaN.
#[inline(always)]
fn max(acc: f32, v: f32) -> f32 {
    if acc < v { v } else { acc }
}

/// The mean of each of `output.len()` planes of `plane` values: the sum, then one division, as
/// tract computes it.
pub(crate) fn global_average_pool(input: &[f32], plane: usize, output: &mut [f32]) {
    let count = plane as f32;
    for (out, src) in output.iter_mut().zip(input.chunks_exact(plane)) {
        *out = src.iter().sum::<f32>() / count;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn pseudo_random(len: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s % 2001) as f32 / 100.0 - 10.0
            })
            .collect()
    }

    /// The textbook max pool, written from ONNX's definition independently of `PoolGeometry`:
    /// every output is the largest input inside its window, clipped to the picture (padding never
    /// wins), NaN inputs skipped as tract skips them. Returns the output shape and values.
    fn reference_max_pool(
        shape: [usize; 4],
        kernel: [usize; 2],
        stride: [usize; 2],
        pads: ([usize; 2], [usize; 2], bool),
        data: &[f32],
    ) -> (Vec<usize>, Vec<f32>) {
        let out_side = |axis: usize| {
            let span = shape[2 + axis] + pads.0[axis] + pads.1[axis] - kernel[axis];
            let mut n = if pads.2 { span.div_ceil(stride[axis]) } else { span / stride[axis] } + 1;
            // ONNX ceil mode: a last window that starts in the trailing padding is dropped.
            if pads.2 && (n - 1) * stride[axis] >= shape[2 + axis] + pads.0[axis] {
                n -= 1;
            }
            n
        };
        let (oh, ow) = (out_side(0), out_side(1));
        let (h, w) = (shape[2], shape[3]);
        let mut out = Vec::with_capacity(shape[1] * oh * ow);
        for c in 0..shape[1] {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut best = f32::MIN;
                    for ky in 0..kernel[0] {
                        for kx in 0..kernel[1] {
                            let y = (oy * stride[0] + ky) as isize - pads.0[0] as isize;
                            let x = (ox * stride[1] + kx) as isize - pads.0[1] as isize;
                            if y < 0 || x < 0 || y >= h as isize || x >= w as isize {
                                continue;
                            }
                            let v = data[(c * h + y as usize) * w + x as usize];
                            if v > best {
                                best = v;
                            }
                        }
                    }
                    out.push(best);
                }
            }
        }
        (vec![shape[0], shape[1], oh, ow], out)
    }

    #[test]
    fn matches_the_textbook_pool_bit_for_bit() {
        type Case = ([usize; 4], [usize; 2], [usize; 2], ([usize; 2], [usize; 2], bool));
        let cases: &[Case] = &[
            ([1, 64, 43, 53], [3, 3], [2, 2], ([0, 0], [0, 0], true)),
            ([1, 128, 21, 26], [3, 3], [2, 2], ([0, 0], [1, 0], false)),
            ([1, 256, 10, 13], [3, 3], [2, 2], ([0, 0], [0, 0], true)),
            ([1, 3, 9, 7], [2, 3], [1, 2], ([1, 2], [1, 2], false)),
            ([1, 2, 5, 6], [5, 5], [1, 1], ([2, 2], [2, 2], false)),
            ([1, 4, 12, 12], [3, 3], [2, 2], ([1, 1], [1, 1], false)),
            ([1, 1, 1, 1], [1, 1], [1, 1], ([0, 0], [0, 0], false)),
            // 2x2 stride 2 (the face detector's pools): even and odd sides, floor and ceil mode
            // (clipped last windows take the general loop), one output.
            ([1, 16, 128, 160], [2, 2], [2, 2], ([0, 0], [0, 0], false)),
            ([1, 3, 15, 21], [2, 2], [2, 2], ([0, 0], [0, 0], false)),
            ([1, 3, 15, 21], [2, 2], [2, 2], ([0, 0], [0, 0], true)),
            ([1, 2, 2, 2], [2, 2], [2, 2], ([0, 0], [0, 0], false)),
        ];
        for (i, &(shape, kernel, stride, pads)) in cases.iter().enumerate() {
            let mut data = pseudo_random(shape.iter().product(), i as u32);
            data[0] = f32::NAN;
            if let Some(v) = data.get_mut(1) {
                *v = f32::NEG_INFINITY;
            }
            let (want_shape, want) = reference_max_pool(shape, kernel, stride, pads, &data);
            let g = PoolGeometry::sliding(shape[1], [shape[2], shape[3]], kernel, stride, pads).unwrap();
            assert_eq!(want_shape, [1, g.channels, g.out_height, g.out_width], "case {i}");
            let mut got = vec![0f32; g.output_len()];
            max_pool(&g, &data, &mut got);
            let bits = |s: &[f32]| s.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&want), bits(&got), "case {i}");
        }
    }

    #[test]
    fn the_2x2_pool_keeps_the_general_loops_bits_for_signed_zeros_and_nans() {
        // Windows of equal zeros of both signs: which zero wins depends on the order of the
        // folds, which the 2x2 loop keeps.
        let pattern = [0.0, -0.0, f32::NAN, -0.0, 0.0, f32::NEG_INFINITY, -1.0, f32::NAN];
        let (h, w) = (6, 10);
        let data: Vec<f32> = (0..2 * h * w).map(|i| pattern[(i * 5 + i / 7) % pattern.len()]).collect();
        let g = PoolGeometry::sliding(2, [h, w], [2, 2], [2, 2], ([0, 0], [0, 0], false)).unwrap();
        let (mut fast, mut general) = (vec![1f32; g.output_len()], vec![2f32; g.output_len()]);
        max_pool(&g, &data, &mut fast);
        max_pool_any(&g, &data, &mut general);
        let bits = |s: &[f32]| s.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&fast), bits(&general));
        assert!(fast.iter().any(|v| v.to_bits() == (-0.0f32).to_bits()), "{fast:?}");
    }

    #[test]
    fn global_average_pool_is_the_plane_mean() {
        let input: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let mut out = [0f32; 3];
        global_average_pool(&input, 4, &mut out);
        assert_eq!(out, [1.5, 5.5, 9.5]);
    }
}
