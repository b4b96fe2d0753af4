//! JNI surface for Kotlin/Android: the native half of `dev.glasses.GlassesDetector`.
//!
//! Every function here is the implementation of one `external fun` of the Kotlin object
//! `dev.glasses.GlassesNative` (android/src/main/kotlin/dev/glasses/GlassesNative.kt); the names,
//! argument types and return types must stay in step with that file.
//!
//! # Handles
//!
//! A loaded classifier lives in a process-wide registry and Kotlin holds only its id (a `jlong`),
//! never a pointer. Each call looks the id up and clones the `Arc<Classifier>` out of the registry,
//! so a `free` that races with a `classify` on another thread cannot free memory in use: the
//! classification finishes on its own clone, and the next lookup of the id fails with
//! `IllegalStateException`. A stale, forged or twice-freed id is therefore an exception, never
//! undefined behaviour.
//!
//! # Errors and panics
//!
//! Every entry point runs inside [`EnvUnowned::with_env`], which wraps the body in
//! `catch_unwind`; errors and panics are turned into Java exceptions by [`ThrowGlassesException`]:
//!
//! * [`glasses_core::Error`] and bad arguments (null arrays, negative sizes, non-direct buffers)
//!   become `dev.glasses.GlassesException(code, reason)`, where `code` is the C status
//!   ([`GlassesStatus`]) of the same failure: Kotlin's `ErrorKind` has C's numbers and names, and
//!   the status and the words of a core error come from the table every surface shares
//!   (`codes.rs`);
//! * a closed or unknown handle becomes `java.lang.IllegalStateException`;
//! * a Rust panic becomes `GlassesException` with code [`GlassesStatus::Internal`];
//! * a JNI failure leaves the JVM's pending exception in place (or throws `RuntimeException`).
//!
//! The return value after a thrown exception is `0`/`null`, which the JVM discards.
//!
//! # Results
//!
//! A classification returns one `dev.glasses.GlassesResult`, built by its JNI constructor
//! `(ZFIFZF)V` from primitives only: `hasGlasses`, P(eyeglasses), the eyewear code (the Kotlin
//! enum `Eyewear`: 0 none, 1 eyeglasses, 2 sunglasses), P(none), whether the model has a
//! sunglasses class, and P(sunglasses) (NaN, and ignored, when it has none). No boxed values,
//! strings or enum lookups cross the boundary.
//!
//! # Face regions
//!
//! The `...Region` entry points take a face detector's box as four `jfloat`s (x, y, width,
//! height, pixels, top-left origin) and call core's `classify_*_region`, which expands the box
//! to the model's framing; a NaN, empty, negative or wholly outside box, or one framed to more
//! than the pixel limit, is [`GlassesStatus::InvalidRegion`].
//!
//! # Camera frames
//!
//! `nativeClassifyYuv` takes a `YUV_420_888` frame as Android's `Image.planes` describe it: three
//! *direct* `ByteBuffer`s (Y, U, V; read in place from their addresses up to their capacities, never
//! copied on the JVM side), the Y row stride, the chroma row and pixel strides, the frame size,
//! the clockwise rotation that makes it upright, a mirror flag and the range, plus an optional face
//! box in pixels of the upright frame. It calls core's `classify_yuv` / `classify_yuv_region`;
//! impossible geometry (odd or zero size, short planes, strides too small, a rotation other than 0,
//! 90, 180 or 270) is [`GlassesStatus::InvalidPixelBuffer`], a heap buffer
//! [`GlassesStatus::InvalidArgument`].
//!
//! # Options and files
//!
//! The loaders take Kotlin's `GlassesOptions` as primitives (threshold, `maxPixels`,
//! `maxFileBytes`; a negative limit is [`GlassesStatus::InvalidArgument`]), and
//! `nativeClassifyPath` reads an image file in native code, refusing one over `maxFileBytes`
//! unread ([`GlassesStatus::FileTooLarge`]).

