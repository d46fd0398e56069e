import Foundation
import TensorKernels
#if arch(x86_64)
import TensorAVX512
#endif

// Direct convolution for small images (stride 1, dilation 1), with no im2col panel and no BLAS call.
//
// The input is copied once into a zero-padded buffer xp[C][Hp][Wp]. Output pixel (oy, ox) of tap (i, j)
// then reads xp[c][oy + i][ox + j] = xp[c][q + i·Wp + j] with q = oy·Wp + ox, so every tap is the same
// run of positions q shifted by a constant. The kernel computes
//
//     s[o][q] = Σ_c Σ_(i,j) w[o][c][i][j] · xp[c][q + i·Wp + j]
//
// for 6 output channels × 16 consecutive positions at a time (six 16-lane accumulators, twelve AVX2 registers; per
// channel and tap, one 16-float load of x, six broadcasts of w and six 16-lane FMAs), over every q < Ho·Wp. With
// AVX-512 the blocks are 8 output channels high (``DirectKernel/channels``), one zmm register per row.
// Positions with ox ≥ Wo fall on the padding columns and are dropped when s is copied (with the bias)
// into the output. The weights are read in place, in PyTorch's [O][C][kH][kW] layout.
//
// On the development machine this runs at 85–97 GFLOP/s per core on the 32×32 and 16×16 convolutions of
// a small UNet, where im2col + OpenBLAS spent as long copying and packing as multiplying.

extension Tensor {
    /// Whether `conv2d` takes the small-image paths for this shape: the direct kernel (stride 1, no
    /// dilation) or ``smallIm2colConv`` (the rest).
    /// Filters larger than `directMaxWeights` (a 128 → 128-channel 3×3 layer) stay with im2col + OpenBLAS, whose
    /// cache blocking suits their long reductions, and whose weights would take megabytes more as Winograd
    /// transforms.
    static func useDirectConv(settings: ConvSettings, outPlane: Int, weightCount: Int) -> Bool {
        settings.useDirect && outPlane <= settings.directMaxPixels && weightCount <= settings.directMaxWeights
    }

