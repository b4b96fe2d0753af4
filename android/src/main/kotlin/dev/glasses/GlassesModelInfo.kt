package dev.glasses

/**
 * Which model a [GlassesDetector] runs and the threshold it applies ([GlassesDetector.modelInfo]).
 *
 * @property version Version of the trained weights (the file's `glasses.model_version`; empty
 *   when the file has none).
 * @property architecture Network architecture, e.g. `squeezenet1_1`.
 * @property classes Class names in output order (2 or 3): index 1 is eyeglasses, index 2 (when
 *   present) sunglasses.
 * @property inputWidth Model input width in pixels.
 * @property inputHeight Model input height in pixels.
 * @property threshold The decision threshold in force: [GlassesOptions.threshold], else
 *   [modelDefaultThreshold], else 0.5.
 * @property modelDefaultThreshold The threshold the model file recommends
 *   (`glasses.default_threshold`), or `null` when it carries none. It decides when
 *   [GlassesOptions.threshold] is `null` (the default).
 * @property weightPrecision How the file stores its weights.
 */
data class GlassesModelInfo(
    val version: String,
    val architecture: String,
    val classes: List<String>,
    val inputWidth: Int,
    val inputHeight: Int,
    val threshold: Float,
    val modelDefaultThreshold: Float?,
    val weightPrecision: WeightPrecision,
) {
    /** Whether the model tells sunglasses apart (three classes). */
    val hasSunglassesClass: Boolean get() = classes.size == 3

    /**
     * The JNI constructor (ffi/src/jni/convert.rs), primitives and strings only: the class names
     * comma-separated (the model contract separates them so, no name holds a comma), the model's
     * threshold as a flag and a value, the precision as its code.
     */
    @Suppress("unused")
    private constructor(
        version: String,
        architecture: String,
        classNames: String,
        inputWidth: Int,
        inputHeight: Int,
        threshold: Float,
        hasModelDefaultThreshold: Boolean,
        modelDefaultThreshold: Float,
        weightPrecisionCode: Int,
    ) : this(
        version,
        architecture,
        classNames.split(','),
        inputWidth,
        inputHeight,
        threshold,
        if (hasModelDefaultThreshold) modelDefaultThreshold else null,
        WeightPrecision.fromCode(weightPrecisionCode),
    )
}

/** How a model file stores its weights; the codes are C's `GlassesWeightPrecision`. */
enum class WeightPrecision(internal val code: Int) {
    /** The file does not say (not written by glasses' exporter). */
    UNKNOWN(0),

    /** 32-bit float weights. */
    FLOAT32(1),

    /** 8-bit integer weights, one scale per output channel (the bundled model). */
    INT8(2),
    ;

    companion object {
        /** The precision with this [code]; [UNKNOWN] for codes this version does not know. */
        fun fromCode(code: Int): WeightPrecision = entries.firstOrNull { it.code == code } ?: UNKNOWN
    }
}
