package dev.glasses

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.function.Executable
import java.nio.ByteBuffer
import kotlin.random.Random

/** Bad inputs become GlassesException with a kind and a reason; the detector stays usable. */
class ErrorsTest : FixtureModelTest() {
    private fun expect(kind: ErrorKind, reasonContains: String? = null, call: () -> Unit): GlassesException {
        val e = assertThrows(GlassesException::class.java, Executable { call() })
        assertEquals(kind, e.kind, "kind of: ${e.message}")
        assertEquals(kind.code, e.code)
        assertTrue(e.reason.isNotBlank(), "reason is empty")
        if (reasonContains != null) assertTrue(e.reason.contains(reasonContains), "reason '${e.reason}' lacks '$reasonContains'")
        return e
    }

    @Test
    fun corruptEncodedImages() {
        expect(ErrorKind.INVALID_IMAGE, "empty") { detector.classify(ByteArray(0)) }
        expect(ErrorKind.INVALID_IMAGE) { detector.classify(Random(1).nextBytes(1000)) }
        val png = Fixtures.cases.first().bytes
        expect(ErrorKind.INVALID_IMAGE) { detector.classify(png.copyOf(png.size / 2)) }
        // Still works afterwards.
        detector.classify(png)
    }

    @Test
    fun truncatedJpegIsItsOwnKind() {
        // Issue 13: a JPEG cut before its end marker was classified without a word.
        val image = java.awt.image.BufferedImage(178, 218, java.awt.image.BufferedImage.TYPE_INT_RGB)
        for (y in 0 until 218) for (x in 0 until 178) image.setRGB(x, y, (x * 1439 + y * 7919) and 0xffffff)
        val out = java.io.ByteArrayOutputStream()
        assertTrue(javax.imageio.ImageIO.write(image, "jpg", out), "no JPEG writer")
        val jpeg = out.toByteArray()
        detector.classify(jpeg)
        expect(ErrorKind.TRUNCATED_IMAGE, "truncated") { detector.classify(jpeg.copyOf(jpeg.size * 6 / 10)) }
        assertEquals(ErrorKind.OUT_OF_MEMORY, ErrorKind.fromCode(14))
    }

    @Test
    fun badModelBytes() {
        expect(ErrorKind.INVALID_MODEL) { GlassesDetector(ByteArray(0)) }
        expect(ErrorKind.INVALID_MODEL) { GlassesDetector(Random(2).nextBytes(4096)) }
        val truncated = Fixtures.model.copyOf(Fixtures.model.size / 3)
        val e = assertThrows(GlassesException::class.java) { GlassesDetector(truncated) }
        assertTrue(e.kind == ErrorKind.INVALID_MODEL || e.kind == ErrorKind.CONTRACT_VIOLATION, "truncated model: ${e.message}")
    }

    @Test
    fun optionsOutOfRangeAreInvalidArguments() {
        // One meaning on every surface: an option out of range is INVALID_ARGUMENT (C's status 2).
        expect(ErrorKind.INVALID_ARGUMENT, "threshold") { GlassesDetector(Fixtures.model, 1.5f) }
        expect(ErrorKind.INVALID_ARGUMENT) { GlassesDetector(Fixtures.model, -0.1f) }
        expect(ErrorKind.INVALID_ARGUMENT) { GlassesDetector(Fixtures.model, Float.NaN) }
        expect(ErrorKind.INVALID_ARGUMENT) { GlassesDetector(2f) }
        expect(ErrorKind.INVALID_ARGUMENT, "max_pixels") { GlassesDetector(Fixtures.model, GlassesOptions(maxPixels = 0)) }
        expect(ErrorKind.INVALID_ARGUMENT, "maxPixels -1 is negative") { GlassesDetector(Fixtures.model, GlassesOptions(maxPixels = -1)) }
        expect(ErrorKind.INVALID_ARGUMENT, "file size") { GlassesDetector(GlassesOptions(maxFileBytes = 0)) }
        expect(ErrorKind.INVALID_ARGUMENT, "maxFileBytes") { GlassesDetector(GlassesOptions(maxFileBytes = Long.MIN_VALUE)) }
        assertEquals(2, ErrorKind.INVALID_ARGUMENT.code)
    }

