package dev.glasses

import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.nio.ByteBuffer
import java.nio.ByteOrder
import kotlin.math.abs

/**
 * Every face of the drawn group pictures of tests/fixtures/golden.json (`group_cases`: every face
 * the detector finds, largest first, with its answer) through `detectFaces` / `classifyFaces` on
 * every input kind, the face modes of `classify`, the face of each single picture's answer, the
 * detector's settings and the new error kinds.
 */
class FacesTest {
    private val boxTolerance = 0.05f
    private val scoreTolerance = 1e-3f

    private fun groups(golden: Golden): List<JSONObject> {
        val groups = golden.json.optJSONArray("group_cases") ?: JSONArray()
        assertTrue(groups.length() >= 2, "golden.json has ${groups.length()} group pictures")
        return (0 until groups.length()).map { groups.getJSONObject(it) }
    }

    private fun goldenFaces(group: JSONObject): List<JSONObject> =
        group.getJSONArray("faces").let { a -> (0 until a.length()).map { a.getJSONObject(it) } }

    /** Differences between a detected face and golden `[x, y, w, h, score]`. */
    private fun compareFace(
        face: DetectedFace?,
        want: JSONArray,
        what: String,
        tolerance: Float = boxTolerance,
        scoreTolerance: Float = this.scoreTolerance,
    ): List<String> {
        if (face == null) return listOf("$what: no face, golden $want")
        val b = face.boundingBox
        val got = floatArrayOf(b.x, b.y, b.width, b.height, face.score)
        val out = (0 until 5).filter { k ->
            abs(got[k] - want.getDouble(k).toFloat()) > if (k == 4) scoreTolerance else tolerance
        }.map { "$what: face ${got.toList()}, golden $want" }.distinct().toMutableList()
        if (face.landmarks.size != 5) out += "$what: ${face.landmarks.size} landmarks"
        if (!(face.rightEye.y < face.mouthRight.y && face.leftEye.y < face.mouthLeft.y)) out += "$what: eyes not above the mouth"
        if (face.landmarks.any { it.x < b.x - 1 || it.x > b.x + b.width + 1 }) out += "$what: a landmark outside the box"
        return out
    }

    private fun checkGroup(golden: Golden, group: JSONObject, what: String, detect: () -> List<DetectedFace>, classify: () -> List<FaceResult>): List<String> {
        val want = goldenFaces(group)
        val failures = mutableListOf<String>()
        val faces = detect()
        if (faces.size != want.size) failures += "$what: ${faces.size} faces detected, golden ${want.size}"
        faces.zip(want).forEachIndexed { i, (f, w) -> failures += compareFace(f, w.getJSONArray("face"), "$what detect $i") }
        val results = classify()
        if (results.size != want.size) failures += "$what: ${results.size} faces classified, golden ${want.size}"
        results.zip(want).forEachIndexed { i, (r, w) ->
            failures += compareFace(r.face, w.getJSONArray("face"), "$what classify $i")
            if (r.result.face != r.face) failures += "$what classify $i: the result names another face"
            failures += golden.compare(w, r.result, "$what classify $i")
        }
        return failures
    }

