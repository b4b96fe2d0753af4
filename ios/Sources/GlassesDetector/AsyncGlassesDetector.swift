import CoreGraphics
import CoreVideo
import Dispatch
import Foundation
import ImageIO

/// The `async` face of a `GlassesDetector`: each call runs the blocking classification on
/// `queue` (a global concurrent queue unless chosen) and resumes the caller with its result, so
/// the main actor never waits on the model, as with Vision's asynchronous requests.
///
/// ```swift
/// let glasses = try GlassesDetector().asynchronous()
/// Task {
///     let result = try await glasses.classify(data: jpeg)       // off the main actor
///     let all = try await glasses.classifyAll(photos)           // stops between photos when cancelled
/// }
/// ```
///
/// Cancellation: one classification is a single native call that cannot be interrupted; a
/// cancelled task does not start it (`CancellationError`). `classifyAll` checks for cancellation
/// before every picture, so a cancelled batch stops at the next one.
///
/// The blocking work runs on a dispatch queue, not on Swift's cooperative thread pool, which must
/// not be held by calls that take tens of milliseconds.
public struct AsyncGlassesDetector: @unchecked Sendable {
    /// The blocking detector every call goes to.
    public let detector: GlassesDetector
    /// Where the classifications run.
    public let queue: DispatchQueue

    /// `detector`'s calls, run on `queue` (default: the global queue of quality `.userInitiated`).
    public init(_ detector: GlassesDetector, queue: DispatchQueue = .global(qos: .userInitiated)) {
        self.detector = detector
        self.queue = queue
    }

    /// Runs `body` with the detector on `queue` unless the task is already cancelled: the one way
    /// every call here leaves the caller's thread, and the way to reach a blocking call without an
    /// `async` twin.
    public func run<T>(_ body: @escaping (GlassesDetector) throws -> T) async throws -> T {
        try Task.checkCancellation()
        let detector = self.detector
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(detector) }) }
        }
    }

    /// `GlassesDetector.modelInfo`, on `queue`.
    public func modelInfo() async throws -> GlassesModelInfo { try await run { $0.modelInfo } }

    /// An encoded image, as `GlassesDetector.classify(data:orientation:faceBox:)`.
    public func classify(
        data: Data, orientation: CGImagePropertyOrientation = .up, faceBox: CGRect? = nil
    ) async throws -> GlassesResult {
        try await run { try $0.classify(data: data, orientation: orientation, faceBox: faceBox) }
    }

    /// An image file, as `GlassesDetector.classify(url:)` and `classify(url:faceBox:)`.
    public func classify(url: URL, faceBox: CGRect? = nil) async throws -> GlassesResult {
        try await run { detector in
            if let faceBox { return try detector.classify(url: url, faceBox: faceBox) }
            return try detector.classify(url: url)
        }
    }

    /// A `CGImage`, as `GlassesDetector.classify(_:orientation:faceBox:)`.
    public func classify(
        _ image: CGImage, orientation: CGImagePropertyOrientation = .up, faceBox: CGRect? = nil
    ) async throws -> GlassesResult {
        try await run { try $0.classify(image, orientation: orientation, faceBox: faceBox) }
    }

    /// A camera frame, as `GlassesDetector.classify(pixelBuffer:orientation:faceBox:)`. The frame
    /// is read on `queue`: keep it (and do not write to it) until this returns.
    public func classify(
        pixelBuffer: CVPixelBuffer, orientation: CGImagePropertyOrientation, faceBox: CGRect? = nil
    ) async throws -> GlassesResult {
        try await run { try $0.classify(pixelBuffer: pixelBuffer, orientation: orientation, faceBox: faceBox) }
    }

    /// Encoded images one after another; see `classifyAll(_:_:)`.
    public func classifyAll(_ images: [Data]) async throws -> [GlassesResult] {
        try await classifyAll(images) { try $0.classify(data: $1) }
    }

    /// Classifies `items` one after another on `queue` with `classify` (any blocking call of the
    /// detector), checking for cancellation before each: a cancelled task throws
    /// `CancellationError` without starting the next picture. Results are in the order of
    /// `items`; the first error ends the batch.
    public func classifyAll<Item>(
        _ items: [Item], _ classify: @escaping (GlassesDetector, Item) throws -> GlassesResult
    ) async throws -> [GlassesResult] {
        var results: [GlassesResult] = []
        results.reserveCapacity(items.count)
        for item in items {
            try Task.checkCancellation()
            results.append(try await run { try classify($0, item) })
        }
        return results
    }
}

extension GlassesDetector {
    /// This detector's `async` calls, run on `queue` (default: the global queue of quality
    /// `.userInitiated`).
    public func asynchronous(queue: DispatchQueue = .global(qos: .userInitiated)) -> AsyncGlassesDetector {
        AsyncGlassesDetector(self, queue: queue)
    }
}
