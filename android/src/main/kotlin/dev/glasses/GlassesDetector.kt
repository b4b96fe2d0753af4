package dev.glasses

import java.nio.ByteBuffer
import java.util.concurrent.atomic.AtomicLong

/**
 * Tells whether the person in a face image wears eyeglasses, with an on-device SqueezeNet model
 * run by the native library `libglasses_ffi`.
 *
 * ```kotlin
 * GlassesDetector().use { detector ->
 *     val result = detector.classify(jpegBytes)
 *     println("glasses: ${result.hasGlasses} (p = ${result.probability}), ${result.eyewear}")
 *     val face = detector.classify(photoBytes, FaceBox(416f, 161f, 107f, 107f)) // a detector's box
 * }
 * ```
 *
 * One instance is safe to share between any number of threads, and classifications run in
 * parallel (the native model is immutable and reference-counted). Loading a model takes tens of
 * milliseconds, so keep one detector and reuse it. Call [close] when done: it frees the native
 * model once running classifications finish. A closed detector throws [IllegalStateException];
 * closing twice is harmless.
 *
 * On Android, `classify(bitmap)` and `classify(bitmap, faceRect)` are extension functions in
 * `GlassesBitmaps.kt` (`import dev.glasses.classify` from other packages), and camera frames
 * (`android.media.Image`, CameraX `imageProxy.image!!`) in `GlassesImages.kt`; [classifyYuv]
 * takes the `YUV_420_888` planes without Android classes.
 *
 * Every input has a variant taking a [FaceBox]: a face detector's box on a larger picture (a
 * camera frame, a group photo). The native code expands the box to the framing the model was
 * trained on, converts only that region (parts beyond the picture repeat its edge) and classifies
 * it; the result is as for a face crop.
 *
 * Every input also has a variant taking `rotationDegrees` (and `mirrored`), ML Kit's
 * `InputImage.fromBitmap(bitmap, rotationDegrees)` vocabulary: the clockwise rotation (0, 90,
 * 180 or 270) that turns the picture as stored upright, then a left-right flip. The picture is
 * read in place through that turn, never rotated into a copy, and a face box is given in pixels of
 * the upright picture, as a face detector given the same rotation reports it:
 *
 * ```kotlin
 * val r = detector.classify(argb, width, height, width, rotationDegrees = 90, faceBox = face)
 * ```
 *
 * All of them take one native path (one request: rotation, mirror, optional box), so every input
 * gives the same answer for the same upright picture.
 *
 * Without a box, `classify` answers for the largest face the built-in face detector finds (the
 * whole picture when it finds none; [GlassesOptions.faceMode] chooses), and [GlassesResult.face]
 * says which. Every face of a group photo: [detectFaces] and [classifyFaces] (largest first), for
 * every input, camera frames included ([detectFacesYuv], [classifyFacesYuv]):
 *
 * ```kotlin
 * for ((face, result) in detector.classifyFaces(photoBytes)) println("${face.boundingBox}: ${result.eyewear}")
 * ```
 *
 * [modelInfo] tells which model is loaded (version, classes, input size, thresholds, weight
 * precision). For coroutines, `detector.suspending(dispatcher)` ([SuspendingGlassesDetector])
 * runs every call on a dispatcher of your choice (default `Dispatchers.Default`).
 *
 * Every method throws [GlassesException] (with an [ErrorKind]) for corrupt images, bad model
 * bytes or inconsistent pixel sizes; native panics are also reported as [GlassesException]
 * ([ErrorKind.INTERNAL]) and never bring the process down.
 */
class GlassesDetector private constructor(nativeHandle: Long, requested: GlassesOptions) : AutoCloseable {
    private val handle = AtomicLong(nativeHandle)

    /** The model shipped inside the native library, with the default [GlassesOptions]. */
    constructor() : this(GlassesOptions())

    /** The bundled model with [options] (threshold, limits, face mode and face detection). */
    constructor(options: GlassesOptions) : this(load(null, options), options)

    /** The bundled model with a decision [threshold] in `[0, 1]` on P(eyeglasses). */
    constructor(threshold: Float) : this(GlassesOptions(threshold = threshold))

