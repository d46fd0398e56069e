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
        let n = MT19937.n, m = MT19937.m
        left = n
        next = 0
        state.withUnsafeMutableBufferPointer { s in
            for i in 0..<(n - m) { s[i] = s[i + m] ^ MT19937.twist(s[i], s[i + 1]) }
            for i in (n - m)..<(n - 1) { s[i] = s[i + m - n] ^ MT19937.twist(s[i], s[i + 1]) }
            s[n - 1] = s[m - 1] ^ MT19937.twist(s[n - 1], s[0])
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
