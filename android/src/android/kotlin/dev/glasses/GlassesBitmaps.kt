@file:JvmName("GlassesBitmaps")

package dev.glasses

import android.graphics.Bitmap
import android.graphics.Rect
import java.nio.ByteBuffer

/**
 * Classifies an Android [Bitmap].
 *
 * `ARGB_8888` bitmaps are copied once with [Bitmap.copyPixelsToBuffer] into a direct buffer that
 * the native code reads in place (RGBA, stride = [Bitmap.getRowBytes]); no per-pixel work
 * happens in Kotlin. Bitmaps of other configs (`RGB_565`, `HARDWARE`, `RGBA_F16`, ...) are first
 * converted to `ARGB_8888` with [Bitmap.copy]. Recycled bitmaps throw [IllegalArgumentException].
 *
 * From Java: `GlassesBitmaps.classify(detector, bitmap)`.
 */
fun GlassesDetector.classify(bitmap: Bitmap): GlassesResult = classify(bitmap, 0)

/**
 * Classifies the face inside [faceBox] on [bitmap]: a face detector's box in the bitmap's pixels,
 * such as ML Kit's `Face.boundingBox` for an `InputImage.fromBitmap(bitmap, 0)`. The native code
 * expands the box to the framing the model was trained on (parts beyond the bitmap repeat its
 * edge) and classifies that region only. A box that is empty, inverted or wholly outside the
 * bitmap throws [GlassesException] ([ErrorKind.INVALID_REGION]).
 *
 * ```kotlin
 * for (face in faces) {                       // ML Kit: detector.process(image) result
 *     val r = glasses.classify(bitmap, face.boundingBox)
 *     println("${face.boundingBox}: ${r.eyewear} (P(eyeglasses) = ${r.probability})")
 * }
 * ```
 *
 * From Java: `GlassesBitmaps.classify(detector, bitmap, rect)`.
 */
fun GlassesDetector.classify(bitmap: Bitmap, faceBox: Rect): GlassesResult = classify(bitmap, 0, faceBox)

/**
 * Classifies the face inside [faceBox] (pixels of [bitmap], origin top-left) on [bitmap]; as the
 * `Rect` overload, for boxes in floats (`RectF`: `FaceBox.fromEdges(r.left, r.top, r.right, r.bottom)`).
 */
fun GlassesDetector.classify(bitmap: Bitmap, faceBox: FaceBox): GlassesResult = classify(bitmap, 0, faceBox)

/**
 * Classifies a [bitmap] stored turned, in ML Kit's `InputImage.fromBitmap(bitmap, rotationDegrees)`
 * vocabulary: [rotationDegrees] clockwise (0, 90, 180 or 270) turns it upright, then [mirrored]
 * flips it left to right (a front camera). With a [faceBox] in pixels of the *upright* picture (ML
 * Kit's `Face.boundingBox` for that `InputImage`), the face inside it; without, the whole upright
 * picture. The bitmap is read through the turn, never rotated into a copy.
 *
 * ```kotlin
 * val image = InputImage.fromBitmap(bitmap, rotationDegrees)
 * faceDetector.process(image).addOnSuccessListener { faces ->
 *     for (face in faces) println(glasses.classify(bitmap, rotationDegrees, face.boundingBox))
 * }
 * ```
 *
 * From Java: `GlassesBitmaps.classify(detector, bitmap, rotationDegrees, rect)`.
 */
@JvmOverloads
fun GlassesDetector.classify(bitmap: Bitmap, rotationDegrees: Int, faceBox: Rect? = null, mirrored: Boolean = false): GlassesResult =
    // In floats: an inverted Rect gives a negative size (refused natively), never an Int overflow.
    classifyBitmap(
        bitmap,
        rotationDegrees,
        mirrored,
        faceBox?.let { FaceBox.fromEdges(it.left.toFloat(), it.top.toFloat(), it.right.toFloat(), it.bottom.toFloat()) },
    )

