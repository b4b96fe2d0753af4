//! Kotlin's arguments as core's types, and core's prediction as a Kotlin `GlassesResult`.

use glasses_core::{ClassifierOptions, FaceBox, PixelFormat, Prediction, Request};
use jni::objects::{JByteArray, JByteBuffer, JIntArray, JObject, JValue};
use jni::strings::JNIString;
use jni::sys::{jboolean, jfloat, jint, jlong};
use jni::{Env, jni_sig};

use super::failure::{JniFailure, invalid_argument};
use crate::codes::{self, GlassesEyewear, GlassesStatus};
use crate::model_info::ModelFacts;

const GLASSES_RESULT: &str = "dev/glasses/GlassesResult";
const GLASSES_MODEL_INFO: &str = "dev/glasses/GlassesModelInfo";

/// Core options from Kotlin's `GlassesOptions` fields (core checks their ranges).
pub(super) fn options(
    threshold: jfloat,
    max_pixels: jlong,
    max_file_bytes: jlong,
) -> Result<ClassifierOptions, JniFailure> {
    let limit = |name: &str, value: jlong| {
        u64::try_from(value)
            .map_err(|_| invalid_argument(format!("invalid options: {name} {value} is negative")))
    };
    Ok(ClassifierOptions::default()
        .with_threshold(threshold)
        .with_max_pixels(limit("maxPixels", max_pixels)?)
        .with_max_file_bytes(limit("maxFileBytes", max_file_bytes)?))
}

/// A limit as Kotlin's `Long` (limits above `Long.MAX_VALUE` are reported as `Long.MAX_VALUE`).
pub(super) fn long_limit(value: u64) -> jlong {
    jlong::try_from(value).unwrap_or(jlong::MAX)
}

/// The request arguments every classify entry point ends with: `rotationDegrees, mirrored, hasBox,
/// x, y, boxWidth, boxHeight`.
pub(super) struct JniRequest {
    pub(super) rotation_degrees: jint,
    pub(super) mirrored: jboolean,
    pub(super) has_box: jboolean,
    /// x, y, width, height in pixels of the upright picture.
    pub(super) face: [jfloat; 4],
}

impl JniRequest {
    /// Core's request (a rotation other than 0, 90, 180 or 270 is `InvalidPixelBuffer`; a bad
    /// box `InvalidRegion`, from core).
    pub(super) fn core(&self) -> Result<Request, JniFailure> {
        let [x, y, width, height] = self.face;
        let face = self.has_box.then(|| FaceBox::new(x, y, width, height));
        Ok(codes::request(
            i64::from(self.rotation_degrees),
            self.mirrored,
            face,
            glasses_core::FaceMode::Auto,
        )?)
    }
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

/// `GlassesResult(hasGlasses, probability, eyewearCode, probabilityNone, hasSunglassesClass,
/// probabilitySunglasses)`, the Kotlin class's JNI constructor (all primitives).
pub(super) fn result_object<'local>(
    env: &mut Env<'local>,
    prediction: Prediction,
) -> Result<JObject<'local>, JniFailure> {
    let probabilities = prediction.probabilities;
    Ok(env.new_object(
        JNIString::from(GLASSES_RESULT),
        jni_sig!("(ZFIFZF)V"),
        &[
            JValue::Bool(prediction.has_glasses),
            JValue::Float(prediction.probability),
            JValue::Int(GlassesEyewear::of(&prediction) as jint),
            JValue::Float(probabilities.none),
            JValue::Bool(probabilities.sunglasses.is_some()),
            // Not a probability when the model has no sunglasses class: Kotlin makes it null.
            JValue::Float(probabilities.sunglasses.unwrap_or(f32::NAN)),
        ],
    )?)
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
