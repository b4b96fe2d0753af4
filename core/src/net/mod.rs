//! glasses' own inference engine for the graphs `export` writes and the bundled face detector.
//!
//! A glasses model is a chain of nine operators on one image; the face detector (YuNet) adds
//! depthwise convolutions, nearest 2x `Resize`, `Sigmoid` and the `Transpose`/`Reshape` that
//! flatten its twelve outputs (all in [`SUPPORTED_OPS`]). Running
//! them with a general engine (tract) cost 65 % of the shipped library's code and left time in
//! per-operator overhead, unfused activations and copies. Here the graph is lowered once, at
//! load, to a list of [`Step`]s over preplanned buffers:
//! * convolutions run on register-tiled micro-kernels (AVX-512, AVX2+FMA, NEON, portable; picked
//!   for the CPU at load) with the bias and a following ReLU fused into the store;
//! * the outputs of the convolutions a channel `Concat` joins (SqueezeNet's fire modules) are
//!   written straight into their place in the joined buffer, so the concatenation costs nothing;
//! * depthwise 3x3 convolutions run on a loop of their own (`depthwise.rs`), one pass per output
//!   row, compiled for the same instruction sets;
//! * each thread reuses one set of buffers, so a classification allocates nothing once warm;
//! * a static int8 QDQ graph (`lower/qdq.rs`) runs on int8 steps (`qsteps.rs`): uint8
//!   activations in quads of four channels, convolutions as int8 matrix products with exact
//!   int32 sums on `qkernel.rs` (AVX-512 VNNI, AVX2, NEON sdot, plain NEON, portable) and one
//!   shared requantisation (`qconv.rs`), so every kernel writes the same bytes; other QDQ
//!   graphs run in float, their Q/DQ of activations as rounding steps.
//!
//! `read.rs` reads nodes and initializers, `lower.rs` (and `lower/`, by operator family) turns
//! them into steps, `conv.rs` runs a convolution on a `kernel.rs` micro-kernel, `pool.rs` pools,
//! `layout.rs` upsamples and transposes. `plan.rs` chooses what runs a model file: this engine,
//! or tract with the `onnx-any` feature.

#[macro_use]
mod multiversion;

mod conv;
#[allow(unsafe_code)]
mod depthwise;
mod geometry;
#[allow(unsafe_code)]
pub(crate) mod kernel;
mod layout;
mod lower;
pub(crate) mod plan;
mod pool;
mod qconv;
#[allow(unsafe_code)]
mod qkernel;
mod qsteps;
#[allow(unsafe_code)]
mod quantize;
mod rate;
mod read;
mod split;
#[cfg(test)]
mod split_tests;
mod uint8;

use std::sync::Mutex;

use conv::Conv;
use depthwise::Depthwise;
pub(crate) use kernel::Kernel;
use split::ScratchLen;
// SUPPORTED_OPS names the operators in the error of builds without `onnx-any`.
#[cfg_attr(feature = "onnx-any", allow(unused_imports))]
pub(crate) use lower::{SUPPORTED_OPS, lower, lower_named};
use pool::PoolGeometry;
use qsteps::QStep;
pub(crate) use read::ReadError;

use crate::workers::{Lease, Team, Workers};

/// A range of one buffer. Buffer 0 is the input tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    buf: usize,
    offset: usize,
    len: usize,
}

