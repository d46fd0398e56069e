import Foundation
import Tensor
import Testing
@testable import Imaging

@Suite("Terminal rendering")
struct TerminalTests {
    @Test("truecolor half blocks decode back to the image", arguments: [(16, 12), (7, 5), (1, 1), (3, 8)])
    func truecolorRoundTrip(size: (Int, Int)) throws {
        let img = testPicture(width: size.0, height: size.1)
        let r = TerminalRenderer(mode: .truecolor, columns: 80)
        let out = try r.render(img, widthCells: size.0)
        let decoded = try #require(decodeHalfBlocks(out))
        #expect(decoded.width == img.width)
        // An odd height leaves the last cell's lower half empty; the decoder reads only the upper.
        #expect(decoded.height == img.height)
        #expect(decoded.pixels == img.pixels)
    }

    @Test("colour codes only where the colour changes; reset at every line end")
    func minimalCodes() throws {
        let img = try Image(width: 4, height: 2, mode: .RGB, color: [10, 20, 30])
        let out = try TerminalRenderer(mode: .truecolor, columns: 80).render(img, widthCells: 4)
        #expect(out == "\u{1B}[38;2;10;20;30m\u{1B}[48;2;10;20;30m▀▀▀▀\u{1B}[0m\n")
        let many = try TerminalRenderer(mode: .truecolor).render(testPicture())
        for line in many.split(separator: "\n") { #expect(line.hasSuffix("\u{1B}[0m")) }
    }

    @Test("default sizes: small images enlarged by whole pixels, large ones reduced to the width")
    func sizing() throws {
        let r = TerminalRenderer(mode: .truecolor, columns: 80)
        let small = try r.layout(width: 32, height: 32)
        #expect(small.columns == 64 && small.rows == 32)
        let large = try r.layout(width: 256, height: 256)
        #expect(large.columns == 80 && large.rows == 40)
        let wide = try r.layout(width: 256, height: 128, widthCells: 40)
        #expect(wide.columns == 40 && wide.rows == 10)
        let tall = try r.layout(width: 64, height: 64, heightCells: 10)
        #expect(tall.columns == 20 && tall.rows == 10)
        #expect(throws: ImagingError.self) { try r.layout(width: 8, height: 8, widthCells: 0) }
        #expect(throws: ImagingError.self) { try r.render(testPicture(), heightCells: 1 << 40) }
        #expect(throws: ImagingError.self) { try r.layout(width: 1, height: 100_000, widthCells: 4000) }

        // Enlarged output is exact repetition: each source pixel becomes a 2×2 block.
        let img = testPicture(width: 32, height: 32)
        let decoded = try #require(decodeHalfBlocks(try r.render(img)))
        #expect(decoded.width == 64 && decoded.height == 64)
        #expect(decoded.pixel(x: 37, y: 9) == img.pixel(x: 18, y: 4))
        // Reduced output is a box filter of the source.
        let big = testPicture(width: 256, height: 256)
        let reduced = try #require(decodeHalfBlocks(try r.render(big)))
        #expect(reduced == (try big.resized(width: 80, height: 80, filter: .box)))
    }

    @Test("plain mode writes no escapes; 256 and 16 colours use their palettes")
    func palettes() throws {
        let img = testPicture()
        let plain = try TerminalRenderer(mode: .none).render(img, widthCells: 16)
        #expect(!plain.contains("\u{1B}"))
        #expect(plain.split(separator: "\n").count == 6)
        let c256 = try TerminalRenderer(mode: .ansi256).render(img, widthCells: 16)
        #expect(c256.contains("\u{1B}[38;5;196m"))   // the pure red square is cube red
        #expect(!c256.contains(";2;"))
        let c16 = try TerminalRenderer(mode: .ansi16).render(img, widthCells: 16)
        #expect(c16.contains("\u{1B}[91m"))          // bright red
        #expect(!c16.contains("38;"))
        // Greys go to the grey ramp, colours to the cube.
        #expect(Palette.xterm256.indices[Palette.xterm256.nearest(128, 128, 128)] == 244)
        #expect(Palette.xterm256.indices[Palette.xterm256.nearest(0, 0, 255)] == 21)
        // Dithering changes the picture but only by neighbouring palette entries.
        let d = try TerminalRenderer(mode: .ansi256, dither: true).render(img, widthCells: 16)
        #expect(d != c256)
    }

    @Test("kitty and iTerm2 carry a PNG of the image")
    func pixelProtocols() throws {
        let img = testPicture()
        let k = try TerminalRenderer(mode: .kitty, columns: 80).render(img, widthCells: 16)
        #expect(k.hasPrefix("\u{1B}_Ga=T,f=100,t=d,q=2,c=16,r=6,m=0;"))
        let payload = try #require(k.split(separator: ";").last?.split(separator: "\u{1B}").first)
        let png = try #require(Data(base64Encoded: String(payload)))
        let (decoded, _) = try PNG.decode([UInt8](png))
        #expect(decoded == (try img.resized(width: 128, height: 96, filter: .nearest)))

        let i = try TerminalRenderer(mode: .iterm, columns: 80).render(img, widthCells: 16)
        #expect(i.hasPrefix("\u{1B}]1337;File=inline=1;size="))
        #expect(i.hasSuffix("\u{07}\n"))
        let b64 = try #require(i.split(separator: ":").last?.dropLast(2))
        #expect(try PNG.decode([UInt8](try #require(Data(base64Encoded: String(b64))))).image.width == 128)

        let s = try TerminalRenderer(mode: .sixel, columns: 80, cellPixels: (2, 4)).render(img, widthCells: 16)
        #expect(s.hasPrefix("\u{1B}P0;1;0q\"1;1;32;24"))
        #expect(s.hasSuffix("\u{1B}\\\n"))
    }

    @Test("mode detection", arguments: [
        ([:], true, ColorMode.none),
        (["TERM": "xterm"], true, .ansi16),
        (["TERM": "xterm-256color"], true, .ansi256),
        (["TERM": "xterm-256color", "COLORTERM": "truecolor"], true, .truecolor),
        (["TERM": "xterm-256color", "COLORTERM": "truecolor"], false, .none),
        (["TERM": "xterm-256color", "COLORTERM": "truecolor", "NO_COLOR": "1"], true, .none),
        (["TERM": "xterm-kitty"], true, .kitty),
        (["TERM": "xterm-256color", "KITTY_WINDOW_ID": "1"], true, .kitty),
        (["TERM_PROGRAM": "iTerm.app", "TERM": "xterm-256color"], true, .iterm),
        (["DSH_COLOR": "256"], false, .ansi256),
        (["DSH_COLOR": "auto", "TERM": "dumb"], true, .none),
        (["DSH_COLOR": "truecolor", "NO_COLOR": "1"], false, .truecolor),
    ] as [([String: String], Bool, ColorMode)])
    func detection(env: [String: String], tty: Bool, expected: ColorMode) {
        #expect(ColorMode.detect(environment: env, isTTY: tty) == expected)
    }

    @Test("--color values")
    func arguments() throws {
        #expect(try ColorMode(argument: "auto") == nil)
        #expect(try ColorMode(argument: "iterm2") == .iterm)
        #expect(try ColorMode(argument: "16") == .ansi16)
        #expect(throws: ImagingError.self) { try ColorMode(argument: "purple") }
    }

    @Test("golden output for each mode", arguments: [ColorMode.truecolor, .ansi256, .ansi16, .none, .sixel])
    func golden(mode: ColorMode) throws {
        let r = TerminalRenderer(mode: mode, columns: 80, dither: false, cellPixels: (2, 4))
        var out = try r.render(testPicture(), widthCells: 16)
        out += try TerminalRenderer(mode: mode, columns: 80, dither: true, cellPixels: (2, 4)).render(testPicture(), widthCells: 16)
        let file = goldenDirectory.appendingPathComponent("picture-\(mode.rawValue).ans")
        if ProcessInfo.processInfo.environment["DSH_RECORD_GOLDEN"] == "1" {
            try Data(out.utf8).write(to: file)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(out == expected, "output differs from \(file.lastPathComponent); DSH_RECORD_GOLDEN=1 rewrites it")
    }

    @Test("filmstrip lays tiles side by side with captions")
    func filmstrip() throws {
        let imgs = [testPicture(), testPicture().converted(to: .L), testPicture()]
        let strip = Filmstrip(renderer: TerminalRenderer(mode: .truecolor, columns: 80))
        let (text, lines) = try strip.render(imgs, captions: ["t=950", "t=500", "t=0"], tileColumns: 16)
        #expect(lines == 7)
        let rows = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows.count == 8)
        #expect(rows[6] == "     t=950            t=500             t=0")
        let picture = try #require(decodeHalfBlocks(rows[0..<6].joined(separator: "\n") + "\n"))
        #expect(picture.width == 50)
        #expect(picture.pixel(x: 17 + 3, y: 4) == imgs[1].converted(to: .RGB).pixel(x: 3, y: 4))
        #expect(picture.pixel(x: 16, y: 4) == [0, 0, 0])
        // Too narrow: wraps to more rows.
        let narrow = Filmstrip(renderer: TerminalRenderer(mode: .none, columns: 20))
        let (_, wrapped) = try narrow.render(imgs, captions: ["a", "b", "c"])
        #expect(wrapped > 7)
    }

    @Test("show(tensor:) draws a batch as a row and states the range it assumed")
    func showTensor() throws {
        let out = StringSink(isTerminal: false, columns: nil)
        let console = Console(stdout: out, stderr: StringSink(), environment: ["COLUMNS": "80"], colorMode: .truecolor)
        let t = try Tensor(shape: [2, 3, 4, 4], scalars: (0..<96).map { Float($0) / 48 - 1 })
        let note = try console.show(tensor: t)
        #expect(note == "tensor [2, 3, 4, 4] (NCHW), values read as [-1, 1]")
        #expect(out.text.hasSuffix(note + "\n"))
        let picture = try #require(decodeHalfBlocks(String(out.text.dropLast(note.count + 1))))
        let images = try Image.images(from: t).images
        #expect(picture.pixel(x: 0, y: 0) == images[0].pixel(x: 0, y: 0))
        #expect(picture.width > 2 * 4)
        // A plain console states the range too, with no escapes.
        let plain = StringSink()
        try Console(stdout: plain, stderr: StringSink(), colorMode: ColorMode.none).show(tensor: Tensor.ones([8, 8]))
        #expect(!plain.text.contains("\u{1B}"))
        #expect(plain.text.contains("values read as [0, 1]"))
    }

    @Test("kitty redraws replace the image with the same id")
    func kittyRedraw() throws {
        let r = TerminalRenderer(mode: .kitty, columns: 40, kittyImageID: 7)
        let out = try r.render(testPicture(), widthCells: 8)
        #expect(out.hasPrefix("\u{1B}_Ga=d,d=I,i=7,q=2\u{1B}\\\u{1B}_Ga=T,f=100,t=d,q=2,c=8,r=3,i=7,m="))
    }

    @Test("filmstrip works in every mode", arguments: ColorMode.allCases)
    func filmstripModes(mode: ColorMode) throws {
        let r = TerminalRenderer(mode: mode, columns: 60, cellPixels: (4, 8))
        let imgs = [testPicture(width: 32, height: 32), testPicture(width: 20, height: 20).converted(to: .RGBA)]
        let (text, lines) = try Filmstrip(renderer: r).render(imgs, captions: ["t=950", "t=0"])
        // Two tiles in 60 columns: 29 columns each, 29×29 pixels → 15 rows, plus the captions.
        #expect(lines == 15 + 1)
        #expect(text.hasSuffix("t=0\n"))
        #expect(mode != .none || !text.contains("\u{1B}"))
    }

    @Test("live display redraws in place on a terminal only")
    func liveDisplay() throws {
        let tty = StringSink(isTerminal: true, columns: 40)
        let live = LiveDisplay(console: Console(stdout: tty, stderr: StringSink()))
        live.update("a\nb\n")
        live.update("c\nd\n")
        #expect(tty.text == "a\nb\n\u{1B}[2F\u{1B}[Jc\nd\n")
        let file = StringSink(isTerminal: false)
        let plain = LiveDisplay(console: Console(stdout: file, stderr: StringSink()))
        plain.update("a\n")
        plain.update("b\n")
        #expect(file.text == "a\nb\n")
    }
}
