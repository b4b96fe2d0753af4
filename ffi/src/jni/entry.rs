//! The entry points of `dev.glasses.GlassesNative`: loading, options, and one classify entry per
//! input kind, each reading its picture and calling the one core path with the request its
//! declaration (`declare.rs`) checked.

use glasses_core::{Classifier, Input, PixelBuffer, YuvFrame, YuvRange};
use jni::objects::{JByteArray, JByteBuffer, JIntArray, JObject, JString};
use jni::sys::{jboolean, jfloat, jint, jlong};

use super::convert::{
    argb_ints, byte_array, dimension, direct_bytes, long_limit, model_info_object, options, pixel_format,
};
use super::failure::invalid_argument;
use super::registry::{live_handles, lookup, register, unregister};
use crate::model_info::ModelFacts;

jni_entry! {
    /// `GlassesNative.nativeLoad(model: ByteArray?, threshold, maxPixels, maxFileBytes, threads,
    /// inputWidth, inputHeight, minDetectionConfidence, minSuppressionThreshold, minFaceSize):
    /// Long` — a model from ONNX bytes (`null`: the bundled model) with the fields of a
    /// `GlassesOptions` and its `FaceDetection`.
    fn Java_dev_glasses_GlassesNative_nativeLoad<'local>(
        env,
        model: JByteArray<'local>,
        threshold: jfloat,
        max_pixels: jlong,
        max_file_bytes: jlong,
        threads: jint,
        input_width: jint,
        input_height: jint,
        min_confidence: jfloat,
        min_suppression: jfloat,
        min_face_size: jfloat,
    ) -> jlong {
        let detector = (input_width, input_height, min_confidence, min_suppression, min_face_size);
        let options = options((threshold, max_pixels, max_file_bytes, threads), detector)?;
        let classifier = if model.is_null() {
            Classifier::bundled_with(options)?
        } else {
            Classifier::from_bytes(&byte_array(env, &model, "model bytes")?, options)?
        };
        Ok(register(classifier))
    }
}

jni_entry! {
    /// `GlassesNative.nativeFree(handle): Boolean` — releases a classifier; `false` if the handle
    /// was already freed or never existed. Classifications in flight on other threads finish
    /// first (they hold their own reference).
    fn Java_dev_glasses_GlassesNative_nativeFree<'local>(_env, handle: jlong) -> jboolean {
        Ok(unregister(handle))
    }
}

jni_entry! {
    /// `GlassesNative.nativeThreshold(handle): Float` — the decision threshold in force.
    fn Java_dev_glasses_GlassesNative_nativeThreshold<'local>(_env, handle: jlong) -> jfloat {
        Ok(lookup(handle)?.threshold())
    }
}

jni_entry! {
    /// `GlassesNative.nativeMaxPixels(handle): Long` — the pixel limit in force.
    fn Java_dev_glasses_GlassesNative_nativeMaxPixels<'local>(_env, handle: jlong) -> jlong {
        Ok(long_limit(lookup(handle)?.options().max_pixels))
    }
}

jni_entry! {
    /// `GlassesNative.nativeMaxFileBytes(handle): Long` — the image file size limit in force.
    fn Java_dev_glasses_GlassesNative_nativeMaxFileBytes<'local>(_env, handle: jlong) -> jlong {
        Ok(long_limit(lookup(handle)?.options().max_file_bytes))
    }
}

jni_entry! {
    /// `GlassesNative.nativeModelInfo(handle): GlassesModelInfo?` — the loaded model's version,
    /// classes, input size and weight precision, the threshold in force and the file's own.
    fn Java_dev_glasses_GlassesNative_nativeModelInfo<'local>(env, handle: jlong) -> JObject<'local> {
        model_info_object(env, &ModelFacts::of(&*lookup(handle)?))
    }
}

jni_entry! {
    /// `GlassesNative.nativeVersion(): String` — the library version (the Rust workspace's).
    fn Java_dev_glasses_GlassesNative_nativeVersion<'local>(env) -> JString<'local> {
        Ok(env.new_string(env!("CARGO_PKG_VERSION"))?)
    }
}

jni_entry! {
    classify
    /// `GlassesNative.nativeClassifyEncoded(handle, image: ByteArray?, request: IntArray?): FloatArray?` —
    /// an encoded image (JPEG, PNG, WebP, ...), turned upright by its EXIF orientation, then by
    /// `rotationDegrees` (clockwise) and `mirrored`; with `hasBox`, the face inside the box (pixels
    /// of the upright picture).
    fn Java_dev_glasses_GlassesNative_nativeClassifyEncoded<'local>(env, call, image: JByteArray<'local>) {
        let bytes = byte_array(env, &image, "image bytes")?;
        call.answer(env, Input::Encoded(&bytes))
    }
}

