@file:JvmName("GlassesImages")

package dev.glasses

import android.graphics.ImageFormat
import android.graphics.Rect
import android.media.Image

/**
 * Classifies a `YUV_420_888` camera frame ([Image], e.g. from an `ImageReader` or CameraX's
 * `imageProxy.image!!`), turned upright by [rotationDegrees] (clockwise: CameraX's
 * `imageProxy.imageInfo.rotationDegrees`). With a [faceBox] in pixels of the *upright* frame (ML
 * Kit's `Face.boundingBox` for `InputImage.fromMediaImage(image, rotationDegrees)`), the face
 * inside it; without, the whole upright frame. The planes are read in place, never copied; only
 * the part the model sees is converted. [mirrored] flips the upright frame left to right (for a
 * box found on a mirrored front-camera picture). The image must stay open during the call.
 *
 * ```kotlin
 * @OptIn(ExperimentalGetImage::class)   // CameraX marks ImageProxy.image experimental
 * override fun analyze(proxy: ImageProxy) {
 *     try {
 *         val image = proxy.image ?: return
 *         val r = glasses.classify(image, proxy.imageInfo.rotationDegrees, face.boundingBox)
 *     } finally {
 *         proxy.close()
 *     }
 * }
 * ```
 *
 * Other formats (`JPEG`, `RGBA_8888`, ...) throw [GlassesException] ([ErrorKind.INVALID_PIXEL_BUFFER]).
 * From Java: `GlassesImages.classify(detector, image, rotationDegrees, rect)`.
 */
@JvmOverloads
fun GlassesDetector.classify(
    image: Image,
    rotationDegrees: Int,
    faceBox: Rect? = null,
    mirrored: Boolean = false,
): GlassesResult {
    // In floats: an inverted Rect gives a negative size (refused natively), never an Int overflow.
    val box = faceBox?.let {
        FaceBox.fromEdges(it.left.toFloat(), it.top.toFloat(), it.right.toFloat(), it.bottom.toFloat())
    }
    return classifyYuv(planesOf(image), rotationDegrees, mirrored, box)
}

/**
 * Every face the built-in face detector finds in a `YUV_420_888` camera frame, largest first, in
 * pixels of the upright frame ([rotationDegrees]: `proxy.imageInfo.rotationDegrees`), read in
 * place. From Java: `GlassesImages.detectFaces(detector, image, rotationDegrees)`.
 */
@JvmOverloads
fun GlassesDetector.detectFaces(image: Image, rotationDegrees: Int, mirrored: Boolean = false): List<DetectedFace> =
    detectFacesYuv(planesOf(image), rotationDegrees, mirrored)

/** Every face in a `YUV_420_888` camera frame with the answer for each; see [detectFaces]. */
@JvmOverloads
fun GlassesDetector.classifyFaces(image: Image, rotationDegrees: Int, mirrored: Boolean = false): List<FaceResult> =
    classifyFacesYuv(planesOf(image), rotationDegrees, mirrored)

private fun planesOf(image: Image): YuvPlanes {
    if (image.format != ImageFormat.YUV_420_888 || image.planes.size < 3) {
        throw GlassesException(
            ErrorKind.INVALID_PIXEL_BUFFER,
            "image format ${image.format} with ${image.planes.size} planes is not YUV_420_888",
        )
    }
    val (y, u, v) = image.planes
    return YuvPlanes(
        y = y.buffer,
        yRowStride = y.rowStride,
        u = u.buffer,
        v = v.buffer,
        uvRowStride = u.rowStride,
        uvPixelStride = u.pixelStride,
        width = image.width,
        height = image.height,
    )
}
