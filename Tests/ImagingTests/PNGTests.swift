import Foundation
import Testing
@testable import Imaging

@Suite("PNG")
struct PNGTests {
    @Test("round trip in every mode, with text", arguments: Image.Mode.allCases)
    func roundTrip(mode: Image.Mode) throws {
        var img = testPicture().converted(to: mode)
        if mode == .RGBA { for i in stride(from: 3, to: img.pixels.count, by: 4) { img.pixels[i] = UInt8(i % 256) } }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("x.png").path
        let text = ["model": "google/ddpm-cat-256", "scheduler": "DDPMScheduler", "steps": "50", "seed": "0",
                    "prompt": "un château – ünïcode ✓"]
        try PNG.write(img, to: path, text: text)
        let (back, readText) = try PNG.read(path: path)
        #expect(back.mode == mode)
        #expect(back.pixels == img.pixels)
        #expect(readText == text)
        #expect(back.info == text)
    }

    @Test("libpng's writer (the fallback) and the fast writer give the same pixels", arguments: Image.Mode.allCases)
    func encoders(mode: Image.Mode) throws {
        let img = testPicture(width: 33, height: 17).converted(to: mode)
        let fast = try #require(FastPNGEncoder.encode(img))
        let slow = try PNG.libpngEncode(img)
        #expect(try PNG.decode(fast).image.pixels == img.pixels)
        #expect(try PNG.decode(slow).image.pixels == img.pixels)
    }

