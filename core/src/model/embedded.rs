//! The model files built into the library (features `bundled-model` and `face-detector`), stored
//! zlib-compressed by `core/build.rs` and inflated on load: int8 weights deflate by about 15 %,
//! which is 150 KB of a 2.5 MB Android library.

use std::sync::OnceLock;

use crate::error::{Error, Result};

/// One file built into the library: its zlib stream and its inflated length.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Embedded {
    /// What the file is, for the error that names it.
    pub(crate) name: &'static str,
    packed: &'static [u8],
    len: &'static str,
}

/// `core/models/glasses-int8.onnx`, the classifier every surface runs by default.
#[cfg(feature = "bundled-model")]
pub(crate) const CLASSIFIER: Embedded = Embedded {
    name: "the bundled classifier (glasses-int8.onnx)",
    packed: include_bytes!(concat!(env!("OUT_DIR"), "/glasses-int8.onnx.zlib")),
    len: include_str!(concat!(env!("OUT_DIR"), "/glasses-int8.onnx.len")),
};

/// `core/models/face-detector.onnx`, YuNet-s.
#[cfg(feature = "face-detector")]
pub(crate) const FACE_DETECTOR: Embedded = Embedded {
    name: "the bundled face detector (face-detector.onnx)",
    packed: include_bytes!(concat!(env!("OUT_DIR"), "/face-detector.onnx.zlib")),
    len: include_str!(concat!(env!("OUT_DIR"), "/face-detector.onnx.len")),
};

impl Embedded {
    /// The file inflated once per process into `kept` and borrowed from there on: for a file
    /// every load needs (the detector, loaded with each classifier) or that callers borrow.
    pub(crate) fn inflate_once(&self, kept: &'static OnceLock<Vec<u8>>) -> Result<&'static [u8]> {
        if let Some(file) = kept.get() {
            return Ok(file);
        }
        let file = self.inflate()?;
        Ok(kept.get_or_init(|| file))
    }

    /// The file as it was in `core/models`. A stream that does not inflate to exactly the length
    /// build.rs recorded (a damaged build) is [`Error::InvalidModel`], never a panic.
    pub(crate) fn inflate(&self) -> Result<Vec<u8>> {
        let damaged = |what: String| Error::InvalidModel {
            reason: format!("{} is damaged in this build: {what}", self.name),
        };
        let len: usize = self.len.trim().parse().map_err(|_| damaged(format!("length `{}`", self.len)))?;
        let mut out = crate::memory::try_zeroed::<u8>(len, "the bundled model file")?;
        let mut inflater = fdeflate::Decompressor::new();
        let (read, written) =
            inflater.read(self.packed, &mut out, 0, true).map_err(|e| damaged(format!("{e:?}")))?;
        if !inflater.is_done() || read != self.packed.len() || written != len {
            return Err(damaged(format!(
                "{written} of {len} bytes from {read} of {} packed bytes",
                self.packed.len()
            )));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each embedded stream against its file in core/models, and smaller than it by at least `gain`.
    fn inflates_to_its_file(embedded: Embedded, file: &str, gain: f64) {
        let path = format!("{}/models/{file}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).expect("core/models");
        assert_eq!(embedded.inflate().expect("inflates"), bytes, "{path}");
        let ratio = embedded.packed.len() as f64 / bytes.len() as f64;
        assert!(ratio < 1.0 - gain, "{file} stored at {ratio:.3} of its size");
    }

    #[cfg(feature = "bundled-model")]
    #[test]
    fn the_bundled_classifier_inflates_to_the_file_in_core_models() {
        inflates_to_its_file(CLASSIFIER, "glasses-int8.onnx", 0.1);
    }

    #[cfg(feature = "face-detector")]
    #[test]
    fn the_bundled_detector_inflates_to_the_file_in_core_models() {
        inflates_to_its_file(FACE_DETECTOR, "face-detector.onnx", 0.2);
    }

    #[cfg(feature = "bundled-model")]
    #[test]
    fn a_damaged_stream_or_length_is_an_invalid_model_error() {
        let cut = Embedded { packed: &CLASSIFIER.packed[..CLASSIFIER.packed.len() / 2], ..CLASSIFIER };
        let longer = Embedded { len: "99999999", ..CLASSIFIER };
        let shorter = Embedded { len: "1000", ..CLASSIFIER };
        let garbage = Embedded { packed: &[0x78, 0x9c, 0xff, 0xff, 0xff, 0xff], ..CLASSIFIER };
        let nonsense = Embedded { len: "many", ..CLASSIFIER };
        for damaged in [cut, longer, shorter, garbage, nonsense] {
            match damaged.inflate() {
                Err(Error::InvalidModel { reason }) => {
                    assert!(reason.contains("glasses-int8.onnx"), "{reason}")
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
