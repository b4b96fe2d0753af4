import Foundation
import XCTest

@testable import GlassesDetector
import GlassesFFIBindings

/// `modelInfo`, the library version and the `async` calls of `AsyncGlassesDetector`.
final class ModelInfoAsyncTests: XCTestCase {
    /// `version` of `[workspace.package]` in the root Cargo.toml.
    private func workspaceVersion() throws -> String {
        let cargo = try String(contentsOf: Golden.repoRoot.appendingPathComponent("Cargo.toml"), encoding: .utf8)
        var inPackage = false
        for line in cargo.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("[") {
                inPackage = line == "[workspace.package]"
            } else if inPackage, line.hasPrefix("version"), let quoted = line.split(separator: "\"").dropFirst().first {
                return String(quoted)
            }
        }
        throw XCTSkip("no version in [workspace.package] of Cargo.toml")
    }

    private func faces() throws -> [Data] {
        let folder = Golden.repoRoot.appendingPathComponent("tests/fixtures/faces")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let images = try names.filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }
            .map { try Data(contentsOf: folder.appendingPathComponent($0)) }
        guard !images.isEmpty else { throw XCTSkip("no pictures in \(folder.path)") }
        return images
    }

    func testTheVersionIsTheWorkspaceVersion() throws {
        XCTAssertEqual(GlassesDetector.version, try workspaceVersion())
    }

    func testTheBundledModelInfo() throws {
        let detector = try GlassesDetector(options: GlassesOptions(threshold: 0.3))
        let info = detector.modelInfo
        XCTAssertEqual(info.weightPrecision, .int8)
        XCTAssertEqual(info.classes.count, 3)
        XCTAssertTrue(info.hasSunglassesClass)
        XCTAssertEqual(info.classes[1], "eyeglasses")
        XCTAssertEqual(info.threshold, 0.3)
        XCTAssertFalse(info.version.isEmpty)
        XCTAssertGreaterThan(info.inputWidth, 0)
        XCTAssertGreaterThan(info.inputHeight, 0)
    }

    /// Issue 23: no threshold (the default) decides with the model file's own, else 0.5.
    func testAnUnsetThresholdIsTheModelsOwn() throws {
        XCTAssertNil(GlassesOptions().threshold)
        let detector = try GlassesDetector()
        let own = detector.modelInfo.modelDefaultThreshold ?? 0.5
        XCTAssertEqual(detector.options.threshold, own)
        XCTAssertEqual(detector.modelInfo.threshold, own)
        XCTAssertEqual(try GlassesDetector(threshold: 0.7).options.threshold, 0.7)
    }

    func testAsyncCallsGiveTheBlockingResults() async throws {
        let detector = try GlassesDetector()
        let glasses = detector.asynchronous()
        let images = try faces()
        for image in images {
            let blocking = try detector.classify(data: image)
            let awaited = try await glasses.classify(data: image)
            XCTAssertEqual(blocking, awaited)
        }
        let all = try await glasses.classifyAll(images)
        XCTAssertEqual(all, try images.map { try detector.classify(data: $0) })
        let info = try await glasses.modelInfo()
        XCTAssertEqual(info, detector.modelInfo)
    }

    func testACancelledBatchStopsAtTheNextPicture() async throws {
        let glasses = try GlassesDetector().asynchronous(queue: DispatchQueue(label: "glasses-test"))
        let images = Array(repeating: try faces()[0], count: 20)
        let started = Counter()
        let release = DispatchSemaphore(value: 0)
        let batch = Task {
            try await glasses.classifyAll(images) { detector, image in
                // The third picture waits until the test has cancelled the batch.
                if started.increment() == 3 { _ = release.wait(timeout: .now() + 10) }
                return try detector.classify(data: image)
            }
        }
        while started.value < 3 { await Task.yield() }
        batch.cancel()
        release.signal()
        do {
            _ = try await batch.value
            XCTFail("a cancelled batch finished all \(images.count) pictures")
        } catch is CancellationError {
            XCTAssertEqual(started.value, 3, "pictures started after the batch was cancelled")
        }
    }

    func testAnErrorComesBackAsTheBlockingCallsThrowIt() async throws {
        let glasses = try GlassesDetector().asynchronous()
        do {
            _ = try await glasses.classify(data: Data("not an image".utf8))
            XCTFail("an invalid image classified")
        } catch let error as GlassesDetectorError {
            XCTAssertEqual(error.kind, .invalidImage)
        }
    }
}

/// A thread-safe counter for the batch's closure, which runs on the detector's queue.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
