// Scalar transcriptions of the single-precision log, sine and cosine of `avx_mathfun.h` (Julien
// Pommier's cephes-based SSE/AVX math, as shipped in PyTorch's `ATen/native/cpu/avx_mathfun.h`).
// PyTorch's AVX2/AVX512 CPU kernels draw normal samples with these approximations
// (`NormalFill16` in `ATen/native/cpu/DistributionTemplates.h`), so reproducing them operation
// for operation, in the same float order, gives PyTorch's `torch.randn` bit for bit.
//
// Constants are written as C writes them: a double literal rounded to float.

enum AVXMath {
    /// a * b + c with one rounding. GCC compiles the intrinsics' `_mm256_mul_ps`/`_mm256_add_ps`
    /// as plain vector arithmetic and, with its default `-ffp-contract=fast`, contracts each
    /// multiply whose only use is an add or subtract into an FMA — taking the multiplies in
    /// statement order, so in `a*b + c*d` the first one is fused. Every `fma` below is such a
    /// contraction; with them the output matches PyTorch's wheel bit for bit (checked on
    /// 100,000 samples), without them about 1% of samples differ in the last bit.
    @inline(__always)
    static func fma(_ a: Float, _ b: Float, _ c: Float) -> Float { c.addingProduct(a, b) }

    static let sqrtHalf = Float(0.707106781186547524 as Double)
    static let logP0 = Float(7.0376836292E-2 as Double)
    static let logP1 = Float(-1.1514610310E-1 as Double)
    static let logP2 = Float(1.1676998740E-1 as Double)
    static let logP3 = Float(-1.2420140846E-1 as Double)
    static let logP4 = Float(1.4249322787E-1 as Double)
    static let logP5 = Float(-1.6668057665E-1 as Double)
    static let logP6 = Float(2.0000714765E-1 as Double)
    static let logP7 = Float(-2.4999993993E-1 as Double)
    static let logP8 = Float(3.3333331174E-1 as Double)
    static let logQ1 = Float(-2.12194440e-4 as Double)
    static let logQ2 = Float(0.693359375 as Double)

    static let minusDP1 = Float(-0.78515625 as Double)
    static let minusDP2 = Float(-2.4187564849853515625e-4 as Double)
    static let minusDP3 = Float(-3.77489497744594108e-8 as Double)
    static let sinP0 = Float(-1.9515295891E-4 as Double)
    static let sinP1 = Float(8.3321608736E-3 as Double)
    static let sinP2 = Float(-1.6666654611E-1 as Double)
    static let cosP0 = Float(2.443315711809948E-005 as Double)
    static let cosP1 = Float(-1.388731625493765E-003 as Double)
    static let cosP2 = Float(4.166664568298827E-002 as Double)
    static let fourOverPi = Float(1.27323954473516 as Double)

    /// `Float(i)`, exact for |i| < 2^22, through the bits of 1.5·2^23 + i (pure integer and float
    /// arithmetic, so loops over it vectorise).
    @inline(__always) static func toFloat(_ i: Int32) -> Float {
        Float(bitPattern: UInt32(bitPattern: i &+ 0x4B40_0000)) - 12_582_912
    }

    /// Truncation toward zero for 0 ≤ x < 2^22; anything else (and NaN) gives `Int32.min`, as
    /// `_mm256_cvttps_epi32` does for out-of-range input. (The kernel only passes 0 ≤ x < 8.)
    @inline(__always) static func truncate(_ x: Float) -> Int32 {
        let inRange = x >= 0 && x < 4_194_304
        let xc: Float = inRange ? x : 0
        var j = Int32(bitPattern: (xc + 12_582_912).bitPattern) &- 0x4B40_0000   // rounded to nearest
        if toFloat(j) > xc { j = j &- 1 }                                          // … down to the floor
        return inRange ? j : Int32.min
    }

    /// `log256_ps` for one lane: natural log, NaN for x <= 0.
    @inline(__always)
    static func log(_ input: Float) -> Float {
        let invalid = input <= 0
        // _mm256_max_ps(x, min_norm_pos) returns the second operand when x is NaN.
        var x = input > Float(bitPattern: 0x0080_0000) ? input : Float(bitPattern: 0x0080_0000)
        var imm0 = Int32(bitPattern: x.bitPattern >> 23)
        x = Float(bitPattern: (x.bitPattern & ~UInt32(0x7F80_0000)) | Float(0.5).bitPattern)
        imm0 = imm0 &- 0x7F
        var e = toFloat(imm0)
        e = e + 1
        let mask = x < sqrtHalf
        let tmp: Float = mask ? x : 0
        x = x - 1
        e = e - (mask ? 1 : 0)
        x = x + tmp
        let z = x * x
        var y = logP0
        y = fma(y, x, logP1)
        y = fma(y, x, logP2)
        y = fma(y, x, logP3)
        y = fma(y, x, logP4)
        y = fma(y, x, logP5)
        y = fma(y, x, logP6)
        y = fma(y, x, logP7)
        y = fma(y, x, logP8)
        y = y * x
        y = fma(y, z, e * logQ1)
        y = fma(-z, 0.5, y)
        x = x + y
        x = fma(e, logQ2, x)
        return invalid ? Float(bitPattern: 0xFFFF_FFFF) : x
    }

    /// `sincos256_ps` for one lane.
    @inline(__always)
    static func sincos(_ input: Float) -> (sin: Float, cos: Float) {
        var signSin = input.bitPattern & 0x8000_0000
        var x = Float(bitPattern: input.bitPattern & 0x7FFF_FFFF)
        var y = x * fourOverPi
        var j = truncate(y)   // _mm256_cvttps_epi32
        j = (j &+ 1) & ~1
        y = toFloat(j)
        let swapSignSin = UInt32(bitPattern: (j & 4) << 29)
        let polyMask = (j & 2) == 0
        x = fma(y, minusDP1, x)
        x = fma(y, minusDP2, x)
        x = fma(y, minusDP3, x)
        let signCos = UInt32(bitPattern: (~(j &- 2) & 4) << 29)
        signSin ^= swapSignSin
        let z = x * x
        var c = fma(cosP0, z, cosP1)
        c = fma(c, z, cosP2)
        c = c * z
        c = fma(c, z, -(z * 0.5))
        c = c + 1
        var s = fma(sinP0, z, sinP1)
        s = fma(s, z, sinP2)
        s = s * z
        s = fma(s, x, x)
        let ysin2: Float = polyMask ? s : 0
        let ysin1: Float = polyMask ? 0 : c
        s = s - ysin2
        c = c - ysin1
        let sinv = ysin1 + ysin2
        let cosv = c + s
        return (Float(bitPattern: sinv.bitPattern ^ signSin), Float(bitPattern: cosv.bitPattern ^ signCos))
    }
}
