//! The tables of `codes.rs` against core and against every surface.

use std::ffi::CStr;
use std::path::PathBuf;

use glasses_core::Error;

use super::*;

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
        Error::NoFace { width: 3, height: 2 },
        Error::NoFaceDetector,
    ]
}

fn status_name(status: GlassesStatus) -> String {
    // SAFETY: static NUL-terminated strings.
    let name = unsafe { CStr::from_ptr(crate::c::glasses_status_name(status as i32)) };
    name.to_str().expect("utf-8").to_owned()
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

#[test]
fn every_status_has_its_code_and_name() {
    for (code, status) in GlassesStatus::ALL.into_iter().enumerate() {
        assert_eq!(status as i32, code as i32, "ALL is in code order");
        assert_eq!(GlassesStatus::from_code(code as i32), Some(status));
        // The C name is the Rust name in SCREAMING_SNAKE_CASE, as cbindgen writes the enumerator.
        assert_eq!(
            status_name(status),
            format!("GLASSES_STATUS_{}", screaming_snake(&format!("{status:?}")))
        );
    }
    for code in [-1, 20, i32::MAX] {
        assert_eq!(GlassesStatus::from_code(code), None);
        // SAFETY: static NUL-terminated strings.
        let name = unsafe { CStr::from_ptr(crate::c::glasses_status_name(code)) };
        assert_eq!(name.to_bytes(), b"GLASSES_STATUS_UNKNOWN");
    }
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
        assert_eq!(pixel_format(code as i64).expect("a format"), format.core());
    }
    // Every core format has a code (core's enum is non-exhaustive: listed by hand).
    for core in
        [PixelFormat::Rgba8, PixelFormat::Bgra8, PixelFormat::Argb32, PixelFormat::Rgb8, PixelFormat::Gray8]
    {
        assert!(GlassesPixelFormat::ALL.iter().any(|f| f.core() == core), "{core:?} has no code");
    }
    for code in [-1, 5, 42, i64::from(u32::MAX)] {
        let err = pixel_format(code).expect_err("no format");
        assert_eq!(err.status(), GlassesStatus::InvalidArgument);
        assert_eq!(err.to_string(), format!("invalid argument: unknown pixel format {code}"));
    }
}

#[test]
fn rotations_are_the_four_quarter_turns() {
    for (rotation, degrees) in GlassesRotation::ALL.into_iter().zip([0, 90, 180, 270]) {
        assert_eq!(rotation as i64, degrees);
        for mirrored in [false, true] {
            let o = orientation(degrees, mirrored).expect("a quarter turn");
            assert_eq!(o, Orientation { rotation_degrees: degrees as u32, mirrored });
        }
    }
    for bad in [-90, -1, 1, 45, 360, i64::from(u32::MAX) + 90] {
        let err = orientation(bad, false).expect_err("not a quarter turn");
        assert_eq!(status(err.kind()), GlassesStatus::InvalidPixelBuffer, "{bad}");
        assert!(err.to_string().contains(&format!("rotation of {bad} degrees")), "{err}");
    }
    let face = FaceBox::new(1.0, 2.0, 3.0, 4.0);
    let r = request(270, true, Some(face), FaceMode::Whole).expect("a request");
    assert_eq!(
        r,
        Request::new()
            .with_orientation(Orientation { rotation_degrees: 270, mirrored: true })
            .with_face(face)
            .with_face_mode(FaceMode::Whole)
    );
    assert_eq!(request(0, false, None, FaceMode::Auto).expect("the default"), Request::default());
}

#[test]
fn every_face_mode_has_one_code_and_auto_is_zero() {
    for (code, mode) in GlassesFaceMode::ALL.into_iter().enumerate() {
        assert_eq!(mode as i64, code as i64, "ALL is in code order");
        // C's name is core's name.
        assert_eq!(format!("{mode:?}"), format!("{:?}", mode.core()));
        assert_eq!(face_mode(code as i64).expect("a mode"), mode.core());
    }
    // A zeroed request (C's `{0}`, Kotlin's and Swift's defaults) asks for core's default.
    assert_eq!(face_mode(0).expect("auto"), FaceMode::default());
    for code in [-1, 3, i64::from(u32::MAX)] {
        let err = face_mode(code).expect_err("no mode");
        assert_eq!(err.status(), GlassesStatus::InvalidArgument);
        assert_eq!(err.to_string(), format!("invalid argument: unknown face mode {code}"));
    }
}

