package dev.glasses

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.Test
import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.io.File
import java.nio.ByteBuffer
import javax.imageio.ImageIO
import kotlin.math.abs

/**
 * A picture stored turned (as a camera or `Bitmap` holds it), passed with the `rotationDegrees`
 * and `mirrored` that turn it upright, gives the upright picture's golden answer on every input
 * kind: `IntArray`, direct `ByteBuffer` (RGBA and BGRA), encoded PNG bytes and a file. The golden
 * PNG cases (lossless, so ImageIO decodes them as the native code does) with their face boxes,
 * each stored the eight ways.
 */
class RotationTest {
    /** The picture stored so that turning it [degrees] clockwise, then mirroring it, gives [upright]. */
    private fun stored(upright: IntArray, width: Int, height: Int, degrees: Int, mirrored: Boolean): Triple<IntArray, Int, Int> {
        val quarter = degrees % 180 == 90
        val (sw, sh) = if (quarter) height to width else width to height
        val out = IntArray(sw * sh)
        for (y in 0 until sh) {
            for (x in 0 until sw) {
                // The upright position the counter-clockwise turn (undoing the clockwise one) puts here.
                val (ax, ay) = when (degrees) {
                    90 -> (width - 1 - y) to x
                    180 -> (width - 1 - x) to (height - 1 - y)
                    270 -> y to (height - 1 - x)
                    else -> x to y
                }
                out[y * sw + x] = upright[ay * width + if (mirrored) width - 1 - ax else ax]
            }
        }
        return Triple(out, sw, sh)
    }

    private fun png(argb: IntArray, width: Int, height: Int): ByteArray {
        val image = BufferedImage(width, height, BufferedImage.TYPE_INT_RGB)
        image.setRGB(0, 0, width, height, argb, 0, width)
        return ByteArrayOutputStream().also { ImageIO.write(image, "png", it) }.toByteArray()
    }

    private fun bytes(argb: IntArray, layout: PixelLayout): ByteBuffer {
        val buffer = ByteBuffer.allocateDirect(argb.size * 4)
        for (p in argb) {
            val (r, g, b) = Triple((p shr 16) and 0xff, (p shr 8) and 0xff, p and 0xff)
            val px = if (layout == PixelLayout.BGRA_8888) intArrayOf(b, g, r, 0xff) else intArrayOf(r, g, b, 0xff)
            px.forEach { buffer.put(it.toByte()) }
        }
        return buffer.also { it.flip() }
    }

    @Test
    fun turnedPicturesGiveTheUprightGoldenAnswerOnEveryInput() {
        val golden = Golden.loadOrSkip()
        val all = listOf("cases", "region_cases").flatMap { key ->
            val array = golden.json.optJSONArray(key) ?: return@flatMap emptyList()
            (0 until array.length()).map { array.getJSONObject(it) }
        }
        val cases = all.filter { it.getString("image").endsWith(".png") }
        assumeTrue(cases.isNotEmpty(), "golden.json has no PNG cases")
        val dir = java.nio.file.Files.createTempDirectory("glasses-rotation").toFile()
        var checked = 0
        var wrongTurnsNoticed = 0
        golden.detector().use { detector ->
            val failures = mutableListOf<String>()
            for (c in cases) {
                val name = c.getString("image")
                val encoded = golden.image(c).readBytes()
                val image = ImageIO.read(java.io.ByteArrayInputStream(encoded))
                val (w, h) = image.width to image.height
                val upright = decodeArgb(encoded)
                val face = c.optJSONArray("face_box")?.let { b ->
                    FaceBox(b.getDouble(0).toFloat(), b.getDouble(1).toFloat(), b.getDouble(2).toFloat(), b.getDouble(3).toFloat())
                }
                for (mirrored in listOf(false, true)) {
                    for (degrees in listOf(0, 90, 180, 270)) {
                        val (argb, sw, sh) = stored(upright, w, h, degrees, mirrored)
                        val what = "$name stored for $degrees${if (mirrored) " mirrored" else ""}"
                        val stride = sw + 5
                        val padded = padRows(argb, sw, sh, stride)
                        failures += golden.compare(c, detector.classify(padded, sw, sh, stride, degrees, face, mirrored), "$what (IntArray)")
                        for (layout in listOf(PixelLayout.RGBA_8888, PixelLayout.BGRA_8888)) {
                            val got = detector.classify(bytes(argb, layout), sw, sh, sw * 4, layout, degrees, face, mirrored)
                            failures += golden.compare(c, got, "$what ($layout ByteBuffer)")
                        }
                        val turnedPng = png(argb, sw, sh)
                        failures += golden.compare(c, detector.classify(turnedPng, degrees, face, mirrored), "$what (encoded)")
                        val file = File(dir, "turned-$checked.png").also { it.writeBytes(turnedPng) }
                        failures += golden.compare(c, detector.classify(file, degrees, face, mirrored), "$what (file)")
                        checked++
                        if (degrees == 90 && !mirrored) {
                            // Negative control: read with the opposite turn it is another picture.
                            val wrong = detector.classify(argb, sw, sh, sw, 270, face)
                            if (abs(wrong.probability - c.getDouble("probability").toFloat()) > golden.tolerance) wrongTurnsNoticed++
                        }
                    }
                }
            }
            println("GOLDEN: ${cases.size} PNG cases stored 8 ways ($checked pictures, 5 inputs each), ${failures.size} failures")
            assertEquals(emptyList<String>(), failures)
            assertTrue(wrongTurnsNoticed >= (cases.size + 1) / 2, "a wrong turn changed only $wrongTurnsNoticed of ${cases.size} answers")
        }
        dir.deleteRecursively()
    }

    /** The rotation-free overloads are the rotation 0 ones, and the request reaches every entry. */
    @Test
    fun rotationZeroIsTheUprightCallAndBadRotationsAreRefused() {
        GlassesDetector(Fixtures.model, Fixtures.threshold).use { detector ->
            val case = Fixtures.cases.first { it.width != it.height }
            assertEquals(detector.classify(case.bytes), detector.classify(case.bytes, 0))
            assertEquals(detector.classify(case.argb, case.width, case.height), detector.classify(case.argb, case.width, case.height, case.width, 0))
            val box = FaceBox(2f, 3f, case.width / 2f, case.height / 2f)
            assertEquals(detector.classify(case.bytes, box), detector.classify(case.bytes, 0, box))
            // A box past the stored picture's short side is inside the picture turned a quarter.
            val outside = if (case.width > case.height) FaceBox(1f, case.height + 2f, 4f, 4f) else FaceBox(case.width + 2f, 1f, 4f, 4f)
            val e = runCatching { detector.classify(case.bytes, outside) }.exceptionOrNull() as? GlassesException
            assertEquals(ErrorKind.INVALID_REGION, e?.kind, "$e")
            detector.classify(case.bytes, 90, outside)
            detector.classify(case.argb, case.width, case.height, case.width, 270, outside, true)
            for (bad in listOf(45, -90, 360)) {
                for (call in listOf<() -> Unit>(
                    { detector.classify(case.bytes, bad) },
                    { detector.classify(case.argb, case.width, case.height, case.width, bad) },
                    { detector.classify(bytes(case.argb, PixelLayout.RGBA_8888), case.width, case.height, case.width * 4, PixelLayout.RGBA_8888, bad) },
                )) {
                    val e = runCatching(call).exceptionOrNull() as? GlassesException
                    assertEquals(ErrorKind.INVALID_PIXEL_BUFFER, e?.kind, "rotation $bad: $e")
                    assertTrue(e!!.reason.contains("rotation of $bad"), e.reason)
                }
            }
        }
    }
}
