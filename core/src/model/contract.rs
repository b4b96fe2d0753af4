//! The glasses model contract: what an ONNX file must look like for core, the trainer and every
//! surface to agree on it.
//!
//! * One input named [`INPUT_NAME`] (`image`), float32, NCHW `[1, 3, H, W]`, values already
//!   preprocessed as [`crate::preprocess`] describes.
//! * One output named [`OUTPUT_NAME`] (`logits`), float32 `[1, K]` with K = 2 or 3 classes named in
//!   the metadata: index 0 is "no eyeglasses", index 1 is "eyeglasses" and, in a three-class model,
//!   index 2 is "sunglasses". Probabilities are a softmax over these logits, so P(eyeglasses) means
//!   the same in both kinds of file.
//! * How the picture is fitted to the input ([`ResizeMode`], key [`KEY_RESIZE`]): contract version
//!   1 files always stretch; version 2 files say it (a centre crop to the input's aspect ratio keeps
//!   faces undistorted).
//! * `metadata_props` hold the keys below. [`ModelMetadata`] reads and writes them.
//!
//! A file that breaks a rule is refused at load with [`crate::Error::ContractViolation`] naming the rule.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::input::preprocess::Preprocessing;
pub use crate::input::resize_mode::ResizeMode;

/// Name of the model's single input.
pub const INPUT_NAME: &str = "image";
/// Name of the model's single output.
pub const OUTPUT_NAME: &str = "logits";
/// Number of classes of a two-class model (no eyeglasses, eyeglasses).
pub const NUM_CLASSES: usize = 2;
/// Number of classes of a three-class model (no eyeglasses, eyeglasses, sunglasses).
pub const NUM_CLASSES_WITH_SUNGLASSES: usize = 3;
/// Version of this contract written into every exported model. Version 2 added the resize mode
/// and three-class files; version 1 files (two classes, stretched) are still read.
pub const CONTRACT_VERSION: u32 = 2;
/// Oldest contract version this build reads.
pub const MIN_CONTRACT_VERSION: u32 = 1;
/// Output index of the eyeglasses class, in every model.
pub const EYEGLASSES_INDEX: usize = 1;

/// Metadata key: input width in pixels.
pub const KEY_INPUT_WIDTH: &str = "glasses.input_width";
/// Metadata key: input height in pixels.
pub const KEY_INPUT_HEIGHT: &str = "glasses.input_height";
/// Metadata key: per-channel mean (R,G,B) of the normalisation, comma separated.
pub const KEY_MEAN: &str = "glasses.mean";
/// Metadata key: per-channel standard deviation (R,G,B), comma separated.
pub const KEY_STD: &str = "glasses.std";
/// Metadata key: class names in output order, comma separated.
pub const KEY_CLASS_NAMES: &str = "glasses.class_names";
/// Metadata key: network architecture (`squeezenet1_1`, `resnet18`).
pub const KEY_ARCHITECTURE: &str = "glasses.architecture";
/// Metadata key: contract version ([`CONTRACT_VERSION`]).
pub const KEY_CONTRACT_VERSION: &str = "glasses.contract_version";
/// Metadata key: free-form version of the trained weights (e.g. a date or run name).
pub const KEY_MODEL_VERSION: &str = "glasses.model_version";
/// Metadata key: how the weights are stored (`f32` or `int8`).
pub const KEY_WEIGHT_PRECISION: &str = "glasses.weight_precision";
/// Metadata key (contract version 2): how a picture is fitted to the input, see [`ResizeMode`].
pub const KEY_RESIZE: &str = "glasses.resize";
/// Metadata key (optional): the P(eyeglasses) threshold the trainer chose on held-out data, for
/// callers that set none; a number strictly between 0 and 1.
pub const KEY_DEFAULT_THRESHOLD: &str = "glasses.default_threshold";