use std::any::Any;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use glasses_core::{
    Classifier, ClassifierOptions, Eyewear, FaceBox, Orientation, PixelBuffer, PixelFormat, Prediction,
    YuvFrame, YuvRange,
};
use jni::errors::ErrorPolicy;
use jni::objects::{JByteArray, JByteBuffer, JClass, JIntArray, JObject, JString, JThrowable, JValue};
use jni::strings::JNIString;
use jni::sys::{jboolean, jfloat, jint, jlong};
use jni::{Env, EnvUnowned, jni_sig, jni_str};

use crate::c_api::GlassesStatus;
use crate::codes;

/// Why a native call failed; mapped to a Java exception by [`ThrowGlassesException`].
#[derive(Debug, thiserror::Error)]
pub enum JniFailure {
    /// A classifier error, or a bad argument, thrown as `GlassesException`.
    #[error("{message}")]
    Glasses {
        /// The code for `GlassesException.code`: the C status of the failure.
        code: GlassesStatus,
        /// The reason, in words.
        message: String,
    },
    /// The handle is closed or unknown, thrown as `IllegalStateException`.
    #[error("{0}")]
    IllegalState(String),
    /// A JNI call failed (usually with a Java exception already pending).
    #[error("JNI call failed: {0}")]
    Jni(#[from] jni::errors::Error),
}

impl From<glasses_core::Error> for JniFailure {
    fn from(error: glasses_core::Error) -> Self {
        Self::Glasses { code: codes::status(error.kind()), message: codes::message(&error) }
    }
}

fn invalid_argument(message: impl Into<String>) -> JniFailure {
    JniFailure::Glasses { code: GlassesStatus::InvalidArgument, message: message.into() }
}

const GLASSES_EXCEPTION: &str = "dev/glasses/GlassesException";
const GLASSES_RESULT: &str = "dev/glasses/GlassesResult";

/// Error policy of every entry point: throws the Java exception a [`JniFailure`] or a panic
/// stands for, unless one is already pending, and returns the type's default (ignored by the JVM).
#[derive(Debug, Default)]
pub struct ThrowGlassesException;

impl<T: Default> ErrorPolicy<T, JniFailure> for ThrowGlassesException {
    type Captures<'unowned_env_local: 'native_method, 'native_method> = ();

    fn on_error<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _captures: &mut Self::Captures<'unowned_env_local, 'native_method>,
        err: JniFailure,
    ) -> jni::errors::Result<T> {
        if env.exception_check() {
            return Ok(T::default());
        }
        match err {
            JniFailure::Glasses { code, message } => throw_glasses(env, code, &message),
            JniFailure::IllegalState(message) => {
                let _ = env.throw_new(jni_str!("java/lang/IllegalStateException"), JNIString::from(message));
            }
            JniFailure::Jni(e) => {
                let _ = env.throw_new(
                    jni_str!("java/lang/RuntimeException"),
                    JNIString::from(format!("glasses JNI: {e}")),
                );
            }
        }
        Ok(T::default())
    }

    fn on_panic<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        _captures: &mut Self::Captures<'unowned_env_local, 'native_method>,
        payload: Box<dyn Any + Send + 'static>,
    ) -> jni::errors::Result<T> {
        let message = format!("native panic: {}", panic_message(payload));
        if env.exception_check() {
            // A Java exception raised before the panic wins; the panic is reported on stderr by
            // the panic hook already.
            return Ok(T::default());
        }
        throw_glasses(env, GlassesStatus::Internal, &message);
        Ok(T::default())
    }
}

/// Throws `GlassesException(code, message)`; falls back to `RuntimeException` if that class
/// cannot be constructed (e.g. stripped by a shrinker that ignored the consumer rules).
fn throw_glasses(env: &mut Env<'_>, code: GlassesStatus, message: &str) {
    let thrown = (|| -> jni::errors::Result<()> {
        let reason = env.new_string(message)?;
        let exception = env.new_object(
            JNIString::from(GLASSES_EXCEPTION),
            jni_sig!("(ILjava/lang/String;)V"),
            &[JValue::Int(code as jint), JValue::Object(&reason)],
        )?;
        let exception = env.cast_local::<JThrowable>(exception)?;
        let _ = env.throw(exception);
        Ok(())
    })();
    if thrown.is_err() || !env.exception_check() {
        env.exception_clear();
        let _ = env.throw_new(
            jni_str!("java/lang/RuntimeException"),
            JNIString::from(format!("{message} (GlassesException code {})", code as i32)),
        );
    }
}

