package dev.glasses

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.withContext
import java.io.File
import java.nio.ByteBuffer

/**
 * The suspending face of a [GlassesDetector]: every `classify` runs on [dispatcher]
 * ([Dispatchers.Default] unless chosen), so a caller on the main thread awaits a result instead of
 * moving work off it by hand, as ML Kit's and MediaPipe's tasks do.
 *
 * ```kotlin
 * val glasses = GlassesDetector().suspending()            // or .suspending(myDispatcher)
 * lifecycleScope.launch {
 *     val r = glasses.classify(jpegBytes)                  // off the main thread
 *     val all = glasses.classifyAll(photos)                // stops between photos when cancelled
 * }
 * ```
 *
 * Cancellation: one classification is a single native call that cannot be interrupted; a
 * cancelled coroutine does not start it, and one cancelled while it runs gets
 * `CancellationException` when it returns (the result is dropped). [classifyAll] checks for
 * cancellation before every picture, so a cancelled batch stops at the next one.
 *
 * Buffers and arrays passed in must not change until the call returns; closing [detector] while
 * calls are pending makes them throw [IllegalStateException], as the blocking calls do.
 */
class SuspendingGlassesDetector(
    /** The blocking detector every call goes to. */
    val detector: GlassesDetector,
    /** Where the classifications run. */
    val dispatcher: CoroutineDispatcher = Dispatchers.Default,
) {
    /**
     * Runs [block] with the detector on [dispatcher]: the one way every call here leaves the
     * caller's thread, and the way to reach a blocking call without a suspending twin.
     */
    suspend fun <T> withDetector(block: GlassesDetector.() -> T): T = withContext(dispatcher) { detector.block() }

    /** [GlassesDetector.modelInfo], on [dispatcher]. */
    suspend fun modelInfo(): GlassesModelInfo = withDetector { modelInfo() }

    /** An encoded image (JPEG, PNG, ...), as `GlassesDetector.classify(encoded, rotationDegrees, faceBox, mirrored)`. */
    suspend fun classify(
        encoded: ByteArray,
        rotationDegrees: Int = 0,
        faceBox: FaceBox? = null,
        mirrored: Boolean = false,
    ): GlassesResult = withDetector { classify(encoded, rotationDegrees, faceBox, mirrored) }

    /** An image file, as `GlassesDetector.classify(file, rotationDegrees, faceBox, mirrored)`. */
    suspend fun classify(
        file: File,
        rotationDegrees: Int = 0,
        faceBox: FaceBox? = null,
        mirrored: Boolean = false,
    ): GlassesResult = withDetector { classify(file, rotationDegrees, faceBox, mirrored) }

    /**
     * `0xAARRGGBB` pixels (`Bitmap.getPixels`), as
     * `GlassesDetector.classify(pixels, width, height, stride, rotationDegrees, faceBox, mirrored)`.
     */
    suspend fun classify(
        pixels: IntArray,
        width: Int,
        height: Int,
        stride: Int = width,
        rotationDegrees: Int = 0,
        faceBox: FaceBox? = null,
        mirrored: Boolean = false,
    ): GlassesResult = withDetector { classify(pixels, width, height, stride, rotationDegrees, faceBox, mirrored) }

    /**
     * Raw pixels in [buffer], as
     * `GlassesDetector.classify(buffer, width, height, rowStride, layout, rotationDegrees, faceBox, mirrored)`.
     */
    suspend fun classify(
        buffer: ByteBuffer,
        width: Int,
        height: Int,
        rowStride: Int,
        layout: PixelLayout = PixelLayout.RGBA_8888,
        rotationDegrees: Int = 0,
        faceBox: FaceBox? = null,
        mirrored: Boolean = false,
    ): GlassesResult = withDetector { classify(buffer, width, height, rowStride, layout, rotationDegrees, faceBox, mirrored) }

    /**
     * A `YUV_420_888` camera frame, as [GlassesDetector.classifyYuv]. The planes are read in place
     * on [dispatcher]: keep the frame (CameraX's `ImageProxy`) open until this returns.
     */
    suspend fun classifyYuv(
        planes: YuvPlanes,
        rotationDegrees: Int = 0,
        mirrored: Boolean = false,
        faceBox: FaceBox? = null,
    ): GlassesResult = withDetector { classifyYuv(planes, rotationDegrees, mirrored, faceBox) }

    /** Encoded images one after another on [dispatcher]; see the overload taking a `classify` lambda. */
    suspend fun classifyAll(images: List<ByteArray>): List<GlassesResult> = classifyAll(images) { classify(it) }

    /**
     * Classifies [items] one after another on [dispatcher] with [each] (any blocking
     * `classify` of the detector), checking for cancellation before each: a cancelled batch
     * throws `CancellationException` without starting the next picture. Results are in the order
     * of [items]; the first failing picture's [GlassesException] ends the batch.
     */
    suspend fun <T> classifyAll(items: List<T>, each: GlassesDetector.(T) -> GlassesResult): List<GlassesResult> =
        withContext(dispatcher) {
            val results = ArrayList<GlassesResult>(items.size)
            for (item in items) {
                ensureActive()
                results += detector.each(item)
            }
            results
        }
}

/** This detector's suspending calls, run on [dispatcher] ([Dispatchers.Default] unless chosen). */
fun GlassesDetector.suspending(dispatcher: CoroutineDispatcher = Dispatchers.Default): SuspendingGlassesDetector =
    SuspendingGlassesDetector(this, dispatcher)
