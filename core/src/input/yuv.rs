//! Camera frames as cameras hand them over: YUV 4:2:0 planes with strides, plus the rotation
//! that makes them upright (Android CameraX `ImageProxy` in `YUV_420_888` with
//! `imageInfo.rotationDegrees`; iOS `CVPixelBuffer` in `420YpCbCr8BiPlanarFullRange`).
//!
//! Colours are BT.601 (what Android and iOS cameras produce for these formats), full or limited
//! ("video") range as stated by [`YuvRange`]. The frame is never converted to RGB whole: the
//! sampler (the same triangle filter as for every other input) reads the part the model sees (a
//! face region, or the whole upright frame) in place, converting each pixel it needs, so memory
//! stays proportional to the model's input, not to the frame.

use crate::error::{Error, Result};
use crate::input::bt601::{BLOCK, Bt601, Bt601Lanes};
pub use crate::input::orientation::Orientation;

/// The value range of the samples (BT.601 matrix in both cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum YuvRange {
    /// Y, U and V use 0-255 (JPEG/JFIF; Android's camera frames; iOS `...FullRange`).
    Full,
    /// Y uses 16-235 and U, V 16-240 (iOS `...VideoRange`, most video decoders).
    Limited,
}

/// A borrowed YUV 4:2:0 frame: a full-size Y plane and two half-size chroma planes, each with its
/// row stride; the chroma samples of one plane lie `uv_pixel_stride` bytes apart (1 for planar
/// I420, 2 for the interleaved NV12/NV21 planes). Validated at construction, never copied.
#[derive(Debug, Clone, Copy)]
pub struct YuvFrame<'a> {
    y: &'a [u8],
    u: &'a [u8],
    v: &'a [u8],
    y_row_stride: usize,
    uv_row_stride: usize,
    uv_pixel_stride: usize,
    width: u32,
    height: u32,
    range: YuvRange,
}