/// Metadata key (optional): how activations are quantised, [`QUANTIZATION_STATIC_INT8`] in the
/// files `export::quantize_static` writes; absent in float and int8-weights files.
pub const KEY_QUANTIZATION: &str = "glasses.quantization";
/// [`KEY_QUANTIZATION`] of a QDQ file: uint8 activations with calibrated per-tensor scales, int8
/// per-output-channel weights (its [`KEY_WEIGHT_PRECISION`] is `int8`).
pub const QUANTIZATION_STATIC_INT8: &str = "static-int8";
/// Metadata key (static int8 files): how many input tensors the activation ranges were measured on.
pub const KEY_CALIBRATION_COUNT: &str = "glasses.calibration.count";
/// Metadata key (static int8 files): where the calibration tensors came from (data, split, fold).
pub const KEY_CALIBRATION_SOURCE: &str = "glasses.calibration.source";
/// Metadata key (static int8 files): how ranges were taken (`minmax`, `percentile 99.99`).
pub const KEY_CALIBRATION_METHOD: &str = "glasses.calibration.method";

/// Name of class 0 (no eyewear, or no eyeglasses in a two-class model) in three-class files.
pub const NONE_CLASS_NAME: &str = "none";
/// The older spelling of [`NONE_CLASS_NAME`], written by exports before it; read as the same class.
pub const NONE_CLASS_NAME_ALIAS: &str = "no_eyeglasses";

/// The metadata every glasses model carries.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelMetadata {
    /// Input width in pixels.
    pub input_width: u32,
    /// Input height in pixels.
    pub input_height: u32,
    /// Per-channel mean subtracted after scaling to `[0, 1]` (R, G, B).
    pub mean: [f32; 3],
    /// Per-channel standard deviation divided by after subtracting the mean (R, G, B).
    pub std: [f32; 3],
    /// Class names in output order (2 or 3); index 1 is the eyeglasses class, index 2 (when
    /// present) sunglasses.
    pub class_names: Vec<String>,
    /// How pictures are fitted to the input.
    pub resize: ResizeMode,
    /// Architecture name, e.g. `squeezenet1_1`.
    pub architecture: String,
    /// Contract version the file was written for.
    pub contract_version: u32,
    /// Version of the trained weights.
    pub model_version: String,
    /// The P(eyeglasses) threshold chosen by the trainer ([`KEY_DEFAULT_THRESHOLD`]); `None` in
    /// files that carry none.
    pub default_threshold: Option<f32>,
    /// Every other `metadata_props` entry, kept as found (training metrics, data terms, ...).
    pub extra: BTreeMap<String, String>,
}

