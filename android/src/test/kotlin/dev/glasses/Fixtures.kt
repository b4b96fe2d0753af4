package dev.glasses

import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.TestInstance
import java.awt.image.BufferedImage
import java.io.ByteArrayInputStream
import java.io.File
import java.nio.ByteBuffer
import java.nio.ByteOrder
import javax.imageio.ImageIO

/** One image of `expected.json` with the probability glasses_core computed for it (no JNI). */
data class FixtureCase(
    val name: String,
    val bytes: ByteArray,
    val width: Int,
    val height: Int,
    val probability: Float,
    val hasGlasses: Boolean,
) {
    /** The pixels as `Bitmap.getPixels` would give them: `0xAARRGGBB` ints, stride = width. */
    val argb: IntArray by lazy { decodeArgb(bytes) }

    override fun toString() = name
}

/** The fixtures written by `cargo test -p glasses-ffi --test jni_fixtures` (scripts/test-kotlin.sh). */
object Fixtures {
    val dir: File by lazy {
        val path = System.getProperty("glasses.fixtures.dir")
            ?: error("system property glasses.fixtures.dir is not set (run through Maven / scripts/test-kotlin.sh)")
        File(path).also {
            check(File(it, "expected.json").isFile) {
                "no fixtures in $it: run scripts/test-kotlin.sh, or " +
                    "GLASSES_JNI_FIXTURES_DIR=$it cargo test -p glasses-ffi --test jni_fixtures"
            }
        }
    }

    private val json: JSONObject by lazy { JSONObject(File(dir, "expected.json").readText()) }

    val model: ByteArray by lazy { File(dir, json.getString("model")).readBytes() }
    val threshold: Float by lazy { json.getDouble("threshold").toFloat() }
    val tolerance: Float by lazy { json.getDouble("tolerance").toFloat() }

    val cases: List<FixtureCase> by lazy {
        val array = json.getJSONArray("cases")
        (0 until array.length()).map { i ->
            val c = array.getJSONObject(i)
            val image = c.getString("image")
            FixtureCase(
                name = image,
                bytes = File(dir, image).readBytes(),
                width = c.getInt("width"),
                height = c.getInt("height"),
                probability = c.getDouble("probability").toFloat(),
                hasGlasses = c.getBoolean("has_glasses"),
            )
        }
    }

    /** Repository root (for tests/fixtures/golden.json and the bundled model). */
    val repoRoot: File by lazy { File(System.getProperty("glasses.repo.root") ?: "..").canonicalFile }
}

fun decodeArgb(bytes: ByteArray): IntArray {
    val image: BufferedImage = ImageIO.read(ByteArrayInputStream(bytes)) ?: error("ImageIO cannot decode")
    return image.getRGB(0, 0, image.width, image.height, null, 0, image.width)
}

/** Copies [argb] (stride = width) into rows [stride] pixels apart, padding filled with junk. */
fun padRows(argb: IntArray, width: Int, height: Int, stride: Int): IntArray {
    val out = IntArray(stride * height) { 0x7f123456 }
    for (y in 0 until height) System.arraycopy(argb, y * width, out, y * stride, width)
    return out
}

/**
 * [argb] (`0xAARRGGBB`, rows [width] apart) as [layout] bytes, rows [rowStride] bytes apart, in a
 * direct buffer (or a heap one), the row padding filled with junk (0xEE); rewound.
 */
fun layoutBytes(argb: IntArray, width: Int, height: Int, rowStride: Int, layout: PixelLayout, direct: Boolean = true): ByteBuffer {
    val buffer = if (direct) ByteBuffer.allocateDirect(rowStride * height) else ByteBuffer.allocate(rowStride * height)
    for (i in 0 until rowStride * height) buffer.put(i, 0xEE.toByte())
    for (y in 0 until height) {
        buffer.position(y * rowStride)
        for (x in 0 until width) {
            val p = argb[y * width + x]
            val (r, g, b) = Triple((p shr 16) and 0xff, (p shr 8) and 0xff, p and 0xff)
            when (layout) {
                PixelLayout.RGBA_8888 -> buffer.put(r.toByte()).put(g.toByte()).put(b.toByte()).put(0xff.toByte())
                PixelLayout.BGRA_8888 -> buffer.put(b.toByte()).put(g.toByte()).put(r.toByte()).put(0xff.toByte())
                PixelLayout.RGB_888 -> buffer.put(r.toByte()).put(g.toByte()).put(b.toByte())
                PixelLayout.GRAY_8 -> buffer.put(((r * 77 + g * 150 + b * 29) shr 8).toByte())
                // The int itself, native byte order (only this put uses the order).
                PixelLayout.ARGB_INT -> buffer.order(ByteOrder.nativeOrder()).putInt(p)
            }
        }
    }
    buffer.rewind()
    return buffer
}

/** A test class sharing one detector on the fixture model ([Fixtures.model]), loaded before its tests and closed after them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FixtureModelTest {
    protected lateinit var detector: GlassesDetector

    @BeforeAll
    fun loadFixtureModel() {
        detector = GlassesDetector(Fixtures.model)
    }

    @AfterAll
    fun closeFixtureModel() = detector.close()
}
