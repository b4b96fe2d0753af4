//! One table per concept, shared by the three surfaces: pixel format codes, error codes and the
//! words of an error.
//!
//! The C ABI is stable, so its numbers are *the* numbers: [`GlassesPixelFormat`] values are the
//! pixel format codes of C, of Kotlin's `PixelLayout.code` (passed through JNI as they are) and,
//! by name, of uniffi's `PixelFormat`; [`GlassesStatus`] values are C's status codes and Kotlin's
//! `ErrorKind.code` (the JNI throws `GlassesException(status, message)`), and uniffi's
//! `GlassesError` case is chosen from the status. A core error therefore reaches every surface as
//! one status, through [`status`], with one message, from [`message`].
//!
//! Drift is caught by tests: the Rust tests below (every core format and error kind on every
//! surface), `android/src/test/kotlin/dev/glasses/CodesTest.kt` (Kotlin's numbers against
//! `include/glasses.h`) and `scripts/gen-swift.sh` (the generated Swift enums against the header
//! and the Swift wrapper).

use glasses_core::{ErrorKind, PixelFormat};

use crate::c_api::{GlassesPixelFormat, GlassesStatus};

impl GlassesPixelFormat {
    /// Every format, in code order.
    pub(crate) const ALL: [Self; 5] = [Self::Rgba8, Self::Bgra8, Self::Argb32, Self::Rgb8, Self::Gray8];

    /// The format whose code is `code`; `None` for any other number (C and Kotlin can pass any
    /// integer, which is why the entry points take a number and not the enum).
    pub(crate) fn from_code(code: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|f| *f as u32 == code)
    }

    /// Core's format. Exhaustive, so a new C value cannot compile without its core format.
    pub(crate) fn core(self) -> PixelFormat {
        match self {
            Self::Rgba8 => PixelFormat::Rgba8,
            Self::Bgra8 => PixelFormat::Bgra8,
            Self::Argb32 => PixelFormat::Argb32,
            Self::Rgb8 => PixelFormat::Rgb8,
            Self::Gray8 => PixelFormat::Gray8,
        }
    }
}

/// Core's pixel format for a surface's code (C's `format` argument, Kotlin's `PixelLayout.code`);
/// `None` for a number that is no format.
pub(crate) fn pixel_format(code: u32) -> Option<PixelFormat> {
    GlassesPixelFormat::from_code(code).map(GlassesPixelFormat::core)
}

/// The status of a core error kind: what C returns, the `code` Kotlin's `GlassesException`
/// carries, and the case uniffi's `GlassesError` takes. The one place a kind gets its code.
pub(crate) fn status(kind: ErrorKind) -> GlassesStatus {
    use ErrorKind as K;
    match kind {
        // One meaning on every surface: a value the caller passed is out of range, whether it is
        // an option (threshold, a zero limit) or an argument (a size, a path).
        K::InvalidOptions => GlassesStatus::InvalidArgument,
        K::InvalidImage => GlassesStatus::InvalidImage,
        K::ImageTooLarge => GlassesStatus::ImageTooLarge,
        K::InvalidPixelBuffer => GlassesStatus::InvalidPixelBuffer,
        K::InvalidModel => GlassesStatus::InvalidModel,
        K::ContractViolation => GlassesStatus::ContractViolation,
        K::Io => GlassesStatus::Io,
        K::Inference => GlassesStatus::Inference,
        K::NoBundledModel => GlassesStatus::NoBundledModel,
        K::TruncatedImage => GlassesStatus::TruncatedImage,
        K::OutOfMemory => GlassesStatus::OutOfMemory,
        K::FileTooLarge => GlassesStatus::FileTooLarge,
        K::NotARegularFile => GlassesStatus::NotARegularFile,
        K::InvalidRegion => GlassesStatus::InvalidRegion,
        // A wrong tensor size and a failed export cannot come from the library's entry points
        // (they classify pictures and load models only): a bug if they ever do.
        K::TensorShape | K::Export => GlassesStatus::Internal,
        // Core's kinds are non-exhaustive: a new one is `Internal` until it gets a status here.
        _ => GlassesStatus::Internal,
    }
}

/// What core says when a model needs an operator only its `onnx-any` feature reads
/// (core/src/model/plan.rs: "... glasses-core's `onnx-any` feature adds every operator tract knows").
const ONNX_ANY_MARK: &str = "`onnx-any` feature";

/// What an app developer must do about a model that needs the `onnx-any` feature.
pub(crate) const ONNX_ANY_HINT: &str = "this model needs the onnx-any feature: build the app library with \
     `cargo build --release -p glasses-ffi --features onnx-any` (see ffi/README.md), or export the \
     model with glasses' exporter, which writes only the operators every build reads";

