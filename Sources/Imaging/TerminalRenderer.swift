import Foundation

/// Draws images as text for a terminal.
///
/// Cell modes draw two pixels per cell with the upper half block `▀` (U+2580): the upper pixel
/// is the foreground colour, the lower one the background. A colour escape is written only
/// where the colour changes, and every line ends with a reset (`ESC[0m`). Cells are taken to
/// be twice as tall as wide, so one pixel per column and two per row keeps the aspect ratio.
/// Pixel modes (kitty, iTerm2) send the image as PNG; sixel sends palette-indexed pixels.
///
/// Size: without `widthCells`/`heightCells` an image wider than the terminal is reduced with
/// a box filter to fit; a small one is enlarged by a whole number of pixel repetitions (up to
/// 64 columns) so it stays crisp.
public struct TerminalRenderer: Sendable {
    /// How to draw.
    public var mode: ColorMode
    /// Columns available (the terminal's width).
    public var columns: Int
    /// Ordered (Bayer 4×4) dithering for the 256- and 16-colour modes.
    public var dither: Bool
    /// Pixel size of a cell, used to size sixel output (from TIOCGWINSZ when known).
    public var cellPixels: (width: Int, height: Int)
    /// kitty image id; when set, images are sent with that id so a redraw can replace them.
    public var kittyImageID: UInt32?

    /// The largest explicit width or height, in cells.
    public static let maxCells = 4096

    /// The widest a small image is enlarged to by default, in columns.
    public static let enlargeLimit = 64

    /// A renderer for `mode` in a terminal `columns` wide.
    public init(mode: ColorMode, columns: Int = 80, dither: Bool = false,
                cellPixels: (width: Int, height: Int) = (10, 20), kittyImageID: UInt32? = nil) {
        self.mode = mode
        self.columns = max(1, columns)
        self.dither = dither
        self.cellPixels = cellPixels
        self.kittyImageID = kittyImageID
    }

    /// A renderer for the process's standard output: mode from ``ColorMode/detect(environment:isTTY:)``
    /// unless `mode` is given, width from the terminal.
    public static func forStandardOutput(mode: ColorMode? = nil,
                                         environment env: [String: String] = ProcessInfo.processInfo.environment) -> TerminalRenderer {
        let tty = isTerminal(1)
        let size = TerminalSize.current(fd: 1, environment: env)
        return TerminalRenderer(mode: mode ?? ColorMode.detect(environment: env, isTTY: tty), columns: size.columns,
                                cellPixels: size.cellPixels ?? (10, 20))
    }

    /// The drawing size of a `width × height` image: cells, and the pixel size it is resampled
    /// to for cell modes (`pixelHeight` is up to `2 · rows`; odd heights leave the last row's
    /// lower half empty).
    public func layout(width: Int, height: Int, widthCells: Int? = nil, heightCells: Int? = nil) throws
        -> (columns: Int, rows: Int, pixelWidth: Int, pixelHeight: Int) {
        if let w = widthCells, w <= 0 { throw imagingValueError("width must be a positive number of cells, got \(w)") }
        if let h = heightCells, h <= 0 { throw imagingValueError("height must be a positive number of cells, got \(h)") }
        if let w = widthCells, w > TerminalRenderer.maxCells { throw imagingValueError("width of \(w) cells is more than \(TerminalRenderer.maxCells)") }
        if let h = heightCells, h > TerminalRenderer.maxCells { throw imagingValueError("height of \(h) cells is more than \(TerminalRenderer.maxCells)") }
        let aspect = Double(height) / Double(width)
        var pw: Int, ph: Int
        switch (widthCells, heightCells) {
        case let (w?, h?):
            pw = w; ph = 2 * h
        case let (w?, nil):
            pw = w; ph = max(1, Int((Double(w) * aspect).rounded()))
        case let (nil, h?):
            ph = 2 * h; pw = max(1, Int((Double(ph) / aspect).rounded()))
        case (nil, nil):
            if width <= columns {
                let k = max(1, min(columns, TerminalRenderer.enlargeLimit) / width)
                pw = width * k; ph = height * k
            } else {
                pw = columns; ph = max(1, Int((Double(columns) * aspect).rounded()))
            }
        }
        guard pw <= TerminalRenderer.maxCells && (ph + 1) / 2 <= TerminalRenderer.maxCells else {
            throw imagingValueError("a \(width)×\(height) image would take \(pw)×\((ph + 1) / 2) cells, more than \(TerminalRenderer.maxCells) in a direction; give width= or height=")
        }
        return (pw, (ph + 1) / 2, pw, ph)
    }

