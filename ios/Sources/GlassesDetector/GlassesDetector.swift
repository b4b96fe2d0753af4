import CoreGraphics
import CoreVideo
import Foundation
import GlassesFFIBindings
import ImageIO

/// What a face wears over the eyes.
///
/// The raw values are the class names of the model metadata, the CLI and the other bindings:
/// `"none"`, `"eyeglasses"`, `"sunglasses"`. The first case is `noEyewear`, not `none`, so that it is
/// never mistaken for `Optional.none` (`let e: Eyewear? = ...; e == .none`).
public enum Eyewear: String, CaseIterable, Sendable {
    /// No eyewear (or none the model can see).
    case noEyewear = "none"
    /// Eyeglasses: clear lenses, eyes visible.
    case eyeglasses
    /// Sunglasses: dark or strongly tinted lenses. Only three-class models (the bundled one is)
    /// predict it.
    case sunglasses
}

/// The model's probability for each kind of eyewear.
public struct EyewearProbabilities: Equatable, Sendable {
    /// P(no eyewear). For a two-class model, P(no eyeglasses), sunglasses included.
    public let noEyewear: Float
    /// P(eyeglasses), the same value as `GlassesResult.probability`.
    public let eyeglasses: Float
    /// P(sunglasses); `nil` when the model has no sunglasses class (a two-class model file).
    public let sunglasses: Float?

    /// The probability of `kind`; `nil` for `.sunglasses` on a two-class model.
    public subscript(kind: Eyewear) -> Float? {
        switch kind {
        case .noEyewear: return noEyewear
        case .eyeglasses: return eyeglasses
        case .sunglasses: return sunglasses
        }
    }
}

/// The answer for one face image: the same result as Kotlin's `GlassesResult` and C's
/// `GlassesResult`.
public struct GlassesResult: Equatable, Sendable {
    /// Whether the person wears eyeglasses (`probability >= threshold`).
    public let hasGlasses: Bool
    /// P(eyeglasses) in [0, 1].
    public let probability: Float
    /// What the face wears: `.eyeglasses` exactly when `hasGlasses`, otherwise the more probable of
    /// `.noEyewear` and `.sunglasses`.
    public let eyewear: Eyewear
    /// The probability of each kind.
    public let probabilities: EyewearProbabilities
    /// The face the built-in detector found that this answer is for (pixels of the upright
    /// picture); `nil` when the whole picture was classified (`FaceMode.whole`, or `.auto` found no
    /// face) or the call gave the face box.
    public let face: DetectedFace?
}

/// The result's name before 0.2: every surface now calls it `GlassesResult`.
@available(*, deprecated, renamed: "GlassesResult")
public typealias EyeglassesResult = GlassesResult

/// How a detector decides and what it refuses: the fields of Kotlin's `GlassesOptions` and C's
/// `GlassesOptions`, with the native library's defaults for the ones not given.
///
/// ```swift
/// let detector = try GlassesDetector(options: GlassesOptions(maxPixels: 12_000_000))
/// ```
///
/// A value out of range (a threshold outside [0, 1], a limit of zero) throws `.invalidArgument`
/// when the detector is created.
public struct GlassesOptions: Equatable, Sendable {
    /// Decision threshold on P(eyeglasses), in [0, 1]: `hasGlasses` is
    /// `probability >= threshold`. `nil` (the default): the model file's own threshold
    /// (`modelInfo().modelDefaultThreshold`), or 0.5 for a file without one. A detector's
    /// `options.threshold` is the one in force, never `nil`.
    public var threshold: Float?
    /// The largest picture (width x height) decoded, and the largest region a face box may frame
    /// (default 64 megapixels); a larger encoded image throws `.imageTooLarge` before it is
    /// decoded, a face box framed to more `.invalidRegion`.
    public var maxPixels: UInt64
    /// The largest image file `classify(url:)` reads (default 64 MiB); a larger one throws
    /// `.fileTooLarge` unread.
    public var maxFileBytes: UInt64
    /// Which face `classify` answers for without a face box (default `.auto`: the largest face
    /// the built-in detector finds, the whole picture when there is none).
    public var faceMode: FaceMode
    /// The built-in face detector's settings.
    public var faceDetection: FaceDetection
    /// Threads one picture's inference is split over: the detector starts `threads - 1` native
    /// workers, parked between pictures and stopped with it, and the calling thread is the last.
    /// 1 (the default): no extra threads; 0: one per available core; at most 8, more throws
    /// `.invalidArgument`. The answers are the same at any count. One picture at a time uses the
    /// workers: for many pictures at once, concurrent calls on one detector beat more threads.
    public var threads: UInt32

