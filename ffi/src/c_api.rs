//! The C ABI, declared in `include/glasses.h` (generated from this file by cbindgen).
//!
//! Conventions every function follows:
//!
//! * Fallible calls return a [`GlassesStatus`] and write their result through an out-parameter;
//!   `GLASSES_STATUS_OK` is 0.
//! * After a failed call, [`glasses_last_error_message`] describes the failure. The message is
//!   thread-local and is cleared by the next fallible call on the same thread.
//! * NULL pointers give `GLASSES_STATUS_NULL_ARGUMENT`; impossible sizes give
//!   `GLASSES_STATUS_INVALID_ARGUMENT`. Neither ever crashes.
//! * Every body runs inside `catch_unwind`: a Rust panic becomes `GLASSES_STATUS_PANIC` and never
//!   unwinds into C (which would be undefined behaviour).
//! * A `GlassesClassifier*` may be shared by any number of threads without a lock.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use glasses_core::{
    Classifier, ClassifierOptions, Eyewear, FaceBox, Orientation, PixelBuffer, Prediction, YuvFrame, YuvRange,
};

/// The outcome of a call. `GLASSES_STATUS_OK` is 0; every other value is a failure whose details
/// [`glasses_last_error_message`] gives.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlassesStatus {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// An argument is out of range: unknown pixel format, size that cannot be a real buffer,
    /// threshold outside [0, 1], path that is not UTF-8, misaligned `uint32_t` buffer.
    InvalidArgument = 2,
    /// The encoded image could not be decoded (empty, truncated, corrupt, unsupported format).
    InvalidImage = 3,
    /// The encoded image is larger than `GlassesOptions.max_pixels`; refused before decoding.
    ImageTooLarge = 4,
    /// The raw pixel buffer does not match its width, height, stride and format.
    InvalidPixelBuffer = 5,
    /// The model bytes are not a readable ONNX model.
    InvalidModel = 6,
    /// The model is valid ONNX but not a glasses model (wrong input/output/metadata).
    ContractViolation = 7,
    /// A file could not be read.
    Io = 8,
    /// The inference engine failed on a model that loaded fine.
    Inference = 9,
    /// A bug inside the library panicked; the call was abandoned, the process is unharmed.
    Panic = 10,
    /// This build of the library has no bundled model.
    NoBundledModel = 11,
    /// Any other internal failure.
    Internal = 12,
    /// The encoded image ends before its picture data does (a JPEG without its end marker); see
    /// [`glasses_classifier_with_accept_truncated`] to classify such pictures anyway.
    TruncatedImage = 13,
    /// Memory for the picture could not be allocated; the call failed, the process is unharmed.
    OutOfMemory = 14,
    /// A file is larger than the model-file limit (256 MiB); nothing was read.
    FileTooLarge = 15,
    /// A path names a folder, device, FIFO or socket instead of a regular file; it was not read.
    NotARegularFile = 16,
    /// A face box that cannot be used: not finite, empty, negative, or wholly outside the picture.
    InvalidRegion = 17,
}

/// Memory layout of one pixel, for [`glasses_classify_pixels`] (pass the value as `uint32_t`).
/// These values are the pixel format codes of every surface (Kotlin's `PixelLayout` has the same
/// numbers); they never change.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlassesPixelFormat {
    /// 4 bytes per pixel: red, green, blue, alpha (Android `ARGB_8888` bitmaps copied to a buffer,
    /// iOS `CGImage` drawn with `premultipliedLast`).
    Rgba8 = 0,
    /// 4 bytes per pixel: blue, green, red, alpha (iOS `kCVPixelFormatType_32BGRA`).
    Bgra8 = 1,
    /// One native-endian `uint32_t` `0xAARRGGBB` per pixel (Android `Bitmap.getPixels`).
    Argb32 = 2,
    /// 3 bytes per pixel: red, green, blue.
    Rgb8 = 3,
    /// 1 byte per pixel: luminance.
    Gray8 = 4,
}

