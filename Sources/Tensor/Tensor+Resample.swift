import Foundation

// Resampling and padding: interpolate (nearest, bilinear), pad, avg_pool2d.

/// How `interpolate` resamples.
public enum InterpolationMode: String, Sendable {
    case nearest, bilinear
}

extension Tensor {
    /// `F.interpolate` for `[N, C, H, W]`: give `size` or `scaleFactor`.
    ///
    /// Source positions follow PyTorch exactly: `nearest` reads `min(floor(dst·scale), in−1)`;
    /// `bilinear` uses `(dst+0.5)·scale−0.5` clamped at 0, or `dst·(in−1)/(out−1)` with
    /// `alignCorners`. With `scaleFactor`, `scale` is `1/scaleFactor` (as with
    /// `recompute_scale_factor=None`), and the output size is `floor(in·scaleFactor)`.
    public func interpolate(size: [Int]? = nil, scaleFactor: [Double]? = nil, mode: InterpolationMode = .nearest,
                            alignCorners: Bool = false) throws -> Tensor {
        guard rank == 4 else {
            throw shapeError("interpolate: expected a 4-D input [N, C, H, W] for 2-D resampling, got \(shapeString(shape))")
        }
        if mode == .nearest && alignCorners {
            throw valueError("interpolate: align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear")
        }
        let h = shape[2], w = shape[3]
        var oh = 0, ow = 0
        var scales: (Double?, Double?) = (nil, nil)
        switch (size, scaleFactor) {
        case (let s?, nil):
            let s2 = s.count == 1 ? [s[0], s[0]] : s
            guard s2.count == 2 else {
                throw valueError("interpolate: Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of \(shapeString([h, w])) and output size of \(shapeString(s)).")
            }
            oh = s2[0]; ow = s2[1]
        case (nil, let f?):
            let f2 = f.count == 1 ? [f[0], f[0]] : f
            guard f2.count == 2 else {
                throw valueError("interpolate: Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of \(shapeString([h, w])) and scale_factor of shape \(f).")
            }
            guard f2.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw valueError("interpolate: scale_factor must be positive, got \(f)") }
            let fh = (Double(h) * f2[0]).rounded(.down), fw = (Double(w) * f2[1]).rounded(.down)
            guard fh < 1e15, fw < 1e15 else { throw valueError("interpolate: scale_factor \(f2) gives an output too large to make") }
            oh = Int(fh); ow = Int(fw)
            scales = (f2[0], f2[1])
        case (nil, nil):
            throw valueError("interpolate: either size or scale_factor should be defined")
        default:
            throw valueError("interpolate: only one of size or scale_factor should be defined")
        }
        guard oh > 0 && ow > 0 && h > 0 && w > 0 else {
            throw valueError("interpolate: Input and output sizes should be greater than 0, but got input (H: \(h), W: \(w)) output (H: \(oh), W: \(ow))")
        }
        let planes = shape[0] * shape[1]
        let x = contiguous()
        let dt: DType = mode == .nearest ? dtype : (dtype.isFloatingPoint ? dtype : .float32)
        try Tensor.checkAllocation([shape[0], shape[1], oh, ow], op: "interpolate")
        let out = Tensor(uninitializedShape: [shape[0], shape[1], oh, ow], dtype: dt)
        if out.count == 0 { return out }
        let src = UnsafePointer(x.storage.pointer + x.offset), dst = out.storage.pointer

