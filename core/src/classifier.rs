//! The classifier: a loaded, optimised model plus options, shared freely between threads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::contract::ModelMetadata;
use crate::error::{Error, Result};
use crate::model_file::{self, ParsedModel};
use crate::pixels::PixelBuffer;
use crate::plan::{self, Plan};
use crate::preprocess::{self, DEFAULT_MAX_PIXELS, Preprocessing};
use crate::simd_state;

/// The result for one image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// `probability >= threshold`.
    pub has_glasses: bool,
    /// P(eyeglasses): softmax of the model's logits, index 1.
    pub probability: f32,
}

/// Tunable behaviour, with defaults that suit most callers.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct ClassifierOptions {
    /// Decision threshold on P(eyeglasses), in `[0, 1]`. Default 0.5.
    pub threshold: f32,
    /// Largest image (width x height) decoded; larger ones fail with
    /// [`Error::ImageTooLarge`] before any pixels are decoded. Default 64 megapixels.
    pub max_pixels: u64,
}

impl Default for ClassifierOptions {
    fn default() -> Self {
        Self { threshold: 0.5, max_pixels: DEFAULT_MAX_PIXELS }
    }
}

impl ClassifierOptions {
    /// Sets the decision threshold.
    pub fn with_threshold(mut self, threshold: f32) -> Self {
        self.threshold = threshold;
        self
    }
    /// Sets the pixel limit for decoded images.
    pub fn with_max_pixels(mut self, max_pixels: u64) -> Self {
        self.max_pixels = max_pixels;
        self
    }
    fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(Error::InvalidOptions {
                reason: format!("threshold {} is outside [0, 1]", self.threshold),
            });
        }
        if self.max_pixels == 0 {
            return Err(Error::InvalidOptions { reason: "max_pixels must be positive".into() });
        }
        Ok(())
    }
}

/// Facts about a loaded model file.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    /// Size of the ONNX file in bytes.
    pub size_bytes: usize,
    /// Number of weight values (float or int8) in the file.
    pub parameter_count: usize,
    /// The contract metadata and any extra entries.
    pub metadata: ModelMetadata,
}

/// Classifies face images for eyeglasses.
///
/// Cheap to clone (the model is shared) and `Send + Sync`: one instance serves any number of
/// threads without a lock.
#[derive(Debug, Clone)]
pub struct Classifier {
    plan: Plan,
    info: Arc<ModelInfo>,
    preprocessing: Preprocessing,
    options: ClassifierOptions,
}

#[cfg(feature = "bundled-model")]
static BUNDLED_MODEL: &[u8] = include_bytes!("../models/glasses-int8.onnx");

impl Classifier {
    /// The trained model shipped inside the library, default options.
    pub fn bundled() -> Result<Self> {
        Self::bundled_with(ClassifierOptions::default())
    }

    /// The trained model shipped inside the library.
    pub fn bundled_with(options: ClassifierOptions) -> Result<Self> {
        Self::from_bytes(Self::bundled_model_bytes()?, options)
    }

