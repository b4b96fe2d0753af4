//! The int8 steps of a lowered QDQ graph: quantise the input, convolve, max-pool, and
//! dequantise with the global average pool at the head. Their uint8 buffers are the quad layout
//! of `qconv.rs`; the float steps never read them.

use super::pool::PoolGeometry;
use super::qconv::QConv;
use super::split::COPY_COST;
use super::uint8::QUAD;
use super::{Scratch, Slot, read};
use crate::workers::{MAX_PARTS, Team};

/// `channels` uint8 planes of `plane` values in quads, standing for `(q - zero) * scale`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QPlanes {
    pub scale: f32,
    pub zero: u8,
    pub channels: usize,
    pub plane: usize,
}

/// One int8 operation. `Slot`s index the uint8 buffers, except the float input of `Quantize`
/// and the float output of `AveragePool`.
#[derive(Debug)]
pub(crate) enum QStep {
    /// `[C, H * W]` floats to uint8 quads: `clamp(round(x / scale) + zero, 0, 255)`.
    Quantize {
        planes: QPlanes,
        input: Slot,
        output: Slot,
    },
    Conv {
        conv: Box<QConv>,
        input: Slot,
        output: Slot,
    },
    /// Max pool on quads (dequantisation is monotonic, so the pool commutes with it).
    MaxPool {
        geometry: PoolGeometry,
        input: Slot,
        output: Slot,
    },
    /// `(mean(q) - zero) * scale` per channel, into floats.
    AveragePool {
        planes: QPlanes,
        input: Slot,
        output: Slot,
    },
    /// Copies quads into a concat's buffer (an input the lowering could not write there directly).
    Copy {
        input: Slot,
        output: Slot,
    },
}

impl QStep {
    pub fn describe(&self) -> String {
        match self {
            QStep::Quantize { planes: QPlanes { channels, plane, .. }, .. } => {
                format!("quantize {channels} x {plane}")
            }
            QStep::Conv { conv, .. } => {
                let g = &conv.geometry;
                format!(
                    "int8 conv {g}{}: {:.2} M MACs ({})",
                    if conv.relu { " +relu" } else { "" },
                    g.macs() as f64 / 1e6,
                    conv.kernel_name()
                )
            }
            QStep::MaxPool { geometry: g, .. } => format!(
                "int8 max pool {}x{}/{} {}x{}x{} -> {}x{}",
                g.window[0],
                g.window[1],
                g.stride[0],
                g.channels,
                g.height,
                g.width,
                g.out_height,
                g.out_width
            ),
            QStep::AveragePool { planes: QPlanes { channels, plane, .. }, .. } => {
                format!("dequantize + global average pool {channels} x {plane}")
            }
            QStep::Copy { output, .. } => format!("copy into int8 concat {}", output.len),
        }
    }

    pub fn run(&self, input: &[f32], scratch: &mut Scratch, team: Team) {
        match self {
            QStep::Quantize { planes, input: i, output } => {
                let src = read(&scratch.buffers, input, *i);
                let dst = &mut scratch.qbuffers[output.buf][output.offset..output.offset + output.len];
                super::quantize::quantize(src, *planes, dst);
            }
            QStep::AveragePool { planes, input: i, output } => {
                let src = &scratch.qbuffers[i.buf][i.offset..i.offset + i.len];
                let dst = &mut scratch.buffers[output.buf][output.offset..output.offset + output.len];
                average(src, *planes, dst);
            }
            QStep::Conv { input: i, output, .. }
            | QStep::MaxPool { input: i, output, .. }
            | QStep::Copy { input: i, output } => {
                // The lowering never lets a step read the buffer it writes.
                let mut out_buf = std::mem::take(&mut scratch.qbuffers[output.buf]);
                let out = &mut out_buf[output.offset..output.offset + output.len];
                let src = &scratch.qbuffers[i.buf][i.offset..i.offset + i.len];
                match self {
                    QStep::Conv { conv, .. } => conv.run(src, out, &mut scratch.qcols, team),
                    QStep::MaxPool { geometry, .. } => {
                        max_pool_on(team, geometry, src, out, &mut scratch.qcols)
                    }
                    _ => out.copy_from_slice(src),
                }
                scratch.qbuffers[output.buf] = out_buf;
            }
        }
    }
}