    /** A glasses ONNX model from memory (e.g. read from assets), default [GlassesOptions]. */
    constructor(model: ByteArray) : this(model, GlassesOptions())

    /** A glasses ONNX model from memory with [options]. */
    constructor(model: ByteArray, options: GlassesOptions) : this(load(model, options), options)

    /** A glasses ONNX model from memory with a decision [threshold] in `[0, 1]`. */
    constructor(model: ByteArray, threshold: Float) : this(model, GlassesOptions(threshold = threshold))

    /**
     * The options in force: threshold and limits as the native library holds them; [threshold]
     * is the one deciding (never `null`: the requested one, else the model file's, else 0.5).
     */
    val options: GlassesOptions = requested.copy(
        threshold = GlassesNative.nativeThreshold(nativeHandle),
        maxPixels = GlassesNative.nativeMaxPixels(nativeHandle),
        maxFileBytes = GlassesNative.nativeMaxFileBytes(nativeHandle),
    )

    /**
     * The decision threshold in force: [GlassesResult.hasGlasses] is `probability >= threshold`.
     * The options' own, else the model file's ([GlassesModelInfo.modelDefaultThreshold]), else 0.5.
     */
    val threshold: Float = GlassesNative.nativeThreshold(nativeHandle)

    /**
     * Which model this detector runs (version, classes, input size, weight precision), the
     * threshold in force and the model file's own recommended threshold. Read from the native
     * model on each call (cheap: a few strings); throws [IllegalStateException] once closed.
     */
    fun modelInfo(): GlassesModelInfo =
        GlassesNative.nativeModelInfo(liveHandle()) ?: throw IllegalStateException("native model info returned nothing")

    /** Whether [close] has been called. */
    val isClosed: Boolean get() = handle.get() == 0L

    /** Classifies an encoded image: JPEG, PNG, WebP, BMP, GIF, TIFF, ... */
    fun classify(encoded: ByteArray): GlassesResult = classify(encoded, 0)

    /**
     * Classifies the face inside [faceBox] on an encoded image. The box is in pixels of the
     * upright picture (after the image's EXIF orientation is applied). A box that is not a number,
     * empty or wholly outside the picture throws [GlassesException] ([ErrorKind.INVALID_REGION]).
     */
    fun classify(encoded: ByteArray, faceBox: FaceBox): GlassesResult = classify(encoded, 0, faceBox)

    /**
     * Classifies an encoded image stored turned: after its EXIF orientation, [rotationDegrees]
     * clockwise (0, 90, 180 or 270, ML Kit's `InputImage.fromByteArray(..., rotationDegrees, ...)`
     * vocabulary) turns it upright, then [mirrored] flips it left to right. With a [faceBox] (pixels
     * of the upright picture, as a face detector given the same rotation reports it), the face
     * inside it; without, the whole upright picture. Nothing is rotated into a copy. Another
     * rotation throws [GlassesException] ([ErrorKind.INVALID_PIXEL_BUFFER]).
     */
    @JvmOverloads
    fun classify(encoded: ByteArray, rotationDegrees: Int, faceBox: FaceBox? = null, mirrored: Boolean = false): GlassesResult =
        native(rotationDegrees, mirrored, faceBox, encodedCall(encoded))

    /**
     * Classifies the image file [file] (JPEG, PNG, WebP, ...), read by the native code without a
     * copy on the JVM heap. A file larger than [GlassesOptions.maxFileBytes] throws
     * [GlassesException] ([ErrorKind.FILE_TOO_LARGE]) unread; a folder or device
     * [ErrorKind.NOT_A_REGULAR_FILE]; a missing or unreadable file [ErrorKind.IO].
     */
    fun classify(file: java.io.File): GlassesResult = classify(file, 0)

    /** Classifies the face inside [faceBox] on the image file [file]; see the overloads above. */
    fun classify(file: java.io.File, faceBox: FaceBox): GlassesResult = classify(file, 0, faceBox)

