//! The upright row reader: every kind of picture the library accepts, read in place, in its own
//! layout, a span of one upright row at a time, as 8-bit RGB.
//!
//! Nothing here copies a picture: a stored row (or, for a quarter-turned picture, a stored
//! column) is converted straight into the caller's small buffer. Conversions are the ones the
//! rest of the library promises: `image`'s `into_rgb8` for decoded pictures, [`PixelBuffer`]'s
//! for raw buffers, BT.601 fixed point for camera frames.

use image::{DynamicImage, RgbImage};

use crate::error::{Error, Result};
use crate::input::orientation::Orientation;
use crate::input::pixels::PixelBuffer;
use crate::yuv::YuvFrame;

/// A picture as it is stored, before its orientation is applied.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stored<'a> {
    /// A raw buffer in any [`crate::PixelFormat`], with its stride.
    Pixels(PixelBuffer<'a>),
    /// A decoded picture in the colour type its decoder produced.
    Image(&'a DynamicImage),
    /// Packed 8-bit RGB.
    Rgb(&'a RgbImage),
    /// A YUV 4:2:0 camera frame.
    Yuv(YuvFrame<'a>),
}

impl Stored<'_> {
    fn size(&self) -> (u32, u32) {
        match self {
            Self::Pixels(p) => (p.width(), p.height()),
            Self::Image(i) => (i.width(), i.height()),
            Self::Rgb(i) => i.dimensions(),
            Self::Yuv(f) => (f.width(), f.height()),
        }
    }

    /// RGB of `out.len() / 3` stored pixels from `(x, y)`, going right, or down when `down`.
    fn read_span(&self, x: u32, y: u32, down: bool, out: &mut [u8]) {
        let n = out.len() / 3;
        let (x, y) = (x as usize, y as usize);
        match *self {
            Self::Pixels(p) if !down => p.convert_span(y, x, n, out),
            Self::Pixels(p) => {
                for (i, px) in out.chunks_exact_mut(3).enumerate() {
                    p.convert_span(y + i, x, 1, px);
                }
            }
            Self::Rgb(image) => {
                read_packed::<3>(image.as_raw(), image.width() as usize, down, x, y, out, |s| *s)
            }
            Self::Yuv(frame) => frame.span_rgb8(x, y, down, out),
            Self::Image(image) => read_decoded(image, down, x, y, out),
        }
    }

    /// Bytes per pixel of the stored rows when each pixel starts with its 8-bit red, green and
    /// blue (packed RGB, what a JPEG decodes to, or RGBA): readers then filter the stored bytes
    /// in place, skipping any fourth byte, instead of converting them. `None` for other layouts.
    fn rgb_first_channels(&self) -> Option<usize> {
        match self {
            Self::Rgb(_) | Self::Image(DynamicImage::ImageRgb8(_)) => Some(3),
            Self::Image(DynamicImage::ImageRgba8(_)) => Some(4),
            Self::Pixels(p) => p.rgb_first_channels(),
            _ => None,
        }
    }

    /// The stored bytes of `n` pixels from `(x, y)` going right, when
    /// [`Self::rgb_first_channels`] says they can be read in place.
    fn rgb_first_span(&self, x: u32, y: u32, n: u32) -> Option<&[u8]> {
        let (raw, channels) = match self {
            Self::Rgb(image) => (image.as_raw().as_slice(), 3),
            Self::Image(DynamicImage::ImageRgb8(image)) => (image.as_raw().as_slice(), 3),
            Self::Image(DynamicImage::ImageRgba8(image)) => (image.as_raw().as_slice(), 4),
            Self::Pixels(p) => return p.rgb_first_span(y as usize, x as usize, n as usize),
            _ => return None,
        };
        let start = (y as usize * self.size().0 as usize + x as usize) * channels;
        raw.get(start..start + n as usize * channels)
    }
}

/// Reads pixels of `N` bytes from a packed buffer `width` pixels wide, mapping each with
/// `convert`; a row is walked as fixed-size arrays, which the compiler turns into shuffles.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn read_packed<const N: usize>(
    raw: &[u8],
    width: usize,
    down: bool,
    x: usize,
    y: usize,
    out: &mut [u8],
    convert: impl Fn(&[u8; N]) -> [u8; 3],
) {
    let out = out.as_chunks_mut::<3>().0;
    let (start, n) = ((y * width + x) * N, out.len());
    if down {
        for (i, px) in out.iter_mut().enumerate() {
            let at = start + i * width * N;
            *px = convert(raw[at..at + N].first_chunk().expect("N bytes"));
        }
    } else if N == 3 {
        out.as_flattened_mut().copy_from_slice(&raw[start..start + n * 3]);
    } else {
        let src = raw[start..start + n * N].as_chunks::<N>().0;
        for (px, s) in out.iter_mut().zip(src) {
            *px = convert(s);
        }
    }
}

/// A decoded picture's pixels, converted as `DynamicImage::into_rgb8` converts them: 8-bit types
/// directly, the others (16-bit, float) by `image` itself on the span, so rounding is its own.
fn read_decoded(image: &DynamicImage, down: bool, x: usize, y: usize, out: &mut [u8]) {
    let width = image.width() as usize;
    match image {
        DynamicImage::ImageRgb8(i) => read_packed::<3>(i.as_raw(), width, down, x, y, out, |s| *s),
        DynamicImage::ImageRgba8(i) => {
            read_packed::<4>(i.as_raw(), width, down, x, y, out, |s| [s[0], s[1], s[2]])
        }
        DynamicImage::ImageLuma8(i) => read_packed::<1>(i.as_raw(), width, down, x, y, out, |s| [s[0]; 3]),
        DynamicImage::ImageLumaA8(i) => read_packed::<2>(i.as_raw(), width, down, x, y, out, |s| [s[0]; 3]),
        other => {
            let n = (out.len() / 3) as u32;
            let (w, h) = if down { (1, n) } else { (n, 1) };
            let span = other.crop_imm(x as u32, y as u32, w, h).into_rgb8();
            out.copy_from_slice(span.as_raw());
        }
    }
}

/// A stored picture seen through its orientation: rows of the upright picture on demand.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Upright<'a> {
    stored: Stored<'a>,
    orientation: Orientation,
}

