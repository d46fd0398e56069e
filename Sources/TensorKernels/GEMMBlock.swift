// The register-blocked GEMM blocks under Tensor's small convolutions and Winograd products, written once as inlinable
// bodies, generic over the block's height R (its rows are R output channels, or R tiles). Each module that calls them
// compiles them for its own instruction set and height: Tensor for the portable level (AVX2 + FMA on x86-64, where a
// 16-lane vector is two ymm registers of the sixteen, so R = 6: twelve accumulators), TensorAVX512 for AVX-512 (one zmm
// register of 32, so R = 8, and sixteen accumulators in the two-block form). The accumulators live in an
// `InlineArray`, whose loops over R unroll and whose elements stay in registers.

public enum GEMMBlock {
    public typealias V = SIMD16<Float>

    /// `output[r][0..<16] = Σ_c Σ_t weights[r][c·taps + t] · x[c·plane + offsets[t] + 0..<16]` for r in 0..<R: per
    /// channel and tap, one 16-float load of x, R broadcasts of w and R 16-lane FMAs.
    @inlinable @inline(__always)
    public static func run<let R: Int>(x: UnsafePointer<Float>, plane: Int, channels cc: Int, taps: Int,
                                       offsets: UnsafePointer<Int>, weights: InlineArray<R, UnsafePointer<Float>>,
                                       output: UnsafeMutablePointer<Float>, outputStride: Int) {
        var a = InlineArray<R, V>(repeating: V())
        var xc = x
        var k = 0
        for _ in 0..<cc {
            // The tap offsets come from memory, so the compiler cannot share loads between taps (which would need
            // more registers than there are and spill the accumulators).
            for t in 0..<taps {
                let x0 = UnsafeRawPointer(xc + offsets[t]).loadUnaligned(as: V.self)
                for r in 0..<R { a[r] = a[r].addingProduct(x0, V(repeating: weights[r][k + t])) }
            }
            k += taps
            xc += plane
        }
        store(a, output, outputStride)
    }

    /// Two ``run(x:plane:channels:taps:offsets:weights:output:outputStride:)`` blocks side by side, the second reading
    /// x at `x + second` and writing at `output + 16`: 2R accumulators and two loads of x for each R broadcasts, where
    /// one block has R accumulators and one load (AVX-512: the FMA units busy instead of the load ports).
    @inlinable @inline(__always)
    public static func runPair<let R: Int>(x: UnsafePointer<Float>, second: Int, plane: Int, channels cc: Int, taps: Int,
                                           offsets: UnsafePointer<Int>, weights: InlineArray<R, UnsafePointer<Float>>,
                                           output: UnsafeMutablePointer<Float>, outputStride: Int) {
        var a = InlineArray<R, V>(repeating: V()), b = InlineArray<R, V>(repeating: V())
        var xc = x
        var k = 0
        for _ in 0..<cc {
            for t in 0..<taps {
                let p = UnsafeRawPointer(xc + offsets[t])
                pairStep(&a, &b, p.loadUnaligned(as: V.self), p.loadUnaligned(fromByteOffset: second * 4, as: V.self),
                         weights, k + t)
            }
            k += taps
            xc += plane
        }
        store(a, output, outputStride)
        store(b, output + 16, outputStride)
    }

    /// Four ``run(x:plane:channels:taps:offsets:weights:output:outputStride:)`` blocks side by side, block i reading x
    /// at `x + i·second` and writing at `output + 16·i`: for a few rows (a convolution to 3 channels), 4R accumulators
    /// and four loads of x for each R broadcasts, where a pair of 8-row blocks would spend most of its FMAs on padding
    /// rows. Each accumulator adds the same products in the same order as in the one-block form.
    @inlinable @inline(__always)
    public static func runQuad<let R: Int>(x: UnsafePointer<Float>, second: Int, plane: Int, channels cc: Int, taps: Int,
                                           offsets: UnsafePointer<Int>, weights: InlineArray<R, UnsafePointer<Float>>,
                                           output: UnsafeMutablePointer<Float>, outputStride: Int) {
        var a = InlineArray<R, V>(repeating: V()), b = InlineArray<R, V>(repeating: V())
        var c = InlineArray<R, V>(repeating: V()), d = InlineArray<R, V>(repeating: V())
        let step = second * MemoryLayout<Float>.stride
        var xc = x
        var k = 0
        for _ in 0..<cc {
            for t in 0..<taps {
                let p = UnsafeRawPointer(xc + offsets[t])
                let x0 = p.loadUnaligned(as: V.self), x1 = p.loadUnaligned(fromByteOffset: step, as: V.self)
                let x2 = p.loadUnaligned(fromByteOffset: 2 * step, as: V.self)
                let x3 = p.loadUnaligned(fromByteOffset: 3 * step, as: V.self)
                for r in 0..<R {
                    let w = V(repeating: weights[r][k + t])
                    a[r] = a[r].addingProduct(x0, w)
                    b[r] = b[r].addingProduct(x1, w)
                    c[r] = c[r].addingProduct(x2, w)
                    d[r] = d[r].addingProduct(x3, w)
                }
            }
            k += taps
            xc += plane
        }
        store(a, output, outputStride)
        store(b, output + 16, outputStride)
        store(c, output + 32, outputStride)
        store(d, output + 48, outputStride)
    }

