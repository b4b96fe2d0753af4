//! The face Python gets back: `glasses.Face` (a detected face: box, score, landmarks). The answer
//! for one, `glasses.FaceResult`, stands with the other answers in `results.rs`.

use glasses_core::DetectedFace;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// A face the built-in detector found, in pixels of the picture (origin top-left).
#[pyclass(frozen, module = "glasses", name = "Face")]
#[derive(Debug, Clone)]
pub(crate) struct Face {
    inner: DetectedFace,
}

impl From<DetectedFace> for Face {
    fn from(inner: DetectedFace) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl Face {
    /// The face's box `(x, y, width, height)`, clipped to the picture; `classify(image,
    /// face=f.box)` classifies this face.
    #[getter(r#box)]
    fn face_box(&self) -> (f32, f32, f32, f32) {
        let b = self.inner.face_box;
        (b.x, b.y, b.width, b.height)
    }

    /// Detection score in [0, 1].
    #[getter]
    fn score(&self) -> f32 {
        self.inner.score
    }

    /// Five `(x, y)` points: right eye, left eye, nose tip, right and left mouth corner (the
    /// person's right and left); not clipped to the picture.
    #[getter]
    fn landmarks(&self) -> Vec<(f32, f32)> {
        self.inner.landmarks.to_vec()
    }

    /// Every field in a dict: box, score, landmarks.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("box", self.face_box())?;
        dict.set_item("score", self.score())?;
        dict.set_item("landmarks", self.landmarks())?;
        Ok(dict)
    }

    pub(crate) fn __repr__(&self) -> String {
        let (x, y, w, h) = self.face_box();
        format!("Face(box=({x:.2}, {y:.2}, {w:.2}, {h:.2}), score={:.4})", self.inner.score)
    }
}
