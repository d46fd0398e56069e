import Foundation

/// Resampling filters, as Pillow's `Image.Resampling` names them.
public enum ResampleFilter: String, Sendable, CaseIterable {
    case nearest, box, bilinear, hamming, bicubic, lanczos

    /// Pillow's filter kernel and its support (in source pixels at scale 1).
    var kernel: (f: (Double) -> Double, support: Double)? {
        switch self {
        case .nearest: return nil
        case .box: return ({ x in (x > -0.5 && x <= 0.5) ? 1 : 0 }, 0.5)
        case .bilinear: return ({ x in let a = abs(x); return a < 1 ? 1 - a : 0 }, 1)
        case .hamming:
            return ({ x in
                let a = abs(x)
                if a == 0 { return 1 }
                if a >= 1 { return 0 }
                let p = a * Double.pi
                return sin(p) / p * (0.54 + 0.46 * cos(p))
            }, 1)
        case .bicubic:
            return ({ x in
                let a = -0.5, t = abs(x)
                if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
                if t < 2 { return (((t - 5) * t + 8) * t - 4) * a }
                return 0
            }, 2)
        case .lanczos:
            return ({ x in
                func sinc(_ v: Double) -> Double { v == 0 ? 1 : sin(v * Double.pi) / (v * Double.pi) }
                return (-3 <= x && x < 3) ? sinc(x) * sinc(x / 3) : 0
            }, 3)
        }
    }
}

/// Pillow's fixed-point precision for 8-bit resampling (`Resample.c`).
private let precisionBits = 32 - 8 - 2

extension Image {
    /// A resized copy, computed as Pillow's `Image.resize(size, resample)` computes it (same
    /// kernels, coefficient rounding and fixed-point arithmetic, so results match Pillow
    /// byte for byte). Pillow's default filter is bicubic. RGBA images are resized with
    /// premultiplied alpha, as Pillow does.
    public func resized(width w: Int, height h: Int, filter: ResampleFilter = .bicubic) throws -> Image {
        guard w > 0 && h > 0 else { throw imagingValueError("resize: size must be positive, got (\(w), \(h))") }
        guard w <= PNG.maxPixels / h else { throw imagingValueError("resize: size (\(w), \(h)) exceeds the limit of \(PNG.maxPixels) pixels") }
        if w == width && h == height { return self }
        if filter == .nearest { return nearest(width: w, height: h) }
        if mode == .RGBA {
            return premultiplied().resampled(width: w, height: h, filter: filter).unpremultiplied()
        }
        return resampled(width: w, height: h, filter: filter)
    }

