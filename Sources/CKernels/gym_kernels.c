// Which version of the kernels runs: the best the CPU has (AVX-512 for the matrix products, tanh
// and Adam, AVX2 + FMA for everything), unless a test, a benchmark or the GYM_KERNELS environment variable
// ("avx2", "portable") sets a lower ceiling. Every version gives the same bits; the variable is
// for timing one against another.
#include "gym_kernels_internal.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static int ceiling = GYM_KERNELS_AVX512; // read and written atomically: tests run side by side

__attribute__((constructor)) static void read_environment(void) {
    const char *name = getenv("GYM_KERNELS");
    if (!name || !*name || strcmp(name, "avx512") == 0) return;
    if (strcmp(name, "avx2") == 0 || strcmp(name, "avx2+fma") == 0) {
        ceiling = GYM_KERNELS_AVX2;
    } else if (strcmp(name, "portable") == 0) {
        ceiling = GYM_KERNELS_PORTABLE;
    } else {
        fprintf(stderr, "gym: GYM_KERNELS=%s is not avx512, avx2 or portable; the kernels run the best the CPU has\n", name);
    }
}

int gym_kernels_best_level(void) {
#if defined(__x86_64__)
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return GYM_KERNELS_PORTABLE;
    if (__builtin_cpu_supports("avx512f")) return GYM_KERNELS_AVX512;
    return GYM_KERNELS_AVX2;
#else
    return GYM_KERNELS_PORTABLE;
#endif
}

int gym_kernels_level(void) {
    int best = gym_kernels_best_level(), limit = __atomic_load_n(&ceiling, __ATOMIC_RELAXED);
    return best < limit ? best : limit;
}

int gym_kernels_use_avx2(void) { return gym_kernels_level() >= GYM_KERNELS_AVX2; }

const char *gym_kernels_level_name(int level) {
    switch (level) {
    case GYM_KERNELS_AVX512: return "avx512";
    case GYM_KERNELS_AVX2: return "avx2+fma";
    default: return "portable";
    }
}

const char *gym_kernels_path(void) { return gym_kernels_level_name(gym_kernels_level()); }

int gym_kernels_set_ceiling(int level) { return __atomic_exchange_n(&ceiling, level, __ATOMIC_RELAXED); }
