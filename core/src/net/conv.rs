//! 2-D convolution of one NCHW image as matrix products on the micro-kernels.
//!
//! Per group, the output `[M, OH*OW]` is `W [M, K] x cols [K, OH*OW]` with `K = C * kh * kw`.
//! A 1x1 convolution with stride 1 and no padding needs no `cols`: the input planes are already
//! its rows. Every other convolution first gathers `cols` ("im2col", row by row: with stride 1
//! each row is a few contiguous copies). The kernel reads `nr` columns of every row per tile, so
//! neither operand is repacked per call; the weights are packed into `mr`-row panels at load.

use std::ops::Range;

use super::geometry::{ConvGeometry, TapReach};
use super::kernel::Kernel;
use super::split::{COPY_COST, Panels, ScratchLen, gather_rows, split_panels};
use crate::workers::Team;

/// A convolution ready to run: geometry, packed weights, bias.
#[derive(Debug, Clone)]
pub(crate) struct Conv {
    pub geometry: ConvGeometry,
    kernel: Kernel,
    /// Per group, `ceil(m / mr)` panels of `k x mr` weights (zero rows past `m`).
    packed: Vec<f32>,
    /// Per group, `ceil(m / mr) * mr` biases (zeros past `m`).
    bias: Vec<f32>,
}

impl Conv {
    /// `weights` is `[M, C / groups, kh, kw]` (ONNX's OIHW), `bias` is `[M]`.
    pub fn new(geometry: ConvGeometry, weights: &[f32], bias: &[f32], kernel: Kernel) -> Self {
        let g = geometry;
        let (m, k) = (g.out_channels / g.groups, g.input[0] / g.groups * g.window[0] * g.window[1]);
        let panels = m.div_ceil(kernel.mr);
        let mut packed = vec![0f32; g.groups * panels * k * kernel.mr];
        let mut padded_bias = vec![0f32; g.groups * panels * kernel.mr];
        for group in 0..g.groups {
            for row in 0..m {
                let channel = group * m + row;
                let (panel, lane) = (row / kernel.mr, row % kernel.mr);
                let dst = (group * panels + panel) * k * kernel.mr;
                for (p, &w) in weights[channel * k..(channel + 1) * k].iter().enumerate() {
                    packed[dst + p * kernel.mr + lane] = w;
                }
                padded_bias[group * panels * kernel.mr + row] = bias[channel];
            }
        }
        Self { geometry, kernel, packed, bias: padded_bias }
    }

    /// Floats of scratch [`Conv::run`] needs: `cols` (unless pointwise), shared by the parts of
    /// a step, and one padded tile of B for each part.
    pub fn scratch_len(&self) -> ScratchLen {
        let g = &self.geometry;
        let k = g.input[0] / g.groups * g.window[0] * g.window[1];
        let cols = if g.is_pointwise() { 0 } else { k.saturating_mul(g.block_rows() * g.output[1]) };
        ScratchLen { shared: cols, per_part: k * self.kernel.max_width() }
    }

    /// `output = act(conv(input) + bias)`; `input` is `C*H*W`, `output` is `M*OH*OW`, `scratch`
    /// at least [`Conv::scratch_len`] for `team`'s parts. With one group, the gathering of
    /// `cols` is split by its rows and the products by panels of output channels over `team`;
    /// each output value is computed the same way whatever the split.
    pub fn run(&self, input: &[f32], output: &mut [f32], relu: bool, scratch: &mut [f32], team: Team) {
        let g = &self.geometry;
        let mr = self.kernel.mr;
        let c_per_group = g.input[0] / g.groups;
        let plane = g.input[1] * g.input[2];
        let (m, k) = (g.out_channels / g.groups, c_per_group * g.window[0] * g.window[1]);
        let n = g.output[0] * g.output[1];
        let panels = m.div_ceil(mr);
        let [oh, ow] = g.output;
        let block_rows = g.block_rows();
        let len = self.scratch_len();
        let (cols, padded) = scratch.split_at_mut(len.shared);
        let work = if g.groups == 1 { g.macs() / oh.div_ceil(block_rows.max(1)) } else { 0 };
        let parts = team.parts(panels, work);
        for group in 0..g.groups {
            let input = &input[group * c_per_group * plane..(group + 1) * c_per_group * plane];
            let output = &mut output[group * m * n..(group + 1) * m * n];
            let weights = &self.packed[group * panels * k * mr..(group + 1) * panels * k * mr];
            let bias = &self.bias[group * panels * mr..(group + 1) * panels * mr];
            for oy0 in (0..oh).step_by(block_rows.max(1)) {
                let oy1 = (oy0 + block_rows).min(oh);
                let (col0, nb) = (oy0 * ow, (oy1 - oy0) * ow);
                // B: `k` rows of `nb` values, `ldb_all` apart. A 1x1 convolution reads its input
                // as is.
                let (b_all, ldb_all): (&[f32], usize) = if g.is_pointwise() {
                    (input, n)
                } else {
                    let cols = &mut cols[..k * nb];
                    gather_rows(team, cols, k, nb, k * nb * COPY_COST, |taps, cols| {
                        im2col(g, input, cols, oy0, oy1, taps)
                    });
                    (&cols[..k * nb], nb)
                };
                // Parts own whole panels: disjoint rows of the output.
                let mut pieces = split_panels(&mut *output, &mut *padded, len.per_part, parts, |i| {
                    let (p0, p1) = (panels * i / parts, panels * (i + 1) / parts);
                    (p0, p1, ((p1 * mr).min(m) - p0 * mr) * n)
                });
                team.for_each_mut(&mut pieces[..parts], |p| {
                    self.block(
                        b_all,
                        ldb_all,
                        nb,
                        &weights[p.first * k * mr..],
                        &bias[p.first * mr..],
                        p,
                        col0,
                        relu,
                    )
                });
            }
        }
    }