    /// The given values, the native library's defaults for the others.
    public init(
        threshold: Float? = nil, maxPixels: UInt64? = nil, maxFileBytes: UInt64? = nil,
        faceMode: FaceMode = .auto, faceDetection: FaceDetection = FaceDetection(), threads: UInt32? = nil
    ) {
        let defaults = defaultOptions()
        self.threshold = threshold ?? defaults.threshold  // nil: the model's own
        self.maxPixels = maxPixels ?? defaults.maxPixels
        self.maxFileBytes = maxFileBytes ?? defaults.maxFileBytes
        self.faceMode = faceMode
        self.faceDetection = faceDetection
        self.threads = threads ?? defaults.threads
    }

    init(_ record: GlassesOptionsRecord, faceMode: FaceMode) {
        self.init(
            threshold: record.threshold, maxPixels: record.maxPixels, maxFileBytes: record.maxFileBytes,
            faceMode: faceMode, faceDetection: FaceDetection(record.detector), threads: record.threads
        )
    }

    var record: GlassesOptionsRecord {
        GlassesOptionsRecord(
            threshold: threshold, maxPixels: maxPixels, maxFileBytes: maxFileBytes, detector: faceDetection.record,
            threads: threads
        )
    }
}

/// Why classification failed: the kind, and the library's message.
public struct GlassesDetectorError: Error, Equatable, CustomStringConvertible {
    /// The failure kinds of the Rust library: C's statuses by name (`invalidArgument` is
    /// `GLASSES_STATUS_INVALID_ARGUMENT` and Kotlin's `ErrorKind.INVALID_ARGUMENT`, which also
    /// covers options out of range). An `.invalidModel` that needs the library's `onnx-any`
    /// feature says so in its message.
    public enum Kind: Equatable, Sendable {
        case invalidArgument, invalidImage, imageTooLarge, invalidPixelBuffer, invalidModel
        case contractViolation, io, inference, noBundledModel, `internal`
        case truncatedImage, outOfMemory, fileTooLarge, notARegularFile
        /// A face box is not finite, is empty, lies wholly outside the picture, or frames too many
        /// pixels.
        case invalidRegion
        /// `FaceMode.detect` found no face in the picture.
        case noFace
        /// Face detection was asked of a library built without the face detector.
        case noFaceDetector
    }

    public let kind: Kind
    public let message: String
    public var description: String { message }
}

/// Detects eyeglasses on face images with the model bundled in the native library.
///
/// Thread-safe: the Rust classifier is immutable and `Send + Sync`, so one detector may be shared.
public final class GlassesDetector: @unchecked Sendable {
    // Internal, not private: the model-info, faces and async extensions in this module read it.
    let classifier: GlassesClassifier
    /// `GlassesOptions.faceMode`: sent with every request (the native options have no mode).
    let faceMode: FaceMode

    /// The bundled model with a decision threshold in [0, 1] (`nil`: the model's own).
    public convenience init(threshold: Float? = nil) throws {
        try self.init(options: GlassesOptions(threshold: threshold))
    }

    /// A model from the bytes of an ONNX file.
    public convenience init(modelData: Data, threshold: Float? = nil) throws {
        try self.init(modelData: modelData, options: GlassesOptions(threshold: threshold))
    }

    /// A model from an ONNX file.
    public convenience init(modelURL: URL, threshold: Float? = nil) throws {
        try self.init(modelURL: modelURL, options: GlassesOptions(threshold: threshold))
    }

    /// The bundled model with `options` (threshold, limits, face mode and face detection).
    public init(options: GlassesOptions) throws {
        classifier = try Self.mapped { try GlassesClassifier(options: options.record) }
        faceMode = options.faceMode
    }

    /// A model from the bytes of an ONNX file, with `options`.
    public init(modelData: Data, options: GlassesOptions) throws {
        classifier = try Self.mapped { try GlassesClassifier.fromBytes(model: modelData, options: options.record) }
        faceMode = options.faceMode
    }