    @Test("files pass pngcheck, which sees the text chunks")
    func pngcheck() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for mode in Image.Mode.allCases {
            let path = dir.appendingPathComponent("\(mode.rawValue).png").path
            try PNG.write(testPicture().converted(to: mode), to: path, text: ["seed": "42", "prompt": "✓"])
            guard let (status, out) = runTool("pngcheck", ["-t", path]) else {
                // pngcheck comes with `make deps`; without it there is no independent check.
                return
            }
            #expect(status == 0, "pngcheck: \(out)")
            #expect(out.contains("seed"))
            #expect(out.contains("42"))
            #expect(out.contains("OK"))
        }
    }

    @Test("reads 16-bit, palette, grey+alpha and interlaced files")
    func decodeVariants() throws {
        let w = 9, h = 7
        let rgb: [[[Int]]] = (0..<h).map { y in (0..<w).map { x in [x * 28, y * 40, (x * y) % 256] } }
        let expected = rgb.flatMap { $0.flatMap { $0.map { UInt8($0) } } }
        for interlaced in [false, true] {
            let png = RawPNG.encode(width: w, height: h, colorType: 2, depth: 8, samples: rgb, interlaced: interlaced)
            let (img, _) = try PNG.decode(png)
            #expect(img.mode == .RGB)
            #expect(img.pixels == expected, "interlaced: \(interlaced)")
        }
        // 16-bit: v * 257 must come back as v.
        let deep = rgb.map { $0.map { $0.map { $0 * 257 } } }
        for interlaced in [false, true] {
            let (img16, _) = try PNG.decode(RawPNG.encode(width: w, height: h, colorType: 2, depth: 16, samples: deep, interlaced: interlaced))
            #expect(img16.pixels == expected, "16-bit, interlaced: \(interlaced)")
        }
        // 16-bit with alpha, interlaced, with a gAMA chunk that must not change the values.
        let deepA = rgb.map { $0.map { px in px.map { $0 * 257 } + [px[0] == 0 ? 0 : 65535] } }
        let (a16, _) = try PNG.decode(RawPNG.encode(width: w, height: h, colorType: 6, depth: 16, samples: deepA,
                                                    interlaced: true, extra: [("gAMA", RawPNG.be(100_000))]))
        #expect(a16.mode == .RGBA)
        #expect(a16.pixel(x: 3, y: 2) == [84, 80, 6, 255])
        #expect(a16.pixel(x: 0, y: 2)[3] == 0)
        // 8-bit with gAMA 1.0: values as stored (PIL ignores gamma).
        let (g8, _) = try PNG.decode(RawPNG.encode(width: w, height: h, colorType: 2, depth: 8, samples: rgb,
                                                   extra: [("gAMA", RawPNG.be(100_000))]))
        #expect(g8.pixels == expected)
        // Palette with transparency → RGBA.
        let plte: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255]
        let idx: [[[Int]]] = (0..<h).map { y in (0..<w).map { x in [(x + y) % 3] } }
        let pal = RawPNG.encode(width: w, height: h, colorType: 3, depth: 8, samples: idx,
                                extra: [("PLTE", plte), ("tRNS", [255, 128, 0])])
        let (pimg, _) = try PNG.decode(pal)
        #expect(pimg.mode == .RGBA)
        #expect(pimg.pixel(x: 0, y: 0) == [255, 0, 0, 255])
        #expect(pimg.pixel(x: 1, y: 0) == [0, 255, 0, 128])
        #expect(pimg.pixel(x: 2, y: 0)[3] == 0)
        // Grey + alpha → RGBA.
        let ga: [[[Int]]] = (0..<h).map { y in (0..<w).map { x in [x * 20, 255] } }
        let (gimg, _) = try PNG.decode(RawPNG.encode(width: w, height: h, colorType: 4, depth: 8, samples: ga))
        #expect(gimg.mode == .RGBA)
        #expect(gimg.pixel(x: 3, y: 2) == [60, 60, 60, 255])
        // tEXt written by another encoder.
        let withText = RawPNG.encode(width: w, height: h, colorType: 2, depth: 8, samples: rgb,
                                     extra: [("tEXt", Array("Software\u{0}other".utf8))])
        #expect(try PNG.decode(withText).text == ["Software": "other"])
    }

    @Test("bad files give errors naming the file")
    func badInput() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try PNG.encode(testPicture())
        func check(_ name: String, _ bytes: [UInt8], contains fragment: String) throws {
            let path = dir.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                _ = try PNG.read(path: path)
                Issue.record("\(name) was read without error")
            } catch let e as ImagingError {
                #expect(e.kind == .format)
                #expect(e.message.contains(path), "\(e.message)")
                #expect(e.message.contains(fragment), "\(e.message)")
            }
        }
        try check("text.png", Array("just some text\n".utf8), contains: "cannot identify image file")
        try check("empty.png", [], contains: "cannot identify image file")
        try check("cut.png", Array(good[0..<(good.count / 2)]), contains: "truncated")
        try check("cut-header.png", Array(good[0..<20]), contains: "truncated")
        var corrupt = good
        corrupt[good.count / 2] ^= 0x55   // inside IDAT: CRC mismatch
        try check("corrupt.png", corrupt, contains: "cannot read PNG file")
        var badHeader = good
        badHeader[16] = 0xFF   // IHDR width byte
        try check("header.png", badHeader, contains: "cannot read PNG file")

        // A header claiming 100000 × 100000 pixels is refused before anything is allocated.
        var huge = RawPNG.encode(width: 1, height: 1, colorType: 0, depth: 8, samples: [[[0]]])
        huge.replaceSubrange(16..<24, with: RawPNG.be(100_000) + RawPNG.be(100_000))
        huge.replaceSubrange(29..<33, with: RawPNG.be(RawPNG.crc(Array(huge[12..<29]))))
        try check("huge.png", huge, contains: "exceeds the limit")

        let missing = dir.appendingPathComponent("nope.png").path
        #expect(throws: ImagingError(.io, "[Errno 2] No such file or directory: '\(missing)'", errno: 2)) {
            try PNG.read(path: missing)
        }
        #expect(throws: ImagingError.self) { try PNG.read(path: dir.path) }
    }

    @Test("writing to a missing folder or a read-only place says so")
    func badWrites() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("no/such/folder/x.png").path
        #expect(throws: ImagingError(.io, "[Errno 2] No such file or directory: '\(missing)'", errno: 2)) {
            try PNG.write(testPicture(), to: missing)
        }
        // /proc refuses new files even to root.
        do {
            try PNG.write(testPicture(), to: "/proc/dsh-test.png")
            Issue.record("wrote into /proc")
        } catch let e as ImagingError {
            #expect(e.kind == .io)
            #expect(e.message.contains("'/proc/dsh-test.png'"))
        }
        #expect(throws: ImagingError.self) { try PNG.write(testPicture(), to: dir.appendingPathComponent("k.png").path, text: ["": "empty key"]) }
    }
}