    @Test
    fun wrongIntPixelSizes() {
        val pixels = IntArray(16)
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(pixels, 5, 4) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(pixels, 0, 4) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(pixels, 4, 0) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER, "negative") { detector.classify(pixels, -4, 4) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER, "negative") { detector.classify(pixels, 4, -4) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(pixels, 4, 4, 3) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(pixels, 4, 4, -1) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(pixels, Int.MAX_VALUE, Int.MAX_VALUE) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(IntArray(0), 1, 1) }
        detector.classify(pixels, 4, 4)
    }

    @Test
    fun wrongBufferSizes() {
        val small = ByteBuffer.allocateDirect(10)
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(small, 4, 4, 16) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(ByteBuffer.allocateDirect(64), 4, 4, 15) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(ByteBuffer.allocateDirect(64), 4, -4, 16) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(ByteBuffer.allocateDirect(0), 1, 1, 4) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(ByteBuffer.allocateDirect(64), Int.MAX_VALUE, Int.MAX_VALUE, Int.MAX_VALUE) }
        // The pixels must fit between the position and the limit.
        val limited = ByteBuffer.allocateDirect(64).also { it.position(8) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(limited, 4, 4, 16) }
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(ByteBuffer.allocate(10), 4, 4, 16) }
        // Gray and RGB layouts check their own sizes.
        detector.classify(ByteBuffer.allocateDirect(16), 4, 4, 4, PixelLayout.GRAY_8)
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(ByteBuffer.allocateDirect(16), 4, 4, 12, PixelLayout.RGB_888) }
    }

    /** Issue 15: face boxes that are not numbers, empty, negative or wholly outside the picture. */
    @Test
    fun invalidFaceBoxesAreTheirOwnKind() {
        val case = Fixtures.cases.first { it.name.startsWith("rings") } // 160 x 200
        val (w, h) = case.width to case.height
        val rgba = ByteBuffer.allocateDirect(w * h * 4)
        val nan = Float.NaN
        val inf = Float.POSITIVE_INFINITY
        val bad = listOf(
            FaceBox(nan, 10f, 50f, 50f) to "not a finite number",
            FaceBox(10f, nan, 50f, 50f) to "not a finite number",
            FaceBox(10f, 10f, nan, 50f) to "not a finite number",
            FaceBox(10f, 10f, 50f, nan) to "not a finite number",
            FaceBox(-inf, 10f, 50f, 50f) to "not a finite number",
            FaceBox(10f, 10f, inf, 50f) to "not a finite number",
            FaceBox(10f, 10f, 0f, 50f) to "empty",
            FaceBox(10f, 10f, 50f, 0f) to "empty",
            FaceBox(10f, 10f, -50f, 50f) to "negative",
            FaceBox(10f, 10f, 50f, -1f) to "negative",
            FaceBox(w.toFloat(), 10f, 50f, 50f) to "wholly outside",
            FaceBox(10f, h.toFloat() + 5f, 50f, 50f) to "wholly outside",
            FaceBox(-50f, 10f, 50f, 50f) to "wholly outside",
            FaceBox(-1e9f, -1e9f, 100f, 100f) to "wholly outside",
            // Overlaps the picture, but its framing is far beyond the pixel limit.
            FaceBox(0f, 0f, Float.MAX_VALUE, Float.MAX_VALUE) to "exceeds the limit",
        )
        for ((box, reason) in bad) {
            for ((path, call) in listOf<Pair<String, () -> Unit>>(
                "encoded" to { detector.classify(case.bytes, box) },
                "IntArray" to { detector.classify(case.argb, w, h, box) },
                "IntArray stride" to { detector.classify(padRows(case.argb, w, h, w + 2), w, h, w + 2, box) },
                "direct RGBA" to { detector.classify(rgba, w, h, w * 4, box) },
                "heap GRAY" to { detector.classify(ByteBuffer.allocate(w * h), w, h, w, PixelLayout.GRAY_8, box) },
            )) {
                val e = assertThrows(GlassesException::class.java, Executable { call() }, "$box via $path")
                assertEquals(ErrorKind.INVALID_REGION, e.kind, "$box via $path: ${e.message}")
                assertEquals(17, e.code)
                assertTrue(e.reason.contains("face region") && e.reason.contains(reason), "$box via $path: reason '${e.reason}' lacks '$reason'")
                assertTrue(e.message!!.startsWith("INVALID_REGION: "), e.message)
            }
        }
        // Pixel sizes are checked before the box; the detector still works afterwards.
        expect(ErrorKind.INVALID_PIXEL_BUFFER) { detector.classify(IntArray(4), 5, 4, FaceBox(0f, 0f, 1f, 1f)) }
        expect(ErrorKind.INVALID_IMAGE) { detector.classify(ByteArray(0), FaceBox(0f, 0f, 1f, 1f)) }
        assertEquals(ErrorKind.INVALID_REGION, ErrorKind.fromCode(17))
        detector.classify(case.bytes, FaceBox(40f, 50f, 80f, 90f))
        detector.classify(case.bytes, FaceBox(-30f, -30f, 31f, 31f)) // one pixel of overlap is enough
    }

    /** What a Java caller (no Kotlin null checks) could hand the native methods. */
    @Test
    fun nullsAndBadArgumentsReachingNativeCode() {
        val handle = handleOf(detector)
        // The request every classify entry ends with, without and with a box.
        val none = NativeRequest.of(0, false, null, 0, 0)
        val box = NativeRequest.of(0, false, FaceBox(0f, 0f, 1f, 1f), 0, 0)
        for (r in listOf(none, box)) {
            expect(ErrorKind.INVALID_ARGUMENT, "null") { GlassesNative.nativeClassifyEncoded(handle, null, r) }
            expect(ErrorKind.INVALID_ARGUMENT, "null") { GlassesNative.nativeClassifyArgb(handle, null, 1, 1, 1, r) }
            expect(ErrorKind.INVALID_ARGUMENT, "null") { GlassesNative.nativeClassifyBuffer(handle, null, 1, 1, 4, 0, r) }
            expect(ErrorKind.INVALID_ARGUMENT, "null") { GlassesNative.nativeClassifyPath(handle, null, r) }
            expect(ErrorKind.INVALID_ARGUMENT, "direct") {
                GlassesNative.nativeClassifyBuffer(handle, ByteBuffer.allocate(64), 4, 4, 16, 0, r)
            }
            for (layout in listOf(42, -1)) {
                expect(ErrorKind.INVALID_ARGUMENT, "pixel format $layout") {
                    GlassesNative.nativeClassifyBuffer(handle, ByteBuffer.allocateDirect(64), 4, 4, 16, layout, r)
                }
            }
        }
        // The request array itself: null, the wrong length, unknown flags.
        expect(ErrorKind.INVALID_ARGUMENT, "request is null") { GlassesNative.nativeClassifyArgb(handle, IntArray(4), 2, 2, 2, null) }
        expect(ErrorKind.INVALID_ARGUMENT, "7 ints") { GlassesNative.nativeClassifyArgb(handle, IntArray(4), 2, 2, 2, none.copyOf(7)) }
        val flags = none.copyOf().also { it[1] = 4 }
        expect(ErrorKind.INVALID_ARGUMENT, "flags 4") { GlassesNative.nativeClassifyArgb(handle, IntArray(4), 2, 2, 2, flags) }
        // The loader checks its limits natively too (a null model is the bundled one).
        expect(ErrorKind.INVALID_ARGUMENT, "maxPixels -1 is negative") { GlassesNative.nativeLoad(null, 0.5f, -1L, 1L, 1, 320, 240, 0.6f, 0.3f, 0f) }
        expect(ErrorKind.INVALID_ARGUMENT, "threads -1 is outside 0 to 8") { GlassesNative.nativeLoad(null, 0.5f, 1L, 1L, -1, 320, 240, 0.6f, 0.3f, 0f) }
        // A rotation that is no quarter turn, from any entry.
        for (rotation in listOf(45, -90, 360, Int.MIN_VALUE)) {
            expect(ErrorKind.INVALID_PIXEL_BUFFER, "rotation of $rotation") {
                GlassesNative.nativeClassifyArgb(handle, IntArray(4), 2, 2, 2, NativeRequest.of(rotation, false, null, 0, 0))
            }
        }
        for (bogus in listOf(0L, -1L, Long.MAX_VALUE, 123456789L)) {
            assertThrows(IllegalStateException::class.java) {
                GlassesNative.nativeClassifyEncoded(bogus, ByteArray(1), none)
            }
            assertThrows(IllegalStateException::class.java) {
                GlassesNative.nativeClassifyEncoded(bogus, ByteArray(1), NativeRequest.of(90, true, FaceBox(0f, 0f, 1f, 1f), 0, 0))
            }
            assertThrows(IllegalStateException::class.java) {
                GlassesNative.nativeClassifyArgb(bogus, IntArray(1), 1, 1, 1, box)
            }
            assertThrows(IllegalStateException::class.java) {
                GlassesNative.nativeClassifyBuffer(bogus, ByteBuffer.allocateDirect(4), 1, 1, 4, 0, box)
            }
            assertThrows(IllegalStateException::class.java) { GlassesNative.nativeThreshold(bogus) }
            // The face mode and the task are checked natively too.
            expect(ErrorKind.INVALID_ARGUMENT, "unknown face mode 7") {
                GlassesNative.nativeClassifyArgb(handle, IntArray(4), 2, 2, 2, NativeRequest.of(0, false, null, 7, 0))
            }
            expect(ErrorKind.INVALID_ARGUMENT, "unknown native task 3") {
                GlassesNative.nativeClassifyArgb(handle, IntArray(4), 2, 2, 2, NativeRequest.of(0, false, null, 0, 3))
            }
            assertEquals(false, GlassesNative.nativeFree(bogus))
        }
    }

    @Test
    fun nativePanicBecomesAnExceptionAndTheJvmLives() {
        repeat(3) {
            val e = expect(ErrorKind.INTERNAL, "panic") { NativeTestHooks.panic() }
            assertTrue(e.message!!.contains("test panic requested"), e.message)
        }
        // The library and the detector still work.
        val case = Fixtures.cases.first()
        assertEquals(case.probability, detector.classify(case.bytes).probability, Fixtures.tolerance)
    }

    @Test
    fun exceptionKindsRoundTrip() {
        for (kind in ErrorKind.entries) assertEquals(kind, ErrorKind.fromCode(kind.code))
        assertEquals(ErrorKind.INTERNAL, ErrorKind.fromCode(999))
        val e = GlassesException(3, "x")
        assertEquals(ErrorKind.INVALID_IMAGE, e.kind)
        assertEquals("INVALID_IMAGE: x", e.message)
        // C's NULL_ARGUMENT and PANIC have no Kotlin kind: the native code never sends them.
        assertEquals(ErrorKind.INTERNAL, ErrorKind.fromCode(1))
        assertEquals(ErrorKind.INTERNAL, ErrorKind.fromCode(10))
    }
}

/** The native handle of [detector], read reflectively (tests only). */
fun handleOf(detector: GlassesDetector): Long {
    val field = GlassesDetector::class.java.getDeclaredField("handle").also { it.isAccessible = true }
    return (field.get(detector) as java.util.concurrent.atomic.AtomicLong).get()
}
