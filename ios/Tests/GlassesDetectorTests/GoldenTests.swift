import CoreGraphics
import Foundation
import ImageIO
import XCTest

@testable import GlassesDetector
import GlassesFFIBindings

/// The golden assertions of tests/fixtures/golden.json (the same file the C and Kotlin tests read),
/// run through the Swift surface, plus the cross-format and error checks.
final class GoldenTests: XCTestCase {
    /// `result` against a golden answer: probability, decision, kind and every class probability.
    private func assertGolden(
        _ result: GlassesResult, probability: Float, hasGlasses: Bool, eyewear: String,
        probabilities: [Float], accuracy: Float, _ name: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(result.probability, probability, accuracy: accuracy, name, file: file, line: line)
        XCTAssertEqual(result.hasGlasses, hasGlasses, name, file: file, line: line)
        XCTAssertEqual(result.eyewear.rawValue, eyewear, name, file: file, line: line)
        XCTAssertEqual(probabilities.count, 3, "\(name): the golden model has three classes", file: file, line: line)
        guard probabilities.count == 3 else { return }
        let p = result.probabilities
        XCTAssertEqual(p.noEyewear, probabilities[0], accuracy: accuracy, name, file: file, line: line)
        XCTAssertEqual(p.eyeglasses, probabilities[1], accuracy: accuracy, name, file: file, line: line)
        XCTAssertEqual(p.eyeglasses, result.probability, name, file: file, line: line)
        guard let sunglasses = p.sunglasses else {
            return XCTFail("\(name): no P(sunglasses) from a three-class model", file: file, line: line)
        }
        XCTAssertEqual(sunglasses, probabilities[2], accuracy: accuracy, name, file: file, line: line)
        XCTAssertEqual(p[.sunglasses], sunglasses, name, file: file, line: line)
    }

    private func cgImage(_ name: String) throws -> CGImage {
        let url = Golden.fixtures.appendingPathComponent(name)
        guard let source = CGImageSourceCreateWithURL(url as CFURL, nil),
              let image = CGImageSourceCreateImageAtIndex(source, 0, nil)
        else {
            XCTFail("cannot decode \(name)")
            throw GlassesDetectorError(kind: .invalidImage, message: "cannot decode \(name)")
        }
        return image
    }

    func testGoldenEncodedBytes() throws {
        let golden = try Golden.load()
        XCTAssertFalse(golden.cases.isEmpty)
        let model = Golden.repoRoot.appendingPathComponent(golden.model)
        let detector = try GlassesDetector(modelURL: model)
        var kinds = Set<Eyewear>()
        for c in golden.cases {
            let data = try Data(contentsOf: Golden.fixtures.appendingPathComponent(c.image))
            let result = try detector.classify(data: data)
            assertGolden(
                result, probability: c.probability, hasGlasses: c.has_glasses, eyewear: c.eyewear,
                probabilities: c.probabilities, accuracy: golden.tolerance, c.image
            )
            kinds.insert(result.eyewear)
        }
        XCTAssertEqual(kinds, Set(Eyewear.allCases), "the golden cases cover every kind")
    }

    /// Faces inside larger pictures, given as a detector's pixel box on the encoded file.
    func testGoldenRegionsEncoded() throws {
        let golden = try Golden.load()
        XCTAssertFalse(golden.region_cases.isEmpty)
        let detector = try GlassesDetector(modelURL: Golden.repoRoot.appendingPathComponent(golden.model))
        for c in golden.region_cases {
            let data = try Data(contentsOf: Golden.fixtures.appendingPathComponent(c.image))
            let result = try detector.classify(data: data, faceBox: c.faceBox)
            assertGolden(
                result, probability: c.probability, hasGlasses: c.has_glasses, eyewear: c.eyewear,
                probabilities: c.probabilities, accuracy: golden.tolerance, c.image
            )
        }
    }