    /// The image drawn for this renderer's mode, ending with a newline.
    public func render(_ image: Image, widthCells: Int? = nil, heightCells: Int? = nil) throws -> String {
        let (cols, rows, pw, ph) = try layout(width: image.width, height: image.height,
                                               widthCells: widthCells, heightCells: heightCells)
        switch mode {
        case .truecolor, .ansi256, .ansi16, .none:
            let px = try TerminalRenderer.fit(image.flattened(), width: pw, height: ph)
            return cellText(px)
        case .kitty:
            return try kitty(image, columns: cols, rows: rows)
        case .iterm:
            return try iterm(image, columns: cols, rows: rows)
        case .sixel:
            var sw = cols * max(1, cellPixels.width), sh = rows * max(1, cellPixels.height)
            let limit = 4_000_000.0   // pixels: keeps a sixel drawing's size bounded
            if Double(sw) * Double(sh) > limit {
                let f = (limit / (Double(sw) * Double(sh))).squareRoot()
                sw = max(1, Int(Double(sw) * f)); sh = max(1, Int(Double(sh) * f))
            }
            let px = try TerminalRenderer.fit(image.flattened(), width: sw, height: sh)
            return sixel(px)
        }
    }

    /// Resamples for display: whole-pixel repetition when enlarging, a box filter when reducing.
    static func fit(_ image: Image, width: Int, height: Int) throws -> Image {
        if width == image.width && height == image.height { return image }
        if width >= image.width && height >= image.height { return image.nearest(width: width, height: height) }
        return try image.resized(width: width, height: height, filter: .box)
    }

    // MARK: Half blocks

    /// Decimal text of 0…255.
    static let decimal: [[UInt8]] = (0..<256).map { Array(String($0).utf8) }

