import CoreGraphics
import Foundation
import ImageIO
import XCTest

@testable import GlassesDetector

/// Every face of the drawn group pictures of tests/fixtures/golden.json (`group_cases`: every face
/// the detector finds, largest first, with its answer) through the Swift surface: `detectFaces`,
/// `classifyFaces`, the face mode of `classify`, the detector's settings and `.noFace`.
/// Written without a Mac at hand: not compiled or run where it was written (see ios/README.md).
final class FacesTests: XCTestCase {
    private func loadGolden() throws -> Golden {
        let golden = try Golden.load()
        XCTAssertGreaterThanOrEqual(golden.group_cases.count, 2, "golden.json has group pictures")
        return golden
    }

    /// A detected face against golden [x, y, width, height, score]: boxes rounded to 0.01 pixel,
    /// scores to 0.0001.
    private func assertFace(
        _ face: DetectedFace?, _ want: [Float], boxAccuracy: CGFloat = 0.05, _ name: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let face = face else { return XCTFail("\(name): no face, golden \(want)", file: file, line: line) }
        let b = face.boundingBox
        XCTAssertEqual(b.minX, CGFloat(want[0]), accuracy: boxAccuracy, name, file: file, line: line)
        XCTAssertEqual(b.minY, CGFloat(want[1]), accuracy: boxAccuracy, name, file: file, line: line)
        XCTAssertEqual(b.width, CGFloat(want[2]), accuracy: boxAccuracy, name, file: file, line: line)
        XCTAssertEqual(b.height, CGFloat(want[3]), accuracy: boxAccuracy, name, file: file, line: line)
        if boxAccuracy <= 0.05 { XCTAssertEqual(face.score, want[4], accuracy: 1e-3, name, file: file, line: line) }
        XCTAssertEqual(face.landmarks.count, 5, name, file: file, line: line)
        XCTAssertLessThan(face.rightEye.y, face.mouthRight.y, "\(name): eyes above the mouth", file: file, line: line)
    }

    private func assertAnswer(_ r: GlassesResult, _ want: Golden.Face, _ tolerance: Float, _ name: String) {
        XCTAssertEqual(r.probability, want.probability, accuracy: tolerance, name)
        XCTAssertEqual(r.hasGlasses, want.has_glasses, name)
        XCTAssertEqual(r.eyewear.rawValue, want.eyewear, name)
        XCTAssertEqual(r.probabilities.noEyewear, want.probabilities[0], accuracy: tolerance, name)
        XCTAssertEqual(r.probabilities.sunglasses ?? -1, want.probabilities[2], accuracy: tolerance, name)
    }

    func testEveryFaceOfTheGroupPicturesFromDataAndFile() throws {
        let golden = try loadGolden()
        let detector = try GlassesDetector()
        for group in golden.group_cases {
            let url = Golden.fixtures.appendingPathComponent(group.image)
            let data = try Data(contentsOf: url)
            let runs: [(String, () throws -> [DetectedFace], () throws -> [FaceResult])] = [
                ("data", { try detector.detectFaces(data: data) }, { try detector.classifyFaces(data: data) }),
                ("url", { try detector.detectFaces(url: url) }, { try detector.classifyFaces(url: url) }),
            ]
            for (how, detect, classify) in runs {
                let name = "\(group.image) \(how)"
                let faces = try detect()
                XCTAssertEqual(faces.count, group.faces.count, name)
                for (face, want) in zip(faces, group.faces) { assertFace(face, want.face, name) }
                let results = try classify()
                XCTAssertEqual(results.count, group.faces.count, name)
                for (r, want) in zip(results, group.faces) {
                    assertFace(r.face, want.face, name)
                    XCTAssertEqual(r.result.face, r.face, "\(name): the answer names its face")
                    assertAnswer(r.result, want, golden.tolerance, name)
                }
            }
        }
    }

    /// A `CGImage` drawn by Core Graphics: the same pixels for the lossless PNG, so the same faces
    /// (boxes within a pixel: the drawing may round colours).
    func testEveryFaceOfAGroupCGImage() throws {
        let golden = try loadGolden()
        let detector = try GlassesDetector()
        guard let group = golden.group_cases.first(where: { $0.image.hasSuffix(".png") }) else {
            throw XCTSkip("no PNG group picture")
        }
        let url = Golden.fixtures.appendingPathComponent(group.image)
        guard let source = CGImageSourceCreateWithURL(url as CFURL, nil),
              let image = CGImageSourceCreateImageAtIndex(source, 0, nil)
        else { return XCTFail("cannot read \(url.path)") }
        let results = try detector.classifyFaces(image)
        XCTAssertEqual(results.count, group.faces.count)
        for (r, want) in zip(results, group.faces) {
            assertFace(r.face, want.face, boxAccuracy: 1, group.image)
            XCTAssertEqual(r.result.eyewear.rawValue, want.eyewear, group.image)
        }
        XCTAssertEqual(try detector.detectFaces(image).count, group.faces.count)
    }