fn panic_message(payload: Box<dyn Any + Send + 'static>) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        return (*s).to_owned();
    }
    if let Some(s) = payload.downcast_ref::<String>() {
        return s.clone();
    }
    // Dropping an unknown payload may itself panic; leak it rather than unwind from here.
    if let Err(drop_panic) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        std::mem::forget(drop_panic);
    }
    "non-string panic payload".to_owned()
}

// ---------------------------------------------------------------------------------------------
// Handle registry
// ---------------------------------------------------------------------------------------------

type Registry = RwLock<HashMap<jlong, Arc<Classifier>>>;

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| RwLock::new(HashMap::new()));
static NEXT_HANDLE: AtomicI64 = AtomicI64::new(1);

fn register(classifier: Classifier) -> jlong {
    let handle = NEXT_HANDLE.fetch_add(1, Ordering::Relaxed);
    REGISTRY.write().unwrap_or_else(PoisonError::into_inner).insert(handle, Arc::new(classifier));
    handle
}

fn lookup(handle: jlong) -> Result<Arc<Classifier>, JniFailure> {
    REGISTRY
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&handle)
        .cloned()
        .ok_or_else(|| JniFailure::IllegalState("GlassesDetector is closed".to_owned()))
}

fn unregister(handle: jlong) -> bool {
    REGISTRY.write().unwrap_or_else(PoisonError::into_inner).remove(&handle).is_some()
}

/// Number of live native classifiers (for leak checks in tests).
pub fn live_handles() -> usize {
    REGISTRY.read().unwrap_or_else(PoisonError::into_inner).len()
}

// ---------------------------------------------------------------------------------------------
// Argument helpers
// ---------------------------------------------------------------------------------------------

/// Core options from Kotlin's `GlassesOptions` fields (core checks their ranges).
fn options(
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
fn long_limit(value: u64) -> jlong {
    jlong::try_from(value).unwrap_or(jlong::MAX)
}

fn dimension(name: &str, value: jint) -> Result<u32, JniFailure> {
    u32::try_from(value).map_err(|_| JniFailure::Glasses {
        code: GlassesStatus::InvalidPixelBuffer,
        message: format!("invalid pixel buffer: {name} {value} is negative"),
    })
}

fn byte_array(env: &Env<'_>, array: &JByteArray<'_>, what: &str) -> Result<Vec<u8>, JniFailure> {
    if array.is_null() {
        return Err(invalid_argument(format!("{what} is null")));
    }
    Ok(env.convert_byte_array(array)?)
}

/// The code of the Kotlin enum `Eyewear` for a prediction's kind.
fn eyewear_code(prediction: &Prediction) -> jint {
    match prediction.eyewear {
        Eyewear::None => 0,
        Eyewear::Eyeglasses => 1,
        Eyewear::Sunglasses => 2,
        // A kind added to core's non-exhaustive enum later: reported as eyeglasses or none, as
        // `has_glasses` says, until the Kotlin enum gets a code for it.
        _ if prediction.has_glasses => 1,
        _ => 0,
    }
}

/// `GlassesResult(hasGlasses, probability, eyewearCode, probabilityNone, hasSunglassesClass,
/// probabilitySunglasses)`, the Kotlin class's JNI constructor (all primitives).
fn result_object<'local>(
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
            JValue::Int(eyewear_code(&prediction)),
            JValue::Float(probabilities.none),
            JValue::Bool(probabilities.sunglasses.is_some()),
            // Not a probability when the model has no sunglasses class: Kotlin makes it null.
            JValue::Float(probabilities.sunglasses.unwrap_or(f32::NAN)),
        ],
    )?)
}

