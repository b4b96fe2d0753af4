package dev.glasses

/**
 * Byte layout of the raw pixels given to [GlassesDetector.classify] as a [java.nio.ByteBuffer].
 * Alpha is ignored; premultiplied colours are used as they are.
 */
enum class PixelLayout(internal val code: Int, val bytesPerPixel: Int) {
    /** R, G, B, A bytes: `Bitmap.copyPixelsToBuffer` of an `ARGB_8888` bitmap. */
    RGBA_8888(0, 4),

    /** B, G, R, A bytes. */
    BGRA_8888(1, 4),

    /** R, G, B bytes. */
    RGB_888(2, 3),

    /** One luminance byte per pixel, e.g. the Y plane of a YUV camera frame. */
    GRAY_8(3, 1),
}