/// One operation of the lowered graph.
#[derive(Debug)]
enum Step {
    Conv {
        conv: Box<Conv>,
        input: Slot,
        output: Slot,
        relu: bool,
    },
    /// A 3x3 stride-1 depthwise convolution, on its own loop rather than the matrix kernels.
    Depthwise {
        conv: Box<Depthwise>,
        input: Slot,
        output: Slot,
        relu: bool,
    },
    MaxPool {
        geometry: PoolGeometry,
        input: Slot,
        output: Slot,
    },
    GlobalAveragePool {
        plane: usize,
        input: Slot,
        output: Slot,
    },
    Relu {
        input: Slot,
        output: Slot,
    },
    Sigmoid {
        input: Slot,
        output: Slot,
    },
    /// Nearest 2x upsampling of `[channels, height, width]`.
    Upsample2x {
        channels: usize,
        height: usize,
        width: usize,
        input: Slot,
        output: Slot,
    },
    /// Output axis `i` is axis `perm[i]` of the input, of `shape`.
    Transpose {
        shape: Vec<usize>,
        perm: Vec<usize>,
        input: Slot,
        output: Slot,
    },
    Add {
        a: Slot,
        b: Slot,
        output: Slot,
        relu: bool,
    },
    /// `y = alpha * x W^T + c` for `rows` rows of `x`; `weights` is `[n, k]`, `c` is `[rows, n]`
    /// (beta already applied).
    Dense {
        weights: Vec<f32>,
        c: Vec<f32>,
        alpha: f32,
        rows: usize,
        k: usize,
        n: usize,
        input: Slot,
        output: Slot,
        relu: bool,
    },
    /// Interleaves `outer` chunks of each input (a Concat that could not be planned away).
    Concat {
        inputs: Vec<(Slot, usize)>,
        outer: usize,
        output: Slot,
    },
    /// `QuantizeLinear` of float values (the float path of a QDQ graph the int8 lowering does
    /// not take): the quantised integers, as floats.
    Quantize {
        scale: f32,
        zero: f32,
        input: Slot,
        output: Slot,
    },
    /// `DequantizeLinear` of such integers: `(q - zero) * scale`.
    Dequantize {
        scale: f32,
        zero: f32,
        input: Slot,
        output: Slot,
    },
    /// An int8 step (`qsteps.rs`) of a QDQ graph lowered to int8.
    Int8(QStep),
}

/// A lowered, runnable graph.
#[derive(Debug)]
pub(crate) struct Net {
    steps: Vec<Step>,
    /// Length of every buffer; buffer 0 is the input.
    buffers: Vec<usize>,
    scratch_len: ScratchLen,
    /// Length of every uint8 buffer of the int8 steps (none for float graphs).
    qbuffers: Vec<usize>,
    qscratch_len: ScratchLen,
    /// The graph outputs asked for, in order, with their shapes.
    outputs: Vec<(Slot, Vec<usize>)>,
    kernel: Kernel,
    macs: usize,
    /// Buffers of earlier runs, for reuse; one set per thread that runs concurrently.
    spare: Mutex<Vec<Scratch>>,
}

#[derive(Debug)]
struct Scratch {
    buffers: Vec<Vec<f32>>,
    cols: Vec<f32>,
    qbuffers: Vec<Vec<u8>>,
    qcols: Vec<u8>,
    /// Parts of a step `cols` and `qcols` have room for.
    parts: usize,
}

impl Net {
    /// Floats the input must have.
    pub fn input_len(&self) -> usize {
        self.buffers[0]
    }

    /// The (first) output's shape.
    pub fn output_shape(&self) -> &[usize] {
        self.outputs.first().map_or(&[], |(_, shape)| shape.as_slice())
    }

    /// The shape of every output, in the order they were asked for.
    pub fn output_shapes(&self) -> impl Iterator<Item = &[usize]> {
        self.outputs.iter().map(|(_, shape)| shape.as_slice())
    }

    /// Multiply-accumulates per image in the convolutions (the arithmetic the time is spent on).
    pub fn macs(&self) -> usize {
        self.macs
    }

    /// The micro-kernel the convolutions run on.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// Time per step over `runs` runs of `input`, in milliseconds, with a description of each
    /// step (for `parity/examples/profile_nodes.rs`).
    pub fn profile(&self, input: &[f32], runs: usize) -> Vec<(String, f64)> {
        self.profile_on(input, runs, None)
    }

    /// [`Net::profile`] with the steps split over `workers` as [`Net::run_on`] splits them.
    pub fn profile_on(&self, input: &[f32], runs: usize, workers: Option<&Workers>) -> Vec<(String, f64)> {
        let lease = workers.and_then(Workers::lease);
        let team = lease.as_ref().map_or(Team::ALONE, Lease::team);
        let mut scratch = self.scratch(team);
        let mut times = vec![0f64; self.steps.len()];
        for step in &self.steps {
            run_step(step, input, &mut scratch, team);
        }
        for _ in 0..runs {
            for (step, t) in self.steps.iter().zip(&mut times) {
                let start = std::time::Instant::now();
                run_step(step, input, &mut scratch, team);
                *t += start.elapsed().as_secs_f64() * 1e3 / runs as f64;
            }
        }
        self.give_back(scratch);
        self.steps.iter().map(describe).zip(times).collect()
    }

