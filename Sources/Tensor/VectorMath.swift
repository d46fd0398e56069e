import Foundation
import TensorKernels
#if arch(x86_64)
import TensorAVX512
#endif

/// Vectorised float kernels for the NN ops (16 lanes, AVX-512 friendly).
enum VectorMath {
    typealias V = SIMD16<Float>

    /// `exp(x)` within 2 ulp of libm (Cephes' expf: TensorKernels' ``VectorKernels/exp(_:)-(Float)``).
    @inline(__always)
    static func exp(_ x: Float) -> Float { VectorKernels.exp(x) }

    /// ``exp(_:)-(Float)`` on 16 lanes, every lane bit-identical to the scalar function.
    @inline(__always)
    static func exp(_ x: V) -> V { VectorKernels.exp(x) }

    /// `p[i] = exp(p[i] - shift)` for `count` values; returns their sum (as ``sum(_:count:)`` adds).
    static func expShiftedSum(_ p: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        for i in 0..<count { p[i] = exp(p[i] - shift) }
        return Float(sum(p, count: count))
    }

    /// Sum of `count` floats, in Double across 16-lane float partial sums of 1024 values.
    static func sum(_ p: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0, i = 0
        while i + 16 <= count {
            var acc = V()
            let end = Swift.min(count - (count - i) % 16, i + 1024)
            while i < end { acc += UnsafeRawPointer(p + i).loadUnaligned(as: V.self); i += 16 }
            total += Double(acc.sum())
        }
        while i < count { total += Double(p[i]); i += 1 }
        return total
    }

    /// Σ (p[i] − mean)², as `sum`.
    static func centeredSquares(_ p: UnsafePointer<Float>, count: Int, mean: Double) -> Double {
        var total = 0.0, i = 0
        let m = V(repeating: Float(mean))
        while i + 16 <= count {
            var acc = V()
            let end = Swift.min(count - (count - i) % 16, i + 1024)
            while i < end { let d = UnsafeRawPointer(p + i).loadUnaligned(as: V.self) - m; acc += d * d; i += 16 }
            total += Double(acc.sum())
        }
        while i < count { let d = Double(p[i]) - mean; total += d * d; i += 1 }
        return total
    }

    /// `y[i] = x[i]·scale + shift`, then SiLU (`v / (1 + exp(−v))`) when `silu`; with AVX-512, in TensorAVX512.
    ///
    /// Never inlined: inlined into a caller's serial path, the compiler kept the 16-lane `exp` as an out-of-line call
    /// with its vectors passed through memory, which made group norm + SiLU on one thread 3.6× slower (64 against
    /// 18 µs for 32 channels at 32×32); on its own the function gets `exp` inlined and vectorised.
    @inline(never)
    static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                       scale: Float, shift: Float, silu: Bool) {
        #if arch(x86_64)
        if CPUFeatures.avx512 { return VectorMath512.affine(x, y, count: count, scale: scale, shift: shift, silu: silu) }
        #endif
        VectorKernels.affine(x, y, count: count, scale: scale, shift: shift, silu: silu)
    }

    /// Largest of `count` floats (−∞ when empty; NaN lanes are skipped, as `>` skips them).
    static func max(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var i = 0
        var acc = V(repeating: -.infinity)
        while i + 16 <= count {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
            acc = acc.replacing(with: v, where: v .> acc)
            i += 16
        }
        var m = acc.max()
        while i < count { if p[i] > m { m = p[i] }; i += 1 }
        return m
    }

    /// `dst[i] = src[i]` for a short run (a row of a small image), inline: `memcpy` and `memset` cost more to call
    /// than a row of 32 floats takes to move, and a Winograd input transform copies one per channel and row. Runs of
    /// 4 or more end with one vector store that overlaps the last.
    @inline(__always)
    static func copyRun(_ dst: UnsafeMutablePointer<Float>, from src: UnsafePointer<Float>, count: Int) {
        typealias V4 = SIMD4<Float>
        if count < 4 {
            for i in 0..<count { dst[i] = src[i] }
            return
        }
        var i = 0
        while i + 16 <= count {
            UnsafeMutableRawPointer(dst + i).storeBytes(of: UnsafeRawPointer(src + i).loadUnaligned(as: V.self), as: V.self)
            i += 16
        }
        while i + 4 <= count {
            UnsafeMutableRawPointer(dst + i).storeBytes(of: UnsafeRawPointer(src + i).loadUnaligned(as: V4.self), as: V4.self)
            i += 4
        }
        if i < count {
            let last = count - 4
            UnsafeMutableRawPointer(dst + last).storeBytes(of: UnsafeRawPointer(src + last).loadUnaligned(as: V4.self), as: V4.self)
        }
    }

    /// `p[i] = 0` for a short run, inline (see ``copyRun(_:from:count:)``).
    @inline(__always)
    static func zeroRun(_ p: UnsafeMutablePointer<Float>, count: Int) {
        typealias V4 = SIMD4<Float>
        if count < 4 {
            for i in 0..<count { p[i] = 0 }
            return
        }
        var i = 0
        while i + 16 <= count { UnsafeMutableRawPointer(p + i).storeBytes(of: V(), as: V.self); i += 16 }
        while i + 4 <= count { UnsafeMutableRawPointer(p + i).storeBytes(of: V4(), as: V4.self); i += 4 }
        if i < count { UnsafeMutableRawPointer(p + count - 4).storeBytes(of: V4(), as: V4.self) }
    }

    /// `Σ a[i]·b[i]` over `count` floats, in 16 float lanes added at the end.
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var i = 0
        var acc = V()
        while i + 16 <= count {
            acc = acc.addingProduct(UnsafeRawPointer(a + i).loadUnaligned(as: V.self),
                                    UnsafeRawPointer(b + i).loadUnaligned(as: V.self))
            i += 16
        }
        var total = acc.sum()
        while i < count { total += a[i] * b[i]; i += 1 }
        return total
    }

    /// `p[i] *= factor` for `count` floats.
    static func scale(_ p: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        var i = 0
        let f = V(repeating: factor)
        while i + 16 <= count {
            let raw = UnsafeMutableRawPointer(p + i)
            raw.storeBytes(of: raw.loadUnaligned(as: V.self) * f, as: V.self)
            i += 16
        }
        while i < count { p[i] *= factor; i += 1 }
    }
}
