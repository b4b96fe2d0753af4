//! The objects Python gets back: `glasses.Prediction`, `glasses.FaceResult` (a face with the
//! answer for it) and `glasses.ModelInfo` (the face itself: [`crate::faces`]).

use std::collections::BTreeMap;

use glasses_core::contract::KEY_WEIGHT_PRECISION;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::faces::Face;

/// The answer for one image.
#[pyclass(frozen, module = "glasses", name = "Prediction")]
#[derive(Debug, Clone)]
pub(crate) struct Prediction {
    inner: glasses_core::Prediction,
}

impl From<glasses_core::Prediction> for Prediction {
    fn from(inner: glasses_core::Prediction) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl Prediction {
    /// Whether the face wears eyeglasses: `probability >= threshold`.
    #[getter]
    fn has_glasses(&self) -> bool {
        self.inner.has_glasses
    }

    /// P(eyeglasses), in [0, 1].
    #[getter]
    fn probability(&self) -> f64 {
        self.inner.probability.into()
    }

    /// What the face wears: "none", "eyeglasses" or "sunglasses" ("eyeglasses" exactly when
    /// `has_glasses`; "sunglasses" only from a three-class model).
    #[getter]
    fn eyewear(&self) -> &'static str {
        self.inner.eyewear.name()
    }

    /// The probability of each class: {"none": ..., "eyeglasses": ..., "sunglasses": ...};
    /// "sunglasses" is None for a two-class model.
    #[getter]
    fn probabilities<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = self.inner.probabilities;
        let dict = PyDict::new(py);
        dict.set_item("none", f64::from(p.none))?;
        dict.set_item("eyeglasses", f64::from(p.eyeglasses))?;
        dict.set_item("sunglasses", p.sunglasses.map(f64::from))?;
        Ok(dict)
    }

    /// The face this answer is for (what the detector found, `face_mode` "auto" or "detect"),
    /// None when the model saw the whole picture or the caller's `face` box.
    #[getter]
    fn face(&self) -> Option<Face> {
        self.inner.face.map(Face::from)
    }

    /// Every field in a flat dict (`pandas.DataFrame([p.to_dict() for p in predictions])`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = self.inner.probabilities;
        let dict = PyDict::new(py);
        dict.set_item("has_glasses", self.inner.has_glasses)?;
        dict.set_item("probability", f64::from(self.inner.probability))?;
        dict.set_item("eyewear", self.eyewear())?;
        dict.set_item("p_none", f64::from(p.none))?;
        dict.set_item("p_eyeglasses", f64::from(p.eyeglasses))?;
        dict.set_item("p_sunglasses", p.sunglasses.map(f64::from))?;
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        self.repr()
    }
}

impl Prediction {
    /// `repr(prediction)`, for the objects that hold one.
    pub(crate) fn repr(&self) -> String {
        let p = self.inner.probabilities;
        let sunglasses = p.sunglasses.map_or_else(|| "None".to_owned(), |s| format!("{s:.4}"));
        format!(
            "Prediction(has_glasses={}, probability={:.4}, eyewear='{}', probabilities={{'none': {:.4}, \
             'eyeglasses': {:.4}, 'sunglasses': {sunglasses}}})",
            if self.inner.has_glasses { "True" } else { "False" },
            self.inner.probability,
            self.eyewear(),
            p.none,
            p.eyeglasses,
        )
    }
}

/// One face of a picture and the answer for it (`Classifier.classify_faces`).
#[pyclass(frozen, module = "glasses", name = "FaceResult")]
#[derive(Debug)]
pub(crate) struct FaceResult {
    /// The face, in pixels of the picture.
    #[pyo3(get)]
    face: Py<Face>,
    /// The answer for that face (its `face` is this face).
    #[pyo3(get)]
    prediction: Py<Prediction>,
}

impl FaceResult {
    /// The Python objects of core's result.
    pub(crate) fn of(py: Python<'_>, result: glasses_core::FaceResult) -> PyResult<Self> {
        Ok(Self {
            face: Py::new(py, Face::from(result.face))?,
            prediction: Py::new(py, Prediction::from(result.prediction))?,
        })
    }
}