    /// One image, one group, any stride and dilation: the im2col panel of a small output plane, multiplied
    /// on the direct kernel's GEMM block (``DirectKernel/gemm``) rather than OpenBLAS, whose threads would
    /// otherwise wake for a GEMM this small.
    static func smallIm2colConv(input: UnsafePointer<Float>, channels cc: Int, height h: Int, width w: Int,
                                weight: UnsafePointer<Float>, outChannels oc: Int, kernelH kh: Int, kernelW kw: Int,
                                stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), bias: UnsafePointer<Float>?,
                                output: UnsafeMutablePointer<Float>, outHeight ho: Int, outWidth wo: Int) {
        let k = cc * kh * kw, plane = ho * wo
        let cols = (plane + DirectKernel.positions - 1) / DirectKernel.positions * DirectKernel.positions
        let channelBlocks = (oc + DirectKernel.channels - 1) / DirectKernel.channels
        let panelStorage = ScratchPool.shared.take(k * cols)
        let sStorage = ScratchPool.shared.take(channelBlocks * DirectKernel.channels * cols)
        defer { ScratchPool.shared.recycle(panelStorage); ScratchPool.shared.recycle(sStorage) }
        let panel = panelStorage.pointer, s = sStorage.pointer
        // panel[(c, i, j)][oy·Wo + ox] = x[c][oy·sh − ph + i·dh][ox·sw − pw + j·dw], zero outside the image.
        Parallel.forRange(k, costPerItem: cols, minWork: 1 << 14) { range in
            for r in range {
                let c = r / (kh * kw), i = (r / kw) % kh, j = r % kw
                let src = input + c * h * w, dst = panel + r * cols
                // Output columns ox whose input column ix = ox·sw − pw + j·dw lies inside the image: [lo, hi).
                let shift = j * dilation.1 - padding.1, sw = stride.1
                let lo = Swift.min(wo, shift >= 0 ? 0 : (-shift + sw - 1) / sw)
                let hi = Swift.max(lo, Swift.min(wo, w - shift <= 0 ? 0 : (w - shift + sw - 1) / sw))
                for oy in 0..<ho {
                    let iy = oy * stride.0 - padding.0 + i * dilation.0
                    let row = dst + oy * wo
                    guard iy >= 0 && iy < h else { row.update(repeating: 0, count: wo); continue }
                    let from = src + iy * w + shift
                    for ox in 0..<lo { row[ox] = 0 }
                    for ox in lo..<hi { row[ox] = from[ox * sw] }
                    for ox in hi..<wo { row[ox] = 0 }
                }
                (dst + plane).update(repeating: 0, count: cols - plane)
            }
        }
        Parallel.forRange(channelBlocks, costPerItem: DirectKernel.channels * k * cols, minWork: 1 << 14) { range in
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: DirectKernel.channels) { buf in
                guard let rows = buf.baseAddress else { return }
                for cb in range {
                    let o0 = cb * DirectKernel.channels
                    for r in 0..<DirectKernel.channels { rows[r] = weight + Swift.min(o0 + r, oc - 1) * k }
                    DirectKernel.gemmSpan(x: panel, span: cols, plane: cols, depth: k, weights: rows,
                                          output: s + o0 * cols, outputStride: cols)
                    for o in o0..<Swift.min(oc, o0 + DirectKernel.channels) {
                        let src = s + o * cols, dst = output + o * plane, b = bias?[o] ?? 0
                        for q in 0..<plane { dst[q] = src[q] + b }
                    }
                }
            }
        }
    }

    /// One image, one group: `output[O, Ho, Wo] = conv(input[C, H, W], weight[O, C, kH, kW]) + bias`,
    /// stride 1, zero padding `padH`/`padW`.
    static func directConv(input: UnsafePointer<Float>, channels cc: Int, height h: Int, width w: Int,
                           weight: UnsafePointer<Float>, outChannels oc: Int, kernelH kh: Int, kernelW kw: Int,
                           padH ph: Int, padW pw: Int, bias: UnsafePointer<Float>?,
                           output: UnsafeMutablePointer<Float>, outHeight ho: Int, outWidth wo: Int) {
        let hp = h + 2 * ph, wp = w + 2 * pw, plane = hp * wp
        let taps = kh * kw
        // A 1×1 convolution without padding over whole blocks of positions reads only inside the input, which is
        // then its own padded copy; otherwise the last block may read up to 16 + kW floats past the last plane.
        let inPlace = taps == 1 && ph == 0 && pw == 0 && plane % DirectKernel.positions == 0
        let xpCount = inPlace ? 0 : cc * plane + DirectKernel.positions + kw + 16
        let xpStorage = inPlace ? nil : ScratchPool.shared.take(xpCount)
        defer { xpStorage.map { ScratchPool.shared.recycle($0) } }

        // xp: the input with its zero border, split between the threads by rows, as the kernel pass splits the
        // positions, so that each thread reads back (nearly) only rows it wrote: split by channel, every thread's
        // kernel read half its input from the other core, which made a 32 → 3-channel layer slower on two threads
        // than on one.
        if let xpStorage {
            let xp = xpStorage.pointer
            Parallel.forRange(hp, costPerItem: cc * wp, minWork: 1 << 14) { rows in
                for c in 0..<cc {
                    let dst = xp + c * plane, src = input + c * h * w
                    for y in rows {
                        // Inline: calls to memcpy and memset cost more than a short row takes to move.
                        let row = dst + y * wp, iy = y - ph
                        guard iy >= 0 && iy < h else { VectorMath.zeroRun(row, count: wp); continue }
                        if pw > 0 { VectorMath.zeroRun(row, count: pw); VectorMath.zeroRun(row + pw + w, count: pw) }
                        VectorMath.copyRun(row + pw, from: src + iy * w, count: w)
                    }
                }
            }
            (xp + cc * plane).initialize(repeating: 0, count: xpCount - cc * plane)
        }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: taps) { offsets in
            guard let offsets = offsets.baseAddress else { return }
            for i in 0..<kh { for j in 0..<kw { offsets[i * kw + j] = i * wp + j } }
            directKernelPass(x: xpStorage.map { UnsafePointer($0.pointer) } ?? input, plane: plane, channels: cc,
                             taps: taps, offsets: offsets, weight: weight, outChannels: oc, bias: bias, output: output,
                             outHeight: ho, outWidth: wo, rowWidth: wp, inPlace: inPlace)
        }
    }

    /// One image, one group, stride 2 (dilation 1): `output = conv(input, weight, stride 2) + bias` over the input
    /// zero-padded by `padH`/`padW` before and by whatever the output size needs after (`padEnd`).
    ///
    /// The padded input P is split into its four quarter planes by the parity of row and column, Q_ab[y][x] =
    /// P[2y + a][2x + b] (as Winograd F(2×2, 3×3) splits it), so tap (i, j) of output (oy, ox) reads
    /// Q_(i mod 2)(j mod 2)[oy + i div 2][ox + j div 2]: a stride-1 convolution over the 4·C quarter planes, each tap's
    /// plane and shift folded into its offset, on the direct kernel, without the im2col panel (9·C floats an output)
    /// that ``smallIm2colConv`` writes and reads back (`Downsample2D` at 32×32: 83 → 62 µs, with ``DirectKernel/runPair``).
    static func stride2Conv(input: UnsafePointer<Float>, channels cc: Int, height h: Int, width w: Int,
                            weight: UnsafePointer<Float>, outChannels oc: Int, kernelH kh: Int, kernelW kw: Int,
                            padH ph: Int, padW pw: Int, bias: UnsafePointer<Float>?,
                            output: UnsafeMutablePointer<Float>, outHeight ho: Int, outWidth wo: Int) {
        // Quarter planes of hq × wq: row oy + i div 2 < ho + (kH − 1) div 2, and one column more than the output's.
        let hq = ho + (kh - 1) / 2, wq = wo + (kw - 1) / 2
        // Room after a channel's last plane for the last block's reads (16 positions and the largest shift).
        let quarter = hq * wq, channelPlane = 4 * quarter
        let slack = DirectKernel.positions + ((kh - 1) / 2) * wq + (kw - 1) / 2 + 16
        let xqCount = cc * channelPlane + slack
        let xqStorage = ScratchPool.shared.take(xqCount)
        defer { ScratchPool.shared.recycle(xqStorage) }
        let xq = xqStorage.pointer
        Parallel.forRange(cc, costPerItem: 2 * h * w, minWork: 1 << 14) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: phaseScratch(phases: 2, rows: hq, rowWidth: wq)) { buf in
                guard let scratch = buf.baseAddress else { return }
                scratch.initialize(repeating: 0, count: buf.count)
                for c in range {
                    buildPhasePlanes(input: input + c * h * w, height: h, width: w, padH: ph, padW: pw, phases: 2,
                                     rows: hq, rowWidth: wq, planeLength: quarter, scratch: scratch,
                                     into: xq + c * channelPlane)
                }
            }
        }
        (xq + cc * channelPlane).initialize(repeating: 0, count: slack)
        let taps = kh * kw
        withUnsafeTemporaryAllocation(of: Int.self, capacity: taps) { offsets in
            guard let offsets = offsets.baseAddress else { return }
            for i in 0..<kh {
                for j in 0..<kw { offsets[i * kw + j] = ((i % 2) * 2 + j % 2) * quarter + (i / 2) * wq + j / 2 }
            }
            directKernelPass(x: xq, plane: channelPlane, channels: cc, taps: taps, offsets: offsets, weight: weight,
                             outChannels: oc, bias: bias, output: output, outHeight: ho, outWidth: wo, rowWidth: wq,
                             inPlace: false)
        }
    }

    /// The direct kernel over prepared planes: `s[o][q] = Σ_c Σ_t weight[o][c·taps + t] · x[c·plane + q + offsets[t]]`
    /// for the positions q < Ho·`rowWidth`, then `output[o][oy][ox] = s[o][oy·rowWidth + ox] + bias[o]` for ox < Wo
    /// (positions in the columns past Wo are dropped). `inPlace`: a 1×1 convolution reading the input itself, whose
    /// rows are the output's.
    private static func directKernelPass(x xp: UnsafePointer<Float>, plane: Int, channels cc: Int, taps: Int,
                                         offsets offs: UnsafePointer<Int>, weight: UnsafePointer<Float>, outChannels oc: Int,
                                         bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                                         outHeight ho: Int, outWidth wo: Int, rowWidth wp: Int, inPlace: Bool) {
        let positions = ho * wp
        let blocks = (positions + DirectKernel.positions - 1) / DirectKernel.positions
        let channelBlocks = (oc + DirectKernel.channels - 1) / DirectKernel.channels
        let sStride = blocks * DirectKernel.positions
        // Read in place with whole blocks of output channels, the sums land where the output wants them (rows of
        // Ho·Wo = Hp·Wp positions): the kernel writes the output itself, and only the bias remains to add.
        let intoOutput = inPlace && oc % DirectKernel.channels == 0
        let sStorage = intoOutput ? nil : ScratchPool.shared.take(channelBlocks * DirectKernel.channels * sStride)
        defer { sStorage.map { ScratchPool.shared.recycle($0) } }
        let s = sStorage?.pointer ?? output
        let k = cc * taps
        Parallel.forRange(blocks, costPerItem: oc * k * DirectKernel.positions, minWork: 1 << 16) { range in
            let q0 = range.lowerBound * DirectKernel.positions
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: DirectKernel.channels) { rows in
                guard let rows = rows.baseAddress else { return }
                for cb in 0..<channelBlocks {
                    let o0 = cb * DirectKernel.channels
                    // Rows past the last channel repeat it; their sums land in s's spare rows.
                    for r in 0..<DirectKernel.channels { rows[r] = weight + Swift.min(o0 + r, oc - 1) * k }
                    if taps == 1 {
                        // A 1×1 filter is a plain GEMM over the share's positions.
                        DirectKernel.gemmSpan(x: xp + q0 + offs[0], span: range.count * DirectKernel.positions,
                                              plane: plane, depth: cc, weights: rows, output: s + o0 * sStride + q0,
                                              outputStride: sStride)
                        continue
                    }
                    // Blocks of positions two at a time, then any last one; four at a time for a few output
                    // channels with AVX-512 (a UNet's conv_out to 3 channels: 40 → 30 µs at 32×32).
                    @inline(__always) func runBlocks(taps: Int) {
                        var b = range.lowerBound
                        #if arch(x86_64)
                        if CPUFeatures.avx512 && oc <= DirectKernel512.quadRows {
                            while b + 3 < range.upperBound {
                                let q = b * DirectKernel.positions
                                DirectKernel512.runQuad(x: xp + q, second: DirectKernel.positions, plane: plane, channels: cc,
                                                        taps: taps, offsets: offs, weights: rows, output: s + q,
                                                        outputStride: sStride)
                                b += 4
                            }
                        }
                        #endif
                        while b < range.upperBound {
                            let q = b * DirectKernel.positions
                            let x = xp + q, out = s + o0 * sStride + q
                            if b + 1 < range.upperBound {
                                DirectKernel.runPair(x: x, second: DirectKernel.positions, plane: plane, channels: cc,
                                                     taps: taps, offsets: offs, weights: rows, output: out,
                                                     outputStride: sStride)
                                b += 2
                            } else {
                                DirectKernel.run(x: x, plane: plane, channels: cc, taps: taps, offsets: offs,
                                                 weights: rows, output: out, outputStride: sStride)
                                b += 1
                            }
                        }
                    }
                    // A constant tap count for the common 3×3 filter, so the portable kernel's tap loop unrolls.
                    if taps == 9 { runBlocks(taps: 9) } else { runBlocks(taps: taps) }
                }
            }
            // Copy this share's finished positions into the output rows, adding the bias.
            let q1 = Swift.min(positions, range.upperBound * DirectKernel.positions)
            guard q0 < q1 else { return }
            if intoOutput {
                guard let bias else { return }
                for o in 0..<oc {
                    let row = output + o * positions, b = bias[o]
                    for q in q0..<q1 { row[q] += b }
                }
                return
            }
            for oy in (q0 / wp)...((q1 - 1) / wp) {
                let lo = Swift.max(q0, oy * wp) - oy * wp, hi = Swift.min(wo, q1 - oy * wp)
                guard lo < hi else { continue }
                for o in 0..<oc {
                    let src = s + o * sStride + oy * wp, dst = output + (o * ho + oy) * wo
                    let b = bias?[o] ?? 0
                    for x in lo..<hi { dst[x] = src[x] + b }
                }
            }
        }
    }
}

