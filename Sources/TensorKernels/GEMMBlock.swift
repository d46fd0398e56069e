// The register-blocked GEMM blocks under Tensor's small convolutions and Winograd products (six or eight output rows ×
// 16 or 32 lanes), written once as inlinable bodies. Each module that calls them compiles them for its own instruction set: Tensor for the portable level
// (AVX2 + FMA on x86-64, where a 16-lane vector is two ymm registers), TensorAVX512 for AVX-512 (one zmm register).

public enum GEMMBlock {
    public typealias V = SIMD16<Float>

    /// `output[r][0..<16] = Σ_c Σ_t weights[r][c·taps + t] · x[c·plane + offsets[t] + 0..<16]` for r in 0..<6: per
    /// channel and tap, one 16-float load of x, six broadcasts of w and six 16-lane FMAs.
    @inlinable @inline(__always)
    public static func run6x16(x: UnsafePointer<Float>, plane: Int, channels cc: Int, taps: Int, offsets: UnsafePointer<Int>,
                           weights: UnsafePointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
                           outputStride: Int) {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V()
        let w0 = weights[0], w1 = weights[1], w2 = weights[2], w3 = weights[3], w4 = weights[4], w5 = weights[5]
        var xc = x
        var k = 0
        for _ in 0..<cc {
            // The tap offsets come from memory, so the compiler cannot share loads between taps (which would need
            // more registers than there are and spill the accumulators).
            for t in 0..<taps {
                let x0 = UnsafeRawPointer(xc + offsets[t]).loadUnaligned(as: V.self)
                a0 = a0.addingProduct(x0, V(repeating: w0[k + t]))
                a1 = a1.addingProduct(x0, V(repeating: w1[k + t]))
                a2 = a2.addingProduct(x0, V(repeating: w2[k + t]))
                a3 = a3.addingProduct(x0, V(repeating: w3[k + t]))
                a4 = a4.addingProduct(x0, V(repeating: w4[k + t]))
                a5 = a5.addingProduct(x0, V(repeating: w5[k + t]))
            }
            k += taps
            xc += plane
        }
        store(output, outputStride, a0, a1, a2, a3, a4, a5)
    }

    /// `output[r][0..<16] = Σ_k weights[r][k·weightStride] · x[k·plane + 0..<16]` for r in 0..<6.
    @inlinable @inline(__always)
    public static func gemm6x16(x: UnsafePointer<Float>, plane: Int, depth: Int, weights: UnsafePointer<UnsafePointer<Float>>,
                            weightStride: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V()
        let w0 = weights[0], w1 = weights[1], w2 = weights[2], w3 = weights[3], w4 = weights[4], w5 = weights[5]
        var p = UnsafeRawPointer(x)
        let step = plane * MemoryLayout<Float>.stride
        var k = 0
        for _ in 0..<depth {
            let x0 = p.loadUnaligned(as: V.self)
            a0 = a0.addingProduct(x0, V(repeating: w0[k]))
            a1 = a1.addingProduct(x0, V(repeating: w1[k]))
            a2 = a2.addingProduct(x0, V(repeating: w2[k]))
            a3 = a3.addingProduct(x0, V(repeating: w3[k]))
            a4 = a4.addingProduct(x0, V(repeating: w4[k]))
            a5 = a5.addingProduct(x0, V(repeating: w5[k]))
            p += step
            k += weightStride
        }
        store(output, outputStride, a0, a1, a2, a3, a4, a5)
    }

