package dev.glasses

import org.json.JSONObject
import java.awt.image.BufferedImage
import java.io.ByteArrayInputStream
import java.io.File
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
