package dev.glasses

import org.json.JSONArray
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * [GlassesOptions.threads]: one picture's inference split over native threads answers with the
 * bits of one thread on every golden case, and a count out of range is refused when the detector
 * is created.
 */
class ThreadsTest {
    @Test
    fun oneThreadUnlessAsked() {
        assertEquals(1, GlassesOptions().threads)
        assertEquals(GlassesOptions(threads = 4), GlassesOptions().withThreads(4))
        GlassesDetector(Fixtures.model, GlassesOptions(threads = 2)).use { assertEquals(2, it.options.threads) }
    }

    @Test
    fun goldenCasesOnTwoThreadsAndOnePerCoreAnswerLikeOne() {
        val golden = Golden.loadOrSkip()
        val cases = golden.json.getJSONArray("cases")
        val regions = golden.json.optJSONArray("region_cases") ?: JSONArray()
        assertTrue(cases.length() > 0, "golden.json has no cases")
        golden.detector().use { one ->
            for (threads in listOf(2, 0)) {
                golden.detector(GlassesOptions(threads = threads)).use { split ->
                    val failures = mutableListOf<String>()
                    for (i in 0 until cases.length()) {
                        val c = cases.getJSONObject(i)
                        val bytes = golden.image(c).readBytes()
                        val got = split.classify(bytes)
                        // The same bits: a split inference sums in the order of one thread.
                        assertEquals(one.classify(bytes), got, "${c.getString("image")}, $threads threads")
                        failures += golden.compare(c, got, "${c.getString("image")} ($threads threads)")
                    }
                    for (i in 0 until regions.length()) {
                        val c = regions.getJSONObject(i)
                        val box = c.getJSONArray("face_box").let { b ->
                            FaceBox(b.getDouble(0).toFloat(), b.getDouble(1).toFloat(), b.getDouble(2).toFloat(), b.getDouble(3).toFloat())
                        }
                        val bytes = golden.image(c).readBytes()
                        val got = split.classify(bytes, box)
                        assertEquals(one.classify(bytes, box), got, "${c.getString("image")} $box, $threads threads")
                        failures += golden.compare(c, got, "${c.getString("image")} $box ($threads threads)")
                    }
                    assertEquals(emptyList<String>(), failures)
                }
            }
        }
    }

    @Test
    fun tooManyOrNegativeThreadsAreInvalidArguments() {
        for (threads in listOf(GlassesOptions.MAX_THREADS + 1, -1, Int.MAX_VALUE, Int.MIN_VALUE)) {
            val e = assertThrows(GlassesException::class.java) { GlassesDetector(Fixtures.model, GlassesOptions(threads = threads)) }
            assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind, e.message)
            assertTrue(e.reason.contains("threads $threads"), e.reason)
        }
        // The most the native library splits over is what Kotlin says it is.
        GlassesDetector(Fixtures.model, GlassesOptions(threads = GlassesOptions.MAX_THREADS)).close()
    }
}
