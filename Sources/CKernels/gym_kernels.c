// Which version of the kernels runs: AVX2 + FMA when the CPU has both, unless a test forces the
// portable one.
#include "gym_kernels_internal.h"

static int force_portable = 0; // read and written atomically: tests run side by side

int gym_kernels_use_avx2(void) {
#if defined(__x86_64__)
    return !__atomic_load_n(&force_portable, __ATOMIC_RELAXED) && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

const char *gym_kernels_path(void) { return gym_kernels_use_avx2() ? "avx2+fma" : "portable"; }

void gym_kernels_force_portable(int force) { __atomic_store_n(&force_portable, force, __ATOMIC_RELAXED); }