    @Test
    fun everyFaceOfTheGroupPicturesFromEveryInput() {
        val golden = Golden.loadOrSkip()
        golden.detector().use { detector ->
            val failures = mutableListOf<String>()
            for (group in groups(golden)) {
                val name = group.getString("image")
                val file = golden.image(group)
                val bytes = file.readBytes()
                failures += checkGroup(golden, group, "$name encoded", { detector.detectFaces(bytes) }, { detector.classifyFaces(bytes) })
                failures += checkGroup(golden, group, "$name file", { detector.detectFaces(file) }, { detector.classifyFaces(file) })
                if (!name.endsWith(".png")) continue // ImageIO's JPEG decoder differs from the native one
                val image = javax.imageio.ImageIO.read(file)
                val (w, h) = image.width to image.height
                val argb = decodeArgb(bytes)
                failures += checkGroup(golden, group, "$name IntArray", { detector.detectFaces(argb, w, h) }, { detector.classifyFaces(argb, w, h) })
                // Stored so that a quarter turn clockwise and then a mirror make it upright: turning
                // then mirroring is transposing, so the stored picture is the transpose (h x w).
                val turned = IntArray(w * h)
                for (y in 0 until h) for (x in 0 until w) turned[x * h + y] = argb[y * w + x]
                failures += checkGroup(
                    golden, group, "$name IntArray turned 90 mirrored",
                    { detector.detectFaces(turned, h, w, h, 90, true) },
                    { detector.classifyFaces(turned, h, w, h, 90, true) },
                )
                val rgba = ByteBuffer.allocateDirect(w * h * 4).order(ByteOrder.BIG_ENDIAN)
                for (p in argb) rgba.putInt((p shl 8) or (p ushr 24))
                rgba.flip()
                failures += checkGroup(
                    golden, group, "$name RGBA buffer",
                    { detector.detectFaces(rgba, w, h, w * 4) },
                    { detector.classifyFaces(rgba, w, h, w * 4, PixelLayout.RGBA_8888) },
                )
                // A camera frame: NV21 of the same picture; its colours went through 4:2:0, so the
                // boxes are near (4 px) and the kinds the same, not the digits.
                val nv21 = nv21(argb, w, h)
                val frameFaces = detector.detectFacesYuv(nv21)
                val want = goldenFaces(group)
                if (frameFaces.size != want.size) failures += "$name NV21: ${frameFaces.size} faces, golden ${want.size}"
                frameFaces.zip(want).forEachIndexed { i, (f, g) -> failures += compareFace(f, g.getJSONArray("face"), "$name NV21 $i", 4f, 0.05f) }
                val frameResults = detector.classifyFacesYuv(nv21)
                frameResults.zip(want).forEachIndexed { i, (r, g) ->
                    if (r.result.eyewear != Eyewear.fromLabel(g.getString("eyewear"))) failures += "$name NV21 $i: ${r.result.eyewear}, golden ${g.getString("eyewear")}"
                }
            }
            println("GOLDEN: ${groups(golden).size} group pictures checked through detectFaces/classifyFaces, ${failures.size} failures")
            assertEquals(emptyList<String>(), failures)
        }
    }

    @Test
    fun classifyAnswersForTheLargestFaceUnlessTheModeOrABoxSaysOtherwise() {
        val golden = Golden.loadOrSkip()
        val group = groups(golden).first()
        val largest = goldenFaces(group)[0]
        val second = goldenFaces(group)[1]
        val bytes = golden.image(group).readBytes()
        golden.detector().use { auto ->
            val r = auto.classify(bytes)
            assertEquals(emptyList<String>(), compareFace(r.face, largest.getJSONArray("face"), "auto") + golden.compare(largest, r, "auto"))
            // A box given by the caller wins; the answer is not for a detected face.
            val b = second.getJSONArray("face")
            val given = auto.classify(bytes, FaceBox(b.getDouble(0).toFloat(), b.getDouble(1).toFloat(), b.getDouble(2).toFloat(), b.getDouble(3).toFloat()))
            assertNull(given.face)
            assertEquals(Eyewear.fromLabel(second.getString("eyewear")), given.eyewear)
            // The single pictures: the face golden.json names, or none.
            val cases = golden.json.getJSONArray("cases")
            var withFace = 0
            for (i in 0 until cases.length()) {
                val c = cases.getJSONObject(i)
                val got = auto.classify(golden.image(c).readBytes())
                val want = c.optJSONArray("face")
                if (want == null) assertNull(got.face, c.getString("image")) else {
                    withFace++
                    assertEquals(emptyList<String>(), compareFace(got.face, want, c.getString("image")))
                }
            }
            assertTrue(withFace > 0, "no single golden picture with a face")
        }
        GlassesDetector(GlassesOptions(faceMode = FaceMode.WHOLE)).use { whole ->
            val r = whole.classify(bytes)
            assertNull(r.face)
            assertTrue(abs(r.probability - largest.getDouble("probability").toFloat()) > 1e-3f || r.eyewear.label != largest.getString("eyewear"))
            assertEquals(FaceMode.WHOLE, whole.options.faceMode)
        }
        GlassesDetector(GlassesOptions(faceMode = FaceMode.DETECT)).use { detect ->
            assertEquals(emptyList<String>(), compareFace(detect.classify(bytes).face, largest.getJSONArray("face"), "detect"))
        }
    }

