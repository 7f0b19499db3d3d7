// exp and log over float arrays, for the policy loss (five exps and a log per row of a
// categorical policy, one call each to libm cost about a tenth of a CartPole minibatch).
//
// Each element gets the bits of glibc's expf and logf on FMA CPUs (glibc 2.27 on; Arm's
// optimized-routines algorithms): the float goes to double, a table of 32 (exp) or 16 (log)
// entries and a degree-3 polynomial do the rest, and the result is rounded back to float. The
// fused multiply-adds below are the ones glibc's FMA build makes (read from its disassembly);
// with the same constants and the same roundings, 4 or 8 lanes side by side give each lane the
// bits libm gives it, so policies keep the bits they had with a call per element. Lanes outside
// the tables' range (|x| ≥ 88 for exp; zero, negatives, subnormals, infinities, NaN for log)
// are handed to libm itself.
#include "gym_kernels_internal.h"
#include <stdint.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif


// MARK: Constants (glibc's __exp2f_data and __logf_data)

static const double EXP_INV_LN2_N = 0x1.71547652b82fep+5;  // 32 / ln 2
static const double EXP_SHIFT = 0x1.8p+52;                   // adding it rounds to an integer
static const double EXP_C0 = 0x1.c6af84b912394p-20, EXP_C1 = 0x1.ebfce50fac4f3p-13, EXP_C2 = 0x1.62e42ff0c52d6p-6;
// 2^(i/32) with i·2^47 taken off its bits, so adding k << 47 scales it by 2^(k/32).
static const uint64_t EXP_TABLE[32] __attribute__((aligned(64))) = {
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51, 0x3fef72b83c7d517b,
    0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1, 0x3fef06fe0a31b715, 0x3feef1a7373aa9cb,
    0x3feedea64c123422, 0x3feece086061892d, 0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429,
    0x3feea47eb03a5585, 0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d, 0x3feee89f995ad3ad,
    0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069, 0x3fef5818dcfba487, 0x3fef7c97337b9b5f,
    0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
};

static const double LOG_LN2 = 0x1.62e42fefa39efp-1;
static const double LOG_A0 = -0x1.00ea348b88334p-2, LOG_A1 = 0x1.5575b0be00b6ap-2, LOG_A2 = -0x1.ffffef20a4123p-2;
// 1/c and log(c) for the 16 subintervals of [0x3f330000, 2 · 0x3f330000) (as floats' bits).
static const double LOG_INVERSE_C[16] __attribute__((aligned(64))) = {
    0x1.661ec79f8f3bep+0, 0x1.571ed4aaf883dp+0, 0x1.49539f0f010b0p+0, 0x1.3c995b0b80385p+0,
    0x1.30d190c8864a5p+0, 0x1.25e227b0b8ea0p+0, 0x1.1bb4a4a1a343fp+0, 0x1.12358f08ae5bap+0,
    0x1.0953f419900a7p+0, 0x1.0000000000000p+0, 0x1.e608cfd9a47acp-1, 0x1.ca4b31f026aa0p-1,
    0x1.b2036576afce6p-1, 0x1.9c2d163a1aa2dp-1, 0x1.886e6037841edp-1, 0x1.767dcf5534862p-1,
};
static const double LOG_C[16] __attribute__((aligned(64))) = {
    -0x1.57bf7808caadep-2, -0x1.2bef0a7c06ddbp-2, -0x1.01eae7f513a67p-2, -0x1.b31d8a68224e9p-3,
    -0x1.6574f0ac07758p-3, -0x1.1aa2bc79c8100p-3, -0x1.a4e76ce8c0e5ep-4, -0x1.1973c5a611cccp-4,
    -0x1.252f438e10c1ep-5, 0x0.0p+0, 0x1.aa5aa5df25984p-5, 0x1.c5e53aa362eb4p-4,
    0x1.526e57720db08p-3, 0x1.bc2860d224770p-3, 0x1.1058bc8a07ee1p-2, 0x1.4043057b6ee09p-2,
};
enum { LOG_OFFSET = 0x3f330000 };

// MARK: One element (the baseline version, every version's tail, and the reference)

GYM_INLINE uint32_t float_bits(float x) {
    uint32_t bits;
    __builtin_memcpy(&bits, &x, sizeof bits);
    return bits;
}

GYM_INLINE int exp_in_table_range(uint32_t bits) { return ((bits >> 20) & 0x7ff) < 0x42b; }  // |x| < 88