/// The register-blocked inner kernel of ``Tensor/directConv`` and of the Winograd products: TensorKernels'
/// ``GEMMBlock``, compiled here for the portable instruction set (blocks of 6 output rows), or in TensorAVX512 where
/// the CPU has AVX-512 (blocks of 8). Each output value is the same sum, added in the same order, either way.
enum DirectKernel {
    /// Output rows per block (output channels, or tiles in the tile-rows products): 8 with AVX-512, else 6. Callers
    /// lay out their scratch in whole blocks of this many rows.
    #if arch(x86_64)
    static let channels = CPUFeatures.avx512 ? DirectKernel512.rows : 6
    #else
    static let channels = 6
    #endif
    /// Positions (lanes) per block.
    static let positions = 16

    /// `output[r][0..<16] = Σ_c Σ_t weights[r][c·taps + t] · x[c·plane + offsets[t] + 0..<16]` for r in 0..<channels.
    @inline(__always)
    static func run(x: UnsafePointer<Float>, plane: Int, channels cc: Int, taps: Int, offsets: UnsafePointer<Int>,
                    weights: UnsafePointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        #if arch(x86_64)
        if CPUFeatures.avx512 {
            return DirectKernel512.run(x: x, plane: plane, channels: cc, taps: taps, offsets: offsets, weights: weights,
                                       output: output, outputStride: outputStride)
        }
        #endif
        runPortable(x: x, plane: plane, channels: cc, taps: taps, offsets: offsets, weights: weights, output: output,
                    outputStride: outputStride)
    }

