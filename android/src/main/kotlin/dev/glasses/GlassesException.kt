package dev.glasses

/** Why a [GlassesDetector] call failed. [code] values are stable and shared with the native code. */
enum class ErrorKind(val code: Int) {
    /** The encoded image is empty, truncated, corrupt or of an unsupported format. */
    INVALID_IMAGE(1),

    /** The image is larger than the native pixel limit (64 megapixels). */
    IMAGE_TOO_LARGE(2),

    /** Raw pixels do not match their width, height, stride or layout. */
    INVALID_PIXEL_BUFFER(3),

    /** The model bytes are not a readable ONNX model. */
    INVALID_MODEL(4),

    /** The model is valid ONNX but not a glasses model (wrong inputs, outputs or metadata). */
    CONTRACT_VIOLATION(5),

    /** An option is out of range (threshold outside `[0, 1]`). */
    INVALID_OPTIONS(6),

    /** The inference engine failed on a model that loaded. */
    INFERENCE(7),

    /** The native library was built without a bundled model. */
    NO_BUNDLED_MODEL(8),

    /** An argument was null or unusable before reaching the classifier. */
    INVALID_ARGUMENT(9),

    /** A native panic or an error this version does not know; the detector stays usable. */
    INTERNAL(10),

    /** The encoded image ends before its picture data does (a JPEG cut before its end marker). */
    TRUNCATED_IMAGE(11),

    /** Memory for the picture could not be allocated; the call failed, the process lives. */
    OUT_OF_MEMORY(12),

    /**
     * The [FaceBox] is not usable: a coordinate is NaN or infinite, its width or height is zero or
     * negative, it lies wholly outside the picture, or its framing is larger than the pixel limit.
     */
    INVALID_REGION(13),
    ;

    companion object {
        /** The kind with this [code]; [INTERNAL] for codes this version does not know. */
        @JvmStatic
        fun fromCode(code: Int): ErrorKind = entries.firstOrNull { it.code == code } ?: INTERNAL
    }
}

/**
 * A classification or model-loading failure reported by the native library.
 *
 * @property kind what went wrong, as a stable category.
 * @property reason the native library's explanation, in words.
 */
class GlassesException(val kind: ErrorKind, val reason: String) : RuntimeException("$kind: $reason") {
    /** Called by the native code (JNI signature `(ILjava/lang/String;)V`); keep it. */
    constructor(code: Int, reason: String) : this(ErrorKind.fromCode(code), reason)

    /** [ErrorKind.code] of [kind]. */
    val code: Int get() = kind.code
}
