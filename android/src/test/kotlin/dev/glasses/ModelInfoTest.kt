package dev.glasses

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File

/**
 * [GlassesDetector.modelInfo] reports what glasses_core reads of the model file (written into
 * expected.json by ffi/tests/jni_fixtures.rs), and every version the Kotlin side can see is the
 * Rust workspace's, read here from the root Cargo.toml.
 */
class ModelInfoTest {
    private val json = JSONObject(File(Fixtures.dir, "expected.json").readText())

    /** `version` of `[workspace.package]` in the repository's root Cargo.toml. */
    private fun workspaceVersion(): String {
        val cargo = File(Fixtures.repoRoot, "Cargo.toml").readText()
        val version = Regex("""(?ms)^\[workspace\.package\].*?^version\s*=\s*"([^"]+)"""")
        return version.find(cargo)?.groupValues?.get(1) ?: error("no version in [workspace.package] of Cargo.toml")
    }

    @Test
    fun everyVersionIsTheWorkspaceVersion() {
        val workspace = workspaceVersion()
        assertEquals(workspace, json.getString("workspace_version"), "the fixtures' Rust side")
        assertEquals(workspace, GlassesDetector.VERSION, "GlassesDetector.VERSION")
        assertEquals(workspace, GlassesDetector.nativeVersion(), "the loaded native library")
        val pom = File(Fixtures.repoRoot, "android/pom.xml").readText()
        val pomVersion = Regex("""<artifactId>glasses-jvm</artifactId>\s*<version>([^<]+)</version>""").find(pom)
        assertEquals(workspace, pomVersion?.groupValues?.get(1), "android/pom.xml")
    }

    @Test
    fun aModelWithItsOwnThresholdReportsEveryField() {
        val expected = json.getJSONObject("model_info")
        val model = File(Fixtures.dir, expected.getString("model")).readBytes()
        GlassesDetector(model, GlassesOptions(threshold = 0.3f)).use { detector ->
            val info = detector.modelInfo()
            assertEquals(expected.getString("version"), info.version)
            assertEquals(expected.getString("architecture"), info.architecture)
            val classes = expected.getJSONArray("classes").let { a -> (0 until a.length()).map { a.getString(it) } }
            assertEquals(classes, info.classes)
            assertTrue(info.hasSunglassesClass)
            assertEquals(expected.getInt("input_width"), info.inputWidth)
            assertEquals(expected.getInt("input_height"), info.inputHeight)
            assertEquals(0.3f, info.threshold, "the threshold in force is the options'")
            assertEquals(expected.getDouble("default_threshold").toFloat(), info.modelDefaultThreshold)
            assertEquals(WeightPrecision.valueOf(expected.getString("weight_precision")), info.weightPrecision)
            assertEquals(info, detector.modelInfo(), "the same facts on every call")
        }
    }

    /** Issue 23: a `null` threshold (the default) decides with the file's own; a set one wins. */
    @Test
    fun anUnsetThresholdIsTheModelFilesOwn() {
        val expected = json.getJSONObject("model_info")
        val model = File(Fixtures.dir, expected.getString("model")).readBytes()
        val own = expected.getDouble("default_threshold").toFloat()
        val case = Fixtures.cases.first()
        GlassesDetector(model).use { byDefault ->
            assertEquals(own, byDefault.threshold, "the file's threshold is in force")
            assertEquals(own, byDefault.options.threshold, "options report the threshold in force")
            assertEquals(own, byDefault.modelInfo().threshold)
            GlassesDetector(model, own).use { byNumber ->
                val r = byDefault.classify(case.bytes)
                assertEquals(byNumber.classify(case.bytes), r, "the same decision as passing that number")
                assertEquals(r.probability >= own, r.hasGlasses)
            }
        }
        GlassesDetector(model, GlassesOptions(threshold = 0.7f)).use { assertEquals(0.7f, it.threshold, "a set one wins") }
        GlassesDetector(model, GlassesOptions().withThreshold(null)).use { assertEquals(own, it.threshold) }
        GlassesDetector(Fixtures.model).use {
            assertEquals(GlassesOptions.DEFAULT_THRESHOLD, it.threshold, "a file without one: 0.5")
        }
    }

    @Test
    fun aPlainFloatModelHasNoThresholdOfItsOwn() {
        GlassesDetector(Fixtures.model).use { detector ->
            val info = detector.modelInfo()
            assertEquals(listOf("no_eyeglasses", "eyeglasses"), info.classes)
            assertFalse(info.hasSunglassesClass)
            assertEquals(Fixtures.threshold, info.threshold)
            assertNull(info.modelDefaultThreshold)
            assertEquals(WeightPrecision.FLOAT32, info.weightPrecision)
            assertEquals(64, info.inputWidth)
        }
    }

    @Test
    fun theBundledModelIsInt8WithThreeClasses() {
        GlassesDetector().use { detector ->
            val info = detector.modelInfo()
            assertEquals(WeightPrecision.INT8, info.weightPrecision)
            assertEquals(3, info.classes.size)
            assertEquals("eyeglasses", info.classes[1])
            assertTrue(info.version.isNotEmpty(), "the bundled model names its weights")
        }
    }

    @Test
    fun aClosedDetectorHasNoModelInfo() {
        val detector = GlassesDetector(Fixtures.model)
        detector.close()
        assertThrows(IllegalStateException::class.java) { detector.modelInfo() }
    }
}