    /** Classifies the image file [file] stored turned, as `classify(encoded, rotationDegrees, faceBox, mirrored)`. */
    @JvmOverloads
    fun classify(file: java.io.File, rotationDegrees: Int, faceBox: FaceBox? = null, mirrored: Boolean = false): GlassesResult =
        native(rotationDegrees, mirrored, faceBox, fileCall(file))

    /**
     * Classifies `0xAARRGGBB` pixels as `Bitmap.getPixels(pixels, 0, stride, 0, 0, width, height)`
     * writes them. [stride] is the distance between rows, in pixels (at least [width]).
     */
    @JvmOverloads
    fun classify(pixels: IntArray, width: Int, height: Int, stride: Int = width): GlassesResult =
        classify(pixels, width, height, stride, 0)

    /** Classifies the face inside [faceBox] on `0xAARRGGBB` [pixels], rows [width] pixels apart. */
    fun classify(pixels: IntArray, width: Int, height: Int, faceBox: FaceBox): GlassesResult =
        classify(pixels, width, height, width, 0, faceBox)

    /**
     * Classifies the face inside [faceBox] on `0xAARRGGBB` [pixels] whose rows are [stride]
     * pixels apart (as `Bitmap.getPixels` writes them); see [classify] for the box.
     */
    fun classify(pixels: IntArray, width: Int, height: Int, stride: Int, faceBox: FaceBox): GlassesResult =
        classify(pixels, width, height, stride, 0, faceBox)

    /**
     * Classifies `0xAARRGGBB` [pixels] ([width] x [height] as stored, rows [stride] pixels apart)
     * of a picture stored turned: [rotationDegrees] clockwise (0, 90, 180 or 270, as
     * `InputImage.fromBitmap(bitmap, rotationDegrees)` takes it) turns it upright, then [mirrored]
     * flips it left to right. [faceBox], when given, is in pixels of the upright picture. The
     * pixels are read in place, never rotated into a copy.
     */
    @JvmOverloads
    fun classify(
        pixels: IntArray,
        width: Int,
        height: Int,
        stride: Int,
        rotationDegrees: Int,
        faceBox: FaceBox? = null,
        mirrored: Boolean = false,
    ): GlassesResult =
        native(rotationDegrees, mirrored, faceBox, argbCall(pixels, width, height, stride))

    /**
     * Classifies raw pixels in [buffer], from its position on: [height] rows of [width] pixels,
     * [rowStride] bytes apart (at least `width * layout.bytesPerPixel`), in [layout]. A direct buffer (`ByteBuffer.allocateDirect`, camera
     * planes, `Bitmap.copyPixelsToBuffer` into a direct buffer) is read in place by the native
     * code; any other buffer is first copied into a direct one. The buffer's position is left
     * unchanged. Do not write to the buffer from another thread during the call.
     */
    @JvmOverloads
    fun classify(
        buffer: ByteBuffer,
        width: Int,
        height: Int,
        rowStride: Int,
        layout: PixelLayout = PixelLayout.RGBA_8888,
    ): GlassesResult = classify(buffer, width, height, rowStride, layout, 0)

    /** Classifies the face inside [faceBox] on `RGBA_8888` pixels in [buffer]; see the overload with a layout. */
    fun classify(buffer: ByteBuffer, width: Int, height: Int, rowStride: Int, faceBox: FaceBox): GlassesResult =
        classify(buffer, width, height, rowStride, PixelLayout.RGBA_8888, 0, faceBox)

    /**
     * Classifies the face inside [faceBox] (a face detector's box on the whole frame) on raw
     * pixels in [buffer], laid out as for `classify(buffer, width, height, rowStride, layout)`.
     * Only the framed region around the face is converted, not the whole frame.
     */
    fun classify(
        buffer: ByteBuffer,
        width: Int,
        height: Int,
        rowStride: Int,
        layout: PixelLayout,
        faceBox: FaceBox,
    ): GlassesResult = classify(buffer, width, height, rowStride, layout, 0, faceBox)

