package dev.glasses

/**
 * The answer for one image.
 *
 * @property hasGlasses whether the person wears eyeglasses: `probability >= threshold` of the
 *   detector that produced it.
 * @property probability P(eyeglasses) in `[0, 1]`.
 */
data class GlassesResult(val hasGlasses: Boolean, val probability: Float)
// The native code constructs this through its primary constructor, JVM signature (ZF)V.
