import CoreGraphics
import CoreVideo
import Foundation
import GlassesFFIBindings

/// Which face `classify` answers for when the call gives no face box (`GlassesOptions.faceMode`).
/// A box given to a call always wins. Kotlin's `FaceMode` and C's `GlassesFaceMode`.
public enum FaceMode: Equatable, Sendable {
    /// The largest face the built-in face detector finds, framed as a given box would be; the
    /// whole picture when it finds none. The default.
    case auto
    /// The largest face found; `.noFace` when there is none.
    case detect
    /// The whole picture (its centre), without face detection.
    case whole

    var kind: FaceModeKind {
        switch self {
        case .auto: return .auto
        case .detect: return .detect
        case .whole: return .whole
        }
    }
}

/// The built-in face detector's settings (`GlassesOptions.faceDetection`), in the words of
/// Vision and MediaPipe. A value out of range throws `.invalidArgument` when the detector is created.
public struct FaceDetection: Equatable, Sendable {
    /// Faces scoring below this are dropped, in [0, 1] (default 0.6).
    public var minDetectionConfidence: Float
    /// A face overlapping a more confident one by more than this intersection over union is
    /// dropped, in (0, 1] (default 0.3).
    public var minSuppressionThreshold: Float
    /// Faces narrower or lower than this many pixels of the picture are dropped (default 0).
    public var minFaceSize: Float
    /// The width the picture is fitted into before detection, 32 to 1920 (default 320; 640 x 480
    /// also finds small faces in group photos, at four times the cost).
    public var inputWidth: UInt32
    /// The height the picture is fitted into, 32 to 1920 (default 240).
    public var inputHeight: UInt32

    /// The given values, the native library's defaults for the others.
    public init(
        minDetectionConfidence: Float? = nil, minSuppressionThreshold: Float? = nil, minFaceSize: Float? = nil,
        inputWidth: UInt32? = nil, inputHeight: UInt32? = nil
    ) {
        let d = defaultOptions().detector
        self.minDetectionConfidence = minDetectionConfidence ?? d.scoreThreshold
        self.minSuppressionThreshold = minSuppressionThreshold ?? d.nmsIou
        self.minFaceSize = minFaceSize ?? d.minFaceSize
        self.inputWidth = inputWidth ?? d.inputWidth
        self.inputHeight = inputHeight ?? d.inputHeight
    }

    init(_ record: DetectorOptionsRecord) {
        self.init(
            minDetectionConfidence: record.scoreThreshold, minSuppressionThreshold: record.nmsIou,
            minFaceSize: record.minFaceSize, inputWidth: record.inputWidth, inputHeight: record.inputHeight
        )
    }

    var record: DetectorOptionsRecord {
        DetectorOptionsRecord(
            inputWidth: inputWidth, inputHeight: inputHeight, scoreThreshold: minDetectionConfidence,
            nmsIou: minSuppressionThreshold, minFaceSize: minFaceSize
        )
    }
}

/// One face the built-in face detector (YuNet) found, in pixels of the upright picture with the
/// origin at the top-left corner (convert with `faceBox(visionBoundingBox:...)`'s inverse to
/// compare with Vision's normalised boxes).
public struct DetectedFace: Equatable, Sendable {
    /// The face's box, clipped to the picture.
    public let boundingBox: CGRect
    /// Detection confidence in [0, 1].
    public let score: Float
    /// Five points: `rightEye`, `leftEye`, `noseTip`, `mouthRight`, `mouthLeft` (the person's
    /// right and left), in this order; not clipped.
    public let landmarks: [CGPoint]

    /// The person's right eye.
    public var rightEye: CGPoint { landmarks[0] }
    /// The person's left eye.
    public var leftEye: CGPoint { landmarks[1] }
    /// The tip of the nose.
    public var noseTip: CGPoint { landmarks[2] }
    /// The right corner of the mouth (the person's right).
    public var mouthRight: CGPoint { landmarks[3] }
    /// The left corner of the mouth.
    public var mouthLeft: CGPoint { landmarks[4] }

