package dev.glasses

import android.graphics.ImageFormat
import android.graphics.Rect
import android.media.Image
import org.junit.Assert.assertEquals
import org.junit.Assert.assertThrows
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import java.nio.ByteBuffer

/**
 * `GlassesDetector.classify(image: android.media.Image, rotationDegrees, rect)` (src/android) on
 * an `Image` whose planes describe an NV21 frame as cameras hand it over: the extension must pass
 * the planes' buffers and strides, the size, rotation and box through to `classifyYuv` unchanged.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [33])
// The same sandbox (class loader) as BitmapRobolectricTest: the native library can belong to one
// class loader per JVM.
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class ImageRobolectricTest : RobolectricFixtureModelTest() {
    private class FakePlane(private val buffer: ByteBuffer, private val rowStride: Int, private val pixelStride: Int) : Image.Plane() {
        override fun getRowStride() = rowStride
        override fun getPixelStride() = pixelStride
        override fun getBuffer(): ByteBuffer = buffer

        // Robolectric's instrumented android-all jar makes every class carry shadow data.
        @Suppress("FunctionName")
        override fun `$$robo$getData`(): Any? = null
    }

    private class FakeImage(private val format: Int, private val w: Int, private val h: Int, private val planes: Array<Image.Plane>) : Image() {
        override fun getFormat() = format
        override fun getWidth() = w
        override fun getHeight() = h
        override fun getTimestamp() = 0L
        override fun getPlanes(): Array<Image.Plane> = planes
        override fun close() {}
        override fun getTransform() = 0
        override fun getScalingMode() = 0

        @Suppress("FunctionName")
        override fun `$$robo$getData`(): Any? = null
    }

    private val width = 96
    private val height = 64

    /** A deterministic NV21 frame: Y plane with padded rows, V/U interleaved. */
    private fun planes(): YuvPlanes {
        val yStride = width + 16
        val y = ByteBuffer.allocateDirect(yStride * height)
        for (i in 0 until y.capacity()) y.put(i, ((i * 7 + (i / yStride) * 13) and 0xff).toByte())
        val uvStride = width
        val vu = ByteBuffer.allocateDirect(uvStride * height / 2)
        for (i in 0 until vu.capacity()) vu.put(i, (100 + (i * 5) % 56).toByte())
        val u = vu.duplicate().also { it.position(1) }.slice()
        return YuvPlanes(y, yStride, u, vu.duplicate(), uvStride, 2, width, height)
    }

    private fun imageOf(p: YuvPlanes, format: Int = ImageFormat.YUV_420_888) = FakeImage(
        format, p.width, p.height,
        arrayOf(FakePlane(p.y, p.yRowStride, 1), FakePlane(p.u, p.uvRowStride, p.uvPixelStride), FakePlane(p.v, p.uvRowStride, p.uvPixelStride)),
    )

    @Test
    fun imagePlanesReachClassifyYuv() {
        val p = planes()
        val image = imageOf(p)
        assertEquals(detector.classifyYuv(p).probability, detector.classify(image, 0).probability, 0f)
        assertEquals(detector.classifyYuv(p, 90).probability, detector.classify(image, 90).probability, 0f)
        val box = Rect(10, 20, 50, 70) // in the upright (rotated, 64x96) frame
        assertEquals(
            detector.classifyYuv(p, 270, false, FaceBox(10f, 20f, 40f, 50f)).probability,
            detector.classify(image, 270, box).probability,
            0f,
        )
    }

    @Test
    fun otherFormatsAndBadRectsAreRefused() {
        val p = planes()
        val jpeg = assertThrows(GlassesException::class.java) { detector.classify(imageOf(p, ImageFormat.JPEG), 0) }
        assertEquals(ErrorKind.INVALID_PIXEL_BUFFER, jpeg.kind)
        val inverted = assertThrows(GlassesException::class.java) { detector.classify(imageOf(p), 0, Rect(50, 50, 10, 10)) }
        assertEquals(ErrorKind.INVALID_REGION, inverted.kind)
        val rotation = assertThrows(GlassesException::class.java) { detector.classify(imageOf(p), 45) }
        assertEquals(ErrorKind.INVALID_PIXEL_BUFFER, rotation.kind)
    }
}
