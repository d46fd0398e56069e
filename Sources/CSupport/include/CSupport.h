#ifndef DSH_CSUPPORT_H
#define DSH_CSUPPORT_H

// Small CPU helpers Swift has no spelling for.

#if defined(__x86_64__)
#include <cpuid.h>
#endif

/// A spin-wait hint: x86's PAUSE (which also lets a hypervisor see a vCPU spinning and run another in its
/// place), ARM's YIELD.
static inline void dsh_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

/// Whether the CPU and the OS support the AVX-512 subsets that Skylake-AVX512 code uses (F, CD, BW, DQ, VL), the
/// OS part meaning that it saves the opmask and zmm registers (XCR0 bits 5–7) across context switches.
static inline int dsh_cpu_has_avx512(void) {
#if defined(__x86_64__)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;  // OSXSAVE
    unsigned lo, hi;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0xE6u) != 0xE6u) return 0;  // SSE, AVX, opmask, ZMM_Hi256 and Hi16_ZMM state
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    const unsigned need = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);  // F, DQ, CD, BW, VL
    return (b & need) == need;
#else
    return 0;
#endif
}

/// Sixteen floats, which Swift sees as `SIMD16<Float>`.
typedef float dsh_float16 __attribute__((ext_vector_type(16)));

/// `a·b + c` rounded once, on 16 lanes: one `vfmadd` on AVX-512, two on AVX2. Swift's `SIMD.addingProduct` is a loop
/// over lanes that LLVM must put back together, and in a long function (the SiLU loop, exp and its selects) it did so in
/// 4-lane pieces; this is one LLVM `fma` on the whole vector.
static inline __attribute__((always_inline)) dsh_float16 dsh_fma16(dsh_float16 a, dsh_float16 b, dsh_float16 c) {
    return __builtin_elementwise_fma(a, b, c);
}

#endif