    /**
     * Classifies raw pixels in [buffer] (laid out as for `classify(buffer, width, height,
     * rowStride, layout)`, [width] x [height] as stored) of a picture stored turned:
     * [rotationDegrees] clockwise (0, 90, 180 or 270) turns it upright, then [mirrored] flips it
     * left to right. [faceBox], when given, is in pixels of the upright picture. Read in place,
     * never rotated into a copy.
     */
    @JvmOverloads
    fun classify(
        buffer: ByteBuffer,
        width: Int,
        height: Int,
        rowStride: Int,
        layout: PixelLayout,
        rotationDegrees: Int,
        faceBox: FaceBox? = null,
        mirrored: Boolean = false,
    ): GlassesResult =
        native(rotationDegrees, mirrored, faceBox, bufferCall(buffer, width, height, rowStride, layout))

    /**
     * Classifies a `YUV_420_888` camera frame ([planes], as `android.media.Image.planes` or
     * CameraX's `ImageProxy.planes` describe it) turned upright by [rotationDegrees] (clockwise,
     * 0, 90, 180 or 270: `imageProxy.imageInfo.rotationDegrees`), then mirrored left to right if
     * [mirrored]. With a [faceBox] (pixels of the *upright* frame, as ML Kit reports faces for an
     * `InputImage` given the same rotation), the face inside it; without, the whole upright frame
     * as for a face crop. The three planes must be direct buffers (camera planes are); they are
     * read in place from their positions on, never copied, and only the part the model sees is
     * converted to RGB. Do not write to them from another thread during the call.
     *
     * Impossible geometry (odd or zero size, a plane too short, strides too small, another
     * rotation) throws [GlassesException] ([ErrorKind.INVALID_PIXEL_BUFFER]); a heap buffer
     * [ErrorKind.INVALID_ARGUMENT]; a bad box [ErrorKind.INVALID_REGION].
     */
    @JvmOverloads
    fun classifyYuv(
        planes: YuvPlanes,
        rotationDegrees: Int = 0,
        mirrored: Boolean = false,
        faceBox: FaceBox? = null,
    ): GlassesResult =
        native(rotationDegrees, mirrored, faceBox, yuvCall(planes))

    /**
     * Every face the built-in face detector finds in an encoded image, largest first, in pixels of
     * the upright picture (after its EXIF orientation, then [rotationDegrees] clockwise and
     * [mirrored], as for [classify]). No face: an empty list. Settings:
     * [GlassesOptions.faceDetection].
     */
    @JvmOverloads
    fun detectFaces(encoded: ByteArray, rotationDegrees: Int = 0, mirrored: Boolean = false): List<DetectedFace> =
        nativeFaces(rotationDegrees, mirrored, encodedCall(encoded))

    /**
     * Every face in an encoded image with the answer for each, largest first (the picture is
     * decoded once for all of them); see [detectFaces]. No face: an empty list. Each
     * [FaceResult.result] names its face in [GlassesResult.face].
     */
    @JvmOverloads
    fun classifyFaces(encoded: ByteArray, rotationDegrees: Int = 0, mirrored: Boolean = false): List<FaceResult> =
        nativeFaceResults(rotationDegrees, mirrored, encodedCall(encoded))

    /** [detectFaces] of the image file [file], read by the native code (see `classify(file)`). */
    @JvmOverloads
    fun detectFaces(file: java.io.File, rotationDegrees: Int = 0, mirrored: Boolean = false): List<DetectedFace> =
        nativeFaces(rotationDegrees, mirrored, fileCall(file))

    /** [classifyFaces] of the image file [file]. */
    @JvmOverloads
    fun classifyFaces(file: java.io.File, rotationDegrees: Int = 0, mirrored: Boolean = false): List<FaceResult> =
        nativeFaceResults(rotationDegrees, mirrored, fileCall(file))

    /**
     * [detectFaces] of `0xAARRGGBB` [pixels] as `Bitmap.getPixels` writes them ([width] x
     * [height] as stored, rows [stride] pixels apart), turned upright by [rotationDegrees] and
     * [mirrored] (ML Kit's `InputImage.fromBitmap(bitmap, rotationDegrees)`).
     */
    @JvmOverloads
    fun detectFaces(
        pixels: IntArray,
        width: Int,
        height: Int,
        stride: Int = width,
        rotationDegrees: Int = 0,
        mirrored: Boolean = false,
    ): List<DetectedFace> =
        nativeFaces(rotationDegrees, mirrored, argbCall(pixels, width, height, stride))