    init(_ record: DetectedFaceRecord) {
        let b = record.faceBox
        boundingBox = CGRect(x: CGFloat(b.x), y: CGFloat(b.y), width: CGFloat(b.width), height: CGFloat(b.height))
        score = record.score
        landmarks = record.landmarks.map { CGPoint(x: CGFloat($0.x), y: CGFloat($0.y)) }
    }
}

/// One face of a picture and the answer for it (`classifyFaces`); `result.face` is `face`.
public struct FaceResult: Equatable, Sendable {
    /// The face, in pixels of the upright picture.
    public let face: DetectedFace
    /// The answer for that face.
    public let result: GlassesResult
}

extension GlassesDetector {
    /// Every face the built-in face detector finds in an encoded image (after its EXIF orientation,
    /// then `orientation`), largest first; no face: an empty array.
    public func detectFaces(data: Data, orientation: CGImagePropertyOrientation = .up) throws -> [DetectedFace] {
        try faces(.encoded(bytes: data), orientation: orientation)
    }

    /// Every face in an encoded image with the answer for each, largest first (decoded once).
    public func classifyFaces(data: Data, orientation: CGImagePropertyOrientation = .up) throws -> [FaceResult] {
        try faceResults(.encoded(bytes: data), orientation: orientation)
    }

    /// Every face in the image file at `url`, read by the library.
    public func detectFaces(url: URL) throws -> [DetectedFace] {
        try faces(.file(path: url.path), orientation: .up)
    }

    /// Every face in the image file at `url` with the answer for each.
    public func classifyFaces(url: URL) throws -> [FaceResult] {
        try faceResults(.file(path: url.path), orientation: .up)
    }

    /// Every face in a `CGImage` (drawn into RGBA8 as `classify(_:)` draws it) stored turned as
    /// `orientation` says, in pixels of the upright picture.
    public func detectFaces(_ image: CGImage, orientation: CGImagePropertyOrientation = .up) throws -> [DetectedFace] {
        try faces(Self.input(image), orientation: orientation)
    }

    /// Every face in a `CGImage` with the answer for each, largest first.
    ///
    /// ```swift
    /// for face in try detector.classifyFaces(photo) { print(face.face.boundingBox, face.result.eyewear) }
    /// ```
    public func classifyFaces(_ image: CGImage, orientation: CGImagePropertyOrientation = .up) throws -> [FaceResult] {
        try faceResults(Self.input(image), orientation: orientation)
    }

    /// Every face in a camera frame (NV12 or 32BGRA, as `classify(pixelBuffer:orientation:)`
    /// reads it), in pixels of the upright frame.
    public func detectFaces(pixelBuffer: CVPixelBuffer, orientation: CGImagePropertyOrientation) throws -> [DetectedFace] {
        try faces(Self.input(pixelBuffer), orientation: orientation)
    }

    /// Every face in a camera frame with the answer for each.
    public func classifyFaces(pixelBuffer: CVPixelBuffer, orientation: CGImagePropertyOrientation) throws -> [FaceResult] {
        try faceResults(Self.input(pixelBuffer), orientation: orientation)
    }

    private func faces(_ input: GlassesInput, orientation: CGImagePropertyOrientation) throws -> [DetectedFace] {
        let request = try self.request(orientation: orientation, faceBox: nil)
        return try Self.mapped { try classifier.detectFaces(input: input, request: request).map(DetectedFace.init) }
    }

    private func faceResults(_ input: GlassesInput, orientation: CGImagePropertyOrientation) throws -> [FaceResult] {
        let request = try self.request(orientation: orientation, faceBox: nil)
        return try Self.mapped {
            try classifier.classifyFaces(input: input, request: request).map {
                FaceResult(face: DetectedFace($0.face), result: Self.result($0.result))
            }
        }
    }
}