/// Options for the constructors. Start from [`glasses_options_default`] and change fields.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlassesOptions {
    /// Decision threshold on P(eyeglasses), in [0, 1]. Default 0.5.
    pub threshold: f32,
    /// Largest encoded image (width x height) decoded; bigger ones fail with
    /// `GLASSES_STATUS_IMAGE_TOO_LARGE`. Default 64 megapixels. Any value is safe: it is clamped
    /// to what the platform can address, and a picture that does not fit in memory fails with
    /// `GLASSES_STATUS_OUT_OF_MEMORY` instead of aborting.
    pub max_pixels: u64,
}

/// The result for one image as version 0.1.0 wrote it, kept unchanged for compatibility with
/// programs built against that header: new code uses [`GlassesResult`] (the same first two
/// fields, plus the eyewear kind and every probability), the name of the result on every surface.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlassesPrediction {
    /// `probability >= threshold`.
    pub has_glasses: bool,
    /// P(eyeglasses) in [0, 1].
    pub probability: f32,
}

impl From<Prediction> for GlassesPrediction {
    fn from(p: Prediction) -> Self {
        Self { has_glasses: p.has_glasses, probability: p.probability }
    }
}

/// What a face wears over the eyes ([`GlassesResult::eyewear`]).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlassesEyewear {
    /// No eyewear.
    None = 0,
    /// Eyeglasses: clear lenses. Exactly when `has_glasses` is true.
    Eyeglasses = 1,
    /// Sunglasses: dark or strongly tinted lenses (three-class models only).
    Sunglasses = 2,
}

/// The result for one image with the eyewear kind, written by the `glasses_classify_*_region`
/// functions and [`glasses_classify_yuv`]: Kotlin's and Swift's `GlassesResult`.
/// [`GlassesPrediction`] and the 0.1.0 functions that write it are unchanged.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlassesResult {
    /// `probability >= threshold`.
    pub has_glasses: bool,
    /// P(eyeglasses) in [0, 1].
    pub probability: f32,
    /// A [`GlassesEyewear`] value: eyeglasses exactly when `has_glasses`, otherwise the more
    /// probable of none and sunglasses.
    pub eyewear: u32,
    /// P(no eyewear). For a two-class model, P(no eyeglasses), sunglasses included.
    pub probability_none: f32,
    /// Whether the model has a sunglasses class; when false, `probability_sunglasses` is not a
    /// probability (it is NaN) and `eyewear` is never `GLASSES_EYEWEAR_SUNGLASSES`.
    pub has_sunglasses_class: bool,
    /// P(sunglasses) when `has_sunglasses_class`, NaN otherwise.
    pub probability_sunglasses: f32,
}

impl From<Prediction> for GlassesResult {
    fn from(p: Prediction) -> Self {
        let eyewear = match p.eyewear {
            Eyewear::Eyeglasses => GlassesEyewear::Eyeglasses,
            Eyewear::Sunglasses => GlassesEyewear::Sunglasses,
            _ => GlassesEyewear::None,
        };
        Self {
            has_glasses: p.has_glasses,
            probability: p.probability,
            eyewear: eyewear as u32,
            probability_none: p.probabilities.none,
            has_sunglasses_class: p.probabilities.sunglasses.is_some(),
            probability_sunglasses: p.probabilities.sunglasses.unwrap_or(f32::NAN),
        }
    }
}

/// A face detector's box in pixels of the upright picture, origin top-left (Android's `Rect`,
/// ML Kit's `Face.boundingBox`; convert Vision's normalised bottom-left boxes first). It may reach
/// past the picture's edges; the library expands it to the framing the model was trained on.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlassesFaceBox {
    /// Left edge in pixels (may be negative).
    pub x: f32,
    /// Top edge in pixels (may be negative).
    pub y: f32,
    /// Width in pixels.
    pub width: f32,
    /// Height in pixels.
    pub height: f32,
}

