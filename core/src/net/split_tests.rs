//! Steps split over a team of threads write the same bits as on one thread: every kernel this
//! CPU runs, shapes drawn at random (odd channel counts and sizes, both strides, with and without
//! padding), teams of 2 to 4 threads cutting even the smallest step.

use super::Kernel;
use super::conv::Conv;
use super::geometry::ConvGeometry;
use super::pool::{self, PoolGeometry};
use super::qconv::{QConv, QConvParams};
use super::qsteps;
use super::uint8::{QUAD, quad_len};
use crate::workers::{Team, Workers};

/// A xorshift generator: varied shapes, the same ones on every run.
struct Draw(u64);

impl Draw {
    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn geometry(&mut self) -> ConvGeometry {
        let window = [1, 3][self.below(2)];
        let stride = 1 + self.below(2);
        let pad = if window == 3 { self.below(2) } else { 0 };
        let (h, w) = (window + self.below(28), window + self.below(28));
        let channels = 1 + self.below(40);
        ConvGeometry::pointwise([channels, h, w], 1 + self.below(70)).windowed(
            [window, window],
            [stride, stride],
            [pad, pad],
        )
    }
}

fn floats(len: usize, seed: usize) -> Vec<f32> {
    (0..len).map(|i| (((i + seed) * 7919 % 1009) as f32 - 504.0) / 300.0).collect()
}

fn bytes(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| ((i + seed) * 7919 % 251) as u8).collect()
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// Runs `check` with teams of 2, 3 and 4 threads that split every step, and with the 4-thread
/// team as inference uses it (small steps alone).
fn with_teams(mut check: impl FnMut(Team, &str)) {
    for threads in [2, 3, 4] {
        let workers = Workers::new(threads).expect("threads start");
        let lease = workers.lease().expect("free workers");
        check(lease.team().splitting_everything(), &format!("{threads} threads, every step split"));
        if threads == 4 {
            check(lease.team(), "4 threads");
        }
    }
}

#[test]
fn float_convolutions_give_the_same_bits_on_any_team() {
    let mut draw = Draw(0x9E37_79B9_7F4A_7C15);
    let mut cases: Vec<ConvGeometry> = (0..12).map(|_| draw.geometry()).collect();
    // The model's stem at its real size: `cols` gathered in blocks of output rows.
    cases.push(ConvGeometry::pointwise([3, 216, 176], 64).windowed([3, 3], [2, 2], [0, 0]));
    for kernel in Kernel::available() {
        for (i, g) in cases.iter().enumerate() {
            let input = floats(g.input.iter().product(), i);
            let weights = floats(g.out_channels * g.input[0] * g.window[0] * g.window[1], 3 + i);
            let conv = Conv::new(*g, &weights, &floats(g.out_channels, 11 + i), kernel);
            let run = |team: Team| {
                let mut scratch = vec![f32::NAN; conv.scratch_len().total(team.max_parts())];
                let mut out = vec![f32::NAN; g.output_len()];
                conv.run(&input, &mut out, true, &mut scratch, team);
                bits(&out)
            };
            let alone = run(Team::ALONE);
            with_teams(|team, what| assert!(run(team) == alone, "{} {g:?}: {what}", kernel.name()));
        }
    }
}

#[test]
fn int8_convolutions_give_the_same_bytes_on_any_team() {
    let mut draw = Draw(0xD1B5_4A32_D192_ED03);
    for kernel in Kernel::available() {
        let kernel = kernel.int8;
        for i in 0..12 {
            let g = draw.geometry();
            let (c, m) = (g.input[0], g.out_channels);
            let weights: Vec<i8> =
                bytes(m * c * g.window[0] * g.window[1], i).iter().map(|&v| v as i8).collect();
            let bias: Vec<i32> = (0..m).map(|o| (o as i32 - 6) * 977).collect();
            let acc_scale: Vec<f32> = (0..m).map(|o| 0.0004 + 0.00003 * o as f32).collect();
            let params = QConvParams { weights: &weights, bias: &bias, acc_scale: &acc_scale, zero_in: 131 };
            let mut conv = QConv::new(g, &params, kernel).expect("in range");
            conv.set_output(0.9, 77);
            conv.relu = i % 2 == 0;
            let input = bytes(quad_len(c, g.input[1] * g.input[2]), 5 + i);
            let run = |team: Team| {
                let mut scratch = vec![0xAB; conv.scratch_len().total(team.max_parts())];
                let mut out = vec![0xCD; quad_len(m, g.output[0] * g.output[1])];
                conv.run(&input, &mut out, &mut scratch, team);
                out
            };
            let alone = run(Team::ALONE);
            with_teams(|team, what| assert!(run(team) == alone, "{} {g:?}: {what}", kernel.name()));
        }
    }
}

#[test]
fn max_pools_give_the_same_bits_on_any_team() {
    let mut draw = Draw(0x2545_F491_4F6C_DD1D);
    for i in 0..12 {
        let (window, stride) = [([3, 3], [2, 2]), ([2, 2], [2, 2]), ([3, 3], [1, 1])][i % 3];
        let (height, width) = (3 + draw.below(30), 3 + draw.below(30));
        let pads = ([0, 0], [0, 0], true);
        let g = PoolGeometry::sliding(1 + draw.below(40), [height, width], window, stride, pads).unwrap();
        let (plane, out_plane) = (height * width, g.out_height * g.out_width);
        let input = floats(g.channels * plane, i);
        let float = |team: Team| {
            let mut out = vec![f32::NAN; g.channels * out_plane];
            pool::max_pool_on(team, &g, &input, &mut out);
            bits(&out)
        };
        let quads = bytes(quad_len(g.channels, plane), i);
        let int8 = |team: Team| {
            let mut out = vec![0xCD; quad_len(g.channels, out_plane)];
            let mut scratch = vec![0xAB; 3 * width.div_ceil(2) * 2 * QUAD * team.max_parts()];
            qsteps::max_pool_on(team, &g, &quads, &mut out, &mut scratch);
            out
        };
        let (float_alone, int8_alone) = (float(Team::ALONE), int8(Team::ALONE));
        with_teams(|team, what| {
            assert!(float(team) == float_alone, "float {g:?}: {what}");
            assert!(int8(team) == int8_alone, "int8 {g:?}: {what}");
        });
    }
}
