import Foundation

/// A terminal palette with nearest-colour search in Oklab (Björn Ottosson's perceptual colour
/// space, https://bottosson.github.io/posts/oklab/).
struct Palette: Sendable {
    /// Palette index of each entry (e.g. 16…255 for the xterm cube and ramp).
    let indices: [Int]
    /// sRGB of each entry.
    let colors: [(UInt8, UInt8, UInt8)]
    /// Oklab of each entry.
    let lab: [(Float, Float, Float)]
    /// Spread of the ordered-dither offset, in 8-bit sRGB steps (about one palette step).
    let ditherSpread: Float

    init(indices: [Int], colors: [(UInt8, UInt8, UInt8)], ditherSpread: Float) {
        self.indices = indices
        self.colors = colors
        self.lab = colors.map { Oklab.from($0.0, $0.1, $0.2) }
        self.ditherSpread = ditherSpread
    }

    /// The six levels of the xterm 6×6×6 colour cube.
    static let cubeLevels: [UInt8] = [0, 95, 135, 175, 215, 255]

    /// xterm's 256-colour palette without the 16 system colours (which terminals theme):
    /// indices 16–231 (cube, `16 + 36r + 6g + b`) and 232–255 (grey `8 + 10i`).
    static let xterm256: Palette = {
        var idx: [Int] = [], cols: [(UInt8, UInt8, UInt8)] = []
        for r in 0..<6 { for g in 0..<6 { for b in 0..<6 {
            idx.append(16 + 36 * r + 6 * g + b)
            cols.append((cubeLevels[r], cubeLevels[g], cubeLevels[b]))
        } } }
        for i in 0..<24 {
            let v = UInt8(8 + 10 * i)
            idx.append(232 + i)
            cols.append((v, v, v))
        }
        return Palette(indices: idx, colors: cols, ditherSpread: 40)
    }()

    /// The 16 ANSI colours with xterm's default values.
    static let ansi16: Palette = {
        let c: [(UInt8, UInt8, UInt8)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
            (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
        ]
        return Palette(indices: Array(0..<16), colors: c, ditherSpread: 96)
    }()

    /// Position (in `indices`) of the entry nearest to an sRGB colour in Oklab.
    func nearest(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        let (l, a, bb) = Oklab.from(r, g, b)
        var best = 0
        var bestD = Float.infinity
        for i in 0..<lab.count {
            let e = lab[i]
            let dl = e.0 - l, da = e.1 - a, db = e.2 - bb
            let d = dl * dl + da * da + db * db
            if d < bestD { bestD = d; best = i }
        }
        return best
    }
}

/// sRGB → Oklab.
enum Oklab {
    /// sRGB byte → linear light.
    static let linear: [Float] = (0..<256).map { i in
        let c = Float(i) / 255
        return c <= 0.04045 ? c / 12.92 : powf((c + 0.055) / 1.055, 2.4)
    }

    static func from(_ r8: UInt8, _ g8: UInt8, _ b8: UInt8) -> (Float, Float, Float) {
        let r = linear[Int(r8)], g = linear[Int(g8)], b = linear[Int(b8)]
        let l = cbrtf(0.412_221_470_8 * r + 0.536_332_536_3 * g + 0.051_445_992_9 * b)
        let m = cbrtf(0.211_903_498_2 * r + 0.680_699_545_1 * g + 0.107_396_956_6 * b)
        let s = cbrtf(0.088_302_461_9 * r + 0.281_718_837_6 * g + 0.629_978_700_5 * b)
        return (0.210_454_255_3 * l + 0.793_617_785_0 * m - 0.004_072_046_8 * s,
                1.977_998_495_1 * l - 2.428_592_205_0 * m + 0.450_593_709_9 * s,
                0.025_904_037_1 * l + 0.782_771_766_2 * m - 0.808_675_766_0 * s)
    }
}

/// Maps pixels to palette entries, with optional 4×4 ordered (Bayer) dithering.
struct Quantizer {
    let palette: Palette
    let dither: Bool
    private var cache: [UInt32: Int] = [:]

    static let bayer4: [Float] = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5]

    init(palette: Palette, dither: Bool) {
        self.palette = palette
        self.dither = dither
    }

    /// Palette position for the pixel at `(x, y)` with colour `(r, g, b)`.
    mutating func index(_ r: UInt8, _ g: UInt8, _ b: UInt8, x: Int, y: Int) -> Int {
        var r = r, g = g, b = b
        if dither {
            let t = (Quantizer.bayer4[(y & 3) * 4 + (x & 3)] + 0.5) / 16 - 0.5
            let o = t * palette.ditherSpread
            @inline(__always) func add(_ v: UInt8) -> UInt8 { UInt8(max(0, min(255, (Float(v) + o).rounded()))) }
            r = add(r); g = add(g); b = add(b)
        }
        let key = UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b)
        if let i = cache[key] { return i }
        let i = palette.nearest(r, g, b)
        cache[key] = i
        return i
    }
}
