import CoreGraphics
import Foundation
import GlassesFFIBindings

/// The answer for one face image.
public struct EyeglassesResult: Equatable, Sendable {
    /// Whether the person wears eyeglasses (`probability >= threshold`).
    public let hasGlasses: Bool
    /// P(eyeglasses) in [0, 1].
    public let probability: Float
}

/// Why classification failed: the kind, and the library's message.
public struct GlassesDetectorError: Error, Equatable, CustomStringConvertible {
    /// The failure kinds of the Rust library.
    public enum Kind: Equatable, Sendable {
        case invalidArgument, invalidImage, imageTooLarge, invalidPixelBuffer, invalidModel
        case contractViolation, io, inference, noBundledModel, `internal`
        case truncatedImage, outOfMemory, fileTooLarge, notARegularFile
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
        let width = image.width
        let height = image.height
        let bytesPerRow = width * 4
        guard width > 0, height > 0, let space = CGColorSpace(name: CGColorSpace.sRGB) else {
            throw GlassesDetectorError(kind: .invalidPixelBuffer, message: "empty image \(width)x\(height)")
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
        return try Self.mapped {
            Self.result(try classifier.classifyPixels(
                pixels: pixels, width: UInt32(width), height: UInt32(height), stride: UInt32(bytesPerRow),
                format: .rgba8
            ))
        }
    }

    private static func result(_ p: Prediction) -> EyeglassesResult {
        EyeglassesResult(hasGlasses: p.hasGlasses, probability: p.probability)
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
        }
    }
}
