import CoreGraphics
import CoreImage
import CoreVideo
import Foundation
import ImageIO
import XCTest

@testable import GlassesDetector

/// Camera frames (`CVPixelBuffer`): NV12 in both ranges and every orientation against the upright
/// picture, BGRA against the `CGImage` path, the orientation table, and the errors.
///
/// The stored frames are made with Core Image's own reading of `CGImagePropertyOrientation`
/// (`CIImage.oriented(_:)`), so the orientation mapping is checked against Apple's semantics, not
/// against the library's.
final class CameraFrameTests: XCTestCase {
    /// 240x150, both even and different, so a 90-degree turn changes the frame's shape.
    private static let picture = "faces/none_landscape_240x150.jpg"

    private static let allOrientations: [CGImagePropertyOrientation] = [
        .up, .upMirrored, .down, .downMirrored, .leftMirrored, .right, .rightMirrored, .left,
    ]

    /// An RGBA8 picture: bytes R, G, B, A, `width * 4` bytes a row, top row first.
    private struct RGBA {
        var pixels: [UInt8]
        let width: Int
        let height: Int

        func rgb(_ x: Int, _ y: Int) -> (r: Float, g: Float, b: Float) {
            let i = (y * width + x) * 4
            return (Float(pixels[i]), Float(pixels[i + 1]), Float(pixels[i + 2]))
        }
    }

    private func failure(_ message: String) -> GlassesDetectorError {
        XCTFail(message)
        return GlassesDetectorError(kind: .internal, message: message)
    }

