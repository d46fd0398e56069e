import CPNG
import Foundation

/// PNG reading and writing through libpng's simplified API (`png_image`), which reports errors
/// in `png_image.message` instead of by `longjmp`, so a bad file can never unwind through Swift
/// frames. Text chunks (`tEXt`, uncompressed `iTXt`) are read and written by walking the chunk
/// list directly.
///
/// Reading gives 8-bit L, RGB or RGBA whatever the file holds: 16-bit samples are scaled to
/// 8 bits, palette images are expanded (to RGBA when the palette has transparency), grey with
/// alpha becomes RGBA, and interlaced files are de-interlaced.
public enum PNG {
    /// The most pixels a file may hold (twice PIL's `MAX_IMAGE_PIXELS`, where PIL refuses too).
    public static let maxPixels = 2 * 89_478_485

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    // png.h's format flags (function-like macros do not import into Swift).
    static let flagAlpha: UInt32 = 0x01
    static let flagColor: UInt32 = 0x02
    static let flagColormap: UInt32 = 0x08
    static let flagLinear: UInt32 = 0x04

    /// Reads a PNG file. Errors name the file: a missing or unreadable file gives the operating
    /// system's reason, a file that is not a PNG, truncated or corrupt gives libpng's reason.
    public static func read(path: String) throws -> (image: Image, text: [String: String]) {
        let bytes = try FileIO.readAll(path: path)
        return try decode(bytes, name: path)
    }

    /// Decodes PNG bytes; `name` is used in error messages.
    public static func decode(_ bytes: [UInt8], name: String = "<memory>") throws -> (image: Image, text: [String: String]) {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else {
            throw ImagingError(.format, "cannot identify image file '\(name)' (not a PNG file)")
        }
        let text = try textChunks(bytes, name: name)
        let stream = withoutColorSpaceChunks(bytes)
        let sixteen = bytes.count > 24 && bytes[24] == 16   // IHDR bit depth
        // libpng keeps reading from the memory given to begin_read, so both calls happen
        // inside one borrow of the stream.
        let image = try stream.withUnsafeBytes { raw -> Image in
            var img = png_image()
            img.version = UInt32(PNG_IMAGE_VERSION)
            guard png_image_begin_read_from_memory(&img, raw.baseAddress, raw.count) != 0 else {
                let msg = message(of: &img)
                png_image_free(&img)
                throw ImagingError(.format, "cannot read PNG file '\(name)': \(msg)")
            }
            let srcFormat = img.format
            let hasAlpha = srcFormat & flagAlpha != 0
            let isColor = srcFormat & flagColor != 0
            let mode: Image.Mode = hasAlpha ? .RGBA : (isColor ? .RGB : .L)
            switch mode {
            case .L: img.format = 0
            case .RGB: img.format = flagColor
            case .RGBA: img.format = flagColor | flagAlpha
            }
            // 16-bit files are read as 16-bit "linear" samples, which (with the colour-space
            // chunks removed) libpng passes through unchanged, and cut to their high byte as PIL
            // does. (libpng 1.6.39's own 16→8-bit reduction scrambles interlaced rows.)
            if sixteen { img.format |= flagLinear }
            let w = Int(img.width), h = Int(img.height)
            let c = mode.channels, bytesPerSample = sixteen ? 2 : 1
            let (n, overflow) = w.multipliedReportingOverflow(by: h * c * bytesPerSample)
            guard !overflow && n > 0 && w * h <= PNG.maxPixels else {
                png_image_free(&img)
                throw ImagingError(.format, "cannot read PNG file '\(name)': image size (\(w), \(h)) exceeds the limit of \(PNG.maxPixels) pixels (could be a decompression bomb)")
            }
            var buffer = [UInt8](repeating: 0, count: n)
            let done = buffer.withUnsafeMutableBytes { dst in
                png_image_finish_read(&img, nil, dst.baseAddress, Int32(w * c), nil)
            }
            guard done != 0 else {
                let msg = message(of: &img)
                png_image_free(&img)
                throw ImagingError(.format, "cannot read PNG file '\(name)': \(msg)")
            }
            png_image_free(&img)
            guard sixteen else { return Image(unchecked: w, h, mode, buffer, text) }
            var pixels = [UInt8](repeating: 0, count: w * h * c)
            buffer.withUnsafeBytes { raw in
                let v = raw.bindMemory(to: UInt16.self)
                for p in 0..<(w * h) {
                    if mode == .RGBA {
                        // Linear output has premultiplied alpha: undo it.
                        let a = Int(v[p * 4 + 3])
                        for k in 0..<3 {
                            let s = a == 0 ? 0 : min(65535, (Int(v[p * 4 + k]) * 65535 + a / 2) / a)
                            pixels[p * 4 + k] = UInt8(s >> 8)
                        }
                        pixels[p * 4 + 3] = UInt8(a >> 8)
                    } else {
                        for k in 0..<c { pixels[p * c + k] = UInt8(v[p * c + k] >> 8) }
                    }
                }
            }
            return Image(unchecked: w, h, mode, pixels, text)
        }
        return (image, text)
    }

