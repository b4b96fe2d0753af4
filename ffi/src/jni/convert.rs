//! Kotlin's arguments as core's types, and core's answers as the float records Kotlin reads
//! (`dev.glasses.NativeRecords`).

use std::sync::Arc;

use glasses_core::{
    Classifier, ClassifierOptions, DetectedFace, DetectorOptions, FaceBox, Input, PixelFormat, Prediction,
    Request,
};
use jni::objects::{JByteArray, JByteBuffer, JFloatArray, JIntArray, JObject, JValue};
use jni::strings::JNIString;
use jni::sys::{jfloat, jint, jlong};
use jni::{Env, jni_sig};

use super::failure::{JniFailure, invalid_argument};
use super::registry::lookup;
use crate::codes::{self, GlassesEyewear, GlassesStatus};
use crate::model_info::ModelFacts;

const GLASSES_MODEL_INFO: &str = "dev/glasses/GlassesModelInfo";

/// Core options from Kotlin's `GlassesOptions` fields: threshold (NaN for Kotlin's `null`, the
/// model's own), limits and threads (0 to 8, 0: one per core), then the face detector's
/// `inputWidth, inputHeight, minDetectionConfidence, minSuppressionThreshold, minFaceSize` (core
/// checks their ranges).
pub(super) fn options(
    (threshold, max_pixels, max_file_bytes, threads): (jfloat, jlong, jlong, jint),
    detector: (jint, jint, jfloat, jfloat, jfloat),
) -> Result<ClassifierOptions, JniFailure> {
    let limit = |name: &str, value: jlong| {
        u64::try_from(value)
            .map_err(|_| invalid_argument(format!("invalid options: {name} {value} is negative")))
    };
    let side = |name: &str, value: jint| {
        u32::try_from(value)
            .map_err(|_| invalid_argument(format!("invalid options: {name} {value} is negative")))
    };
    let (input_width, input_height, score_threshold, nms_iou, min_face_size) = detector;
    let detector = DetectorOptions {
        input_width: side("inputWidth", input_width)?,
        input_height: side("inputHeight", input_height)?,
        score_threshold,
        nms_iou,
        min_face_size,
    };
    let mut options = ClassifierOptions::default()
        .with_max_pixels(limit("maxPixels", max_pixels)?)
        .with_max_file_bytes(limit("maxFileBytes", max_file_bytes)?)
        .with_detector(detector)
        .with_threads(codes::threads(i64::from(threads))?);
    options.threshold = codes::threshold(threshold);
    Ok(options)
}

/// A limit as Kotlin's `Long` (limits above `Long.MAX_VALUE` are reported as `Long.MAX_VALUE`).
pub(super) fn long_limit(value: u64) -> jlong {
    jlong::try_from(value).unwrap_or(jlong::MAX)
}

/// Ints of the request every classify entry point ends with (Kotlin's `NativeRequest`):
/// `rotationDegrees`, `flags` ([`MIRRORED`], [`HAS_BOX`]), the box's `x, y, width, height` as
/// the bits of their floats (pixels of the upright picture), `faceMode` (Kotlin's `FaceMode.code`,
/// C's `GlassesFaceMode`) and `task` (what [`Call::answer`] answers). Ints carry every value
/// exactly, and one array crosses the boundary instead of nine arguments per entry point.
const REQUEST_INTS: usize = 8;
/// `flags`: flip left to right after the rotation.
const MIRRORED: jint = 1;
/// `flags`: the box is given (without it, the face mode finds the face).
const HAS_BOX: jint = 2;

/// Floats of one face in a record: x, y, width, height, score, then the five landmarks' x and y.
const FACE_FLOATS: usize = 15;
/// Floats of one prediction in a record: hasGlasses (0 or 1), P(eyeglasses), the eyewear code,
/// P(none), hasSunglassesClass (0 or 1), P(sunglasses) (NaN without the class).
const PREDICTION_FLOATS: usize = 6;

/// A classify entry's call once its handle is looked up and its request read and checked: what it
/// asks of which classifier, answered by [`Call::answer`] on the entry's input.
pub(super) struct Call {
    classifier: Arc<Classifier>,
    request: Request,
    task: jint,
}