    /// ``run(x:plane:channels:taps:offsets:weights:output:outputStride:)`` for the portable instruction set,
    /// inlined, so that a constant tap count unrolls the tap loop.
    @inline(__always)
    static func runPortable(x: UnsafePointer<Float>, plane: Int, channels cc: Int, taps: Int, offsets: UnsafePointer<Int>,
                            weights: UnsafePointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        let w: InlineArray<6, UnsafePointer<Float>> = GEMMBlock.rows(weights)
        GEMMBlock.run(x: x, plane: plane, channels: cc, taps: taps, offsets: offsets, weights: w, output: output,
                      outputStride: outputStride)
    }

    /// Two ``run(x:plane:channels:taps:offsets:weights:output:outputStride:)`` blocks side by side: the second reads x
    /// at `x + second` and writes at `output + 16`. One kernel with AVX-512 (sixteen accumulators); otherwise the two
    /// blocks one after the other.
    @inline(__always)
    static func runPair(x: UnsafePointer<Float>, second: Int, plane: Int, channels cc: Int, taps: Int,
                        offsets: UnsafePointer<Int>, weights: UnsafePointer<UnsafePointer<Float>>,
                        output: UnsafeMutablePointer<Float>, outputStride: Int) {
        #if arch(x86_64)
        if CPUFeatures.avx512 {
            return DirectKernel512.runPair(x: x, second: second, plane: plane, channels: cc, taps: taps, offsets: offsets,
                                           weights: weights, output: output, outputStride: outputStride)
        }
        #endif
        run(x: x, plane: plane, channels: cc, taps: taps, offsets: offsets, weights: weights, output: output,
            outputStride: outputStride)
        run(x: x + second, plane: plane, channels: cc, taps: taps, offsets: offsets, weights: weights,
            output: output + positions, outputStride: outputStride)
    }