impl<'a> Upright<'a> {
    /// `stored` turned upright by `orientation`; a rotation other than a quarter turn is
    /// [`Error::InvalidPixelBuffer`], an empty picture [`Error::InvalidImage`].
    pub(crate) fn new(stored: Stored<'a>, orientation: Orientation) -> Result<Self> {
        orientation.validate()?;
        let (w, h) = stored.size();
        if w == 0 || h == 0 {
            return Err(Error::invalid_image(format!("empty picture ({w}x{h})")));
        }
        Ok(Self { stored, orientation })
    }

    /// Width and height of the upright picture.
    pub(crate) fn size(&self) -> (u32, u32) {
        let (w, h) = self.stored.size();
        self.orientation.upright_size(w, h)
    }

    /// RGB of upright row `uy` from column `ux` on, `out.len() / 3` pixels (all inside).
    pub(crate) fn read_row(&self, uy: u32, ux: u32, out: &mut [u8]) {
        let n = (out.len() / 3) as u32;
        if n == 0 {
            return;
        }
        let (w, h) = self.stored.size();
        let first = self.orientation.source(ux, uy, w, h);
        let last = self.orientation.source(ux + n - 1, uy, w, h);
        // An upright row is a stored row or a stored column, read in storage order and turned
        // around when the orientation runs it backwards.
        let down = first.0 == last.0 && first.1 != last.1;
        let backwards = if down { first.1 > last.1 } else { first.0 > last.0 };
        let start = (first.0.min(last.0), first.1.min(last.1));
        self.stored.read_span(start.0, start.1, down, out);
        if backwards {
            out.as_chunks_mut::<3>().0.reverse();
        }
    }

    /// Bytes per pixel of the rows [`Self::row`] hands out: red, green and blue first, then
    /// any byte the stored layout has (4 for RGBA read in place), else 3.
    pub(crate) fn row_channels(&self) -> usize {
        match self.stored.rgb_first_channels() {
            Some(channels) if self.orientation == Orientation::default() => channels,
            _ => 3,
        }
    }

    /// Upright row `uy` from column `ux` on, `n` pixels (all inside), [`Self::row_channels`]
    /// bytes each: the stored bytes themselves when the row is stored so in reading order, else
    /// `scratch` (at least `3 * n` bytes) filled by [`Self::read_row`].
    pub(crate) fn row<'s>(&'s self, uy: u32, ux: u32, n: usize, scratch: &'s mut [u8]) -> &'s [u8] {
        if self.orientation == Orientation::default()
            && let Some(span) = self.stored.rgb_first_span(ux, uy, n as u32)
        {
            return span;
        }
        let out = &mut scratch[..n * 3];
        self.read_row(uy, ux, out);
        out
    }