        switch mode {
        case .nearest:
            // PyTorch's nearest_idx, with the scale as a float.
            func indices(_ inSize: Int, _ outSize: Int, _ factor: Double?) -> [Int] {
                let scale: Float = factor.map { Float(1 / $0) } ?? Float(inSize) / Float(outSize)
                return (0..<outSize).map { d in
                    if outSize == inSize { return d }
                    if outSize == 2 * inSize { return d >> 1 }
                    return Swift.min(Int((Float(d) * scale).rounded(.down)), inSize - 1)
                }
            }
            let iy = indices(h, oh, scales.0), ix = indices(w, ow, scales.1)
            Parallel.forRange(planes, costPerItem: oh * ow) { range in
                for p in range {
                    let s = src + p * h * w, d = dst + p * oh * ow
                    for y in 0..<oh {
                        let row = s + iy[y] * w, o = d + y * ow
                        for xx in 0..<ow { o[xx] = row[ix[xx]] }
                    }
                }
            }
        case .bilinear:
            // PyTorch's area_pixel_compute_scale / area_pixel_compute_source_index and
            // compute_indices_weights_linear, in float.
            func weights(_ inSize: Int, _ outSize: Int, _ factor: Double?) -> (i0: [Int], i1: [Int], l0: [Float], l1: [Float]) {
                let scale: Float
                if alignCorners {
                    scale = outSize > 1 ? Float(inSize - 1) / Float(outSize - 1) : 0
                } else {
                    scale = factor.map { Float(1 / $0) } ?? Float(inSize) / Float(outSize)
                }
                var i0 = [Int](), i1 = [Int](), l0 = [Float](), l1 = [Float]()
                for d in 0..<outSize {
                    let real: Float = alignCorners ? scale * Float(d) : Swift.max(scale * (Float(d) + 0.5) - 0.5, 0)
                    let a = Swift.min(Int(real), inSize - 1)
                    let lam = Swift.min(Swift.max(real - Float(a), 0), 1)
                    i0.append(a); i1.append(a + (a < inSize - 1 ? 1 : 0))
                    l1.append(lam); l0.append(1 - lam)
                }
                return (i0, i1, l0, l1)
            }
            let wy = weights(h, oh, scales.0), wx = weights(w, ow, scales.1)
            Parallel.forRange(planes, costPerItem: oh * ow * 4) { range in
                for p in range {
                    let s = src + p * h * w, d = dst + p * oh * ow
                    for y in 0..<oh {
                        let r0 = s + wy.i0[y] * w, r1 = s + wy.i1[y] * w
                        let h0 = wy.l0[y], h1 = wy.l1[y]
                        let o = d + y * ow
                        for xx in 0..<ow {
                            let a = wx.i0[xx], b = wx.i1[xx], w0 = wx.l0[xx], w1 = wx.l1[xx]
                            o[xx] = (r0[a] * w0 + r0[b] * w1) * h0 + (r1[a] * w0 + r1[b] * w1) * h1
                        }
                    }
                }
            }
        }
        withExtendedLifetime(x) {}
        return out
    }

    /// `F.pad(x, pad, value=)`: `pad` lists (before, after) pairs from the last dimension backwards.
    /// Negative amounts crop.
    public func pad(_ pad: [Int], value: Float = 0) throws -> Tensor {
        guard pad.count % 2 == 0 else { throw valueError("pad: Padding length must be divisible by 2") }
        guard pad.count / 2 <= rank else {
            throw valueError("pad: Padding length should be less than or equal to two times the input dimension but got padding length \(pad.count) and input of dimension \(rank)")
        }
        var outShape = shape
        var src = self
        var dstStart = [Int](repeating: 0, count: rank)
        for i in 0..<(pad.count / 2) {
            let d = rank - 1 - i
            let before = pad[2 * i], after = pad[2 * i + 1]
            let size = shape[d] + before + after
            guard size >= 0 else {
                throw shapeError("pad: The input size \(shape[d]), plus negative padding \(before) and \(after) resulted in a negative output size, which is invalid. Check dimension \(d) of your input.")
            }
            outShape[d] = size
            let cropBefore = Swift.max(0, -before), cropAfter = Swift.max(0, -after)
            let keep = Swift.max(0, shape[d] - cropBefore - cropAfter)
            src = try src.narrow(d, start: Swift.min(cropBefore, shape[d]), length: keep)
            dstStart[d] = Swift.max(0, before)
        }
        try Tensor.checkAllocation(outShape, op: "pad")
        var out = Tensor.full(outShape, value, dtype: dtype)
        if src.count == 0 { return out }
        var region = out
        for d in 0..<rank where region.shape[d] != src.shape[d] || dstStart[d] != 0 {
            region = try region.narrow(d, start: dstStart[d], length: src.shape[d])
        }
        region.copyElements(from: src)
        out.dtype = dtype
        return out
    }

    /// `F.avg_pool2d` with square kernel and stride (no padding, floor mode).
    public func avgPool2d(kernel: Int, stride: Int? = nil) throws -> Tensor {
        guard rank == 3 || rank == 4 else {
            throw shapeError("avg_pool2d: non-empty 3D or 4D (batch mode) tensor expected for input, got \(shapeString(shape))")
        }
        let s = stride ?? kernel
        guard kernel > 0 else { throw valueError("avg_pool2d: kernel size should be greater than zero, but got kH: \(kernel) kW: \(kernel)") }
        guard s > 0 else { throw valueError("avg_pool2d: stride should be greater than zero, but got dH: \(s) dW: \(s)") }
        let h = shape[rank - 2], w = shape[rank - 1]
        guard h >= kernel && w >= kernel else {
            throw shapeError("avg_pool2d: Given input size: \(shapeString(Array(shape.dropLast(2) + [h, w]))). Calculated output size is too small (kernel \(kernel) is larger than the input)")
        }
        let oh = (h - kernel) / s + 1, ow = (w - kernel) / s + 1
        let planes = count / Swift.max(1, h * w)
        let x = contiguous()
        let dt: DType = dtype.isFloatingPoint ? dtype : .float32
        var out = Tensor(uninitializedShape: Array(shape.dropLast(2)) + [oh, ow], dtype: dt)
        if out.count == 0 { return out }
        let src = UnsafePointer(x.storage.pointer + x.offset), dst = out.storage.pointer
        let divisor = Float(kernel * kernel)
        Parallel.forRange(planes, costPerItem: oh * ow * kernel * kernel) { range in
            for p in range {
                let sp = src + p * h * w, dp = dst + p * oh * ow
                for y in 0..<oh {
                    for xx in 0..<ow {
                        var sum: Float = 0
                        for ky in 0..<kernel {
                            let row = sp + (y * s + ky) * w + xx * s
                            for kx in 0..<kernel { sum += row[kx] }
                        }
                        dp[y * ow + xx] = sum / divisor
                    }
                }
            }
        }
        withExtendedLifetime(x) {}
        if dt != .float32 && dt != .float64 { out.normalizeValues() }
        return out
    }
}