    /// The one-tap case as a plain GEMM block, `output[r][0..<16] = Σ_k weights[r][k·weightStride] · x[k·plane + 0..<16]`
    /// for r in 0..<channels (Winograd's U[ξ]·V[ξ]; with `weightStride` > 1, the tile-rows products, whose broadcast
    /// operand runs down a column of V).
    @inline(__always)
    static func gemm(x: UnsafePointer<Float>, plane: Int, depth: Int, weights: UnsafePointer<UnsafePointer<Float>>,
                     weightStride: Int = 1, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        #if arch(x86_64)
        if CPUFeatures.avx512 {
            return DirectKernel512.gemm(x: x, plane: plane, depth: depth, weights: weights, weightStride: weightStride,
                                        output: output, outputStride: outputStride)
        }
        #endif
        gemmPortable(x: x, plane: plane, depth: depth, weights: weights, weightStride: weightStride, output: output,
                     outputStride: outputStride)
    }

    /// ``gemm(x:plane:depth:weights:weightStride:output:outputStride:)`` for the portable instruction set. A separate,
    /// non-inlined function: inlined into its caller, the compiler interleaves loop iterations and spills
    /// accumulators, which halves the speed.
    @inline(never)
    static func gemmPortable(x: UnsafePointer<Float>, plane: Int, depth: Int, weights: UnsafePointer<UnsafePointer<Float>>,
                             weightStride: Int = 1, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        let w: InlineArray<6, UnsafePointer<Float>> = GEMMBlock.rows(weights)
        GEMMBlock.gemm(x: x, plane: plane, depth: depth, weights: w, weightStride: weightStride, output: output,
                       outputStride: outputStride)
    }