GYM_INLINE float exp_element(float x) {
    if (!exp_in_table_range(float_bits(x))) return expf(x);
    double xd = x;
    double kd = __builtin_fma(EXP_INV_LN2_N, xd, EXP_SHIFT);
    uint64_t ki;
    __builtin_memcpy(&ki, &kd, sizeof ki);
    kd -= EXP_SHIFT;
    double r = __builtin_fma(EXP_INV_LN2_N, xd, -kd);
    uint64_t scale_bits = EXP_TABLE[ki & 31] + (ki << 47);
    double scale;
    __builtin_memcpy(&scale, &scale_bits, sizeof scale);
    double z = __builtin_fma(r, EXP_C0, EXP_C1);
    double r2 = r * r;
    double y = __builtin_fma(r, EXP_C2, 1.0);
    y = __builtin_fma(z, r2, y);
    return (float)(y * scale);
}

// Normal positive floats. (libm answers 1 with +0 before its table, for rounding modes other
// than to nearest; to nearest, the table gives +0 too.)
GYM_INLINE int log_in_table_range(uint32_t bits) { return bits - 0x00800000u < 0x7f800000u - 0x00800000u; }

GYM_INLINE float log_element(float x) {
    uint32_t ix = float_bits(x);
    if (!log_in_table_range(ix)) return logf(x);
    uint32_t offset = ix - LOG_OFFSET;
    int i = (offset >> 19) & 15;
    int k = (int32_t)offset >> 23;
    uint32_t iz = ix - (offset & 0xff800000u);
    float zf;
    __builtin_memcpy(&zf, &iz, sizeof zf);
    double z = zf;
    double y0 = __builtin_fma((double)k, LOG_LN2, LOG_C[i]);
    double r = __builtin_fma(z, LOG_INVERSE_C[i], -1.0);
    double y = __builtin_fma(r, LOG_A1, LOG_A2);
    double r2 = r * r;
    y = __builtin_fma(r2, LOG_A0, y);
    return (float)__builtin_fma(r2, y, r + y0);
}

// MARK: Lanes
//
// The same steps on `lanes` doubles at once; `lookup` reads a table at a vector of indices. The
// vector of out-of-range lanes is redone element by element (rare: the loss's arguments are
// log-probabilities and log-ratios).

#define DEFINE_EXP_LOG_LANES(exp_name, log_name, attributes, lanes, dvec, ivec, uvec, wvec, fvec, lookup)     \
    attributes GYM_INLINE void exp_name(const float *x, float *y, long count) {                           \
        long e = 0;                                                                                          \
        for (; e + (lanes) <= count; e += (lanes)) {                                                         \
            fvec xf;                                                                                         \
            wvec bits;                                                                                       \
            __builtin_memcpy(&xf, x + e, sizeof xf);                                                         \
            __builtin_memcpy(&bits, x + e, sizeof bits);                                                     \
            dvec xd = __builtin_convertvector(xf, dvec);                                                     \
            dvec kd = __builtin_elementwise_fma((dvec)(EXP_INV_LN2_N), xd, (dvec)(EXP_SHIFT));               \
            uvec ki = (uvec)kd;                                                                              \
            kd -= EXP_SHIFT;                                                                                 \
            dvec r = __builtin_elementwise_fma((dvec)(EXP_INV_LN2_N), xd, -kd);                              \
            uvec scale_bits = (uvec)lookup((const double *)EXP_TABLE, (ivec)(ki & 31), 32) + (ki << 47);    \
            dvec z = __builtin_elementwise_fma(r, (dvec)(EXP_C0), (dvec)(EXP_C1));                           \
            dvec r2 = r * r;                                                                                 \
            dvec p = __builtin_elementwise_fma(r, (dvec)(EXP_C2), (dvec)(1.0));                              \
            p = __builtin_elementwise_fma(z, r2, p);                                                         \
            fvec result = __builtin_convertvector(p * (dvec)scale_bits, fvec);                               \
            __builtin_memcpy(y + e, &result, sizeof result);                                                 \
            if (__builtin_reduce_or(((bits >> 20) & 0x7ff) >= 0x42b)) {                                      \
                for (int l = 0; l < (lanes); l++) y[e + l] = exp_element(xf[l]); /* x may be y */            \
            }                                                                                                \
        }                                                                                                    \
        for (; e < count; e++) y[e] = exp_element(x[e]);                                                     \
    }                                                                                                        \
                                                                                                             \
    attributes GYM_INLINE void log_name(const float *x, float *y, long count) {                           \
        long e = 0;                                                                                          \
        for (; e + (lanes) <= count; e += (lanes)) {                                                         \
            wvec bits;                                                                                       \
            fvec xf;                                                                                         \
            __builtin_memcpy(&bits, x + e, sizeof bits);                                                     \
            __builtin_memcpy(&xf, x + e, sizeof xf);                                                         \
            ivec ix = __builtin_convertvector(bits, ivec);                                                   \
            ivec offset = ix - LOG_OFFSET;                                                                   \
            ivec i = (offset >> 19) & 15;                                                                    \
            ivec k = offset >> 23;                                                                           \
            wvec iz = __builtin_convertvector(ix - (offset & 0xff800000), wvec);                             \
            dvec z = __builtin_convertvector((fvec)iz, dvec);                                                \
            dvec y0 = __builtin_elementwise_fma(__builtin_convertvector(k, dvec), (dvec)(LOG_LN2),           \
                                                lookup(LOG_C, i, 16));                                       \
            dvec r = __builtin_elementwise_fma(z, lookup(LOG_INVERSE_C, i, 16), (dvec)(-1.0));               \
            dvec p = __builtin_elementwise_fma(r, (dvec)(LOG_A1), (dvec)(LOG_A2));                           \
            dvec r2 = r * r;                                                                                 \
            p = __builtin_elementwise_fma(r2, (dvec)(LOG_A0), p);                                            \
            fvec result = __builtin_convertvector(__builtin_elementwise_fma(r2, p, r + y0), fvec);          \
            __builtin_memcpy(y + e, &result, sizeof result);                                                 \
            if (__builtin_reduce_or(bits - 0x00800000u >= 0x7f800000u - 0x00800000u)) { \
                for (int l = 0; l < (lanes); l++) y[e + l] = log_element(xf[l]); /* x may be y */            \
            }                                                                                                \
        }                                                                                                    \
        for (; e < count; e++) y[e] = log_element(x[e]);                                                     \
    }