    /// The output columns `col0..col0 + nb` of the panels `part` owns, from `b_all` (`k` rows,
    /// `ldb_all` apart); `weights` and `bias` start at the part's first panel.
    #[allow(clippy::too_many_arguments)]
    fn block(
        &self,
        b_all: &[f32],
        ldb_all: usize,
        nb: usize,
        weights: &[f32],
        bias: &[f32],
        part: &mut Panels<'_, f32>,
        col0: usize,
        relu: bool,
    ) {
        let g = &self.geometry;
        let mr = self.kernel.mr;
        let k = g.input[0] / g.groups * g.window[0] * g.window[1];
        let n = g.output[0] * g.output[1];
        let m = part.out.len() / n.max(1);
        let panels = part.end - part.first;
        let (output, padded) = (&mut *part.out, &mut *part.padded);
        let mut tile = [0f32; 8 * 48];
        // Rows a multiple of 1 KiB apart fall into a few cache sets (an input 32 pixels wide
        // makes every row of B a multiple of 4 KiB long): the kernel's `k` row reads then evict
        // each other, so such tiles are copied together first (same values, same sums).
        let pack_every_tile = ldb_all.is_multiple_of(256);
        let mut j0 = 0;
        while j0 < nb {
            let nr = self.kernel.width_for(nb - j0);
            let width = nr.min(nb - j0);
            let (b, ldb): (&[f32], usize) = if width == nr && !pack_every_tile {
                (&b_all[j0..], ldb_all)
            } else {
                // The last, narrow column tile (or any tile, above): a copy padded to `nr`
                // columns.
                for (p, dst) in padded.chunks_exact_mut(nr).take(k).enumerate() {
                    dst[..width].copy_from_slice(&b_all[p * ldb_all + j0..p * ldb_all + j0 + width]);
                    dst[width..].fill(0.0);
                }
                (&padded[..k * nr], nr)
            };
            for panel in 0..panels {
                let (r0, rows) = (panel * mr, mr.min(m - panel * mr));
                let a = &weights[panel * k * mr..(panel + 1) * k * mr];
                let bias = &bias[r0..r0 + mr];
                let at = col0 + j0;
                if rows == mr && width == nr {
                    self.kernel.tile(nr, k, a, b, ldb, &mut output[r0 * n + at..], n, bias, relu);
                } else {
                    self.kernel.tile(nr, k, a, b, ldb, &mut tile, nr, bias, relu);
                    for r in 0..rows {
                        let dst = (r0 + r) * n + at;
                        output[dst..dst + width].copy_from_slice(&tile[r * nr..r * nr + width]);
                    }
                }
            }
            j0 += width;
        }
    }
}

/// Gathers the taps `taps` (of `k`, channel by channel) of the output rows `oy0..oy1`: row `p`
/// of `cols` (rows of `(oy1 - oy0) * OW`) holds the input value tap `taps.start + p` reads for
/// each of those output positions, zero where the window leaves the image. With stride 1 each
/// output row of a tap is one contiguous run of an input row.
fn im2col(g: &ConvGeometry, input: &[f32], cols: &mut [f32], oy0: usize, oy1: usize, taps: Range<usize>) {
    let [h, w] = [g.input[1], g.input[2]];
    let ow = g.output[1];
    let taps_per_channel = g.window[0] * g.window[1];
    for (tap, dst) in taps.zip(cols.chunks_exact_mut((oy1 - oy0) * ow)) {
        let (ch, ky, kx) = (tap / taps_per_channel, tap % taps_per_channel / g.window[1], tap % g.window[1]);
        let plane = &input[ch * h * w..(ch + 1) * h * w];
        let TapReach { dy, dx, columns: Range { start: first, end: last } } = g.tap_reach(ky, kx);
        for (oy, out) in (oy0..oy1).zip(dst.chunks_exact_mut(ow)) {
            let Some(iy) = g.input_row(oy, dy).filter(|_| first < last) else {
                out.fill(0.0);
                continue;
            };
            let row = &plane[iy * w..(iy + 1) * w];
            out[..first].fill(0.0);
            out[last..].fill(0.0);
            let x0 = (first * g.stride[1]) as isize + dx;
            if g.stride[1] == 1 {
                out[first..last].copy_from_slice(&row[x0 as usize..x0 as usize + (last - first)]);
            } else {
                gather_strided(&mut out[first..last], &row[x0 as usize..], g.stride[1]);
            }
        }
    }
}

