package dev.glasses

import java.nio.ByteBuffer

/**
 * The native methods of `libglasses_ffi` (Rust: ffi/src/jni/entry.rs). Names, parameter and
 * return types must match that file exactly; the consumer ProGuard rules keep this class.
 *
 * Every method either returns normally or throws: [GlassesException] for classifier errors and
 * bad arguments, [IllegalStateException] for a closed handle. A `null` return only ever
 * accompanies a thrown exception.
 */
internal object GlassesNative {
    init {
        NativeLibrary.load()
    }

    // The loader takes the model's ONNX bytes (null: the bundled model), a GlassesOptions' fields
    // (a null threshold as NaN: the model's own; threads 0 to 8), then its FaceDetection's:
    // inputWidth, inputHeight, minDetectionConfidence, minSuppressionThreshold, minFaceSize.
    @JvmStatic external fun nativeLoad(
        model: ByteArray?,
        threshold: Float,
        maxPixels: Long,
        maxFileBytes: Long,
        threads: Int,
        inputWidth: Int,
        inputHeight: Int,
        minDetectionConfidence: Float,
        minSuppressionThreshold: Float,
        minFaceSize: Float,
    ): Long

    @JvmStatic external fun nativeFree(handle: Long): Boolean

    @JvmStatic external fun nativeThreshold(handle: Long): Float

    @JvmStatic external fun nativeMaxPixels(handle: Long): Long

    @JvmStatic external fun nativeMaxFileBytes(handle: Long): Long

    @JvmStatic external fun nativeModelInfo(handle: Long): GlassesModelInfo?

    @JvmStatic external fun nativeVersion(): String

    // Every classify entry ends with the same request, a NativeRequest, and answers float records
    // that NativeRecords decodes.

    @JvmStatic external fun nativeClassifyPath(
        handle: Long,
        path: String?,
        request: IntArray?,
    ): FloatArray?

    @JvmStatic external fun nativeClassifyEncoded(
        handle: Long,
        image: ByteArray?,
        request: IntArray?,
    ): FloatArray?

    @JvmStatic external fun nativeClassifyArgb(
        handle: Long,
        pixels: IntArray?,
        width: Int,
        height: Int,
        stride: Int,
        request: IntArray?,
    ): FloatArray?

    @JvmStatic external fun nativeClassifyBuffer(
        handle: Long,
        buffer: ByteBuffer?,
        width: Int,
        height: Int,
        rowStride: Int,
        layout: Int,
        request: IntArray?,
    ): FloatArray?

    @JvmStatic external fun nativeClassifyYuv(
        handle: Long,
        y: ByteBuffer?,
        yRowStride: Int,
        u: ByteBuffer?,
        v: ByteBuffer?,
        uvRowStride: Int,
        uvPixelStride: Int,
        width: Int,
        height: Int,
        fullRange: Boolean,
        request: IntArray?,
    ): FloatArray?

    @JvmStatic external fun nativeLiveHandles(): Int
}

/**
 * The request every classify entry of [GlassesNative] ends with, as ints the native code reads
 * (ffi/src/jni/convert.rs, `Call::new`): the clockwise rotation that turns the picture upright
 * (0, 90, 180, 270), flags (a left-right mirror after it, whether a face box is given), the box in
 * pixels of the upright picture (the bits of its floats, exact), the face mode (a [FaceMode]
 * code: which face when there is no box) and the task (NativeRecords.TASK_*: classify, detect
 * faces, classify faces). One array crosses the boundary instead of nine arguments per entry.
 */
internal object NativeRequest {
    const val MIRRORED = 1
    const val HAS_BOX = 2

    fun of(rotationDegrees: Int, mirrored: Boolean, faceBox: FaceBox?, faceMode: Int, task: Int): IntArray {
        val flags = (if (mirrored) MIRRORED else 0) or (if (faceBox != null) HAS_BOX else 0)
        val b = faceBox ?: FaceBox(0f, 0f, 0f, 0f)
        return intArrayOf(rotationDegrees, flags, b.x.toRawBits(), b.y.toRawBits(), b.width.toRawBits(), b.height.toRawBits(), faceMode, task)
    }
}

/**
 * Loads `libglasses_ffi` once per process.
 *
 * On Android the library ships in the AAR's `jniLibs` and `System.loadLibrary` finds it. On a
 * desktop JVM either put its folder on `-Djava.library.path`, or name the file itself with the
 * system property `glasses.native.library` (absolute path), which wins when set.
 */
internal object NativeLibrary {
    const val NAME = "glasses_ffi"
    const val PATH_PROPERTY = "glasses.native.library"

    @Volatile private var loaded = false

    @Synchronized
    fun load() {
        if (loaded) return
        val path = System.getProperty(PATH_PROPERTY)
        if (!path.isNullOrBlank()) System.load(path) else System.loadLibrary(NAME)
        loaded = true
    }
}
