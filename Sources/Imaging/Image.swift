import Tensor

/// An 8-bit raster image, as a PIL `Image.Image` holds it: `width × height` pixels stored row
/// by row, each pixel's channels interleaved (`R G B R G B …` for `.RGB`).
///
/// Images are values: operations (`resized`, `converted`) return new images.
public struct Image: Equatable, Sendable {
    /// Pixel layouts, named as PIL names them.
    public enum Mode: String, Sendable, CaseIterable {
        /// One grey channel.
        case L
        /// Red, green, blue.
        case RGB
        /// Red, green, blue, alpha (straight, not premultiplied).
        case RGBA

        /// Channels per pixel.
        public var channels: Int {
            switch self {
            case .L: return 1
            case .RGB: return 3
            case .RGBA: return 4
            }
        }

        /// The mode for a channel count (1, 3 or 4), else nil.
        public init?(channels: Int) {
            switch channels {
            case 1: self = .L
            case 3: self = .RGB
            case 4: self = .RGBA
            default: return nil
            }
        }
    }

    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Pixel layout.
    public let mode: Mode
    /// `width * height * mode.channels` bytes, row-major, channels interleaved.
    public var pixels: [UInt8]
    /// Text attached to the image (PIL's `info`): PNG text chunks read from a file, written
    /// again by ``PNG/write(_:to:text:)`` together with any extra text given there.
    public var info: [String: String]