    /// Two ``gemm6x16(x:plane:depth:weights:weightStride:output:outputStride:)`` blocks side by side, the second reading
    /// x at `x + second` and writing at `output + 16`: twelve accumulators, which cover the FMA latency on both
    /// ports where a vector is one register (AVX-512), and would spill where it is two.
    @inlinable @inline(__always)
    public static func gemm6x32(x: UnsafePointer<Float>, second: Int, plane: Int, depth: Int,
                                weights: UnsafePointer<UnsafePointer<Float>>, weightStride: Int,
                                output: UnsafeMutablePointer<Float>, outputStride: Int) {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V()
        var b0 = V(), b1 = V(), b2 = V(), b3 = V(), b4 = V(), b5 = V()
        let w0 = weights[0], w1 = weights[1], w2 = weights[2], w3 = weights[3], w4 = weights[4], w5 = weights[5]
        var p = UnsafeRawPointer(x)
        let step = plane * MemoryLayout<Float>.stride, offset = second * MemoryLayout<Float>.stride
        var k = 0
        for _ in 0..<depth {
            let x0 = p.loadUnaligned(as: V.self), x1 = p.loadUnaligned(fromByteOffset: offset, as: V.self)
            var w = V(repeating: w0[k]); a0 = a0.addingProduct(x0, w); b0 = b0.addingProduct(x1, w)
            w = V(repeating: w1[k]); a1 = a1.addingProduct(x0, w); b1 = b1.addingProduct(x1, w)
            w = V(repeating: w2[k]); a2 = a2.addingProduct(x0, w); b2 = b2.addingProduct(x1, w)
            w = V(repeating: w3[k]); a3 = a3.addingProduct(x0, w); b3 = b3.addingProduct(x1, w)
            w = V(repeating: w4[k]); a4 = a4.addingProduct(x0, w); b4 = b4.addingProduct(x1, w)
            w = V(repeating: w5[k]); a5 = a5.addingProduct(x0, w); b5 = b5.addingProduct(x1, w)
            p += step
            k += weightStride
        }
        store(output, outputStride, a0, a1, a2, a3, a4, a5)
        store(output + 16, outputStride, b0, b1, b2, b3, b4, b5)
    }

    // Eight rows instead of six, for AVX-512's 32 registers: sixteen accumulators in ``gemm8x32``, and output channel
    // counts of 32 and 64 (and tile counts of 16) fill whole blocks, where blocks of six waste 11–12% of 32 or 16.

    /// ``run6x16(x:plane:channels:taps:offsets:weights:output:outputStride:)`` for r in 0..<8.
    @inlinable @inline(__always)
    public static func run8x16(x: UnsafePointer<Float>, plane: Int, channels cc: Int, taps: Int, offsets: UnsafePointer<Int>,
                               weights: UnsafePointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
                               outputStride: Int) {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
        let w0 = weights[0], w1 = weights[1], w2 = weights[2], w3 = weights[3]
        let w4 = weights[4], w5 = weights[5], w6 = weights[6], w7 = weights[7]
        var xc = x
        var k = 0
        for _ in 0..<cc {
            for t in 0..<taps {
                let x0 = UnsafeRawPointer(xc + offsets[t]).loadUnaligned(as: V.self)
                a0 = a0.addingProduct(x0, V(repeating: w0[k + t]))
                a1 = a1.addingProduct(x0, V(repeating: w1[k + t]))
                a2 = a2.addingProduct(x0, V(repeating: w2[k + t]))
                a3 = a3.addingProduct(x0, V(repeating: w3[k + t]))
                a4 = a4.addingProduct(x0, V(repeating: w4[k + t]))
                a5 = a5.addingProduct(x0, V(repeating: w5[k + t]))
                a6 = a6.addingProduct(x0, V(repeating: w6[k + t]))
                a7 = a7.addingProduct(x0, V(repeating: w7[k + t]))
            }
            k += taps
            xc += plane
        }
        store(output, outputStride, a0, a1, a2, a3, a4, a5)
        store2(output + 6 * outputStride, outputStride, a6, a7)
    }

    /// ``gemm6x16(x:plane:depth:weights:weightStride:output:outputStride:)`` for r in 0..<8.
    @inlinable @inline(__always)
    public static func gemm8x16(x: UnsafePointer<Float>, plane: Int, depth: Int, weights: UnsafePointer<UnsafePointer<Float>>,
                                weightStride: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
        let w0 = weights[0], w1 = weights[1], w2 = weights[2], w3 = weights[3]
        let w4 = weights[4], w5 = weights[5], w6 = weights[6], w7 = weights[7]
        var p = UnsafeRawPointer(x)
        let step = plane * MemoryLayout<Float>.stride
        var k = 0
        for _ in 0..<depth {
            let x0 = p.loadUnaligned(as: V.self)
            a0 = a0.addingProduct(x0, V(repeating: w0[k]))
            a1 = a1.addingProduct(x0, V(repeating: w1[k]))
            a2 = a2.addingProduct(x0, V(repeating: w2[k]))
            a3 = a3.addingProduct(x0, V(repeating: w3[k]))
            a4 = a4.addingProduct(x0, V(repeating: w4[k]))
            a5 = a5.addingProduct(x0, V(repeating: w5[k]))
            a6 = a6.addingProduct(x0, V(repeating: w6[k]))
            a7 = a7.addingProduct(x0, V(repeating: w7[k]))
            p += step
            k += weightStride
        }
        store(output, outputStride, a0, a1, a2, a3, a4, a5)
        store2(output + 6 * outputStride, outputStride, a6, a7)
    }