    /// Runs the graph on one input of [`Net::input_len`] floats; the first output.
    #[cfg(test)]
    pub fn run(&self, input: &[f32]) -> Vec<f32> {
        self.run_on(input, None).swap_remove(0)
    }

    /// Runs the graph on one input of [`Net::input_len`] floats; every output, in order.
    pub fn run_outputs(&self, input: &[f32]) -> Vec<Vec<f32>> {
        self.run_on(input, None)
    }

    /// [`Net::run_outputs`] with the big steps split over `workers` when they are free (another
    /// inference may be using them: then this one runs on the calling thread alone). The
    /// outputs are the same bits either way.
    pub fn run_on(&self, input: &[f32], workers: Option<&Workers>) -> Vec<Vec<f32>> {
        assert_eq!(input.len(), self.input_len(), "input length");
        let lease = workers.and_then(Workers::lease);
        let team = lease.as_ref().map_or(Team::ALONE, Lease::team);
        let mut scratch = self.scratch(team);
        for step in &self.steps {
            run_step(step, input, &mut scratch, team);
        }
        let out =
            self.outputs.iter().map(|(slot, _)| read(&scratch.buffers, input, *slot).to_vec()).collect();
        self.give_back(scratch);
        out
    }

    /// The buffers of an earlier run, or new ones, with room for `team`'s parts.
    fn scratch(&self, team: Team) -> Scratch {
        let parts = team.max_parts();
        let reused = self.spare.lock().map(|mut spare| spare.pop()).unwrap_or(None);
        let mut scratch = reused.unwrap_or_else(|| Scratch {
            buffers: self
                .buffers
                .iter()
                .enumerate()
                .map(|(i, &len)| vec![0.0; if i == 0 { 0 } else { len }])
                .collect(),
            cols: Vec::new(),
            qbuffers: self.qbuffers.iter().map(|&len| vec![0; len]).collect(),
            qcols: Vec::new(),
            parts: 0,
        });
        if scratch.parts < parts {
            scratch.cols.resize(self.scratch_len.total(parts), 0.0);
            scratch.qcols.resize(self.qscratch_len.total(parts), 0);
            scratch.parts = parts;
        }
        scratch
    }

    fn give_back(&self, scratch: Scratch) {
        if let Ok(mut spare) = self.spare.lock() {
            spare.push(scratch);
        }
    }
}

fn describe(step: &Step) -> String {
    match step {
        Step::Conv { conv, relu, .. } => {
            let g = &conv.geometry;
            format!(
                "conv {g}{}{}: {:.2} M MACs",
                if g.groups > 1 { format!(" groups {}", g.groups) } else { String::new() },
                if *relu { " +relu" } else { "" },
                g.macs() as f64 / 1e6
            )
        }
        Step::Depthwise { conv, relu, .. } => format!(
            "depthwise 3x3 {}x{}x{}{}: {:.2} M MACs",
            conv.channels,
            conv.height,
            conv.width,
            if *relu { " +relu" } else { "" },
            conv.macs() as f64 / 1e6
        ),
        Step::Sigmoid { output, .. } => format!("sigmoid {}", output.len),
        Step::Upsample2x { channels, height, width, .. } => {
            format!("nearest 2x upsample {channels}x{height}x{width}")
        }
        Step::Transpose { shape, perm, .. } => format!("transpose {shape:?} by {perm:?}"),
        Step::MaxPool { geometry: g, .. } => format!(
            "max pool {}x{}/{} {}x{}x{} -> {}x{}",
            g.window[0], g.window[1], g.stride[0], g.channels, g.height, g.width, g.out_height, g.out_width
        ),
        Step::GlobalAveragePool { plane, output, .. } => {
            format!("global average pool {} x {plane}", output.len)
        }
        Step::Relu { output, .. } => format!("relu {}", output.len),
        Step::Add { output, relu, .. } => format!("add {}{}", output.len, if *relu { " +relu" } else { "" }),
        Step::Dense { rows, k, n, .. } => format!("dense {rows}x{k} -> {n}"),
        Step::Concat { output, .. } => format!("copy into concat {}", output.len),
        Step::Quantize { output, .. } => format!("quantize (float) {}", output.len),
        Step::Dequantize { output, .. } => format!("dequantize (float) {}", output.len),
        Step::Int8(step) => step.describe(),
    }
}

fn read<'a>(buffers: &'a [Vec<f32>], input: &'a [f32], slot: Slot) -> &'a [f32] {
    let buf = if slot.buf == 0 { input } else { &buffers[slot.buf] };
    &buf[slot.offset..slot.offset + slot.len]
}

