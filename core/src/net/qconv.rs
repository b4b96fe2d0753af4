//! Quantised 2-D convolution of one uint8 image as int8 matrix products on `qkernel.rs`.
//!
//! Activations live as `[ceil(C / 4)][H * W][4]` uint8 ("quads" of four channels per position,
//! channels past `C` zero weights' partners), the operand layout of the dot-product instructions.
//! A 1x1 stride-1 convolution multiplies its input as is; other convolutions first gather, per
//! quad of input channels and kernel tap, the quads each output position reads (with the input's
//! zero point where the window leaves the image, which is what the float graph's zero padding of
//! the dequantised input is). The int32 sums of each tile are requantised (bias, scale, output
//! zero point and ReLU) in registers and written as quads where the kernel can
//! (`qkernel_quads.rs`), else while in L1 by one shared function; both do the same IEEE
//! operations, so every kernel writes the same bytes.

use std::ops::Range;

use super::geometry::{ConvGeometry, TapReach};
use super::qkernel::{MAX_TILE, QKernel, QWeights};
use super::split::{COPY_COST, Panels, ScratchLen, gather_rows, split_panels};
use super::uint8::QUAD;
use crate::workers::Team;

/// A quantised convolution ready to run: packed weights, folded biases, multipliers.
#[derive(Debug, Clone)]
pub(crate) struct QConv {
    pub geometry: ConvGeometry,
    kernel: QKernel,
    /// Quads per output: input quads x kernel taps.
    kq: usize,
    /// `ceil(m / mr)` panels of `kq x mr x 4` weights (zeros past `m` and past `C` in the quad),
    /// in the form the kernel reads.
    packed: QWeights,
    /// Per padded output channel: the bias in accumulator units minus `zero_in * sum(w)`.
    bias: Vec<i32>,
    /// Per padded output channel: `sum(w)` (the `sdot` kernel's compensation).
    wsum: Vec<i32>,
    /// Per padded output channel: `s_x * s_w` (the accumulator's scale).
    acc_scale: Vec<f32>,
    /// Per padded output channel: `s_x * s_w / s_y`.
    multiplier: Vec<f32>,
    zero_in: u8,
    /// Output zero point, and the ReLU flag (clamp at the zero point).
    pub zero_out: u8,
    pub relu: bool,
}

/// The real-valued parameters of one quantised convolution.
pub(crate) struct QConvParams<'a> {
    /// `[M, C, kh, kw]` int8 weights (zero point 0).
    pub weights: &'a [i8],
    /// `[M]` biases in accumulator units (`s_x * s_w[m]`).
    pub bias: &'a [i32],
    /// `[M]` `s_x * s_w[m]`.
    pub acc_scale: &'a [f32],
    pub zero_in: u8,
}

impl QConv {
    /// `None` when the sums could overflow int32 (a forged graph); groups must be 1.
    pub fn new(geometry: ConvGeometry, p: &QConvParams, kernel: QKernel) -> Option<Self> {
        let g = geometry;
        let (m, c, taps) = (g.out_channels, g.input[0], g.window[0] * g.window[1]);
        if g.groups != 1 || p.weights.len() != m * c * taps || p.bias.len() != m || p.acc_scale.len() != m {
            return None;
        }
        let quads = c.div_ceil(QUAD);
        let kq = quads * taps;
        // |sum| <= k * 255 * 128 must stay inside int32.
        if (kq * QUAD).checked_mul(255 * 128).is_none_or(|v| v > i32::MAX as usize / 2) {
            return None;
        }
        let (mr, panels) = (kernel.mr, m.div_ceil(kernel.mr));
        let mut packed = vec![0i8; panels * kq * mr * QUAD];
        let mut bias = vec![0i32; panels * mr];
        let mut wsum = vec![0i32; panels * mr];
        let mut acc_scale = vec![0f32; panels * mr];
        for o in 0..m {
            let (panel, lane) = (o / mr, o % mr);
            let mut sum = 0i64;
            for ch in 0..c {
                for t in 0..taps {
                    let w = p.weights[(o * c + ch) * taps + t];
                    // Quad index in the gathered rows: input quad, then tap (as `im2col_quads`).
                    let q = (ch / QUAD) * taps + t;
                    packed[((panel * kq + q) * mr + lane) * QUAD + ch % QUAD] = w;
                    sum += i64::from(w);
                }
            }
            let folded = i64::from(p.bias[o]) - i64::from(p.zero_in) * sum;
            bias[o] = i32::try_from(folded).ok()?;
            wsum[o] = sum as i32;
            acc_scale[o] = p.acc_scale[o];
        }
        Some(Self {
            geometry,
            kernel,
            kq,
            packed: kernel.weights(packed),
            bias,
            wsum,
            multiplier: acc_scale.clone(),
            acc_scale,
            zero_in: p.zero_in,
            zero_out: 0,
            relu: false,
        })
    }

