import Foundation
@testable import Imaging

/// The fixed synthetic test picture: a colour gradient with a few solid squares.
func testPicture(width: Int = 16, height: Int = 12) -> Image {
    var px = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
        for x in 0..<width {
            let i = (y * width + x) * 3
            px[i] = UInt8(x * 255 / max(1, width - 1))
            px[i + 1] = UInt8(y * 255 / max(1, height - 1))
            px[i + 2] = UInt8((x + y) * 255 / max(1, width + height - 2))
        }
    }
    func square(_ x0: Int, _ y0: Int, _ s: Int, _ c: (UInt8, UInt8, UInt8)) {
        for y in max(0, y0)..<max(max(0, y0), min(height, y0 + s)) {
            for x in max(0, x0)..<max(max(0, x0), min(width, x0 + s)) {
                let i = (y * width + x) * 3
                px[i] = c.0; px[i + 1] = c.1; px[i + 2] = c.2
            }
        }
    }
    square(1, 1, 3, (255, 0, 0))
    square(width - 5, 2, 3, (0, 200, 60))
    square(width / 2 - 1, height - 4, 3, (30, 60, 250))
    // Safe in tests: the size is right by construction.
    return Image(unchecked: width, height, .RGB, px)
}

/// Decodes half-block truecolor output back into RGB pixels: `ESC[38;2;r;g;bm` sets the upper
/// pixel's colour, `ESC[48;2;r;g;bm` the lower one's, `ESC[49m` means "no lower pixel", and each
/// `▀` is one column. Returns nil on anything unexpected.
func decodeHalfBlocks(_ text: String) -> Image? {
    var rows: [[(UInt8, UInt8, UInt8)]] = []
    var width: Int? = nil
    var oddLastRow = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
        var top: [(UInt8, UInt8, UInt8)] = [], bottom: [(UInt8, UInt8, UInt8)] = []
        var fg: (UInt8, UInt8, UInt8)? = nil, bg: (UInt8, UInt8, UInt8)? = nil
        var lowerMissing = false
        let u = Array(line.unicodeScalars)
        var i = 0
        while i < u.count {
            if u[i] == "\u{1B}" {
                guard i + 1 < u.count, u[i + 1] == "[" else { return nil }
                var j = i + 2
                var params = ""
                while j < u.count && u[j] != "m" { params.unicodeScalars.append(u[j]); j += 1 }
                guard j < u.count else { return nil }
                let p = params.split(separator: ";").compactMap { Int($0) }
                if p == [0] { fg = nil; bg = nil }
                else if p == [49] { bg = nil; lowerMissing = true }
                else if p.count == 5 && p[1] == 2 && (p[0] == 38 || p[0] == 48) {
                    let c = (UInt8(p[2]), UInt8(p[3]), UInt8(p[4]))
                    if p[0] == 38 { fg = c } else { bg = c; lowerMissing = false }
                } else { return nil }
                i = j + 1
            } else if u[i] == "\u{2580}" {
                guard let f = fg else { return nil }
                top.append(f)
                if let b = bg { bottom.append(b) } else if !lowerMissing { return nil }
                i += 1
            } else {
                return nil
            }
        }
        if width == nil { width = top.count }
        guard top.count == width, !oddLastRow else { return nil }
        rows.append(top)
        if bottom.count == top.count { rows.append(bottom) } else if bottom.isEmpty { oddLastRow = true } else { return nil }
    }
    guard let w = width, w > 0, !rows.isEmpty else { return nil }
    var px: [UInt8] = []
    for r in rows { for c in r { px += [c.0, c.1, c.2] } }
    return try? Image(width: w, height: rows.count, mode: .RGB, pixels: px)
}

/// A fresh temporary folder for one test.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dsh-imaging-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The folder of committed golden outputs, found next to this file.
let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

/// Runs a program found on PATH; nil if it is not installed.
func runTool(_ name: String, _ args: [String]) -> (status: Int32, output: String)? {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let exe = path else { return nil }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    do { try p.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// An independent minimal PNG encoder for decoder tests: stored (uncompressed) deflate blocks,
/// any bit depth and colour type, optional Adam7 interlacing, optional extra chunks.
enum RawPNG {
    static func crc(_ b: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for x in b {
            c ^= UInt32(x)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }

    static func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 255), UInt8((v >> 8) & 255), UInt8(v & 255)] }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let t = Array(type.utf8)
        return be(UInt32(data.count)) + t + data + be(crc(t + data))
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var p = 0
        repeat {
            let n = min(65535, data.count - p)
            let last: UInt8 = p + n >= data.count ? 1 : 0
            out += [last, UInt8(n & 255), UInt8(n >> 8), UInt8(~n & 255), UInt8((~n >> 8) & 255)]
            out += data[p..<(p + n)]
            p += n
        } while p < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for x in data { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
        return out + be(b << 16 | a)
    }

    /// `samples[y][x]` holds each pixel's samples (already at `depth` bits; depth 8 or 16).
    static func encode(width: Int, height: Int, colorType: UInt8, depth: UInt8, samples: [[[Int]]],
                       interlaced: Bool = false, extra: [(String, [UInt8])] = []) -> [UInt8] {
        func rowBytes(_ xs: [Int], _ y: Int) -> [UInt8] {
            var r: [UInt8] = [0]
            for x in xs { for s in samples[y][x] { r += depth == 16 ? [UInt8(s >> 8), UInt8(s & 255)] : [UInt8(s)] } }
            return r
        }
        var raw: [UInt8] = []
        if interlaced {
            let passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            for (x0, y0, dx, dy) in passes {
                let xs = Array(stride(from: x0, to: width, by: dx))
                if xs.isEmpty { continue }
                for y in stride(from: y0, to: height, by: dy) { raw += rowBytes(xs, y) }
            }
        } else {
            for y in 0..<height { raw += rowBytes(Array(0..<width), y) }
        }
        let ihdr = be(UInt32(width)) + be(UInt32(height)) + [depth, colorType, 0, 0, interlaced ? 1 : 0]
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr)
        for (t, d) in extra { out += chunk(t, d) }
        return out + chunk("IDAT", zlibStored(raw)) + chunk("IEND", [])
    }
}