impl<'a> YuvFrame<'a> {
    /// The general form, as Android's `ImageProxy.planes` describe a `YUV_420_888` frame: the three
    /// planes' buffers, the Y row stride, and the chroma planes' (shared) row and pixel strides.
    /// `width` and `height` must be even and positive; every plane must hold all its rows.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        y: &'a [u8],
        y_row_stride: usize,
        u: &'a [u8],
        v: &'a [u8],
        uv_row_stride: usize,
        uv_pixel_stride: usize,
        width: u32,
        height: u32,
        range: YuvRange,
    ) -> Result<Self> {
        let frame = Self { y, u, v, y_row_stride, uv_row_stride, uv_pixel_stride, width, height, range };
        frame.validate()?;
        Ok(frame)
    }

    /// Planar I420 (YUV420p) in one buffer: Y (`stride` bytes a row), then U, then V (`stride / 2`
    /// bytes a row each), as `libyuv` and most encoders lay it out.
    pub fn i420(data: &'a [u8], width: u32, height: u32, stride: usize, range: YuvRange) -> Result<Self> {
        let y_len =
            stride.checked_mul(height as usize).ok_or_else(|| Error::pixel_buffer("size overflows"))?;
        let c_stride = stride / 2;
        let c_len = c_stride * (height as usize / 2);
        if data.len() < y_len + 2 * c_len {
            return Err(Error::pixel_buffer(format!(
                "I420 buffer holds {} bytes, {width}x{height} with stride {stride} needs {}",
                data.len(),
                y_len + 2 * c_len
            )));
        }
        let (y, rest) = data.split_at(y_len);
        let (u, v) = rest.split_at(c_len);
        Self::new(y, stride, u, v, c_stride, 1, width, height, range)
    }

    /// Semi-planar NV12 (iOS `420YpCbCr8BiPlanar`): a Y plane and one interleaved U,V plane.
    pub fn nv12(
        y: &'a [u8],
        y_row_stride: usize,
        uv: &'a [u8],
        uv_row_stride: usize,
        width: u32,
        height: u32,
        range: YuvRange,
    ) -> Result<Self> {
        let v = uv.get(1..).unwrap_or_default();
        Self::new(y, y_row_stride, uv, v, uv_row_stride, 2, width, height, range)
    }

    /// Semi-planar NV21 (Android's classic camera format): a Y plane and one interleaved V,U plane.
    pub fn nv21(
        y: &'a [u8],
        y_row_stride: usize,
        vu: &'a [u8],
        vu_row_stride: usize,
        width: u32,
        height: u32,
        range: YuvRange,
    ) -> Result<Self> {
        let u = vu.get(1..).unwrap_or_default();
        Self::new(y, y_row_stride, u, vu, vu_row_stride, 2, width, height, range)
    }

    /// Width in pixels (as stored, before rotation).
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels (as stored, before rotation).
    pub fn height(&self) -> u32 {
        self.height
    }

    fn validate(&self) -> Result<()> {
        let (w, h) = (self.width as usize, self.height as usize);
        if w == 0 || h == 0 || w % 2 == 1 || h % 2 == 1 {
            return Err(Error::pixel_buffer(format!(
                "a 4:2:0 frame needs an even, positive width and height, not {w}x{h}"
            )));
        }
        if !matches!(self.uv_pixel_stride, 1 | 2) {
            return Err(Error::pixel_buffer(format!(
                "chroma pixel stride {} (1 for planar, 2 for interleaved chroma)",
                self.uv_pixel_stride
            )));
        }
        if self.y_row_stride < w {
            return Err(Error::pixel_buffer(format!(
                "Y row stride {} is less than the width {w}",
                self.y_row_stride
            )));
        }
        let (cw, ch) = (w / 2, h / 2);
        let c_row = (cw - 1) * self.uv_pixel_stride + 1;
        if self.uv_row_stride < c_row {
            return Err(Error::pixel_buffer(format!(
                "chroma row stride {} is less than a chroma row of {c_row} bytes",
                self.uv_row_stride
            )));
        }
        let need = |rows: usize, stride: usize, row: usize| {
            (rows - 1).checked_mul(stride).and_then(|n| n.checked_add(row))
        };
        let y_need =
            need(h, self.y_row_stride, w).ok_or_else(|| Error::pixel_buffer("Y plane size overflows"))?;
        let c_need = need(ch, self.uv_row_stride, c_row)
            .ok_or_else(|| Error::pixel_buffer("chroma size overflows"))?;
        for (name, len, needed) in
            [("Y", self.y.len(), y_need), ("U", self.u.len(), c_need), ("V", self.v.len(), c_need)]
        {
            if len < needed {
                return Err(Error::pixel_buffer(format!(
                    "{name} plane holds {len} bytes, a {w}x{h} frame with these strides needs {needed}"
                )));
            }
        }
        Ok(())
    }

    /// BT.601 RGB of the frame pixel `(x, y)`, in 1/256 steps (fixed point, as libyuv does).
    #[cfg(test)]
    fn rgb(&self, x: u32, y: u32) -> [i32; 3] {
        let (x, y) = (x as usize, y as usize);
        let c = (y / 2) * self.uv_row_stride + (x / 2) * self.uv_pixel_stride;
        bt601(self.range).rgb(self.y[y * self.y_row_stride + x], self.u[c], self.v[c])
    }

    /// The 8-bit RGB of `out.len() / 3` frame pixels from `(x, y)`, going right, or down when
    /// `down`: each [`Bt601::rgb`] rounded to the nearest step. The caller keeps the span inside.
    pub(crate) fn span_rgb8(&self, x: usize, y: usize, down: bool, out: &mut [u8]) {
        let matrix = bt601(self.range);
        let (ys, cs, cp) = (self.y_row_stride, self.uv_row_stride, self.uv_pixel_stride);
        // Two neighbours share each chroma sample: its terms are computed once for both.
        let mut last = usize::MAX;
        let mut terms = [0; 3];
        let mut put = |px: &mut [u8], luma: u8, c: usize| {
            if c != last {
                terms = matrix.chroma(self.u[c], self.v[c]);
                last = c;
            }
            px.copy_from_slice(&matrix.rgb8(luma, terms));
        };
        if down {
            for (i, px) in out.chunks_exact_mut(3).enumerate() {
                let row = y + i;
                put(px, self.y[row * ys + x], row / 2 * cs + x / 2 * cp);
            }
            return;
        }
        let n = out.len() / 3;
        let luma = &self.y[y * ys + x..y * ys + x + n];
        let chroma = y / 2 * cs;
        // An odd first pixel shares its chroma sample with the pixel left of the span; after it,
        // whole pairs go in blocks the compiler turns into vector code, and the rest one by one.
        let mut i = x % 2;
        if i == 1 && n > 0 {
            put(&mut out[..3], luma[0], chroma + x / 2 * cp);
        }
        let fast = Bt601Lanes::of(matrix);
        while i + BLOCK <= n {
            let c = chroma + (x + i) / 2 * cp;
            let (l, u, v, o) =
                (&luma[i..i + BLOCK], &self.u[c..], &self.v[c..], &mut out[i * 3..(i + BLOCK) * 3]);
            #[cfg(target_arch = "x86_64")]
            if crate::input::yuv_x86::block(&fast, l, u, v, cp, o) {
                i += BLOCK;
                continue;
            }
            fast.block(l, u, v, cp, o);
            i += BLOCK;
        }
        for (k, (px, &l)) in out[i * 3..].chunks_exact_mut(3).zip(&luma[i..]).enumerate() {
            put(px, l, chroma + (x + i + k) / 2 * cp);
        }
    }
}

