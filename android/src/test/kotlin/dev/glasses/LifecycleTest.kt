package dev.glasses

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.nio.ByteBuffer
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/** close(), use after close, and sharing one detector between threads. */
class LifecycleTest {
    @Test
    fun useAfterCloseThrowsIllegalState() {
        val detector = GlassesDetector(Fixtures.model)
        val case = Fixtures.cases.first()
        detector.classify(case.bytes)
        assertFalse(detector.isClosed)
        detector.close()
        assertTrue(detector.isClosed)
        assertThrows(IllegalStateException::class.java) { detector.classify(case.bytes) }
        assertThrows(IllegalStateException::class.java) { detector.classify(case.argb, case.width, case.height) }
        assertThrows(IllegalStateException::class.java) { detector.classify(ByteBuffer.allocateDirect(4), 1, 1, 4) }
        val box = FaceBox(0f, 0f, 1f, 1f)
        assertThrows(IllegalStateException::class.java) { detector.classify(case.bytes, box) }
        assertThrows(IllegalStateException::class.java) { detector.classify(case.argb, case.width, case.height, box) }
        assertThrows(IllegalStateException::class.java) { detector.classify(ByteBuffer.allocateDirect(4), 1, 1, 4, box) }
        detector.close() // double close is harmless
        detector.close()
        assertTrue(detector.toString().contains("closed=true"))
    }

    @Test
    fun closeFreesTheNativeModel() {
        val before = GlassesNative.nativeLiveHandles()
        val detectors = List(3) { GlassesDetector(Fixtures.model) }
        assertEquals(before + 3, GlassesNative.nativeLiveHandles())
        detectors.forEach { it.close() }
        assertEquals(before, GlassesNative.nativeLiveHandles())
        GlassesDetector(Fixtures.model).use { }
        assertEquals(before, GlassesNative.nativeLiveHandles())
    }

    @Test
    fun eightThreadsAgreeWithOneThread() {
        val cases = Fixtures.cases
        GlassesDetector(Fixtures.model).use { detector ->
            val reference = cases.map { detector.classify(it.bytes) } + cases.map { detector.classify(it.argb, it.width, it.height) }
            val threads = 8
            val rounds = 3
            val pool = Executors.newFixedThreadPool(threads)
            try {
                val start = CountDownLatch(1)
                val futures = (0 until threads).map { t ->
                    pool.submit<List<List<GlassesResult>>> {
                        start.await()
                        (0 until rounds).map { r ->
                            // Each thread walks the cases in its own order.
                            val order = cases.indices.map { (it + t + r) % cases.size }
                            val encoded = order.map { it to detector.classify(cases[it].bytes) }.sortedBy { it.first }.map { it.second }
                            val pixels = order.map { it to cases[it].let { c -> detector.classify(c.argb, c.width, c.height) } }
                                .sortedBy { it.first }.map { it.second }
                            encoded + pixels
                        }
                    }
                }
                start.countDown()
                for (f in futures) for (round in f.get(5, TimeUnit.MINUTES)) assertEquals(reference, round, "a thread disagrees with the single-thread results")
            } finally {
                pool.shutdownNow()
            }
        }
    }

    @Test
    fun closeWhileOtherThreadsClassifyNeverCrashes() {
        val case = Fixtures.cases.first { it.width * it.height < 10_000 }
        val detector = GlassesDetector(Fixtures.model)
        val threads = 8
        val pool = Executors.newFixedThreadPool(threads)
        val ok = AtomicInteger()
        val closedSeen = AtomicInteger()
        val unexpected = AtomicInteger()
        val running = CountDownLatch(threads)
        try {
            val futures = (0 until threads).map {
                pool.submit {
                    running.countDown()
                    while (true) {
                        try {
                            val r = detector.classify(case.bytes)
                            assertEquals(case.probability, r.probability, Fixtures.tolerance)
                            ok.incrementAndGet()
                        } catch (e: IllegalStateException) {
                            closedSeen.incrementAndGet()
                            break
                        } catch (e: Throwable) {
                            unexpected.incrementAndGet()
                            throw e
                        }
                    }
                }
            }
            running.await()
            Thread.sleep(300)
            detector.close()
            futures.forEach { it.get(2, TimeUnit.MINUTES) }
        } finally {
            pool.shutdownNow()
        }
        assertEquals(0, unexpected.get())
        assertEquals(threads, closedSeen.get(), "every thread sees the close as IllegalStateException")
        assertTrue(detector.isClosed)
    }

    @Test
    fun manyDetectorsOnManyThreads() {
        val case = Fixtures.cases.first()
        val pool = Executors.newFixedThreadPool(4)
        try {
            val futures = (0 until 8).map {
                pool.submit<Float> { GlassesDetector(Fixtures.model).use { d -> d.classify(case.bytes).probability } }
            }
            for (f in futures) assertEquals(case.probability, f.get(5, TimeUnit.MINUTES), Fixtures.tolerance)
        } finally {
            pool.shutdownNow()
        }
    }
}