impl ModelMetadata {
    /// Reads the contract's keys from ONNX `metadata_props` entries.
    pub fn from_props<'a>(props: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut map: BTreeMap<String, String> =
            props.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        let mut take = |key: &str| {
            map.remove(key)
                .ok_or_else(|| Error::contract(format!("metadata_props lacks required key `{key}`")))
        };
        let input_width = parse_dim(KEY_INPUT_WIDTH, &take(KEY_INPUT_WIDTH)?)?;
        let input_height = parse_dim(KEY_INPUT_HEIGHT, &take(KEY_INPUT_HEIGHT)?)?;
        let mean = parse_triplet(KEY_MEAN, &take(KEY_MEAN)?)?;
        let std = parse_triplet(KEY_STD, &take(KEY_STD)?)?;
        if std.iter().any(|s| *s <= 0.0) {
            return Err(Error::contract(format!("`{KEY_STD}` values must be positive, got {std:?}")));
        }
        let class_names: Vec<String> =
            take(KEY_CLASS_NAMES)?.split(',').map(|s| s.trim().to_owned()).collect();
        let architecture = take(KEY_ARCHITECTURE)?;
        let version_text = take(KEY_CONTRACT_VERSION)?;
        let contract_version: u32 = version_text.trim().parse().map_err(|_| {
            Error::contract(format!("`{KEY_CONTRACT_VERSION}` is not a number: {version_text:?}"))
        })?;
        if !(MIN_CONTRACT_VERSION..=CONTRACT_VERSION).contains(&contract_version) {
            return Err(Error::contract(format!(
                "contract version {contract_version} is not supported (this build reads versions {MIN_CONTRACT_VERSION} to {CONTRACT_VERSION})"
            )));
        }
        let allowed: &[usize] =
            if contract_version == 1 { &[NUM_CLASSES] } else { &[NUM_CLASSES, NUM_CLASSES_WITH_SUNGLASSES] };
        if !allowed.contains(&class_names.len()) || class_names.iter().any(String::is_empty) {
            return Err(Error::contract(format!(
                "`{KEY_CLASS_NAMES}` must name {allowed:?} non-empty classes (contract version {contract_version}), got {}",
                class_names.len()
            )));
        }
        // Version 1 predates the key: those files were all trained on stretched pictures.
        let resize = match (contract_version, map.remove(KEY_RESIZE)) {
            (1, _) | (_, None) => ResizeMode::Stretch,
            (_, Some(text)) => ResizeMode::from_name(&text).ok_or_else(|| {
                Error::contract(format!(
                    "`{KEY_RESIZE}` must be `stretch` or `center_crop`, got {:?}",
                    text.trim()
                ))
            })?,
        };
        let model_version = map.remove(KEY_MODEL_VERSION).unwrap_or_default();
        // Kept in `extra`; checked so that a file quantised some other way is not run as if it
        // were static int8. Files without the key (all before it) load as before.
        if let Some(q) = map.get(KEY_QUANTIZATION)
            && q != QUANTIZATION_STATIC_INT8
        {
            return Err(Error::contract(format!(
                "`{KEY_QUANTIZATION}` must be `{QUANTIZATION_STATIC_INT8}` when present, got {q:?}"
            )));
        }
        let default_threshold = map.remove(KEY_DEFAULT_THRESHOLD).map(|t| parse_threshold(&t)).transpose()?;
        Ok(Self {
            input_width,
            input_height,
            mean,
            std,
            class_names,
            resize,
            architecture,
            contract_version,
            model_version,
            default_threshold,
            extra: map,
        })
    }

    /// The `metadata_props` entries that encode this metadata, contract keys first.
    pub fn to_props(&self) -> Vec<(String, String)> {
        let join = |v: &[f32; 3]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",");
        let mut props = vec![
            (KEY_INPUT_WIDTH.to_owned(), self.input_width.to_string()),
            (KEY_INPUT_HEIGHT.to_owned(), self.input_height.to_string()),
            (KEY_MEAN.to_owned(), join(&self.mean)),
            (KEY_STD.to_owned(), join(&self.std)),
            (KEY_CLASS_NAMES.to_owned(), self.class_names.join(",")),
            (KEY_ARCHITECTURE.to_owned(), self.architecture.clone()),
            (KEY_CONTRACT_VERSION.to_owned(), self.contract_version.to_string()),
            (KEY_MODEL_VERSION.to_owned(), self.model_version.clone()),
        ];
        if self.contract_version >= 2 {
            props.push((KEY_RESIZE.to_owned(), self.resize.name().to_owned()));
        }
        if let Some(t) = self.default_threshold {
            props.push((KEY_DEFAULT_THRESHOLD.to_owned(), t.to_string()));
        }
        props.extend(self.extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        props
    }

    /// The preprocessing this model expects.
    pub fn preprocessing(&self) -> Preprocessing {
        Preprocessing {
            width: self.input_width,
            height: self.input_height,
            mean: self.mean,
            std: self.std,
            resize: self.resize,
        }
    }

    /// Number of output classes (2 or 3).
    pub fn num_classes(&self) -> usize {
        self.class_names.len()
    }

    /// The class names with the older spelling of class 0 ([`NONE_CLASS_NAME_ALIAS`]) read as
    /// [`NONE_CLASS_NAME`], so files from before and after the rename name their classes alike.
    pub fn canonical_class_names(&self) -> Vec<String> {
        self.class_names.iter().map(|n| canonical_class_name(n).to_owned()).collect()
    }

    /// Whether the model tells sunglasses apart (three classes).
    pub fn has_sunglasses_class(&self) -> bool {
        self.num_classes() == NUM_CLASSES_WITH_SUNGLASSES
    }
}

/// Default class names, in output order.
pub fn default_class_names() -> Vec<String> {
    vec!["no_eyeglasses".to_owned(), "eyeglasses".to_owned()]
}