    /// Half-block (or plain text) drawing of an RGB image at one pixel per column.
    func cellText(_ img: Image) -> String {
        let w = img.width, h = img.height
        var out: [UInt8] = []
        out.reserveCapacity(w * ((h + 1) / 2) * (mode == .truecolor ? 24 : 12))
        let esc: [UInt8] = [0x1B, 0x5B]  // ESC [
        let upperHalf: [UInt8] = [0xE2, 0x96, 0x80]  // ▀
        if mode == .none {
            let ramp = Array(" .:-=+*#%@".utf8)
            img.pixels.withUnsafeBufferPointer { p in
                for y in stride(from: 0, to: h, by: 2) {
                    for x in 0..<w {
                        let a = (y * w + x) * 3
                        var lum = Int(Image.luma(p[a], p[a + 1], p[a + 2]))
                        if y + 1 < h {
                            let b = a + w * 3
                            lum = (lum + Int(Image.luma(p[b], p[b + 1], p[b + 2])) + 1) / 2
                        }
                        out.append(ramp[lum * ramp.count / 256])
                    }
                    out.append(0x0A)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
        if mode == .truecolor { return truecolorText(img) }
        var quant = Quantizer(palette: mode == .ansi16 ? .ansi16 : .xterm256, dither: dither)
        let paletted = mode != .truecolor
        // A colour key: 24-bit RGB or a palette index; -1 is the terminal's default.
        func key(_ x: Int, _ y: Int) -> Int {
            let a = (y * w + x) * 3
            let r = img.pixels[a], g = img.pixels[a + 1], b = img.pixels[a + 2]
            if paletted { return quant.palette.indices[quant.index(r, g, b, x: x, y: y)] }
            return Int(r) << 16 | Int(g) << 8 | Int(b)
        }
        func emit(_ k: Int, foreground: Bool) {
            out += esc
            if k < 0 { out += foreground ? [0x33, 0x39] : [0x34, 0x39]; out.append(0x6D); return }  // 39m / 49m
            switch mode {
            case .truecolor:
                out += foreground ? Array("38;2;".utf8) : Array("48;2;".utf8)
                out += TerminalRenderer.decimal[k >> 16]; out.append(0x3B)
                out += TerminalRenderer.decimal[(k >> 8) & 0xFF]; out.append(0x3B)
                out += TerminalRenderer.decimal[k & 0xFF]
            case .ansi256:
                out += foreground ? Array("38;5;".utf8) : Array("48;5;".utf8)
                out += TerminalRenderer.decimal[k]
            default:
                let base = k < 8 ? (foreground ? 30 : 40) : (foreground ? 90 : 100)
                out += TerminalRenderer.decimal[base + (k & 7)]
            }
            out.append(0x6D)  // m
        }
        for y in stride(from: 0, to: h, by: 2) {
            var fg = Int.min, bg = Int.min
            for x in 0..<w {
                let top = key(x, y)
                let bottom = y + 1 < h ? key(x, y + 1) : -1
                if top != fg { emit(top, foreground: true); fg = top }
                if bottom != bg { emit(bottom, foreground: false); bg = bottom }
                out += upperHalf
            }
            out += esc; out += [0x30, 0x6D, 0x0A]  // ESC[0m \n
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The truecolor case of ``cellText(_:)``, written straight into a byte buffer.
    func truecolorText(_ img: Image) -> String {
        let w = img.width, h = img.height
        // Worst case per cell: two 19-byte colour codes and 3 bytes of block; per line a reset.
        let capacity = ((h + 1) / 2) * (w * 41 + 5)
        var out = [UInt8](repeating: 0, count: capacity)
        let fgHead: [UInt8] = Array("\u{1B}[38;2;".utf8), bgHead: [UInt8] = Array("\u{1B}[48;2;".utf8)
        let noBg: [UInt8] = Array("\u{1B}[49m".utf8), reset: [UInt8] = Array("\u{1B}[0m\n".utf8)
        let dec = TerminalRenderer.decimal
        var n = 0
        out.withUnsafeMutableBufferPointer { o in
            img.pixels.withUnsafeBufferPointer { p in
                @inline(__always) func put(_ bytes: [UInt8]) { for b in bytes { o[n] = b; n += 1 } }
                @inline(__always) func colour(_ head: [UInt8], _ a: Int) {
                    put(head); put(dec[Int(p[a])]); o[n] = 0x3B; n += 1
                    put(dec[Int(p[a + 1])]); o[n] = 0x3B; n += 1
                    put(dec[Int(p[a + 2])]); o[n] = 0x6D; n += 1
                }
                for y in stride(from: 0, to: h, by: 2) {
                    var fg = -1, bg = -1   // packed RGB, -1 unknown, -2 default background
                    for x in 0..<w {
                        let a = (y * w + x) * 3
                        let top = Int(p[a]) << 16 | Int(p[a + 1]) << 8 | Int(p[a + 2])
                        if top != fg { colour(fgHead, a); fg = top }
                        if y + 1 < h {
                            let b = a + w * 3
                            let bottom = Int(p[b]) << 16 | Int(p[b + 1]) << 8 | Int(p[b + 2])
                            if bottom != bg { colour(bgHead, b); bg = bottom }
                        } else if bg != -2 {
                            put(noBg); bg = -2
                        }
                        o[n] = 0xE2; o[n + 1] = 0x96; o[n + 2] = 0x80; n += 3   // ▀
                    }
                    put(reset)
                }
            }
        }
        return String(decoding: out[0..<n], as: UTF8.self)
    }

    // MARK: Pixel protocols

    /// The image to send to a pixel protocol: small images enlarged by whole-pixel repetition
    /// (the terminal's own scaling would blur them), large ones as they are.
    func protocolImage(_ image: Image, columns: Int) -> Image {
        let want = columns * 8
        guard image.width < want else { return image }
        let k = min(16, (want + image.width - 1) / image.width)
        return k > 1 ? image.nearest(width: image.width * k, height: image.height * k) : image
    }

    func kitty(_ image: Image, columns: Int, rows: Int) throws -> String {
        let png = try PNG.encode(protocolImage(image, columns: columns))
        let b64 = Array(Data(png).base64EncodedString().utf8)
        var out = ""
        if let id = kittyImageID { out += "\u{1B}_Ga=d,d=I,i=\(id),q=2\u{1B}\\" }
        let idPart = kittyImageID.map { ",i=\($0)" } ?? ""
        var p = 0
        var first = true
        repeat {
            let end = min(b64.count, p + 4096)
            let more = end < b64.count ? 1 : 0
            let head = first ? "a=T,f=100,t=d,q=2,c=\(columns),r=\(rows)\(idPart),m=\(more)" : "m=\(more)"
            out += "\u{1B}_G\(head);" + String(decoding: b64[p..<end], as: UTF8.self) + "\u{1B}\\"
            p = end
            first = false
        } while p < b64.count
        return out + "\n"
    }

    func iterm(_ image: Image, columns: Int, rows: Int) throws -> String {
        let png = try PNG.encode(protocolImage(image, columns: columns))
        return "\u{1B}]1337;File=inline=1;size=\(png.count);width=\(columns);height=\(rows);preserveAspectRatio=0:"
            + Data(png).base64EncodedString() + "\u{07}\n"
    }

    /// Sixel drawing of an RGB image with the xterm 256-colour palette.
    func sixel(_ img: Image) -> String {
        let w = img.width, h = img.height
        var q = Quantizer(palette: .xterm256, dither: dither)
        var idx = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let a = (y * w + x) * 3
                idx[y * w + x] = UInt8(q.index(img.pixels[a], img.pixels[a + 1], img.pixels[a + 2], x: x, y: y))
            }
        }
        var out = Array("\u{1B}P0;1;0q\"1;1;\(w);\(h)".utf8)
        let pal = Palette.xterm256
        var used = [Bool](repeating: false, count: pal.colors.count)
        for i in idx { used[Int(i)] = true }
        for (i, u) in used.enumerated() where u {
            let c = pal.colors[i]
            let pct = { (v: UInt8) in (Int(v) * 100 + 127) / 255 }
            out += Array("#\(i);2;\(pct(c.0));\(pct(c.1));\(pct(c.2))".utf8)
        }
        var bits = [UInt8](repeating: 0, count: w)
        for band in stride(from: 0, to: h, by: 6) {
            var colours = Set<UInt8>()
            for y in band..<min(h, band + 6) { for x in 0..<w { colours.insert(idx[y * w + x]) } }
            for (n, c) in colours.sorted().enumerated() {
                for x in 0..<w {
                    var v: UInt8 = 0
                    for dy in 0..<6 where band + dy < h && idx[(band + dy) * w + x] == c { v |= 1 << dy }
                    bits[x] = v
                }
                if n > 0 { out.append(0x24) }  // $ : back to the band's start
                out += Array("#\(c)".utf8)
                var x = 0
                while x < w {
                    var run = 1
                    while x + run < w && bits[x + run] == bits[x] { run += 1 }
                    let ch = 63 + bits[x]
                    if run >= 4 { out += Array("!\(run)".utf8); out.append(ch) }
                    else { out += [UInt8](repeating: ch, count: run) }
                    x += run
                }
            }
            out.append(0x2D)  // - : next band
        }
        out += [0x1B, 0x5C, 0x0A]
        return String(decoding: out, as: UTF8.self)
    }
}
