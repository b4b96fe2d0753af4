package dev.glasses

/**
 * Which face [GlassesDetector.classify] answers for when no [FaceBox] is given
 * ([GlassesOptions.faceMode]). A box given to a call always wins. [code] values are C's
 * `GlassesFaceMode`.
 */
enum class FaceMode(internal val code: Int) {
    /**
     * The largest face the built-in face detector finds, framed as a given box would be; the
     * whole picture when it finds none. The default.
     */
    AUTO(0),

    /** The largest face found; [GlassesException] ([ErrorKind.NO_FACE]) when there is none. */
    DETECT(1),

    /** The whole picture (its centre), without face detection: the behaviour before 0.3. */
    WHOLE(2),
}

/** A point in pixels of the upright picture, origin top-left (`android.graphics.PointF`'s x and y). */
data class FacePoint(val x: Float, val y: Float)

/**
 * One face found by the built-in face detector (YuNet), in pixels of the upright picture, as
 * ML Kit's `Face` and MediaPipe's `Detection` describe one.
 *
 * @property boundingBox the face's box (ML Kit's `Face.boundingBox`), clipped to the picture.
 * @property score the detection confidence in `[0, 1]` (MediaPipe's category score).
 * @property landmarks five points, in this order: [rightEye], [leftEye], [noseTip], [mouthRight],
 *   [mouthLeft] (the person's right and left, as ML Kit's `FaceLandmark` names them); not clipped.
 */
data class DetectedFace(val boundingBox: FaceBox, val score: Float, val landmarks: List<FacePoint>) {
    /** The person's right eye (on the left of a picture of them facing the camera). */
    val rightEye: FacePoint get() = landmarks[0]

    /** The person's left eye. */
    val leftEye: FacePoint get() = landmarks[1]

    /** The tip of the nose. */
    val noseTip: FacePoint get() = landmarks[2]

    /** The right corner of the mouth (the person's right). */
    val mouthRight: FacePoint get() = landmarks[3]

    /** The left corner of the mouth. */
    val mouthLeft: FacePoint get() = landmarks[4]
}

/** One face of a picture and the answer for it ([GlassesDetector.classifyFaces]). */
data class FaceResult(val face: DetectedFace, val result: GlassesResult)

/**
 * The built-in face detector's settings ([GlassesOptions.faceDetection]), in MediaPipe's
 * `FaceDetectorOptions` words.
 *
 * @property minDetectionConfidence faces scoring below this are dropped, in `[0, 1]`. Default 0.6.
 * @property minSuppressionThreshold a face overlapping a more confident one by more than this
 *   intersection over union is dropped, in `(0, 1]`. Default 0.3.
 * @property minFaceSize faces narrower or lower than this many *pixels* of the picture are dropped
 *   (ML Kit's `setMinFaceSize` is a fraction of the width instead). Default 0: every face.
 * @property inputWidth the width the picture is fitted into before detection (32 to 1920).
 *   Default 320; 640 x 480 also finds small faces in group photos, at four times the cost.
 * @property inputHeight the height the picture is fitted into (32 to 1920). Default 240.
 *
 * A value out of range throws [GlassesException] ([ErrorKind.INVALID_ARGUMENT]) when the
 * detector is created.
 */
data class FaceDetection @JvmOverloads constructor(
    val minDetectionConfidence: Float = 0.6f,
    val minSuppressionThreshold: Float = 0.3f,
    val minFaceSize: Float = 0f,
    val inputWidth: Int = 320,
    val inputHeight: Int = 240,
)

/**
 * The float records the native entry points answer with (ffi/src/jni/convert.rs `answer`): a face
 * is 15 floats (box x, y, width, height, score, then five landmarks' x and y), a prediction 6
 * (hasGlasses 0/1, P(eyeglasses), the eyewear code, P(none), hasSunglassesClass 0/1,
 * P(sunglasses)).
 */
internal object NativeRecords {
    /** `classify`: hasFace, a face (zeros without one), a prediction. */
    const val TASK_CLASSIFY = 0

    /** `detectFaces`: a face per face found. */
    const val TASK_DETECT = 1

    /** `classifyFaces`: a face and a prediction per face found. */
    const val TASK_CLASSIFY_FACES = 2

    private const val FACE = 15
    private const val PREDICTION = 6

    fun result(records: FloatArray): GlassesResult {
        check(records.size == 1 + FACE + PREDICTION) { "native result of ${records.size} floats" }
        val face = if (records[0] != 0f) face(records, 1) else null
        return prediction(records, 1 + FACE, face)
    }

    fun faces(records: FloatArray): List<DetectedFace> {
        check(records.size % FACE == 0) { "native faces of ${records.size} floats" }
        return (0 until records.size / FACE).map { face(records, it * FACE) }
    }

    fun faceResults(records: FloatArray): List<FaceResult> {
        val step = FACE + PREDICTION
        check(records.size % step == 0) { "native face results of ${records.size} floats" }
        return (0 until records.size / step).map { i ->
            val face = face(records, i * step)
            FaceResult(face, prediction(records, i * step + FACE, face))
        }
    }

    private fun face(r: FloatArray, at: Int): DetectedFace = DetectedFace(
        FaceBox(r[at], r[at + 1], r[at + 2], r[at + 3]),
        r[at + 4],
        (0 until 5).map { FacePoint(r[at + 5 + 2 * it], r[at + 6 + 2 * it]) },
    )

    private fun prediction(r: FloatArray, at: Int, face: DetectedFace?): GlassesResult {
        val hasGlasses = r[at] != 0f
        return GlassesResult(
            hasGlasses,
            r[at + 1],
            Eyewear.fromCode(r[at + 2].toInt(), hasGlasses),
            r[at + 3],
            if (r[at + 4] != 0f) r[at + 5] else null,
            face,
        )
    }
}
