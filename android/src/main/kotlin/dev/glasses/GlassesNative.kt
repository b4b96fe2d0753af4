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

    // The loaders take a GlassesOptions' fields (a null threshold as NaN: the model's own), then
    // its FaceDetection's: inputWidth, inputHeight, minDetectionConfidence,
    // minSuppressionThreshold, minFaceSize.
    @JvmStatic external fun nativeLoadBundled(
        threshold: Float,
        maxPixels: Long,
        maxFileBytes: Long,
        inputWidth: Int,
        inputHeight: Int,
        minDetectionConfidence: Float,
        minSuppressionThreshold: Float,
        minFaceSize: Float,
    ): Long

    @JvmStatic external fun nativeLoad(
        model: ByteArray?,
        threshold: Float,
        maxPixels: Long,
        maxFileBytes: Long,
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

    // Every classify entry ends with the same request: the clockwise rotation that turns the
    // picture upright (0, 90, 180, 270), a left-right mirror after it, an optional face box in
    // pixels of the upright picture (`hasBox` false: `faceMode`, a FaceMode code, finds it), and
    // the task (NativeRecords.TASK_*: classify, detect faces, classify faces), answered as float
    // records that NativeRecords decodes.

    @JvmStatic external fun nativeClassifyPath(
        handle: Long,
        path: String?,
        rotationDegrees: Int,
        mirrored: Boolean,
        hasBox: Boolean,
        x: Float,
        y: Float,
        boxWidth: Float,
        boxHeight: Float,
        faceMode: Int,
        task: Int,
    ): FloatArray?

    @JvmStatic external fun nativeClassifyEncoded(
        handle: Long,
        image: ByteArray?,
        rotationDegrees: Int,
        mirrored: Boolean,
        hasBox: Boolean,
        x: Float,
        y: Float,
        boxWidth: Float,
        boxHeight: Float,
        faceMode: Int,
        task: Int,
    ): FloatArray?

    @JvmStatic external fun nativeClassifyArgb(
        handle: Long,
        pixels: IntArray?,
        width: Int,
        height: Int,
        stride: Int,
        rotationDegrees: Int,
        mirrored: Boolean,
        hasBox: Boolean,
        x: Float,
        y: Float,
        boxWidth: Float,
        boxHeight: Float,
        faceMode: Int,
        task: Int,
    ): FloatArray?

    @JvmStatic external fun nativeClassifyBuffer(
        handle: Long,
        buffer: ByteBuffer?,
        width: Int,
        height: Int,
        rowStride: Int,
        layout: Int,
        rotationDegrees: Int,
        mirrored: Boolean,
        hasBox: Boolean,
        x: Float,
        y: Float,
        boxWidth: Float,
        boxHeight: Float,
        faceMode: Int,
        task: Int,
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
        rotationDegrees: Int,
        mirrored: Boolean,
        fullRange: Boolean,
        hasBox: Boolean,
        boxX: Float,
        boxY: Float,
        boxWidth: Float,
        boxHeight: Float,
        faceMode: Int,
        task: Int,
    ): FloatArray?

    @JvmStatic external fun nativeLiveHandles(): Int
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
