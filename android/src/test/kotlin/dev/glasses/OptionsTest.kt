package dev.glasses

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.nio.ByteBuffer

/** [GlassesOptions]: the limits reach the native library and refuse what they should. */
class OptionsTest {
    private fun failure(kind: ErrorKind, call: () -> Unit): GlassesException {
        val e = assertThrows(GlassesException::class.java) { call() }
        assertEquals(kind, e.kind, e.message)
        return e
    }

    @Test
    fun defaultsAreTheNativeLibrarys() {
        // The default leaves the threshold to the model; this file has none, so 0.5 is in force.
        assertEquals(null, GlassesOptions().threshold)
        GlassesDetector(Fixtures.model).use {
            assertEquals(GlassesOptions(threshold = GlassesOptions.DEFAULT_THRESHOLD), it.options)
        }
        val options = GlassesOptions(threshold = 0.25f, maxPixels = 1234, maxFileBytes = 5678)
        GlassesDetector(Fixtures.model, options).use {
            assertEquals(options, it.options)
            assertEquals(0.25f, it.threshold)
        }
        assertEquals(options, GlassesOptions().withThreshold(0.25f).withMaxPixels(1234).withMaxFileBytes(5678))
    }

    @Test
    fun maxPixelsRefusesALargerPicture() {
        val case = Fixtures.cases.first { it.name.startsWith("rings") } // 160 x 200 = 32,000 pixels
        val pixels = case.width.toLong() * case.height
        GlassesDetector(Fixtures.model, GlassesOptions(maxPixels = pixels)).use { d ->
            assertEquals(case.probability, d.classify(case.bytes).probability, Fixtures.tolerance)
        }
        GlassesDetector(Fixtures.model, GlassesOptions(maxPixels = pixels - 1)).use { d ->
            val e = failure(ErrorKind.IMAGE_TOO_LARGE) { d.classify(case.bytes) }
            assertTrue(e.reason.contains("${pixels - 1}"), e.reason)
            // Raw pixels are already in memory: the limit is for decoding and framing.
            d.classify(case.argb, case.width, case.height)
            failure(ErrorKind.INVALID_REGION) { d.classify(case.argb, case.width, case.height, FaceBox(0f, 0f, 150f, 190f)) }
        }
    }

    @Test
    fun maxFileBytesRefusesALargerFile(@TempDir dir: File) {
        val case = Fixtures.cases.first()
        val file = File(dir, "face.png").apply { writeBytes(case.bytes) }
        GlassesDetector(Fixtures.model, GlassesOptions(maxFileBytes = file.length())).use { d ->
            assertEquals(case.probability, d.classify(file).probability, Fixtures.tolerance)
            val box = FaceBox(2f, 2f, 20f, 20f)
            assertEquals(d.classify(case.bytes, box), d.classify(file, box))
        }
        GlassesDetector(Fixtures.model, GlassesOptions(maxFileBytes = file.length() - 1)).use { d ->
            val e = failure(ErrorKind.FILE_TOO_LARGE) { d.classify(file) }
            assertTrue(e.reason.contains("${file.length() - 1}"), e.reason)
            failure(ErrorKind.FILE_TOO_LARGE) { d.classify(file, FaceBox(2f, 2f, 20f, 20f)) }
            // The limit is for files: the same bytes from memory are fine.
            d.classify(case.bytes)
        }
        GlassesDetector(Fixtures.model).use { d ->
            failure(ErrorKind.NOT_A_REGULAR_FILE) { d.classify(dir) }
            failure(ErrorKind.IO) { d.classify(File(dir, "missing.png")) }
        }
    }

    @Test
    fun argbIntsInABufferEqualTheIntArray() {
        val case = Fixtures.cases.first { it.name.startsWith("noise") }
        val (w, h) = case.width to case.height
        val rowStride = (w + 3) * 4
        val buffer = ByteBuffer.allocateDirect(rowStride * h).order(java.nio.ByteOrder.nativeOrder())
        for (y in 0 until h) for (x in 0 until w) buffer.putInt(y * rowStride + x * 4, case.argb[y * w + x])
        GlassesDetector(Fixtures.model).use { d ->
            assertEquals(d.classify(case.argb, w, h), d.classify(buffer, w, h, rowStride, PixelLayout.ARGB_INT))
            failure(ErrorKind.INVALID_PIXEL_BUFFER) { d.classify(buffer, w, h, rowStride - 1, PixelLayout.ARGB_INT) }
        }
    }

    /** A model with an operator only the native library's `onnx-any` feature reads. */
    @Test
    fun onnxAnyModelsSayWhatToDo() {
        val model = File(Fixtures.dir, "needs-onnx-any.onnx").readBytes()
        val e = failure(ErrorKind.INVALID_MODEL) { GlassesDetector(model) }
        assertTrue(e.reason.contains("`Tanh`") && e.reason.contains("--features onnx-any"), e.reason)
    }
}
