package dev.glasses

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.io.ByteArrayInputStream
import java.io.File
import java.nio.ByteBuffer
import javax.imageio.ImageIO
import kotlin.math.abs
import kotlin.math.roundToInt

/**
 * `classifyYuv`: camera frames (NV21 and I420, stored rotated by 0/90/180/270 and mirrored) of
 * the face pictures in tests/fixtures/faces, built here with the plain BT.601 reference of
 * core/tests/integration/yuv.rs (`to_yuv`), must classify like the upright picture's ARGB pixels within 0.05
 * with the bundled model (mirrored ones exactly like the upright frame of the mirror image);
 * NV21 and I420 of the same samples exactly alike; impossible geometry is
 * INVALID_PIXEL_BUFFER, heap and null planes INVALID_ARGUMENT.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class YuvTest {
    private lateinit var detector: GlassesDetector

    @BeforeAll
    fun open() {
        detector = GlassesDetector()
    }

    @AfterAll
    fun close() = detector.close()

    /** An upright picture as `0xAARRGGBB` ints. */
    class Picture(val argb: IntArray, val width: Int, val height: Int)

    private fun picture(name: String): Picture {
        val bytes = File(Fixtures.repoRoot, "tests/fixtures/faces/$name").readBytes()
        val image = ImageIO.read(ByteArrayInputStream(bytes))
        return Picture(decodeArgb(bytes), image.width, image.height)
    }

    /** The stored (sensor) picture whose upright view, turned by [rotation] then [mirrored], is [p]; as core's `Orientation::source`. */
    private fun stored(p: Picture, rotation: Int, mirrored: Boolean): Picture {
        val (w, h) = if (rotation % 180 == 90) p.height to p.width else p.width to p.height
        val out = IntArray(w * h)
        for (uy in 0 until p.height) {
            for (ux in 0 until p.width) {
                val mx = if (mirrored) p.width - 1 - ux else ux
                val (sx, sy) = when (rotation) {
                    90 -> uy to h - 1 - mx
                    180 -> w - 1 - mx to h - 1 - uy
                    270 -> w - 1 - uy to mx
                    else -> mx to uy
                }
                out[sy * w + sx] = p.argb[uy * p.width + ux]
            }
        }
        return Picture(out, w, h)
    }

    /** Full-range BT.601 samples: Y per pixel, U and V from the mean of each 2x2 block (core/tests/integration/yuv.rs `to_yuv`). */
    class Samples(val y: ByteArray, val u: ByteArray, val v: ByteArray, val width: Int, val height: Int)

    private fun toYuv(p: Picture): Samples {
        fun rgb(x: Int, y: Int): FloatArray {
            val c = p.argb[y * p.width + x]
            return floatArrayOf(((c shr 16) and 0xff).toFloat(), ((c shr 8) and 0xff).toFloat(), (c and 0xff).toFloat())
        }
        fun luma(c: FloatArray) = 0.299f * c[0] + 0.587f * c[1] + 0.114f * c[2]
        val y = ByteArray(p.width * p.height) { i -> luma(rgb(i % p.width, i / p.width)).roundToInt().toByte() }
        val cw = p.width / 2
        val ch = p.height / 2
        val u = ByteArray(cw * ch)
        val v = ByteArray(cw * ch)
        for (cy in 0 until ch) {
            for (cx in 0 until cw) {
                val sum = FloatArray(3)
                for ((dx, dy) in listOf(0 to 0, 1 to 0, 0 to 1, 1 to 1)) {
                    val c = rgb(2 * cx + dx, 2 * cy + dy)
                    for (k in 0 until 3) sum[k] += c[k] / 4f
                }
                val l = luma(sum)
                u[cy * cw + cx] = ((sum[2] - l) / 1.772f + 128f).roundToInt().coerceIn(0, 255).toByte()
                v[cy * cw + cx] = ((sum[0] - l) / 1.402f + 128f).roundToInt().coerceIn(0, 255).toByte()
            }
        }
        return Samples(y, u, v, p.width, p.height)
    }

    /** [rows] of [width] bytes copied [stride] bytes apart into a direct buffer, from position [offset] (junk before and between). */
    private fun directRows(src: ByteArray, width: Int, rows: Int, stride: Int, offset: Int = 0): ByteBuffer {
        val buffer = ByteBuffer.allocateDirect(offset + stride * rows)
        for (i in 0 until buffer.capacity()) buffer.put(i, 0x5a)
        for (r in 0 until rows) for (x in 0 until width) buffer.put(offset + r * stride + x, src[r * width + x])
        buffer.position(offset)
        return buffer
    }

    /** Planar I420 in three direct buffers, rows padded; the Y plane starts at a non-zero position. */
    private fun i420(s: Samples): YuvPlanes {
        val yStride = s.width + 8
        val cStride = s.width / 2 + 4
        return YuvPlanes(
            y = directRows(s.y, s.width, s.height, yStride, offset = 3),
            yRowStride = yStride,
            u = directRows(s.u, s.width / 2, s.height / 2, cStride),
            v = directRows(s.v, s.width / 2, s.height / 2, cStride),
            uvRowStride = cStride,
            uvPixelStride = 1,
            width = s.width,
            height = s.height,
        )
    }

    /** NV21 as Android hands it over: one interleaved VU plane; `v` is that plane, `u` the same memory one byte on. */
    private fun nv21(s: Samples): YuvPlanes {
        val cw = s.width / 2
        val uvStride = s.width + 2
        val vu = ByteBuffer.allocateDirect(uvStride * (s.height / 2))
        for (cy in 0 until s.height / 2) {
            for (cx in 0 until cw) {
                vu.put(cy * uvStride + 2 * cx, s.v[cy * cw + cx])
                vu.put(cy * uvStride + 2 * cx + 1, s.u[cy * cw + cx])
            }
        }
        val v = vu.duplicate()
        val u = vu.duplicate().also { it.position(1) }.slice()
        return YuvPlanes(
            y = directRows(s.y, s.width, s.height, s.width),
            yRowStride = s.width,
            u = u,
            v = v,
            uvRowStride = uvStride,
            uvPixelStride = 2,
            width = s.width,
            height = s.height,
        )
    }

    private fun checkFrames(name: String, box: FaceBox?) {
        val upright = picture(name)
        val want = if (box == null) {
            detector.classify(upright.argb, upright.width, upright.height)
        } else {
            detector.classify(upright.argb, upright.width, upright.height, box)
        }
        val failures = mutableListOf<String>()
        for (mirrored in listOf(false, true)) {
            // Core turns the frame upright, then mirrors it: a mirrored frame shows the picture
            // mirrored, with the box in the mirrored view. Its reference is the upright frame of
            // the mirror image (the same samples, moved), which must give exactly the same answer;
            // only the unmirrored frames are compared with the ARGB pixels (YUV 4:2:0 loses
            // some colour: within 0.05).
            val viewBox = box?.let { b -> if (mirrored) FaceBox(upright.width - b.x - b.width, b.y, b.width, b.height) else b }
            val view = if (mirrored) stored(upright, 0, true) else upright
            val base = detector.classifyYuv(i420(toYuv(view)), 0, false, viewBox)
            if (!mirrored && abs(base.probability - want.probability) > 0.05f) {
                failures += "$name box $box: upright YUV ${base.probability}, ARGB ${want.probability}"
            }
            for (rotation in listOf(0, 90, 180, 270)) {
                // The frame as the sensor stores it: turned by `rotation` it shows `upright`.
                val samples = toYuv(stored(upright, rotation, false))
                val fromI420 = detector.classifyYuv(i420(samples), rotation, mirrored, viewBox)
                val fromNv21 = detector.classifyYuv(nv21(samples), rotation, mirrored, viewBox)
                val what = "$name rotation $rotation mirrored $mirrored box $box"
                if (fromI420.probability != fromNv21.probability || fromI420.probabilityNone != fromNv21.probabilityNone) {
                    failures += "$what: I420 ${fromI420.probability} != NV21 ${fromNv21.probability}"
                }
                if (abs(fromI420.probability - base.probability) > 1e-6f) {
                    failures += "$what: ${fromI420.probability}, the upright frame of the view ${base.probability}"
                }
                if (abs(fromI420.probability - want.probability) > 0.05f && !mirrored) {
                    failures += "$what: YUV ${fromI420.probability}, ARGB ${want.probability}"
                }
                println("YUV: $what: I420 ${fromI420.probability} NV21 ${fromNv21.probability} upright view ${base.probability} ARGB ${want.probability}")
            }
        }
        assertEquals(emptyList<String>(), failures)
    }

    @Test
    fun wholeFramesInEveryRotationMatchTheUprightPicture() {
        checkFrames("eyeglasses_square_160.png", null)
        checkFrames("none_landscape_240x150.jpg", null)
        checkFrames("eyeglasses_gray_120x150.png", null)
    }

    @Test
    fun faceBoxesAreInUprightPixels() {
        checkFrames("region_eyeglasses_640x400.png", FaceBox(416f, 161f, 107f, 107f))
        checkFrames("region_none_edge_480x360.png", FaceBox(-4f, 131f, 107f, 107f))
    }

    private fun expect(kind: ErrorKind, vararg words: String, call: () -> Unit) {
        val e = assertThrows(GlassesException::class.java) { call() }
        assertEquals(kind, e.kind, e.reason)
        for (w in words) assertTrue(e.reason.contains(w, ignoreCase = true), "'${e.reason}' lacks '$w'")
    }

    @Test
    fun impossibleGeometryIsInvalidPixelBuffer() {
        val s = toYuv(picture("eyeglasses_square_160.png"))
        val good = i420(s)
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classifyYuv(good.copy(width = 159)) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classifyYuv(good.copy(height = 0)) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER, "negative") { detector.classifyYuv(good.copy(width = -160)) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classifyYuv(good.copy(y = ByteBuffer.allocateDirect(100))) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classifyYuv(good.copy(v = ByteBuffer.allocateDirect(10))) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classifyYuv(good.copy(yRowStride = 159)) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classifyYuv(good.copy(uvRowStride = 79)) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classifyYuv(good.copy(uvPixelStride = 0)) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER, "rotation") { detector.classifyYuv(good, rotationDegrees = 45) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER, "rotation") { detector.classifyYuv(good, rotationDegrees = -90) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER, "rotation") { detector.classifyYuv(good, rotationDegrees = 360) }
        expect(ErrorKind.INVALID_REGION) { detector.classifyYuv(good, faceBox = FaceBox(0f, 0f, 0f, 10f)) }
        expect(ErrorKind.INVALID_REGION) { detector.classifyYuv(good, faceBox = FaceBox(1000f, 0f, 10f, 10f)) }
        expect(ErrorKind.INVALID_REGION) { detector.classifyYuv(good, faceBox = FaceBox(Float.NaN, 0f, 10f, 10f)) }
        // The detector is still usable.
        detector.classifyYuv(good)
    }

    @Test
    fun heapAndNullPlanesAreClearErrors() {
        val good = i420(toYuv(picture("eyeglasses_square_160.png")))
        val heap = ByteBuffer.allocate(good.y.capacity())
        expect(ErrorKind.INVALID_ARGUMENT, "y plane", "direct") { detector.classifyYuv(good.copy(y = heap)) }
        expect(ErrorKind.INVALID_ARGUMENT, "u plane", "direct") { detector.classifyYuv(good.copy(u = ByteBuffer.allocate(10))) }
        // Straight to the native method, as a Java caller could: null and heap planes.
        val handle = GlassesNative.nativeLoad(null, 0.5f, GlassesOptions.DEFAULT_MAX_PIXELS, GlassesOptions.DEFAULT_MAX_FILE_BYTES, 1, 320, 240, 0.6f, 0.3f, 0f)
        try {
            val g = good
            expect(ErrorKind.INVALID_ARGUMENT, "y plane is null") {
                GlassesNative.nativeClassifyYuv(handle, null, g.yRowStride, g.u, g.v, g.uvRowStride, 1, 160, 160, true, NativeRequest.of(0, false, null, 0, 0))
            }
            expect(ErrorKind.INVALID_ARGUMENT, "v plane is not a direct") {
                GlassesNative.nativeClassifyYuv(handle, g.y.slice(), g.yRowStride, g.u, ByteBuffer.allocate(6400), g.uvRowStride, 1, 160, 160, true, NativeRequest.of(0, false, null, 0, 0))
            }
        } finally {
            GlassesNative.nativeFree(handle)
        }
        val closed = GlassesDetector()
        closed.close()
        assertThrows(IllegalStateException::class.java) { closed.classifyYuv(good) }
    }

    @Test
    fun limitedRangeDiffersFromFullRange() {
        val good = i420(toYuv(picture("eyeglasses_square_160.png")))
        val full = detector.classifyYuv(good)
        val limited = detector.classifyYuv(good.copy(fullRange = false))
        assertTrue(full.probability != limited.probability, "range ignored: $full $limited")
    }
}
