//! Raw pixel buffers as phones and cameras hand them over.

use image::RgbImage;

use crate::error::{Error, Result};

/// Memory layout of one pixel in a [`PixelBuffer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PixelFormat {
    /// 4 bytes per pixel: red, green, blue, alpha (Android `Bitmap.copyPixelsToBuffer` for
    /// `ARGB_8888`, iOS `CGImage` with `premultipliedLast`).
    Rgba8,
    /// 4 bytes per pixel: blue, green, red, alpha (iOS `CVPixelBuffer` `kCVPixelFormatType_32BGRA`).
    Bgra8,
    /// One `u32` per pixel, `0xAARRGGBB` as a native integer (Android `Bitmap.getPixels`): given
    /// as `u32` values ([`PixelBuffer::from_argb_ints`]) or as their native-endian bytes
    /// ([`PixelBuffer::new`], at any alignment; the stride must be a whole number of pixels).
    Argb32,
    /// 3 bytes per pixel: red, green, blue.
    Rgb8,
    /// 1 byte per pixel: luminance, copied to all three channels.
    Gray8,
}

impl PixelFormat {
    /// Bytes one pixel takes in memory.
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            Self::Rgba8 | Self::Bgra8 | Self::Argb32 => 4,
            Self::Rgb8 => 3,
            Self::Gray8 => 1,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Data<'a> {
    Bytes(&'a [u8]),
    Ints(&'a [u32]),
}

/// A borrowed, validated raw image: the caller's memory, never copied until preprocessing.
///
/// Alpha is ignored (pixels are treated as opaque); premultiplied colours are used as they are.
#[derive(Debug, Clone, Copy)]
pub struct PixelBuffer<'a> {
    data: Data<'a>,
    width: u32,
    height: u32,
    stride: usize,
    format: PixelFormat,
}

impl<'a> PixelBuffer<'a> {
    /// Wraps a byte buffer. `stride` is the distance between the starts of two rows, in bytes;
    /// it must be at least `width * bytes_per_pixel`, and `data` must hold
    /// `stride * (height - 1) + width * bytes_per_pixel` bytes.
    ///
    /// [`PixelFormat::Argb32`] pixels are read as native-endian `u32`s from the bytes in place,
    /// so a C `uint32_t[]` or a Swift `Data` of `UInt32`s needs no copy and no alignment; their
    /// stride must be a multiple of 4.
    pub fn new(data: &'a [u8], width: u32, height: u32, stride: usize, format: PixelFormat) -> Result<Self> {
        let buffer = Self { data: Data::Bytes(data), width, height, stride, format };
        buffer.validate(data.len())?;
        Ok(buffer)
    }

    /// Wraps packed `0xAARRGGBB` integers as Android's `Bitmap.getPixels` returns them.
    /// `stride_pixels` is the row distance in pixels (Android's `stride` argument).
    pub fn from_argb_ints(data: &'a [u32], width: u32, height: u32, stride_pixels: usize) -> Result<Self> {
        let stride = stride_pixels
            .checked_mul(4)
            .ok_or_else(|| Error::pixel_buffer(format!("stride of {stride_pixels} pixels overflows")))?;
        let buffer = Self { data: Data::Ints(data), width, height, stride, format: PixelFormat::Argb32 };
        let len = data.len().checked_mul(4).ok_or_else(|| Error::pixel_buffer("buffer length overflows"))?;
        buffer.validate(len)?;
        Ok(buffer)
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }
    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }
    /// Row stride in bytes.
    pub fn stride(&self) -> usize {
        self.stride
    }
    /// Pixel layout.
    pub fn format(&self) -> PixelFormat {
        self.format
    }

    fn validate(&self, len_bytes: usize) -> Result<()> {
        if self.width == 0 || self.height == 0 {
            return Err(Error::pixel_buffer(format!("zero-sized image {}x{}", self.width, self.height)));
        }
        let bpp = self.format.bytes_per_pixel();
        let row = (self.width as usize)
            .checked_mul(bpp)
            .ok_or_else(|| Error::pixel_buffer("row size overflows"))?;
        if self.stride < row {
            return Err(Error::pixel_buffer(format!(
                "stride {} is smaller than a row of {} pixels ({} bytes)",
                self.stride, self.width, row
            )));
        }
        if matches!(self.format, PixelFormat::Argb32) && !self.stride.is_multiple_of(4) {
            return Err(Error::pixel_buffer(format!(
                "stride {} is not a whole number of u32 pixels",
                self.stride
            )));
        }
        let needed = (self.height as usize - 1)
            .checked_mul(self.stride)
            .and_then(|n| n.checked_add(row))
            .ok_or_else(|| Error::pixel_buffer("buffer size overflows"))?;
        if len_bytes < needed {
            return Err(Error::pixel_buffer(format!(
                "buffer holds {len_bytes} bytes, {}x{} with stride {} needs {needed}",
                self.width, self.height, self.stride
            )));
        }
        Ok(())
    }

    /// Copies the pixels into an RGB image, dropping alpha.
    ///
    /// The copy takes `width * height * 3` bytes and, like `vec!`, aborts if they cannot be had;
    /// [`crate::Classifier::classify_pixels`] reads the buffer in place instead.
    pub fn to_rgb(&self) -> RgbImage {
        let (w, h) = (self.width as usize, self.height as usize);
        self.rgb_into(vec![0u8; w * h * 3])
    }

