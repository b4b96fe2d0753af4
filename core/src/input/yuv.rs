//! Camera frames as cameras hand them over: YUV 4:2:0 planes with strides, plus the rotation
//! that makes them upright (Android CameraX `ImageProxy` in `YUV_420_888` with
//! `imageInfo.rotationDegrees`; iOS `CVPixelBuffer` in `420YpCbCr8BiPlanarFullRange`).
//!
//! Colours are BT.601 (what Android and iOS cameras produce for these formats), full or limited
//! ("video") range as stated by [`YuvRange`]. The frame is never converted to RGB whole: only the
//! part the model sees (a face region, or the whole upright frame) is converted, and a large one
//! is averaged down by whole blocks while it is converted, to between one and two times the
//! model's input size, so memory stays proportional to the model's input, not to the frame.

use image::RgbImage;

use crate::error::{Error, Result};
use crate::region::Region;

/// The value range of the samples (BT.601 matrix in both cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum YuvRange {
    /// Y, U and V use 0-255 (JPEG/JFIF; Android's camera frames; iOS `...FullRange`).
    Full,
    /// Y uses 16-235 and U, V 16-240 (iOS `...VideoRange`, most video decoders).
    Limited,
}

/// How the frame must be turned to be upright: the clockwise rotation in degrees, as Android's
/// `imageInfo.rotationDegrees` gives it, then an optional left-right mirror (front cameras).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Orientation {
    /// 0, 90, 180 or 270.
    pub rotation_degrees: u32,
    /// Mirror the upright picture left to right.
    pub mirrored: bool,
}

impl Orientation {
    /// A rotation without mirroring; `rotation_degrees` must be 0, 90, 180 or 270.
    pub fn rotated(rotation_degrees: u32) -> Self {
        Self { rotation_degrees, mirrored: false }
    }

    fn validate(&self) -> Result<()> {
        if matches!(self.rotation_degrees, 0 | 90 | 180 | 270) {
            Ok(())
        } else {
            Err(Error::pixel_buffer(format!(
                "rotation of {} degrees: only 0, 90, 180 and 270 are possible",
                self.rotation_degrees
            )))
        }
    }

    /// The upright size of a `width x height` frame.
    pub fn upright_size(&self, width: u32, height: u32) -> (u32, u32) {
        if self.rotation_degrees % 180 == 90 { (height, width) } else { (width, height) }
    }

    /// The frame position shown at upright position `(ux, uy)` of a `width x height` frame.
    fn source(&self, ux: u32, uy: u32, width: u32, height: u32) -> (u32, u32) {
        let (uw, _) = self.upright_size(width, height);
        let ux = if self.mirrored { uw - 1 - ux } else { ux };
        match self.rotation_degrees {
            90 => (uy, height - 1 - ux),
            180 => (width - 1 - ux, height - 1 - uy),
            270 => (width - 1 - uy, ux),
            _ => (ux, uy),
        }
    }
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
    #[inline(always)]
    fn rgb(&self, x: u32, y: u32) -> [i32; 3] {
        let (x, y) = (x as usize, y as usize);
        let luma = self.y[y * self.y_row_stride + x] as i32;
        let c = (y / 2) * self.uv_row_stride + (x / 2) * self.uv_pixel_stride;
        let (u, v) = (self.u[c] as i32 - 128, self.v[c] as i32 - 128);
        // 1.402, 0.344136, 0.714136, 1.772 times 256; limited range scales Y by 255/219 and
        // chroma by 255/224 first (folded into the constants).
        let (l, kr, kgu, kgv, kb) = match self.range {
            YuvRange::Full => (luma * 256, 359, 88, 183, 454),
            YuvRange::Limited => ((luma - 16) * 298, 409, 100, 208, 516),
        };
        [l + kr * v, l - kgu * u - kgv * v, l + kb * u]
    }

    /// The upright picture's `region` (whole pixels of the upright frame; parts outside repeat
    /// its edge) as RGB, each output pixel the average of a `step x step` block of upright pixels:
    /// `region.width / step x region.height / step` pixels.
    pub(crate) fn upright_region_rgb(
        &self,
        orientation: Orientation,
        region: Region,
        step: u32,
    ) -> Result<RgbImage> {
        orientation.validate()?;
        let (uw, uh) = orientation.upright_size(self.width, self.height);
        let step = step.max(1);
        let (ow, oh) = ((region.width / step).max(1), (region.height / step).max(1));
        let mut out = crate::memory::try_zeroed(ow as usize * oh as usize * 3, "the converted camera frame")?;
        let clamp = |v: i64, limit: u32| v.clamp(0, limit as i64 - 1) as u32;
        let divisor = (step * step) as i32 * 256;
        for oy in 0..oh {
            for ox in 0..ow {
                let mut sum = [0i32; 3];
                for dy in 0..step {
                    let uy = clamp(region.y + (oy * step + dy) as i64, uh);
                    for dx in 0..step {
                        let ux = clamp(region.x + (ox * step + dx) as i64, uw);
                        let (sx, sy) = orientation.source(ux, uy, self.width, self.height);
                        let px = self.rgb(sx, sy);
                        for c in 0..3 {
                            sum[c] += px[c];
                        }
                    }
                }
                let at = (oy as usize * ow as usize + ox as usize) * 3;
                for c in 0..3 {
                    out[at + c] = ((sum[c] + divisor / 2).div_euclid(divisor)).clamp(0, 255) as u8;
                }
            }
        }
        Ok(RgbImage::from_raw(ow, oh, out).expect("buffer sized from the output size"))
    }
}

/// The averaging step that brings `width x height` down to no less than `target` on its smaller
/// ratio: large frames are averaged down while converted (the model's resize then finishes from
/// at most twice its size), small ones kept.
pub(crate) fn decimation(width: u32, height: u32, target: (u32, u32)) -> u32 {
    let ratio = (width / target.0.max(1)).min(height / target.1.max(1));
    ratio.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotations_map_upright_positions_back_to_the_frame() {
        // A 4x2 frame: upright corners under each rotation.
        let (w, h) = (4, 2);
        let top_left = |o: Orientation| o.source(0, 0, w, h);
        assert_eq!(top_left(Orientation::rotated(0)), (0, 0));
        assert_eq!(top_left(Orientation::rotated(90)), (0, 1));
        assert_eq!(top_left(Orientation::rotated(180)), (3, 1));
        assert_eq!(top_left(Orientation::rotated(270)), (3, 0));
        assert_eq!(top_left(Orientation { rotation_degrees: 0, mirrored: true }), (3, 0));
        assert_eq!(Orientation::rotated(90).upright_size(w, h), (2, 4));
        assert!(Orientation::rotated(45).validate().is_err());
    }

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
    fn decimation_keeps_at_least_the_target() {
        assert_eq!(decimation(1920, 1080, (176, 216)), 5);
        assert_eq!(decimation(640, 480, (176, 216)), 2);
        assert_eq!(decimation(300, 200, (176, 216)), 1);
        assert_eq!(decimation(4000, 3000, (176, 216)), 13);
    }
}
