package dev.glasses

/**
 * Byte layout of the raw pixels given to [GlassesDetector.classify] as a [java.nio.ByteBuffer].
 * Alpha is ignored; premultiplied colours are used as they are.
 *
 * [code] is the native library's pixel format code, the same number as C's `GlassesPixelFormat`
 * (`GLASSES_PIXEL_FORMAT_*` in `glasses.h`) and Swift's `PixelFormat` case in that order; the
 * tests compare each code with the header.
 */
enum class PixelLayout(internal val code: Int, val bytesPerPixel: Int) {
    /** R, G, B, A bytes: `Bitmap.copyPixelsToBuffer` of an `ARGB_8888` bitmap (C `RGBA8`). */
    RGBA_8888(0, 4),

    /** B, G, R, A bytes (C `BGRA8`). */
    BGRA_8888(1, 4),

    /**
     * `0xAARRGGBB` ints in the platform's native byte order, as `Bitmap.getPixels` writes them,
     * in a buffer (e.g. a direct `ByteBuffer` in `ByteOrder.nativeOrder()` filled through
     * `asIntBuffer()`); `rowStride` in bytes, a multiple of 4 (C `ARGB32`).
     */
    ARGB_INT(2, 4),

    /** R, G, B bytes (C `RGB8`). */
    RGB_888(3, 3),

    /** One luminance byte per pixel, e.g. the Y plane of a YUV camera frame (C `GRAY8`). */
    GRAY_8(4, 1),
}