    func testTheFaceModeChoosesWhatClassifyAnswersFor() throws {
        let golden = try loadGolden()
        let group = golden.group_cases[0]
        let data = try Data(contentsOf: Golden.fixtures.appendingPathComponent(group.image))
        let largest = group.faces[0]
        let auto = try GlassesDetector()
        XCTAssertEqual(auto.options.faceMode, .auto)
        let r = try auto.classify(data: data)
        assertFace(r.face, largest.face, "auto")
        assertAnswer(r, largest, golden.tolerance, "auto")
        let second = group.faces[1].face
        let given = CGRect(x: CGFloat(second[0]), y: CGFloat(second[1]), width: CGFloat(second[2]), height: CGFloat(second[3]))
        XCTAssertNil(try auto.classify(data: data, faceBox: given).face, "a given box is not a detected face")
        for c in golden.cases {
            let got = try auto.classify(data: Data(contentsOf: Golden.fixtures.appendingPathComponent(c.image)))
            if let want = c.face { assertFace(got.face, want, c.image) } else { XCTAssertNil(got.face, c.image) }
        }
        let whole = try GlassesDetector(options: GlassesOptions(faceMode: .whole))
        XCTAssertEqual(whole.options.faceMode, .whole)
        XCTAssertNil(try whole.classify(data: data).face)
        let detect = try GlassesDetector(options: GlassesOptions(faceMode: .detect))
        assertFace(try detect.classify(data: data).face, largest.face, "detect")
    }

    func testAPictureWithoutAFace() throws {
        let width = 64, height = 48
        let pixels = [UInt8](repeating: 128, count: width * height * 4)
        guard let provider = CGDataProvider(data: Data(pixels) as CFData),
              let image = CGImage(
                width: width, height: height, bitsPerComponent: 8, bitsPerPixel: 32, bytesPerRow: width * 4,
                space: CGColorSpaceCreateDeviceRGB(), bitmapInfo: CGBitmapInfo(rawValue: CGImageAlphaInfo.noneSkipLast.rawValue),
                provider: provider, decode: nil, shouldInterpolate: false, intent: .defaultIntent
              )
        else { return XCTFail("cannot make a blank image") }
        let detector = try GlassesDetector()
        XCTAssertEqual(try detector.detectFaces(image), [])
        XCTAssertEqual(try detector.classifyFaces(image), [])
        XCTAssertNil(try detector.classify(image).face)
        let strict = try GlassesDetector(options: GlassesOptions(faceMode: .detect))
        XCTAssertThrowsError(try strict.classify(image)) { error in
            XCTAssertEqual((error as? GlassesDetectorError)?.kind, .noFace)
        }
    }

    func testDetectorSettingsTravelInTheOptions() throws {
        let golden = try loadGolden()
        let group = golden.group_cases[0]
        let shorter = { (f: [Float]) in min(f[2], f[3]) }
        let minFaceSize = shorter(group.faces[group.faces.count - 1].face) + 1
        let keep = group.faces.filter { shorter($0.face) >= minFaceSize }.count
        XCTAssertLessThan(keep, group.faces.count)
        let options = GlassesOptions(faceDetection: FaceDetection(minFaceSize: minFaceSize))
        let detector = try GlassesDetector(options: options)
        XCTAssertEqual(detector.options.faceDetection, options.faceDetection)
        let data = try Data(contentsOf: Golden.fixtures.appendingPathComponent(group.image))
        XCTAssertEqual(try detector.detectFaces(data: data).count, keep)
        XCTAssertEqual(FaceDetection().inputWidth, 320)
        XCTAssertThrowsError(try GlassesDetector(options: GlassesOptions(faceDetection: FaceDetection(minDetectionConfidence: 1.5)))) {
            XCTAssertEqual(($0 as? GlassesDetectorError)?.kind, .invalidArgument)
        }
    }
}