    /// The stream without gAMA, cHRM, sRGB and iCCP chunks, so libpng does no gamma or colour
    /// conversion: pixels come out as stored, as PIL gives them.
    static func withoutColorSpaceChunks(_ b: [UInt8]) -> [UInt8] {
        let drop: Set<String> = ["gAMA", "cHRM", "sRGB", "iCCP"]
        var out = Array(b[0..<8])
        out.reserveCapacity(b.count)
        var p = 8
        while p + 12 <= b.count {
            let len = Int(be32(b, p))
            let end = min(b.count, p + 12 + len)
            let type = String(decoding: b[(p + 4)..<(p + 8)], as: UTF8.self)
            if !drop.contains(type) { out += b[p..<end] }
            p = end
        }
        if p < b.count { out += b[p...] }
        return out
    }

    /// Writes `image` as a PNG file, with `text` (and the image's `info`) as text chunks, e.g.
    /// `["model": "google/ddpm-cat-256", "scheduler": "DDPMScheduler", "steps": "50",
    /// "seed": "0"]`. Errors name the path (a missing folder, a read-only place).
    public static func write(_ image: Image, to path: String, text: [String: String] = [:]) throws {
        let bytes = try encode(image, text: text)
        try FileIO.writeAll(bytes, path: path)
    }

    /// Encodes `image` as PNG bytes with text chunks from `image.info` merged with `text`
    /// (which wins on equal keys), written in key order.
    public static func encode(_ image: Image, text: [String: String] = [:]) throws -> [UInt8] {
        var out = try FastPNGEncoder.encode(image) ?? libpngEncode(image)
        var all = image.info
        for (k, v) in text { all[k] = v }
        if !all.isEmpty { out = try insertText(all, into: out) }
        return out
    }

    /// libpng's simplified writer (zlib level 6, adaptive filters): the fallback encoder.
    static func libpngEncode(_ image: Image) throws -> [UInt8] {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        img.width = UInt32(image.width)
        img.height = UInt32(image.height)
        switch image.mode {
        case .L: img.format = 0
        case .RGB: img.format = flagColor
        case .RGBA: img.format = flagColor | flagAlpha
        }
        let raw = image.pixels.count
        var capacity = raw + raw / 4 + image.height * 8 + 4096
        var out = [UInt8]()
        for _ in 0..<2 {
            out = [UInt8](repeating: 0, count: capacity)
            var size = capacity
            let ok = image.pixels.withUnsafeBytes { src in
                out.withUnsafeMutableBytes { dst in
                    png_image_write_to_memory(&img, dst.baseAddress, &size, 0, src.baseAddress, Int32(image.rowBytes), nil)
                }
            }
            guard ok != 0 else {
                let msg = message(of: &img)
                png_image_free(&img)
                throw ImagingError(.format, "cannot encode PNG: \(msg)")
            }
            if size <= capacity {
                out.removeSubrange(size...)
                break
            }
            capacity = size   // too small: libpng reported the size it needs
        }
        png_image_free(&img)
        return out
    }