    /// The bundled ONNX file itself (to save it, or inspect it).
    pub fn bundled_model_bytes() -> Result<&'static [u8]> {
        #[cfg(feature = "bundled-model")]
        {
            Ok(BUNDLED_MODEL)
        }
        #[cfg(not(feature = "bundled-model"))]
        {
            Err(Error::NoBundledModel)
        }
    }

    /// Loads a glasses ONNX model from memory, checks its contract, fixes the input shape and
    /// optimises it for this machine.
    pub fn from_bytes(bytes: &[u8], options: ClassifierOptions) -> Result<Self> {
        options.validate()?;
        let ParsedModel { proto, metadata, parameter_count } = model_file::parse(bytes)?;
        // Backstop: tract's ONNX reader (feature `onnx-any`) indexes some maps unchecked and can
        // panic on hostile graphs; a model file must never take the process (or an FFI caller) down.
        let plan =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| plan::build(bytes, &proto, &metadata)))
                .map_err(|_| Error::InvalidModel {
                    reason: "the ONNX reader failed on this graph (internal panic)".into(),
                })??;
        Ok(Self {
            preprocessing: metadata.preprocessing(),
            info: Arc::new(ModelInfo { size_bytes: bytes.len(), parameter_count, metadata }),
            plan,
            options,
        })
    }

    /// Loads a glasses ONNX model from a file.
    pub fn from_file(path: impl AsRef<Path>, options: ClassifierOptions) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
        Self::from_bytes(&bytes, options)
    }

    /// Options in force.
    pub fn options(&self) -> &ClassifierOptions {
        &self.options
    }

    /// The same model with other options (no reload).
    pub fn with_options(&self, options: ClassifierOptions) -> Result<Self> {
        options.validate()?;
        Ok(Self { options, ..self.clone() })
    }

    /// The model's metadata.
    pub fn metadata(&self) -> &ModelMetadata {
        &self.info.metadata
    }

    /// Size, parameter count and metadata of the loaded model.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Which engine runs the model and on which micro-kernels (e.g. "glasses engine, avx512
    /// kernels"); the kernels are chosen for the CPU at load.
    pub fn engine(&self) -> String {
        self.plan.engine()
    }

    /// Multiply-accumulates one classification spends in the model's convolutions (`None` when
    /// tract runs the model, with the `onnx-any` feature): the arithmetic its time is bound by.
    pub fn multiply_accumulates(&self) -> Option<u64> {
        self.plan.macs()
    }

    /// Milliseconds per step of the engine's plan, averaged over `runs` runs of `tensor` (a
    /// preprocessed tensor of the right length), with a description of each step. Empty when
    /// tract runs the model. For `examples/profile_nodes.rs`; not a stable API.
    #[doc(hidden)]
    pub fn profile_steps(&self, tensor: &[f32], runs: usize) -> Result<Vec<(String, f64)>> {
        let expected = self.preprocessing.tensor_len();
        if tensor.len() != expected {
            return Err(Error::TensorShape { expected, actual: tensor.len() });
        }
        let steps = self.plan.profile(tensor, runs.max(1));
        simd_state::clear_upper_vector_state();
        Ok(steps)
    }

    /// The preprocessing this model expects (see [`crate::preprocess`]).
    pub fn preprocessing(&self) -> &Preprocessing {
        &self.preprocessing
    }

    /// Classifies an encoded image (JPEG, PNG, WebP, BMP, GIF, TIFF, ...).
    pub fn classify_encoded(&self, bytes: &[u8]) -> Result<Prediction> {
        let image = preprocess::decode(bytes, self.options.max_pixels)?;
        self.classify_rgb(&image)
    }

    /// Classifies a raw pixel buffer.
    pub fn classify_pixels(&self, pixels: &PixelBuffer<'_>) -> Result<Prediction> {
        self.classify_rgb(&pixels.to_rgb())
    }

    /// Classifies an RGB image of any size.
    pub fn classify_rgb(&self, image: &image::RgbImage) -> Result<Prediction> {
        self.classify_tensor(&self.preprocessing.tensor_from_rgb(image))
    }

    /// Classifies the image file at `path`.
    pub fn classify_path(&self, path: impl AsRef<Path>) -> Result<Prediction> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
        self.classify_encoded(&bytes)
    }

    /// Classifies an already preprocessed NCHW tensor of `3 * H * W` floats.
    pub fn classify_tensor(&self, tensor: &[f32]) -> Result<Prediction> {
        let probability = softmax_eyeglasses(&self.logits(tensor)?);
        Ok(Prediction { has_glasses: probability >= self.options.threshold, probability })
    }

    /// The model's raw logits for a preprocessed tensor, one per class of
    /// [`ModelMetadata::class_names`]: `[no eyeglasses, eyeglasses]` or `[no eyeglasses,
    /// eyeglasses, sunglasses]`.
    pub fn logits(&self, tensor: &[f32]) -> Result<Vec<f32>> {
        let expected = self.preprocessing.tensor_len();
        if tensor.len() != expected {
            return Err(Error::TensorShape { expected, actual: tensor.len() });
        }
        let shape = [1, 3, self.preprocessing.height as usize, self.preprocessing.width as usize];
        let values = self.plan.run(tensor, shape);
        simd_state::clear_upper_vector_state();
        let values = values?;
        if values.len() == self.info.metadata.num_classes() && values.iter().all(|v| v.is_finite()) {
            Ok(values)
        } else {
            Err(Error::Inference {
                reason: format!("model produced non-finite or misshaped logits {values:?}"),
            })
        }
    }

    /// The softmax of [`Self::logits`]: one probability per class, summing to 1.
    pub fn probabilities(&self, tensor: &[f32]) -> Result<Vec<f32>> {
        Ok(softmax(&self.logits(tensor)?))
    }

    /// Classifies many encoded images on all cores (rayon's global pool); results keep the input order.
    pub fn classify_encoded_batch<B: AsRef<[u8]> + Sync>(&self, images: &[B]) -> Vec<Result<Prediction>> {
        images.par_iter().map(|b| self.classify_encoded(b.as_ref())).collect()
    }

    /// Classifies many image files on all cores; results keep the input order.
    pub fn classify_paths<P: AsRef<Path> + Sync>(&self, paths: &[P]) -> Vec<Result<Prediction>> {
        paths.par_iter().map(|p| self.classify_path(p)).collect()
    }
}

/// P(eyeglasses): the softmax of `logits` at the eyeglasses index (1), computed stably;
/// `logits` holds 2 or 3 values (0 when it holds fewer than 2).
pub fn softmax_eyeglasses(logits: &[f32]) -> f32 {
    softmax(logits).get(crate::contract::EYEGLASSES_INDEX).copied().unwrap_or(0.0)
}

/// The softmax of `logits`, computed stably (the largest logit is subtracted first).
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|&l| (l - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.into_iter().map(|e| e / sum).collect()
}

/// Files under `dir` (recursively, not following links to folders) whose extension looks like an
/// image, sorted.
pub fn find_images(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|source| Error::Io { path: d.clone(), source })?;
        for entry in entries {
            let entry = entry.map_err(|source| Error::Io { path: d.clone(), source })?;
            let kind = entry.file_type().map_err(|source| Error::Io { path: entry.path(), source })?;
            let path = entry.path();
            // Links to folders are not followed: a link loop would never end.
            if kind.is_dir() {
                stack.push(path);
            } else if (kind.is_file() || (kind.is_symlink() && path.is_file())) && is_image_path(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Whether the file name has an image extension this crate decodes.
pub fn is_image_path(path: &Path) -> bool {
    const EXTS: [&str; 14] =
        ["jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff", "ico", "pbm", "pgm", "ppm", "tga", "qoi"];
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}