/// The message every surface gives for a core error: core's own words, plus what to do where
/// core's words speak of its own build (an app developer builds glasses-ffi, not glasses-core).
pub(crate) fn message(error: &glasses_core::Error) -> String {
    let text = error.to_string();
    if error.kind() == ErrorKind::InvalidModel && text.contains(ONNX_ANY_MARK) {
        format!("{text}; {ONNX_ANY_HINT}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;
    use std::path::PathBuf;

    use glasses_core::Error;

    use super::*;
    use crate::c_api::glasses_status_name;

    /// One error of every core kind (core's `ErrorKind` is non-exhaustive, so this list is checked
    /// against `kind()` and for duplicates; a new kind must be added here by hand).
    fn one_of_each() -> Vec<Error> {
        let reason = || "r".to_owned();
        vec![
            Error::InvalidImage { reason: reason() },
            Error::ImageTooLarge { width: 2, height: 2, pixels: 4, max_pixels: 1 },
            Error::InvalidPixelBuffer { reason: reason() },
            Error::InvalidModel { reason: reason() },
            Error::ContractViolation { rule: reason() },
            Error::TensorShape { expected: 1, actual: 2 },
            Error::InvalidOptions { reason: reason() },
            Error::Io { path: PathBuf::from("p"), source: std::io::Error::other("x") },
            Error::Inference { reason: reason() },
            Error::Export { reason: reason() },
            Error::NoBundledModel,
            Error::TruncatedImage { reason: reason() },
            Error::OutOfMemory { bytes: 1, what: "x" },
            Error::FileTooLarge { path: PathBuf::from("p"), size: 2, max_bytes: 1 },
            Error::NotARegularFile { path: PathBuf::from("p"), file_type: "a folder" },
            Error::InvalidRegion { reason: reason() },
        ]
    }

    fn status_name(status: GlassesStatus) -> String {
        // SAFETY: static NUL-terminated strings.
        let name = unsafe { CStr::from_ptr(glasses_status_name(status as i32)) };
        name.to_str().expect("utf-8").to_owned()
    }

    /// The expected status of each kind, written out once more by name: a changed row in
    /// [`status`] fails here.
    #[test]
    fn every_error_kind_has_its_status() {
        let errors = one_of_each();
        let kinds: std::collections::HashSet<ErrorKind> = errors.iter().map(Error::kind).collect();
        assert_eq!(kinds.len(), errors.len(), "one error per kind");
        for error in &errors {
            let want = match format!("{:?}", error.kind()).as_str() {
                "InvalidOptions" => "GLASSES_STATUS_INVALID_ARGUMENT".to_owned(),
                "TensorShape" | "Export" => "GLASSES_STATUS_INTERNAL".to_owned(),
                // Every other kind has the status of its own name.
                name => format!("GLASSES_STATUS_{}", screaming_snake(name)),
            };
            assert_eq!(status_name(status(error.kind())), want, "{:?}", error.kind());
        }
    }

    #[test]
    fn every_pixel_format_has_one_code() {
        for (code, format) in GlassesPixelFormat::ALL.into_iter().enumerate() {
            assert_eq!(format as u32, code as u32, "ALL is in code order");
            assert_eq!(GlassesPixelFormat::from_code(code as u32), Some(format));
            // C's name is core's name.
            assert_eq!(format!("{format:?}"), format!("{:?}", format.core()));
            assert_eq!(pixel_format(code as u32), Some(format.core()));
        }
        // Every core format has a code (core's enum is non-exhaustive: listed by hand).
        for core in [
            PixelFormat::Rgba8,
            PixelFormat::Bgra8,
            PixelFormat::Argb32,
            PixelFormat::Rgb8,
            PixelFormat::Gray8,
        ] {
            assert!(GlassesPixelFormat::ALL.iter().any(|f| f.core() == core), "{core:?} has no code");
        }
        for code in [5, 42, u32::MAX] {
            assert_eq!(pixel_format(code), None);
        }
    }

    #[test]
    fn onnx_any_errors_say_what_to_do() {
        let needs = Error::InvalidModel {
            reason: "node `n` uses operator `Softmax`, which this build does not read; it reads Conv \
                     (glasses-core's `onnx-any` feature adds every operator tract knows)"
                .into(),
        };
        let text = message(&needs);
        assert!(text.starts_with(&needs.to_string()), "{text}");
        assert!(text.contains("--features onnx-any") && text.contains("ffi/README.md"), "{text}");
        // Other errors keep core's words exactly.
        for error in one_of_each() {
            assert_eq!(message(&error), error.to_string());
        }
    }

    /// The uniffi error case and the JNI exception code of every core kind agree with the C status.
    #[test]
    fn every_surface_gives_every_kind_the_same_code() {
        for error in one_of_each() {
            let kind = error.kind();
            let status = status(kind);
            let c_name = status_name(status);
            let text = error.to_string();
            // JNI: GlassesException(code = the C status, message).
            match crate::jni_api::JniFailure::from(error) {
                crate::jni_api::JniFailure::Glasses { code, message } => {
                    assert_eq!(code, status, "{kind:?}");
                    assert_eq!(message, text, "{kind:?}");
                }
                other => panic!("{kind:?}: {other:?}"),
            }
            // uniffi: the case of the status's name (`GLASSES_STATUS_INVALID_ARGUMENT` is
            // `InvalidArgument(..)`), carrying the same message.
            let swift = crate::uniffi_api::GlassesError::from(rebuild(kind));
            let case = format!("{swift:?}");
            let case = case.split('(').next().expect("a case name");
            assert_eq!(format!("GLASSES_STATUS_{}", screaming_snake(case)), c_name, "{kind:?}");
            assert_eq!(swift.to_string(), rebuild(kind).to_string(), "{kind:?}");
        }
    }

    /// [`one_of_each`]'s error of `kind` (errors are not `Clone`).
    fn rebuild(kind: ErrorKind) -> Error {
        one_of_each().into_iter().find(|e| e.kind() == kind).expect("listed")
    }

    /// uniffi's `PixelFormat` and the JNI's layout codes land on C's codes and core's formats.
    #[test]
    fn uniffi_and_jni_pixel_formats_are_the_c_codes() {
        use crate::uniffi_api::PixelFormat as Swift;
        let swift = [Swift::Rgba8, Swift::Bgra8, Swift::Argb32, Swift::Rgb8, Swift::Gray8];
        assert_eq!(swift.len(), GlassesPixelFormat::ALL.len());
        for (s, c) in swift.into_iter().zip(GlassesPixelFormat::ALL) {
            // Same case, same name, same position (uniffi sends Swift's case by position).
            assert_eq!(GlassesPixelFormat::from(s), c);
            assert_eq!(format!("{s:?}"), format!("{c:?}"));
            assert_eq!(glasses_core::PixelFormat::from(s), c.core());
        }
        for c in GlassesPixelFormat::ALL {
            let jni = crate::jni_api::pixel_format(c as i32).expect("a Kotlin PixelLayout code");
            assert_eq!(jni, c.core(), "{c:?}");
        }
        for bad in [-1, 5, i32::MAX] {
            assert!(crate::jni_api::pixel_format(bad).is_err(), "{bad}");
        }
    }

    /// The exported SqueezeNet with its first `Relu` made a `Tanh` (same length, so the protobuf
    /// stays well formed): a graph only the `onnx-any` feature reads.
    fn model_needing_onnx_any() -> Vec<u8> {
        use glasses_core::export::{Architecture, ExportOptions, export_onnx, random_weights};
        let mut bytes = export_onnx(
            &random_weights(Architecture::SqueezeNet1_1, 3),
            &ExportOptions::new(Architecture::SqueezeNet1_1, 64),
        )
        .expect("export");
        // NodeProto.op_type is field 4, length-delimited: tag 0x22, then the length.
        let at = bytes.windows(6).position(|w| w == b"\x22\x04Relu").expect("a Relu node");
        bytes[at + 2..at + 6].copy_from_slice(b"Tanh");
        bytes
    }

    /// C, Swift (uniffi) and Kotlin (JNI) all tell an app developer how to read such a model.
    #[test]
    fn every_surface_says_what_to_do_for_an_onnx_any_model() {
        let bytes = model_needing_onnx_any();
        let Err(core) =
            glasses_core::Classifier::from_bytes(&bytes, glasses_core::ClassifierOptions::default())
        else {
            // Only a build that links tract (this crate's `onnx-any`, or glasses-core's enabled by
            // another crate of the same build) reads it.
            return;
        };
        if cfg!(feature = "onnx-any") {
            panic!("the onnx-any build must read the model: {core}");
        }
        let said = |text: &str| text.contains("`Tanh`") && text.contains("--features onnx-any");

        // C.
        let mut handle = std::ptr::null_mut();
        // SAFETY: a live buffer and its length; NULL options; a writable out-pointer.
        let got = unsafe {
            crate::c_api::glasses_classifier_new_from_bytes(
                bytes.as_ptr(),
                bytes.len(),
                std::ptr::null(),
                &mut handle,
            )
        };
        assert_eq!(got, GlassesStatus::InvalidModel);
        assert!(handle.is_null());
        // SAFETY: the library's own NUL-terminated message.
        let c_text = unsafe { CStr::from_ptr(crate::c_api::glasses_last_error_message()) };
        assert!(said(c_text.to_str().expect("utf-8")), "C: {c_text:?}");

        // Swift.
        match crate::uniffi_api::GlassesClassifier::from_bytes(bytes.clone(), 0.5) {
            Err(crate::uniffi_api::GlassesError::InvalidModel(text)) => assert!(said(&text), "Swift: {text}"),
            other => panic!("Swift: {other:?}"),
        }

        // Kotlin.
        match crate::jni_api::JniFailure::from(core) {
            crate::jni_api::JniFailure::Glasses { code: GlassesStatus::InvalidModel, message } => {
                assert!(said(&message), "Kotlin: {message}")
            }
            other => panic!("Kotlin: {other:?}"),
        }
    }

    pub(crate) fn screaming_snake(camel: &str) -> String {
        let mut out = String::new();
        for (i, c) in camel.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_uppercase());
        }
        out
    }
}
