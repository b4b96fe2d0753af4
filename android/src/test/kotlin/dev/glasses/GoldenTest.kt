package dev.glasses

import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.Test
import java.io.File
import kotlin.math.abs

/**
 * The shared golden cases (tests/fixtures/golden.json, written by the lead with the trained model)
 * through the Kotlin API with the bundled model: every surface must give the same numbers, the
 * eyewear kind and all class probabilities included, and the `region_cases` (a face inside a
 * larger picture, with a face detector's box) through the region calls.
 * Skipped, and says so, while the file does not exist.
 */
class GoldenTest {
    @Test
    fun goldenCasesThroughJni() {
        val golden = Golden.loadOrSkip()
        val cases = golden.json.getJSONArray("cases")
        assertTrue(cases.length() > 0, "golden.json has no cases")
        golden.detector().use { detector ->
            val failures = mutableListOf<String>()
            for (i in 0 until cases.length()) {
                val c = cases.getJSONObject(i)
                val result = detector.classify(golden.image(c).readBytes())
                failures += golden.compare(c, result, "${c.getString("image")} (encoded)")
            }
            println("GOLDEN: ${cases.length()} cases checked against ${golden.file.path}, ${failures.size} failures")
            assertEquals(emptyList<String>(), failures)
        }
    }

    @Test
    fun goldenRegionCasesThroughJni() {
        val golden = Golden.loadOrSkip()
        val cases = golden.json.optJSONArray("region_cases") ?: JSONArray()
        if (cases.length() == 0) println("GOLDEN: ${golden.file.path} has no region_cases")
        assumeTrue(cases.length() > 0, "golden.json has no region_cases")
        golden.detector().use { detector ->
            val failures = mutableListOf<String>()
            for (i in 0 until cases.length()) {
                val c = cases.getJSONObject(i)
                val name = c.getString("image")
                val box = c.getJSONArray("face_box").let { b ->
                    FaceBox(b.getDouble(0).toFloat(), b.getDouble(1).toFloat(), b.getDouble(2).toFloat(), b.getDouble(3).toFloat())
                }
                val bytes = golden.image(c).readBytes()
                failures += golden.compare(c, detector.classify(bytes, box), "$name $box (encoded)")
                // The same picture as Bitmap.getPixels would hand it over (lossless PNGs only: a
                // JPEG decoded by ImageIO differs from the native decoder).
                if (name.endsWith(".png")) {
                    val image = javax.imageio.ImageIO.read(java.io.ByteArrayInputStream(bytes))
                    val argb = decodeArgb(bytes)
                    failures += golden.compare(c, detector.classify(argb, image.width, image.height, box), "$name $box (IntArray)")
                    val stride = image.width + 3
                    val padded = padRows(argb, image.width, image.height, stride)
                    failures += golden.compare(
                        c,
                        detector.classify(padded, image.width, image.height, stride, box),
                        "$name $box (IntArray, stride $stride)",
                    )
                }
            }
            println("GOLDEN: ${cases.length()} region cases checked against ${golden.file.path}, ${failures.size} failures")
            assertEquals(emptyList<String>(), failures)
        }
    }
}

/** tests/fixtures/golden.json and how to check one result against one of its cases. */
class Golden private constructor(val file: File) {
    val json = JSONObject(file.readText())
    val tolerance = json.optDouble("tolerance", 1e-4).toFloat()
    private val modelPath = json.optString("model", "core/models/glasses-int8.onnx")

    /** The bundled model is what apps get; golden.json names the file it was computed with. */
    fun detector(options: GlassesOptions = GlassesOptions()): GlassesDetector {
        val modelFile = File(Fixtures.repoRoot, modelPath)
        return if (modelFile.isFile && modelPath != "core/models/glasses-int8.onnx") {
            GlassesDetector(modelFile.readBytes(), options)
        } else {
            GlassesDetector(options)
        }
    }

    fun image(case: JSONObject): File =
        File(file.parentFile, case.getString("image")).let { f -> if (f.isFile) f else File(Fixtures.repoRoot, case.getString("image")) }

    /** Differences between [result] and the golden [case] (probability, decision, kind, class probabilities). */
    fun compare(case: JSONObject, result: GlassesResult, what: String): List<String> {
        val failures = mutableListOf<String>()
        fun close(name: String, got: Float?, want: Float?) {
            val ok = if (got == null || want == null) got == want else abs(got - want) <= tolerance
            if (!ok) failures += "$what: $name JNI $got, golden $want"
        }
        close("probability", result.probability, case.getDouble("probability").toFloat())
        close("probabilityEyeglasses", result.probabilityEyeglasses, case.getDouble("probability").toFloat())
        if (case.has("has_glasses") && case.getBoolean("has_glasses") != result.hasGlasses) {
            failures += "$what: hasGlasses ${result.hasGlasses}, golden ${case.getBoolean("has_glasses")}"
        }
        // Every case carries the kind and the class probabilities ([none, eyeglasses] or
        // [none, eyeglasses, sunglasses]); a two-class model must give a null P(sunglasses).
        if (!case.has("eyewear") || !case.has("probabilities")) {
            failures += "$what: golden case lacks \"eyewear\" or \"probabilities\""
            return failures
        }
        val want = Eyewear.fromLabel(case.getString("eyewear"))
        if (want != result.eyewear) failures += "$what: eyewear ${result.eyewear}, golden ${case.getString("eyewear")}"
        val p = case.getJSONArray("probabilities")
        close("probabilityNone", result.probabilityNone, p.getDouble(0).toFloat())
        close("probabilities[1]", result.probability, p.getDouble(1).toFloat())
        close("probabilitySunglasses", result.probabilitySunglasses, if (p.length() > 2) p.getDouble(2).toFloat() else null)
        return failures
    }

    companion object {
        fun loadOrSkip(): Golden {
            val file = File(Fixtures.repoRoot, "tests/fixtures/golden.json")
            if (!file.isFile) println("GOLDEN: ${file.path} is absent; golden assertions skipped")
            assumeTrue(file.isFile, "${file.path} is absent; golden assertions skipped")
            return Golden(file)
        }
    }
}