    /// Two ``gemm(x:plane:depth:weights:weightStride:output:outputStride:)`` blocks side by side: the second reads x at
    /// `x + second` and writes at `output + 16`. With AVX-512 one kernel runs both (sixteen accumulators); otherwise
    /// the two blocks run one after the other, as twelve two-register accumulators would not fit.
    @inline(__always)
    static func gemmPair(x: UnsafePointer<Float>, second: Int, plane: Int, depth: Int,
                         weights: UnsafePointer<UnsafePointer<Float>>, weightStride: Int = 1,
                         output: UnsafeMutablePointer<Float>, outputStride: Int) {
        #if arch(x86_64)
        if CPUFeatures.avx512 {
            return DirectKernel512.gemmPair(x: x, second: second, plane: plane, depth: depth, weights: weights,
                                            weightStride: weightStride, output: output, outputStride: outputStride)
        }
        #endif
        gemmPortable(x: x, plane: plane, depth: depth, weights: weights, weightStride: weightStride, output: output,
                     outputStride: outputStride)
        gemmPortable(x: x + second, plane: plane, depth: depth, weights: weights, weightStride: weightStride,
                     output: output + positions, outputStride: outputStride)
    }

    /// ``gemm(x:plane:depth:weights:weightStride:output:outputStride:)`` blocks over `span` positions (a multiple of
    /// 16) from `x` and `output`: two at a time with ``gemmPair(x:second:plane:depth:weights:weightStride:output:outputStride:)``,
    /// then any last one.
    @inline(__always)
    static func gemmSpan(x: UnsafePointer<Float>, span: Int, plane: Int, depth: Int,
                         weights: UnsafePointer<UnsafePointer<Float>>, weightStride: Int = 1,
                         output: UnsafeMutablePointer<Float>, outputStride: Int) {
        var t = 0
        while t + 2 * positions <= span {
            gemmPair(x: x + t, second: positions, plane: plane, depth: depth, weights: weights,
                     weightStride: weightStride, output: output + t, outputStride: outputStride)
            t += 2 * positions
        }
        if t < span {
            gemm(x: x + t, plane: plane, depth: depth, weights: weights, weightStride: weightStride, output: output + t,
                 outputStride: outputStride)
        }
    }
}