fn run_step(step: &Step, input: &[f32], scratch: &mut Scratch, team: Team) {
    let output = match step {
        Step::Int8(step) => return step.run(input, scratch, team),
        Step::Conv { output, .. }
        | Step::Depthwise { output, .. }
        | Step::Sigmoid { output, .. }
        | Step::Upsample2x { output, .. }
        | Step::Transpose { output, .. }
        | Step::MaxPool { output, .. }
        | Step::GlobalAveragePool { output, .. }
        | Step::Relu { output, .. }
        | Step::Add { output, .. }
        | Step::Dense { output, .. }
        | Step::Concat { output, .. }
        | Step::Quantize { output, .. }
        | Step::Dequantize { output, .. } => *output,
    };
    // The lowering never lets a step read the buffer it writes, so the output buffer can be
    // taken out while the inputs are borrowed.
    let mut out_buf = std::mem::take(&mut scratch.buffers[output.buf]);
    let out = &mut out_buf[output.offset..output.offset + output.len];
    let bufs = &scratch.buffers;
    match step {
        Step::Conv { conv, input: i, relu, .. } => {
            conv.run(read(bufs, input, *i), out, *relu, &mut scratch.cols, team)
        }
        Step::Depthwise { conv, input: i, relu, .. } => conv.run(read(bufs, input, *i), out, *relu),
        Step::Sigmoid { input: i, .. } => {
            for (o, &v) in out.iter_mut().zip(read(bufs, input, *i)) {
                *o = 1.0 / (1.0 + (-v).exp());
            }
        }
        Step::Upsample2x { channels, height, width, input: i, .. } => {
            layout::upsample_nearest2x(read(bufs, input, *i), out, *channels, *height, *width)
        }
        Step::Transpose { shape, perm, input: i, .. } => {
            layout::transpose(read(bufs, input, *i), out, shape, perm)
        }
        Step::MaxPool { geometry, input: i, .. } => {
            pool::max_pool_on(team, geometry, read(bufs, input, *i), out)
        }
        Step::GlobalAveragePool { plane, input: i, .. } => {
            pool::global_average_pool(read(bufs, input, *i), *plane, out)
        }
        Step::Relu { input: i, .. } => {
            for (o, &v) in out.iter_mut().zip(read(bufs, input, *i)) {
                *o = if v < 0.0 { 0.0 } else { v };
            }
        }
        Step::Add { a, b, relu, .. } => {
            for ((o, &x), &y) in out.iter_mut().zip(read(bufs, input, *a)).zip(read(bufs, input, *b)) {
                let v = x + y;
                *o = if *relu && v < 0.0 { 0.0 } else { v };
            }
        }
        Step::Dense { weights, c, alpha, rows, k, n, input: i, relu, .. } => {
            let x = read(bufs, input, *i);
            for r in 0..*rows {
                let xr = &x[r * k..(r + 1) * k];
                for j in 0..*n {
                    let dot: f32 = xr.iter().zip(&weights[j * k..(j + 1) * k]).map(|(a, b)| a * b).sum();
                    let v = alpha * dot + c[r * n + j];
                    out[r * n + j] = if *relu && v < 0.0 { 0.0 } else { v };
                }
            }
        }
        Step::Concat { inputs, outer, .. } => {
            let total: usize = inputs.iter().map(|(_, chunk)| chunk).sum();
            let mut at = 0;
            for (slot, chunk) in inputs {
                let src = read(bufs, input, *slot);
                for o in 0..*outer {
                    out[o * total + at..o * total + at + chunk]
                        .copy_from_slice(&src[o * chunk..(o + 1) * chunk]);
                }
                at += chunk;
            }
        }
        Step::Quantize { scale, zero, input: i, .. } => {
            for (o, &v) in out.iter_mut().zip(read(bufs, input, *i)) {
                *o = f32::from(uint8::round_to_u8(v / scale, *zero as i32, 0));
            }
        }
        Step::Dequantize { scale, zero, input: i, .. } => {
            for (o, &v) in out.iter_mut().zip(read(bufs, input, *i)) {
                *o = (v - zero) * scale;
            }
        }
        Step::Int8(_) => unreachable!("int8 steps returned above"),
    }
    scratch.buffers[output.buf] = out_buf;
}