    /// Converts `len` pixels of row `y` from column `x` to RGB in `dst` (`len * 3` bytes).
    pub(crate) fn convert_span(&self, y: usize, x: usize, len: usize, dst: &mut [u8]) {
        match self.data {
            Data::Ints(ints) => {
                let start = y * self.stride / 4 + x;
                for (d, &p) in dst.as_chunks_mut::<3>().0.iter_mut().zip(&ints[start..start + len]) {
                    *d = [(p >> 16) as u8, (p >> 8) as u8, p as u8];
                }
            }
            Data::Bytes(bytes) => {
                let bpp = self.format.bytes_per_pixel();
                let start = y * self.stride + x * bpp;
                convert_row(self.format, &bytes[start..start + len * bpp], dst);
            }
        }
    }

    /// Bytes per pixel when each stored pixel starts with its red, green and blue bytes (RGB8,
    /// RGBA8), so that readers can filter the stored bytes in place; `None` for other layouts.
    pub(crate) fn rgb_first_channels(&self) -> Option<usize> {
        match (self.data, self.format) {
            (Data::Bytes(_), PixelFormat::Rgb8) => Some(3),
            (Data::Bytes(_), PixelFormat::Rgba8) => Some(4),
            _ => None,
        }
    }

    /// The stored bytes of `len` pixels of row `y` from column `x`, when
    /// [`Self::rgb_first_channels`] is some.
    pub(crate) fn rgb_first_span(&self, y: usize, x: usize, len: usize) -> Option<&'a [u8]> {
        let channels = self.rgb_first_channels()?;
        let Data::Bytes(bytes) = self.data else { return None };
        let start = y * self.stride + x * channels;
        bytes.get(start..start + len * channels)
    }

    /// Fills `out` (`width * height * 3` bytes).
    fn rgb_into(&self, mut out: Vec<u8>) -> RgbImage {
        let w = self.width as usize;
        for (y, dst_row) in out.chunks_exact_mut(w * 3).enumerate() {
            self.convert_span(y, 0, w, dst_row);
        }
        RgbImage::from_raw(self.width, self.height, out).expect("buffer sized from width and height")
    }
}

/// Pixels as fixed-size arrays, so each loop below is a shuffle the compiler vectorises.
fn convert_row(format: PixelFormat, src: &[u8], dst: &mut [u8]) {
    let dst = dst.as_chunks_mut::<3>().0;
    match format {
        PixelFormat::Rgb8 => dst.as_flattened_mut().copy_from_slice(src),
        PixelFormat::Rgba8 => {
            for (d, s) in dst.iter_mut().zip(src.as_chunks::<4>().0) {
                *d = [s[0], s[1], s[2]];
            }
        }
        PixelFormat::Bgra8 => {
            for (d, s) in dst.iter_mut().zip(src.as_chunks::<4>().0) {
                *d = [s[2], s[1], s[0]];
            }
        }
        PixelFormat::Gray8 => {
            for (d, &s) in dst.iter_mut().zip(src) {
                *d = [s; 3];
            }
        }
        PixelFormat::Argb32 => {
            // Bytes of native-endian `u32`s, read without alignment: the same values
            // `Data::Ints` holds, so both paths give the same pixels.
            for (d, s) in dst.iter_mut().zip(src.as_chunks::<4>().0) {
                let p = u32::from_ne_bytes(*s);
                *d = [(p >> 16) as u8, (p >> 8) as u8, p as u8];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_agree() {
        let rgb = [10u8, 20, 30, 40, 50, 60];
        let rgba = [10u8, 20, 30, 255, 40, 50, 60, 255];
        let bgra = [30u8, 20, 10, 255, 60, 50, 40, 255];
        let argb = [0xff0a141eu32, 0xff28323c];
        let a = PixelBuffer::new(&rgb, 2, 1, 6, PixelFormat::Rgb8).unwrap().to_rgb();
        let b = PixelBuffer::new(&rgba, 2, 1, 8, PixelFormat::Rgba8).unwrap().to_rgb();
        let c = PixelBuffer::new(&bgra, 2, 1, 8, PixelFormat::Bgra8).unwrap().to_rgb();
        let d = PixelBuffer::from_argb_ints(&argb, 2, 1, 2).unwrap().to_rgb();
        let argb_bytes: Vec<u8> = argb.iter().flat_map(|p| p.to_ne_bytes()).collect();
        let e = PixelBuffer::new(&argb_bytes, 2, 1, 8, PixelFormat::Argb32).unwrap().to_rgb();
        assert_eq!(a.as_raw(), &rgb);
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a, d);
        assert_eq!(a, e);
    }

    #[test]
    fn stride_padding_is_skipped() {
        let gray = [1u8, 2, 99, 3, 4, 99];
        let img = PixelBuffer::new(&gray, 2, 2, 3, PixelFormat::Gray8).unwrap().to_rgb();
        assert_eq!(img.as_raw(), &[1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    }

    #[test]
    fn inconsistent_buffers_are_refused() {
        let data = [0u8; 16];
        for (w, h, stride, fmt) in [
            (0, 1, 4, PixelFormat::Rgba8),
            (1, 0, 4, PixelFormat::Rgba8),
            (2, 2, 7, PixelFormat::Rgba8),
            (2, 3, 8, PixelFormat::Rgba8),
            (u32::MAX, u32::MAX, usize::MAX, PixelFormat::Rgba8),
            // Argb32 bytes: the stride must be whole pixels, the last row complete.
            (1, 2, 6, PixelFormat::Argb32),
            (2, 3, 8, PixelFormat::Argb32),
        ] {
            let err = PixelBuffer::new(&data, w, h, stride, fmt).unwrap_err();
            assert!(matches!(err, Error::InvalidPixelBuffer { .. }), "{w}x{h}/{stride}: {err}");
        }
        assert!(PixelBuffer::from_argb_ints(&[0; 3], 2, 2, 2).is_err());
        assert!(PixelBuffer::from_argb_ints(&[0; 4], 2, 2, usize::MAX).is_err());
    }
}
