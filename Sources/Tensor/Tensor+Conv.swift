import Foundation
import Synchronization

// 2-D convolution: 1×1 stride-1 as one GEMM per image and group; everything else as im2col in
// bands of output rows (so the column panel stays a few MB however large the image) + sgemm.

/// Reusable scratch buffers, so large convolutions do not allocate (and page-fault) per call.
final class ScratchPool: Sendable {
    static let shared = ScratchPool()
    private let free = Mutex<[Storage]>([])

    /// A buffer of at least `count` floats, the smallest kept that is (a convolution takes several of different
    /// sizes, and the first large enough could be one a later, larger request needed); give it back with `recycle`.
    func take(_ count: Int) -> Storage {
        let kept: Storage? = free.withLock { free in
            var best: Int? = nil
            for i in free.indices where free[i].count >= count && (best.map { free[i].count < free[$0].count } ?? true) {
                best = i
            }
            return best.map { free.remove(at: $0) }
        }
        return kept ?? Storage(uninitializedCount: count)
    }

    func recycle(_ s: Storage) {
        free.withLock { free in
            free.append(s)
            if free.count > 4 { free.sort { $0.count > $1.count }; free.removeLast() }
        }
    }
}

/// How `conv2d` picks its algorithm and blocks its work. The defaults are tuned on the development machine;
/// a caller (a test, a benchmark) overrides them for one scope with `Tensor.$convSettings.withValue(…) { … }`.
/// The value is task-local, so an override never reaches convolutions running on other threads.
public struct ConvSettings: Sendable {
    /// Whether 3×3 stride-1 convolutions use Winograd F(2×2, 3×3) (2.25× fewer multiplies, error
    /// within a few float ulps of the direct sum) instead of im2col. Off by default; `DSH_WINOGRAD=1`
    /// turns it on.
    public var useWinograd: Bool
    /// Fewer input or output channels (per group) than this keep im2col even with `useWinograd`.
    var winogradMinChannels = 8
    /// Winograd tiles per block, rounded to whole rows of tiles (V and M blocks are 16·C·tiles floats each).
    var winogradTileBlock = 512
    /// Floats in one im2col panel (large enough for full-speed GEMMs, small enough to stay in the
    /// last-level cache).
    var panelFloats = 1 << 20
    /// Whether convolutions with at most `directMaxPixels` output pixels per channel and `directMaxWeights`
    /// filter weights run on dsh's own kernel (Tensor+DirectConv.swift: direct for stride 1, im2col on the
    /// kernel otherwise) instead of im2col + OpenBLAS. On by default; `DSH_DIRECT_CONV=0` turns it off.
    public var useDirect: Bool
    /// The largest output plane (Ho·Wo) the direct kernel takes.
    public var directMaxPixels = 64 * 64
    /// The largest filter bank (O·C·kH·kW per group) the direct kernel takes.
    public var directMaxWeights = 128 * 128 * 9
    /// Whether those small 3×3 convolutions use Winograd F(2×2, 3×3) on the same kernel when the caller
    /// keeps their transformed weights in a ``ConvWeightCache`` (as the model's layers do). On by default;
    /// `DSH_SMALL_WINOGRAD=0` turns it off.
    public var useSmallWinograd: Bool
    /// Whether, among those, planes of about 24–48 pixels a side use F(4×4, 3×3) (36 products per 16 outputs
    /// instead of 64, relative error about 1e-5 instead of 1e-6). On by default; `DSH_WINOGRAD_4X4=0` turns it off.
    public var useWinograd4x4: Bool
    /// Whether the small-plane Winograd products run with tiles as the GEMM block's rows and output channels as its
    /// lanes (Tensor+WinogradTileRows.swift), which wastes less of each block on planes of a few dozen tiles. On by
    /// default; `DSH_TILE_ROWS=0` turns it off.
    public var useTileRows: Bool
    /// Whether small stride-2 convolutions run on the direct kernel over the input's quarter planes
    /// (``Tensor/stride2Conv``) rather than on an im2col panel.
    var useStride2Direct = true

    public init(useWinograd: Bool, useDirect: Bool = true, useSmallWinograd: Bool = true, useWinograd4x4: Bool = true,
                useTileRows: Bool = true) {
        self.useWinograd = useWinograd
        self.useDirect = useDirect
        self.useSmallWinograd = useSmallWinograd
        self.useWinograd4x4 = useWinograd4x4
        self.useTileRows = useTileRows
    }

