import CoreGraphics
import Foundation
import XCTest

/// tests/fixtures/golden.json (the file the C, Kotlin and Python tests read too), as every Swift
/// test reads it: one description of the file and one way to find and load it.
/// Written without a Mac at hand: not compiled or run where it was written (see ios/README.md).
struct Golden: Decodable {
    /// A picture classified whole, or through the face the default face mode finds.
    typealias Case = Answered<Picture>
    /// A face inside a larger picture, given by its box.
    typealias RegionCase = Answered<Region>
    /// One face of a group picture, as the detector finds it.
    typealias Face = Answered<Detected>

    struct Picture: Decodable {
        let image: String
        /// The face the default face mode finds, [x, y, width, height, score]; absent when it
        /// finds none and the whole picture was classified.
        let face: [Float]?
    }

    struct Region: Decodable {
        let image: String
        /// [x, y, width, height] in pixels, top-left.
        let face_box: [Float]

        var faceBox: CGRect {
            CGRect(
                x: CGFloat(face_box[0]), y: CGFloat(face_box[1]),
                width: CGFloat(face_box[2]), height: CGFloat(face_box[3])
            )
        }
    }

    struct Detected: Decodable {
        /// [x, y, width, height, score] in pixels of the upright picture.
        let face: [Float]
    }

    /// A picture of several faces: every face the detector finds, largest first.
    struct Group: Decodable {
        let image: String
        let faces: [Face]
    }

    let model: String
    let tolerance: Float
    let cases: [Case]
    let region_cases: [RegionCase]
    let group_cases: [Group]

    /// Repository root: this file is ios/Tests/GlassesDetectorTests/GoldenFixture.swift. Simulator
    /// tests run on the Mac's file system, so the path works for iOS simulator runs as well.
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixtures = repoRoot.appendingPathComponent("tests/fixtures")

    /// The golden file; the test is skipped, naming the path, when it is absent.
    static func load() throws -> Golden {
        let url = fixtures.appendingPathComponent("golden.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("\(url.path) is absent")
        }
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }
}

/// The answer golden.json gives wherever it gives one: the same four fields for a picture, a
/// face box and a detected face.
struct GoldenAnswer: Decodable {
    let probability: Float
    let has_glasses: Bool
    /// "none", "eyeglasses" or "sunglasses": `Eyewear`'s raw values.
    let eyewear: String
    /// [none, eyeglasses, sunglasses].
    let probabilities: [Float]
}

/// An entry of golden.json: where to look (`Place`, decoded from the entry's own fields) and the
/// answer there (decoded from the same fields). Both are read as if they were the entry's own
/// properties (`c.image`, `c.probability`).
@dynamicMemberLookup
struct Answered<Place: Decodable>: Decodable {
    let place: Place
    let answer: GoldenAnswer

    init(from decoder: Decoder) throws {
        place = try Place(from: decoder)
        answer = try GoldenAnswer(from: decoder)
    }

    subscript<T>(dynamicMember path: KeyPath<Place, T>) -> T { place[keyPath: path] }

    subscript<T>(dynamicMember path: KeyPath<GoldenAnswer, T>) -> T { answer[keyPath: path] }
}
