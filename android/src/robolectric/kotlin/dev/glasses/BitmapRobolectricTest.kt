package dev.glasses

import android.graphics.Bitmap
import android.graphics.Rect
import org.json.JSONObject
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assume.assumeTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import java.io.File
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
class BitmapRobolectricTest : RobolectricFixtureModelTest() {
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

    /**
     * Issue 15: `classify(bitmap, rect)` (ML Kit's `Face.boundingBox` is a `Rect`) on the golden
     * region cases, with the bundled model, gives core's probabilities, kind and class
     * probabilities (tests/fixtures/golden.json `region_cases`).
     */
    @Test
    fun faceRectOnGoldenRegionCases() {
        val golden = File(Fixtures.repoRoot, "tests/fixtures/golden.json")
        assumeTrue("${golden.path} is absent", golden.isFile)
        val json = JSONObject(golden.readText())
        val tolerance = json.optDouble("tolerance", 1e-4).toFloat()
        val cases = json.optJSONArray("region_cases")
        assumeTrue("golden.json has no region_cases", cases != null && cases.length() > 0)
        GlassesDetector().use { bundled ->
            var checked = 0
            for (i in 0 until cases!!.length()) {
                val c = cases.getJSONObject(i)
                val name = c.getString("image")
                if (!name.endsWith(".png")) continue // JPEG: ImageIO's decoder differs from the native one
                val argb = decodeArgb(File(golden.parentFile, name).readBytes())
                val image = javax.imageio.ImageIO.read(File(golden.parentFile, name))
                assertTrue("$name: opaque", argb.all { it ushr 24 == 0xff })
                val bitmap = Bitmap.createBitmap(image.width, image.height, Bitmap.Config.ARGB_8888)
                bitmap.setPixels(argb, 0, image.width, 0, 0, image.width, image.height)
                val b = c.getJSONArray("face_box")
                // Golden boxes are whole pixels: the Rect is exactly the box.
                val left = b.getDouble(0).toInt()
                val top = b.getDouble(1).toInt()
                val rect = Rect(left, top, left + b.getDouble(2).toInt(), top + b.getDouble(3).toInt())
                assertEquals(b.getDouble(2), rect.width().toDouble(), 0.0)
                val result = bundled.classify(bitmap, rect)
                val want = c.getDouble("probability").toFloat()
                assertTrue("$name $rect: bitmap ${result.probability} vs golden $want", abs(result.probability - want) <= tolerance)
                assertEquals("$name: hasGlasses", c.getBoolean("has_glasses"), result.hasGlasses)
                assertEquals("$name: eyewear", Eyewear.fromLabel(c.getString("eyewear")), result.eyewear)
                val p = c.getJSONArray("probabilities")
                assertEquals("$name: P(none)", p.getDouble(0).toFloat(), result.probabilityNone, tolerance)
                assertEquals("$name: P(eyeglasses)", p.getDouble(1).toFloat(), result.probabilityEyeglasses, tolerance)
                assertEquals("$name: P(sunglasses)", p.getDouble(2).toFloat(), result.probabilitySunglasses!!, tolerance)
                // The same box as a FaceBox, and through the IntArray region path.
                val box = FaceBox.fromEdges(rect.left.toFloat(), rect.top.toFloat(), rect.right.toFloat(), rect.bottom.toFloat())
                assertEquals(result.probability, bundled.classify(bitmap, box).probability, tolerance)
                assertEquals(result.probability, bundled.classify(argb, image.width, image.height, box).probability, tolerance)
                checked++
            }
            assertTrue("no PNG region case", checked > 0)
        }
    }

    /** An inverted or outside `Rect` is INVALID_REGION, not a crash or a silent whole-bitmap answer. */
    @Test
    fun badFaceRects() {
        val case = opaque.first { it.name.startsWith("rings") }
        val bitmap = bitmapOf(case)
        for (rect in listOf(Rect(50, 50, 10, 90), Rect(50, 50, 50, 90), Rect(1000, 1000, 1100, 1100), Rect(-100, 10, -1, 60))) {
            try {
                detector.classify(bitmap, rect)
                throw AssertionError("$rect: no exception")
            } catch (e: GlassesException) {
                assertEquals("$rect: ${e.message}", ErrorKind.INVALID_REGION, e.kind)
            }
        }
        // A valid Rect, and a face at the edge, still work.
        detector.classify(bitmap, Rect(40, 50, 120, 140))
        detector.classify(bitmap, Rect(-20, -20, 40, 40))
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

    /**
     * A bitmap stored turned (Android's own `Matrix` rotation, as a camera or decoder stores it),
     * passed with the `rotationDegrees` that makes it upright, gives the upright bitmap's answer
     * within the fixture tolerance, with and without a `Rect` in upright pixels.
     */
    @Test
    fun turnedBitmapsGiveTheUprightAnswer() {
        val case = opaque.first { it.width != it.height }
        val upright = bitmapOf(case)
        val face = Rect(case.width / 4, case.height / 4, case.width * 3 / 4, case.height * 3 / 4)
        val want = detector.classify(upright)
        val wantFace = detector.classify(upright, face)
        for (rotation in listOf(0, 90, 180, 270)) {
            // Stored = upright turned counter-clockwise by `rotation`, so `rotation` clockwise undoes it.
            val matrix = android.graphics.Matrix().apply { postRotate(-rotation.toFloat()) }
            val stored = Bitmap.createBitmap(upright, 0, 0, upright.width, upright.height, matrix, false)
            val got = detector.classify(stored, rotation)
            assertEquals("$rotation", want.probability, got.probability, Fixtures.tolerance)
            assertEquals("$rotation face", wantFace.probability, detector.classify(stored, rotation, face).probability, Fixtures.tolerance)
        }
    }

    /** The suspending Bitmap call (GlassesSuspending.kt) gives the blocking call's result. */
    @Test
    fun suspendingBitmapCallsGiveTheBlockingResults(): Unit = kotlinx.coroutines.runBlocking {
        val glasses = detector.suspending()
        for (case in opaque) {
            val bitmap = bitmapOf(case)
            assertEquals(case.name, detector.classify(bitmap), glasses.classify(bitmap))
            val box = Rect(2, 3, case.width - 2, case.height - 1)
            assertEquals(case.name, detector.classify(bitmap, 90, box), glasses.classify(bitmap, 90, box))
        }
    }
}