    /// The settings a process starts with.
    public static let standard = ConvSettings(useWinograd: ProcessInfo.processInfo.environment["DSH_WINOGRAD"] == "1",
                                              useDirect: ProcessInfo.processInfo.environment["DSH_DIRECT_CONV"] != "0",
                                              useSmallWinograd: ProcessInfo.processInfo.environment["DSH_SMALL_WINOGRAD"] != "0",
                                              useWinograd4x4: ProcessInfo.processInfo.environment["DSH_WINOGRAD_4X4"] != "0",
                                              useTileRows: ProcessInfo.processInfo.environment["DSH_TILE_ROWS"] != "0")
}

extension Tensor {
    /// The convolution settings in force for the current task (``ConvSettings/standard`` unless overridden).
    @TaskLocal public static var convSettings = ConvSettings.standard

    /// Expands `[x, y]` pairs given as one value or two (PyTorch's `_pair`).
    static func pair(_ v: [Int], _ name: String) throws -> (Int, Int) {
        if v.count == 1 { return (v[0], v[0]) }
        if v.count == 2 { return (v[0], v[1]) }
        throw valueError("conv2d: expected \(name) to be a single integer value or a list of 2 values, but got \(v)")
    }

    /// 2-D convolution of `[N, C, H, W]` with weight `[O, C/groups, kH, kW]` (`F.conv2d`). A layer that
    /// calls it repeatedly with the same weight passes its `cache`, which lets small 3×3 convolutions use
    /// Winograd with the weights transformed once.
    ///
    /// `padEnd` (bottom, right) adds zero rows and columns after the image only, beyond `padding`: the result is
    /// `F.conv2d(F.pad(x, (0, right, 0, bottom)), …)`, which `Downsample2D` needs, without the padded copy when the
    /// convolution is strided (its paths, quarter planes or im2col, fill whatever lies outside the image with zeros
    /// anyway).
    public func conv2d(weight: Tensor, bias: Tensor?, stride: [Int] = [1, 1], padding: [Int] = [0, 0],
                       dilation: [Int] = [1, 1], groups: Int = 1, cache: ConvWeightCache? = nil,
                       padEnd: (bottom: Int, right: Int) = (0, 0)) throws -> Tensor {
        if rank == 3 {
            return try unsqueeze(0).conv2d(weight: weight, bias: bias, stride: stride, padding: padding,
                                            dilation: dilation, groups: groups, cache: cache, padEnd: padEnd).squeeze(0)
        }
        guard padEnd.bottom >= 0 && padEnd.right >= 0 else { throw valueError("conv2d: negative padding is not supported") }
        if padEnd != (0, 0), rank == 4, try Tensor.pair(stride, "stride") == (1, 1) {
            // The unit-stride paths (Winograd, direct, 1×1) assume the same padding on both sides.
            return try pad([0, padEnd.right, 0, padEnd.bottom]).conv2d(weight: weight, bias: bias, stride: stride,
                                                                       padding: padding, dilation: dilation,
                                                                       groups: groups, cache: cache)
        }
        guard rank == 4 else {
            throw shapeError("conv2d: Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: \(shapeString(shape))")
        }
        guard weight.rank == 4 else {
            throw shapeError("conv2d: weight should be 4D [out, in/groups, kH, kW], got \(shapeString(weight.shape))")
        }
        let (sh, sw) = try Tensor.pair(stride, "stride")
        let (ph, pw) = try Tensor.pair(padding, "padding")
        let (dh, dw) = try Tensor.pair(dilation, "dilation")
        guard sh > 0 && sw > 0 else { throw valueError("conv2d: non-positive stride is not supported") }
        guard ph >= 0 && pw >= 0 else { throw valueError("conv2d: negative padding is not supported") }
        guard dh > 0 && dw > 0 else { throw valueError("conv2d: dilation should be greater than zero") }
        guard groups > 0 else { throw valueError("conv2d: non-positive groups is not supported") }
        let n = shape[0], c = shape[1], h = shape[2], w = shape[3]
        let o = weight.shape[0], cg = weight.shape[1], kh = weight.shape[2], kw = weight.shape[3]
        guard o % groups == 0 else {
            throw shapeError("conv2d: Given groups=\(groups), expected weight to be divisible by \(groups) at dimension 0, but got weight of size \(shapeString(weight.shape)) instead")
        }
        guard cg * groups == c else {
            throw shapeError("conv2d: Given groups=\(groups), weight of size \(shapeString(weight.shape)), expected input\(shapeString(shape)) to have \(cg * groups) channels, but got \(c) channels instead")
        }
        if let bias, bias.rank != 1 || bias.shape[0] != o {
            throw shapeError("conv2d: Given weight of size \(shapeString(weight.shape)), expected bias to be 1-dimensional with \(o) elements, but got bias of size \(shapeString(bias.shape)) instead")
        }
        let effH = dh * (kh - 1) + 1, effW = dw * (kw - 1) + 1
        let paddedH = h + 2 * ph + padEnd.bottom, paddedW = w + 2 * pw + padEnd.right
        guard paddedH >= effH && paddedW >= effW else {
            throw shapeError("conv2d: Calculated padded input size per channel: (\(paddedH) x \(paddedW)). Kernel size: (\(effH) x \(effW)). Kernel size can't be greater than actual input size")
        }
        let ho = (paddedH - effH) / sh + 1, wo = (paddedW - effW) / sw + 1
        let dt = DType.promote(dtype, weight.dtype)
        var out = Tensor(uninitializedShape: [n, o, ho, wo], dtype: dt)
        if out.count == 0 { return out }

        let x = contiguous(), wt = weight.contiguous()
        let xp = UnsafePointer(x.storage.pointer + x.offset)
        let wp = UnsafePointer(wt.storage.pointer + wt.offset)
        let yp = out.storage.pointer
        let og = o / groups, k = cg * kh * kw, plane = ho * wo
        let settings = Tensor.convSettings
        let small = k > 0 && Tensor.useDirectConv(settings: settings, outPlane: plane, weightCount: og * k)
        let unitStride = sh == 1 && sw == 1 && dh == 1 && dw == 1
        if small {
            // A model layer's 3×3 convolution: Winograd with the weights transformed once (F(4×4, 3×3) on planes
            // of 24–48 px); otherwise the direct kernel, or im2col on it when strided or dilated.
            let winograd = unitStride && kh == 3 && kw == 3 && settings.useSmallWinograd
                && cg >= settings.winogradMinChannels && og >= settings.winogradMinChannels
            let tile = settings.useWinograd4x4 && Tensor.useWinograd4x4(outHeight: ho, outWidth: wo) ? 4 : 2
            let tileRows = tile == 2 && settings.useTileRows && Tensor.winogradSmallUsesTileRows(outHeight: ho, outWidth: wo)
            let u = winograd ? cache?.winogradWeights(wt, groups: groups, tile: tile, transposed: tileRows) : nil
            let points = (tile + 2) * (tile + 2)
            let bv = bias?.contiguous()
            let bp = bv.map { UnsafePointer($0.storage.pointer + $0.offset) }
            for b in 0..<n {
                for g in 0..<groups {
                    let input = xp + (b * c + g * cg) * h * w, output = yp + (b * o + g * og) * plane
                    let gb = bp.map { $0 + g * og }
                    if let u {
                        let rowLength = tileRows ? Tensor.paddedOutChannels(og) : og
                        let transformed = UnsafePointer(u.pointer + g * points * rowLength * cg)
                        if tile == 4 {
                            Tensor.winograd4x4Conv3x3(input: input, channels: cg, height: h, width: w, transformed: transformed,
                                                      outChannels: og, padH: ph, padW: pw, bias: gb,
                                                      output: output, outHeight: ho, outWidth: wo)
                        } else {
                            Tensor.winogradConv3x3Small(input: input, channels: cg, height: h, width: w, transformed: transformed,
                                                        tileRows: tileRows, outChannels: og, padH: ph, padW: pw, bias: gb,
                                                        output: output, outHeight: ho, outWidth: wo)
                        }
                    } else if unitStride {
                        Tensor.directConv(input: input, channels: cg, height: h, width: w,
                                          weight: wp + g * og * k, outChannels: og, kernelH: kh, kernelW: kw,
                                          padH: ph, padW: pw, bias: gb, output: output, outHeight: ho, outWidth: wo)
                    } else if sh == 2 && sw == 2 && dh == 1 && dw == 1 && settings.useStride2Direct {
                        Tensor.stride2Conv(input: input, channels: cg, height: h, width: w,
                                           weight: wp + g * og * k, outChannels: og, kernelH: kh, kernelW: kw,
                                           padH: ph, padW: pw, bias: gb, output: output, outHeight: ho, outWidth: wo)
                    } else {
                        Tensor.smallIm2colConv(input: input, channels: cg, height: h, width: w,
                                               weight: wp + g * og * k, outChannels: og, kernelH: kh, kernelW: kw,
                                               stride: (sh, sw), padding: (ph, pw), dilation: (dh, dw), bias: gb,
                                               output: output, outHeight: ho, outWidth: wo)
                    }
                }
            }
            withExtendedLifetime((x, wt, u, bv)) {}
            if dt != .float32 && dt != .float64 { out.normalizeValues() }
            return out
        }
        // Bias first; the GEMMs accumulate onto it (beta = 1).
        var beta: Float = 0
        if let bias {
            let bv = bias.contiguous()
            let bp = bv.storage.pointer + bv.offset
            Parallel.forRange(n * o, costPerItem: plane) { r in
                for i in r { (yp + i * plane).initialize(repeating: bp[i % o], count: plane) }
            }
            beta = 1
        }
        if k == 0 {
            if bias == nil { yp.initialize(repeating: 0, count: out.count) }
            return out
        }

        let pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0
        let winograd = settings.useWinograd && kh == 3 && kw == 3 && sh == 1 && sw == 1 && dh == 1 && dw == 1
            && cg >= settings.winogradMinChannels && og >= settings.winogradMinChannels
        if winograd {
            for b in 0..<n {
                for g in 0..<groups {
                    try Tensor.winogradConv3x3(input: xp + (b * c + g * cg) * h * w, channels: cg, height: h, width: w,
                                               weight: wp + g * og * k, outChannels: og, padH: ph, padW: pw,
                                               output: yp + (b * o + g * og) * plane, outHeight: ho, outWidth: wo,
                                               accumulate: beta != 0, tileBlock: settings.winogradTileBlock)
                }
            }
        } else if pointwise {
            for b in 0..<n {
                for g in 0..<groups {
                    // y[og, HW] = W[og, cg] · x[cg, HW]
                    try BLAS.sgemm(m: og, n: plane, k: cg, a: wp + g * og * k, lda: k,
                                   b: xp + (b * c + g * cg) * h * w, ldb: h * w,
                                   beta: beta, c: yp + (b * o + g * og) * plane, ldc: plane)
                }
            }
        } else {
            let bandRows = Swift.max(1, Swift.min(ho, settings.panelFloats / Swift.max(1, k * wo)))
            let panelStorage = ScratchPool.shared.take(k * bandRows * wo)
            defer { ScratchPool.shared.recycle(panelStorage) }
            let panel = panelStorage.pointer
            for b in 0..<n {
                for g in 0..<groups {
                    let xg = xp + (b * c + g * cg) * h * w
                    var oy0 = 0
                    while oy0 < ho {
                        let rows = Swift.min(bandRows, ho - oy0)
                        let cols = rows * wo
                        // panel[(ci, ki, kj), (oy - oy0) * wo + ox] = x[ci, oy*sh - ph + ki*dh, ox*sw - pw + kj*dw]
                        Parallel.forRange(k, costPerItem: cols, minWork: 1 << 14) { range in
                            for r in range {
                                let ci = r / (kh * kw), ki = (r / kw) % kh, kj = r % kw
                                let src = xg + ci * h * w
                                var dst = panel + r * cols
                                for oy in oy0..<(oy0 + rows) {
                                    let iy = oy * sh - ph + ki * dh
                                    if iy < 0 || iy >= h {
                                        dst.initialize(repeating: 0, count: wo)
                                    } else {
                                        let row = src + iy * w
                                        let x0 = kj * dw - pw
                                        if sw == 1 {
                                            // Valid ox: 0 <= ox + x0 < w.
                                            let lo = Swift.min(wo, Swift.max(0, -x0)), hi = Swift.max(lo, Swift.min(wo, w - x0))
                                            if lo > 0 { dst.initialize(repeating: 0, count: lo) }
                                            if hi > lo { (dst + lo).initialize(from: row + lo + x0, count: hi - lo) }
                                            if hi < wo { (dst + hi).initialize(repeating: 0, count: wo - hi) }
                                        } else {
                                            for ox in 0..<wo {
                                                let ix = ox * sw + x0
                                                dst[ox] = ix >= 0 && ix < w ? row[ix] : 0
                                            }
                                        }
                                    }
                                    dst += wo
                                }
                            }
                        }
                        // y[og, band] = W[og, k] · panel[k, band]
                        try BLAS.sgemm(m: og, n: cols, k: k, a: wp + g * og * k, lda: k,
                                       b: panel, ldb: cols, beta: beta,
                                       c: yp + (b * o + g * og) * plane + oy0 * wo, ldc: plane)
                        oy0 += rows
                    }
                }
            }
        }
        withExtendedLifetime((x, wt)) {}
        if dt != .float32 && dt != .float64 { out.normalizeValues() }
        return out
    }
}
