//! What `classify` accepts, turned into core's inputs: a path, encoded bytes, or pixels read in
//! place from a numpy array (any buffer of `uint8`) or a PIL image.
//!
//! Conversion is two steps so that batches run without the GIL: [`prepare`] (with the GIL) keeps
//! each Python object alive in a [`Prepared`], and [`Prepared::source`] borrows plain Rust views of
//! it ([`Source`]: `Send + Sync`) for the threads.

use std::path::{Path, PathBuf};

use glasses_core::{FaceBox, FaceMode, Input, PixelBuffer, PixelFormat, Request};
use pyo3::buffer::{PyBuffer, PyUntypedBuffer};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::errors::Failure;

/// What the caller gave, kept alive for as long as core reads it.
#[derive(Debug)]
pub(crate) enum Prepared {
    /// A file to read.
    Path(PathBuf),
    /// An encoded image (JPEG, PNG, ...).
    Encoded(Keep),
    /// Raw pixels.
    Pixels(Keep, Layout),
}

/// The Python object whose memory core reads.
#[derive(Debug)]
pub(crate) enum Keep {
    /// A `bytes` object (immutable: safe to read without the GIL).
    Bytes(Py<PyBytes>),
    /// An exported buffer (a numpy array, a `bytearray`, ...), held so the exporter cannot free or
    /// resize the memory while core reads it.
    Buffer(PyBuffer<u8>),
}

/// Geometry of raw pixels in a [`Keep`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    width: u32,
    height: u32,
    /// Bytes from one row's start to the next.
    stride: usize,
    format: PixelFormat,
}

/// A borrowed view of a [`Prepared`], free of Python objects.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    /// A file to read.
    Path(&'a Path),
    /// An encoded image.
    Encoded(&'a [u8]),
    /// Raw pixels.
    Pixels(&'a [u8], Layout),
}

const ACCEPTED: &str = "a path (str or os.PathLike), bytes of an encoded image, a numpy uint8 array \
                        (HxWx3 RGB, HxWx4 RGBA or HxW grayscale) or a PIL image";

impl Keep {
    fn bytes<'a>(&'a self, py: Python<'_>) -> &'a [u8] {
        match self {
            Self::Bytes(bytes) => bytes.as_bytes(py),
            Self::Buffer(buffer) => buffer_bytes(buffer),
        }
    }
}

/// The memory of `buffer` from its first byte to the end of its last item, as one slice.
///
/// [`prepare`] only keeps buffers whose strides are all positive (rows may be farther apart than
/// their width, as in a cropped numpy view), so that span lies inside the exporter's memory.
#[allow(unsafe_code)]
fn buffer_bytes(buffer: &PyBuffer<u8>) -> &[u8] {
    if buffer.item_count() == 0 {
        return &[];
    }
    // Offset of the last item plus its one byte: the span the buffer's items cover.
    let span = 1 + buffer
        .shape()
        .iter()
        .zip(buffer.strides())
        .map(|(&n, &s)| (n - 1) * s.unsigned_abs())
        .sum::<usize>();
    // SAFETY: `buf_ptr` points at the first item of a buffer that `buffer` holds exported, so the
    // exporter keeps the memory alive and unmoved until `buffer` is dropped, which outlives the
    // returned borrow. With non-negative strides every item lies in `[buf_ptr, buf_ptr + span)`.
    // The bytes may be written by other Python code while core reads them (as with any numpy
    // function that releases the GIL); `u8` has no invalid values, so such a race can only mix
    // two pictures' pixels, which the docs tell callers to avoid.
    unsafe { std::slice::from_raw_parts(buffer.buf_ptr().cast::<u8>().cast_const(), span) }
}

impl Prepared {
    /// A view of the kept object for core. `py` proves the GIL is held while borrowing.
    pub(crate) fn source<'a>(&'a self, py: Python<'_>) -> Source<'a> {
        match self {
            Self::Path(path) => Source::Path(path),
            Self::Encoded(keep) => Source::Encoded(keep.bytes(py)),
            Self::Pixels(keep, layout) => Source::Pixels(keep.bytes(py), *layout),
        }
    }
}

impl<'a> Source<'a> {
    /// Core's input for this source (raw pixels checked against their layout).
    pub(crate) fn input(self) -> Result<Input<'a>, Failure> {
        Ok(match self {
            Self::Path(path) => Input::Path(path),
            Self::Encoded(bytes) => Input::Encoded(bytes),
            Self::Pixels(data, l) => {
                Input::Pixels(PixelBuffer::new(data, l.width, l.height, l.stride, l.format)?)
            }
        })
    }
}

/// Turns whatever `classify` was given into a [`Prepared`], or a `TypeError`/`ValueError` that
/// says what is accepted.
pub(crate) fn prepare(obj: &Bound<'_, PyAny>) -> PyResult<Prepared> {
    let py = obj.py();
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(Prepared::Encoded(Keep::Bytes(bytes.clone().unbind())));
    }
    if obj.is_instance_of::<PyString>() || obj.hasattr("__fspath__")? {
        return Ok(Prepared::Path(obj.extract::<PathBuf>()?));
    }
    if let Some(prepared) = prepare_pil(obj)? {
        return Ok(prepared);
    }
    if let Ok(buffer) = PyUntypedBuffer::get(obj) {
        return prepare_buffer(obj, buffer);
    }
    // Array-likes without the buffer protocol (a CPU torch tensor, a jax array, ...).
    if obj.hasattr("__array__")? {
        let numpy = py.import("numpy")?;
        let array = numpy.call_method1("asarray", (obj,))?;
        if let Ok(buffer) = PyUntypedBuffer::get(&array) {
            return prepare_buffer(&array, buffer);
        }
    }
    Err(PyTypeError::new_err(format!("cannot classify a {}: pass {ACCEPTED}", obj.get_type().name()?)))
}

