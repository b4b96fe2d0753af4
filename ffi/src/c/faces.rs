//! Every face of a picture: [`glasses_detect_faces`] and [`glasses_classify_faces`], which write
//! into an array the caller sizes, and the detector's settings ([`glasses_classifier_with_detector`]).

use glasses_core::{Classifier, Input, Request};

use super::classifier::{GlassesClassifier, borrow_classifier, derived};
use super::guard::guard;
use super::types::{
    GlassesDetectedFace, GlassesDetectorOptions, GlassesFaceResult, GlassesInput, GlassesRequest,
};
use crate::codes::{GlassesStatus, SurfaceError};

/// Runs `find` on `input` as `request` turns it and copies what it finds into the caller's array:
/// `*count` is set to 0 first, then to every item found; the first `min(found, capacity)` are
/// written to `items`.
///
/// # Safety
/// `classifier` must be NULL or a live handle; the input's pointers must be NULL or valid for
/// their lengths; a non-NULL `items` must be writable for `capacity` elements; a non-NULL `count`
/// must be writable.
unsafe fn faces_into<T, C: Into<T>>(
    classifier: *const GlassesClassifier,
    input: *const GlassesInput,
    request: *const GlassesRequest,
    (items, capacity, count): (*mut T, usize, *mut usize),
    find: impl FnOnce(&Classifier, Input<'_>, &Request) -> glasses_core::Result<Vec<C>>,
) -> GlassesStatus {
    guard(|| {
        if count.is_null() {
            return Err(SurfaceError::Null("count"));
        }
        // SAFETY: non-NULL, writable by the caller's contract.
        unsafe { count.write(0) };
        if items.is_null() && capacity > 0 {
            return Err(SurfaceError::Null("faces"));
        }
        // SAFETY: the caller's contract.
        let classifier = unsafe { borrow_classifier(classifier) }?;
        // SAFETY: the caller's contract.
        let input = unsafe { input.as_ref() }.copied().ok_or(SurfaceError::Null("input"))?;
        // SAFETY: the caller's contract.
        let request = unsafe { request.as_ref() }.copied().unwrap_or_default();
        // SAFETY: the caller's contract.
        let (input, stored) = unsafe { input.read() }?;
        let found = find(classifier, input, &request.core(stored)?)?;
        let total = found.len();
        for (i, item) in found.into_iter().take(capacity).enumerate() {
            // SAFETY: `i < capacity`, and `items` is writable for `capacity` elements.
            unsafe { items.add(i).write(item.into()) };
        }
        // SAFETY: as above.
        unsafe { count.write(total) };
        Ok(())
    })
}

/// Finds every face in `input` (turned upright as `request` says; its face box and mode are not
/// read; NULL: upright as stored), largest first.
///
/// Ownership: the caller owns the array. The first `min(found, capacity)` faces are written to
/// `faces[0..]`, and `*count` is set to the number found, which may exceed `capacity` (as
/// `snprintf` does): pass a larger array to get the rest, or `faces` NULL with `capacity` 0 to
/// only count them. A picture without a face is `GLASSES_STATUS_OK` with `*count` 0. `*count` is
/// 0 after a failure. Nothing is allocated for the caller and nothing is kept.
///
/// # Safety
/// `classifier` must be NULL or a live handle; `input` and `request` as in `glasses_classify`;
/// `faces` must be NULL or writable for `capacity` elements; `count` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_detect_faces(
    classifier: *const GlassesClassifier,
    input: *const GlassesInput,
    request: *const GlassesRequest,
    faces: *mut GlassesDetectedFace,
    capacity: usize,
    count: *mut usize,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        faces_into(classifier, input, request, (faces, capacity, count), |c, input, request| {
            c.detect_faces(input, request)
        })
    }
}

/// Finds every face in `input` and classifies each, largest first; the picture is read once for
/// all of them. The array, `capacity` and `*count` work as in [`glasses_detect_faces`] (faces past
/// `capacity` are still classified: size the array for the faces you expect, 8 covers most
/// photos). Each element's `result.has_face` is true and `result.face` is its `face`.
///
/// # Safety
/// As [`glasses_detect_faces`], with `results` writable for `capacity` elements.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classify_faces(
    classifier: *const GlassesClassifier,
    input: *const GlassesInput,
    request: *const GlassesRequest,
    results: *mut GlassesFaceResult,
    capacity: usize,
    count: *mut usize,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        faces_into(classifier, input, request, (results, capacity, count), |c, input, request| {
            c.classify_faces(input, request)
        })
    }
}

/// The built-in detector's default settings: 320x240 input, score above 0.6, overlap 0.3, no
/// smallest face.
#[unsafe(no_mangle)]
pub extern "C" fn glasses_detector_options_default() -> GlassesDetectorOptions {
    glasses_core::DetectorOptions::default().into()
}

/// Creates a second handle on the model of `classifier` (shared, not reloaded) whose detector uses
/// `options` (NULL: the defaults), for `glasses_detect_faces`, `glasses_classify_faces` and the
/// `AUTO` and `DETECT` face modes. Options out of range are `GLASSES_STATUS_INVALID_ARGUMENT`.
/// Both handles are released separately with `glasses_classifier_free`; on failure `*out` is NULL.
///
/// # Safety
/// `classifier` must be NULL or a live handle; `options` must be NULL or point to a readable
/// `GlassesDetectorOptions`; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classifier_with_detector(
    classifier: *const GlassesClassifier,
    options: *const GlassesDetectorOptions,
    out: *mut *mut GlassesClassifier,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on (`options` is read only once `classifier` is known good).
    unsafe {
        derived(classifier, out, |core| {
            Ok(core.with_detector(options.as_ref().map_or_else(Default::default, |o| (*o).into())))
        })
    }
}