    /// ``gemm6x32(x:second:plane:depth:weights:weightStride:output:outputStride:)`` for r in 0..<8.
    @inlinable @inline(__always)
    public static func gemm8x32(x: UnsafePointer<Float>, second: Int, plane: Int, depth: Int,
                                weights: UnsafePointer<UnsafePointer<Float>>, weightStride: Int,
                                output: UnsafeMutablePointer<Float>, outputStride: Int) {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
        var b0 = V(), b1 = V(), b2 = V(), b3 = V(), b4 = V(), b5 = V(), b6 = V(), b7 = V()
        let w0 = weights[0], w1 = weights[1], w2 = weights[2], w3 = weights[3]
        let w4 = weights[4], w5 = weights[5], w6 = weights[6], w7 = weights[7]
        var p = UnsafeRawPointer(x)
        let step = plane * MemoryLayout<Float>.stride, offset = second * MemoryLayout<Float>.stride
        var k = 0
        for _ in 0..<depth {
            let x0 = p.loadUnaligned(as: V.self), x1 = p.loadUnaligned(fromByteOffset: offset, as: V.self)
            var w = V(repeating: w0[k]); a0 = a0.addingProduct(x0, w); b0 = b0.addingProduct(x1, w)
            w = V(repeating: w1[k]); a1 = a1.addingProduct(x0, w); b1 = b1.addingProduct(x1, w)
            w = V(repeating: w2[k]); a2 = a2.addingProduct(x0, w); b2 = b2.addingProduct(x1, w)
            w = V(repeating: w3[k]); a3 = a3.addingProduct(x0, w); b3 = b3.addingProduct(x1, w)
            w = V(repeating: w4[k]); a4 = a4.addingProduct(x0, w); b4 = b4.addingProduct(x1, w)
            w = V(repeating: w5[k]); a5 = a5.addingProduct(x0, w); b5 = b5.addingProduct(x1, w)
            w = V(repeating: w6[k]); a6 = a6.addingProduct(x0, w); b6 = b6.addingProduct(x1, w)
            w = V(repeating: w7[k]); a7 = a7.addingProduct(x0, w); b7 = b7.addingProduct(x1, w)
            p += step
            k += weightStride
        }
        store(output, outputStride, a0, a1, a2, a3, a4, a5)
        store2(output + 6 * outputStride, outputStride, a6, a7)
        store(output + 16, outputStride, b0, b1, b2, b3, b4, b5)
        store2(output + 16 + 6 * outputStride, outputStride, b6, b7)
    }

    @inlinable @inline(__always)
    static func store(_ output: UnsafeMutablePointer<Float>, _ stride: Int,
                      _ a0: V, _ a1: V, _ a2: V, _ a3: V, _ a4: V, _ a5: V) {
        UnsafeMutableRawPointer(output).storeBytes(of: a0, as: V.self)
        UnsafeMutableRawPointer(output + stride).storeBytes(of: a1, as: V.self)
        UnsafeMutableRawPointer(output + 2 * stride).storeBytes(of: a2, as: V.self)
        UnsafeMutableRawPointer(output + 3 * stride).storeBytes(of: a3, as: V.self)
        UnsafeMutableRawPointer(output + 4 * stride).storeBytes(of: a4, as: V.self)
        UnsafeMutableRawPointer(output + 5 * stride).storeBytes(of: a5, as: V.self)
    }

    @inlinable @inline(__always)
    static func store2(_ output: UnsafeMutablePointer<Float>, _ stride: Int, _ a0: V, _ a1: V) {
        UnsafeMutableRawPointer(output).storeBytes(of: a0, as: V.self)
        UnsafeMutableRawPointer(output + stride).storeBytes(of: a1, as: V.self)
    }
}