/// A PIL image, when `obj` is one: RGB, RGBA and L pixels as they are, other modes converted
/// to RGB by PIL. PIL is only looked at when the caller has imported it.
fn prepare_pil(obj: &Bound<'_, PyAny>) -> PyResult<Option<Prepared>> {
    let py = obj.py();
    let modules = py.import("sys")?.getattr("modules")?;
    let Some(pil) =
        modules.call_method1("get", ("PIL.Image",))?.into_any().extract::<Option<Bound<'_, PyAny>>>()?
    else {
        return Ok(None);
    };
    if !obj.is_instance(&pil.getattr("Image")?)? {
        return Ok(None);
    }
    let mode: String = obj.getattr("mode")?.extract()?;
    let (image, format) = match mode.as_str() {
        "RGB" => (obj.clone(), PixelFormat::Rgb8),
        "RGBA" => (obj.clone(), PixelFormat::Rgba8),
        "L" => (obj.clone(), PixelFormat::Gray8),
        _ => (obj.call_method1("convert", ("RGB",))?, PixelFormat::Rgb8),
    };
    let (width, height): (u32, u32) = image.getattr("size")?.extract()?;
    let bytes = image.call_method0("tobytes")?.cast_into::<PyBytes>()?;
    let stride = (width as usize) * format.bytes_per_pixel();
    Ok(Some(Prepared::Pixels(Keep::Bytes(bytes.unbind()), Layout { width, height, stride, format })))
}

