package dev.glasses

/**
 * A face detector's box around one face, in pixels of the picture being classified, origin at
 * its top-left corner (as Android's `Rect` and ML Kit's `Face.boundingBox`; on Android,
 * `classify(bitmap, rect)` takes the `Rect` itself).
 *
 * The native library expands the box to the framing the model was trained on (the whole head
 * with some margin) before classifying, so pass the detector's box as it is. It may reach past
 * the picture's edges (a face at the border: the missing part repeats the edge pixels), but it
 * must have a finite, positive [width] and [height] and overlap the picture; otherwise the call
 * throws [GlassesException] with [ErrorKind.INVALID_REGION].
 *
 * @property x left edge, pixels from the picture's left edge (may be negative).
 * @property y top edge, pixels from the picture's top edge (may be negative).
 * @property width width in pixels.
 * @property height height in pixels.
 */
data class FaceBox(val x: Float, val y: Float, val width: Float, val height: Float) {
    companion object {
        /** The box between the edges [left], [top], [right] and [bottom] (like `Rect`/`RectF`). */
        @JvmStatic
        fun fromEdges(left: Float, top: Float, right: Float, bottom: Float): FaceBox =
            FaceBox(left, top, right - left, bottom - top)
    }
}
