package dev.glasses

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File

/**
 * Kotlin's codes are the native library's one table (ffi/src/codes.rs): every [PixelLayout] code
 * and every [ErrorKind] code must be the value of the same name in the committed C header, so a
 * code that drifts on any surface fails here.
 */
class CodesTest {
    /** `NAME -> value` of every enumerator `PREFIX...` in ffi/include/glasses.h. */
    private fun header(prefix: String): Map<String, Int> {
        val header = File(Fixtures.repoRoot, "ffi/include/glasses.h")
        assertTrue(header.isFile, "no header at $header")
        val line = Regex("""^\s*(${prefix}[A-Z0-9_]+)\s*=\s*(\d+),?\s*$""")
        return header.readLines().mapNotNull { line.find(it) }.associate { it.groupValues[1] to it.groupValues[2].toInt() }
    }

    /** Each of [entries] has the code of the header's `PREFIX + name`, and the header has no other. */
    private fun <E : Enum<E>> assertSameNamesAndCodes(prefix: String, entries: List<E>, code: (E) -> Int) {
        val c = header(prefix)
        assertEquals(entries.size, c.size, "header's $prefix values: $c")
        for (entry in entries) {
            assertEquals(c["$prefix${entry.name}"], code(entry), "$entry")
        }
    }

    @Test
    fun pixelLayoutCodesAreTheHeaderPixelFormats() {
        val c = header("GLASSES_PIXEL_FORMAT_")
        assertEquals(5, c.size, "header formats: $c")
        // Kotlin's names follow Android's Bitmap.Config; C's name for each, written out once.
        val names = mapOf(
            PixelLayout.RGBA_8888 to "GLASSES_PIXEL_FORMAT_RGBA8",
            PixelLayout.BGRA_8888 to "GLASSES_PIXEL_FORMAT_BGRA8",
            PixelLayout.ARGB_INT to "GLASSES_PIXEL_FORMAT_ARGB32",
            PixelLayout.RGB_888 to "GLASSES_PIXEL_FORMAT_RGB8",
            PixelLayout.GRAY_8 to "GLASSES_PIXEL_FORMAT_GRAY8",
        )
        assertEquals(PixelLayout.entries.toSet(), names.keys, "every layout needs its C name here")
        for ((layout, name) in names) {
            assertEquals(c[name], layout.code, "$layout is $name")
        }
        assertEquals(c.values.toSet(), PixelLayout.entries.map { it.code }.toSet(), "every C format has a layout")
    }

    @Test
    fun errorKindCodesAreTheHeaderStatuses() {
        val c = header("GLASSES_STATUS_")
        assertEquals(20, c.size, "header statuses: $c")
        for (kind in ErrorKind.entries) {
            assertEquals(c["GLASSES_STATUS_${kind.name}"], kind.code, "$kind")
        }
        // Every C failure a Kotlin call can meet has a kind (C's NULL_ARGUMENT and PANIC cannot
        // reach Kotlin: it passes no nulls, and a native panic is INTERNAL).
        val kotlin = ErrorKind.entries.map { "GLASSES_STATUS_${it.name}" }.toSet()
        assertEquals(setOf("GLASSES_STATUS_OK", "GLASSES_STATUS_NULL_ARGUMENT", "GLASSES_STATUS_PANIC"), c.keys - kotlin)
    }

    @Test
    fun faceModeCodesAreTheHeaderFaceModes() {
        assertSameNamesAndCodes("GLASSES_FACE_MODE_", FaceMode.entries) { it.code }
        assertEquals(FaceMode.AUTO, GlassesOptions().faceMode, "the default is C's zero")
    }

    @Test
    fun weightPrecisionCodesAreTheHeaderPrecisions() {
        assertSameNamesAndCodes("GLASSES_WEIGHT_PRECISION_", WeightPrecision.entries) { it.code }
        assertEquals(WeightPrecision.UNKNOWN, WeightPrecision.fromCode(99), "a code this version does not know")
    }
}
