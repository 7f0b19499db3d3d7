// What the kernel sources share: vector types, loads and stores, and GYM_VERSIONS, which
// compiles one kernel body for AVX2 + FMA and for the baseline CPU and picks at run time (the
// matrix product also has an AVX-512 body: gym_matrix.c picks among three).
#ifndef GYM_KERNELS_INTERNAL_H
#define GYM_KERNELS_INTERNAL_H

#include "include/gym_kernels.h"
#include <math.h>

// No silent fusing of a * b + c: the kernels fuse exactly where they call fma8/fmaf, so both
// versions (and the Swift reference) round the same.
#pragma clang fp contract(off)

// The helpers below pass 8-float vectors by value; they are always inlined, so the calling
// convention the warning is about never exists.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float f8 __attribute__((ext_vector_type(8)));
typedef float f4 __attribute__((ext_vector_type(4)));
typedef float f2 __attribute__((ext_vector_type(2)));

// Inlined into each version's entry point, so each body is compiled for that version's CPU.
#define GYM_INLINE static inline __attribute__((always_inline))

GYM_INLINE f8 load8(const float *p) {
    f8 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

GYM_INLINE void store8(f8 v, float *p) { __builtin_memcpy(p, &v, sizeof v); }

/// a * b + c, rounded once (vfmadd on the AVX2 version, libm's fmaf per lane on the baseline).
GYM_INLINE f8 fma8(f8 a, f8 b, f8 c) { return __builtin_elementwise_fma(a, b, c); }

// Sixteen floats, for the AVX-512 bodies (only called from functions compiled for it).
typedef float f16 __attribute__((ext_vector_type(16)));

GYM_INLINE f16 load16(const float *p) {
    f16 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

GYM_INLINE void store16(f16 v, float *p) { __builtin_memcpy(p, &v, sizeof v); }

// The minimax rational fit Eigen uses for float tanh, its polynomials evaluated with fused
// multiply-adds (as Eigen does where the CPU has them): 0.11 against 0.16 ns per element with
// separate multiplies and adds, and tanh is about a third of a 64-wide forward pass. Beyond ±8.0
// the fit diverges while tanh is 1 to float precision, so the input is clamped first. Near zero
// p/q = x·α1/β0, a relative error of 1.3e-7: no special case needed. Defined for 4, 8 and 16
// lanes: each lane's result depends on that lane alone, so every width gives the same bits.
#define TANH_STEP(vector, acc, x2, c) __builtin_elementwise_fma(acc, x2, (vector)(c))
#define DEFINE_TANH(name, vector)                                                              \
    GYM_INLINE vector name(vector x) {                                                         \
        vector high = 7.99881172180175781f, low = -7.99881172180175781f;                       \
        vector clamped = __builtin_elementwise_min(__builtin_elementwise_max(x, low), high);   \
        vector x2 = clamped * clamped;                                                         \
        vector p = -2.76076847742355e-16f;                                                     \
        p = TANH_STEP(vector, p, x2, 2.00018790482477e-13f);                                   \
        p = TANH_STEP(vector, p, x2, -8.60467152213735e-11f);                                  \
        p = TANH_STEP(vector, p, x2, 5.12229709037114e-08f);                                   \
        p = TANH_STEP(vector, p, x2, 1.48572235717979e-05f);                                   \
        p = TANH_STEP(vector, p, x2, 6.37261928875436e-04f);                                   \
        p = TANH_STEP(vector, p, x2, 4.89352455891786e-03f);                                   \
        p = p * clamped;                                                                       \
        vector q = 1.19825839466702e-06f;                                                      \
        q = TANH_STEP(vector, q, x2, 1.18534705686654e-04f);                                   \
        q = TANH_STEP(vector, q, x2, 2.26843463243900e-03f);                                   \
        q = TANH_STEP(vector, q, x2, 4.89352518554385e-03f);                                   \
        return p / q;                                                                          \
    }

DEFINE_TANH(tanh4, f4)
DEFINE_TANH(tanh8, f8)
DEFINE_TANH(tanh16, f16)  // only called from functions compiled for AVX-512

/// Whether the AVX2 + FMA versions run (gym_kernels.c).
int gym_kernels_use_avx2(void);

/// The AVX-512 body of gym_sgemm (gym_matrix_wide.c), for CPUs at GYM_KERNELS_AVX512.
void gym_sgemm_avx512(long m, long n, long k, const float *a, long rs, long cs, const float *b, float *c,
                      int accumulate);
void gym_sgemm_bt_avx512(long m, long n, long k, const float *a, long rs, long cs, const float *bt, float *c,
                         int accumulate, float *scratch);
void gym_layer_forward_avx512(long m, long n, long k, const float *x, const float *w, const float *bias, float *y,
                              int activate_tanh);
void gym_sgemm_bt_tanh_derivative_avx512(long m, long n, long k, const float *a, const float *bt, float *c,
                                         const float *y, float *scratch);
int gym_head_backward_avx512(long rows, long in, long out, const float *dy, const float *w, const float *h, float *dw,
                             int accumulate, float *dx);
void gym_weight_gradient_avx512(long m, long n, long k, const float *x, const float *dy, float *dw, float *db,
                                int accumulate);

// Defines gym_<name> over the body `name`: an AVX2 + FMA version and a baseline version of it,
// and the entry point that picks one.
#if defined(__x86_64__)
#define GYM_VERSIONS(ret, name, params, args)                                                   \
    __attribute__((target("avx2,fma"))) static ret name##_avx2 params { return name args; }     \
    static ret name##_portable params { return name args; }                                      \
    ret gym_##name params {                                                                      \
        if (gym_kernels_use_avx2()) return name##_avx2 args;                                     \
        return name##_portable args;                                                             \
    }
// The same, with a third version for AVX-512 whose body is `wide` (wider vectors, same bits).
#define GYM_VERSIONS_WIDE(ret, name, wide, params, args)                                                    \
    __attribute__((target("avx512f,avx512vl,avx2,fma"))) static ret name##_avx512 params { return wide args; } \
    __attribute__((target("avx2,fma"))) static ret name##_avx2 params { return name args; }                 \
    static ret name##_portable params { return name args; }                                                  \
    ret gym_##name params {                                                                                  \
        int level = gym_kernels_level();                                                                     \
        if (level >= GYM_KERNELS_AVX512) return name##_avx512 args;                                          \
        if (level >= GYM_KERNELS_AVX2) return name##_avx2 args;                                              \
        return name##_portable args;                                                                         \
    }
#else
#define GYM_VERSIONS(ret, name, params, args) \
    ret gym_##name params { return name args; }
#define GYM_VERSIONS_WIDE(ret, name, wide, params, args) \
    ret gym_##name params { return name args; }
#endif

#endif