    private func uprightImage() throws -> CGImage {
        let url = Golden.fixtures.appendingPathComponent(Self.picture)
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("\(url.path) is absent") }
        guard let source = CGImageSourceCreateWithURL(url as CFURL, nil),
              let image = CGImageSourceCreateImageAtIndex(source, 0, nil)
        else { throw failure("cannot decode \(Self.picture)") }
        return image
    }

    /// `image` drawn as the wrapper's `classify(_:)` draws it (sRGB, premultiplied RGBA8).
    private func drawn(_ image: CGImage) throws -> RGBA {
        let (w, h) = (image.width, image.height)
        var pixels = [UInt8](repeating: 0, count: w * h * 4)
        let ok = pixels.withUnsafeMutableBytes { raw -> Bool in
            let info = CGImageAlphaInfo.premultipliedLast.rawValue | CGBitmapInfo.byteOrder32Big.rawValue
            guard let space = CGColorSpace(name: CGColorSpace.sRGB),
                  let context = CGContext(
                      data: raw.baseAddress, width: w, height: h, bitsPerComponent: 8, bytesPerRow: w * 4,
                      space: space, bitmapInfo: info
                  )
            else { return false }
            context.draw(image, in: CGRect(x: 0, y: 0, width: w, height: h))
            return true
        }
        guard ok else { throw failure("cannot draw the picture") }
        return RGBA(pixels: pixels, width: w, height: h)
    }

    /// The inverse turn: `.right` (90 clockwise) undoes `.left` and vice versa; the others (flips,
    /// 180, transpose, transverse) undo themselves.
    private func inverse(_ o: CGImagePropertyOrientation) -> CGImagePropertyOrientation {
        switch o {
        case .right: return .left
        case .left: return .right
        default: return o
        }
    }

    /// The frame a camera stores when `upright` is what it shows under `orientation`: Core Image's
    /// `oriented(o)` turns stored into upright, so the inverse turn makes stored from upright. Pixel
    /// exact (whole-pixel turns and flips, no colour management).
    private func stored(_ upright: CGImage, for orientation: CGImagePropertyOrientation) throws -> RGBA {
        let turned = CIImage(cgImage: upright).oriented(inverse(orientation))
        let image = turned.transformed(by: CGAffineTransform(translationX: -turned.extent.minX, y: -turned.extent.minY))
        let (w, h) = (Int(image.extent.width), Int(image.extent.height))
        var pixels = [UInt8](repeating: 0, count: w * h * 4)
        let context = CIContext(options: [.workingColorSpace: NSNull(), .outputColorSpace: NSNull()])
        pixels.withUnsafeMutableBytes { raw in
            context.render(
                image, toBitmap: raw.baseAddress!, rowBytes: w * 4, bounds: image.extent, format: .RGBA8,
                colorSpace: nil
            )
        }
        return RGBA(pixels: pixels, width: w, height: h)
    }

    /// `picture` as an NV12 buffer, BT.601: Y per pixel, Cb and Cr from each 2x2 block's average;
    /// video range scales Y to 16-235 and chroma to 16-240.
    private func nv12(_ picture: RGBA, fullRange: Bool) throws -> CVPixelBuffer {
        let format = fullRange
            ? kCVPixelFormatType_420YpCbCr8BiPlanarFullRange : kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange
        var created: CVPixelBuffer?
        let status = CVPixelBufferCreate(kCFAllocatorDefault, picture.width, picture.height, format, nil, &created)
        guard status == kCVReturnSuccess, let buffer = created else { throw failure("CVPixelBufferCreate: \(status)") }
        CVPixelBufferLockBaseAddress(buffer, [])
        defer { CVPixelBufferUnlockBaseAddress(buffer, []) }
        guard let yRaw = CVPixelBufferGetBaseAddressOfPlane(buffer, 0),
              let uvRaw = CVPixelBufferGetBaseAddressOfPlane(buffer, 1)
        else { throw failure("NV12 buffer without planes") }
        let yPlane = yRaw.assumingMemoryBound(to: UInt8.self)
        let uvPlane = uvRaw.assumingMemoryBound(to: UInt8.self)
        let yStride = CVPixelBufferGetBytesPerRowOfPlane(buffer, 0)
        let uvStride = CVPixelBufferGetBytesPerRowOfPlane(buffer, 1)
        func luma(_ p: (r: Float, g: Float, b: Float)) -> Float { 0.299 * p.r + 0.587 * p.g + 0.114 * p.b }
        func byte(_ v: Float) -> UInt8 { UInt8(max(0, min(255, v.rounded()))) }
        let (yScale, yOffset, cScale): (Float, Float, Float) = fullRange ? (1, 0, 1) : (219 / 255, 16, 224 / 255)
        for y in 0 ..< picture.height {
            for x in 0 ..< picture.width {
                yPlane[y * yStride + x] = byte(yOffset + yScale * luma(picture.rgb(x, y)))
            }
        }
        for cy in 0 ..< picture.height / 2 {
            for cx in 0 ..< picture.width / 2 {
                var sum: (r: Float, g: Float, b: Float) = (0, 0, 0)
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let p = picture.rgb(2 * cx + dx, 2 * cy + dy)
                    sum = (sum.r + p.r / 4, sum.g + p.g / 4, sum.b + p.b / 4)
                }
                let l = luma(sum)
                uvPlane[cy * uvStride + 2 * cx] = byte(128 + cScale * (sum.b - l) / 1.772)
                uvPlane[cy * uvStride + 2 * cx + 1] = byte(128 + cScale * (sum.r - l) / 1.402)
            }
        }
        return buffer
    }

    /// `picture` as a 32BGRA buffer.
    private func bgra(_ picture: RGBA) throws -> CVPixelBuffer {
        var created: CVPixelBuffer?
        let status = CVPixelBufferCreate(
            kCFAllocatorDefault, picture.width, picture.height, kCVPixelFormatType_32BGRA, nil, &created
        )
        guard status == kCVReturnSuccess, let buffer = created else { throw failure("CVPixelBufferCreate: \(status)") }
        CVPixelBufferLockBaseAddress(buffer, [])
        defer { CVPixelBufferUnlockBaseAddress(buffer, []) }
        guard let raw = CVPixelBufferGetBaseAddress(buffer) else { throw failure("BGRA buffer without memory") }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let stride = CVPixelBufferGetBytesPerRow(buffer)
        for y in 0 ..< picture.height {
            for x in 0 ..< picture.width {
                let i = (y * picture.width + x) * 4
                let o = y * stride + x * 4
                base[o] = picture.pixels[i + 2]
                base[o + 1] = picture.pixels[i + 1]
                base[o + 2] = picture.pixels[i]
                base[o + 3] = picture.pixels[i + 3]
            }
        }
        return buffer
    }

    private func assertThrows(
        _ kind: GlassesDetectorError.Kind, _ name: String, file: StaticString = #filePath, line: UInt = #line,
        _ body: () throws -> GlassesResult
    ) {
        XCTAssertThrowsError(try body(), name, file: file, line: line) { error in
            let e = error as? GlassesDetectorError
            XCTAssertEqual(e?.kind, kind, "\(name): \(error)", file: file, line: line)
            XCTAssertFalse(e?.message.isEmpty ?? true, name, file: file, line: line)
        }
    }

    func testOrientationTable() throws {
        let want: [(CGImagePropertyOrientation, UInt32, Bool)] = [
            (.up, 0, false), (.upMirrored, 0, true), (.down, 180, false), (.downMirrored, 180, true),
            (.leftMirrored, 90, true), (.right, 90, false), (.rightMirrored, 270, true), (.left, 270, false),
        ]
        for (orientation, degrees, mirrored) in want {
            let got = try GlassesDetector.rotation(of: orientation)
            XCTAssertEqual(got.degrees, degrees, "rawValue \(orientation.rawValue)")
            XCTAssertEqual(got.mirrored, mirrored, "rawValue \(orientation.rawValue)")
        }
    }

    /// The Core Image frames are laid out as these tests assume: `.up` renders the picture itself,
    /// top row first, and the `.right` frame is the upright picture turned 90 degrees
    /// counterclockwise (the stored top row is the upright right column), so turning it 90 degrees
    /// clockwise makes it upright.
    func testStoredFramesAreLaidOutAsAssumed() throws {
        let image = try uprightImage()
        let upright = try drawn(image)
        let same = try stored(image, for: .up)
        XCTAssertEqual(same.width, upright.width)
        XCTAssertEqual(same.height, upright.height)
        var diff: Float = 0
        for y in 0 ..< upright.height {
            for x in 0 ..< upright.width {
                let (a, b) = (same.rgb(x, y), upright.rgb(x, y))
                diff += abs(a.r - b.r) + abs(a.g - b.g) + abs(a.b - b.b)
            }
        }
        XCTAssertLessThan(diff / Float(upright.width * upright.height * 3), 2, ".up renders the picture unturned")
        let right = try stored(image, for: .right)
        XCTAssertEqual(right.width, upright.height)
        XCTAssertEqual(right.height, upright.width)
        // Turning the stored frame 90 degrees clockwise puts stored (x, y) at upright (h - 1 - y, x),
        // h being the stored height.
        var turnDiff: Float = 0
        for y in stride(from: 0, to: right.height, by: 7) {
            for x in stride(from: 0, to: right.width, by: 7) {
                let (a, b) = (right.rgb(x, y), upright.rgb(right.height - 1 - y, x))
                turnDiff += abs(a.r - b.r) + abs(a.g - b.g) + abs(a.b - b.b)
            }
        }
        let samples = Float(((right.height + 6) / 7) * ((right.width + 6) / 7) * 3)
        XCTAssertLessThan(turnDiff / samples, 2, ".right means 90 degrees clockwise to upright")
    }

    /// Every orientation, both ranges: the NV12 frame classifies like the upright picture.
    func testNV12FramesMatchTheUprightPicture() throws {
        let image = try uprightImage()
        let detector = try GlassesDetector()
        let want = try detector.classify(image)
        let face = CGRect(x: 70, y: 20, width: 100, height: 110)
        let wantFace = try detector.classify(image, faceBox: face)
        for orientation in Self.allOrientations {
            let frame = try stored(image, for: orientation)
            for fullRange in [true, false] {
                let name = "rawValue \(orientation.rawValue), full range \(fullRange)"
                let buffer = try nv12(frame, fullRange: fullRange)
                let got = try detector.classify(pixelBuffer: buffer, orientation: orientation)
                XCTAssertEqual(got.probability, want.probability, accuracy: 0.05, name)
                XCTAssertEqual(got.probabilities.noEyewear, want.probabilities.noEyewear, accuracy: 0.05, name)
                let gotFace = try detector.classify(pixelBuffer: buffer, orientation: orientation, faceBox: face)
                XCTAssertEqual(gotFace.probability, wantFace.probability, accuracy: 0.05, name)
            }
        }
    }

    /// Vision's normalised box is read against the upright frame's size.
    func testVisionBoxOnARotatedFrame() throws {
        let image = try uprightImage()
        let detector = try GlassesDetector()
        let buffer = try nv12(try stored(image, for: .right), fullRange: true)
        let face = CGRect(x: 70, y: 20, width: 100, height: 110)
        let (w, h) = (CGFloat(image.width), CGFloat(image.height))
        let vision = CGRect(
            x: face.minX / w, y: 1 - face.maxY / h, width: face.width / w, height: face.height / h
        )
        let byPixels = try detector.classify(pixelBuffer: buffer, orientation: .right, faceBox: face)
        let byVision = try detector.classify(pixelBuffer: buffer, orientation: .right, visionBoundingBox: vision)
        XCTAssertEqual(byVision.probability, byPixels.probability, accuracy: 1e-4)
    }

    /// `picture` as an sRGB RGBA8 `CGImage` (premultipliedLast, opaque): drawn by the wrapper into
    /// the same format, so its pixels reach the library unchanged.
    private func cgImage(_ picture: RGBA) throws -> CGImage {
        let info = CGImageAlphaInfo.premultipliedLast.rawValue | CGBitmapInfo.byteOrder32Big.rawValue
        guard let space = CGColorSpace(name: CGColorSpace.sRGB),
              let provider = CGDataProvider(data: Data(picture.pixels) as CFData),
              let image = CGImage(
                  width: picture.width, height: picture.height, bitsPerComponent: 8, bitsPerPixel: 32,
                  bytesPerRow: picture.width * 4, space: space, bitmapInfo: CGBitmapInfo(rawValue: info),
                  provider: provider, decode: nil, shouldInterpolate: false, intent: .defaultIntent
              )
        else { throw failure("cannot make a CGImage") }
        return image
    }

    /// BGRA frames and `CGImage`s stored turned each of the eight ways (Core Image's reading of the
    /// orientation), passed with that orientation, give the upright frame's answer within 1e-4, with
    /// and without a face box in upright pixels: the library reads them through the turn.
    func testTurnedBGRAFramesAndCGImages() throws {
        let image = try uprightImage()
        let detector = try GlassesDetector()
        let face = CGRect(x: 70, y: 20, width: 100, height: 110)
        let upright = try stored(image, for: .up)
        let want = try detector.classify(pixelBuffer: try bgra(upright), orientation: .up)
        let wantFace = try detector.classify(pixelBuffer: try bgra(upright), orientation: .up, faceBox: face)
        XCTAssertEqual(try detector.classify(try cgImage(upright)).probability, want.probability, accuracy: 1e-4)
        var wrongTurnNoticed = false
        for orientation in Self.allOrientations {
            let name = "rawValue \(orientation.rawValue)"
            let frame = try stored(image, for: orientation)
            let buffer = try bgra(frame)
            let picture = try cgImage(frame)
            let whole = try [
                detector.classify(pixelBuffer: buffer, orientation: orientation),
                detector.classify(picture, orientation: orientation),
            ]
            for got in whole {
                XCTAssertEqual(got.probability, want.probability, accuracy: 1e-4, name)
                XCTAssertEqual(got.probabilities.noEyewear, want.probabilities.noEyewear, accuracy: 1e-4, name)
                XCTAssertEqual(got.eyewear, want.eyewear, name)
            }
            let faces = try [
                detector.classify(pixelBuffer: buffer, orientation: orientation, faceBox: face),
                detector.classify(picture, orientation: orientation, faceBox: face),
            ]
            for got in faces {
                XCTAssertEqual(got.probability, wantFace.probability, accuracy: 1e-4, name)
            }
            if orientation == .right {
                // Negative control: the same frame read with the opposite turn is another picture.
                let wrong = try detector.classify(pixelBuffer: buffer, orientation: .left, faceBox: face)
                wrongTurnNoticed = abs(wrong.probability - wantFace.probability) > 1e-4
            }
        }
        XCTAssertTrue(wrongTurnNoticed, "reading a .right frame as .left changed nothing")
    }

    func testUnsupportedAndBadFrames() throws {
        let detector = try GlassesDetector()
        var argb: CVPixelBuffer?
        XCTAssertEqual(
            CVPixelBufferCreate(kCFAllocatorDefault, 8, 6, kCVPixelFormatType_32ARGB, nil, &argb), kCVReturnSuccess
        )
        if let argb {
            assertThrows(.invalidPixelBuffer, "32ARGB") { try detector.classify(pixelBuffer: argb, orientation: .up) }
        }
        // An odd width: Core Video may allow it, the library's 4:2:0 path does not.
        var odd: CVPixelBuffer?
        let status = CVPixelBufferCreate(
            kCFAllocatorDefault, 7, 6, kCVPixelFormatType_420YpCbCr8BiPlanarFullRange, nil, &odd
        )
        if status == kCVReturnSuccess, let odd {
            assertThrows(.invalidPixelBuffer, "odd NV12") { try detector.classify(pixelBuffer: odd, orientation: .right) }
        }
        // A face box off the frame is a region error, as for pictures.
        let frame = RGBA(pixels: [UInt8](repeating: 128, count: 8 * 6 * 4), width: 8, height: 6)
        let buffer = try nv12(frame, fullRange: true)
        assertThrows(.invalidRegion, "box off the frame") {
            try detector.classify(
                pixelBuffer: buffer, orientation: .up, faceBox: CGRect(x: 50, y: 0, width: 4, height: 4)
            )
        }
    }
}