    /// The region cases through CGImage, as a pixel box and as Vision's normalised bottom-left box.
    /// The fixtures are PNGs, but CoreGraphics may still colour-convert while drawing into sRGB,
    /// so the probabilities must be close, not identical, as in `testGoldenCGImage`.
    func testGoldenRegionsCGImage() throws {
        let golden = try Golden.load()
        let detector = try GlassesDetector(modelURL: Golden.repoRoot.appendingPathComponent(golden.model))
        for c in golden.region_cases {
            let image = try cgImage(c.image)
            let (w, h) = (CGFloat(image.width), CGFloat(image.height))
            let box = c.faceBox
            // What VNFaceObservation.boundingBox would say for this box: fractions, origin bottom-left.
            let vision = CGRect(
                x: box.minX / w, y: 1 - box.maxY / h, width: box.width / w, height: box.height / h
            )
            let back = GlassesDetector.faceBox(
                visionBoundingBox: vision, imageWidth: image.width, imageHeight: image.height
            )
            XCTAssertEqual(back.minX, box.minX, accuracy: 1e-3, c.image)
            XCTAssertEqual(back.minY, box.minY, accuracy: 1e-3, c.image)
            XCTAssertEqual(back.width, box.width, accuracy: 1e-3, c.image)
            XCTAssertEqual(back.height, box.height, accuracy: 1e-3, c.image)

            let pixelBox = try detector.classify(image, faceBox: box)
            let visionBox = try detector.classify(image, visionBoundingBox: vision)
            for (result, how) in [(pixelBox, "faceBox"), (visionBox, "visionBoundingBox")] {
                let name = "\(c.image) \(how)"
                XCTAssertEqual(result.probability, c.probability, accuracy: 0.05, name)
                XCTAssertEqual(result.probabilities.noEyewear, c.probabilities[0], accuracy: 0.05, name)
                if abs(c.probability - 0.5) > 0.05 {
                    XCTAssertEqual(result.hasGlasses, c.has_glasses, name)
                    XCTAssertEqual(result.eyewear.rawValue, c.eyewear, name)
                }
            }
        }
    }

    func testInvalidRegions() throws {
        let golden = try Golden.load()
        let detector = try GlassesDetector(modelURL: Golden.repoRoot.appendingPathComponent(golden.model))
        guard let c = golden.region_cases.first else { return XCTFail("no region cases") }
        let data = try Data(contentsOf: Golden.fixtures.appendingPathComponent(c.image))
        let image = try cgImage(c.image)
        let outside = CGRect(x: CGFloat(image.width) + 10, y: 0, width: 50, height: 50)
        for box in [outside, CGRect(x: 10, y: 10, width: 0, height: 40), .null] {
            XCTAssertThrowsError(try detector.classify(data: data, faceBox: box)) { error in
                let e = error as? GlassesDetectorError
                XCTAssertEqual(e?.kind, .invalidRegion, "\(box): \(error)")
                XCTAssertFalse(e?.message.isEmpty ?? true)
            }
            XCTAssertThrowsError(try detector.classify(image, faceBox: box)) { error in
                XCTAssertEqual((error as? GlassesDetectorError)?.kind, .invalidRegion, "\(box): \(error)")
            }
        }
        // Partly outside the picture is fine: the edge pixels are repeated.
        let edge = CGRect(x: -20, y: 10, width: 80, height: 80)
        XCTAssertNoThrow(try detector.classify(data: data, faceBox: edge))
    }

    /// The bundled model is the golden model: the default initialiser gives the same answers.
    func testGoldenBundledModel() throws {
        let golden = try Golden.load()
        guard golden.model == "core/models/glasses-int8.onnx" else { throw XCTSkip("golden model is not the bundled one") }
        let detector = try GlassesDetector()
        for c in golden.cases {
            let data = try Data(contentsOf: Golden.fixtures.appendingPathComponent(c.image))
            let result = try detector.classify(data: data)
            XCTAssertEqual(result.probability, c.probability, accuracy: golden.tolerance, c.image)
            XCTAssertEqual(result.eyewear.rawValue, c.eyewear, c.image)
        }
    }

