//! The int8 steps of a lowered QDQ graph: quantise the input, convolve, max-pool, and
//! dequantise with the global average pool at the head. Their uint8 buffers are the quad layout
//! of `qconv.rs`; the float steps never read them.

use super::pool::PoolGeometry;
use super::qconv::{QConv, QUAD, round_to_u8};
use super::{Scratch, Slot, read};

/// One int8 operation. `Slot`s index the uint8 buffers, except the float input of `Quantize`
/// and the float output of `AveragePool`.
#[derive(Debug)]
pub(crate) enum QStep {
    /// `[C, H * W]` floats to uint8 quads: `clamp(round(x / scale) + zero, 0, 255)`.
    Quantize {
        scale: f32,
        zero: u8,
        channels: usize,
        plane: usize,
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
        scale: f32,
        zero: u8,
        channels: usize,
        plane: usize,
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
            QStep::Quantize { channels, plane, .. } => format!("quantize {channels} x {plane}"),
            QStep::Conv { conv, .. } => {
                let g = &conv.geometry;
                format!(
                    "int8 conv {}x{}/{} {}->{} out {}x{}{}: {:.2} M MACs ({})",
                    g.window[0],
                    g.window[1],
                    g.stride[0],
                    g.input[0],
                    g.out_channels,
                    g.output[0],
                    g.output[1],
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
            QStep::AveragePool { channels, plane, .. } => {
                format!("dequantize + global average pool {channels} x {plane}")
            }
            QStep::Copy { output, .. } => format!("copy into int8 concat {}", output.len),
        }
    }

    pub fn run(&self, input: &[f32], scratch: &mut Scratch) {
        match self {
            QStep::Quantize { scale, zero, channels, plane, input: i, output } => {
                let src = read(&scratch.buffers, input, *i);
                let dst = &mut scratch.qbuffers[output.buf][output.offset..output.offset + output.len];
                quantize(src, *scale, *zero, *channels, *plane, dst);
            }
            QStep::AveragePool { scale, zero, channels, plane, input: i, output } => {
                let src = &scratch.qbuffers[i.buf][i.offset..i.offset + i.len];
                let dst = &mut scratch.buffers[output.buf][output.offset..output.offset + output.len];
                average(src, *scale, *zero, *channels, *plane, dst);
            }
            QStep::Conv { input: i, output, .. }
            | QStep::MaxPool { input: i, output, .. }
            | QStep::Copy { input: i, output } => {
                // The lowering never lets a step read the buffer it writes.
                let mut out_buf = std::mem::take(&mut scratch.qbuffers[output.buf]);
                let out = &mut out_buf[output.offset..output.offset + output.len];
                let src = &scratch.qbuffers[i.buf][i.offset..i.offset + i.len];
                match self {
                    QStep::Conv { conv, .. } => conv.run(src, out, &mut scratch.qcols),
                    QStep::MaxPool { geometry, .. } => max_pool(geometry, src, out),
                    _ => out.copy_from_slice(src),
                }
                scratch.qbuffers[output.buf] = out_buf;
            }
        }
    }
}

fn quantize(src: &[f32], scale: f32, zero: u8, channels: usize, plane: usize, dst: &mut [u8]) {
    // Channels past `channels` in the last quad meet zero weights; they hold the zero point.
    dst.fill(zero);
    for c in 0..channels {
        let quad = &mut dst[(c / QUAD) * plane * QUAD..(c / QUAD + 1) * plane * QUAD];
        for (q, &x) in quad[c % QUAD..].iter_mut().step_by(QUAD).zip(&src[c * plane..(c + 1) * plane]) {
            *q = round_to_u8(x / scale, i32::from(zero), 0);
        }
    }
}

fn average(src: &[u8], scale: f32, zero: u8, channels: usize, plane: usize, dst: &mut [f32]) {
    for (c, out) in dst.iter_mut().enumerate().take(channels) {
        let quad = &src[(c / QUAD) * plane * QUAD..(c / QUAD + 1) * plane * QUAD];
        let sum: u64 = quad[c % QUAD..].iter().step_by(QUAD).map(|&q| u64::from(q)).sum();
        *out = ((sum as f64 / plane as f64 - f64::from(zero)) * f64::from(scale)) as f32;
    }
}

/// Max pool over quads: the window's quads compared lane by lane.
fn max_pool(g: &PoolGeometry, src: &[u8], dst: &mut [u8]) {
    let (in_plane, out_plane) = (g.height * g.width, g.out_height * g.out_width);
    for (s, d) in src.chunks_exact(in_plane * QUAD).zip(dst.chunks_exact_mut(out_plane * QUAD)) {
        for oy in 0..g.out_height {
            let rows = g.window_range(0, oy);
            for ox in 0..g.out_width {
                let cols = g.window_range(1, ox);
                let mut best = [0u8; QUAD];
                for y in rows.clone() {
                    let line = &s[(y * g.width + cols.start) * QUAD..(y * g.width + cols.end) * QUAD];
                    for px in line.chunks_exact(QUAD) {
                        for (b, &v) in best.iter_mut().zip(px) {
                            *b = (*b).max(v);
                        }
                    }
                }
                d[(oy * g.out_width + ox) * QUAD..][..QUAD].copy_from_slice(&best);
            }
        }
    }
}
