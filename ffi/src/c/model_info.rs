//! `glasses_classifier_model_info`: which model a classifier runs, with strings whose storage is
//! the classifier's own.

use std::ffi::{CString, c_char};

use glasses_core::Classifier;

use super::classifier::GlassesClassifier;
use super::guard::guard;
use crate::codes::{GlassesStatus, GlassesWeightPrecision, SurfaceError};
use crate::model_info::ModelFacts;

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

/// The C strings of a classifier's model facts, made once at construction so that the pointers
/// handed out live as long as the handle.
#[derive(Debug)]
pub(super) struct ModelStrings {
    facts: ModelFacts,
    model_version: CString,
    architecture: CString,
    class_names: Vec<CString>,
    class_name_pointers: ClassNamePointers,
}

/// Pointers to the `class_names` strings of the same [`ModelStrings`], the array C reads.
#[derive(Debug)]
struct ClassNamePointers(Box<[*const c_char]>);

// SAFETY: the pointers point into `CString`s owned by the same `ModelStrings`, which are never
// changed or moved out (a `CString`'s bytes live on the heap, so moving the owner keeps them in
// place), and nothing is ever written through them.
unsafe impl Send for ClassNamePointers {}
// SAFETY: as above; shared reads of immutable strings.
unsafe impl Sync for ClassNamePointers {}

/// `text` as a C string; an interior NUL (possible in a hostile file's metadata) becomes U+FFFD
/// instead of cutting the string short or failing.
fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

impl ModelStrings {
    pub(super) fn of(classifier: &Classifier) -> Self {
        let facts = ModelFacts::of(classifier);
        let class_names: Vec<CString> = facts.class_names.iter().map(|n| c_string(n)).collect();
        let class_name_pointers = ClassNamePointers(class_names.iter().map(|n| n.as_ptr()).collect());
        Self {
            model_version: c_string(&facts.model_version),
            architecture: c_string(&facts.architecture),
            class_names,
            class_name_pointers,
            facts,
        }
    }

    fn info(&self) -> GlassesModelInfo {
        let default = self.facts.model_default_threshold;
        GlassesModelInfo {
            model_version: self.model_version.as_ptr(),
            architecture: self.architecture.as_ptr(),
            // At most 3 by the model contract.
            num_classes: u32::try_from(self.class_names.len()).unwrap_or(u32::MAX),
            class_names: self.class_name_pointers.0.as_ptr(),
            input_width: self.facts.input_width,
            input_height: self.facts.input_height,
            threshold: self.facts.threshold,
            has_model_default_threshold: default.is_some(),
            model_default_threshold: default.unwrap_or(f32::NAN),
            weight_precision: self.facts.weight_precision,
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
        unsafe { out.write(classifier.model.info()) };
        Ok(())
    })
}
