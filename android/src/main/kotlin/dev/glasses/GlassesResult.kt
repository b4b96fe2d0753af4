package dev.glasses

/**
 * The answer for one image.
 *
 * ```kotlin
 * when (result.eyewear) {
 *     Eyewear.EYEGLASSES -> ...
 *     Eyewear.SUNGLASSES -> ...   // only from models with a sunglasses class (the bundled one has it)
 *     Eyewear.NONE -> ...
 * }
 * ```
 *
 * @property hasGlasses whether the person wears eyeglasses: `probability >= threshold` of the
 *   detector that produced it.
 * @property probability P(eyeglasses) in `[0, 1]` (also [probabilityEyeglasses]).
 * @property eyewear what the face wears: [Eyewear.EYEGLASSES] exactly when [hasGlasses], otherwise
 *   the more probable of [Eyewear.NONE] and [Eyewear.SUNGLASSES]. At the default threshold (0.5)
 *   this is the most probable class (except in a near three-way tie below 0.5).
 * @property probabilityNone P(no eyewear). For a two-class model: P(no eyeglasses), sunglasses
 *   included, `1 - probability`.
 * @property probabilitySunglasses P(sunglasses), or `null` when the model has no sunglasses class
 *   (a two-class model file). The bundled model has three classes.
 * @property face the face the built-in detector found that this answer is for (pixels of the
 *   upright picture); `null` when the whole picture was classified ([FaceMode.WHOLE], or
 *   [FaceMode.AUTO] found no face) or the call gave the [FaceBox] itself.
 *
 * The shorter constructors describe a two-class answer (no sunglasses class); they are for
 * callers' own tests and fakes.
 */
data class GlassesResult @JvmOverloads constructor(
    val hasGlasses: Boolean,
    val probability: Float,
    val eyewear: Eyewear = if (hasGlasses) Eyewear.EYEGLASSES else Eyewear.NONE,
    val probabilityNone: Float = 1f - probability,
    val probabilitySunglasses: Float? = null,
    val face: DetectedFace? = null,
) {
    /** P(eyeglasses): the same value as [probability]. */
    val probabilityEyeglasses: Float get() = probability
}

/** What a face wears over the eyes ([GlassesResult.eyewear]). */
enum class Eyewear(internal val code: Int, val label: String) {
    /** No eyewear (or none the model can see). */
    NONE(0, "none"),

    /** Eyeglasses: clear lenses, eyes visible. */
    EYEGLASSES(1, "eyeglasses"),

    /** Sunglasses: dark, mirrored or strongly tinted lenses. Only three-class models predict it. */
    SUNGLASSES(2, "sunglasses"),
    ;

    companion object {
        /**
         * The kind whose [label] (the class name of the model metadata, the CLI and the other
         * bindings: `"none"`, `"eyeglasses"`, `"sunglasses"`) is [label]; `null` for others.
         */
        @JvmStatic
        fun fromLabel(label: String): Eyewear? = entries.firstOrNull { it.label == label }

        /** The native code's kind; a code this version does not know follows [hasGlasses]. */
        internal fun fromCode(code: Int, hasGlasses: Boolean): Eyewear =
            entries.firstOrNull { it.code == code } ?: if (hasGlasses) EYEGLASSES else NONE
    }
}
