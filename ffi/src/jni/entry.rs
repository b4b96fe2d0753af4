//! The entry points of `dev.glasses.GlassesNative`: loading, options, and one classify entry per
//! input kind, each reading its picture and request and calling the one core path.

use glasses_core::{Classifier, Input, PixelBuffer, YuvFrame, YuvRange};
use jni::EnvUnowned;
use jni::objects::{JByteArray, JByteBuffer, JClass, JFloatArray, JIntArray, JObject, JString};
use jni::sys::{jboolean, jfloat, jint, jlong};

use super::convert::{
    JniRequest, answer, argb_ints, byte_array, dimension, direct_bytes, long_limit, model_info_object,
    options, pixel_format,
};
use super::failure::{JniFailure, ThrowGlassesException, invalid_argument};
use super::registry::{live_handles, lookup, register, unregister};
use crate::model_info::ModelFacts;

/// `GlassesNative.nativeLoadBundled(threshold, maxPixels, maxFileBytes, inputWidth, inputHeight,
/// minDetectionConfidence, minSuppressionThreshold, minFaceSize): Long` — the bundled model with
/// the fields of a `GlassesOptions` and its `FaceDetection`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeLoadBundled<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    threshold: jfloat,
    max_pixels: jlong,
    max_file_bytes: jlong,
    input_width: jint,
    input_height: jint,
    min_confidence: jfloat,
    min_suppression: jfloat,
    min_face_size: jfloat,
) -> jlong {
    env.with_env(|_env| -> Result<jlong, JniFailure> {
        let detector = (input_width, input_height, min_confidence, min_suppression, min_face_size);
        let classifier =
            Classifier::bundled_with(options((threshold, max_pixels, max_file_bytes), detector)?)?;
        Ok(register(classifier))
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeLoad(model: ByteArray?, threshold, maxPixels, maxFileBytes, inputWidth,
/// inputHeight, minDetectionConfidence, minSuppressionThreshold, minFaceSize): Long` — a model
/// from ONNX bytes with the fields of a `GlassesOptions` and its `FaceDetection`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeLoad<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    model: JByteArray<'local>,
    threshold: jfloat,
    max_pixels: jlong,
    max_file_bytes: jlong,
    input_width: jint,
    input_height: jint,
    min_confidence: jfloat,
    min_suppression: jfloat,
    min_face_size: jfloat,
) -> jlong {
    env.with_env(|env| -> Result<jlong, JniFailure> {
        let bytes = byte_array(env, &model, "model bytes")?;
        let detector = (input_width, input_height, min_confidence, min_suppression, min_face_size);
        let options = options((threshold, max_pixels, max_file_bytes), detector)?;
        let classifier = Classifier::from_bytes(&bytes, options)?;
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
    env.with_env(|_env| -> Result<jfloat, JniFailure> { Ok(lookup(handle)?.threshold()) })
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

/// `GlassesNative.nativeModelInfo(handle): GlassesModelInfo?` — the loaded model's version,
/// classes, input size and weight precision, the threshold in force and the file's own.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeModelInfo<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) -> JObject<'local> {
    env.with_env(|env| -> Result<JObject<'local>, JniFailure> {
        model_info_object(env, &ModelFacts::of(&*lookup(handle)?))
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeVersion(): String` — the library version (the Rust workspace's).
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeVersion<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
) -> JString<'local> {
    env.with_env(|env| -> Result<JString<'local>, JniFailure> {
        Ok(env.new_string(env!("CARGO_PKG_VERSION"))?)
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeClassifyEncoded(handle, image: ByteArray?, rotationDegrees, mirrored,
/// hasBox, x, y, boxWidth, boxHeight, faceMode, task): FloatArray?` — an encoded image (JPEG, PNG, WebP, ...),
/// turned upright by its EXIF orientation, then by `rotationDegrees` (clockwise) and `mirrored`;
/// with `hasBox`, the face inside the box (pixels of the upright picture).
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeClassifyEncoded<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    image: JByteArray<'local>,
    rotation_degrees: jint,
    mirrored: jboolean,
    has_box: jboolean,
    x: jfloat,
    y: jfloat,
    box_width: jfloat,
    box_height: jfloat,
    face_mode: jint,
    task: jint,
) -> JFloatArray<'local> {
    env.with_env(|env| -> Result<JFloatArray<'local>, JniFailure> {
        let classifier = lookup(handle)?;
        let face = [x, y, box_width, box_height];
        let request = JniRequest { rotation_degrees, mirrored, has_box, face, face_mode };
        request.core()?;
        let bytes = byte_array(env, &image, "image bytes")?;
        answer(env, &classifier, Input::Encoded(&bytes), &request, task)
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeClassifyPath(handle, path: String?, rotationDegrees, mirrored, hasBox, x,
/// y, boxWidth, boxHeight, faceMode, task): FloatArray?` — an image file read by the native code (a regular
/// file of at most the detector's `maxFileBytes`, refused unread otherwise), as
/// `nativeClassifyEncoded`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeClassifyPath<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    path: JString<'local>,
    rotation_degrees: jint,
    mirrored: jboolean,
    has_box: jboolean,
    x: jfloat,
    y: jfloat,
    box_width: jfloat,
    box_height: jfloat,
    face_mode: jint,
    task: jint,
) -> JFloatArray<'local> {
    env.with_env(|env| -> Result<JFloatArray<'local>, JniFailure> {
        let classifier = lookup(handle)?;
        let face = [x, y, box_width, box_height];
        let request = JniRequest { rotation_degrees, mirrored, has_box, face, face_mode };
        request.core()?;
        if path.is_null() {
            return Err(invalid_argument("path is null"));
        }
        let path = path.try_to_string(env)?;
        answer(env, &classifier, Input::Path(std::path::Path::new(&path)), &request, task)
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeClassifyArgb(handle, pixels: IntArray?, width, height, stride,
/// rotationDegrees, mirrored, hasBox, x, y, boxWidth, boxHeight, faceMode, task): FloatArray?` —
/// `0xAARRGGBB` ints as `Bitmap.getPixels` writes them (`stride` in pixels), turned upright by
/// `rotationDegrees` and `mirrored`; with `hasBox`, the face inside the box.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeClassifyArgb<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    pixels: JIntArray<'local>,
    width: jint,
    height: jint,
    stride: jint,
    rotation_degrees: jint,
    mirrored: jboolean,
    has_box: jboolean,
    x: jfloat,
    y: jfloat,
    box_width: jfloat,
    box_height: jfloat,
    face_mode: jint,
    task: jint,
) -> JFloatArray<'local> {
    env.with_env(|env| -> Result<JFloatArray<'local>, JniFailure> {
        let classifier = lookup(handle)?;
        let face = [x, y, box_width, box_height];
        let request = JniRequest { rotation_degrees, mirrored, has_box, face, face_mode };
        request.core()?;
        let (w, h, s) =
            (dimension("width", width)?, dimension("height", height)?, dimension("stride", stride)?);
        let ints = argb_ints(env, &pixels, (w, h, s))?;
        let buffer = PixelBuffer::from_argb_ints(&ints, w, h, s as usize)?;
        answer(env, &classifier, Input::Pixels(buffer), &request, task)
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeClassifyBuffer(handle, buffer: ByteBuffer?, width, height, rowStride,
/// layout, rotationDegrees, mirrored, hasBox, x, y, boxWidth, boxHeight, faceMode, task): FloatArray?` — raw
/// pixels in a *direct* buffer (from `Bitmap.copyPixelsToBuffer`, a camera plane, ...), read in
/// place from its address up to its capacity; `rowStride` in bytes, `layout` a `PixelLayout`
/// code; turned and boxed as `nativeClassifyArgb`. The caller keeps other threads from writing to
/// the buffer during the call.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_glasses_GlassesNative_nativeClassifyBuffer<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    buffer: JByteBuffer<'local>,
    width: jint,
    height: jint,
    row_stride: jint,
    layout: jint,
    rotation_degrees: jint,
    mirrored: jboolean,
    has_box: jboolean,
    x: jfloat,
    y: jfloat,
    box_width: jfloat,
    box_height: jfloat,
    face_mode: jint,
    task: jint,
) -> JFloatArray<'local> {
    env.with_env(|env| -> Result<JFloatArray<'local>, JniFailure> {
        let classifier = lookup(handle)?;
        let face = [x, y, box_width, box_height];
        let request = JniRequest { rotation_degrees, mirrored, has_box, face, face_mode };
        request.core()?;
        if buffer.is_null() {
            return Err(invalid_argument("buffer is null"));
        }
        let format = pixel_format(layout)?;
        let (w, h, s) =
            (dimension("width", width)?, dimension("height", height)?, dimension("rowStride", row_stride)?);
        let pixels = PixelBuffer::new(direct_bytes(env, &buffer, "buffer")?, w, h, s as usize, format)?;
        answer(env, &classifier, Input::Pixels(pixels), &request, task)
    })
    .resolve::<ThrowGlassesException>()
}

/// `GlassesNative.nativeClassifyYuv(handle, y: ByteBuffer?, yRowStride, u: ByteBuffer?,
/// v: ByteBuffer?, uvRowStride, uvPixelStride, width, height, rotationDegrees, mirrored, fullRange,
/// hasBox, x, y, boxWidth, boxHeight, faceMode, task): FloatArray?` — a `YUV_420_888` camera frame in three
/// *direct* buffers (read in place, from their addresses up to their capacities; NV21 is
/// `v` = the interleaved plane, `u` = the same memory one byte on, pixel stride 2), turned upright
/// by the clockwise `rotationDegrees` then mirrored if `mirrored`; BT.601, full range (Android
/// camera frames) or limited. With `hasBox`, the face inside the box (pixels of the upright
/// frame). The caller keeps other threads from writing to the buffers during the call.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
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
    face_mode: jint,
    task: jint,
) -> JFloatArray<'local> {
    env.with_env(|env| -> Result<JFloatArray<'local>, JniFailure> {
        let classifier = lookup(handle)?;
        let face = [box_x, box_y, box_width, box_height];
        let request = JniRequest { rotation_degrees, mirrored, has_box, face, face_mode };
        request.core()?;
        let frame = YuvFrame::new(
            direct_bytes(env, &y, "y plane")?,
            dimension("yRowStride", y_row_stride)? as usize,
            direct_bytes(env, &u, "u plane")?,
            direct_bytes(env, &v, "v plane")?,
            dimension("uvRowStride", uv_row_stride)? as usize,
            dimension("uvPixelStride", uv_pixel_stride)? as usize,
            dimension("width", width)?,
            dimension("height", height)?,
            if full_range { YuvRange::Full } else { YuvRange::Limited },
        )?;
        answer(env, &classifier, Input::Yuv(frame), &request, task)
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