#[pymethods]
impl FaceResult {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "FaceResult(face={}, prediction={})",
            self.face.get().__repr__(),
            self.prediction.bind(py).get().repr()
        )
    }
}

/// Facts about the loaded model, from its file and its metadata.
#[pyclass(frozen, module = "glasses", name = "ModelInfo")]
#[derive(Debug, Clone)]
pub(crate) struct ModelInfo {
    /// Version of the trained weights (the file's `glasses.model_version`).
    #[pyo3(get)]
    version: String,
    /// Architecture name, e.g. "squeezenet1_1".
    #[pyo3(get)]
    architecture: String,
    /// Class names in output order; index 1 is eyeglasses, index 2 (if any) sunglasses.
    #[pyo3(get)]
    classes: Vec<String>,
    /// Model input (width, height) in pixels.
    #[pyo3(get)]
    input_size: (u32, u32),
    /// The classifier's decision threshold on P(eyeglasses) (the one given, else the default).
    #[pyo3(get)]
    threshold: f64,
    /// The model file's own threshold, used when none is given (0.5 for a file without one).
    #[pyo3(get)]
    default_threshold: f64,
    /// How the weights are stored ("int8" or "f32"), None when the file does not say.
    #[pyo3(get)]
    weight_precision: Option<String>,
    /// How a picture is fitted to the input: "stretch" or "center_crop".
    #[pyo3(get)]
    resize: &'static str,
    /// Per-channel mean subtracted after scaling pixels to [0, 1] (R, G, B).
    #[pyo3(get)]
    mean: (f32, f32, f32),
    /// Per-channel standard deviation (R, G, B).
    #[pyo3(get)]
    std: (f32, f32, f32),
    /// The model contract version the file was written for.
    #[pyo3(get)]
    contract_version: u32,
    /// Whether the model tells sunglasses apart (three classes).
    #[pyo3(get)]
    has_sunglasses_class: bool,
    /// Size of the ONNX file in bytes.
    #[pyo3(get)]
    size_bytes: usize,
    /// Number of weight values in the file.
    #[pyo3(get)]
    parameter_count: usize,
    /// Which engine runs the model, on which kernels (e.g. "glasses engine, avx2 kernels").
    #[pyo3(get)]
    engine: String,
    /// Every other metadata entry of the file (training metrics, data terms, ...).
    #[pyo3(get)]
    metadata: BTreeMap<String, String>,
}

/// A float that Python shows as it was typed (0.3, not 0.30000001192092896).
pub(crate) fn shown(x: f32) -> f64 {
    x.to_string().parse().unwrap_or_else(|_| x.into())
}

impl ModelInfo {
    pub(crate) fn of(classifier: &glasses_core::Classifier) -> Self {
        let info = classifier.info();
        let m = &info.metadata;
        Self {
            version: m.model_version.clone(),
            architecture: m.architecture.clone(),
            classes: m.class_names.clone(),
            input_size: (m.input_width, m.input_height),
            threshold: shown(classifier.threshold()),
            default_threshold: shown(info.default_threshold()),
            weight_precision: m.extra.get(KEY_WEIGHT_PRECISION).cloned(),
            resize: m.resize.name(),
            mean: m.mean.into(),
            std: m.std.into(),
            contract_version: m.contract_version,
            has_sunglasses_class: m.has_sunglasses_class(),
            size_bytes: info.size_bytes,
            parameter_count: info.parameter_count,
            engine: classifier.engine(),
            metadata: m.extra.clone(),
        }
    }
}

#[pymethods]
impl ModelInfo {
    fn __repr__(&self) -> String {
        format!(
            "ModelInfo(version='{}', architecture='{}', classes=[{}], input_size=({}, {}), threshold={}, \
             default_threshold={}, weight_precision={}, size_bytes={})",
            self.version,
            self.architecture,
            self.classes.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", "),
            self.input_size.0,
            self.input_size.1,
            self.threshold,
            self.default_threshold,
            self.weight_precision.as_deref().map_or_else(|| "None".to_owned(), |p| format!("'{p}'")),
            self.size_bytes,
        )
    }
}