typedef double d4 __attribute__((ext_vector_type(4)));
typedef double d8 __attribute__((ext_vector_type(8)));
typedef int64_t i4 __attribute__((ext_vector_type(4)));
typedef int64_t i8 __attribute__((ext_vector_type(8)));
typedef uint64_t u4 __attribute__((ext_vector_type(4)));
typedef uint64_t u8 __attribute__((ext_vector_type(8)));
typedef uint32_t w4 __attribute__((ext_vector_type(4)));
typedef uint32_t w8 __attribute__((ext_vector_type(8)));

// Four lanes (the AVX2 and baseline versions: the baseline's fused multiply-adds are libm's
// fma, which rounds the same), the tables read lane by lane.
GYM_INLINE d4 lookup4(const double *table, i4 index, int size) {
    (void)size;
    return (d4){table[index[0]], table[index[1]], table[index[2]], table[index[3]]};
}
DEFINE_EXP_LOG_LANES(exp_floats, log_floats, , 4, d4, i4, u4, w4, f4, lookup4)

#if defined(__x86_64__)
// AVX-512: eight lanes, the tables held in registers (16 entries in two, 32 in four) and read
// by permutes.
#define AVX512 __attribute__((target("avx512f,avx512vl,avx2,fma")))
AVX512 GYM_INLINE d8 lookup8(const double *table, i8 index, int size) {
    __m512i i = (__m512i)index;
    __m512d low = _mm512_permutex2var_pd(_mm512_load_pd(table), i, _mm512_load_pd(table + 8));
    if (size == 16) return (d8)low;
    __m512d high = _mm512_permutex2var_pd(_mm512_load_pd(table + 16), i, _mm512_load_pd(table + 24));
    __mmask8 upper = _mm512_test_epi64_mask(i, _mm512_set1_epi64(16));
    return (d8)_mm512_mask_blend_pd(upper, low, high);
}
DEFINE_EXP_LOG_LANES(exp_floats_wide, log_floats_wide, AVX512, 8, d8, i8, u8, w8, f8, lookup8)
#endif

GYM_VERSIONS_WIDE(void, exp_floats, exp_floats_wide, (const float *x, float *y, long count), (x, y, count))
GYM_VERSIONS_WIDE(void, log_floats, log_floats_wide, (const float *x, float *y, long count), (x, y, count))