    /// The whole upright picture as packed RGB, allocated fallibly (for [`crate::preprocess::decode`],
    /// whose callers want the picture itself).
    pub(crate) fn read_all(&self) -> Result<RgbImage> {
        let (w, h) = self.size();
        let row = w as usize * 3;
        let mut out = crate::memory::try_zeroed::<u8>(row.saturating_mul(h as usize), "the RGB picture")?;
        for (y, dst) in out.chunks_exact_mut(row).enumerate() {
            self.read_row(y as u32, 0, dst);
        }
        RgbImage::from_raw(w, h, out).ok_or_else(|| Error::invalid_image("RGB buffer size mismatch"))
    }
}

#[cfg(test)]
mod tests {
    use image::{ImageBuffer, Luma, LumaA, Rgb, Rgba};

    use super::*;
    use crate::PixelFormat;

    fn picture() -> RgbImage {
        RgbImage::from_fn(7, 4, |x, y| Rgb([x as u8 * 30, y as u8 * 60, (x * 7 + y * 13) as u8]))
    }

    fn read_all(upright: Upright<'_>) -> RgbImage {
        upright.read_all().unwrap()
    }

    #[test]
    fn every_orientation_reads_like_the_rotated_copy() {
        let stored = picture();
        for r in [0, 90, 180, 270] {
            for m in [false, true] {
                let o = Orientation { rotation_degrees: r, mirrored: m };
                let (w, h) = stored.dimensions();
                let (uw, uh) = o.upright_size(w, h);
                let want = RgbImage::from_fn(uw, uh, |x, y| {
                    let (sx, sy) = o.source(x, y, w, h);
                    *stored.get_pixel(sx, sy)
                });
                let got = read_all(Upright::new(Stored::Rgb(&stored), o).unwrap());
                assert_eq!(got, want, "{o:?}");
                // A span in the middle of a row, too.
                let up = Upright::new(Stored::Rgb(&stored), o).unwrap();
                let mut span = [0u8; 6];
                up.read_row(1, 1, &mut span);
                assert_eq!(&span[..3], &want.get_pixel(1, 1).0, "{o:?}");
                assert_eq!(&span[3..], &want.get_pixel(2, 1).0, "{o:?}");
            }
        }
    }

    #[test]
    fn decoded_colour_types_convert_like_into_rgb8() {
        let (w, h) = (5, 3);
        let images = [
            DynamicImage::ImageLuma8(ImageBuffer::from_fn(w, h, |x, y| Luma([(x * 40 + y) as u8]))),
            DynamicImage::ImageLumaA8(ImageBuffer::from_fn(w, h, |x, y| LumaA([(x * 40 + y) as u8, 9]))),
            DynamicImage::ImageRgba8(ImageBuffer::from_fn(w, h, |x, y| Rgba([x as u8, y as u8, 3, 0]))),
            DynamicImage::ImageRgb16(ImageBuffer::from_fn(w, h, |x, y| {
                Rgb([x as u16 * 9000, y as u16 * 300, 77])
            })),
            DynamicImage::ImageLumaA16(ImageBuffer::from_fn(w, h, |x, y| {
                LumaA([(x * 5000 + y * 7) as u16, 1])
            })),
            DynamicImage::ImageRgba32F(ImageBuffer::from_fn(w, h, |x, y| {
                Rgba([x as f32 / 4.0, y as f32 / 2.0, 1.5, 0.0])
            })),
        ];
        for image in &images {
            for r in [0, 90] {
                let o = Orientation::rotated(r);
                let got = read_all(Upright::new(Stored::Image(image), o).unwrap());
                let want = read_all(Upright::new(Stored::Rgb(&image.to_rgb8()), o).unwrap());
                assert_eq!(got, want, "{:?} at {r}", image.color());
            }
        }
    }

    #[test]
    fn pixel_buffers_read_in_place_with_their_stride() {
        let rgb = picture();
        let (w, h) = rgb.dimensions();
        let bgra: Vec<u8> =
            rgb.rows().flat_map(|r| r.flat_map(|p| [p[2], p[1], p[0], 255]).chain([1, 2, 3, 4])).collect();
        let buffer = PixelBuffer::new(&bgra, w, h, w as usize * 4 + 4, PixelFormat::Bgra8).unwrap();
        for r in [0, 270] {
            let o = Orientation { rotation_degrees: r, mirrored: true };
            let got = read_all(Upright::new(Stored::Pixels(buffer), o).unwrap());
            let want = read_all(Upright::new(Stored::Rgb(&rgb), o).unwrap());
            assert_eq!(got, want, "{o:?}");
        }
        assert!(Upright::new(Stored::Rgb(&rgb), Orientation::rotated(45)).is_err());
        assert!(Upright::new(Stored::Rgb(&RgbImage::new(0, 3)), Orientation::default()).is_err());
    }
}