    /// The output's scale and zero point (set when the lowering meets the output's
    /// QuantizeLinear, and again when a concat requantises the output into its own).
    pub fn set_output(&mut self, scale: f32, zero_out: u8) {
        for (m, &s) in self.multiplier.iter_mut().zip(&self.acc_scale) {
            *m = s / scale;
        }
        self.zero_out = zero_out;
    }

    fn is_pointwise(&self) -> bool {
        let g = &self.geometry;
        g.window == [1, 1] && g.stride == [1, 1] && g.pad_before == [0, 0]
    }

    /// Bytes of scratch [`QConv::run`] needs: gathered quads (unless pointwise), shared by the
    /// parts of a step, and one padded column tile for each part.
    pub fn scratch_len(&self) -> ScratchLen {
        let n = self.geometry.output[0] * self.geometry.output[1];
        let cols = if self.is_pointwise() { 0 } else { self.kq.saturating_mul(n * QUAD) };
        ScratchLen { shared: cols, per_part: self.kq * self.kernel.nr * QUAD }
    }

    /// The int8 kernel's name (for profiles).
    pub fn kernel_name(&self) -> &'static str {
        self.kernel.name()
    }

    pub fn macs(&self) -> usize {
        self.geometry.macs()
    }

    /// `input` in the quad layout of `C x H x W`, `output` of `M x OH x OW`, `scratch` at least
    /// [`QConv::scratch_len`] for `team`'s parts. The gathering is split by rows of quads and the
    /// products by runs of whole output quads and panels over `team`; each output byte is computed
    /// the same way whatever the split.
    pub fn run(&self, input: &[u8], output: &mut [u8], scratch: &mut [u8], team: Team) {
        let g = &self.geometry;
        let mr = self.kernel.mr;
        let n = g.output[0] * g.output[1];
        let m = g.out_channels;
        let row = n * QUAD;
        let len = self.scratch_len();
        let (cols, pads) = scratch.split_at_mut(len.shared);
        let b_all: &[u8] = if self.is_pointwise() {
            &input[..self.kq * row]
        } else {
            gather_rows(team, cols, self.kq, row, self.kq * row * COPY_COST / QUAD, |taps, cols| {
                im2col_quads(g, input, cols, self.zero_in, taps)
            });
            cols
        };
        // A part owns whole quads of output channels: the smallest run of panels that ends on a
        // quad (one panel, or two of an `mr` of 6).
        let unit = mr * QUAD / gcd(mr, QUAD);
        let units = m.div_ceil(unit);
        let parts = team.parts(units, g.macs());
        let mut pieces = split_panels(output, pads, len.per_part, parts, |i| {
            let (first, end) = ((units * i / parts) * unit, ((units * (i + 1) / parts) * unit).min(m));
            (first, end, (end.div_ceil(QUAD) - first / QUAD) * row)
        });
        team.for_each_mut(&mut pieces[..parts], |p| self.channels(b_all, p));
    }

    /// The output channels `part.first..part.end` (a multiple of the panel height and of a quad,
    /// then whole panels) from the gathered quads `b_all`.
    fn channels(&self, b_all: &[u8], part: &mut Panels<'_, u8>) {
        let g = &self.geometry;
        let (mr, nr) = (self.kernel.mr, self.kernel.nr);
        let n = g.output[0] * g.output[1];
        let row = n * QUAD;
        let (output, padded) = (&mut *part.out, &mut *part.padded);
        let mut acc = [0i32; MAX_TILE];
        let mut bytes = [0u8; MAX_TILE];
        let lo = if self.relu { i32::from(self.zero_out) } else { 0 };
        let zero = i32::from(self.zero_out);
        // Whole tiles go from registers to quads (`qkernel_quads.rs`); edges take the rows.
        let fused = self.kernel.writes_quads();
        let mut j0 = 0;
        while j0 < n {
            let width = nr.min(n - j0);
            let (b, ldb): (&[u8], usize) = if width == nr {
                (&b_all[j0 * QUAD..], row)
            } else {
                for (p, dst) in padded.chunks_exact_mut(nr * QUAD).enumerate() {
                    let src = &b_all[p * row + j0 * QUAD..p * row + (j0 + width) * QUAD];
                    dst[..width * QUAD].copy_from_slice(src);
                    dst[width * QUAD..].fill(0);
                }
                (&padded[..], nr * QUAD)
            };
            // Whole panels in one call when the kernel writes quads; the rest (a last panel
            // past `m`, or every panel otherwise) row by row below.
            let whole = if fused { (part.end - part.first) / mr } else { 0 };
            if whole > 0 {
                let (r0, panel_len) = (part.first, self.kq * mr * QUAD);
                let dst = &mut output[j0 * QUAD..];
                if width == nr {
                    let a = self.packed.panel(r0 / mr * panel_len, whole * panel_len);
                    let requant = (&self.bias[r0..], &self.multiplier[r0..], zero, lo);
                    let shape = (whole, self.kq);
                    self.kernel.tile_quads(shape, a, b, ldb, &self.wsum[r0..], requant, dst, row);
                } else {
                    // The last, narrower tile: a panel's quads at a time into `bytes` (`mr * nr`
                    // bytes), then its positions.
                    for p in 0..whole {
                        let r = r0 + p * mr;
                        let a = self.packed.panel(r / mr * panel_len, panel_len);
                        let requant = (&self.bias[r..], &self.multiplier[r..], zero, lo);
                        let tile = &mut bytes[..mr * nr];
                        self.kernel.tile_quads(
                            (1, self.kq),
                            a,
                            b,
                            ldb,
                            &self.wsum[r..],
                            requant,
                            tile,
                            nr * QUAD,
                        );
                        for (q, quad) in tile.chunks_exact(nr * QUAD).enumerate() {
                            let at = (p * mr / QUAD + q) * row;
                            dst[at..][..width * QUAD].copy_from_slice(&quad[..width * QUAD]);
                        }
                    }
                }
            }
            for r0 in (part.first + whole * mr..part.end).step_by(mr) {
                let panel = r0 / mr;
                let a = self.packed.panel(panel * self.kq * mr * QUAD, self.kq * mr * QUAD);
                let rows = mr.min(part.end - r0);
                self.kernel.tile(self.kq, a, b, ldb, &mut acc, &self.wsum[r0..r0 + mr]);
                // Requantised row by row (contiguous: vector code), then interleaved into quads.
                for r in 0..rows {
                    let (bias, mult) = (self.bias[r0 + r], self.multiplier[r0 + r]);
                    let (src, dst) = (&acc[r * nr..r * nr + width], &mut bytes[r * nr..r * nr + width]);
                    self.kernel.requantize_row(src, dst, bias, mult, zero, lo);
                }
                let mut r = 0;
                while r < rows {
                    let o = r0 + r;
                    let dst = &mut output[((o - part.first) / QUAD) * row + j0 * QUAD..][..width * QUAD];
                    if o % QUAD == 0 && r + QUAD <= rows {
                        interleave_quads(&bytes[r * nr..], nr, dst);
                        r += QUAD;
                    } else {
                        for (px, &v) in dst.chunks_exact_mut(QUAD).zip(&bytes[r * nr..r * nr + width]) {
                            px[o % QUAD] = v;
                        }
                        r += 1;
                    }
                }
            }
            j0 += width;
        }
    }
}

