//! Classifier handles: creating and releasing them, and borrowing the classifier behind one.

use std::ffi::c_char;

use glasses_core::{Classifier, ClassifierOptions};

use super::guard::guard;
use super::model_strings::ModelStrings;
use super::read::{borrow_slice, borrow_str};
use super::types::GlassesOptions;
use crate::codes::{self, GlassesStatus, SurfaceError};

/// A loaded classifier. Opaque: create it with a `glasses_classifier_new_*` function and release
/// it with [`glasses_classifier_free`].
#[derive(Debug)]
pub struct GlassesClassifier {
    pub(super) inner: Classifier,
    /// The strings `glasses_classifier_model_info` points into, owned by the handle.
    pub(super) model: ModelStrings,
}

/// Borrows the classifier behind a handle.
///
/// # Safety
/// A non-NULL `ptr` must come from a `glasses_classifier_new_*` function and not be freed yet.
pub(super) unsafe fn borrow_classifier<'a>(
    ptr: *const GlassesClassifier,
) -> Result<&'a glasses_core::Classifier, SurfaceError> {
    // SAFETY: the caller's contract.
    unsafe { ptr.as_ref() }.map(|c| &c.inner).ok_or(SurfaceError::Null("classifier"))
}

/// Core options from the C options. NULL means `glasses_options_default()`, threshold 0.5 as in
/// 0.1.0 (a program of that time passing NULL with a model file that has a threshold of its own
/// keeps its answers); a NaN threshold leaves the threshold to the model file.
///
/// # Safety
/// A non-NULL `options` must point to a readable `GlassesOptions`.
unsafe fn core_options(options: *const GlassesOptions) -> ClassifierOptions {
    // SAFETY: the caller's contract.
    let o = unsafe { options.as_ref() }.copied().unwrap_or_else(|| glasses_options_default());
    let mut core = ClassifierOptions::default().with_max_pixels(o.max_pixels);
    core.threshold = codes::threshold(o.threshold);
    core
}

/// Stores a new classifier in `*out`, which is set to NULL first so that it never holds garbage
/// after a failure.
///
/// # Safety
/// A non-NULL `out` must be writable.
pub(super) unsafe fn construct(
    out: *mut *mut GlassesClassifier,
    make: impl FnOnce() -> Result<Classifier, SurfaceError>,
) -> GlassesStatus {
    guard(|| {
        if out.is_null() {
            return Err(SurfaceError::Null("out"));
        }
        // SAFETY: non-NULL, writable by the caller's contract.
        unsafe { out.write(std::ptr::null_mut()) };
        let inner = make()?;
        let model = ModelStrings::of(&inner);
        let handle = Box::into_raw(Box::new(GlassesClassifier { inner, model }));
        // SAFETY: as above.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// A second handle on `classifier`'s model (shared, not reloaded) with its options changed by
/// `change`: what every `glasses_classifier_with_*` does, through [`construct`].
///
/// # Safety
/// `classifier` must be NULL or a live handle; `out` must be NULL or writable.
pub(super) unsafe fn derived(
    classifier: *const GlassesClassifier,
    out: *mut *mut GlassesClassifier,
    change: impl FnOnce(ClassifierOptions) -> Result<ClassifierOptions, SurfaceError>,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        construct(out, || {
            let classifier = borrow_classifier(classifier)?;
            Ok(classifier.with_options(change(*classifier.options())?)?)
        })
    }
}

/// The default options: threshold 0.5, 64 megapixels. The threshold stays 0.5 whatever the
/// model file recommends, as in 0.1.0; `glasses_options_model_threshold()` leaves it to the file.
#[unsafe(no_mangle)]
pub extern "C" fn glasses_options_default() -> GlassesOptions {
    GlassesOptions {
        threshold: glasses_core::FALLBACK_THRESHOLD,
        max_pixels: ClassifierOptions::default().max_pixels,
    }
}

/// The default options with the threshold left to the model: `threshold` is NaN, so a
/// classifier decides with the model file's own threshold (`glasses.default_threshold`, reported
/// by `glasses_classifier_model_info` as `model_default_threshold`), or 0.5 for a file without
/// one. 64 megapixels.
#[unsafe(no_mangle)]
pub extern "C" fn glasses_options_model_threshold() -> GlassesOptions {
    GlassesOptions { threshold: f32::NAN, ..glasses_options_default() }
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
            let model = borrow_slice(model, model_len, "model")?;
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
    unsafe { construct(out, || Ok(Classifier::from_file(borrow_str(path, "path")?, core_options(options))?)) }
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
    unsafe { derived(classifier, out, |options| Ok(options.with_accept_truncated(accept))) }
}

/// The most threads [`glasses_classifier_with_threads`] splits one picture's inference over.
pub const GLASSES_MAX_INFERENCE_THREADS: u32 = 8;
// cbindgen writes only literals into the header: the literal must stay core's limit.
const _: () = assert!(GLASSES_MAX_INFERENCE_THREADS as usize == glasses_core::MAX_INFERENCE_THREADS);

/// Creates a second handle on the model of `classifier` (shared, not reloaded) that splits each
/// picture's inference over `threads` threads: `threads - 1` workers, parked between pictures and
/// stopped when the last handle using them is freed, and the calling thread is the last.
/// 0 means one per available core; every constructor's default is 1 (no extra threads). The
/// answers are the same at any count. One picture at a time uses the workers: a picture
/// classified on the same handle from another thread meanwhile runs on that thread alone, so for
/// many pictures at once, parallel calls on one handle beat more threads. More than
/// [`GLASSES_MAX_INFERENCE_THREADS`] is `GLASSES_STATUS_INVALID_ARGUMENT`. Both handles are
/// released separately with [`glasses_classifier_free`]; on failure `*out` is NULL.
///
/// # Safety
/// `classifier` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classifier_with_threads(
    classifier: *const GlassesClassifier,
    threads: u32,
    out: *mut *mut GlassesClassifier,
) -> GlassesStatus {
    // SAFETY: the caller's contract, passed on.
    unsafe {
        derived(classifier, out, |options| Ok(options.with_threads(codes::threads(i64::from(threads))?)))
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