    /// `output[r][0..<16] = Σ_k weights[r][k·weightStride] · x[k·plane + 0..<16]` for r in 0..<R.
    @inlinable @inline(__always)
    public static func gemm<let R: Int>(x: UnsafePointer<Float>, plane: Int, depth: Int,
                                        weights: InlineArray<R, UnsafePointer<Float>>, weightStride: Int,
                                        output: UnsafeMutablePointer<Float>, outputStride: Int) {
        var a = InlineArray<R, V>(repeating: V())
        var p = UnsafeRawPointer(x)
        let step = plane * MemoryLayout<Float>.stride
        var k = 0
        for _ in 0..<depth {
            let x0 = p.loadUnaligned(as: V.self)
            for r in 0..<R { a[r] = a[r].addingProduct(x0, V(repeating: weights[r][k])) }
            p += step
            k += weightStride
        }
        store(a, output, outputStride)
    }

    /// Two ``gemm(x:plane:depth:weights:weightStride:output:outputStride:)`` blocks side by side, the second reading
    /// x at `x + second` and writing at `output + 16`: 2R accumulators, which cover the FMA latency on both ports
    /// where a vector is one register (AVX-512), and would spill where it is two.
    @inlinable @inline(__always)
    public static func gemmPair<let R: Int>(x: UnsafePointer<Float>, second: Int, plane: Int, depth: Int,
                                            weights: InlineArray<R, UnsafePointer<Float>>, weightStride: Int,
                                            output: UnsafeMutablePointer<Float>, outputStride: Int) {
        var a = InlineArray<R, V>(repeating: V()), b = InlineArray<R, V>(repeating: V())
        var p = UnsafeRawPointer(x)
        let step = plane * MemoryLayout<Float>.stride, offset = second * MemoryLayout<Float>.stride
        var k = 0
        for _ in 0..<depth {
            pairStep(&a, &b, p.loadUnaligned(as: V.self), p.loadUnaligned(fromByteOffset: offset, as: V.self), weights, k)
            p += step
            k += weightStride
        }
        store(a, output, outputStride)
        store(b, output + 16, outputStride)
    }

    /// One step of the two-block forms: `a[r] += x0·w`, `b[r] += x1·w` with `w = weights[r][k]` broadcast.
    @inlinable @inline(__always)
    static func pairStep<let R: Int>(_ a: inout InlineArray<R, V>, _ b: inout InlineArray<R, V>, _ x0: V, _ x1: V,
                                     _ weights: InlineArray<R, UnsafePointer<Float>>, _ k: Int) {
        for r in 0..<R {
            let w = V(repeating: weights[r][k])
            a[r] = a[r].addingProduct(x0, w)
            b[r] = b[r].addingProduct(x1, w)
        }
    }

    /// The block's row pointers, read once from a caller's buffer of at least R.
    @inlinable @inline(__always)
    public static func rows<let R: Int>(_ weights: UnsafePointer<UnsafePointer<Float>>) -> InlineArray<R, UnsafePointer<Float>> {
        InlineArray { weights[$0] }
    }

    @inlinable @inline(__always)
    static func store<let R: Int>(_ a: InlineArray<R, V>, _ output: UnsafeMutablePointer<Float>, _ stride: Int) {
        for r in 0..<R { UnsafeMutableRawPointer(output + r * stride).storeBytes(of: a[r], as: V.self) }
    }
}