/// A YUV 4:2:0 camera frame for [`glasses_classify_yuv`]: Android's `YUV_420_888` planes (NV21 and
/// NV12 are `uv_pixel_stride` 2 with `u` and `v` one byte apart in the same buffer; I420 is
/// `uv_pixel_stride` 1), or iOS's `420YpCbCr8BiPlanar` planes (NV12). Colours are BT.601.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GlassesYuvFrame {
    /// The Y (luma) plane and its length in bytes.
    pub y: *const u8,
    /// Length of the Y plane in bytes.
    pub y_len: usize,
    /// Bytes between the starts of two Y rows (at least `width`).
    pub y_row_stride: usize,
    /// The U (Cb) plane: its first sample.
    pub u: *const u8,
    /// Bytes readable from `u`.
    pub u_len: usize,
    /// The V (Cr) plane: its first sample.
    pub v: *const u8,
    /// Bytes readable from `v`.
    pub v_len: usize,
    /// Bytes between the starts of two chroma rows.
    pub uv_row_stride: usize,
    /// Bytes between two chroma samples of one row: 1 (planar) or 2 (interleaved).
    pub uv_pixel_stride: usize,
    /// Width in pixels as stored (even).
    pub width: u32,
    /// Height in pixels as stored (even).
    pub height: u32,
    /// 0: full range (Android camera, iOS `...FullRange`); 1: limited (video) range.
    pub range: u32,
    /// Clockwise rotation that makes the frame upright (Android's `rotationDegrees`): 0, 90, 180, 270.
    pub rotation_degrees: u32,
    /// Mirror the upright picture left to right (front cameras).
    pub mirrored: bool,
}

/// The face box behind `face`, `None` for NULL (the whole picture).
///
/// # Safety
/// A non-NULL `face` must point to a readable `GlassesFaceBox`.
unsafe fn face_box(face: *const GlassesFaceBox) -> Option<FaceBox> {
    // SAFETY: the caller's contract.
    unsafe { face.as_ref() }.map(|f| FaceBox::new(f.x, f.y, f.width, f.height))
}

/// A loaded classifier. Opaque: create it with a `glasses_classifier_new_*` function and release
/// it with [`glasses_classifier_free`].
#[derive(Debug)]
pub struct GlassesClassifier {
    inner: Classifier,
}

/// Why a call failed, before it is flattened into a status code and a message.
#[derive(Debug, thiserror::Error)]
enum FfiError {
    #[error("argument `{0}` is NULL")]
    Null(&'static str),
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A core error: status and words from the table every surface shares (`codes.rs`).
    #[error("{}", crate::codes::message(.0))]
    Core(#[from] glasses_core::Error),
}

impl FfiError {
    fn status(&self) -> GlassesStatus {
        match self {
            Self::Null(_) => GlassesStatus::NullArgument,
            Self::InvalidArgument(_) => GlassesStatus::InvalidArgument,
            Self::Core(e) => crate::codes::status(e.kind()),
        }
    }
}

thread_local! {
    /// The message of the last failed call on this thread; `None` after a successful call.
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

fn set_last_error(message: Option<String>) {
    // A C string cannot hold NUL; replace it rather than lose the message.
    let message = message.map(|m| CString::new(m.replace('\0', "\u{fffd}")).unwrap_or_default());
    // `try_with` because a call during thread teardown must not panic on a destroyed thread-local.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = message);
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_owned()
    }
}

/// Runs one C entry point: clears the last error, catches panics and turns failures into a status.
fn guard(body: impl FnOnce() -> Result<(), FfiError>) -> GlassesStatus {
    set_last_error(None);
    // AssertUnwindSafe: after a panic nothing the closure touched is used again except the
    // classifier, which is immutable (a run takes its own buffers from the engine's pool).
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => GlassesStatus::Ok,
        Ok(Err(e)) => {
            set_last_error(Some(e.to_string()));
            e.status()
        }
        Err(payload) => {
            set_last_error(Some(format!("internal panic: {}", panic_message(payload.as_ref()))));
            GlassesStatus::Panic
        }
    }
}

/// Borrows `len` bytes at `ptr`, refusing NULL and lengths no allocation can have.
///
/// # Safety
/// A non-NULL `ptr` must be valid for reads of `len` bytes for `'a`.
unsafe fn borrow_bytes<'a>(ptr: *const u8, len: usize, name: &'static str) -> Result<&'a [u8], FfiError> {
    if ptr.is_null() {
        return Err(FfiError::Null(name));
    }
    if len > isize::MAX as usize {
        return Err(FfiError::InvalidArgument(format!("`{name}` length {len} exceeds isize::MAX")));
    }
    // SAFETY: non-NULL and in range checked above; validity for `len` bytes is the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows `len` `uint32_t` values at `ptr`, refusing NULL, misaligned pointers and impossible sizes.
