//! `glasses.Classifier`: a loaded model, shared by every thread, that classifies what
//! [`crate::input`] accepts with the GIL released.

use std::path::PathBuf;

use glasses_core::{ClassifierOptions, Request};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};
use rayon::prelude::*;

use crate::errors::{Failure, guarded};
use crate::faces::Face;
use crate::input::{self, Prepared, Source};
use crate::results::{FaceResult, ModelInfo, Prediction, shown};

/// Classifies face images for eyeglasses.
///
/// `Classifier(model=None, threshold=None, max_pixels=None, *, accept_truncated=False,
/// max_file_bytes=None, max_model_bytes=None, threads=1)`: `model` None is the bundled model,
/// otherwise a path or the bytes of a glasses ONNX file; `threshold` is the decision threshold on
/// P(eyeglasses) (default: the model's own, `model_info.default_threshold`); `max_pixels` the largest picture decoded (default 64
/// megapixels); `accept_truncated` classifies cut-off files instead of raising
/// TruncatedImageError; `max_file_bytes` / `max_model_bytes` bound the files read; `threads` the
/// threads one picture's inference is split over (0: one per CPU, at most 8, more is
/// InvalidOptionsError; same results at any count; `classify_batch` runs pictures in parallel
/// instead).
///
/// One instance serves any number of threads; `classify`, `classify_batch`, `detect_faces` and
/// `classify_faces` release the GIL while they decode and run the models.
#[pyclass(frozen, module = "glasses", name = "Classifier")]
#[derive(Debug)]
pub(crate) struct Classifier {
    inner: glasses_core::Classifier,
}

/// Where the model comes from.
enum ModelSource {
    Bundled,
    File(PathBuf),
    Bytes(Py<PyBytes>),
}