impl Call {
    /// The classifier behind `handle` (a closed one is `IllegalStateException`) and the request
    /// (a rotation other than 0, 90, 180 or 270 is `InvalidPixelBuffer`; a bad box
    /// `InvalidRegion`, from core; a null or short array, unknown flags or an unknown face mode
    /// `InvalidArgument`), before any input is read.
    pub(super) fn new(env: &Env<'_>, handle: jlong, request: &JIntArray<'_>) -> Result<Self, JniFailure> {
        let classifier = lookup(handle)?;
        if request.is_null() {
            return Err(invalid_argument("request is null"));
        }
        let len = request.len(env)?;
        if len != REQUEST_INTS {
            return Err(invalid_argument(format!("the native request has {len} ints, not {REQUEST_INTS}")));
        }
        let mut ints = [0; REQUEST_INTS];
        request.get_region(env, 0, &mut ints)?;
        let [rotation, flags, x, y, width, height, face_mode, task] = ints;
        if flags & !(MIRRORED | HAS_BOX) != 0 {
            return Err(invalid_argument(format!("unknown native request flags {flags}")));
        }
        let float = |bits: jint| f32::from_bits(bits as u32);
        let face =
            (flags & HAS_BOX != 0).then(|| FaceBox::new(float(x), float(y), float(width), float(height)));
        let face_mode = codes::face_mode(i64::from(face_mode))?;
        let request = codes::request(i64::from(rotation), flags & MIRRORED != 0, face, face_mode)?;
        Ok(Self { classifier, request, task })
    }

    /// What the entry answers (its `task`, Kotlin's `NativeRecords.TASK_*`):
    ///
    /// * 0, classify: one record, `hasFace` (0 or 1), a face (zeros without one), a prediction;
    /// * 1, detect faces: a face per face found;
    /// * 2, classify faces: a face and its prediction per face found, largest first.
    ///
    /// Floats carry every value exactly (f32 probabilities and boxes, small integer codes), so one
    /// primitive array crosses the boundary instead of an object per face.
    pub(super) fn answer<'local>(
        &self,
        env: &mut Env<'local>,
        input: Input<'_>,
    ) -> Result<JFloatArray<'local>, JniFailure> {
        let (classifier, request) = (&self.classifier, &self.request);
        let mut out = Vec::new();
        match self.task {
            0 => {
                let prediction = classifier.classify(input, request)?;
                out.push(if prediction.face.is_some() { 1.0 } else { 0.0 });
                push_face(&mut out, prediction.face.as_ref());
                push_prediction(&mut out, &prediction);
            }
            1 => {
                for face in classifier.detect_faces(input, request)? {
                    push_face(&mut out, Some(&face));
                }
            }
            2 => {
                for r in classifier.classify_faces(input, request)? {
                    push_face(&mut out, Some(&r.face));
                    push_prediction(&mut out, &r.prediction);
                }
            }
            other => return Err(invalid_argument(format!("unknown native task {other}"))),
        }
        let array = env.new_float_array(out.len())?;
        array.set_region(env, 0, &out)?;
        Ok(array)
    }
}

fn push_face(out: &mut Vec<f32>, face: Option<&DetectedFace>) {
    let Some(f) = face else {
        out.extend([0.0; FACE_FLOATS]);
        return;
    };
    let b = f.face_box;
    out.extend([b.x, b.y, b.width, b.height, f.score]);
    out.extend(f.landmarks.iter().flat_map(|&(x, y)| [x, y]));
}

fn push_prediction(out: &mut Vec<f32>, p: &Prediction) {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let values: [f32; PREDICTION_FLOATS] = [
        flag(p.has_glasses),
        p.probability,
        GlassesEyewear::of(p) as u8 as f32,
        p.probabilities.none,
        flag(p.probabilities.sunglasses.is_some()),
        p.probabilities.sunglasses.unwrap_or(f32::NAN),
    ];
    out.extend(values);
}

/// A size or stride from Kotlin; negative is an invalid pixel buffer.
pub(super) fn dimension(name: &str, value: jint) -> Result<u32, JniFailure> {
    u32::try_from(value).map_err(|_| JniFailure::Glasses {
        code: GlassesStatus::InvalidPixelBuffer,
        message: format!("invalid pixel buffer: {name} {value} is negative"),
    })
}

/// Pixel layouts of `nativeClassifyBuffer`: the Kotlin enum `PixelLayout`'s codes, which are C's
/// `GlassesPixelFormat` values (one table, `codes.rs`).
pub(super) fn pixel_format(code: jint) -> Result<PixelFormat, JniFailure> {
    Ok(codes::pixel_format(i64::from(code))?)
}