/// [`max_pool`] with the quads of channels split over `team`; `scratch` holds a row's scratch
/// for each part.
pub(super) fn max_pool_on(team: Team, g: &PoolGeometry, src: &[u8], dst: &mut [u8], scratch: &mut [u8]) {
    let (in_plane, out_plane) = (g.height * g.width, g.out_height * g.out_width);
    let quads = g.channels.div_ceil(QUAD);
    let parts = team.parts(quads, quads.saturating_mul(in_plane) * COPY_COST);
    let row = scratch.len() / team.max_parts();
    let mut pieces: [QuadPool; MAX_PARTS] = Default::default();
    let (mut rest, mut rows) = (dst, scratch);
    for (i, piece) in pieces.iter_mut().enumerate().take(parts) {
        let part = quads * i / parts..quads * (i + 1) / parts;
        let (out, tail) = std::mem::take(&mut rest).split_at_mut(part.len() * out_plane * QUAD);
        let (scratch, rows_tail) = std::mem::take(&mut rows).split_at_mut(row);
        (rest, rows) = (tail, rows_tail);
        let input = &src[part.start * in_plane * QUAD..part.end * in_plane * QUAD];
        *piece =
            QuadPool { geometry: PoolGeometry { channels: part.len() * QUAD, ..*g }, input, out, scratch };
    }
    team.for_each_mut(&mut pieces[..parts], |p| max_pool(&p.geometry, p.input, p.out, p.scratch));
}

/// The quads of channels one part of a split max pool reads and writes.
#[derive(Default)]
struct QuadPool<'a> {
    geometry: PoolGeometry,
    input: &'a [u8],
    out: &'a mut [u8],
    scratch: &'a mut [u8],
}

fn average(src: &[u8], QPlanes { scale, zero, channels, plane }: QPlanes, dst: &mut [f32]) {
    for (c, out) in dst.iter_mut().enumerate().take(channels) {
        let quad = &src[(c / QUAD) * plane * QUAD..(c / QUAD + 1) * plane * QUAD];
        let sum: u64 = quad[c % QUAD..].iter().step_by(QUAD).map(|&q| u64::from(q)).sum();
        *out = ((sum as f64 / plane as f64 - f64::from(zero)) * f64::from(scale)) as f32;
    }
}