    /** [classifyFaces] of `0xAARRGGBB` [pixels]; see the [detectFaces] overload. */
    @JvmOverloads
    fun classifyFaces(
        pixels: IntArray,
        width: Int,
        height: Int,
        stride: Int = width,
        rotationDegrees: Int = 0,
        mirrored: Boolean = false,
    ): List<FaceResult> =
        nativeFaceResults(rotationDegrees, mirrored, argbCall(pixels, width, height, stride))

    /** [detectFaces] of raw pixels in [buffer], laid out as for `classify(buffer, ...)`. */
    @JvmOverloads
    fun detectFaces(
        buffer: ByteBuffer,
        width: Int,
        height: Int,
        rowStride: Int,
        layout: PixelLayout = PixelLayout.RGBA_8888,
        rotationDegrees: Int = 0,
        mirrored: Boolean = false,
    ): List<DetectedFace> =
        nativeFaces(rotationDegrees, mirrored, bufferCall(buffer, width, height, rowStride, layout))

    /** [classifyFaces] of raw pixels in [buffer]. */
    @JvmOverloads
    fun classifyFaces(
        buffer: ByteBuffer,
        width: Int,
        height: Int,
        rowStride: Int,
        layout: PixelLayout = PixelLayout.RGBA_8888,
        rotationDegrees: Int = 0,
        mirrored: Boolean = false,
    ): List<FaceResult> =
        nativeFaceResults(rotationDegrees, mirrored, bufferCall(buffer, width, height, rowStride, layout))

    /**
     * Every face in a `YUV_420_888` camera frame, in pixels of the upright frame (turned by
     * [rotationDegrees], `imageProxy.imageInfo.rotationDegrees`, then [mirrored]); the planes are
     * read in place as for [classifyYuv].
     */
    @JvmOverloads
    fun detectFacesYuv(planes: YuvPlanes, rotationDegrees: Int = 0, mirrored: Boolean = false): List<DetectedFace> =
        nativeFaces(rotationDegrees, mirrored, yuvCall(planes))

    /** Every face in a `YUV_420_888` camera frame with the answer for each; see [detectFacesYuv]. */
    @JvmOverloads
    fun classifyFacesYuv(planes: YuvPlanes, rotationDegrees: Int = 0, mirrored: Boolean = false): List<FaceResult> =
        nativeFaceResults(rotationDegrees, mirrored, yuvCall(planes))

    // One native call per input kind, which every classify, detectFaces and classifyFaces of that
    // input runs with its own request.

    private fun encodedCall(encoded: ByteArray) = NativeCall { h, request -> GlassesNative.nativeClassifyEncoded(h, encoded, request) }

    private fun fileCall(file: java.io.File) = NativeCall { h, request -> GlassesNative.nativeClassifyPath(h, file.path, request) }

    private fun argbCall(pixels: IntArray, width: Int, height: Int, stride: Int) = NativeCall { h, request ->
        GlassesNative.nativeClassifyArgb(h, pixels, width, height, stride, request)
    }

    private fun bufferCall(buffer: ByteBuffer, width: Int, height: Int, rowStride: Int, layout: PixelLayout) = NativeCall { h, request ->
        GlassesNative.nativeClassifyBuffer(h, directView(buffer), width, height, rowStride, layout.code, request)
    }

    private fun yuvCall(planes: YuvPlanes) = NativeCall { h, request -> GlassesNative.nativeClassifyYuv(
        h,
        directPlane(planes.y, "y"), planes.yRowStride,
        directPlane(planes.u, "u"), directPlane(planes.v, "v"), planes.uvRowStride, planes.uvPixelStride,
        planes.width, planes.height, planes.fullRange, request,
    ) }

    /**
     * Frees the native model. Classifications already running on other threads finish normally;
     * later calls throw [IllegalStateException]. Calling it again does nothing.
     */
    override fun close() {
        val h = handle.getAndSet(0L)
        if (h != 0L) GlassesNative.nativeFree(h)
    }

    override fun toString(): String = "GlassesDetector($options, closed=$isClosed)"