/// The matrix of a range.
fn bt601(range: YuvRange) -> Bt601 {
    match range {
        YuvRange::Full => Bt601::FULL,
        YuvRange::Limited => Bt601::LIMITED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_geometry_is_refused() {
        let buf = [0u8; 64];
        let f = YuvRange::Full;
        assert!(YuvFrame::new(&buf, 4, &buf, &buf, 2, 1, 3, 2, f).is_err(), "odd width");
        assert!(YuvFrame::new(&buf, 4, &buf, &buf, 2, 1, 4, 0, f).is_err(), "zero height");
        assert!(YuvFrame::new(&buf, 3, &buf, &buf, 2, 1, 4, 2, f).is_err(), "Y stride");
        assert!(YuvFrame::new(&buf, 4, &buf, &buf, 2, 3, 4, 2, f).is_err(), "pixel stride");
        assert!(YuvFrame::new(&buf, 4, &buf, &buf, 1, 1, 4, 2, f).is_err(), "chroma stride");
        assert!(YuvFrame::new(&buf[..7], 4, &buf, &buf, 2, 1, 4, 2, f).is_err(), "short Y");
        assert!(YuvFrame::nv12(&buf, 4, &buf[..2], 4, 4, 2, f).is_err(), "short UV");
        assert!(YuvFrame::new(&buf, usize::MAX, &buf, &buf, 2, 1, 4, 2, f).is_err(), "overflow");
        assert!(YuvFrame::i420(&buf[..11], 4, 2, 4, f).is_err(), "short I420");
        assert!(YuvFrame::i420(&buf[..12], 4, 2, 4, f).is_ok());
    }

    #[test]
    fn grey_and_primaries_convert_as_bt601() {
        // 2x2 frame, one chroma sample.
        let y = [128u8; 4];
        let frame = YuvFrame::new(&y, 2, &[128], &[128], 1, 1, 2, 2, YuvRange::Full).unwrap();
        assert_eq!(frame.rgb(1, 1), [128 * 256; 3]);
        let red = YuvFrame::new(&[76u8; 4], 2, &[85], &[255], 1, 1, 2, 2, YuvRange::Full).unwrap();
        let [r, g, b] = red.rgb(0, 0).map(|v| v / 256);
        assert!(r > 250 && g < 5 && b < 5, "{r} {g} {b}");
        let limited = YuvFrame::new(&[16u8; 4], 2, &[128], &[128], 1, 1, 2, 2, YuvRange::Limited).unwrap();
        assert_eq!(limited.rgb(0, 0), [0; 3]);
        let white = YuvFrame::new(&[235u8; 4], 2, &[128], &[128], 1, 1, 2, 2, YuvRange::Limited).unwrap();
        assert!(white.rgb(0, 0).iter().all(|&v| (v / 256 - 255).abs() <= 1), "{:?}", white.rgb(0, 0));
    }

    #[test]
    fn spans_convert_each_pixel_as_bt601_rounded() {
        let (w, h) = (6usize, 4usize);
        let y: Vec<u8> = (0..w * h).map(|i| (i * 37 % 256) as u8).collect();
        let uv: Vec<u8> = (0..w * h / 2).map(|i| (i * 91 % 256) as u8).collect();
        for range in [YuvRange::Full, YuvRange::Limited] {
            let frame = YuvFrame::nv12(&y, w, &uv, w, w as u32, h as u32, range).unwrap();
            let want = |x: usize, yy: usize| {
                frame.rgb(x as u32, yy as u32).map(|v| ((v + 128) >> 8).clamp(0, 255) as u8)
            };
            let mut row = vec![0u8; 5 * 3];
            frame.span_rgb8(1, 2, false, &mut row);
            let mut column = vec![0u8; 3 * 3];
            frame.span_rgb8(3, 1, true, &mut column);
            for i in 0..5 {
                assert_eq!(row[i * 3..i * 3 + 3], want(1 + i, 2), "{range:?} row {i}");
            }
            for i in 0..3 {
                assert_eq!(column[i * 3..i * 3 + 3], want(3, 1 + i), "{range:?} column {i}");
            }
        }
    }

    #[test]
    fn whole_rows_convert_bit_for_bit_like_the_integer_formula_for_every_y_u_v() {
        // 256 chroma samples (every U) per row, one V per frame, every Y at every sample over
        // the offsets: all 2^24 combinations, in both ranges, through the vector blocks.
        let w = 512usize;
        for range in [YuvRange::Full, YuvRange::Limited] {
            let matrix = bt601(range);
            let u: Vec<u8> = (0..=255).collect();
            let mut got = vec![0u8; w * 3];
            for v in 0..=255u8 {
                let vs = vec![v; 256];
                for offset in 0..128usize {
                    let y: Vec<u8> = (0..2 * w).map(|p| ((p + 2 * offset) % 256) as u8).collect();
                    let frame = YuvFrame::new(&y, w, &u, &vs, 256, 1, w as u32, 2, range).unwrap();
                    frame.span_rgb8(0, 0, false, &mut got);
                    for (p, px) in got.chunks_exact(3).enumerate() {
                        let want = matrix.rgb8(y[p], matrix.chroma(u[p / 2], v));
                        assert_eq!(px, want, "{range:?} y {} u {} v {v}", y[p], u[p / 2]);
                    }
                }
            }
        }
    }

    /// On x86_64 spans take the AVX2 block where the CPU has it; the portable block must give
    /// the same bytes (aarch64 runs it through every span, under qemu in CI).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_block_writes_the_portable_blocks_bytes() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut byte = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 56) as u8
        };
        for range in [YuvRange::Full, YuvRange::Limited] {
            let lanes = Bt601Lanes::of(bt601(range));
            for step in [1, 2, 3] {
                for _ in 0..2000 {
                    let luma: Vec<u8> = (0..BLOCK).map(|_| byte()).collect();
                    let u: Vec<u8> = (0..BLOCK * step).map(|_| byte()).collect();
                    let v: Vec<u8> = (0..BLOCK * step).map(|_| byte()).collect();
                    let (mut want, mut got) = ([0u8; BLOCK * 3], [0u8; BLOCK * 3]);
                    lanes.block(&luma, &u, &v, step, &mut want);
                    assert!(crate::input::yuv_x86::block(&lanes, &luma, &u, &v, step, &mut got));
                    assert_eq!(got, want, "{range:?} step {step}");
                }
            }
        }
    }

    #[test]
    fn spans_starting_on_odd_columns_and_ending_mid_block_match_pixel_by_pixel() {
        let (w, h) = (64usize, 4usize);
        let y: Vec<u8> = (0..w * h).map(|i| (i * 53 % 256) as u8).collect();
        let vu: Vec<u8> = (0..w * h / 2).map(|i| (i * 101 % 256) as u8).collect();
        let frame = YuvFrame::nv21(&y, w, &vu, w, w as u32, h as u32, YuvRange::Limited).unwrap();
        for (x, n) in [(0, 64), (1, 63), (3, 40), (17, 16), (5, 1), (62, 2), (1, 17)] {
            let mut span = vec![0u8; n * 3];
            frame.span_rgb8(x, 3, false, &mut span);
            for i in 0..n {
                let want = frame.rgb((x + i) as u32, 3).map(|v| ((v + 128) >> 8).clamp(0, 255) as u8);
                assert_eq!(span[i * 3..i * 3 + 3], want, "span {x}+{n}, pixel {i}");
            }
        }
    }
}