    /// A model from an ONNX file, with `options`.
    public init(modelURL: URL, options: GlassesOptions) throws {
        classifier = try Self.mapped { try GlassesClassifier.fromFile(path: modelURL.path, options: options.record) }
        faceMode = options.faceMode
    }

    /// The options in force, as the native library holds them; `threshold` is the one deciding
    /// (the options' own, else the model file's, else 0.5), never `nil`.
    public var options: GlassesOptions { GlassesOptions(classifier.options(), faceMode: faceMode) }

    /// The native library version.
    public static var version: String { GlassesFFIBindings.version() }

    /// Classifies an encoded image (JPEG, PNG, WebP, BMP, GIF, TIFF). HEIC is not decoded by the
    /// library: draw such images into a `CGImage` and use `classify(_:)`.
    public func classify(data: Data) throws -> GlassesResult {
        try classify(data: data, orientation: .up)
    }

    /// Classifies the face inside `faceBox` on an encoded image: a face detector's box in pixels of
    /// the upright picture (EXIF orientation applied), origin at the top-left corner.
    ///
    /// The box is widened to the framing the model was trained on (the whole head with some
    /// margin), cut out and classified; it may reach past the picture's edges (the edge pixels are
    /// repeated) but must overlap the picture and have a positive size, or the call throws
    /// `.invalidRegion`.
    public func classify(data: Data, faceBox: CGRect) throws -> GlassesResult {
        try classify(data: data, orientation: .up, faceBox: faceBox)
    }

    /// Classifies an encoded image turned upright by its EXIF orientation, then by `orientation`
    /// (for pictures whose orientation is kept outside the file); `faceBox`, when given, is in
    /// pixels of the upright picture.
    public func classify(data: Data, orientation: CGImagePropertyOrientation, faceBox: CGRect? = nil) throws -> GlassesResult {
        try run(.encoded(bytes: data), orientation: orientation, faceBox: faceBox)
    }

    /// Classifies the image file at `url` (a file URL), read by the library: a file larger than
    /// `options.maxFileBytes` throws `.fileTooLarge` and a folder `.notARegularFile`, both unread.
    public func classify(url: URL) throws -> GlassesResult {
        try run(.file(path: url.path), orientation: .up, faceBox: nil)
    }

    /// Classifies the face inside `faceBox` on the image file at `url`, as `classify(data:faceBox:)`.
    public func classify(url: URL, faceBox: CGRect) throws -> GlassesResult {
        try run(.file(path: url.path), orientation: .up, faceBox: faceBox)
    }

    /// Classifies a `CGImage` by drawing it into an 8-bit RGBA sRGB buffer.
    ///
    /// Apple's decoders do not produce bit-identical pixels to the library's own JPEG decoder, so
    /// for the same file this may differ slightly from `classify(data:)`.
    public func classify(_ image: CGImage) throws -> GlassesResult {
        try classify(image, orientation: .up)
    }

    /// Classifies the face inside `faceBox`, in pixels of `image` with the origin at the top-left
    /// corner (as `CGImage.cropping(to:)` counts). The whole image is drawn into RGBA8 as in
    /// `classify(_:)`; only the region around the face is converted for the model.
    ///
    /// For Vision's `VNFaceObservation.boundingBox` (normalised, origin bottom-left) use
    /// `classify(_:visionBoundingBox:)`.
    public func classify(_ image: CGImage, faceBox: CGRect) throws -> GlassesResult {
        try classify(image, orientation: .up, faceBox: faceBox)
    }

    /// Classifies a `CGImage` stored turned, as a `UIImage`'s `cgImage` is with its
    /// `imageOrientation` or a photo with its EXIF orientation: `orientation` is how the stored
    /// picture must be turned to be upright (the one you would give Vision's
    /// `VNImageRequestHandler(cgImage:orientation:)`). `faceBox`, when given, is a face detector's
    /// box in pixels of the upright picture, origin top-left. The image is drawn into RGBA8 as
    /// stored and read through the turn by the library, never rotated into a copy.
    public func classify(
        _ image: CGImage, orientation: CGImagePropertyOrientation, faceBox: CGRect? = nil
    ) throws -> GlassesResult {
        try run(Self.input(image), orientation: orientation, faceBox: faceBox)
    }