#[test]
fn threads_are_zero_to_core_maximum_and_refused_beyond() {
    let max = glasses_core::MAX_INFERENCE_THREADS;
    for n in 0..=max {
        assert_eq!(threads(n as i64).expect("in range"), n);
    }
    for requested in [-1, max as i64 + 1, i64::from(u32::MAX), i64::MIN] {
        let err = SurfaceError::from(threads(requested).expect_err("out of range"));
        // The status every surface gives core's invalid options: C's, Kotlin's ErrorKind and
        // Swift's case.
        assert_eq!(err.status(), GlassesStatus::InvalidArgument);
        assert_eq!(
            err.to_string(),
            format!("invalid options: threads {requested} is outside 0 to {max} (0: one per core)")
        );
    }
}

#[test]
fn input_kinds_have_one_code_each() {
    for (code, kind) in GlassesInputKind::ALL.into_iter().enumerate() {
        assert_eq!(kind as u32, code as u32, "ALL is in code order");
        assert_eq!(GlassesInputKind::from_code(code as u32), Some(kind));
    }
    assert_eq!(GlassesInputKind::from_code(5), None);
}

/// Every kind core has reaches C, Kotlin and Swift as the same kind; an unknown kind follows
/// `has_glasses` on every surface.
#[test]
fn eyewear_kinds_map_once_for_every_surface() {
    let prediction = |eyewear, has_glasses| {
        let mut p = Prediction::from_probabilities(&[0.25, 0.5, 0.25], 0.5);
        p.eyewear = eyewear;
        p.has_glasses = has_glasses;
        p
    };
    for (eyewear, has, want) in [
        (Eyewear::None, false, GlassesEyewear::None),
        (Eyewear::Eyeglasses, true, GlassesEyewear::Eyeglasses),
        (Eyewear::Sunglasses, false, GlassesEyewear::Sunglasses),
    ] {
        let p = prediction(eyewear, has);
        assert_eq!(GlassesEyewear::of(&p), want);
        assert_eq!(crate::c::GlassesResult::from(p).eyewear, want as u32);
        let swift = crate::uniffi::GlassesResultRecord::from(p).eyewear;
        assert_eq!(
            format!("{:?}", swift).to_lowercase().replace("noeyewear", "none"),
            format!("{want:?}").to_lowercase()
        );
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
        assert_eq!(SurfaceError::from(rebuild(kind)).status(), status, "{kind:?}");
        // JNI: GlassesException(code = the C status, message).
        match crate::jni::JniFailure::from(error) {
            crate::jni::JniFailure::Glasses { code, message } => {
                assert_eq!(code, status, "{kind:?}");
                assert_eq!(message, text, "{kind:?}");
            }
            other => panic!("{kind:?}: {other:?}"),
        }
        // uniffi: the case of the status's name (`GLASSES_STATUS_INVALID_ARGUMENT` is
        // `InvalidArgument(..)`), carrying the same message.
        let swift = crate::uniffi::GlassesError::from(rebuild(kind));
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
    let Err(core) = glasses_core::Classifier::from_bytes(&bytes, glasses_core::ClassifierOptions::default())
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
        crate::c::glasses_classifier_new_from_bytes(
            bytes.as_ptr(),
            bytes.len(),
            std::ptr::null(),
            &mut handle,
        )
    };
    assert_eq!(got, GlassesStatus::InvalidModel);
    assert!(handle.is_null());
    // SAFETY: the library's own NUL-terminated message.
    let c_text = unsafe { CStr::from_ptr(crate::c::glasses_last_error_message()) };
    assert!(said(c_text.to_str().expect("utf-8")), "C: {c_text:?}");

    // Swift.
    let options = crate::uniffi::default_options();
    match crate::uniffi::GlassesClassifier::from_bytes(bytes.clone(), options) {
        Err(crate::uniffi::GlassesError::InvalidModel(text)) => assert!(said(&text), "Swift: {text}"),
        other => panic!("Swift: {other:?}"),
    }

    // Kotlin.
    match crate::jni::JniFailure::from(core) {
        crate::jni::JniFailure::Glasses { code: GlassesStatus::InvalidModel, message } => {
            assert!(said(&message), "Kotlin: {message}")
        }
        other => panic!("Kotlin: {other:?}"),
    }
}
