//! The shape of one convolution, shared by the float (`conv.rs`) and int8 (`qconv.rs`) ones.

use std::fmt;
use std::ops::Range;

/// Where a convolution reads and what it writes, for one fixed input shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConvGeometry {
    /// Input channels, height, width.
    pub input: [usize; 3],
    pub out_channels: usize,
    pub window: [usize; 2],
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    pub pad_before: [usize; 2],
    /// Output height and width.
    pub output: [usize; 2],
    pub groups: usize,
}

impl ConvGeometry {
    pub fn is_pointwise(&self) -> bool {
        self.window == [1, 1] && self.stride == [1, 1] && self.pad_before == [0, 0]
    }

    /// Output rows gathered into `cols` at a time: all of them, unless `cols` would outgrow
    /// [`COLS_BUDGET`] (a detector's stem at 640x480: 8 MB), then as many as fit, so that the
    /// gathered values are still in cache when the kernel reads them.
    pub fn block_rows(&self) -> usize {
        let k = self.input[0] / self.groups * self.window[0] * self.window[1];
        let [oh, ow] = self.output;
        if self.is_pointwise() || k.saturating_mul(oh * ow) <= COLS_BUDGET {
            oh
        } else {
            (COLS_BUDGET / k.saturating_mul(ow).max(1)).clamp(1, oh.max(1))
        }
    }

    pub fn output_len(&self) -> usize {
        self.out_channels * self.output[0] * self.output[1]
    }

    /// Multiply-accumulates per image.
    pub fn macs(&self) -> usize {
        // Saturating: a forged graph must not overflow on 32-bit targets.
        self.output_len().saturating_mul(self.input[0] / self.groups * self.window[0] * self.window[1])
    }
}

/// The most floats of `cols` gathered at once (256 KiB, about a core's L2 share).
const COLS_BUDGET: usize = 1 << 16;

/// `kh x kw / stride in->out out oh x ow`, for the profiles of float and int8 steps.
impl fmt::Display for ConvGeometry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [kh, kw] = self.window;
        let [oh, ow] = self.output;
        write!(f, "{kh}x{kw}/{} {}->{} out {oh}x{ow}", self.stride[0], self.input[0], self.out_channels)
    }
}

/// Where one kernel tap reads, for every output position (see [`ConvGeometry::tap_reach`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TapReach {
    /// Input row and column of the output position (0, 0); may lie in the padding.
    pub dy: isize,
    pub dx: isize,
    /// The output columns whose input column is inside the image (empty when none is).
    pub columns: Range<usize>,
}

impl ConvGeometry {
    /// Where the tap at window row `ky`, column `kx` reads. Both convolutions gather with it,
    /// so the float and int8 ones pad the same positions.
    pub fn tap_reach(&self, ky: usize, kx: usize) -> TapReach {
        let w = self.input[2];
        let dy = (ky * self.dilation[0]) as isize - self.pad_before[0] as isize;
        let dx = (kx * self.dilation[1]) as isize - self.pad_before[1] as isize;
        // Output columns whose input column `ox * stride + dx` is inside the image.
        let first = if dx >= 0 { 0 } else { ((-dx) as usize).div_ceil(self.stride[1]) };
        let last = if (w as isize) <= dx {
            0
        } else {
            ((w as isize - dx) as usize).div_ceil(self.stride[1]).min(self.output[1])
        };
        TapReach { dy, dx, columns: first..last.max(first) }
    }

    /// The input row output row `oy` reads at row offset `dy`, `None` in the padding.
    pub fn input_row(&self, oy: usize, dy: isize) -> Option<usize> {
        let iy = (oy * self.stride[0]) as isize + dy;
        (0..self.input[1] as isize).contains(&iy).then_some(iy as usize)
    }
}

#[cfg(test)]
impl ConvGeometry {
    /// A 1x1 convolution with stride 1, no padding and one group, that tests vary.
    pub fn pointwise(input: [usize; 3], out_channels: usize) -> Self {
        Self {
            input,
            out_channels,
            window: [1, 1],
            stride: [1, 1],
            dilation: [1, 1],
            pad_before: [0, 0],
            output: [input[1], input[2]],
            groups: 1,
        }
    }

    /// This geometry with `window`, `stride` and `pad` on both sides, and the output they give.
    pub fn windowed(self, window: [usize; 2], stride: [usize; 2], pad: [usize; 2]) -> Self {
        let out = |i: usize| {
            (self.input[i + 1] + 2 * pad[i] - self.dilation[i] * (window[i] - 1) - 1) / stride[i] + 1
        };
        Self { window, stride, pad_before: pad, output: [out(0), out(1)], ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_geometry_prints_window_stride_channels_and_output() {
        let g = ConvGeometry::pointwise([3, 21, 17], 16).windowed([3, 3], [2, 2], [0, 0]);
        assert_eq!(g.to_string(), "3x3/2 3->16 out 10x8");
    }

    #[test]
    fn a_tap_reaches_only_the_columns_inside_the_image() {
        let g = ConvGeometry::pointwise([1, 5, 5], 1).windowed([3, 3], [2, 2], [1, 1]);
        // Left tap of a padded window: output column 0 reads column -1.
        assert_eq!(g.tap_reach(0, 0), TapReach { dy: -1, dx: -1, columns: 1..3 });
        assert_eq!(g.tap_reach(2, 2), TapReach { dy: 1, dx: 1, columns: 0..2 });
        assert_eq!(g.input_row(0, -1), None);
        assert_eq!(g.input_row(2, 1), None);
        assert_eq!(g.input_row(1, 1), Some(3));
    }
}
