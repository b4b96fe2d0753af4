package dev.glasses

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.MethodSource
import java.nio.ByteBuffer
import java.nio.ByteOrder
import kotlin.math.abs

/** Every input path through JNI gives the probabilities glasses_core computed directly. */
class ParityTest : FixtureModelTest() {
    fun cases() = Fixtures.cases

    private fun assertMatches(case: FixtureCase, result: GlassesResult, path: String) {
        val diff = abs(result.probability - case.probability)
        assertTrue(
            diff <= Fixtures.tolerance,
            "$case via $path: JNI gives ${result.probability}, glasses_core ${case.probability} (|diff| = $diff)",
        )
        if (abs(case.probability - Fixtures.threshold) > Fixtures.tolerance) {
            assertEquals(case.hasGlasses, result.hasGlasses, "$case via $path: hasGlasses")
        }
        assertTwoClass(result, "$case via $path")
    }

    /**
     * The fixture model has two classes (no eyeglasses, eyeglasses): no P(sunglasses) (null, never
     * a made-up zero), P(none) = 1 - P(eyeglasses), and the kind follows the decision.
     */
    private fun assertTwoClass(result: GlassesResult, what: String) {
        assertNull(result.probabilitySunglasses, "$what: probabilitySunglasses of a two-class model")
        assertEquals(1f, result.probabilityNone + result.probability, 1e-5f, "$what: P(none) + P(eyeglasses)")
        assertEquals(result.probability, result.probabilityEyeglasses, "$what: probabilityEyeglasses")
        assertEquals(if (result.hasGlasses) Eyewear.EYEGLASSES else Eyewear.NONE, result.eyewear, "$what: eyewear")
    }

    @Test
    fun fixturesAreNotDegenerate() {
        assertTrue(Fixtures.cases.size >= 5, "expected at least 5 fixture images")
        for (case in Fixtures.cases) assertTrue(case.probability in 0f..1f, "$case: ${case.probability}")
        assertEquals(Fixtures.threshold, detector.threshold)
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    fun encodedBytes(case: FixtureCase) {
        assertMatches(case, detector.classify(case.bytes), "encoded bytes")
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    fun argbIntPixels(case: FixtureCase) {
        assertEquals(case.width * case.height, case.argb.size)
        assertMatches(case, detector.classify(case.argb, case.width, case.height), "IntArray")
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    fun argbIntPixelsWithRowPadding(case: FixtureCase) {
        val stride = case.width + 7
        val padded = padRows(case.argb, case.width, case.height, stride)
        assertMatches(case, detector.classify(padded, case.width, case.height, stride), "IntArray, stride $stride")
    }

    /** What `Bitmap.copyPixelsToBuffer` produces for ARGB_8888: RGBA bytes, rows rowBytes apart. */
    private fun rgbaBuffer(case: FixtureCase, rowBytes: Int, direct: Boolean, bgra: Boolean = false): ByteBuffer {
        val buffer = if (direct) ByteBuffer.allocateDirect(rowBytes * case.height) else ByteBuffer.allocate(rowBytes * case.height)
        for (y in 0 until case.height) {
            buffer.position(y * rowBytes)
            for (x in 0 until case.width) {
                val p = case.argb[y * case.width + x]
                val (r, g, b) = Triple((p shr 16) and 0xff, (p shr 8) and 0xff, p and 0xff)
                if (bgra) buffer.put(b.toByte()).put(g.toByte()).put(r.toByte()) else buffer.put(r.toByte()).put(g.toByte()).put(b.toByte())
                buffer.put((p ushr 24).toByte())
            }
        }
        buffer.rewind()
        return buffer
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    fun directRgbaBuffer(case: FixtureCase) {
        val rowBytes = case.width * 4
        assertMatches(case, detector.classify(rgbaBuffer(case, rowBytes, direct = true), case.width, case.height, rowBytes), "direct RGBA")
        val padded = rowBytes + 12
        assertMatches(
            case,
            detector.classify(rgbaBuffer(case, padded, direct = true), case.width, case.height, padded, PixelLayout.RGBA_8888),
            "direct RGBA, rowBytes $padded",
        )
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    fun otherBufferShapes(case: FixtureCase) {
        val rowBytes = case.width * 4
        assertMatches(case, detector.classify(rgbaBuffer(case, rowBytes, direct = false), case.width, case.height, rowBytes), "heap RGBA")
        assertMatches(
            case,
            detector.classify(rgbaBuffer(case, rowBytes, direct = true, bgra = true), case.width, case.height, rowBytes, PixelLayout.BGRA_8888),
            "direct BGRA",
        )
        // A buffer whose position is not 0: the pixels start at the position.
        val prefix = 5
        val source = rgbaBuffer(case, rowBytes, direct = true)
        val shifted = ByteBuffer.allocateDirect(prefix + source.capacity()).order(ByteOrder.LITTLE_ENDIAN)
        shifted.put(ByteArray(prefix) { 99 }).put(source)
        shifted.position(prefix)
        assertMatches(case, detector.classify(shifted, case.width, case.height, rowBytes), "direct RGBA at position $prefix")
        assertEquals(prefix, shifted.position(), "classify leaves the buffer's position alone")
    }

    @Test
    fun thresholdDecidesHasGlasses() {
        val case = Fixtures.cases.first()
        GlassesDetector(Fixtures.model, 0f).use { always ->
            assertEquals(0f, always.threshold)
            val r = always.classify(case.bytes)
            assertTrue(r.hasGlasses)
            assertEquals(Eyewear.EYEGLASSES, r.eyewear, "the kind follows the threshold")
            assertTwoClass(r, "threshold 0")
        }
        GlassesDetector(Fixtures.model, 1f).use { never ->
            val r = never.classify(case.bytes)
            assertEquals(r.probability >= 1f, r.hasGlasses)
            assertTwoClass(r, "threshold 1")
        }
    }

    @Test
    fun bundledModelLoadsAndClassifies() {
        GlassesDetector().use { bundled ->
            // No threshold given: the bundled file's own (golden.json records it).
            val own = bundled.modelInfo().modelDefaultThreshold
            assertNotNull(own, "the bundled file carries its threshold")
            assertEquals(own, bundled.threshold)
            Golden.loadOrSkip().let { assertEquals(it.json.getDouble("threshold").toFloat(), own, "golden.json's threshold") }
            for (case in Fixtures.cases) {
                val r = bundled.classify(case.bytes)
                assertTrue(r.probability in 0f..1f, "$case: ${r.probability}")
                assertEquals(r.probability >= own!!, r.hasGlasses)
                val viaPixels = bundled.classify(case.argb, case.width, case.height)
                assertTrue(abs(r.probability - viaPixels.probability) <= 1e-4f, "$case: encoded vs pixels with the bundled model")
                // The bundled model has three classes: P(sunglasses) is there and the three sum to 1.
                val sunglasses = r.probabilitySunglasses
                assertNotNull(sunglasses, "$case: bundled model's P(sunglasses)")
                assertEquals(1f, r.probabilityNone + r.probability + sunglasses!!, 1e-4f, "$case: probabilities sum")
            }
        }
        GlassesDetector(0.25f).use { assertEquals(0.25f, it.threshold) }
    }
}