    /// An image over `pixels`; throws if the byte count does not match the size and mode.
    public init(width: Int, height: Int, mode: Mode, pixels: [UInt8], info: [String: String] = [:]) throws {
        guard width > 0 && height > 0 else {
            throw imagingValueError("image size must be positive, got (\(width), \(height))")
        }
        let (n, overflow) = width.multipliedReportingOverflow(by: height * mode.channels)
        guard !overflow && pixels.count == n else {
            throw imagingValueError("a \(mode.rawValue) image of size (\(width), \(height)) needs \(n) bytes, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.mode = mode
        self.pixels = pixels
        self.info = info
    }

    /// An image filled with one colour (PIL's `Image.new(mode, size, color)`); `color` gives one
    /// value per channel, or one value used for every colour channel (alpha 255).
    public init(width: Int, height: Int, mode: Mode, color: [UInt8] = [0]) throws {
        let c = mode.channels
        var px: [UInt8]
        if color.count == c {
            px = color
        } else if color.count == 1 {
            px = [UInt8](repeating: color[0], count: c)
            if mode == .RGBA { px[3] = 255 }
        } else {
            throw imagingValueError("Image.new: a \(mode.rawValue) colour needs \(c) values, got \(color.count)")
        }
        guard width > 0 && height > 0 && width <= PNG.maxPixels / height else {
            throw imagingValueError("image size must be positive and at most \(PNG.maxPixels) pixels, got (\(width), \(height))")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * c)
        for i in 0..<(width * height) { for k in 0..<c { pixels[i * c + k] = px[k] } }
        try self.init(width: width, height: height, mode: mode, pixels: pixels)
    }

    /// `(width, height)`, PIL's `size`.
    public var size: (width: Int, height: Int) { (width, height) }

    /// Bytes per row.
    public var rowBytes: Int { width * mode.channels }

    /// Same size, mode, pixels and info.
    public static func == (a: Image, b: Image) -> Bool {
        a.width == b.width && a.height == b.height && a.mode == b.mode && a.pixels == b.pixels && a.info == b.info
    }

    /// The channels of pixel `(x, y)`.
    public func pixel(x: Int, y: Int) -> [UInt8] {
        let c = mode.channels, p = (y * width + x) * c
        return Array(pixels[p..<(p + c)])
    }
}

// MARK: Mode conversion

extension Image {
    /// PIL's luma transform for `convert("L")`: `L = R*299/1000 + G*587/1000 + B*114/1000`,
    /// computed in PIL's 16-bit fixed point with rounding.
    @inline(__always)
    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let rr: Int = Int(r) * 19595, gg: Int = Int(g) * 38470, bb: Int = Int(b) * 7471
        return UInt8(truncatingIfNeeded: (rr + gg + bb + 0x8000) >> 16)
    }

    /// The image in another mode, as PIL's `convert` does it: colour → `L` by the luma formula,
    /// `L` → colour by copying the grey value, `RGBA` → `RGB` by dropping alpha, and alpha 255
    /// when one is added.
    public func converted(to target: Mode) -> Image {
        if target == mode { return self }
        let n = width * height, ci = mode.channels, co = target.channels
        var out = [UInt8](repeating: 255, count: n * co)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    let s = i * ci, d = i * co
                    if target == .L {
                        dst[d] = Image.luma(src[s], src[s + 1], src[s + 2])
                    } else if mode == .L {
                        dst[d] = src[s]; dst[d + 1] = src[s]; dst[d + 2] = src[s]
                    } else {
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        // Safe: the byte count matches the size by construction.
        return Image(unchecked: width, height, target, out, info)
    }

    /// Internal initialiser for buffers whose size is right by construction.
    init(unchecked width: Int, _ height: Int, _ mode: Mode, _ pixels: [UInt8], _ info: [String: String] = [:]) {
        self.width = width
        self.height = height
        self.mode = mode
        self.pixels = pixels
        self.info = info
    }

    /// The image composited over a solid colour, as RGB (used for drawing images with alpha).
    public func flattened(background: (UInt8, UInt8, UInt8) = (0, 0, 0)) -> Image {
        guard mode == .RGBA else { return converted(to: .RGB) }
        let n = width * height
        var out = [UInt8](repeating: 0, count: n * 3)
        let bg = [Int(background.0), Int(background.1), Int(background.2)]
        for i in 0..<n {
            let a = Int(pixels[i * 4 + 3])
            for k in 0..<3 {
                out[i * 3 + k] = UInt8((Int(pixels[i * 4 + k]) * a + bg[k] * (255 - a) + 127) / 255)
            }
        }
        return Image(unchecked: width, height, .RGB, out, info)
    }

    /// Copies `other` (converted to this image's mode) with its top-left corner at `(x, y)`,
    /// clipping what falls outside (PIL's `paste` without a mask).
    public mutating func paste(_ other: Image, x: Int, y: Int) {
        let src = other.converted(to: mode)
        let c = mode.channels
        let x0 = max(0, x), x1 = min(width, x + src.width)
        let y0 = max(0, y), y1 = min(height, y + src.height)
        guard x0 < x1 && y0 < y1 else { return }
        for yy in y0..<y1 {
            let s = ((yy - y) * src.width + (x0 - x)) * c
            let d = (yy * width + x0) * c
            let len = (x1 - x0) * c
            pixels.replaceSubrange(d..<(d + len), with: src.pixels[s..<(s + len)])
        }
    }

    /// Lays `images` out in a `rows × cols` grid of cells the size of the first image, as
    /// diffusers' `make_image_grid` does (an RGB image; other sizes are pasted at the cell's
    /// corner and clipped). With `resize`, every image is first resized to that size.
    public static func grid(_ images: [Image], rows: Int, cols: Int,
                            resize: (width: Int, height: Int)? = nil) throws -> Image {
        guard rows > 0 && cols > 0 else { throw imagingValueError("make_image_grid: rows and cols must be positive, got \(rows) and \(cols)") }
        guard images.count == rows * cols else {
            throw imagingValueError("make_image_grid: \(images.count) images do not fill \(rows) rows × \(cols) cols")
        }
        var imgs = images
        if let r = resize { imgs = try imgs.map { try $0.resized(width: r.width, height: r.height) } }
        let w = imgs[0].width, h = imgs[0].height
        var out = try Image(width: cols * w, height: rows * h, mode: .RGB)
        for (i, img) in imgs.enumerated() {
            out.paste(img, x: (i % cols) * w, y: (i / cols) * h)
        }
        return out
    }
}