/// `out[i] = src[i * stride]`.
fn gather_strided(out: &mut [f32], src: &[f32], stride: usize) {
    if stride == 2 && !out.is_empty() {
        // Pairs, not `step_by`: the compiler turns a stride-2 walk over pairs into vector
        // shuffles. The last value may have no partner in `src`, so it is copied on its own.
        let last = out.len() - 1;
        for (o, pair) in out[..last].iter_mut().zip(src.chunks_exact(2)) {
            *o = pair[0];
        }
        out[last] = src[2 * last];
    } else {
        for (o, &v) in out.iter_mut().zip(src.iter().step_by(stride)) {
            *o = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook loop nest, in f64.
    fn reference(g: &ConvGeometry, input: &[f32], weights: &[f32], bias: &[f32], relu: bool) -> Vec<f32> {
        let [c, h, w] = g.input;
        let cg = c / g.groups;
        let m = g.out_channels / g.groups;
        let [oh, ow] = g.output;
        let mut out = vec![0f32; g.output_len()];
        for o in 0..g.out_channels {
            let group = o / m;
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut s = bias[o] as f64;
                    for ci in 0..cg {
                        for ky in 0..g.window[0] {
                            for kx in 0..g.window[1] {
                                let iy = (oy * g.stride[0] + ky * g.dilation[0]) as isize
                                    - g.pad_before[0] as isize;
                                let ix = (ox * g.stride[1] + kx * g.dilation[1]) as isize
                                    - g.pad_before[1] as isize;
                                if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                                    continue;
                                }
                                let x = input[((group * cg + ci) * h + iy as usize) * w + ix as usize];
                                let wt = weights[((o * cg + ci) * g.window[0] + ky) * g.window[1] + kx];
                                s += x as f64 * wt as f64;
                            }
                        }
                    }
                    let s = s as f32;
                    out[(o * oh + oy) * ow + ox] = if relu { s.max(0.0) } else { s };
                }
            }
        }
        out
    }

    fn values(len: usize, seed: usize) -> Vec<f32> {
        (0..len).map(|i| (((i + seed) * 7919 % 1009) as f32 - 504.0) / 300.0).collect()
    }

    #[test]
    fn every_kernel_matches_the_textbook_convolution() {
        let pointwise = ConvGeometry::pointwise;
        let cases = [
            // 1x1 (direct path), narrow last tile, rows not a multiple of any mr.
            pointwise([5, 7, 9], 13),
            // SqueezeNet's first layer: 3x3 stride 2, no padding.
            pointwise([3, 21, 17], 16).windowed([3, 3], [2, 2], [0, 0]),
            // Fire expand: 3x3, padding 1.
            pointwise([16, 6, 5], 9).windowed([3, 3], [1, 1], [1, 1]),
            // Asymmetric stride, padding and dilation; 1x1 with stride (im2col path); groups.
            ConvGeometry { dilation: [2, 1], groups: 2, ..pointwise([4, 11, 10], 6) }.windowed(
                [3, 2],
                [2, 3],
                [2, 0],
            ),
            pointwise([8, 9, 9], 8).windowed([1, 1], [2, 2], [0, 0]),
            // A stem too large to gather at once: `cols` in blocks of 24 output rows (the last
            // one shorter).
            pointwise([3, 200, 199], 16).windowed([3, 3], [2, 2], [1, 1]),
            // Rows of B 1 KiB apart: every tile is packed first.
            pointwise([5, 16, 32], 11),
            ConvGeometry { groups: 6, ..pointwise([6, 5, 5], 6) }.windowed([3, 3], [1, 1], [1, 1]),
        ];
        for kernel in Kernel::available() {
            for (i, g) in cases.iter().enumerate() {
                let input = values(g.input.iter().product(), i);
                let weights =
                    values(g.out_channels * g.input[0] / g.groups * g.window[0] * g.window[1], 3 + i);
                let bias = values(g.out_channels, 11 + i);
                let conv = Conv::new(*g, &weights, &bias, kernel);
                let mut scratch = vec![f32::NAN; conv.scratch_len().total(1)];
                for relu in [false, true] {
                    let mut out = vec![f32::NAN; g.output_len()];
                    conv.run(&input, &mut out, relu, &mut scratch, Team::ALONE);
                    let want = reference(g, &input, &weights, &bias, relu);
                    for (j, (a, b)) in out.iter().zip(&want).enumerate() {
                        assert!(
                            (a - b).abs() <= 1e-4 * (1.0 + b.abs()),
                            "{} case {i} relu {relu} [{j}]: {a} vs {b}",
                            kernel.name()
                        );
                    }
                }
            }
        }
    }
}