/// Four requantised rows (`rows[k * stride..]`, `dst.len() / QUAD` values each) interleaved into
/// quads, one output pixel's four channels side by side. Written as whole 32-bit words over
/// iterators so that the compiler turns it into byte shuffles: the byte-by-byte loop it replaces
/// took 15 % of a whole picture's time (`perf` over `glasses classify`).
fn interleave_quads(rows: &[u8], stride: usize, dst: &mut [u8]) {
    let width = dst.len() / QUAD;
    let row = |k: usize| &rows[k * stride..k * stride + width];
    let (t0, t1, t2, t3) = (row(0), row(1), row(2), row(3));
    for (px, (((&a, &b), &c), &d)) in dst.chunks_exact_mut(QUAD).zip(t0.iter().zip(t1).zip(t2).zip(t3)) {
        px.copy_from_slice(&u32::from_le_bytes([a, b, c, d]).to_le_bytes());
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Gathers, for the rows `rows` of every input quad and tap (in that order), the quad each
/// output position reads, `zero` outside the image: rows of `OH * OW * 4` bytes.
fn im2col_quads(g: &ConvGeometry, input: &[u8], cols: &mut [u8], zero: u8, rows: Range<usize>) {
    let [_, h, w] = g.input;
    let [oh, ow] = g.output;
    let plane = h * w;
    let taps = g.window[0] * g.window[1];
    for (p, dst) in rows.zip(cols.chunks_exact_mut(oh * ow * QUAD)) {
        let (quad, ky, kx) = (p / taps, p % taps / g.window[1], p % g.window[1]);
        let src = &input[quad * plane * QUAD..(quad + 1) * plane * QUAD];
        let TapReach { dy, dx, columns: Range { start: first, end: last } } = g.tap_reach(ky, kx);
        for (oy, out) in dst.chunks_exact_mut(ow * QUAD).enumerate() {
            let Some(iy) = g.input_row(oy, dy).filter(|_| first < last) else {
                out.fill(zero);
                continue;
            };
            let line = &src[iy * w * QUAD..(iy + 1) * w * QUAD];
            out[..first * QUAD].fill(zero);
            out[last * QUAD..].fill(zero);
            let x0 = ((first * g.stride[1]) as isize + dx) as usize;
            if g.stride[1] == 1 {
                out[first * QUAD..last * QUAD].copy_from_slice(&line[x0 * QUAD..(x0 + last - first) * QUAD]);
            } else {
                let taps = line[x0 * QUAD..].chunks(QUAD * g.stride[1]);
                for (o, tap) in out[first * QUAD..last * QUAD].chunks_exact_mut(QUAD).zip(taps) {
                    o.copy_from_slice(&tap[..QUAD]);
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "qconv_tests.rs"]
mod tests;