    @Test
    fun aPictureWithoutAFaceHasNoFacesAndDetectSaysSo() {
        val blank = IntArray(64 * 48) { 0xff808080.toInt() }
        GlassesDetector().use { d ->
            assertEquals(emptyList<DetectedFace>(), d.detectFaces(blank, 64, 48))
            assertEquals(emptyList<FaceResult>(), d.classifyFaces(blank, 64, 48))
            assertNull(d.classify(blank, 64, 48).face)
        }
        GlassesDetector(GlassesOptions(faceMode = FaceMode.DETECT)).use { d ->
            val e = assertThrows(GlassesException::class.java) { d.classify(blank, 64, 48) }
            assertEquals(ErrorKind.NO_FACE, e.kind)
            assertEquals(18, e.code)
            assertTrue("face" in e.reason, e.reason)
        }
    }

    @Test
    fun detectorSettingsReachTheNativeDetector() {
        val golden = Golden.loadOrSkip()
        val group = groups(golden).first()
        val want = goldenFaces(group)
        val smallest = want.last().getJSONArray("face").let { minOf(it.getDouble(2), it.getDouble(3)).toFloat() }
        val minSize = smallest + 1f
        val keep = want.count { f -> f.getJSONArray("face").let { minOf(it.getDouble(2), it.getDouble(3)) >= minSize } }
        assertTrue(keep < want.size)
        val options = GlassesOptions(faceDetection = FaceDetection(minFaceSize = minSize))
        GlassesDetector(options).use { d ->
            assertEquals(keep, d.detectFaces(golden.image(group)).size)
            assertEquals(options.faceDetection, d.options.faceDetection)
        }
        for (bad in listOf(FaceDetection(minDetectionConfidence = 1.5f), FaceDetection(inputWidth = 8), FaceDetection(inputHeight = -1))) {
            val e = assertThrows(GlassesException::class.java) { GlassesDetector(GlassesOptions(faceDetection = bad)) }
            assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind, "$bad")
        }
        assertNotNull(FaceDetection().let { GlassesDetector(GlassesOptions(faceDetection = it)).use { d -> d.options } })
    }

    /** Full-range BT.601 NV21 planes of `0xAARRGGBB` pixels (even sizes). */
    private fun nv21(argb: IntArray, w: Int, h: Int): YuvPlanes {
        val y = ByteBuffer.allocateDirect(w * h)
        val vu = ByteBuffer.allocateDirect(w * h / 2)
        fun lum(p: Int) = 0.299 * (p shr 16 and 255) + 0.587 * (p shr 8 and 255) + 0.114 * (p and 255)
        for (i in 0 until w * h) y.put(i, (lum(argb[i]) + 0.5).toInt().coerceIn(0, 255).toByte())
        for (cy in 0 until h / 2) for (cx in 0 until w / 2) {
            val p = argb[2 * cy * w + 2 * cx]
            val l = lum(p)
            val v = ((p shr 16 and 255) - l) / 1.402 + 128.5
            val u = ((p and 255) - l) / 1.772 + 128.5
            vu.put((cy * (w / 2) + cx) * 2, v.toInt().coerceIn(0, 255).toByte())
            vu.put((cy * (w / 2) + cx) * 2 + 1, u.toInt().coerceIn(0, 255).toByte())
        }
        val u = vu.duplicate().also { it.position(1) }.slice()
        return YuvPlanes(y, w, u, vu, w, 2, w, h)
    }
}
