//! `glasses.GlassesError` and one subclass per `glasses_core::ErrorKind`, each with a `kind`
//! class attribute (the kind's lower-case name), and the conversion of core's errors to them.

use glasses_core::ErrorKind;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyType;

pyo3::create_exception!(
    glasses,
    GlassesError,
    PyException,
    "Base class of every error glasses raises; `.kind` names the kind (e.g. \"invalid_image\")."
);

/// Declares the subclasses and the one table that maps each core kind to its class and name, so
/// that a kind is classified once, here, and the module, the stubs' test and `raise` follow it.
macro_rules! error_classes {
    ($($kind:ident => $class:ident, $name:literal, $doc:literal;)*) => {
        $(pyo3::create_exception!(glasses, $class, GlassesError, $doc);)*

        /// Every subclass with its kind name, for the module to register.
        pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
            let py = module.py();
            let base = py.get_type::<GlassesError>();
            base.setattr("kind", "unknown")?;
            module.add("GlassesError", base)?;
            $(
                let class = py.get_type::<$class>();
                class.setattr("kind", $name)?;
                module.add(stringify!($class), class)?;
            )*
            let internal = py.get_type::<InternalError>();
            internal.setattr("kind", "internal")?;
            module.add("InternalError", internal)?;
            module.add("ERROR_KINDS", vec![$($name),*, "internal"])?;
            Ok(())
        }

        /// The class raised for core's error kind `kind`; a kind added to core after this
        /// binding was written falls back to the base class.
        fn class_of(py: Python<'_>, kind: ErrorKind) -> Bound<'_, PyType> {
            match kind {
                $(ErrorKind::$kind => py.get_type::<$class>(),)*
                _ => py.get_type::<GlassesError>(),
            }
        }
    };
}

error_classes! {
    InvalidImage => InvalidImageError, "invalid_image",
        "The encoded image could not be decoded: empty, corrupt or of an unsupported format.";
    ImageTooLarge => ImageTooLargeError, "image_too_large",
        "The image has more pixels than `max_pixels`; refused before decoding.";
    InvalidPixelBuffer => InvalidPixelBufferError, "invalid_pixel_buffer",
        "A pixel array that does not match its width, height, stride or format (e.g. zero-sized).";
    InvalidModel => InvalidModelError, "invalid_model",
        "The model bytes are not a readable ONNX model.";
    ContractViolation => ContractViolationError, "contract_violation",
        "The model is valid ONNX but breaks the glasses model contract (metadata, input, output).";
    TensorShape => TensorShapeError, "tensor_shape",
        "A preprocessed tensor has the wrong number of values for the model.";
    InvalidOptions => InvalidOptionsError, "invalid_options",
        "A classifier option is out of range (e.g. a threshold outside [0, 1]).";
    Io => IoError, "io",
        "A file could not be read (missing, no permission, ...).";
    Inference => InferenceError, "inference",
        "The inference engine failed on a model that loaded fine.";
    Export => ExportError, "export",
        "The ONNX writer was given weights that do not fit (not used by this package).";
    NoBundledModel => NoBundledModelError, "no_bundled_model",
        "This build carries no bundled model; pass a model file.";
    TruncatedImage => TruncatedImageError, "truncated_image",
        "The encoded image ends before its picture data does (pass accept_truncated=True to classify it anyway).";
    OutOfMemory => OutOfMemoryError, "out_of_memory",
        "A buffer the input needs could not be allocated; the call failed, the process lives.";
    FileTooLarge => FileTooLargeError, "file_too_large",
        "A file is larger than `max_file_bytes` (images) or `max_model_bytes` (models); nothing was read.";
    NotARegularFile => NotARegularFileError, "not_a_regular_file",
        "The path names a folder, device, FIFO or socket; refused before it is opened.";
    InvalidRegion => InvalidRegionError, "invalid_region",
        "A face box that cannot be used: empty, negative, not finite or wholly outside the picture.";
    NoFace => NoFaceError, "no_face",
        "A face was required but the face detector found none in the picture.";
    NoFaceDetector => NoFaceDetectorError, "no_face_detector",
        "Faces were asked for but this build has no face detector.";
}

pyo3::create_exception!(
    glasses,
    InternalError,
    GlassesError,
    "A bug in glasses (a Rust panic), caught at the boundary: the call failed, the process lives."
);

/// Why one call into core failed, held without the GIL until it is raised.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Core returned an error.
    Core(glasses_core::Error),
    /// Core panicked; the message, when the panic carried one.
    Panic(String),
}

impl From<glasses_core::Error> for Failure {
    fn from(error: glasses_core::Error) -> Self {
        Self::Core(error)
    }
}

impl Failure {
    /// The Python exception, its message prefixed by `context` (e.g. "item 3: ") when given.
    pub(crate) fn into_pyerr(self, py: Python<'_>, context: &str) -> PyErr {
        match self {
            Self::Core(error) => PyErr::from_type(class_of(py, error.kind()), format!("{context}{error}")),
            Self::Panic(message) => InternalError::new_err(format!(
                "{context}internal error in glasses (please report it): {message}"
            )),
        }
    }
}

/// Runs `f`, turning a panic into [`Failure::Panic`]: no Rust panic crosses into Python.
pub(crate) fn guarded<T>(f: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned());
        Err(Failure::Panic(message))
    })
}