/// Class names of a three-class model, in output order.
pub fn eyewear_class_names() -> Vec<String> {
    vec![NONE_CLASS_NAME.to_owned(), "eyeglasses".to_owned(), "sunglasses".to_owned()]
}

/// `name` with the older spelling [`NONE_CLASS_NAME_ALIAS`] read as [`NONE_CLASS_NAME`].
pub fn canonical_class_name(name: &str) -> &str {
    if name == NONE_CLASS_NAME_ALIAS { NONE_CLASS_NAME } else { name }
}

/// Checks a default threshold: finite and strictly between 0 and 1 (0 or 1 would call every face,
/// or none, eyeglasses).
pub fn validate_threshold(t: f32) -> Result<f32> {
    if t.is_finite() && t > 0.0 && t < 1.0 {
        Ok(t)
    } else {
        Err(Error::contract(format!("`{KEY_DEFAULT_THRESHOLD}` must be a number in (0, 1), got {t}")))
    }
}

fn parse_threshold(text: &str) -> Result<f32> {
    let t: f32 = text
        .trim()
        .parse()
        .map_err(|_| Error::contract(format!("`{KEY_DEFAULT_THRESHOLD}` is not a number: {text:?}")))?;
    validate_threshold(t)
}

/// Largest input side accepted, to keep a hostile model from asking for gigantic tensors.
pub const MAX_INPUT_SIDE: u32 = 4096;

fn parse_dim(key: &str, text: &str) -> Result<u32> {
    let v: u32 = text
        .trim()
        .parse()
        .map_err(|_| Error::contract(format!("`{key}` is not a positive integer: {text:?}")))?;
    if v == 0 || v > MAX_INPUT_SIDE {
        return Err(Error::contract(format!("`{key}` must be in 1..={MAX_INPUT_SIDE}, got {v}")));
    }
    Ok(v)
}