///
/// # Safety
/// A non-NULL `ptr` must be valid for reads of `len` values for `'a`.
unsafe fn borrow_argb<'a>(ptr: *const u32, len: usize) -> Result<&'a [u32], FfiError> {
    if ptr.is_null() {
        return Err(FfiError::Null("pixels"));
    }
    if !ptr.is_aligned() {
        return Err(FfiError::InvalidArgument("`pixels` is not aligned to 4 bytes".into()));
    }
    if len > isize::MAX as usize / 4 {
        return Err(FfiError::InvalidArgument(format!("`pixels` length {len} is too large")));
    }
    // SAFETY: non-NULL, aligned, size in range; validity is the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows the classifier behind a handle.
///
/// # Safety
/// A non-NULL `ptr` must come from a `glasses_classifier_new_*` function and not be freed yet.
unsafe fn borrow_classifier<'a>(ptr: *const GlassesClassifier) -> Result<&'a Classifier, FfiError> {
    // SAFETY: the caller's contract.
    unsafe { ptr.as_ref() }.map(|c| &c.inner).ok_or(FfiError::Null("classifier"))
}

/// Core options from the C options; NULL means defaults.
///
/// # Safety
/// A non-NULL `options` must point to a readable `GlassesOptions`.
unsafe fn core_options(options: *const GlassesOptions) -> ClassifierOptions {
    // SAFETY: the caller's contract.
    match unsafe { options.as_ref() } {
        None => ClassifierOptions::default(),
        Some(o) => ClassifierOptions::default().with_threshold(o.threshold).with_max_pixels(o.max_pixels),
    }
}

/// Stores a new classifier in `*out`, which is set to NULL first so that it never holds garbage
/// after a failure.
///
/// # Safety
/// A non-NULL `out` must be writable.
unsafe fn construct(
    out: *mut *mut GlassesClassifier,
    make: impl FnOnce() -> Result<Classifier, FfiError>,
) -> GlassesStatus {
    guard(|| {
        if out.is_null() {
            return Err(FfiError::Null("out"));
        }
        // SAFETY: non-NULL, writable by the caller's contract.
        unsafe { out.write(std::ptr::null_mut()) };
        let handle = Box::into_raw(Box::new(GlassesClassifier { inner: make()? }));
        // SAFETY: as above.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Writes a prediction to `out` (a [`GlassesPrediction`] or a [`GlassesResult`]) after checking it
/// is not NULL.
///
/// # Safety
/// A non-NULL `out` must be writable.
unsafe fn predict<T: From<Prediction>>(
    out: *mut T,
    run: impl FnOnce() -> Result<Prediction, FfiError>,
) -> GlassesStatus {
    guard(|| {
        if out.is_null() {
            return Err(FfiError::Null("out"));
        }
        let prediction = run()?;
        // SAFETY: non-NULL, writable by the caller's contract.
        unsafe { out.write(prediction.into()) };
        Ok(())
    })
}

/// The default options: threshold 0.5, 64 megapixels.
#[unsafe(no_mangle)]
pub extern "C" fn glasses_options_default() -> GlassesOptions {
    let d = ClassifierOptions::default();
    GlassesOptions { threshold: d.threshold, max_pixels: d.max_pixels }
}

/// Creates a classifier with the model bundled in the library.
///
/// `options` may be NULL for the defaults. On success `*out` holds a new handle to release with
/// [`glasses_classifier_free`]; on failure `*out` is NULL.
///
/// # Safety
/// `options` must be NULL or point to a `GlassesOptions`; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classifier_new_bundled(
    options: *const GlassesOptions,
    out: *mut *mut GlassesClassifier,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on.
    unsafe { construct(out, || Ok(Classifier::bundled_with(core_options(options))?)) }
}

/// Creates a classifier from the bytes of an ONNX model file (copied; the buffer may be freed
/// after the call).
///
/// # Safety
/// `model` must be NULL or readable for `model_len` bytes; `options` and `out` as in
/// [`glasses_classifier_new_bundled`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classifier_new_from_bytes(
    model: *const u8,
    model_len: usize,
    options: *const GlassesOptions,
    out: *mut *mut GlassesClassifier,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        construct(out, || {
            let model = borrow_bytes(model, model_len, "model")?;
            Ok(Classifier::from_bytes(model, core_options(options))?)
        })
    }
}

/// Creates a classifier from an ONNX model file. `path` is a NUL-terminated UTF-8 path.
///
/// # Safety
/// `path` must be NULL or a NUL-terminated string; `options` and `out` as in
/// [`glasses_classifier_new_bundled`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classifier_new_from_file(
    path: *const c_char,
    options: *const GlassesOptions,
    out: *mut *mut GlassesClassifier,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        construct(out, || {
            if path.is_null() {
                return Err(FfiError::Null("path"));
            }
            // SAFETY: non-NULL and NUL-terminated by the caller's contract.
            let path = CStr::from_ptr(path)
                .to_str()
                .map_err(|e| FfiError::InvalidArgument(format!("`path` is not UTF-8: {e}")))?;
            Ok(Classifier::from_file(PathBuf::from(path), core_options(options))?)
        })
    }
}