/** [classify] of a turned [bitmap] with a [faceBox] in floats (pixels of the upright picture). */
@JvmOverloads
fun GlassesDetector.classify(bitmap: Bitmap, rotationDegrees: Int, faceBox: FaceBox, mirrored: Boolean = false): GlassesResult =
    classifyBitmap(bitmap, rotationDegrees, mirrored, faceBox)

private fun GlassesDetector.classifyBitmap(bitmap: Bitmap, rotationDegrees: Int, mirrored: Boolean, faceBox: FaceBox?): GlassesResult =
    withPixels(bitmap) { buffer, width, height, rowBytes, layout ->
        classify(buffer, width, height, rowBytes, layout, rotationDegrees, faceBox, mirrored)
    }

/**
 * Every face the built-in face detector finds in [bitmap], largest first, in pixels of the upright
 * picture ([rotationDegrees] clockwise, then [mirrored], as ML Kit's
 * `InputImage.fromBitmap(bitmap, rotationDegrees)` takes it). No face: an empty list.
 * From Java: `GlassesBitmaps.detectFaces(detector, bitmap, rotationDegrees)`.
 */
@JvmOverloads
fun GlassesDetector.detectFaces(bitmap: Bitmap, rotationDegrees: Int = 0, mirrored: Boolean = false): List<DetectedFace> =
    withPixels(bitmap) { buffer, width, height, rowBytes, layout ->
        detectFaces(buffer, width, height, rowBytes, layout, rotationDegrees, mirrored)
    }

/**
 * Every face in [bitmap] with the answer for each, largest first; see [detectFaces].
 *
 * ```kotlin
 * for ((face, result) in detector.classifyFaces(bitmap)) draw(face.boundingBox, result.eyewear)
 * ```
 */
@JvmOverloads
fun GlassesDetector.classifyFaces(bitmap: Bitmap, rotationDegrees: Int = 0, mirrored: Boolean = false): List<FaceResult> =
    withPixels(bitmap) { buffer, width, height, rowBytes, layout ->
        classifyFaces(buffer, width, height, rowBytes, layout, rotationDegrees, mirrored)
    }

/** Hands [use] the bitmap's `ARGB_8888` pixels in a direct buffer (converting other configs first). */
private inline fun <T> withPixels(bitmap: Bitmap, use: (ByteBuffer, Int, Int, Int, PixelLayout) -> T): T {
    require(!bitmap.isRecycled) { "bitmap is recycled" }
    val argb = if (bitmap.config == Bitmap.Config.ARGB_8888) {
        bitmap
    } else {
        bitmap.copy(Bitmap.Config.ARGB_8888, false)
            ?: throw GlassesException(ErrorKind.INVALID_PIXEL_BUFFER, "cannot convert a ${bitmap.config} bitmap to ARGB_8888")
    }
    try {
        val rowBytes = argb.rowBytes
        val buffer = ByteBuffer.allocateDirect(rowBytes * argb.height)
        argb.copyPixelsToBuffer(buffer)
        buffer.rewind()
        return use(buffer, argb.width, argb.height, rowBytes, argb8888Layout)
    } finally {
        if (argb !== bitmap) argb.recycle()
    }
}

/**
 * Byte order of `ARGB_8888` pixels in memory: RGBA on Android devices (Skia's N32 there), but
 * BGRA where the graphics runtime uses desktop Skia (Robolectric's native graphics on a PC).
 * Found once, from a 1x1 bitmap, so the adapter is right on both.
 */
private val argb8888Layout: PixelLayout by lazy {
    val probe = Bitmap.createBitmap(1, 1, Bitmap.Config.ARGB_8888)
    try {
        probe.setPixel(0, 0, 0xff112233.toInt())
        val bytes = ByteBuffer.allocate(4)
        probe.copyPixelsToBuffer(bytes)
        if (bytes.get(0) == 0x33.toByte() && bytes.get(2) == 0x11.toByte()) PixelLayout.BGRA_8888 else PixelLayout.RGBA_8888
    } finally {
        probe.recycle()
    }
}