fn parse_triplet(key: &str, text: &str) -> Result<[f32; 3]> {
    let parts: Vec<f32> =
        text.split(',').map(|p| p.trim().parse::<f32>()).collect::<Result<_, _>>().map_err(|_| {
            Error::contract(format!("`{key}` must be three comma-separated numbers, got {text:?}"))
        })?;
    match parts.as_slice() {
        [a, b, c] if parts.iter().all(|x| x.is_finite()) => Ok([*a, *b, *c]),
        _ => Err(Error::contract(format!("`{key}` must be three finite numbers, got {text:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ModelMetadata {
        ModelMetadata {
            input_width: 96,
            input_height: 112,
            mean: [0.5, 0.4, 0.3],
            std: [0.2, 0.25, 0.3],
            class_names: default_class_names(),
            resize: ResizeMode::CenterCrop,
            architecture: "squeezenet1_1".into(),
            contract_version: CONTRACT_VERSION,
            model_version: "test".into(),
            default_threshold: None,
            extra: [("train.f1".to_owned(), "0.9".to_owned())].into(),
        }
    }

    #[test]
    fn props_round_trip() {
        let m = sample();
        let props = m.to_props();
        let back = ModelMetadata::from_props(props.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn three_classes_round_trip() {
        let m = ModelMetadata { class_names: eyewear_class_names(), ..sample() };
        let props = m.to_props();
        let back = ModelMetadata::from_props(props.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        assert_eq!(back, m);
        assert!(back.has_sunglasses_class());
        assert_eq!(back.num_classes(), 3);
    }

    #[test]
    fn version_1_files_stretch_and_have_two_classes() {
        let v1 = ModelMetadata { contract_version: 1, resize: ResizeMode::Stretch, ..sample() };
        let props = v1.to_props();
        assert!(props.iter().all(|(k, _)| k != KEY_RESIZE), "version 1 files carry no resize key");
        let back = ModelMetadata::from_props(props.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        assert_eq!(back.resize, ResizeMode::Stretch);
        // A version 1 file may not claim three classes: that needs a reader that knows them.
        let mut three = ModelMetadata { class_names: eyewear_class_names(), ..v1 }.to_props();
        three.push((KEY_RESIZE.to_owned(), "center_crop".to_owned()));
        let err = ModelMetadata::from_props(three.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap_err();
        assert!(err.to_string().contains(KEY_CLASS_NAMES), "{err}");
    }

    #[test]
    fn default_threshold_round_trips_and_is_optional() {
        let m = ModelMetadata { default_threshold: Some(0.37), ..sample() };
        let props = m.to_props();
        assert!(props.iter().any(|(k, v)| k == KEY_DEFAULT_THRESHOLD && v == "0.37"), "{props:?}");
        let back = ModelMetadata::from_props(props.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        assert_eq!(back.default_threshold, Some(0.37));
        assert!(!back.extra.contains_key(KEY_DEFAULT_THRESHOLD), "read into its field, not extra");
        let none = sample().to_props();
        assert!(none.iter().all(|(k, _)| k != KEY_DEFAULT_THRESHOLD));
        let back = ModelMetadata::from_props(none.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        assert_eq!(back.default_threshold, None);
    }

    #[test]
    fn bad_default_thresholds_are_refused() {
        for bad in ["0", "1", "-0.2", "1.5", "NaN", "inf", "half", ""] {
            let mut props = sample().to_props();
            props.push((KEY_DEFAULT_THRESHOLD.to_owned(), bad.to_owned()));
            let err =
                ModelMetadata::from_props(props.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap_err();
            assert!(matches!(err, Error::ContractViolation { .. }), "{bad}: {err}");
            assert!(err.to_string().contains(KEY_DEFAULT_THRESHOLD), "{bad}: {err}");
        }
        assert!(validate_threshold(0.5).is_ok());
        assert!(validate_threshold(f32::NAN).is_err());
    }

    #[test]
    fn the_old_none_spelling_reads_as_none() {
        assert_eq!(eyewear_class_names(), ["none", "eyeglasses", "sunglasses"]);
        let old = ModelMetadata {
            class_names: vec!["no_eyeglasses".into(), "eyeglasses".into(), "sunglasses".into()],
            ..sample()
        };
        let props = old.to_props();
        let back = ModelMetadata::from_props(props.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        assert_eq!(back.canonical_class_names(), eyewear_class_names());
        assert_eq!(canonical_class_name("eyeglasses"), "eyeglasses");
    }

    #[test]
    fn the_quantization_key_is_optional_and_checked() {
        let mut props = sample().to_props();
        props.push((KEY_QUANTIZATION.to_owned(), QUANTIZATION_STATIC_INT8.to_owned()));
        let back = ModelMetadata::from_props(props.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        assert_eq!(back.extra[KEY_QUANTIZATION], QUANTIZATION_STATIC_INT8);
        props.last_mut().unwrap().1 = "dynamic-int4".to_owned();
        let err = ModelMetadata::from_props(props.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap_err();
        assert!(matches!(err, Error::ContractViolation { .. }), "{err}");
        assert!(err.to_string().contains(KEY_QUANTIZATION), "{err}");
    }

    #[test]
    fn missing_key_is_named() {
        let props: Vec<_> = sample().to_props().into_iter().filter(|(k, _)| k != KEY_STD).collect();
        let err = ModelMetadata::from_props(props.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap_err();
        assert!(err.to_string().contains(KEY_STD), "{err}");
    }

    #[test]
    fn bad_values_are_refused() {
        for (key, value) in [
            (KEY_INPUT_WIDTH, "0"),
            (KEY_INPUT_HEIGHT, "abc"),
            (KEY_MEAN, "1,2"),
            (KEY_STD, "1,0,1"),
            (KEY_CLASS_NAMES, "a,b,c,d"),
            (KEY_CLASS_NAMES, "a"),
            (KEY_CONTRACT_VERSION, "99"),
            (KEY_CONTRACT_VERSION, "0"),
            (KEY_RESIZE, "squash"),
        ] {
            let props: Vec<_> = sample()
                .to_props()
                .into_iter()
                .map(|(k, v)| if k == key { (k, value.to_owned()) } else { (k, v) })
                .collect();
            let err =
                ModelMetadata::from_props(props.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap_err();
            assert!(matches!(err, Error::ContractViolation { .. }), "{key}: {err}");
        }
    }
}
