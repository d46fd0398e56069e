#ifndef DSH_CSUPPORT_H
#define DSH_CSUPPORT_H

// Small CPU helpers Swift has no spelling for.

/// A spin-wait hint: x86's PAUSE (which also lets a hypervisor see a vCPU spinning and run another in its
/// place), ARM's YIELD.
static inline void dsh_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}

#endif
