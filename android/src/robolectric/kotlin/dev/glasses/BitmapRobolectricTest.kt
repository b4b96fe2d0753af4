package dev.glasses

import android.graphics.Bitmap
import org.junit.AfterClass
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.BeforeClass
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import kotlin.math.abs

/**
 * `GlassesDetector.classify(bitmap)` (src/android/kotlin) on Robolectric's Android runtime with
 * native graphics (real Skia bitmaps), against the probabilities glasses_core computed.
 * Runs only with `mvn -Probolectric test`, in its own JVM (the native library can belong to one
 * class loader per JVM, and Robolectric loads these classes in its sandbox).
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [33])
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class BitmapRobolectricTest {
    companion object {
        private lateinit var detector: GlassesDetector

        @JvmStatic
        @BeforeClass
        fun load() {
            detector = GlassesDetector(Fixtures.model)
        }

        @JvmStatic
        @AfterClass
        fun free() = detector.close()
    }

    /** Opaque fixtures: premultiplied alpha would change the colours of the translucent one. */
    private val opaque get() = Fixtures.cases.filter { c -> c.argb.all { it ushr 24 == 0xff } }

    private fun bitmapOf(case: FixtureCase, config: Bitmap.Config = Bitmap.Config.ARGB_8888): Bitmap {
        val argb = Bitmap.createBitmap(case.width, case.height, Bitmap.Config.ARGB_8888)
        argb.setPixels(case.argb, 0, case.width, 0, 0, case.width, case.height)
        return if (config == Bitmap.Config.ARGB_8888) argb else argb.copy(config, false)
    }

    @Test
    fun argb8888BitmapsMatchCore() {
        assertTrue(opaque.size >= 4)
        for (case in opaque) {
            val bitmap = bitmapOf(case)
            val result = detector.classify(bitmap)
            assertTrue(
                "${case.name}: bitmap ${result.probability} vs core ${case.probability}",
                abs(result.probability - case.probability) <= Fixtures.tolerance,
            )
            // The same bitmap through getPixels and the IntArray path.
            val ints = IntArray(case.width * case.height)
            bitmap.getPixels(ints, 0, case.width, 0, 0, case.width, case.height)
            assertEquals(result.probability, detector.classify(ints, case.width, case.height).probability, Fixtures.tolerance)
        }
    }

    @Test
    fun otherConfigsAreConverted() {
        val case = opaque.first { it.name.startsWith("rings") }
        val rgb565 = bitmapOf(case, Bitmap.Config.RGB_565)
        assertEquals(Bitmap.Config.RGB_565, rgb565.config)
        val result = detector.classify(rgb565)
        // RGB_565 drops colour bits, so only a loose agreement is expected.
        assertTrue("${result.probability} vs ${case.probability}", abs(result.probability - case.probability) < 0.2f)
        assertTrue(!rgb565.isRecycled)
    }

    @Test
    fun subsetBitmapsWithRowPadding() {
        val case = opaque.first { it.name.startsWith("large") }
        val full = bitmapOf(case)
        // A bitmap wider than its content is not possible, but a cropped one is a new bitmap whose
        // rowBytes equals width * 4; check it against the IntArray path of the same pixels.
        val crop = Bitmap.createBitmap(full, 10, 20, 301, 157)
        val ints = IntArray(301 * 157)
        crop.getPixels(ints, 0, 301, 0, 0, 301, 157)
        assertEquals(detector.classify(ints, 301, 157).probability, detector.classify(crop).probability, Fixtures.tolerance)
    }
}
