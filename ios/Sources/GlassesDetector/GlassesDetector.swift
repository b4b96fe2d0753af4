import CoreGraphics
import Foundation
import GlassesFFIBindings

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
    /// P(eyeglasses), the same value as `EyeglassesResult.probability`.
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

/// The answer for one face image.
public struct EyeglassesResult: Equatable, Sendable {
    /// Whether the person wears eyeglasses (`probability >= threshold`).
    public let hasGlasses: Bool
    /// P(eyeglasses) in [0, 1].
    public let probability: Float
    /// What the face wears: `.eyeglasses` exactly when `hasGlasses`, otherwise the more probable of
    /// `.noEyewear` and `.sunglasses`.
    public let eyewear: Eyewear
    /// The probability of each kind.
    public let probabilities: EyewearProbabilities
}

/// Why classification failed: the kind, and the library's message.
public struct GlassesDetectorError: Error, Equatable, CustomStringConvertible {
    /// The failure kinds of the Rust library.
    public enum Kind: Equatable, Sendable {
        case invalidArgument, invalidImage, imageTooLarge, invalidPixelBuffer, invalidModel
        case contractViolation, io, inference, noBundledModel, `internal`
        case truncatedImage, outOfMemory, fileTooLarge, notARegularFile
        /// A face box is not finite, is empty, lies wholly outside the picture, or frames too many
        /// pixels.
        case invalidRegion
    }

    public let kind: Kind
    public let message: String
    public var description: String { message }
}

/// Detects eyeglasses on face images with the model bundled in the native library.
///
/// Thread-safe: the Rust classifier is immutable and `Send + Sync`, so one detector may be shared.
public final class GlassesDetector: @unchecked Sendable {
    private let classifier: GlassesClassifier

    /// The bundled model with a decision threshold in [0, 1].
    public init(threshold: Float = 0.5) throws {
        classifier = try Self.mapped { try GlassesClassifier.bundled(threshold: threshold) }
    }

    /// A model from the bytes of an ONNX file.
    public init(modelData: Data, threshold: Float = 0.5) throws {
        classifier = try Self.mapped { try GlassesClassifier.fromBytes(model: modelData, threshold: threshold) }
    }

    /// A model from an ONNX file.
    public init(modelURL: URL, threshold: Float = 0.5) throws {
        classifier = try Self.mapped { try GlassesClassifier.fromFile(path: modelURL.path, threshold: threshold) }
    }

    /// The native library version.
    public static var version: String { GlassesFFIBindings.version() }

    /// Classifies an encoded image (JPEG, PNG, WebP, BMP, GIF, TIFF). HEIC is not decoded by the
    /// library: draw such images into a `CGImage` and use `classify(_:)`.
    public func classify(data: Data) throws -> EyeglassesResult {
        try Self.mapped { Self.result(try classifier.classifyEncoded(image: data)) }
    }

    /// Classifies a `CGImage` by drawing it into an 8-bit RGBA sRGB buffer.
    ///
    /// Apple's decoders do not produce bit-identical pixels to the library's own JPEG decoder, so
    /// for the same file this may differ slightly from `classify(data:)`.
    public func classify(_ image: CGImage) throws -> EyeglassesResult {
        let frame = try Self.rgba(image)
        return try Self.mapped {
            Self.result(try classifier.classifyPixels(
                pixels: frame.pixels, width: frame.width, height: frame.height, stride: frame.stride,
                format: .rgba8
            ))
        }
    }

    /// Classifies the face inside `faceBox` on an encoded image: a face detector's box in pixels of
    /// the upright picture (EXIF orientation applied), origin at the top-left corner.
    ///
    /// The box is widened to the framing the model was trained on (the whole head with some
    /// margin), cut out and classified; it may reach past the picture's edges (the edge pixels are
    /// repeated) but must overlap the picture and have a positive size, or the call throws
    /// `.invalidRegion`.
    public func classify(data: Data, faceBox: CGRect) throws -> EyeglassesResult {
        let face = Self.ffiFaceBox(faceBox)
        return try Self.mapped { Self.result(try classifier.classifyEncodedRegion(image: data, face: face)) }
    }

    /// Classifies the face inside `faceBox`, in pixels of `image` with the origin at the top-left
    /// corner (as `CGImage.cropping(to:)` counts). The whole image is drawn into RGBA8 as in
    /// `classify(_:)`; only the region around the face is converted for the model.
    ///
    /// For Vision's `VNFaceObservation.boundingBox` (normalised, origin bottom-left) use
    /// `classify(_:visionBoundingBox:)`.
    public func classify(_ image: CGImage, faceBox: CGRect) throws -> EyeglassesResult {
        let face = Self.ffiFaceBox(faceBox)
        let frame = try Self.rgba(image)
        return try Self.mapped {
            Self.result(try classifier.classifyPixelsRegion(
                pixels: frame.pixels, width: frame.width, height: frame.height, stride: frame.stride,
                format: .rgba8, face: face
            ))
        }
    }

    /// Classifies the face Vision found on `image`: `visionBoundingBox` is a
    /// `VNFaceObservation.boundingBox`, normalised to [0, 1] with the origin at the bottom-left.
    ///
    /// The box must describe `image` as it is: run the `VNImageRequestHandler` on this `CGImage`
    /// with orientation `.up` (the default). A box from a handler given another orientation (a
    /// camera frame with `.right`, say) refers to the rotated picture; rotate the image first.
    public func classify(_ image: CGImage, visionBoundingBox: CGRect) throws -> EyeglassesResult {
        let box = Self.faceBox(visionBoundingBox: visionBoundingBox, imageWidth: image.width, imageHeight: image.height)
        return try classify(image, faceBox: box)
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

    private static func result(_ p: Prediction) -> EyeglassesResult {
        EyeglassesResult(
            hasGlasses: p.hasGlasses, probability: p.probability, eyewear: eyewear(p.eyewear),
            probabilities: EyewearProbabilities(
                noEyewear: p.probabilityNone, eyeglasses: p.probability, sunglasses: p.probabilitySunglasses
            )
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
    private static func mapped<T>(_ body: () throws -> T) throws -> T {
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
        }
    }
}