    /// Pillow's NEAREST resize: source index `floor((x + 0.5) · scale)`.
    func nearest(width w: Int, height h: Int) -> Image {
        let c = mode.channels
        let sx = Double(width) / Double(w), sy = Double(height) / Double(h)
        let xs = (0..<w).map { min(width - 1, Int((Double($0) + 0.5) * sx)) }
        var out = [UInt8](repeating: 0, count: w * h * c)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let yy = min(height - 1, Int((Double(y) + 0.5) * sy))
                    let row = yy * width * c, orow = y * w * c
                    for x in 0..<w {
                        for k in 0..<c { dst[orow + x * c + k] = src[row + xs[x] * c + k] }
                    }
                }
            }
        }
        return Image(unchecked: w, h, mode, out, info)
    }

    /// Separable resampling: horizontal pass, then vertical, as Pillow orders them.
    func resampled(width w: Int, height h: Int, filter: ResampleFilter) -> Image {
        var img = self
        if w != width { img = img.pass(horizontal: true, outSize: w, filter: filter) }
        if h != height { img = img.pass(horizontal: false, outSize: h, filter: filter) }
        return img
    }

    /// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc`.
    static func coefficients(inSize: Int, outSize: Int, filter: ResampleFilter) -> (ksize: Int, bounds: [(Int, Int)], k: [Int32]) {
        guard let (f, fsupport) = filter.kernel else { return (0, [], []) }
        let scale = Double(inSize) / Double(outSize)
        let filterscale = max(scale, 1)
        let support = fsupport * filterscale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        var bounds: [(Int, Int)] = []
        bounds.reserveCapacity(outSize)
        var kk = [Int32](repeating: 0, count: outSize * ksize)
        var pre = [Double](repeating: 0, count: ksize)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            let ss = 1 / filterscale
            let xmin = max(0, Int(center - support + 0.5))
            let xmax = min(inSize, Int(center + support + 0.5)) - xmin
            var ww = 0.0
            for x in 0..<max(xmax, 0) {
                let v = f((Double(x + xmin) - center + 0.5) * ss)
                pre[x] = v
                ww += v
            }
            for x in 0..<max(xmax, 0) {
                let v = ww != 0 ? pre[x] / ww : pre[x]
                let scaled = v * Double(1 << precisionBits)
                kk[xx * ksize + x] = Int32(v < 0 ? (-0.5 + scaled).rounded(.towardZero) : (0.5 + scaled).rounded(.towardZero))
            }
            bounds.append((xmin, max(xmax, 0)))
        }
        return (ksize, bounds, kk)
    }

    /// One resampling pass along x (`horizontal`) or y.
    func pass(horizontal: Bool, outSize: Int, filter: ResampleFilter) -> Image {
        let c = mode.channels
        let inSize = horizontal ? width : height
        let (ksize, bounds, kk) = Image.coefficients(inSize: inSize, outSize: outSize, filter: filter)
        let ow = horizontal ? outSize : width, oh = horizontal ? height : outSize
        var out = [UInt8](repeating: 0, count: ow * oh * c)
        let half = Int32(1) << Int32(precisionBits - 1)
        @inline(__always) func clip8(_ v: Int32) -> UInt8 {
            let s = v >> Int32(precisionBits)
            return s < 0 ? 0 : (s > 255 ? 255 : UInt8(s))
        }
        let inW = width
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                kk.withUnsafeBufferPointer { k in
                    if horizontal {
                        for y in 0..<oh {
                            let row = y * inW * c
                            for xx in 0..<ow {
                                let (xmin, xmax) = bounds[xx]
                                let kb = xx * ksize
                                for ch in 0..<c {
                                    var ss = half
                                    for x in 0..<xmax {
                                        ss &+= Int32(src[row + (x + xmin) * c + ch]) &* k[kb + x]
                                    }
                                    dst[(y * ow + xx) * c + ch] = clip8(ss)
                                }
                            }
                        }
                    } else {
                        for yy in 0..<oh {
                            let (ymin, ymax) = bounds[yy]
                            let kb = yy * ksize
                            for i in 0..<(ow * c) {
                                var ss = half
                                for y in 0..<ymax {
                                    ss &+= Int32(src[(y + ymin) * inW * c + i]) &* k[kb + y]
                                }
                                dst[yy * ow * c + i] = clip8(ss)
                            }
                        }
                    }
                }
            }
        }
        return Image(unchecked: ow, oh, mode, out, info)
    }

    /// RGBA → Pillow's `RGBa` (colour multiplied by alpha, rounded as Pillow's MULDIV255).
    func premultiplied() -> Image {
        var px = pixels
        for i in stride(from: 0, to: px.count, by: 4) {
            let a = Int(px[i + 3])
            for k in 0..<3 {
                let t = Int(px[i + k]) * a + 128
                px[i + k] = UInt8(((t >> 8) + t) >> 8)
            }
        }
        return Image(unchecked: width, height, .RGBA, px, info)
    }

    /// Pillow's `RGBa` → RGBA: colour divided by alpha (unchanged at alpha 0 or 255).
    func unpremultiplied() -> Image {
        var px = pixels
        for i in stride(from: 0, to: px.count, by: 4) {
            let a = Int(px[i + 3])
            if a == 0 || a == 255 { continue }
            for k in 0..<3 { px[i + k] = UInt8(min(255, Int(px[i + k]) * 255 / a)) }
        }
        return Image(unchecked: width, height, .RGBA, px, info)
    }
}