pub(super) fn byte_array(env: &Env<'_>, array: &JByteArray<'_>, what: &str) -> Result<Vec<u8>, JniFailure> {
    if array.is_null() {
        return Err(invalid_argument(format!("{what} is null")));
    }
    Ok(env.convert_byte_array(array)?)
}

/// The `0xAARRGGBB` ints of a `width` x `height` picture with rows `stride` apart: only what the
/// picture needs is copied (all of the array if the sizes are inconsistent: core then reports the
/// mismatch).
pub(super) fn argb_ints(
    env: &Env<'_>,
    pixels: &JIntArray<'_>,
    (width, height, stride): (u32, u32, u32),
) -> Result<Vec<u32>, JniFailure> {
    if pixels.is_null() {
        return Err(invalid_argument("pixels is null"));
    }
    let len = pixels.len(env)?;
    let needed = (height as usize)
        .checked_sub(1)
        .and_then(|rows| rows.checked_mul(stride as usize))
        .and_then(|n| n.checked_add(width as usize))
        .unwrap_or(len);
    let n = needed.min(len);
    // A picture-sized allocation: fallible, as core's own (its `try_zeroed` is not public).
    let mut ints: Vec<jint> = Vec::new();
    ints.try_reserve_exact(n).map_err(|_| glasses_core::Error::OutOfMemory {
        bytes: (n as u64).saturating_mul(4),
        what: "the ARGB pixels of an IntArray",
    })?;
    ints.resize(n, 0);
    pixels.get_region(env, 0, &mut ints)?;
    // Same size and alignment: collected in place, no second buffer.
    Ok(ints.into_iter().map(|p| p as u32).collect())
}

/// The bytes of a *direct* `ByteBuffer`, read in place from its address up to its capacity
/// (position and limit are ignored: the Kotlin side passes a `slice()`); `what` names it in errors.
pub(super) fn direct_bytes<'buf>(
    env: &Env<'_>,
    buffer: &'buf JByteBuffer<'_>,
    what: &str,
) -> Result<&'buf [u8], JniFailure> {
    if buffer.is_null() {
        return Err(invalid_argument(format!("{what} is null")));
    }
    let not_direct = || invalid_argument(format!("{what} is not a direct ByteBuffer"));
    // A heap buffer has capacity -1 (an error here); an empty direct buffer may have no address.
    let capacity = env.get_direct_buffer_capacity(buffer).map_err(|_| not_direct())?;
    match env.get_direct_buffer_address(buffer) {
        // SAFETY: the JVM guarantees `capacity` readable bytes at `address` for a direct
        // buffer, and `buffer` (a local reference of the calling native method, borrowed for
        // `'buf`) keeps it alive until that method returns, after every use of the slice.
        Ok(address) if !address.is_null() => {
            Ok(unsafe { std::slice::from_raw_parts(address as *const u8, capacity) })
        }
        _ if capacity == 0 => Ok(&[]),
        _ => Err(not_direct()),
    }
}

/// `GlassesModelInfo(version, architecture, classNames, inputWidth, inputHeight, threshold,
/// hasModelDefaultThreshold, modelDefaultThreshold, weightPrecisionCode)`, the Kotlin class's JNI
/// constructor. The class names travel as one comma-separated string: the model contract
/// separates them with commas in the file, so no name contains one.
pub(super) fn model_info_object<'local>(
    env: &mut Env<'local>,
    facts: &ModelFacts,
) -> Result<JObject<'local>, JniFailure> {
    let version = env.new_string(&facts.model_version)?;
    let architecture = env.new_string(&facts.architecture)?;
    let classes = env.new_string(facts.class_names.join(","))?;
    let dimension = |value: u32| jint::try_from(value).unwrap_or(jint::MAX);
    Ok(env.new_object(
        JNIString::from(GLASSES_MODEL_INFO),
        jni_sig!("(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;IIFZFI)V"),
        &[
            JValue::from(&version),
            JValue::from(&architecture),
            JValue::from(&classes),
            JValue::Int(dimension(facts.input_width)),
            JValue::Int(dimension(facts.input_height)),
            JValue::Float(facts.threshold),
            JValue::Bool(facts.model_default_threshold.is_some()),
            JValue::Float(facts.model_default_threshold.unwrap_or(f32::NAN)),
            JValue::Int(facts.weight_precision as jint),
        ],
    )?)
}