/// Creates a second handle on the model of `classifier` (shared, not reloaded) that classifies
/// truncated pictures as far as they decode (`accept` true) or refuses them with
/// `GLASSES_STATUS_TRUNCATED_IMAGE` (`accept` false, the default of every constructor). Both
/// handles are released separately with [`glasses_classifier_free`].
///
/// # Safety
/// `classifier` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classifier_with_accept_truncated(
    classifier: *const GlassesClassifier,
    accept: bool,
    out: *mut *mut GlassesClassifier,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        construct(out, || {
            let classifier = borrow_classifier(classifier)?;
            let options = (*classifier.options()).with_accept_truncated(accept);
            Ok(classifier.with_options(options)?)
        })
    }
}

/// Releases a classifier and sets `*classifier` to NULL, so a second free of the same variable is
/// harmless. NULL and a pointer to NULL are accepted and do nothing.
///
/// # Safety
/// `classifier` must be NULL or point to NULL or to a handle from a `glasses_classifier_new_*`
/// function that no other thread is still using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classifier_free(classifier: *mut *mut GlassesClassifier) {
    // Freeing cannot fail, so there is no status; the guard still keeps a panic out of C.
    let _ = guard(|| {
        if classifier.is_null() {
            return Ok(());
        }
        // SAFETY: non-NULL and readable/writable by the caller's contract.
        let handle = unsafe { classifier.replace(std::ptr::null_mut()) };
        if !handle.is_null() {
            // SAFETY: the handle came from Box::into_raw in `construct` and is freed only once,
            // because the caller's variable now holds NULL.
            drop(unsafe { Box::from_raw(handle) });
        }
        Ok(())
    });
}

/// Classifies an encoded image (JPEG, PNG, WebP, BMP, GIF, TIFF, ...).
///
/// # Safety
/// `classifier` must be NULL or a live handle; `image` must be NULL or readable for `image_len`
/// bytes; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classify_encoded(
    classifier: *const GlassesClassifier,
    image: *const u8,
    image_len: usize,
    out: *mut GlassesPrediction,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        predict(out, || {
            let c = borrow_classifier(classifier)?;
            Ok(c.classify_encoded(borrow_bytes(image, image_len, "image")?)?)
        })
    }
}

/// Classifies a raw pixel buffer of `width` x `height` pixels whose rows start `stride_bytes`
/// apart. `format` is a [`GlassesPixelFormat`] value; `pixels_len` is the buffer size in bytes
/// (at least `stride_bytes * (height - 1) + width * bytes_per_pixel`). `GLASSES_PIXEL_FORMAT_ARGB32`
/// reads native-endian `uint32_t` values from the bytes (any alignment).
///
/// # Safety
/// `classifier` must be NULL or a live handle; `pixels` must be NULL or readable for
/// `pixels_len` bytes; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classify_pixels(
    classifier: *const GlassesClassifier,
    pixels: *const u8,
    pixels_len: usize,
    width: u32,
    height: u32,
    stride_bytes: usize,
    format: u32,
    out: *mut GlassesPrediction,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        predict(out, || {
            let c = borrow_classifier(classifier)?;
            let data = borrow_bytes(pixels, pixels_len, "pixels")?;
            let format = crate::codes::pixel_format(format)
                .ok_or_else(|| FfiError::InvalidArgument(format!("unknown pixel format {format}")))?;
            Ok(crate::classify_pixel_bytes(c, data, (width, height, stride_bytes), format, None)?)
        })
    }
}