    /// `image` drawn into RGBA8, as every `CGImage` call reads it.
    static func input(_ image: CGImage) throws -> GlassesInput {
        let frame = try rgba(image)
        return .pixels(pixels: frame.pixels, width: frame.width, height: frame.height, stride: frame.stride, format: .rgba8)
    }

    /// Classifies the face Vision found on `image`: `visionBoundingBox` is a
    /// `VNFaceObservation.boundingBox`, normalised to [0, 1] with the origin at the bottom-left.
    ///
    /// The box must describe `image` as it is: run the `VNImageRequestHandler` on this `CGImage`
    /// with orientation `.up` (the default). For a handler given another orientation use
    /// `classify(_:orientation:visionBoundingBox:)`.
    public func classify(_ image: CGImage, visionBoundingBox: CGRect) throws -> GlassesResult {
        try classify(image, orientation: .up, visionBoundingBox: visionBoundingBox)
    }

    /// Classifies the face Vision found on a turned `image`: `visionBoundingBox` comes from a
    /// `VNImageRequestHandler(cgImage:orientation:)` given the same `orientation`, so it is
    /// normalised to the upright picture.
    public func classify(
        _ image: CGImage, orientation: CGImagePropertyOrientation, visionBoundingBox: CGRect
    ) throws -> GlassesResult {
        let (width, height) = try Self.uprightSize(width: image.width, height: image.height, orientation: orientation)
        let box = Self.faceBox(visionBoundingBox: visionBoundingBox, imageWidth: width, imageHeight: height)
        return try classify(image, orientation: orientation, faceBox: box)
    }

    /// Classifies a camera frame, as `AVCaptureVideoDataOutput` delivers it, turned upright by
    /// `orientation`.
    ///
    /// * `kCVPixelFormatType_420YpCbCr8BiPlanarFullRange` and `...VideoRange` (NV12, the camera's
    ///   native formats) and `kCVPixelFormatType_32BGRA`: the planes are copied out (the buffer is
    ///   locked read-only for that) and handed to the library, which reads them through the turn
    ///   and converts only the part the model sees (BT.601 for NV12).
    /// * Any other pixel format throws `.invalidPixelBuffer`, as does a frame of odd width or height
    ///   in the NV12 formats.
    ///
    /// `orientation` is the one you would give Vision's `VNImageRequestHandler` for this frame: how
    /// the stored frame must be turned to be upright (`.right`: rotate 90 degrees clockwise, the
    /// back camera in portrait; see `rotation(of:)` for the whole mapping). `faceBox`, when given,
    /// is a face detector's box in pixels of the upright frame, origin top-left; without it the
    /// whole upright frame is classified. For Vision's normalised box see
    /// `classify(pixelBuffer:orientation:visionBoundingBox:)`.
    public func classify(
        pixelBuffer: CVPixelBuffer, orientation: CGImagePropertyOrientation, faceBox: CGRect? = nil
    ) throws -> GlassesResult {
        try run(Self.input(pixelBuffer), orientation: orientation, faceBox: faceBox)
    }

    /// A camera frame's planes (NV12) or pixels (32BGRA), copied out of the locked buffer.
    static func input(_ pixelBuffer: CVPixelBuffer) throws -> GlassesInput {
        let format = CVPixelBufferGetPixelFormatType(pixelBuffer)
        switch format {
        case kCVPixelFormatType_420YpCbCr8BiPlanarFullRange, kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange:
            let planes = try nv12Planes(pixelBuffer)
            return .nv12(
                y: planes.y, yRowStride: planes.yStride, uv: planes.uv, uvRowStride: planes.uvStride,
                width: planes.width, height: planes.height,
                fullRange: format == kCVPixelFormatType_420YpCbCr8BiPlanarFullRange
            )
        case kCVPixelFormatType_32BGRA:
            let frame = try bgraPixels(pixelBuffer)
            return .pixels(
                pixels: frame.pixels, width: frame.width, height: frame.height, stride: frame.stride, format: .bgra8
            )
        default:
            throw GlassesDetectorError(
                kind: .invalidPixelBuffer,
                message: "pixel format \(fourCC(format)) is not supported: use "
                    + "420YpCbCr8BiPlanarFullRange, 420YpCbCr8BiPlanarVideoRange or 32BGRA"
            )
        }
    }