    /// Through CGImage (ImageIO decodes, CoreGraphics draws RGBA8): decoders differ in their last
    /// bits, so the decision must agree and the probability be close, not identical.
    func testGoldenCGImage() throws {
        let golden = try Golden.load()
        let detector = try GlassesDetector(modelURL: Golden.repoRoot.appendingPathComponent(golden.model))
        for c in golden.cases {
            let url = Golden.fixtures.appendingPathComponent(c.image)
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

    /// One synthetic image in every pixel format gives one probability, through the bindings'
    /// one call (`classify(input:request:)`), upright and turned.
    func testPixelFormatsAgree() throws {
        let classifier = try GlassesClassifier(options: defaultOptions())
        let (w, h) = (23, 17)
        var rgb = [UInt8](), rgba = [UInt8](), bgra = [UInt8](), argb = [UInt8]()
        for i in 0 ..< w * h {
            let (r, g, b) = (UInt8(i * 7 % 256), UInt8(i * 13 % 256), UInt8(255 - i % 256))
            rgb += [r, g, b]
            rgba += [r, g, b, 255]
            bgra += [b, g, r, 255]
            withUnsafeBytes(of: UInt32(0xFF00_0000) | UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b)) { argb += $0 }
        }
        for turn in [GlassesOrientation(rotationDegrees: 0, mirrored: false), GlassesOrientation(rotationDegrees: 90, mirrored: true)] {
            let request = GlassesRequest(orientation: turn, face: nil, faceMode: .auto)
            let want = try classifier.classify(
                input: .pixels(pixels: Data(rgb), width: UInt32(w), height: UInt32(h), stride: UInt32(w * 3), format: .rgb8),
                request: request
            ).probability
            for (data, format) in [(rgba, PixelFormat.rgba8), (bgra, .bgra8), (argb, .argb32)] {
                let got = try classifier.classify(
                    input: .pixels(pixels: Data(data), width: UInt32(w), height: UInt32(h), stride: UInt32(w * 4), format: format),
                    request: request
                )
                XCTAssertEqual(got.probability, want, accuracy: 1e-4, "\(format) \(turn)")
            }
        }
    }

    /// The limits of `GlassesOptions` reach the library: a file or a picture one over is refused.
    func testOptionsLimits() throws {
        let golden = try Golden.load()
        guard let c = golden.cases.first else { return XCTFail("no golden cases") }
        let url = Golden.fixtures.appendingPathComponent(c.image)
        let data = try Data(contentsOf: url)
        let size = UInt64(data.count)
        let model = Golden.repoRoot.appendingPathComponent(golden.model)
        XCTAssertEqual(try GlassesDetector(modelURL: model).options, GlassesOptions())
        let fits = try GlassesDetector(modelURL: model, options: GlassesOptions(maxFileBytes: size))
        XCTAssertEqual(try fits.classify(url: url), try fits.classify(data: data))
        let small = try GlassesDetector(modelURL: model, options: GlassesOptions(maxPixels: 1, maxFileBytes: size - 1))
        XCTAssertEqual(small.options, GlassesOptions(maxPixels: 1, maxFileBytes: size - 1))
        XCTAssertThrowsError(try small.classify(url: url)) { error in
            XCTAssertEqual((error as? GlassesDetectorError)?.kind, .fileTooLarge)
        }
        XCTAssertThrowsError(try small.classify(data: data)) { error in
            XCTAssertEqual((error as? GlassesDetectorError)?.kind, .imageTooLarge)
        }
        XCTAssertThrowsError(try GlassesDetector(options: GlassesOptions(maxPixels: 0))) { error in
            XCTAssertEqual((error as? GlassesDetectorError)?.kind, .invalidArgument)
        }
    }

    /// `GlassesOptions.threads` splits each picture over native threads with the answers of one
    /// thread on every golden case (the same bits); 1 is the default, more than 8 is refused.
    func testThreadsAnswerLikeOneThread() throws {
        let golden = try Golden.load()
        let model = Golden.repoRoot.appendingPathComponent(golden.model)
        XCTAssertEqual(GlassesOptions().threads, 1)
        let one = try GlassesDetector(modelURL: model)
        for threads: UInt32 in [2, 0] {
            let split = try GlassesDetector(modelURL: model, options: GlassesOptions(threads: threads))
            XCTAssertEqual(split.options.threads, threads)
            for c in golden.cases {
                let data = try Data(contentsOf: Golden.fixtures.appendingPathComponent(c.image))
                XCTAssertEqual(try split.classify(data: data), try one.classify(data: data), "\(c.image), \(threads) threads")
            }
        }
        XCTAssertThrowsError(try GlassesDetector(options: GlassesOptions(threads: 9))) { error in
            XCTAssertEqual((error as? GlassesDetectorError)?.kind, .invalidArgument)
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
