import CoreGraphics
import Foundation
import ImageIO
import XCTest

@testable import GlassesDetector
import GlassesFFIBindings

/// The golden assertions of tests/fixtures/golden.json (the same file the C and Kotlin tests read),
/// run through the Swift surface, plus the cross-format and error checks.
final class GoldenTests: XCTestCase {
    private struct Golden: Decodable {
        struct Case: Decodable {
            let image: String
            let probability: Float
            let has_glasses: Bool
        }

        let model: String
        let tolerance: Float
        let cases: [Case]
    }

    /// Repository root: this file is ios/Tests/GlassesDetectorTests/GoldenTests.swift. Simulator
    /// tests run on the Mac's file system, so the path works for iOS simulator runs as well.
    private static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    private static let fixtures = repoRoot.appendingPathComponent("tests/fixtures")

    private func golden() throws -> Golden {
        let url = Self.fixtures.appendingPathComponent("golden.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("\(url.path) is absent")
        }
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }

    func testGoldenEncodedBytes() throws {
        let golden = try golden()
        XCTAssertFalse(golden.cases.isEmpty)
        let model = Self.repoRoot.appendingPathComponent(golden.model)
        let detector = try GlassesDetector(modelURL: model)
        for c in golden.cases {
            let data = try Data(contentsOf: Self.fixtures.appendingPathComponent(c.image))
            let result = try detector.classify(data: data)
            XCTAssertEqual(result.probability, c.probability, accuracy: golden.tolerance, c.image)
            XCTAssertEqual(result.hasGlasses, c.has_glasses, c.image)
        }
    }

    /// The bundled model is the golden model: the default initialiser gives the same answers.
    func testGoldenBundledModel() throws {
        let golden = try golden()
        guard golden.model == "core/models/glasses-int8.onnx" else { throw XCTSkip("golden model is not the bundled one") }
        let detector = try GlassesDetector()
        for c in golden.cases {
            let data = try Data(contentsOf: Self.fixtures.appendingPathComponent(c.image))
            XCTAssertEqual(try detector.classify(data: data).probability, c.probability, accuracy: golden.tolerance, c.image)
        }
    }

    /// Through CGImage (ImageIO decodes, CoreGraphics draws RGBA8): decoders differ in their last
    /// bits, so the decision must agree and the probability be close, not identical.
    func testGoldenCGImage() throws {
        let golden = try golden()
        let detector = try GlassesDetector(modelURL: Self.repoRoot.appendingPathComponent(golden.model))
        for c in golden.cases {
            let url = Self.fixtures.appendingPathComponent(c.image)
            guard let source = CGImageSourceCreateWithURL(url as CFURL, nil),
                  let image = CGImageSourceCreateImageAtIndex(source, 0, nil)
            else { return XCTFail("cannot decode \(c.image)") }
            let result = try detector.classify(image)
            XCTAssertEqual(result.probability, c.probability, accuracy: 0.05, c.image)
            if abs(c.probability - 0.5) > 0.05 {
                XCTAssertEqual(result.hasGlasses, c.has_glasses, c.image)
            }
        }
    }

    /// One synthetic image in every pixel format gives one probability.
    func testPixelFormatsAgree() throws {
        let classifier = try GlassesClassifier.bundled(threshold: 0.5)
        let (w, h) = (23, 17)
        var rgb = [UInt8](), rgba = [UInt8](), bgra = [UInt8](), argb = [UInt8]()
        for i in 0 ..< w * h {
            let (r, g, b) = (UInt8(i * 7 % 256), UInt8(i * 13 % 256), UInt8(255 - i % 256))
            rgb += [r, g, b]
            rgba += [r, g, b, 255]
            bgra += [b, g, r, 255]
            withUnsafeBytes(of: UInt32(0xFF00_0000) | UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b)) { argb += $0 }
        }
        let want = try classifier.classifyPixels(
            pixels: Data(rgb), width: UInt32(w), height: UInt32(h), stride: UInt32(w * 3), format: .rgb8
        ).probability
        for (data, format) in [(rgba, PixelFormat.rgba8), (bgra, .bgra8), (argb, .argb32)] {
            let got = try classifier.classifyPixels(
                pixels: Data(data), width: UInt32(w), height: UInt32(h), stride: UInt32(w * 4), format: format
            )
            XCTAssertEqual(got.probability, want, accuracy: 1e-4, "\(format)")
        }
    }

    func testErrorsCarryKindAndMessage() throws {
        let detector = try GlassesDetector()
        XCTAssertThrowsError(try detector.classify(data: Data("not an image".utf8))) { error in
            let e = error as? GlassesDetectorError
            XCTAssertEqual(e?.kind, .invalidImage)
            XCTAssertTrue(e?.message.contains("invalid image") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try GlassesDetector(modelData: Data([1, 2, 3]))) { error in
            XCTAssertEqual((error as? GlassesDetectorError)?.kind, .invalidModel)
        }
        XCTAssertThrowsError(try GlassesDetector(threshold: 2)) { error in
            XCTAssertEqual((error as? GlassesDetectorError)?.kind, .invalidArgument)
        }
        XCTAssertFalse(GlassesDetector.version.isEmpty)
    }
}