    /// Classifies the face Vision found on a camera frame: `visionBoundingBox` is the
    /// `VNFaceObservation.boundingBox` from a `VNImageRequestHandler(cvPixelBuffer:orientation:)`
    /// given the same `orientation`, so it is normalised to the upright frame (origin bottom-left);
    /// it is converted to pixels of the upright frame and passed to
    /// `classify(pixelBuffer:orientation:faceBox:)`.
    public func classify(
        pixelBuffer: CVPixelBuffer, orientation: CGImagePropertyOrientation, visionBoundingBox: CGRect
    ) throws -> GlassesResult {
        let (width, height) = try Self.uprightSize(
            width: CVPixelBufferGetWidth(pixelBuffer), height: CVPixelBufferGetHeight(pixelBuffer), orientation: orientation
        )
        let box = Self.faceBox(visionBoundingBox: visionBoundingBox, imageWidth: width, imageHeight: height)
        return try classify(pixelBuffer: pixelBuffer, orientation: orientation, faceBox: box)
    }

    /// How a picture stored with `orientation` is turned upright, as the library takes it: rotate
    /// `degrees` clockwise, then, if `mirrored`, flip left to right. The library's own table (the
    /// EXIF orientations, `orientation_from_exif` in ffi/src/uniffi):
    ///
    /// | `CGImagePropertyOrientation` (EXIF) | degrees | mirrored |
    /// |---|---|---|
    /// | `.up` (1)            |   0 | no  |
    /// | `.upMirrored` (2)    |   0 | yes |
    /// | `.down` (3)          | 180 | no  |
    /// | `.downMirrored` (4)  | 180 | yes (= a vertical flip) |
    /// | `.leftMirrored` (5)  |  90 | yes (= a transpose) |
    /// | `.right` (6)         |  90 | no  |
    /// | `.rightMirrored` (7) | 270 | yes (= a transverse) |
    /// | `.left` (8)          | 270 | no  |
    ///
    /// `.right` means the stored frame's top row is the upright picture's right column: it must be
    /// rotated 90 degrees clockwise to be upright (the back camera held in portrait). An
    /// orientation outside the eight throws `.invalidArgument`.
    static func rotation(of orientation: CGImagePropertyOrientation) throws -> (degrees: UInt32, mirrored: Bool) {
        let o = try mapped { try orientationFromExif(exif: orientation.rawValue) }
        return (o.rotationDegrees, o.mirrored)
    }

    /// The size of a `width` x `height` picture once `orientation` turns it upright.
    private static func uprightSize(
        width: Int, height: Int, orientation: CGImagePropertyOrientation
    ) throws -> (width: Int, height: Int) {
        try rotation(of: orientation).degrees % 180 == 90 ? (height, width) : (width, height)
    }

    /// The one call every `classify` makes: the input, and the request built from the orientation
    /// and the optional box.
    private func run(_ input: GlassesInput, orientation: CGImagePropertyOrientation, faceBox: CGRect?) throws -> GlassesResult {
        let request = try self.request(orientation: orientation, faceBox: faceBox)
        return try Self.mapped { Self.result(try classifier.classify(input: input, request: request)) }
    }

    /// The request of every call: the orientation, the optional box and the detector's face mode.
    func request(orientation: CGImagePropertyOrientation, faceBox: CGRect?) throws -> GlassesRequest {
        let turn = try Self.mapped { try orientationFromExif(exif: orientation.rawValue) }
        return GlassesRequest(orientation: turn, face: faceBox.map(Self.ffiFaceBox), faceMode: faceMode.kind)
    }

