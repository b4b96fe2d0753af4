package dev.glasses

import java.nio.ByteBuffer

/**
 * A `YUV_420_888` camera frame as Android describes it (`android.media.Image.planes`, CameraX's
 * `ImageProxy.planes`, ML Kit's `InputImage` from a media image): a full-size luma plane [y] and
 * two half-size chroma planes [u] (Cb) and [v] (Cr), each a *direct* [ByteBuffer] read from its
 * position on. Colours are BT.601, full range ([fullRange], what Android cameras produce) or
 * limited (16-235).
 *
 * * `I420` (planar): `u` and `v` are separate planes, [uvPixelStride] 1, [uvRowStride] `width / 2`.
 * * `NV21` (the camera1 preview format): one interleaved `VUVU...` plane; [v] is that plane and
 *   [u] the same memory one byte on (`plane.position(1); plane.slice()`), [uvPixelStride] 2.
 * * `NV12`: `UVUV...`; [u] is the plane, [v] the same one byte on, [uvPixelStride] 2.
 *
 * From an `android.media.Image`: `planes[0].buffer` / `rowStride`, `planes[1]` and `planes[2]`
 * buffers with `planes[1].rowStride` / `pixelStride` (the `classify(image, rotationDegrees)`
 * extension on Android does that).
 *
 * @property width frame width in pixels, even and positive (the stored, not the upright, size).
 * @property height frame height in pixels, even and positive.
 * @property yRowStride bytes between luma rows (at least [width]).
 * @property uvRowStride bytes between chroma rows of [u] and of [v].
 * @property uvPixelStride bytes between neighbouring chroma samples (1 planar, 2 interleaved).
 */
data class YuvPlanes @JvmOverloads constructor(
    val y: ByteBuffer,
    val yRowStride: Int,
    val u: ByteBuffer,
    val v: ByteBuffer,
    val uvRowStride: Int,
    val uvPixelStride: Int,
    val width: Int,
    val height: Int,
    val fullRange: Boolean = true,
)