    /// libpng's message for the last error, as a Swift string.
    static func message(of img: inout png_image) -> String {
        withUnsafeBytes(of: &img.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    // MARK: Chunks

    /// Reads `tEXt` and uncompressed `iTXt` chunks; checks that the chunk list is not truncated.
    static func textChunks(_ b: [UInt8], name: String) throws -> [String: String] {
        var text: [String: String] = [:]
        var p = 8
        while p + 8 <= b.count {
            let len = Int(be32(b, p))
            let type = String(decoding: b[(p + 4)..<(p + 8)], as: UTF8.self)
            guard len <= b.count - p - 12 else {
                throw ImagingError(.format, "cannot read PNG file '\(name)': truncated file (chunk \(type) at byte \(p) runs past the end)")
            }
            let data = b[(p + 8)..<(p + 8 + len)]
            if type == "tEXt", let z = data.firstIndex(of: 0) {
                let key = String(decoding: data[data.startIndex..<z].map { $0 }, as: Latin1.self)
                text[key] = String(decoding: data[(z + 1)...].map { $0 }, as: Latin1.self)
            } else if type == "iTXt", let z = data.firstIndex(of: 0), z + 2 < data.endIndex, data[z + 1] == 0 {
                // keyword \0 compressed(0) method \0 language \0 translated \0 text
                var q = z + 3
                guard let l = data[q...].firstIndex(of: 0) else { break }
                q = l + 1
                guard let t = data[q...].firstIndex(of: 0) else { break }
                let key = String(decoding: data[data.startIndex..<z], as: UTF8.self)
                text[key] = String(decoding: data[(t + 1)...], as: UTF8.self)
            }
            if type == "IEND" { return text }
            p += 12 + len
        }
        throw ImagingError(.format, "cannot read PNG file '\(name)': truncated file (no IEND chunk)")
    }

    /// Inserts text chunks after IHDR: `tEXt` for Latin-1 text, `iTXt` (UTF-8) otherwise.
    static func insertText(_ text: [String: String], into png: [UInt8]) throws -> [UInt8] {
        var chunks: [UInt8] = []
        for key in text.keys.sorted() {
            let value = text[key] ?? ""
            guard let k = latin1(key), (1...79).contains(k.count), !k.contains(0) else {
                throw imagingValueError("PNG text key '\(key)' must be 1–79 Latin-1 characters")
            }
            if let v = latin1(value), !v.contains(0) {
                chunks += chunk("tEXt", k + [0] + v)
            } else {
                chunks += chunk("iTXt", k + [0, 0, 0, 0, 0] + Array(value.utf8))
            }
        }
        let ihdrEnd = 8 + 12 + 13
        return Array(png[0..<ihdrEnd]) + chunks + Array(png[ihdrEnd...])
    }

    static func latin1(_ s: String) -> [UInt8]? {
        var out: [UInt8] = []
        for u in s.unicodeScalars {
            guard u.value < 256 else { return nil }
            out.append(UInt8(u.value))
        }
        return out
    }

    /// One chunk: length, type, data, CRC-32 of type and data.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let t = Array(type.utf8)
        var out = [UInt8]()
        out.reserveCapacity(data.count + 12)
        appendBE32(&out, UInt32(data.count))
        out += t
        out += data
        appendBE32(&out, CRC32.checksum(t + data))
        return out
    }

    static func be32(_ b: [UInt8], _ p: Int) -> UInt32 {
        UInt32(b[p]) << 24 | UInt32(b[p + 1]) << 16 | UInt32(b[p + 2]) << 8 | UInt32(b[p + 3])
    }

    static func appendBE32(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }
}

/// Latin-1 as a Unicode codec for `String(decoding:as:)`.
enum Latin1: Unicode.Encoding {
    typealias CodeUnit = UInt8
    typealias EncodedScalar = CollectionOfOne<UInt8>
    static var encodedReplacementCharacter: EncodedScalar { CollectionOfOne(0x3F) }
    static func decode(_ content: EncodedScalar) -> Unicode.Scalar { Unicode.Scalar(content.first ?? 0x3F) }
    static func encode(_ content: Unicode.Scalar) -> EncodedScalar? {
        content.value < 256 ? CollectionOfOne(UInt8(content.value)) : nil
    }
    struct Parser: Unicode.Parser {
        typealias Encoding = Latin1
        init() {}
        mutating func parseScalar<I: IteratorProtocol>(from input: inout I) -> Unicode.ParseResult<EncodedScalar> where I.Element == UInt8 {
            guard let b = input.next() else { return .emptyInput }
            return .valid(CollectionOfOne(b))
        }
    }
    typealias ForwardParser = Parser
    typealias ReverseParser = Parser
}

/// CRC-32 (ISO-HDLC, as PNG uses it), table driven.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
