//! Every int8 kernel's convolutions against the textbook loop on integers, byte for byte.

use super::*;
use crate::net::uint8::{quad_len, requantize, round_to_u8};

fn bytes(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| ((i + seed).wrapping_mul(2_654_435_761) >> 9) as u8).collect()
}

/// `[C, H * W]` to quads; the lanes past `C` hold noise, which zero weights must ignore.
fn to_quads(planar: &[u8], channels: usize, plane: usize) -> Vec<u8> {
    let mut out = bytes(quad_len(channels, plane), 99);
    for c in 0..channels {
        for p in 0..plane {
            out[(c / QUAD) * plane * QUAD + p * QUAD + c % QUAD] = planar[c * plane + p];
        }
    }
    out
}

/// `round((bias + sum w (x - zero_in)) * multiplier) + zero_out`, clamped, padding reading real 0.
#[allow(clippy::too_many_arguments)]
fn reference(
    g: &ConvGeometry,
    x: &[u8],
    w: &[i8],
    bias: &[i32],
    multiplier: &[f32],
    zero_in: u8,
    zero_out: u8,
    relu: bool,
) -> Vec<u8> {
    let [c, h, wd] = g.input;
    let [oh, ow] = g.output;
    let mut out = vec![0u8; g.out_channels * oh * ow];
    for o in 0..g.out_channels {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc = 0i32;
                for ci in 0..c {
                    for ky in 0..g.window[0] {
                        for kx in 0..g.window[1] {
                            let iy =
                                (oy * g.stride[0] + ky * g.dilation[0]) as isize - g.pad_before[0] as isize;
                            let ix =
                                (ox * g.stride[1] + kx * g.dilation[1]) as isize - g.pad_before[1] as isize;
                            if iy < 0 || ix < 0 || iy >= h as isize || ix >= wd as isize {
                                continue;
                            }
                            let xv =
                                i32::from(x[(ci * h + iy as usize) * wd + ix as usize]) - i32::from(zero_in);
                            let wv = i32::from(w[((o * c + ci) * g.window[0] + ky) * g.window[1] + kx]);
                            acc += xv * wv;
                        }
                    }
                }
                let lo = if relu { i32::from(zero_out) } else { 0 };
                out[(o * oh + oy) * ow + ox] =
                    requantize(acc, bias[o], multiplier[o], i32::from(zero_out), lo);
            }
        }
    }
    out
}

fn geometry(input: [usize; 3], m: usize, window: [usize; 2], stride: usize, pad: usize) -> ConvGeometry {
    ConvGeometry::pointwise(input, m).windowed(window, [stride, stride], [pad, pad])
}

#[test]
fn every_int8_kernel_matches_the_textbook_convolution_byte_for_byte() {
    let cases = [
        // 1x1 on the input as is; channels and positions not multiples of any tile.
        geometry([5, 7, 9], 13, [1, 1], 1, 0),
        // The model's stem: 3 channels (one padded quad), 3x3 stride 2, no padding.
        geometry([3, 21, 17], 16, [3, 3], 2, 0),
        // A fire expand: 3x3, padding 1 (the zero point fills it).
        geometry([16, 6, 5], 9, [3, 3], 1, 1),
        // More positions than the widest tile, odd channels.
        geometry([7, 11, 13], 17, [3, 3], 1, 1),
        geometry([12, 9, 9], 8, [1, 1], 2, 0),
        geometry([64, 4, 5], 3, [1, 1], 1, 0),
    ];
    for kernel in crate::net::Kernel::available() {
        let kernel = kernel.int8;
        for (i, g) in cases.iter().enumerate() {
            let [c, h, w] = g.input;
            let m = g.out_channels;
            let x = bytes(c * h * w, i);
            let weights: Vec<i8> =
                bytes(m * c * g.window[0] * g.window[1], 3 + i).iter().map(|&v| v as i8).collect();
            let bias: Vec<i32> = (0..m).map(|o| (o as i32 - 6) * 977).collect();
            let acc_scale: Vec<f32> = (0..m).map(|o| 0.0004 + 0.00003 * o as f32).collect();
            for (zero_in, zero_out, scale_out, relu) in
                [(0u8, 0u8, 0.5f32, true), (131, 77, 0.9, false), (255, 3, 0.2, true)]
            {
                let params = QConvParams { weights: &weights, bias: &bias, acc_scale: &acc_scale, zero_in };
                let mut conv = QConv::new(*g, &params, kernel).expect("in range");
                conv.set_output(scale_out, zero_out);
                conv.relu = relu;
                let multiplier: Vec<f32> = acc_scale.iter().map(|s| s / scale_out).collect();
                let want = reference(g, &x, &weights, &bias, &multiplier, zero_in, zero_out, relu);
                let mut scratch = vec![0xAB; conv.scratch_len().total(1)];
                let mut out = vec![0u8; quad_len(m, g.output[0] * g.output[1])];
                conv.run(&to_quads(&x, c, h * w), &mut out, &mut scratch, crate::workers::Team::ALONE);
                let plane = g.output[0] * g.output[1];
                let got: Vec<u8> = (0..m * plane)
                    .map(|i| out[(i / plane / QUAD) * plane * QUAD + (i % plane) * QUAD + (i / plane) % QUAD])
                    .collect();
                assert_eq!(got, want, "{} case {i} zero_in {zero_in}", kernel.name());
                // Not all saturated: the case tests arithmetic, not clamping.
                assert!(want.iter().any(|&v| v != 0 && v != 255), "case {i}");
            }
        }
    }
}

#[test]
fn requantization_rounds_half_to_even_and_saturates() {
    // 2.5 -> 2, 3.5 -> 4, -2.5 -> -2 (plus the zero point), then the clamps.
    assert_eq!(requantize(5, 0, 0.5, 10, 0), 12);
    assert_eq!(requantize(7, 0, 0.5, 10, 0), 14);
    assert_eq!(requantize(-5, 0, 0.5, 10, 0), 8);
    assert_eq!(requantize(1 << 30, 0, 1.0, 0, 0), 255);
    assert_eq!(requantize(-(1 << 30), 0, 1.0, 0, 0), 0);
    assert_eq!(requantize(-100, 0, 1.0, 50, 50), 50);
    assert_eq!(round_to_u8(f32::NAN, 7, 0), 0);
    assert_eq!(round_to_u8(f32::NAN, 7, 7), 7);
    assert_eq!(round_to_u8(-0.5, 7, 0), 7);
    assert_eq!(round_to_u8(254.5, 0, 0), 254);
    assert_eq!(round_to_u8(f32::INFINITY, 7, 0), 255);
}

#[test]
fn sums_that_could_overflow_int32_are_refused() {
    let g = geometry([8192, 1, 1], 1, [3, 3], 1, 1);
    let weights = vec![0i8; 8192 * 9];
    let params = QConvParams { weights: &weights, bias: &[0], acc_scale: &[1.0], zero_in: 0 };
    assert!(QConv::new(g, &params, QKernel::PORTABLE).is_none());
}
