//! Reading what C hands over: borrowed buffers and strings, and a [`GlassesInput`] /
//! [`GlassesRequest`] as core's [`Input`] / [`Request`]. (The classifier behind a handle is
//! borrowed in [`super::classifier`], which owns the handle.)

use std::ffi::{CStr, c_char};
use std::path::Path;

use glasses_core::{FaceBox, Input, Orientation, PixelBuffer, Request, YuvFrame, YuvRange};

use super::types::{GlassesInput, GlassesRequest, GlassesYuvFrame};
use crate::codes::{self, GlassesInputKind, SurfaceError};

/// Borrows `len` values of `T` at `ptr` (bytes, `uint32_t` pixels), refusing NULL, misaligned
/// pointers and lengths no allocation can have.
///
/// # Safety
/// A non-NULL `ptr` must be valid for reads of `len` values for `'a`.
pub(super) unsafe fn borrow_slice<'a, T>(
    ptr: *const T,
    len: usize,
    name: &'static str,
) -> Result<&'a [T], SurfaceError> {
    if ptr.is_null() {
        return Err(SurfaceError::Null(name));
    }
    if !ptr.is_aligned() {
        let align = std::mem::align_of::<T>();
        return Err(SurfaceError::InvalidArgument(format!("`{name}` is not aligned to {align} bytes")));
    }
    if len > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(SurfaceError::InvalidArgument(format!("`{name}` length {len} exceeds isize::MAX bytes")));
    }
    // SAFETY: non-NULL, aligned, size in range checked above; validity for `len` values is the
    // caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows a NUL-terminated UTF-8 string.
///
/// # Safety
/// A non-NULL `ptr` must point to a NUL-terminated string valid for `'a`.
pub(super) unsafe fn borrow_str<'a>(ptr: *const c_char, name: &'static str) -> Result<&'a str, SurfaceError> {
    if ptr.is_null() {
        return Err(SurfaceError::Null(name));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    unsafe { CStr::from_ptr(ptr) }
        .to_str()
        .map_err(|e| SurfaceError::InvalidArgument(format!("`{name}` is not UTF-8: {e}")))
}

impl GlassesInput {
    /// Core's input, and the orientation the input itself carries (a YUV frame's rotation; upright
    /// for the other kinds), which applies before the request's.
    ///
    /// # Safety
    /// The pointers its kind reads must be NULL or valid for their stated lengths for `'a`.
    pub(super) unsafe fn read(&self) -> Result<(Input<'_>, Orientation), SurfaceError> {
        let kind = GlassesInputKind::from_code(self.kind)
            .ok_or_else(|| SurfaceError::InvalidArgument(format!("unknown input kind {}", self.kind)))?;
        let upright = Orientation::default();
        // SAFETY (every block below): the pointers of this kind are valid by the caller's contract.
        Ok(match kind {
            GlassesInputKind::Encoded => {
                (Input::Encoded(unsafe { borrow_slice(self.bytes, self.bytes_len, "bytes") }?), upright)
            }
            GlassesInputKind::Pixels => {
                let data = unsafe { borrow_slice(self.bytes, self.bytes_len, "bytes") }?;
                let format = codes::pixel_format(i64::from(self.format))?;
                (
                    Input::Pixels(PixelBuffer::new(data, self.width, self.height, self.stride, format)?),
                    upright,
                )
            }
            GlassesInputKind::Argb => {
                let ints = unsafe { borrow_slice(self.argb, self.argb_len, "argb") }?;
                (
                    Input::Pixels(PixelBuffer::from_argb_ints(ints, self.width, self.height, self.stride)?),
                    upright,
                )
            }
            GlassesInputKind::Yuv => {
                let (frame, orientation) = unsafe { self.yuv.read() }?;
                (Input::Yuv(frame), orientation)
            }
            GlassesInputKind::Path => {
                (Input::Path(Path::new(unsafe { borrow_str(self.path, "path") }?)), upright)
            }
        })
    }
}

impl GlassesYuvFrame {
    /// Core's frame and the rotation that makes it upright.
    ///
    /// # Safety
    /// The plane pointers must be NULL or readable for their stated lengths for `'a`.
    unsafe fn read(&self) -> Result<(YuvFrame<'_>, Orientation), SurfaceError> {
        // SAFETY: the caller's contract.
        let (y, u, v) = unsafe {
            (
                borrow_slice(self.y, self.y_len, "frame.y")?,
                borrow_slice(self.u, self.u_len, "frame.u")?,
                borrow_slice(self.v, self.v_len, "frame.v")?,
            )
        };
        let range = match self.range {
            0 => YuvRange::Full,
            1 => YuvRange::Limited,
            other => return Err(SurfaceError::InvalidArgument(format!("unknown YUV range {other}"))),
        };
        let frame = YuvFrame::new(
            y,
            self.y_row_stride,
            u,
            v,
            self.uv_row_stride,
            self.uv_pixel_stride,
            self.width,
            self.height,
            range,
        )?;
        Ok((frame, codes::orientation(i64::from(self.rotation_degrees), self.mirrored)?))
    }
}

impl GlassesRequest {
    /// Core's request for a picture that carries `stored` itself (applied first).
    pub(super) fn core(&self, stored: Orientation) -> Result<Request, SurfaceError> {
        let f = self.face;
        let face = self.has_face.then(|| FaceBox::new(f.x, f.y, f.width, f.height));
        let face_mode = codes::face_mode(i64::from(self.face_mode))?;
        let mut request = codes::request(i64::from(self.rotation_degrees), self.mirrored, face, face_mode)?;
        request.orientation = stored.then(request.orientation);
        Ok(request)
    }
}
