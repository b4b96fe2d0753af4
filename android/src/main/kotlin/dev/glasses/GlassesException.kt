package dev.glasses

/**
 * Why a [GlassesDetector] call failed.
 *
 * [code] values are the native library's status codes: the same number and name as C's
 * `GLASSES_STATUS_*` in `glasses.h` (`INVALID_ARGUMENT` is `GLASSES_STATUS_INVALID_ARGUMENT`, 2),
 * so one table of codes serves every surface; the tests compare each code with the header. C's
 * `NULL_ARGUMENT` (1) and `PANIC` (10) have no kind here: Kotlin passes no nulls to the native
 * code, and a native panic is [INTERNAL]. Codes never change; new kinds are appended.
 */
enum class ErrorKind(val code: Int) {
    /**
     * An argument or option is out of range: a threshold outside `[0, 1]`, a limit of zero or
     * less, an unknown pixel layout, a heap buffer where a direct one is needed.
     */
    INVALID_ARGUMENT(2),

    /** The encoded image is empty, truncated, corrupt or of an unsupported format. */
    INVALID_IMAGE(3),

    /** The image is larger than [GlassesOptions.maxPixels] (64 megapixels by default). */
    IMAGE_TOO_LARGE(4),

    /** Raw pixels do not match their width, height, stride or layout. */
    INVALID_PIXEL_BUFFER(5),

    /**
     * The model bytes are not a model this library reads; the reason says why (and, for a model
     * that needs the native library's `onnx-any` feature, how to build it).
     */
    INVALID_MODEL(6),

    /** The model is valid ONNX but not a glasses model (wrong inputs, outputs or metadata). */
    CONTRACT_VIOLATION(7),

    /** A file could not be read ([GlassesDetector.classify] with a `File`). */
    IO(8),

    /** The inference engine failed on a model that loaded. */
    INFERENCE(9),

    /** The native library was built without a bundled model. */
    NO_BUNDLED_MODEL(11),

    /** A native panic or an error this version does not know; the detector stays usable. */
    INTERNAL(12),

    /** The encoded image ends before its picture data does (a JPEG cut before its end marker). */
    TRUNCATED_IMAGE(13),

    /** Memory for the picture could not be allocated; the call failed, the process lives. */
    OUT_OF_MEMORY(14),

    /** An image file is larger than [GlassesOptions.maxFileBytes]; it was not read. */
    FILE_TOO_LARGE(15),

    /** A path names a folder, device, FIFO or socket instead of a regular file; it was not read. */
    NOT_A_REGULAR_FILE(16),

    /**
     * The [FaceBox] is not usable: a coordinate is NaN or infinite, its width or height is zero or
     * negative, it lies wholly outside the picture, or its framing is larger than the pixel limit.
     */
    INVALID_REGION(17),

    /** [FaceMode.DETECT] found no face in the picture. */
    NO_FACE(18),

    /** Face detection was asked of a native library built without the face detector. */
    NO_FACE_DETECTOR(19),
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