/// Max pool over quads, one output row at a time: the byte-wise max of the window's input rows
/// (contiguous, so it compiles to vector maxima), then of each window's columns of that row. With
/// stride 2 the row is first split into its even and odd quads, so that every tap of the whole
/// (unclipped) windows is one contiguous run of bytes too. `scratch` holds `3 * width * 4` bytes.
pub(super) fn max_pool(g: &PoolGeometry, src: &[u8], dst: &mut [u8], scratch: &mut [u8]) {
    let (in_plane, out_plane) = (g.height * g.width, g.out_height * g.out_width);
    let line = g.width * QUAD;
    let (row, halves) = scratch.split_at_mut(line);
    let half = g.width.div_ceil(2) * QUAD;
    let (even, odd) = halves.split_at_mut(half);
    let (even, odd) = (&mut even[..half], &mut odd[..half]);
    let columns = |ox: usize| g.window_range(1, ox);
    let whole = |ox: usize| columns(ox).len() == g.window[1];
    let lo = (0..g.out_width).find(|&ox| whole(ox)).unwrap_or(g.out_width);
    let hi = lo + (lo..g.out_width).take_while(|&ox| whole(ox)).count();
    for (s, d) in src.chunks_exact(in_plane * QUAD).zip(dst.chunks_exact_mut(out_plane * QUAD)) {
        for (oy, out) in d.chunks_exact_mut(g.out_width * QUAD).enumerate() {
            row.fill(0);
            for y in g.window_range(0, oy) {
                for (m, &v) in row.iter_mut().zip(&s[y * line..(y + 1) * line]) {
                    *m = (*m).max(v);
                }
            }
            let clipped = (0..lo).chain(hi..g.out_width);
            for ox in clipped {
                let cols = columns(ox);
                let mut best = [0u8; QUAD];
                for q in row[cols.start * QUAD..cols.end * QUAD].chunks_exact(QUAD) {
                    for (b, &v) in best.iter_mut().zip(q) {
                        *b = (*b).max(v);
                    }
                }
                out[ox * QUAD..(ox + 1) * QUAD].copy_from_slice(&best);
            }
            if lo >= hi {
                continue;
            }
            let first = columns(lo).start;
            let interior = &mut out[lo * QUAD..hi * QUAD];
            interior.fill(0);
            if g.stride[1] == 2 {
                for (i, pair) in row.chunks_exact(2 * QUAD).enumerate() {
                    even[i * QUAD..(i + 1) * QUAD].copy_from_slice(&pair[..QUAD]);
                    odd[i * QUAD..(i + 1) * QUAD].copy_from_slice(&pair[QUAD..]);
                }
                if g.width % 2 == 1 {
                    let last = g.width / 2;
                    even[last * QUAD..(last + 1) * QUAD].copy_from_slice(&row[(g.width - 1) * QUAD..]);
                }
                for tap in 0..g.window[1] {
                    let start = first + tap;
                    let half_row = if start % 2 == 0 { &*even } else { &*odd };
                    for (m, &v) in interior.iter_mut().zip(&half_row[start / 2 * QUAD..]) {
                        *m = (*m).max(v);
                    }
                }
            } else {
                for (i, px) in interior.chunks_exact_mut(QUAD).enumerate() {
                    let at = first + i * g.stride[1];
                    for q in row[at * QUAD..(at + g.window[1]) * QUAD].chunks_exact(QUAD) {
                        for (b, &v) in px.iter_mut().zip(q) {
                            *b = (*b).max(v);
                        }
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
    fn the_quad_max_pool_is_the_float_max_pool_of_the_same_values() {
        // SqueezeNet's ceil-mode 3x3/2 pools (clipped last windows) and a padded 2x2/1 one.
        let sliding = |channels, input, window, stride, pads| {
            PoolGeometry::sliding(channels, input, window, stride, pads).unwrap()
        };
        let cases = [
            sliding(6, [9, 11], [3, 3], [2, 2], ([0, 0], [0, 0], true)),
            sliding(5, [8, 8], [3, 3], [2, 2], ([0, 0], [0, 0], true)),
            sliding(3, [5, 4], [2, 2], [1, 1], ([1, 1], [1, 1], false)),
        ];
        for g in cases {
            let plane = g.height * g.width;
            let values: Vec<u8> = (0..g.channels * plane).map(|i| (i * 7919 % 251) as u8).collect();
            let mut quads = vec![0u8; super::super::uint8::quad_len(g.channels, plane)];
            for (i, &v) in values.iter().enumerate() {
                let (c, p) = (i / plane, i % plane);
                quads[(c / QUAD) * plane * QUAD + p * QUAD + c % QUAD] = v;
            }
            let floats: Vec<f32> = values.iter().map(|&v| f32::from(v)).collect();
            let mut want = vec![0f32; g.output_len()];
            super::super::pool::max_pool(&g, &floats, &mut want);
            let out_plane = g.out_height * g.out_width;
            let mut out = vec![0u8; super::super::uint8::quad_len(g.channels, out_plane)];
            max_pool(&g, &quads, &mut out, &mut vec![0; 3 * g.width * QUAD]);
            for (i, &w) in want.iter().enumerate() {
                let (c, p) = (i / out_plane, i % out_plane);
                assert_eq!(
                    f32::from(out[(c / QUAD) * out_plane * QUAD + p * QUAD + c % QUAD]),
                    w,
                    "{g:?} [{i}]"
                );
            }
        }
    }
}
