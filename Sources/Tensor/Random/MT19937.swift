/// The 32-bit Mersenne Twister exactly as PyTorch implements it (`ATen/core/MT19937RNGEngine.h`):
/// seeded from the low 32 bits of a 64-bit seed with Knuth's initialisation, state refilled all at
/// once when exhausted.
struct MT19937: Sendable, Equatable {
    static let n = 624
    static let m = 397

    /// The seed as given (all 64 bits).
    var seed: UInt64
    /// Values left before the next refill (1…624).
    var left: Int
    /// Index of the next state word to temper.
    var next: Int
    var state: [UInt32]

    init(seed: UInt64) {
        self.seed = seed
        state = [UInt32](repeating: 0, count: MT19937.n)
        state[0] = UInt32(truncatingIfNeeded: seed)
        for j in 1..<MT19937.n {
            state[j] = 1_812_433_253 &* (state[j - 1] ^ (state[j - 1] >> 30)) &+ UInt32(j)
        }
        left = 1
        next = 0
    }

    @inline(__always)
    private static func twist(_ u: UInt32, _ v: UInt32) -> UInt32 {
        (((u & 0x8000_0000) | (v & 0x7FFF_FFFF)) >> 1) ^ ((v & 1) != 0 ? 0x9908_B0DF : 0)
    }

    private mutating func refill() {
        left = MT19937.n
        next = 0
        state.withUnsafeMutableBufferPointer { MT19937.twistAll($0.baseAddress!) }
    }

    /// One generation of the twist over all 624 words, eight at a time where the recurrence allows:
    /// word i reads words i, i + 1 (not yet rewritten) and i + 397 (old) or i − 227 (already new).
    @inline(__always)
    private static func twistAll(_ s: UnsafeMutablePointer<UInt32>) {
        let n = MT19937.n, m = MT19937.m
        typealias V = SIMD8<UInt32>
        @inline(__always) func load(_ i: Int) -> V { UnsafeRawPointer(s + i).loadUnaligned(as: V.self) }
        @inline(__always) func twist8(_ u: V, _ v: V) -> V {
            (((u & 0x8000_0000) | (v & 0x7FFF_FFFF)) &>> 1) ^ ((0 &- (v & 1)) & 0x9908_B0DF)
        }
        var i = 0
        while i + 8 <= n - m {
            UnsafeMutableRawPointer(s + i).storeBytes(of: load(i + m) ^ twist8(load(i), load(i + 1)), as: V.self)
            i += 8
        }
        while i < n - m { s[i] = s[i + m] ^ twist(s[i], s[i + 1]); i += 1 }
        while i + 8 <= n - 1 {
            UnsafeMutableRawPointer(s + i).storeBytes(of: load(i + m - n) ^ twist8(load(i), load(i + 1)), as: V.self)
            i += 8
        }
        while i < n - 1 { s[i] = s[i + m - n] ^ twist(s[i], s[i + 1]); i += 1 }
        s[n - 1] = s[m - 1] ^ twist(s[n - 1], s[0])
    }

    /// The next `count` draws as `uniform_real_distribution<float>(0, 1)` gives them (24 random
    /// bits scaled to [0, 1)), written to `out`: the same numbers as `count` calls of `next32()`,
    /// tempered and converted sixteen at a time.
    mutating func fillUniformFloats(_ out: UnsafeMutablePointer<Float>, count: Int) {
        var done = 0
        let n = MT19937.n
        state.withUnsafeMutableBufferPointer { buffer in
            let s = buffer.baseAddress!
            while done < count {
                // After a refill the first word is returned without a decrement, so `left - 1`
                // words remain before the next refill.
                if left == 1 { MT19937.twistAll(s); left = n + 1; next = 0 }
                let k = Swift.min(left - 1, count - done)
                MT19937.temperToUniform(s + next, out + done, k)
                left -= k; next += k; done += k
            }
        }
    }

    @inline(__always)
    private static func temperToUniform(_ src: UnsafePointer<UInt32>, _ dst: UnsafeMutablePointer<Float>, _ k: Int) {
        typealias V = SIMD16<UInt32>
        @inline(__always) func temper(_ x: V) -> V {
            var y = x
            y ^= y &>> 11
            y ^= (y &<< 7) & 0x9D2C_5680
            y ^= (y &<< 15) & 0xEFC6_0000
            y ^= y &>> 18
            return y
        }
        let scale = Float(1.0 / 16_777_216.0)
        var i = 0
        while i + 16 <= k {
            let y = temper(UnsafeRawPointer(src + i).loadUnaligned(as: V.self)) & 0xFF_FFFF
            UnsafeMutableRawPointer(dst + i).storeBytes(of: SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: y)) * scale,
                                                        as: SIMD16<Float>.self)
            i += 16
        }
        while i < k {
            var y = src[i]
            y ^= y >> 11
            y ^= (y << 7) & 0x9D2C_5680
            y ^= (y << 15) & 0xEFC6_0000
            y ^= y >> 18
            dst[i] = Float(y & 0xFF_FFFF) * scale
            i += 1
        }
    }

    /// The next 32 random bits.
    @inline(__always)
    mutating func next32() -> UInt32 {
        left -= 1
        if left == 0 { refill() }
        var y = state[next]
        next += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }
}