/// A buffer of `uint8`: 1-D is an encoded image, HxW grayscale, HxWx3 RGB, HxWx4 RGBA (HxWx1 is
/// grayscale too). Read in place when each row's pixels are packed (any row distance); otherwise
/// numpy makes a packed copy first.
fn prepare_buffer(obj: &Bound<'_, PyAny>, buffer: PyUntypedBuffer) -> PyResult<Prepared> {
    let buffer = match buffer.into_typed::<u8>() {
        Ok(buffer) => buffer,
        Err(_) => {
            let dtype = match obj.getattr("dtype") {
                Ok(dtype) => dtype.str()?.to_string(),
                Err(_) => "non-uint8 items".to_owned(),
            };
            return Err(PyTypeError::new_err(format!(
                "expected a uint8 array, got {dtype}: convert it first, e.g. \
                 (x * 255).clip(0, 255).astype(numpy.uint8) for floats in [0, 1]"
            )));
        }
    };
    let shape = buffer.shape().to_vec();
    let (height, width, format) = match shape[..] {
        [_] => {
            if !buffer.is_c_contiguous() {
                return prepare_copy(obj);
            }
            return Ok(Prepared::Encoded(Keep::Buffer(buffer)));
        }
        [h, w] | [h, w, 1] => (h, w, PixelFormat::Gray8),
        [h, w, 3] => (h, w, PixelFormat::Rgb8),
        [h, w, 4] => (h, w, PixelFormat::Rgba8),
        _ => {
            return Err(PyValueError::new_err(format!(
                "expected an image array of shape (H, W, 3) RGB, (H, W, 4) RGBA or (H, W) grayscale, \
                 got shape {shape:?} (a channels-first (3, H, W) array needs .transpose(1, 2, 0))"
            )));
        }
    };
    let too_large = |side: usize| {
        u32::try_from(side).map_err(|_| PyValueError::new_err(format!("image side {side} is too large")))
    };
    let (width, height) = (too_large(width)?, too_large(height)?);
    let channels = format.bytes_per_pixel();
    let strides = buffer.strides();
    let row = width as usize * channels;
    // Pixels of a row packed, channels packed, rows forward and apart: core reads it with a row
    // stride.
    let packed_rows = buffer.suboffsets().is_none()
        && strides.iter().all(|&s| s >= 0)
        && (height <= 1 || strides[0].unsigned_abs() >= row)
        && (width <= 1 || strides[1] == channels as isize)
        && (shape.len() == 2 || channels == 1 || strides[2] == 1);
    if !packed_rows {
        return prepare_copy(obj);
    }
    // A single row's stride is meaningless (numpy may report anything); use the row's size.
    let stride = if height <= 1 { row } else { strides[0].unsigned_abs() };
    Ok(Prepared::Pixels(Keep::Buffer(buffer), Layout { width, height, stride, format }))
}

/// A packed copy of an array whose rows or channels are not laid out for reading in place
/// (transposed, flipped, a channel slice, ...).
fn prepare_copy(obj: &Bound<'_, PyAny>) -> PyResult<Prepared> {
    let numpy = obj.py().import("numpy").map_err(|_| {
        PyValueError::new_err("this buffer is not C-contiguous; install numpy, or pass a contiguous copy")
    })?;
    let copy = numpy.call_method1("ascontiguousarray", (obj,))?;
    let buffer = PyUntypedBuffer::get(&copy)?;
    if !buffer.is_c_contiguous() {
        return Err(PyValueError::new_err("numpy.ascontiguousarray did not give a contiguous array"));
    }
    prepare_buffer(&copy, buffer)
}

/// Core's request for `classify`'s `face=(x, y, width, height)` and `face_mode`: "auto" (the
/// largest face the detector finds, else the whole picture), "detect" (the largest face, else
/// NoFaceError) or "whole" (the whole picture). A box wins over the mode.
pub(crate) fn request(face: Option<(f32, f32, f32, f32)>, face_mode: &str) -> PyResult<Request> {
    let mode = match face_mode {
        "auto" => FaceMode::Auto,
        "detect" => FaceMode::Detect,
        "whole" => FaceMode::Whole,
        other => {
            return Err(PyValueError::new_err(format!(
                "face_mode must be 'auto', 'detect' or 'whole', not {other:?}"
            )));
        }
    };
    let request = Request::new().with_face_mode(mode);
    Ok(match face {
        Some((x, y, w, h)) => request.with_face(FaceBox::new(x, y, w, h)),
        None => request,
    })
}