/// Classifies packed `0xAARRGGBB` integers as Android's `Bitmap.getPixels` returns them, without
/// a copy. `pixels_len` and `stride_pixels` count pixels (`uint32_t` values), not bytes.
///
/// # Safety
/// `classifier` must be NULL or a live handle; `pixels` must be NULL or readable for
/// `pixels_len` values; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classify_argb(
    classifier: *const GlassesClassifier,
    pixels: *const u32,
    pixels_len: usize,
    width: u32,
    height: u32,
    stride_pixels: usize,
    out: *mut GlassesPrediction,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        predict(out, || {
            let c = borrow_classifier(classifier)?;
            let ints = borrow_argb(pixels, pixels_len)?;
            Ok(c.classify_pixels(&PixelBuffer::from_argb_ints(ints, width, height, stride_pixels)?)?)
        })
    }
}

/// Classifies an encoded image like [`glasses_classify_encoded`], with the eyewear kind, and, when
/// `face` is not NULL, only the face inside that detector box (in pixels of the upright picture,
/// after its EXIF orientation). A box that cannot be used is `GLASSES_STATUS_INVALID_REGION`.
///
/// # Safety
/// As [`glasses_classify_encoded`]; `face` must be NULL or point to a readable `GlassesFaceBox`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classify_encoded_region(
    classifier: *const GlassesClassifier,
    image: *const u8,
    image_len: usize,
    face: *const GlassesFaceBox,
    out: *mut GlassesResult,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        predict(out, || {
            let c = borrow_classifier(classifier)?;
            let bytes = borrow_bytes(image, image_len, "image")?;
            Ok(match face_box(face) {
                Some(face) => c.classify_encoded_region(bytes, face)?,
                None => c.classify_encoded(bytes)?,
            })
        })
    }
}

/// Classifies a raw pixel buffer like [`glasses_classify_pixels`], with the eyewear kind, and, when
/// `face` is not NULL, only the face inside that box (only the region's pixels are converted).
///
/// # Safety
/// As [`glasses_classify_pixels`]; `face` must be NULL or point to a readable `GlassesFaceBox`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classify_pixels_region(
    classifier: *const GlassesClassifier,
    pixels: *const u8,
    pixels_len: usize,
    width: u32,
    height: u32,
    stride_bytes: usize,
    format: u32,
    face: *const GlassesFaceBox,
    out: *mut GlassesResult,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        predict(out, || {
            let c = borrow_classifier(classifier)?;
            let data = borrow_bytes(pixels, pixels_len, "pixels")?;
            let format = crate::codes::pixel_format(format)
                .ok_or_else(|| FfiError::InvalidArgument(format!("unknown pixel format {format}")))?;
            Ok(crate::classify_pixel_bytes(c, data, (width, height, stride_bytes), format, face_box(face))?)
        })
    }
}

/// Classifies packed `0xAARRGGBB` integers like [`glasses_classify_argb`], with the eyewear kind,
/// and, when `face` is not NULL, only the face inside that box.
///
/// # Safety
/// As [`glasses_classify_argb`]; `face` must be NULL or point to a readable `GlassesFaceBox`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classify_argb_region(
    classifier: *const GlassesClassifier,
    pixels: *const u32,
    pixels_len: usize,
    width: u32,
    height: u32,
    stride_pixels: usize,
    face: *const GlassesFaceBox,
    out: *mut GlassesResult,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        predict(out, || {
            let c = borrow_classifier(classifier)?;
            let ints = borrow_argb(pixels, pixels_len)?;
            let buffer = PixelBuffer::from_argb_ints(ints, width, height, stride_pixels)?;
            Ok(match face_box(face) {
                Some(face) => c.classify_pixels_region(&buffer, face)?,
                None => c.classify_pixels(&buffer)?,
            })
        })
    }
}

