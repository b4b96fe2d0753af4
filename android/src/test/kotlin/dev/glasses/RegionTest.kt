package dev.glasses

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Test

/**
 * The region calls (a face detector's box on a larger picture) against the whole-picture calls on
 * the framed crop, cut out here in Kotlin, with the random-weight fixture model: every input path
 * must classify exactly the region core frames around the box (x, y, width and height reach the
 * native code in their places), the parts beyond the picture repeating its edge.
 *
 * The framing below mirrors core's `FaceFraming::HAAR_CELEBA` and `region::framed_region`
 * (core/src/input/region.rs); if core's framing changes, change it here too.
 */
class RegionTest : FixtureModelTest() {
    /** A whole-pixel rectangle, possibly reaching outside the picture. */
    private data class Region(val x: Long, val y: Long, val width: Int, val height: Int)

    /** Rust's `f64::round`: halves away from zero. */
    private fun round(v: Double): Double = if (v < 0) -Math.round(-v).toDouble() else Math.round(v).toDouble()

    private fun framed(box: FaceBox): Region {
        val (scaleX, scaleY, dx, dy) = listOf(1.669f, 2.044f, -0.003f, -0.145f).map { it.toDouble() }
        val (x, y, bw, bh) = listOf(box.x, box.y, box.width, box.height).map { it.toDouble() }
        val cw = bw * scaleX
        val ch = bh * scaleY
        val cx = x + bw / 2.0 + dx * bw
        val cy = y + bh / 2.0 + dy * bh
        return Region(
            round(cx - cw / 2.0).toLong(),
            round(cy - ch / 2.0).toLong(),
            maxOf(round(cw), 1.0).toInt(),
            maxOf(round(ch), 1.0).toInt(),
        )
    }

    /** The region's pixels, edge pixels repeated outside the picture; stride = region width. */
    private fun crop(argb: IntArray, width: Int, height: Int, r: Region): IntArray =
        IntArray(r.width * r.height) { i ->
            val sx = (r.x + i % r.width).coerceIn(0, width - 1L).toInt()
            val sy = (r.y + i / r.width).coerceIn(0, height - 1L).toInt()
            argb[sy * width + sx]
        }

    private fun assertSame(want: GlassesResult, got: GlassesResult, what: String) {
        assertEquals(want.probability, got.probability, Fixtures.tolerance, "$what: probability")
        assertEquals(want.probabilityNone, got.probabilityNone, Fixtures.tolerance, "$what: probabilityNone")
        assertEquals(want.hasGlasses, got.hasGlasses, "$what: hasGlasses")
        assertEquals(want.eyewear, got.eyewear, "$what: eyewear")
        assertEquals(null, got.probabilitySunglasses, "$what: two-class model")
    }

    /** Boxes on [case]: inside, non-square, fractional, and reaching past each edge. */
    private fun boxes(case: FixtureCase): List<FaceBox> {
        val (w, h) = case.width.toFloat() to case.height.toFloat()
        return listOf(
            FaceBox(w * 0.3f, h * 0.35f, w * 0.3f, h * 0.25f),
            FaceBox(w * 0.21f + 0.37f, h * 0.4f + 0.61f, w * 0.17f + 0.2f, h * 0.33f + 0.9f),
            FaceBox(-w * 0.1f, -h * 0.2f, w * 0.35f, h * 0.3f),
            FaceBox(w * 0.8f, h * 0.7f, w * 0.4f, h * 0.5f),
            FaceBox(w - 1f, h - 1f, 2f, 3f),
        )
    }

    @Test
    fun everyPathClassifiesTheFramedRegion() {
        val cases = Fixtures.cases.filter { it.name.startsWith("large") || it.name.startsWith("rings") || it.name.startsWith("noise") }
        assertEquals(3, cases.size)
        for (case in cases) {
            val (w, h) = case.width to case.height
            for (box in boxes(case)) {
                val r = framed(box)
                val cropped = crop(case.argb, w, h, r)
                val what = "$case $box -> $r"
                val want = detector.classify(cropped, r.width, r.height)
                assertSame(want, detector.classify(case.bytes, box), "$what, encoded")
                assertSame(want, detector.classify(case.argb, w, h, box), "$what, IntArray")
                assertSame(want, detector.classify(padRows(case.argb, w, h, w + 5), w, h, w + 5, box), "$what, IntArray stride")
                for (layout in PixelLayout.entries) {
                    // Padded rows; ARGB_INT rows must start on whole ints.
                    val rowStride = w * layout.bytesPerPixel + if (layout == PixelLayout.ARGB_INT) 4 else 3
                    val wantBytes = detector.classify(
                        layoutBytes(cropped, r.width, r.height, r.width * layout.bytesPerPixel, layout),
                        r.width,
                        r.height,
                        r.width * layout.bytesPerPixel,
                        layout,
                    )
                    if (layout != PixelLayout.GRAY_8) assertSame(want, wantBytes, "$what, $layout crop")
                    val got = detector.classify(layoutBytes(case.argb, w, h, rowStride, layout), w, h, rowStride, layout, box)
                    assertSame(wantBytes, got, "$what, $layout buffer")
                }
                val rgba = layoutBytes(case.argb, w, h, w * 4, PixelLayout.RGBA_8888)
                assertSame(want, detector.classify(rgba, w, h, w * 4, box), "$what, default layout")
            }
        }
    }

    @Test
    fun theBoxMatters() {
        // Width and height, x and y reach the native code in their places: swapping them changes
        // the region and, on these pictures, the answer.
        val case = Fixtures.cases.first { it.name.startsWith("large") }
        val box = FaceBox(100f, 260f, 60f, 140f)
        val a = detector.classify(case.bytes, box)
        val swappedSize = detector.classify(case.bytes, FaceBox(100f, 260f, 140f, 60f))
        val swappedPlace = detector.classify(case.bytes, FaceBox(260f, 100f, 60f, 140f))
        assertNotEquals(a.probability, swappedSize.probability)
        assertNotEquals(a.probability, swappedPlace.probability)
    }

    @Test
    fun fromEdgesIsLeftTopRightBottom() {
        assertEquals(FaceBox(10f, 20f, 30f, 50f), FaceBox.fromEdges(10f, 20f, 40f, 70f))
        assertEquals(FaceBox(10f, 20f, -5f, 0f), FaceBox.fromEdges(10f, 20f, 5f, 20f))
    }
}
