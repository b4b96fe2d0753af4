package dev.glasses

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import javax.imageio.ImageIO

/**
 * Concurrency at scale through JNI: [THREADS] threads share one [GlassesDetector] and each
 * classifies every one of [IMAGES] distinct generated inputs (all input paths: IntArray with and
 * without row padding, direct RGBA/BGRA/GRAY buffers, a heap RGB buffer, encoded PNG), each thread
 * in its own order. Every result must equal, bit for bit, the single-thread result for the same
 * input.
 *
 * Sizes come from system properties so a long run can use more:
 * `-Dglasses.stress.images=5000 -Dglasses.stress.threads=16` (defaults 300 and 8: 2,400 concurrent
 * classifications, a few seconds against the debug library).
 */
class ConcurrencyTest {
    /** One generated input and the call that classifies it. */
    private class Input(val description: String, val classify: (GlassesDetector) -> GlassesResult)

    @Test
    fun threadsSharingOneDetectorMatchOneThreadBitForBit() {
        val inputs = List(IMAGES) { generate(it) }
        GlassesDetector(Fixtures.model).use { detector ->
            val t0 = System.nanoTime()
            val reference = inputs.map { it.classify(detector) }
            val referenceMs = (System.nanoTime() - t0) / 1_000_000
            // Distinct answers, so a result handed to the wrong call or thread would show.
            val distinct = reference.map { it.probability.toRawBits() }.toSet().size
            assertTrue(distinct * 2 >= IMAGES, "only $distinct distinct probabilities among $IMAGES inputs")

            val pool = Executors.newFixedThreadPool(THREADS)
            val t1 = System.nanoTime()
            try {
                val gate = CountDownLatch(1)
                val futures = (0 until THREADS).map { t ->
                    pool.submit<Pair<Int, List<String>>> {
                        gate.await()
                        var step = 1 + 2 * t
                        while (gcd(step % IMAGES, IMAGES) != 1) step++
                        val start = (t.toLong() * 7919 % IMAGES).toInt()
                        val mismatches = ArrayList<String>()
                        var compared = 0
                        for (k in 0 until IMAGES) {
                            val i = ((start + k.toLong() * step) % IMAGES).toInt()
                            val got = inputs[i].classify(detector)
                            val want = reference[i]
                            compared++
                            if (got.probability.toRawBits() != want.probability.toRawBits() || got.hasGlasses != want.hasGlasses) {
                                mismatches += "thread $t, input $i (${inputs[i].description}): $got, one thread $want"
                            }
                        }
                        compared to mismatches
                    }
                }
                gate.countDown()
                val results = futures.map { it.get(5, TimeUnit.MINUTES) }
                val wallMs = (System.nanoTime() - t1) / 1_000_000
                val mismatches = results.flatMap { it.second }
                val compared = results.sumOf { it.first }
                println(
                    "JNI stress: threads=$THREADS images=$IMAGES classifications=$compared mismatches=${mismatches.size} " +
                        "distinct=$distinct wall_ms=$wallMs reference_ms=$referenceMs",
                )
                assertEquals(emptyList<String>(), mismatches.take(20), "${mismatches.size} results differ from one thread")
                assertEquals(THREADS * IMAGES, compared)
            } finally {
                pool.shutdownNow()
            }
        }
    }

    companion object {
        val IMAGES: Int = Integer.getInteger("glasses.stress.images", 300)
        val THREADS: Int = Integer.getInteger("glasses.stress.threads", 8)

        /** lowbias32: the same images on every JVM. */
        private fun hash32(v: Int): Int {
            var x = v
            x = x xor (x ushr 16)
            x *= 0x7feb352d
            x = x xor (x ushr 15)
            x *= 0x846ca68b.toInt()
            x = x xor (x ushr 16)
            return x
        }

        private tailrec fun gcd(a: Int, b: Int): Int = if (b == 0) a else gcd(b, a % b)

        /** Input [index]: 8..64 pixels a side, a per-image gradient plus noise, one of 7 input paths. */
        private fun generate(index: Int): Input {
            val h = hash32(index * -0x61c88647 + 0x9e3779b9.toInt())
            val width = 8 + (h and 0xff) % 57
            val height = 8 + ((h ushr 8) and 0xff) % 57
            val ax = 1 + ((h ushr 16) and 0xff) % 7
            val ay = 1 + ((h ushr 20) and 0xff) % 5
            val base = h ushr 24
            val argb = IntArray(width * height) { p ->
                val (x, y) = p % width to p / width
                val n = hash32(h xor (y shl 8 or x))
                val r = (x * ax * 4 + (n and 63)) and 0xff
                val g = (y * ay * 4 + ((n ushr 8) and 63)) and 0xff
                val b = ((x + y) * 3 + base + ((n ushr 16) and 63)) and 0xff
                (0xff shl 24) or (r shl 16) or (g shl 8) or b
            }
            val pad = (h ushr 28) % 3
            val what = "#$index ${width}x$height"
            return when (index % 7) {
                0 -> Input("$what IntArray") { it.classify(argb, width, height) }
                1 -> {
                    val stride = width + 1 + pad
                    val padded = padRows(argb, width, height, stride)
                    Input("$what IntArray stride $stride") { it.classify(padded, width, height, stride) }
                }
                2 -> bytes(what, argb, width, height, pad, PixelLayout.RGBA_8888, direct = true)
                3 -> bytes(what, argb, width, height, pad, PixelLayout.BGRA_8888, direct = true)
                4 -> bytes(what, argb, width, height, pad, PixelLayout.RGB_888, direct = false)
                5 -> bytes(what, argb, width, height, pad, PixelLayout.GRAY_8, direct = true)
                else -> {
                    val image = BufferedImage(width, height, BufferedImage.TYPE_INT_RGB)
                    image.setRGB(0, 0, width, height, argb, 0, width)
                    val png = ByteArrayOutputStream().also { check(ImageIO.write(image, "png", it)) }.toByteArray()
                    Input("$what PNG") { it.classify(png) }
                }
            }
        }

        /** The pixels as [layout] bytes, rows padded by 4 * [pad] bytes of junk. */
        private fun bytes(what: String, argb: IntArray, width: Int, height: Int, pad: Int, layout: PixelLayout, direct: Boolean): Input {
            val rowStride = width * layout.bytesPerPixel + 4 * pad
            val buffer = layoutBytes(argb, width, height, rowStride, layout, direct)
            val kind = "${if (direct) "direct" else "heap"} $layout rowStride $rowStride"
            return Input("$what $kind") { it.classify(buffer, width, height, rowStride, layout) }
        }
    }
}
