package dev.glasses

/**
 * How a [GlassesDetector] decides and what it refuses: the fields of the native library's
 * options (C's `GlassesOptions`, Swift's `GlassesOptions`).
 *
 * ```kotlin
 * val detector = GlassesDetector(GlassesOptions(threshold = 0.6f, maxPixels = 12_000_000))
 * ```
 *
 * The defaults are the native library's (checked by the tests against a detector's [GlassesDetector.options]).
 *
 * @property threshold decision threshold on P(eyeglasses), in `[0, 1]`:
 *   [GlassesResult.hasGlasses] is `probability >= threshold`. `null` (the default): the model
 *   file's own threshold ([GlassesModelInfo.modelDefaultThreshold]), or [DEFAULT_THRESHOLD] for a
 *   file without one; [GlassesDetector.threshold] is the one in force.
 * @property maxPixels the largest picture (width x height) decoded, and the largest region a face
 *   box may frame; larger ones throw [GlassesException] with [ErrorKind.IMAGE_TOO_LARGE] (encoded
 *   images, before decoding) or [ErrorKind.INVALID_REGION] (face boxes). Positive.
 * @property maxFileBytes the largest image file [GlassesDetector.classify] reads from a `File`;
 *   larger ones throw [ErrorKind.FILE_TOO_LARGE] unread. Positive.
 * @property faceMode which face `classify` answers for when the call gives no [FaceBox]: the
 *   largest the built-in detector finds ([FaceMode.AUTO], the default), the same or
 *   [ErrorKind.NO_FACE] ([FaceMode.DETECT]), or the whole picture ([FaceMode.WHOLE]).
 * @property faceDetection the built-in face detector's settings, for [faceMode] and for
 *   [GlassesDetector.detectFaces] / [GlassesDetector.classifyFaces].
 * @property threads threads one picture's inference is split over: the detector starts
 *   `threads - 1` native workers, parked between pictures and stopped by [GlassesDetector.close],
 *   and the calling thread is the last. 1 (the default): no extra threads; 0: one per available
 *   core; at most [MAX_THREADS]. The answers are the same at any count. One picture at a time
 *   uses the workers: for many pictures at once, calls from several threads on one detector beat
 *   more threads.
 *
 * A value out of range throws [GlassesException] ([ErrorKind.INVALID_ARGUMENT]) when the
 * detector is created.
 */
data class GlassesOptions @JvmOverloads constructor(
    val threshold: Float? = null,
    val maxPixels: Long = DEFAULT_MAX_PIXELS,
    val maxFileBytes: Long = DEFAULT_MAX_FILE_BYTES,
    val faceMode: FaceMode = FaceMode.AUTO,
    val faceDetection: FaceDetection = FaceDetection(),
    val threads: Int = 1,
) {
    /** A copy with [threshold], `null` for the model's own (for Java callers; Kotlin has `copy`). */
    fun withThreshold(threshold: Float?): GlassesOptions = copy(threshold = threshold)

    /** A copy with [maxPixels]. */
    fun withMaxPixels(maxPixels: Long): GlassesOptions = copy(maxPixels = maxPixels)

    /** A copy with [maxFileBytes]. */
    fun withMaxFileBytes(maxFileBytes: Long): GlassesOptions = copy(maxFileBytes = maxFileBytes)

    /** A copy with [faceMode]. */
    fun withFaceMode(faceMode: FaceMode): GlassesOptions = copy(faceMode = faceMode)

    /** A copy with [faceDetection]. */
    fun withFaceDetection(faceDetection: FaceDetection): GlassesOptions = copy(faceDetection = faceDetection)

    /** A copy with [threads] (0: one per core). */
    fun withThreads(threads: Int): GlassesOptions = copy(threads = threads)

    companion object {
        /** The threshold when neither the options nor the model file set one. */
        const val DEFAULT_THRESHOLD: Float = 0.5f

        /** Default [maxPixels]: 64 megapixels. */
        const val DEFAULT_MAX_PIXELS: Long = 64_000_000L

        /** Default [maxFileBytes]: 64 MiB. */
        const val DEFAULT_MAX_FILE_BYTES: Long = 64L shl 20

        /** The most [threads] one picture's inference is split over (C's `GLASSES_MAX_INFERENCE_THREADS`). */
        const val MAX_THREADS: Int = 8
    }
}
