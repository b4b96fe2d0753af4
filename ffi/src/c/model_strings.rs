//! The strings a classifier handle owns for `glasses_classifier_model_info`: made once when the
//! handle is created, so that the pointers [`super::GlassesModelInfo`] hands out live as long as
//! the handle.

use std::ffi::{CString, c_char};

use glasses_core::Classifier;

use crate::model_info::ModelFacts;

/// The C strings of a classifier's model facts, made once at construction so that the pointers
/// handed out live as long as the handle.
#[derive(Debug)]
pub(super) struct ModelStrings {
    pub(super) facts: ModelFacts,
    pub(super) model_version: CString,
    pub(super) architecture: CString,
    pub(super) class_names: Vec<CString>,
    pub(super) class_name_pointers: ClassNamePointers,
}

/// Pointers to the `class_names` strings of the same [`ModelStrings`], the array C reads.
#[derive(Debug)]
pub(super) struct ClassNamePointers(pub(super) Box<[*const c_char]>);

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
    /// The strings of `classifier`'s model facts.
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
}
