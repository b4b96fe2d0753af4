@file:JvmName("GlassesSuspending")

package dev.glasses

import android.graphics.Bitmap
import android.graphics.Rect
import android.media.Image

/**
 * Classifies [bitmap] on the detector's dispatcher, as `GlassesDetector.classify(bitmap,
 * rotationDegrees, faceBox, mirrored)`. Do not recycle or change the bitmap until this returns.
 *
 * ```kotlin
 * val glasses = GlassesDetector().suspending()
 * lifecycleScope.launch {
 *     val r = glasses.classify(bitmap, faceBox = face.boundingBox)
 * }
 * ```
 */
suspend fun SuspendingGlassesDetector.classify(
    bitmap: Bitmap,
    rotationDegrees: Int = 0,
    faceBox: Rect? = null,
    mirrored: Boolean = false,
): GlassesResult = withDetector { classify(bitmap, rotationDegrees, faceBox, mirrored) }

/**
 * Classifies a `YUV_420_888` camera frame on the detector's dispatcher, as
 * `GlassesDetector.classify(image, rotationDegrees, faceBox, mirrored)`. The planes are read in
 * place: close the frame (CameraX's `ImageProxy`) only after this returns.
 *
 * ```kotlin
 * @OptIn(ExperimentalGetImage::class)
 * suspend fun analyze(proxy: ImageProxy) = try {
 *     glasses.classify(proxy.image!!, proxy.imageInfo.rotationDegrees)
 * } finally {
 *     proxy.close()
 * }
 * ```
 */
suspend fun SuspendingGlassesDetector.classify(
    image: Image,
    rotationDegrees: Int,
    faceBox: Rect? = null,
    mirrored: Boolean = false,
): GlassesResult = withDetector { classify(image, rotationDegrees, faceBox, mirrored) }