jni_entry! {
    classify
    /// `GlassesNative.nativeClassifyPath(handle, path: String?, request: IntArray?): FloatArray?` — an image
    /// file read by the native code (a regular file of at most the detector's `maxFileBytes`,
    /// refused unread otherwise), as `nativeClassifyEncoded`.
    fn Java_dev_glasses_GlassesNative_nativeClassifyPath<'local>(env, call, path: JString<'local>) {
        if path.is_null() {
            return Err(invalid_argument("path is null"));
        }
        let path = path.try_to_string(env)?;
        call.answer(env, Input::Path(std::path::Path::new(&path)))
    }
}

jni_entry! {
    classify
    /// `GlassesNative.nativeClassifyArgb(handle, pixels: IntArray?, width, height, stride,
    /// request): FloatArray?` — `0xAARRGGBB` ints as `Bitmap.getPixels` writes them (`stride` in
    /// pixels), turned upright by `rotationDegrees` and `mirrored`; with `hasBox`, the face inside
    /// the box.
    fn Java_dev_glasses_GlassesNative_nativeClassifyArgb<'local>(
        env,
        call,
        pixels: JIntArray<'local>,
        width: jint,
        height: jint,
        stride: jint,
    ) {
        let (w, h, s) = (dimension("width", width)?, dimension("height", height)?, dimension("stride", stride)?);
        let ints = argb_ints(env, &pixels, (w, h, s))?;
        call.answer(env, Input::Pixels(PixelBuffer::from_argb_ints(&ints, w, h, s as usize)?))
    }
}

jni_entry! {
    classify
    /// `GlassesNative.nativeClassifyBuffer(handle, buffer: ByteBuffer?, width, height, rowStride,
    /// layout, request: IntArray?): FloatArray?` — raw pixels in a *direct* buffer (from
    /// `Bitmap.copyPixelsToBuffer`, a camera plane, ...), read in place from its address up to its
    /// capacity; `rowStride` in bytes, `layout` a `PixelLayout` code; turned and boxed as
    /// `nativeClassifyArgb`. The caller keeps other threads from writing to the buffer during the
    /// call.
    fn Java_dev_glasses_GlassesNative_nativeClassifyBuffer<'local>(
        env,
        call,
        buffer: JByteBuffer<'local>,
        width: jint,
        height: jint,
        row_stride: jint,
        layout: jint,
    ) {
        if buffer.is_null() {
            return Err(invalid_argument("buffer is null"));
        }
        let format = pixel_format(layout)?;
        let (w, h) = (dimension("width", width)?, dimension("height", height)?);
        let stride = dimension("rowStride", row_stride)? as usize;
        let pixels = PixelBuffer::new(direct_bytes(env, &buffer, "buffer")?, w, h, stride, format)?;
        call.answer(env, Input::Pixels(pixels))
    }
}

jni_entry! {
    classify
    /// `GlassesNative.nativeClassifyYuv(handle, y: ByteBuffer?, yRowStride, u: ByteBuffer?,
    /// v: ByteBuffer?, uvRowStride, uvPixelStride, width, height, fullRange, request: IntArray?):
    /// FloatArray?` — a `YUV_420_888` camera frame in three *direct* buffers (read in place, from
    /// their addresses up to their capacities; NV21 is `v` = the interleaved plane, `u` = the same
    /// memory one byte on, pixel stride 2), BT.601, full range (Android camera frames) or limited,
    /// turned upright by the clockwise `rotationDegrees` then mirrored if `mirrored`. With
    /// `hasBox`, the face inside the box (pixels of the upright frame). The caller keeps other
    /// threads from writing to the buffers during the call.
    fn Java_dev_glasses_GlassesNative_nativeClassifyYuv<'local>(
        env,
        call,
        y: JByteBuffer<'local>,
        y_row_stride: jint,
        u: JByteBuffer<'local>,
        v: JByteBuffer<'local>,
        uv_row_stride: jint,
        uv_pixel_stride: jint,
        width: jint,
        height: jint,
        full_range: jboolean,
    ) {
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
        call.answer(env, Input::Yuv(frame))
    }
}

jni_entry! {
    /// `GlassesNative.nativeLiveHandles(): Int` — classifiers not yet freed (leak checks in tests).
    fn Java_dev_glasses_GlassesNative_nativeLiveHandles<'local>(_env) -> jint {
        Ok(jint::try_from(live_handles()).unwrap_or(jint::MAX))
    }
}

#[cfg(debug_assertions)]
jni_entry! {
    /// Test hook, debug builds only: `dev.glasses.NativeTestHooks.panic()` (declared in the Kotlin
    /// test sources) panics inside a native method so tests can check that the JVM gets a
    /// `GlassesException` and lives on.
    #[doc(hidden)]
    fn Java_dev_glasses_NativeTestHooks_panic<'local>(_env) -> jint {
        panic!("test panic requested by NativeTestHooks.panic()")
    }
}