    /// The two planes of a locked NV12 buffer, copied: each plane's bytes up to the end of its
    /// last row's pixels (the padding after the last row need not exist).
    private static func nv12Planes(_ buffer: CVPixelBuffer) throws -> (
        y: Data, yStride: UInt32, uv: Data, uvStride: UInt32, width: UInt32, height: UInt32
    ) {
        CVPixelBufferLockBaseAddress(buffer, .readOnly)
        defer { CVPixelBufferUnlockBaseAddress(buffer, .readOnly) }
        let width = CVPixelBufferGetWidth(buffer)
        let height = CVPixelBufferGetHeight(buffer)
        guard CVPixelBufferGetPlaneCount(buffer) == 2,
              let yBase = CVPixelBufferGetBaseAddressOfPlane(buffer, 0),
              let uvBase = CVPixelBufferGetBaseAddressOfPlane(buffer, 1)
        else {
            throw GlassesDetectorError(kind: .invalidPixelBuffer, message: "the NV12 buffer has no two planes")
        }
        let yStride = CVPixelBufferGetBytesPerRowOfPlane(buffer, 0)
        let yRows = CVPixelBufferGetHeightOfPlane(buffer, 0)
        let uvStride = CVPixelBufferGetBytesPerRowOfPlane(buffer, 1)
        let uvRows = CVPixelBufferGetHeightOfPlane(buffer, 1)
        let uvRowBytes = (width + 1) / 2 * 2
        guard width > 0, height > 0, yRows >= 1, uvRows >= 1, yStride >= width, uvStride >= uvRowBytes,
              yStride <= Int(UInt32.max), uvStride <= Int(UInt32.max),
              width <= Int(UInt32.max), height <= Int(UInt32.max)
        else {
            throw GlassesDetectorError(
                kind: .invalidPixelBuffer,
                message: "NV12 buffer \(width)x\(height), bytes per row \(yStride)/\(uvStride), rows \(yRows)/\(uvRows)"
            )
        }
        let y = Data(bytes: yBase, count: (yRows - 1) * yStride + width)
        let uv = Data(bytes: uvBase, count: (uvRows - 1) * uvStride + uvRowBytes)
        return (y, UInt32(yStride), uv, UInt32(uvStride), UInt32(width), UInt32(height))
    }

    /// The pixels of a locked 32BGRA buffer, copied up to the end of the last row's pixels.
    private static func bgraPixels(_ buffer: CVPixelBuffer) throws -> (
        pixels: Data, width: UInt32, height: UInt32, stride: UInt32
    ) {
        CVPixelBufferLockBaseAddress(buffer, .readOnly)
        defer { CVPixelBufferUnlockBaseAddress(buffer, .readOnly) }
        let width = CVPixelBufferGetWidth(buffer)
        let height = CVPixelBufferGetHeight(buffer)
        let stride = CVPixelBufferGetBytesPerRow(buffer)
        guard let base = CVPixelBufferGetBaseAddress(buffer), width > 0, height > 0, stride >= width * 4,
              stride <= Int(UInt32.max), width <= Int(UInt32.max), height <= Int(UInt32.max)
        else {
            throw GlassesDetectorError(
                kind: .invalidPixelBuffer, message: "BGRA buffer \(width)x\(height), bytes per row \(stride)"
            )
        }
        let pixels = Data(bytes: base, count: (height - 1) * stride + width * 4)
        return (pixels, UInt32(width), UInt32(height), UInt32(stride))
    }

    /// A pixel format code as its four characters ("420f"), or as a number when not printable.
    private static func fourCC(_ code: OSType) -> String {
        let bytes = [24, 16, 8, 0].map { UInt8((code >> $0) & 0xff) }
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else { return String(code) }
        return "'" + String(decoding: bytes, as: UTF8.self) + "'"
    }

    /// Vision's normalised bottom-left `boundingBox` as a box in pixels of an `imageWidth` x
    /// `imageHeight` picture with the origin at the top-left corner, the box the `faceBox:` calls
    /// take (for example with `classify(data:faceBox:)`, given the upright picture's size).
    public static func faceBox(visionBoundingBox box: CGRect, imageWidth: Int, imageHeight: Int) -> CGRect {
        let face = faceBoxFromNormalizedBottomLeft(
            x: Float(box.minX), y: Float(box.minY), width: Float(box.width), height: Float(box.height),
            imageWidth: UInt32(clamping: imageWidth), imageHeight: UInt32(clamping: imageHeight)
        )
        return CGRect(
            x: CGFloat(face.x), y: CGFloat(face.y), width: CGFloat(face.width), height: CGFloat(face.height)
        )
    }

