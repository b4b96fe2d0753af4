//! The classification entry points: [`glasses_classify`], the one path, and the older functions,
//! each of which builds a [`GlassesInput`] and a [`GlassesRequest`] and takes that path.

use glasses_core::Prediction;

use super::classifier::{GlassesClassifier, borrow_classifier};
use super::guard::guard;
use super::types::{
    GlassesFaceBox, GlassesInput, GlassesPrediction, GlassesRequest, GlassesResult, GlassesYuvFrame,
};
use crate::codes::{GlassesStatus, SurfaceError};

/// Classifies `input` as `request` asks and writes the result to `out` (a [`GlassesPrediction`]
/// or a [`GlassesResult`]).
///
/// # Safety
/// `classifier` must be NULL or a live handle; the input's pointers must be NULL or valid for
/// their lengths; a non-NULL `out` must be writable.
unsafe fn classify_into<T: From<Prediction>>(
    classifier: *const GlassesClassifier,
    input: impl FnOnce() -> Result<GlassesInput, SurfaceError>,
    request: &GlassesRequest,
    out: *mut T,
) -> GlassesStatus {
    guard(|| {
        if out.is_null() {
            return Err(SurfaceError::Null("out"));
        }
        // SAFETY: the caller's contract.
        let classifier = unsafe { borrow_classifier(classifier) }?;
        let input = input()?;
        // SAFETY: the caller's contract.
        let (input, stored) = unsafe { input.read() }?;
        let prediction = classifier.classify(input, &request.core(stored)?)?;
        // SAFETY: non-NULL, writable by the caller's contract.
        unsafe { out.write(prediction.into()) };
        Ok(())
    })
}

/// The default request: upright as stored (rotation 0, not mirrored), no face box,
/// `GLASSES_FACE_MODE_AUTO` (the largest face the detector finds; the whole picture when none).
#[unsafe(no_mangle)]
pub extern "C" fn glasses_request_default() -> GlassesRequest {
    GlassesRequest::default()
}

/// Classifies any picture: `input` says what it is (see [`GlassesInput`]), `request` how to turn
/// it upright and which face to look at (NULL: [`glasses_request_default`]). `out->has_face` and
/// `out->face` say which detected face the answer is for. `GLASSES_FACE_MODE_DETECT` on a picture
/// without a face is `GLASSES_STATUS_NO_FACE`.
///
/// The rotation is applied after an encoded picture's EXIF orientation and after a YUV frame's own
/// rotation; the face box is in pixels of the upright picture. A rotation other than 0, 90, 180 or
/// 270 is `GLASSES_STATUS_INVALID_PIXEL_BUFFER`, an unknown input kind or pixel format
/// `GLASSES_STATUS_INVALID_ARGUMENT`, a face box that cannot be used
/// `GLASSES_STATUS_INVALID_REGION`. Only what the model sees is read and converted; the picture is
/// never turned into a copy.
///
/// Ownership: `input`, `request` and everything they point to are read during the call only and
/// stay the caller's; `*out` is written on success only.
///
/// # Safety
/// `classifier` must be NULL or a live handle; `input` must be NULL or point to a readable
/// `GlassesInput` whose pointers (those its kind reads) are NULL or readable for their stated
/// lengths; `request` must be NULL or point to a readable `GlassesRequest`; `out` must be NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classify(
    classifier: *const GlassesClassifier,
    input: *const GlassesInput,
    request: *const GlassesRequest,
    out: *mut GlassesResult,
) -> GlassesStatus {
    // SAFETY: the caller's contract.
    let request = unsafe { request.as_ref() }.copied().unwrap_or_default();
    // SAFETY: the caller's contract, passed on.
    unsafe {
        classify_into(
            classifier,
            || input.as_ref().copied().ok_or(SurfaceError::Null("input")),
            &request,
            out,
        )
    }
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
    let input = GlassesInput::encoded(image, image_len);
    // SAFETY: the caller's contract, passed on.
    unsafe { classify_into(classifier, || Ok(input), &GlassesRequest::default(), out) }
}

/// Classifies a raw pixel buffer of `width` x `height` pixels whose rows start `stride_bytes`
/// apart. `format` is a `GlassesPixelFormat` value; `pixels_len` is the buffer
/// size in bytes (at least `stride_bytes * (height - 1) + width * bytes_per_pixel`).
/// `GLASSES_PIXEL_FORMAT_ARGB32` reads native-endian `uint32_t` values from the bytes (any
/// alignment).
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
    let input = GlassesInput::pixels(pixels, pixels_len, (width, height, stride_bytes), format);
    // SAFETY: the caller's contract, passed on.
    unsafe { classify_into(classifier, || Ok(input), &GlassesRequest::default(), out) }
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
    let input = GlassesInput::argb(pixels, pixels_len, (width, height, stride_pixels));
    // SAFETY: the caller's contract, passed on.
    unsafe { classify_into(classifier, || Ok(input), &GlassesRequest::default(), out) }
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
    let input = GlassesInput::encoded(image, image_len);
    // SAFETY: the caller's contract, passed on.
    unsafe { classify_into(classifier, || Ok(input), &GlassesRequest::with_face(face), out) }
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
    let input = GlassesInput::pixels(pixels, pixels_len, (width, height, stride_bytes), format);
    // SAFETY: the caller's contract, passed on.
    unsafe { classify_into(classifier, || Ok(input), &GlassesRequest::with_face(face), out) }
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
    let input = GlassesInput::argb(pixels, pixels_len, (width, height, stride_pixels));
    // SAFETY: the caller's contract, passed on.
    unsafe { classify_into(classifier, || Ok(input), &GlassesRequest::with_face(face), out) }
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
        let input = || frame.as_ref().map(|f| GlassesInput::yuv(*f)).ok_or(SurfaceError::Null("frame"));
        classify_into(classifier, input, &GlassesRequest::with_face(face), out)
    }
}