/// Classifies a YUV 4:2:0 camera frame, turned upright by its rotation and mirroring, with the
/// eyewear kind; when `face` is not NULL, only the face inside that box, given in pixels of the
/// upright frame. Only what the model sees is converted to RGB. Impossible geometry (odd sizes,
/// strides too small, planes shorter than the strides need, a rotation that is not a multiple of
/// 90) is `GLASSES_STATUS_INVALID_PIXEL_BUFFER`, never a read out of bounds.
///
/// # Safety
/// `classifier` must be NULL or a live handle; `frame` must be NULL or point to a readable
/// `GlassesYuvFrame` whose plane pointers are NULL or readable for their stated lengths; `face`
/// must be NULL or point to a readable `GlassesFaceBox`; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classify_yuv(
    classifier: *const GlassesClassifier,
    frame: *const GlassesYuvFrame,
    face: *const GlassesFaceBox,
    out: *mut GlassesResult,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        predict(out, || {
            let c = borrow_classifier(classifier)?;
            let f = frame.as_ref().ok_or(FfiError::Null("frame"))?;
            let y = borrow_bytes(f.y, f.y_len, "frame.y")?;
            let u = borrow_bytes(f.u, f.u_len, "frame.u")?;
            let v = borrow_bytes(f.v, f.v_len, "frame.v")?;
            let range = match f.range {
                0 => YuvRange::Full,
                1 => YuvRange::Limited,
                other => return Err(FfiError::InvalidArgument(format!("unknown YUV range {other}"))),
            };
            let yuv = YuvFrame::new(
                y,
                f.y_row_stride,
                u,
                v,
                f.uv_row_stride,
                f.uv_pixel_stride,
                f.width,
                f.height,
                range,
            )?;
            let orientation = Orientation { rotation_degrees: f.rotation_degrees, mirrored: f.mirrored };
            Ok(match face_box(face) {
                Some(face) => c.classify_yuv_region(&yuv, orientation, face)?,
                None => c.classify_yuv(&yuv, orientation)?,
            })
        })
    }
}

/// The message of the last failed call on this thread, or "" if it succeeded. The string stays
/// valid until the next library call on this thread; copy it to keep it. Never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn glasses_last_error_message() -> *const c_char {
    catch_unwind(|| {
        LAST_ERROR
            .try_with(|slot| slot.borrow().as_ref().map(|m| m.as_ptr()))
            .ok()
            .flatten()
            .unwrap_or(c"".as_ptr())
    })
    .unwrap_or(c"".as_ptr())
}

/// Copies the last error message of this thread into `buffer` (NUL-terminated, truncated to
/// `buffer_len - 1` bytes) and returns the full message length without the NUL, like `snprintf`:
/// call with `buffer_len` 0 to size a buffer. `buffer` may be NULL when `buffer_len` is 0.
///
/// # Safety
/// `buffer` must be NULL or writable for `buffer_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_last_error_message_copy(buffer: *mut c_char, buffer_len: usize) -> usize {
    catch_unwind(|| {
        // SAFETY: the library's own NUL-terminated string, valid until the next call.
        let message = unsafe { CStr::from_ptr(glasses_last_error_message()) }.to_bytes();
        if !buffer.is_null() && buffer_len > 0 {
            let n = message.len().min(buffer_len - 1);
            // SAFETY: `n + 1 <= buffer_len` bytes are writable by the caller's contract; the source
            // is our own string, which cannot overlap the caller's buffer.
            unsafe {
                std::ptr::copy_nonoverlapping(message.as_ptr(), buffer.cast::<u8>(), n);
                buffer.add(n).write(0);
            }
        }
        message.len()
    })
    .unwrap_or(0)
}

/// The symbolic name of a status code (`"GLASSES_STATUS_OK"`, ...), or `"GLASSES_STATUS_UNKNOWN"`.
/// Static storage, never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn glasses_status_name(status: i32) -> *const c_char {
    let name = match status {
        0 => c"GLASSES_STATUS_OK",
        1 => c"GLASSES_STATUS_NULL_ARGUMENT",
        2 => c"GLASSES_STATUS_INVALID_ARGUMENT",
        3 => c"GLASSES_STATUS_INVALID_IMAGE",
        4 => c"GLASSES_STATUS_IMAGE_TOO_LARGE",
        5 => c"GLASSES_STATUS_INVALID_PIXEL_BUFFER",
        6 => c"GLASSES_STATUS_INVALID_MODEL",
        7 => c"GLASSES_STATUS_CONTRACT_VIOLATION",
        8 => c"GLASSES_STATUS_IO",
        9 => c"GLASSES_STATUS_INFERENCE",
        10 => c"GLASSES_STATUS_PANIC",
        11 => c"GLASSES_STATUS_NO_BUNDLED_MODEL",
        12 => c"GLASSES_STATUS_INTERNAL",
        13 => c"GLASSES_STATUS_TRUNCATED_IMAGE",
        14 => c"GLASSES_STATUS_OUT_OF_MEMORY",
        15 => c"GLASSES_STATUS_FILE_TOO_LARGE",
        16 => c"GLASSES_STATUS_NOT_A_REGULAR_FILE",
        17 => c"GLASSES_STATUS_INVALID_REGION",
        _ => c"GLASSES_STATUS_UNKNOWN",
    };
    name.as_ptr()
}

