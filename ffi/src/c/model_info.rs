//! `glasses_classifier_model_info`: which model a classifier runs, as a C struct pointing into the
//! strings the handle owns ([`super::model_strings`]).

use std::ffi::c_char;

use super::classifier::GlassesClassifier;
use super::guard::guard;
use super::model_strings::ModelStrings;
use crate::codes::{GlassesStatus, GlassesWeightPrecision, SurfaceError};

/// Facts about the model a classifier runs and the threshold it applies, written by
/// [`glasses_classifier_model_info`].
///
/// Ownership: every pointer points into storage of the classifier the struct was read from. The
/// strings and the `class_names` array stay valid, unchanged, until that handle is released with
/// `glasses_classifier_free`; the caller never frees them and copies what it keeps longer. A
/// second handle made with `glasses_classifier_with_accept_truncated` has storage of its own.
/// Strings are NUL-terminated UTF-8; a NUL inside a metadata value (never written by glasses'
/// exporter) is reported as U+FFFD.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlassesModelInfo {
    /// Version of the trained weights (the file's `glasses.model_version`; `""` when absent).
    pub model_version: *const c_char,
    /// Network architecture, e.g. `"squeezenet1_1"`.
    pub architecture: *const c_char,
    /// Number of classes: 2 (no eyeglasses, eyeglasses) or 3 (with sunglasses).
    pub num_classes: u32,
    /// `num_classes` class names in output order: index 1 is eyeglasses, index 2 (when present)
    /// sunglasses.
    pub class_names: *const *const c_char,
    /// Model input width in pixels.
    pub input_width: u32,
    /// Model input height in pixels.
    pub input_height: u32,
    /// The decision threshold in force: the options' own, else (a NaN threshold) the model
    /// file's, else 0.5.
    pub threshold: f32,
    /// Whether the model file recommends a threshold of its own (`glasses.default_threshold`).
    pub has_model_default_threshold: bool,
    /// The model file's recommended threshold, in (0, 1); NaN when `has_model_default_threshold`
    /// is false. It decides when `GlassesOptions.threshold` is NaN (`glasses_options_model_threshold`).
    pub model_default_threshold: f32,
    /// How the file stores its weights.
    pub weight_precision: GlassesWeightPrecision,
}

impl From<&ModelStrings> for GlassesModelInfo {
    fn from(strings: &ModelStrings) -> Self {
        let default = strings.facts.model_default_threshold;
        GlassesModelInfo {
            model_version: strings.model_version.as_ptr(),
            architecture: strings.architecture.as_ptr(),
            // At most 3 by the model contract.
            num_classes: u32::try_from(strings.class_names.len()).unwrap_or(u32::MAX),
            class_names: strings.class_name_pointers.0.as_ptr(),
            input_width: strings.facts.input_width,
            input_height: strings.facts.input_height,
            threshold: strings.facts.threshold,
            has_model_default_threshold: default.is_some(),
            model_default_threshold: default.unwrap_or(f32::NAN),
            weight_precision: strings.facts.weight_precision,
        }
    }
}

/// Writes the facts about `classifier`'s model into `*out`: version, classes, input size, the
/// threshold in force and the model file's own, weight precision. See [`GlassesModelInfo`] for
/// how long its strings live.
///
/// # Safety
/// `classifier` must be NULL or a live handle; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_classifier_model_info(
    classifier: *const GlassesClassifier,
    out: *mut GlassesModelInfo,
) -> GlassesStatus {
    guard(|| {
        // SAFETY: the caller's contract.
        let classifier = unsafe { classifier.as_ref() }.ok_or(SurfaceError::Null("classifier"))?;
        if out.is_null() {
            return Err(SurfaceError::Null("out"));
        }
        // SAFETY: non-NULL and writable by the caller's contract.
        unsafe { out.write(GlassesModelInfo::from(&classifier.model)) };
        Ok(())
    })
}