#[pymethods]
impl Classifier {
    /// Loads the model and checks the options (see the class's documentation).
    #[new]
    #[pyo3(signature = (model=None, threshold=None, max_pixels=None, *, accept_truncated=false, max_file_bytes=None, max_model_bytes=None, threads=1))]
    // One parameter per keyword argument of the Python constructor.
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        model: Option<&Bound<'_, PyAny>>,
        threshold: Option<f32>,
        max_pixels: Option<u64>,
        accept_truncated: bool,
        max_file_bytes: Option<u64>,
        max_model_bytes: Option<u64>,
        threads: usize,
    ) -> PyResult<Self> {
        let mut options =
            ClassifierOptions::default().with_accept_truncated(accept_truncated).with_threads(threads);
        if let Some(threshold) = threshold {
            options = options.with_threshold(threshold);
        }
        if let Some(max_pixels) = max_pixels {
            options = options.with_max_pixels(max_pixels);
        }
        if let Some(bytes) = max_file_bytes {
            options = options.with_max_file_bytes(bytes);
        }
        if let Some(bytes) = max_model_bytes {
            options = options.with_max_model_bytes(bytes);
        }
        let source = match model {
            None => ModelSource::Bundled,
            Some(m) if m.is_none() => ModelSource::Bundled,
            Some(m) => match m.cast::<PyBytes>() {
                Ok(bytes) => ModelSource::Bytes(bytes.clone().unbind()),
                Err(_) if m.is_instance_of::<PyString>() || m.hasattr("__fspath__")? => {
                    ModelSource::File(m.extract()?)
                }
                Err(_) => {
                    return Err(PyTypeError::new_err(format!(
                        "model must be None (the bundled model), a path or bytes of an ONNX file, not {}",
                        m.get_type().name()?
                    )));
                }
            },
        };
        let bytes = match &source {
            ModelSource::Bytes(bytes) => Some(bytes.as_bytes(py)),
            _ => None,
        };
        let loaded = py.detach(|| {
            guarded(|| {
                Ok(match (&source, bytes) {
                    (ModelSource::File(path), _) => glasses_core::Classifier::from_file(path, options)?,
                    (_, Some(bytes)) => glasses_core::Classifier::from_bytes(bytes, options)?,
                    _ => glasses_core::Classifier::bundled_with(options)?,
                })
            })
        });
        loaded.map(|inner| Self { inner }).map_err(|failure| failure.into_pyerr(py, ""))
    }

    /// Classifies one image: a path (str or os.PathLike), bytes of an encoded image (JPEG, PNG,
    /// WebP, ...), a numpy uint8 array (HxWx3 RGB, HxWx4 RGBA or HxW grayscale; read in place,
    /// do not write to it meanwhile) or a PIL image.
    ///
    /// `face=(x, y, width, height)`, a face detector's box in the picture's pixels, classifies
    /// that face only (the box is widened to the framing the model was trained on). Without a
    /// box, `face_mode` says what is classified: "auto" (the default) the largest face the
    /// built-in detector finds, the whole picture when there is none; "detect" the largest face,
    /// NoFaceError when there is none; "whole" the whole picture, no detection. The prediction's
    /// `face` is the face found.
    #[pyo3(signature = (image, *, face=None, face_mode="auto"))]
    fn classify(
        &self,
        py: Python<'_>,
        image: &Bound<'_, PyAny>,
        face: Option<(f32, f32, f32, f32)>,
        face_mode: &str,
    ) -> PyResult<Prediction> {
        let request = input::request(face, face_mode)?;
        let prepared = input::prepare(image)?;
        let source = prepared.source(py);
        py.detach(|| guarded(|| Ok(self.inner.classify(source.input()?, &request)?)))
            .map(Prediction::from)
            .map_err(|failure| failure.into_pyerr(py, ""))
    }

    /// Every face the built-in detector finds in an image (anything `classify` takes), largest
    /// first: `Face` objects with `box` (x, y, width, height), `score` and five `landmarks`, in
    /// the picture's pixels. A picture without a face gives an empty list.
    fn detect_faces<'py>(&self, py: Python<'py>, image: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let prepared = input::prepare(image)?;
        let source = prepared.source(py);
        let faces = py
            .detach(|| guarded(|| Ok(self.inner.detect_faces(source.input()?, &Request::new())?)))
            .map_err(|failure| failure.into_pyerr(py, ""))?;
        PyList::new(py, faces.into_iter().map(Face::from))
    }

    /// Every face in an image (as `detect_faces` finds them, largest first) with the answer for
    /// each: `FaceResult` objects with `face` and `prediction`; the picture is read once. A
    /// picture without a face gives an empty list.
    fn classify_faces<'py>(
        &self,
        py: Python<'py>,
        image: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let prepared = input::prepare(image)?;
        let source = prepared.source(py);
        let results = py
            .detach(|| guarded(|| Ok(self.inner.classify_faces(source.input()?, &Request::new())?)))
            .map_err(|failure| failure.into_pyerr(py, ""))?;
        let list = PyList::empty(py);
        for result in results {
            list.append(FaceResult::of(py, result)?)?;
        }
        Ok(list)
    }

    /// Classifies many images (each anything `classify` takes) on all cores, with the GIL
    /// released; the results keep the input order.
    ///
    /// The first failing item (in input order) raises its error, its message prefixed by
    /// "item N: ". With `return_errors=True` nothing is raised for the images: a failing item's
    /// place in the list holds its GlassesError instead. `face_mode` as in `classify`.
    #[pyo3(signature = (images, *, return_errors=false, face_mode="auto"))]
    fn classify_batch<'py>(
        &self,
        py: Python<'py>,
        images: &Bound<'py, PyAny>,
        return_errors: bool,
        face_mode: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let request = input::request(None, face_mode)?;
        if images.is_instance_of::<PyString>() || images.is_instance_of::<PyBytes>() {
            return Err(PyTypeError::new_err("classify_batch takes a list of images; use classify for one"));
        }
        let prepared = images
            .try_iter()?
            .enumerate()
            .map(|(i, item)| {
                input::prepare(&item?).map_err(|e| {
                    let message = format!("item {i}: {}", e.value(py));
                    PyErr::from_type(e.get_type(py), message)
                })
            })
            .collect::<PyResult<Vec<Prepared>>>()?;
        let sources: Vec<Source<'_>> = prepared.iter().map(|p| p.source(py)).collect();
        let results = py.detach(|| classify_all(&self.inner, &sources, &request));
        let list = PyList::empty(py);
        for (i, result) in results.into_iter().enumerate() {
            match result {
                Ok(prediction) => list.append(Prediction::from(prediction))?,
                Err(failure) if return_errors => list.append(failure.into_pyerr(py, "").into_value(py))?,
                Err(failure) => return Err(failure.into_pyerr(py, &format!("item {i}: "))),
            }
        }
        Ok(list)
    }

    /// The loaded model: version, classes, input size, threshold, weight precision, ...
    #[getter]
    fn model_info(&self) -> ModelInfo {
        ModelInfo::of(&self.inner)
    }

    /// The decision threshold on P(eyeglasses) in force: the one given, else the model's own.
    #[getter]
    fn threshold(&self) -> f64 {
        shown(self.inner.threshold())
    }

    fn __repr__(&self) -> String {
        format!(
            "Classifier(model='{}', threshold={}, engine='{}')",
            self.inner.metadata().model_version,
            shown(self.inner.threshold()),
            self.inner.engine()
        )
    }
}

/// Every source classified on rayon's pool, results in input order; a panic fails its item only.
fn classify_all(
    classifier: &glasses_core::Classifier,
    sources: &[Source<'_>],
    request: &Request,
) -> Vec<Result<glasses_core::Prediction, Failure>> {
    sources.par_iter().map(|source| guarded(|| Ok(classifier.classify(source.input()?, request)?))).collect()
}