/// The library version (`"0.1.0"`). Static storage, never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn glasses_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => panic!("the package version contains no NUL"),
        };
    VERSION.as_ptr()
}

/// Test hook: panics inside the library so a test can check that the panic comes back as
/// `GLASSES_STATUS_PANIC` and the process keeps running. Only in debug builds and in builds with
/// the `test-panic` cargo feature; never in a release library.
///
/// Debug builds always have it so that every debug build of the library exports the same symbols,
/// whichever features the last `cargo build` used (they share one output file).
#[cfg(any(debug_assertions, feature = "test-panic"))]
#[doc(hidden)]
#[unsafe(no_mangle)]
pub extern "C" fn glasses_test_force_panic() -> GlassesStatus {
    guard(|| panic!("forced by glasses_test_force_panic"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_a_status_and_a_message() {
        let status = guard(|| panic!("boom {}", 42));
        assert_eq!(status, GlassesStatus::Panic);
        // SAFETY: our own NUL-terminated string.
        let message = unsafe { CStr::from_ptr(glasses_last_error_message()) }.to_str().expect("utf-8");
        assert_eq!(message, "internal panic: boom 42");
        assert_eq!(guard(|| Ok(())), GlassesStatus::Ok);
        // SAFETY: as above.
        assert_eq!(unsafe { CStr::from_ptr(glasses_last_error_message()) }.to_bytes(), b"");
    }

    #[test]
    fn status_names_match_the_enum() {
        for (status, name) in [
            (GlassesStatus::Ok, "GLASSES_STATUS_OK"),
            (GlassesStatus::Io, "GLASSES_STATUS_IO"),
            (GlassesStatus::Panic, "GLASSES_STATUS_PANIC"),
            (GlassesStatus::Internal, "GLASSES_STATUS_INTERNAL"),
            (GlassesStatus::TruncatedImage, "GLASSES_STATUS_TRUNCATED_IMAGE"),
            (GlassesStatus::OutOfMemory, "GLASSES_STATUS_OUT_OF_MEMORY"),
            (GlassesStatus::FileTooLarge, "GLASSES_STATUS_FILE_TOO_LARGE"),
            (GlassesStatus::NotARegularFile, "GLASSES_STATUS_NOT_A_REGULAR_FILE"),
            (GlassesStatus::InvalidRegion, "GLASSES_STATUS_INVALID_REGION"),
        ] {
            // SAFETY: static NUL-terminated strings.
            let got = unsafe { CStr::from_ptr(glasses_status_name(status as i32)) };
            assert_eq!(got.to_str().expect("utf-8"), name);
        }
        // SAFETY: as above.
        assert_eq!(unsafe { CStr::from_ptr(glasses_status_name(-1)) }.to_bytes(), b"GLASSES_STATUS_UNKNOWN");
    }

    #[test]
    fn copy_truncates_like_snprintf() {
        let _ = guard(|| Err(FfiError::InvalidArgument("abcdef".into())));
        let full = "invalid argument: abcdef";
        // SAFETY: NULL buffer with length 0 is allowed.
        assert_eq!(unsafe { glasses_last_error_message_copy(std::ptr::null_mut(), 0) }, full.len());
        let mut buf = [0x7f as c_char; 8];
        // SAFETY: `buf` is writable for its length.
        let n = unsafe { glasses_last_error_message_copy(buf.as_mut_ptr(), buf.len()) };
        assert_eq!(n, full.len());
        // SAFETY: the copy wrote a NUL inside `buf`.
        assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_bytes(), &full.as_bytes()[..7]);
    }
}