    private fun liveHandle(): Long {
        val h = handle.get()
        check(h != 0L) { "GlassesDetector is closed" }
        return h
    }

    /** A camera plane from its position on; a heap buffer is refused (a frame is too big to copy silently). */
    private fun directPlane(buffer: ByteBuffer, name: String): ByteBuffer {
        if (!buffer.isDirect) {
            throw GlassesException(
                ErrorKind.INVALID_ARGUMENT,
                "the $name plane is not a direct ByteBuffer (use ByteBuffer.allocateDirect, or the camera's plane buffers)",
            )
        }
        return buffer.slice()
    }

    /** [buffer] from its position on, as a direct buffer (a view, or a copy of a heap buffer). */
    private fun directView(buffer: ByteBuffer): ByteBuffer = if (buffer.isDirect) {
        buffer.slice()
    } else {
        ByteBuffer.allocateDirect(buffer.remaining()).put(buffer.duplicate()).also { it.flip() }
    }

    /** The native entry's call: the handle and the request every entry ends with ([NativeRequest]). */
    private fun interface NativeCall {
        fun call(handle: Long, request: IntArray): FloatArray?
    }

    /**
     * Runs one native entry for `classify` with the request every entry ends with: the live
     * handle, the rotation and mirror, the face box (no box: [GlassesOptions.faceMode] finds it).
     */
    private fun native(rotationDegrees: Int, mirrored: Boolean, faceBox: FaceBox?, call: NativeCall): GlassesResult =
        NativeRecords.result(records(rotationDegrees, mirrored, faceBox, NativeRecords.TASK_CLASSIFY, call))

    /** Every face of the picture an entry reads (upright by [rotationDegrees] and [mirrored]). */
    private fun nativeFaces(rotationDegrees: Int, mirrored: Boolean, call: NativeCall): List<DetectedFace> =
        NativeRecords.faces(records(rotationDegrees, mirrored, null, NativeRecords.TASK_DETECT, call))

    /** Every face of the picture an entry reads, each with its answer. */
    private fun nativeFaceResults(rotationDegrees: Int, mirrored: Boolean, call: NativeCall): List<FaceResult> =
        NativeRecords.faceResults(records(rotationDegrees, mirrored, null, NativeRecords.TASK_CLASSIFY_FACES, call))

    private fun records(rotationDegrees: Int, mirrored: Boolean, faceBox: FaceBox?, task: Int, call: NativeCall): FloatArray {
        val request = NativeRequest.of(rotationDegrees, mirrored, faceBox, options.faceMode.code, task)
        return call.call(liveHandle(), request) ?: throw IllegalStateException("native call returned no result")
    }

    companion object {
        /** A native model ([model]'s ONNX bytes, `null` for the bundled one) with [options]: its handle. */
        private fun load(model: ByteArray?, options: GlassesOptions): Long = options.faceDetection.let { d ->
            GlassesNative.nativeLoad(
                model, thresholdForNative(options.threshold), options.maxPixels, options.maxFileBytes, options.threads,
                d.inputWidth, d.inputHeight, d.minDetectionConfidence, d.minSuppressionThreshold, d.minFaceSize,
            )
        }

        /**
         * [GlassesOptions.threshold] as the native loader takes it: NaN for `null` (the model's
         * own). A NaN threshold of the caller's is refused here, as core refuses any threshold
         * outside `[0, 1]`, so that it cannot pass for `null`.
         */
        private fun thresholdForNative(threshold: Float?): Float = when {
            threshold == null -> Float.NaN
            threshold.isNaN() -> throw GlassesException(ErrorKind.INVALID_ARGUMENT, "invalid options: threshold NaN is outside [0, 1]")
            else -> threshold
        }

        /**
         * The version of this library: the Kotlin API and the native library it ships are
         * released together under the Rust workspace's version (tests keep the three equal).
         */
        const val VERSION: String = "0.2.0"

        /** The version the loaded native library reports (C's `glasses_version()`); [VERSION] when they match. */
        @JvmStatic
        fun nativeVersion(): String = GlassesNative.nativeVersion()
    }
}