    /// A `CGRect` as the library's face box. `minX`/`width` read a rectangle with a negative size
    /// as its standardised form; `CGRect.null` and infinite rectangles reach the library as
    /// non-finite values and are refused there (`.invalidRegion`).
    private static func ffiFaceBox(_ rect: CGRect) -> FaceBox {
        FaceBox(x: Float(rect.minX), y: Float(rect.minY), width: Float(rect.width), height: Float(rect.height))
    }

    /// `image` drawn into an 8-bit RGBA sRGB buffer (`PixelFormat.rgba8`).
    private static func rgba(_ image: CGImage) throws -> (pixels: Data, width: UInt32, height: UInt32, stride: UInt32) {
        let width = image.width
        let height = image.height
        let bytesPerRow = width * 4
        guard width > 0, height > 0, width <= Int(UInt32.max) / 4, height <= Int(UInt32.max),
              let space = CGColorSpace(name: CGColorSpace.sRGB)
        else {
            throw GlassesDetectorError(kind: .invalidPixelBuffer, message: "cannot draw a \(width)x\(height) image")
        }
        var pixels = Data(count: bytesPerRow * height)
        let drawn = pixels.withUnsafeMutableBytes { raw -> Bool in
            // premultipliedLast + big-endian 32-bit = bytes R, G, B, A in memory: PixelFormat.rgba8.
            let info = CGImageAlphaInfo.premultipliedLast.rawValue | CGBitmapInfo.byteOrder32Big.rawValue
            guard let context = CGContext(
                data: raw.baseAddress, width: width, height: height, bitsPerComponent: 8,
                bytesPerRow: bytesPerRow, space: space, bitmapInfo: info
            ) else { return false }
            context.draw(image, in: CGRect(x: 0, y: 0, width: width, height: height))
            return true
        }
        guard drawn else {
            throw GlassesDetectorError(kind: .invalidPixelBuffer, message: "cannot draw the image into RGBA8")
        }
        return (pixels, UInt32(width), UInt32(height), UInt32(bytesPerRow))
    }

    static func result(_ p: GlassesResultRecord) -> GlassesResult {
        GlassesResult(
            hasGlasses: p.hasGlasses, probability: p.probability, eyewear: eyewear(p.eyewear),
            probabilities: EyewearProbabilities(
                noEyewear: p.probabilityNone, eyeglasses: p.probability, sunglasses: p.probabilitySunglasses
            ),
            face: p.face.map(DetectedFace.init)
        )
    }

    private static func eyewear(_ kind: EyewearKind) -> Eyewear {
        switch kind {
        case .noEyewear: return .noEyewear
        case .eyeglasses: return .eyeglasses
        case .sunglasses: return .sunglasses
        }
    }

    /// Runs a bindings call, turning the generated error enum into the public error type.
    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as GlassesError {
            throw converted(error)
        }
    }

    /// Flat uniffi errors carry the Rust message (core's `Display`) as `message`.
    private static func converted(_ error: GlassesError) -> GlassesDetectorError {
        switch error {
        case let .InvalidArgument(message): return .init(kind: .invalidArgument, message: message)
        case let .InvalidImage(message): return .init(kind: .invalidImage, message: message)
        case let .ImageTooLarge(message): return .init(kind: .imageTooLarge, message: message)
        case let .InvalidPixelBuffer(message): return .init(kind: .invalidPixelBuffer, message: message)
        case let .InvalidModel(message): return .init(kind: .invalidModel, message: message)
        case let .ContractViolation(message): return .init(kind: .contractViolation, message: message)
        case let .Io(message): return .init(kind: .io, message: message)
        case let .Inference(message): return .init(kind: .inference, message: message)
        case let .NoBundledModel(message): return .init(kind: .noBundledModel, message: message)
        case let .Internal(message): return .init(kind: .internal, message: message)
        case let .TruncatedImage(message): return .init(kind: .truncatedImage, message: message)
        case let .OutOfMemory(message): return .init(kind: .outOfMemory, message: message)
        case let .FileTooLarge(message): return .init(kind: .fileTooLarge, message: message)
        case let .NotARegularFile(message): return .init(kind: .notARegularFile, message: message)
        case let .InvalidRegion(message): return .init(kind: .invalidRegion, message: message)
        case let .NoFace(message): return .init(kind: .noFace, message: message)
        case let .NoFaceDetector(message): return .init(kind: .noFaceDetector, message: message)
        }
    }
}
