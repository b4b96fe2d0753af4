package dev.glasses

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Job
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.io.File
import java.nio.ByteBuffer
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/**
 * The suspending calls ([SuspendingGlassesDetector]) give the blocking calls' results, run on the
 * dispatcher the caller chose, and a cancelled batch stops between pictures.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SuspendingTest {
    private lateinit var detector: GlassesDetector
    private val executor = Executors.newSingleThreadExecutor { Thread(it, "glasses-test-worker") }
    private val worker = executor.asCoroutineDispatcher()

    @BeforeAll
    fun open() {
        detector = GlassesDetector(Fixtures.model)
    }

    @AfterAll
    fun close() {
        detector.close()
        worker.close()
    }

    private val face = FaceBox(4f, 6f, 30f, 36f)

    @Test
    fun everyInputGivesTheBlockingResult(): Unit = runBlocking {
        val glasses = detector.suspending(worker)
        for (case in Fixtures.cases) {
            val w = case.width
            val h = case.height
            assertEquals(detector.classify(case.bytes), glasses.classify(case.bytes), "$case encoded")
            assertEquals(
                detector.classify(case.bytes, 90, face, mirrored = true),
                glasses.classify(case.bytes, rotationDegrees = 90, faceBox = face, mirrored = true),
                "$case encoded, turned, face",
            )
            val file = File(Fixtures.dir, case.name)
            assertEquals(detector.classify(file), glasses.classify(file), "$case file")
            assertEquals(detector.classify(case.argb, w, h), glasses.classify(case.argb, w, h), "$case ARGB")
            assertEquals(
                detector.classify(case.argb, w, h, w, 270, face),
                glasses.classify(case.argb, w, h, rotationDegrees = 270, faceBox = face),
                "$case ARGB, turned, face",
            )
            val rgba = ByteBuffer.allocateDirect(w * h * 4)
            for (p in case.argb) rgba.put((p shr 16).toByte()).put((p shr 8).toByte()).put(p.toByte()).put((p ushr 24).toByte())
            rgba.flip()
            assertEquals(
                detector.classify(rgba, w, h, w * 4),
                glasses.classify(rgba, w, h, w * 4),
                "$case RGBA buffer",
            )
        }
        val planes = frame(64, 48)
        assertEquals(detector.classifyYuv(planes, 90), glasses.classifyYuv(planes, rotationDegrees = 90), "YUV frame")
        assertEquals(
            detector.classifyYuv(planes, 0, mirrored = false, faceBox = face),
            glasses.classifyYuv(planes, faceBox = face),
            "YUV frame, face",
        )
        assertEquals(detector.modelInfo(), glasses.modelInfo())
    }

    @Test
    fun callsRunOnTheChosenDispatcher(): Unit = runBlocking {
        val threads = mutableListOf<String>()
        detector.suspending(worker).classifyAll(Fixtures.cases) {
            threads += Thread.currentThread().name
            classify(it.bytes)
        }
        // Coroutines' debug mode (on under -ea) appends " @coroutine#N" to the thread name.
        assertEquals(Fixtures.cases.size, threads.size)
        assertTrue(threads.all { it.startsWith("glasses-test-worker") }, "ran on $threads")
        // The default is Dispatchers.Default: never the calling thread.
        val caller = Thread.currentThread().name
        val ran = detector.suspending().withDetector { Thread.currentThread().name }
        assertNotEquals(caller, ran)
        assertTrue(ran.startsWith("DefaultDispatcher-worker"), "ran on $ran")
    }

    @Test
    fun aBatchGivesTheBlockingResultsInOrder(): Unit = runBlocking {
        val images = Fixtures.cases.map { it.bytes }
        assertEquals(images.map { detector.classify(it) }, detector.suspending(worker).classifyAll(images))
    }

    @Test
    fun aBatchCancelledFromInsideStopsAtTheNextPicture(): Unit = runBlocking {
        val images = List(20) { Fixtures.cases[it % Fixtures.cases.size].bytes }
        val started = AtomicInteger()
        lateinit var batch: Job
        batch = launch(worker) {
            detector.suspending(worker).classifyAll(images) { image ->
                // The third picture cancels its own batch: it finishes, no fourth starts.
                if (started.incrementAndGet() == 3) batch.cancel()
                classify(image)
            }
        }
        batch.join()
        assertTrue(batch.isCancelled)
        assertEquals(3, started.get(), "pictures started after the batch was cancelled")
    }

    @Test
    fun aBatchCancelledByItsCallerStopsEarly(): Unit = runBlocking {
        val images = List(200) { Fixtures.cases[it % Fixtures.cases.size].bytes }
        val started = AtomicInteger()
        val secondStarted = CompletableDeferred<Unit>()
        val release = CountDownLatch(1)
        val batch = async(worker) {
            detector.suspending(worker).classifyAll(images) { image ->
                if (started.incrementAndGet() == 2) {
                    secondStarted.complete(Unit)
                    // Hold the second picture until the caller has cancelled.
                    release.await(10, TimeUnit.SECONDS)
                }
                classify(image)
            }
        }
        secondStarted.await()
        batch.cancel()
        release.countDown()
        batch.join()
        assertThrows(CancellationException::class.java) { runBlocking { batch.await() } }
        assertEquals(2, started.get(), "the batch went on after its caller cancelled it")
    }

    @Test
    fun aCancelledCallerNeverStartsAClassification(): Unit = runBlocking {
        val started = AtomicInteger()
        val job = launch(worker, start = kotlinx.coroutines.CoroutineStart.LAZY) {
            detector.suspending(worker).withDetector { started.incrementAndGet() }
        }
        job.cancelAndJoin()
        assertEquals(0, started.get())
    }

    @Test
    fun errorsAndClosedDetectorsThrowAsTheBlockingCallsDo(): Unit = runBlocking {
        val glasses = detector.suspending(worker)
        val e = assertThrows(GlassesException::class.java) { runBlocking { glasses.classify(byteArrayOf(1, 2, 3)) } }
        assertEquals(ErrorKind.INVALID_IMAGE, e.kind)
        val closed = GlassesDetector(Fixtures.model).also { it.close() }.suspending(worker)
        assertThrows(IllegalStateException::class.java) { runBlocking { closed.classify(Fixtures.cases[0].bytes) } }
    }

    /** An I420 frame of gradients in direct buffers. */
    private fun frame(width: Int, height: Int): YuvPlanes {
        val y = ByteBuffer.allocateDirect(width * height)
        for (row in 0 until height) for (col in 0 until width) y.put(((row * 5 + col * 3) and 0xff).toByte())
        val cw = width / 2
        val ch = height / 2
        val u = ByteBuffer.allocateDirect(cw * ch)
        val v = ByteBuffer.allocateDirect(cw * ch)
        for (i in 0 until cw * ch) {
            u.put((100 + i % 50).toByte())
            v.put((150 - i % 40).toByte())
        }
        y.flip()
        u.flip()
        v.flip()
        return YuvPlanes(y, width, u, v, cw, 1, width, height)
    }
}