/// The face box of a `...Region` call (validated by core: NaN, empty or outside boxes are
/// `InvalidRegion`).
fn face_box(x: jfloat, y: jfloat, width: jfloat, height: jfloat) -> FaceBox {
    FaceBox::new(x, y, width, height)
}

/// Pixel layouts of `nativeClassifyBuffer`: the Kotlin enum `PixelLayout`'s codes, which are C's
/// `GlassesPixelFormat` values (one table, `codes.rs`).
pub(crate) fn pixel_format(code: jint) -> Result<PixelFormat, JniFailure> {
    u32::try_from(code)
        .ok()
        .and_then(codes::pixel_format)
        .ok_or_else(|| invalid_argument(format!("unknown pixel layout code {code}")))
}

// ---------------------------------------------------------------------------------------------
// Entry points (dev.glasses.GlassesNative)
// ---------------------------------------------------------------------------------------------

/// `GlassesNative.nativeLoadBundled(threshold, maxPixels, maxFileBytes): Long` — the bundled
/// model with the fields of a `GlassesOptions`.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeLoadBundled<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    threshold: jfloat,
    max_pixels: jlong,
    max_file_bytes: jlong,
) -> jlong {
    env.with_env(|_env| -> Result<jlong, JniFailure> {
        let classifier = Classifier::bundled_with(options(threshold, max_pixels, max_file_bytes)?)?;
        Ok(register(classifier))
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeLoad(model: ByteArray?, threshold, maxPixels, maxFileBytes): Long` — a
/// model from ONNX bytes with the fields of a `GlassesOptions`.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeLoad<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    model: JByteArray<'local>,
    threshold: jfloat,
    max_pixels: jlong,
    max_file_bytes: jlong,
) -> jlong {
    env.with_env(|env| -> Result<jlong, JniFailure> {
        let bytes = byte_array(env, &model, "model bytes")?;
        let classifier = Classifier::from_bytes(&bytes, options(threshold, max_pixels, max_file_bytes)?)?;
        Ok(register(classifier))
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeFree(handle): Boolean` — releases a classifier; `false` if the handle was
/// already freed or never existed. Classifications in flight on other threads finish first
/// (they hold their own reference).
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeFree<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jboolean {
    env.with_env(|_env| -> Result<jboolean, JniFailure> { Ok(unregister(handle)) })
        .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeThreshold(handle): Float` — the decision threshold in force.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeThreshold<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jfloat {
    env.with_env(|_env| -> Result<jfloat, JniFailure> { Ok(lookup(handle)?.options().threshold) })
        .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeMaxPixels(handle): Long` — the pixel limit in force.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeMaxPixels<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jlong {
    env.with_env(|_env| -> Result<jlong, JniFailure> { Ok(long_limit(lookup(handle)?.options().max_pixels)) })
        .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeMaxFileBytes(handle): Long` — the image file size limit in force.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeMaxFileBytes<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> jlong {
    env.with_env(|_env| -> Result<jlong, JniFailure> {
        Ok(long_limit(lookup(handle)?.options().max_file_bytes))
    })
    .resolve::<ThrowGlassesException>()
}

fn classify_encoded<'local>(
    env: &mut Env<'local>,
    handle: jlong,
    image: &JByteArray<'local>,
    face: Option<FaceBox>,
) -> Result<JObject<'local>, JniFailure> {
    let classifier = lookup(handle)?;
    let bytes = byte_array(env, image, "image bytes")?;
    let prediction = match face {
        Some(face) => classifier.classify_encoded_region(&bytes, face)?,
        None => classifier.classify_encoded(&bytes)?,
    };
    result_object(env, prediction)
}

fn classify_path<'local>(
    env: &mut Env<'local>,
    handle: jlong,
    path: &JString<'local>,
    face: Option<FaceBox>,
) -> Result<JObject<'local>, JniFailure> {
    let classifier = lookup(handle)?;
    if path.is_null() {
        return Err(invalid_argument("path is null"));
    }
    let path = path.try_to_string(env)?;
    let prediction = match face {
        Some(face) => classifier.classify_path_region(&path, face)?,
        None => classifier.classify_path(&path)?,
    };
    result_object(env, prediction)
}

fn classify_argb<'local>(
    env: &mut Env<'local>,
    handle: jlong,
    pixels: &JIntArray<'local>,
    (width, height, stride): (jint, jint, jint),
    face: Option<FaceBox>,
) -> Result<JObject<'local>, JniFailure> {
    let classifier = lookup(handle)?;
    if pixels.is_null() {
        return Err(invalid_argument("pixels is null"));
    }
    let (w, h, s) = (dimension("width", width)?, dimension("height", height)?, dimension("stride", stride)?);
    let len = pixels.len(env)?;
    // Copy only what the image needs (all of the array if the sizes are inconsistent: the
    // core then reports the mismatch).
    let needed = (h as usize)
        .checked_sub(1)
        .and_then(|rows| rows.checked_mul(s as usize))
        .and_then(|n| n.checked_add(w as usize))
        .unwrap_or(len);
    let mut ints = vec![0 as jint; needed.min(len)];
    pixels.get_region(env, 0, &mut ints)?;
    let ints: Vec<u32> = ints.into_iter().map(|p| p as u32).collect();
    let buffer = PixelBuffer::from_argb_ints(&ints, w, h, s as usize)?;
    let prediction = match face {
        Some(face) => classifier.classify_pixels_region(&buffer, face)?,
        None => classifier.classify_pixels(&buffer)?,
    };
    result_object(env, prediction)
}

/// The bytes of a *direct* `ByteBuffer`, read in place from its address up to its capacity
/// (position and limit are ignored: the Kotlin side passes a `slice()`); `what` names it in errors.
fn direct_bytes<'buf>(
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

fn classify_buffer<'local>(
    env: &mut Env<'local>,
    handle: jlong,
    buffer: &JByteBuffer<'local>,
    (width, height, row_stride, layout): (jint, jint, jint, jint),
    face: Option<FaceBox>,
) -> Result<JObject<'local>, JniFailure> {
    let classifier = lookup(handle)?;
    if buffer.is_null() {
        return Err(invalid_argument("buffer is null"));
    }
    let format = pixel_format(layout)?;
    let (w, h, s) =
        (dimension("width", width)?, dimension("height", height)?, dimension("rowStride", row_stride)?);
    let bytes = direct_bytes(env, buffer, "buffer")?;
    let pixels = PixelBuffer::new(bytes, w, h, s as usize, format)?;
    let prediction = match face {
        Some(face) => classifier.classify_pixels_region(&pixels, face)?,
        None => classifier.classify_pixels(&pixels)?,
    };
    result_object(env, prediction)
}

/// The planes and geometry of `nativeClassifyYuv`, in the order Kotlin passes them.
struct YuvArgs<'a, 'local> {
    y: &'a JByteBuffer<'local>,
    u: &'a JByteBuffer<'local>,
    v: &'a JByteBuffer<'local>,
    /// y row stride, uv row stride, uv pixel stride, width, height.
    geometry: [jint; 5],
    rotation_degrees: jint,
    mirrored: jboolean,
    full_range: jboolean,
}

fn classify_yuv<'local>(
    env: &mut Env<'local>,
    handle: jlong,
    args: YuvArgs<'_, 'local>,
    face: Option<FaceBox>,
) -> Result<JObject<'local>, JniFailure> {
    let classifier = lookup(handle)?;
    let [y_row_stride, uv_row_stride, uv_pixel_stride, width, height] = args.geometry;
    let y_row_stride = dimension("yRowStride", y_row_stride)?;
    let uv_row_stride = dimension("uvRowStride", uv_row_stride)?;
    let uv_pixel_stride = dimension("uvPixelStride", uv_pixel_stride)?;
    let (w, h) = (dimension("width", width)?, dimension("height", height)?);
    let rotation_degrees = u32::try_from(args.rotation_degrees)
        .ok()
        .filter(|r| matches!(r, 0 | 90 | 180 | 270))
        .ok_or_else(|| JniFailure::Glasses {
            code: GlassesStatus::InvalidPixelBuffer,
            message: format!(
                "invalid pixel buffer: rotation of {} degrees: only 0, 90, 180 and 270 are possible",
                args.rotation_degrees
            ),
        })?;
    let y = direct_bytes(env, args.y, "y plane")?;
    let u = direct_bytes(env, args.u, "u plane")?;
    let v = direct_bytes(env, args.v, "v plane")?;
    let range = if args.full_range { YuvRange::Full } else { YuvRange::Limited };
    let frame = YuvFrame::new(
        y,
        y_row_stride as usize,
        u,
        v,
        uv_row_stride as usize,
        uv_pixel_stride as usize,
        w,
        h,
        range,
    )?;
    let orientation = Orientation { rotation_degrees, mirrored: args.mirrored };
    let prediction = match face {
        Some(face) => classifier.classify_yuv_region(&frame, orientation, face)?,
        None => classifier.classify_yuv(&frame, orientation)?,
    };
    result_object(env, prediction)
}

/// `GlassesNative.nativeClassifyEncoded(handle, image: ByteArray?): GlassesResult?` — an encoded
/// image (JPEG, PNG, WebP, ...).
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeClassifyEncoded<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    image: JByteArray<'local>,
) -> JObject<'local> {
    env.with_env(|env| -> Result<JObject<'local>, JniFailure> { classify_encoded(env, handle, &image, None) })
        .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeClassifyEncodedRegion(handle, image: ByteArray?, x, y, width, height):
/// GlassesResult?` — the face inside a face detector's box (pixels of the upright picture) on an
/// encoded image.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeClassifyEncodedRegion<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    image: JByteArray<'local>,
    x: jfloat,
    y: jfloat,
    width: jfloat,
    height: jfloat,
) -> JObject<'local> {
    env.with_env(|env| -> Result<JObject<'local>, JniFailure> {
        classify_encoded(env, handle, &image, Some(face_box(x, y, width, height)))
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeClassifyPath(handle, path: String?, hasBox, x, y, boxWidth, boxHeight):
/// GlassesResult?` — an image file read by the native code (a regular file of at most the
/// detector's `maxFileBytes`, refused unread otherwise); with `hasBox`, the face inside the box.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeClassifyPath<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    path: JString<'local>,
    has_box: jboolean,
    x: jfloat,
    y: jfloat,
    box_width: jfloat,
    box_height: jfloat,
) -> JObject<'local> {
    env.with_env(|env| -> Result<JObject<'local>, JniFailure> {
        let face = has_box.then(|| face_box(x, y, box_width, box_height));
        classify_path(env, handle, &path, face)
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeClassifyArgb(handle, pixels: IntArray?, width, height, stride):
/// GlassesResult?` — `0xAARRGGBB` ints as `Bitmap.getPixels` writes them; `stride` in pixels.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeClassifyArgb<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    pixels: JIntArray<'local>,
    width: jint,
    height: jint,
    stride: jint,
) -> JObject<'local> {
    env.with_env(|env| -> Result<JObject<'local>, JniFailure> {
        classify_argb(env, handle, &pixels, (width, height, stride), None)
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeClassifyArgbRegion(handle, pixels: IntArray?, width, height, stride,
/// x, y, boxWidth, boxHeight): GlassesResult?` — [`Java_dev_glasses_GlassesNative_nativeClassifyArgb`]
/// for the face inside a face detector's box.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeClassifyArgbRegion<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    pixels: JIntArray<'local>,
    width: jint,
    height: jint,
    stride: jint,
    x: jfloat,
    y: jfloat,
    box_width: jfloat,
    box_height: jfloat,
) -> JObject<'local> {
    env.with_env(|env| -> Result<JObject<'local>, JniFailure> {
        let face = face_box(x, y, box_width, box_height);
        classify_argb(env, handle, &pixels, (width, height, stride), Some(face))
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeClassifyBuffer(handle, buffer: ByteBuffer?, width, height, rowStride,
/// layout): GlassesResult?` — raw pixels in a *direct* buffer (from `Bitmap.copyPixelsToBuffer`,
/// a camera plane, ...), read in place; `rowStride` in bytes, `layout` a `PixelLayout` code.
/// The buffer's bytes are read from its address up to its capacity; the caller keeps other
/// threads from writing to it during the call.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeClassifyBuffer<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    buffer: JByteBuffer<'local>,
    width: jint,
    height: jint,
    row_stride: jint,
    layout: jint,
) -> JObject<'local> {
    env.with_env(|env| -> Result<JObject<'local>, JniFailure> {
        classify_buffer(env, handle, &buffer, (width, height, row_stride, layout), None)
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeClassifyBufferRegion(handle, buffer: ByteBuffer?, width, height,
/// rowStride, layout, x, y, boxWidth, boxHeight): GlassesResult?` —
/// [`Java_dev_glasses_GlassesNative_nativeClassifyBuffer`] for the face inside a face detector's
/// box; only the framed region is converted.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeClassifyBufferRegion<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    buffer: JByteBuffer<'local>,
    width: jint,
    height: jint,
    row_stride: jint,
    layout: jint,
    x: jfloat,
    y: jfloat,
    box_width: jfloat,
    box_height: jfloat,
) -> JObject<'local> {
    env.with_env(|env| -> Result<JObject<'local>, JniFailure> {
        let face = face_box(x, y, box_width, box_height);
        classify_buffer(env, handle, &buffer, (width, height, row_stride, layout), Some(face))
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeClassifyYuv(handle, y: ByteBuffer?, yRowStride, u: ByteBuffer?,
/// v: ByteBuffer?, uvRowStride, uvPixelStride, width, height, rotationDegrees, mirrored, fullRange,
/// hasBox, x, y, boxWidth, boxHeight): GlassesResult?` — a `YUV_420_888` camera frame in three
/// *direct* buffers (read in place, from their addresses up to their capacities; NV21 is
/// `v` = the interleaved plane, `u` = the same memory one byte on, pixel stride 2), turned upright
/// by the clockwise `rotationDegrees` then mirrored if `mirrored`; BT.601, full range (Android
/// camera frames) or limited. With `hasBox`, the face inside the box (pixels of the upright
/// frame); without, the whole upright frame. The caller keeps other threads from writing to the
/// buffers during the call.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeClassifyYuv<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    y: JByteBuffer<'local>,
    y_row_stride: jint,
    u: JByteBuffer<'local>,
    v: JByteBuffer<'local>,
    uv_row_stride: jint,
    uv_pixel_stride: jint,
    width: jint,
    height: jint,
    rotation_degrees: jint,
    mirrored: jboolean,
    full_range: jboolean,
    has_box: jboolean,
    box_x: jfloat,
    box_y: jfloat,
    box_width: jfloat,
    box_height: jfloat,
) -> JObject<'local> {
    env.with_env(|env| -> Result<JObject<'local>, JniFailure> {
        let face = has_box.then(|| face_box(box_x, box_y, box_width, box_height));
        let args = YuvArgs {
            y: &y,
            u: &u,
            v: &v,
            geometry: [y_row_stride, uv_row_stride, uv_pixel_stride, width, height],
            rotation_degrees,
            mirrored,
            full_range,
        };
        classify_yuv(env, handle, args, face)
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeLiveHandles(): Int` — classifiers not yet freed (leak checks in tests).
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeLiveHandles<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
) -> jint {
    env.with_env(|_env| -> Result<jint, JniFailure> {
        Ok(jint::try_from(live_handles()).unwrap_or(jint::MAX))
    })
    .resolve::<ThrowGlassesException>()
}

/// Test hook, debug builds only: `dev.glasses.NativeTestHooks.panic()` (declared in the Kotlin
/// test sources) panics inside a native method so tests can check that the JVM gets a
/// `GlassesException` and lives on.
#[cfg(debug_assertions)]
#[doc(hidden)]
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_NativeTestHooks_panic<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
) -> jint {
    env.with_env(|_env| -> Result<jint, JniFailure> {
        panic!("test panic requested by NativeTestHooks.panic()")
    })
    .resolve::<ThrowGlassesException>()
}
