// The elementwise float kernels: tanh, the Adam step and the squared norm. NetworkScalar.swift,
// Adam.swift and ParameterBuffer.swift hold the same arithmetic in Swift (the Double reference).
#include "gym_kernels_internal.h"

GYM_INLINE void tanh_inplace(float *values, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) store8(tanh8(load8(values + i)), values + i);
    if (i < count) {
        // The tail through the same lanes: each lane's result depends on that lane alone.
        f8 rest = 0.0f;
        for (long r = 0; r < count - i; r++) rest[r] = values[i + r];
        rest = tanh8(rest);
        for (long r = 0; r < count - i; r++) values[i + r] = rest[r];
    }
}

#if defined(__x86_64__)
// AVX-512: sixteen lanes at a time (its eleven multiplies and multiply-adds bound it, not its
// division: a reciprocal estimate with a Newton step instead was 10% slower), the rest as above.
GYM_INLINE void tanh_inplace_wide(float *values, long count) {
    long i = 0;
    for (; i + 16 <= count; i += 16) store16(tanh16(load16(values + i)), values + i);
    tanh_inplace(values + i, count - i);
}
#endif

GYM_VERSIONS_WIDE(void, tanh_inplace, tanh_inplace_wide, (float *values, long count), (values, count))

GYM_INLINE void tanh_backward(const float *outputs, float *gradient, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        f8 y = load8(outputs + i);
        store8(load8(gradient + i) * (1.0f - y * y), gradient + i);
    }
    for (; i < count; i++) gradient[i] *= 1.0f - outputs[i] * outputs[i];
}

#if defined(__x86_64__)
// AVX-512: the same product in sixteen lanes, the rest as above.
GYM_INLINE void tanh_backward_wide(const float *outputs, float *gradient, long count) {
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        f16 y = load16(outputs + i);
        store16(load16(gradient + i) * (1.0f - y * y), gradient + i);
    }
    tanh_backward(outputs + i, gradient + i, count - i);
}
#endif

GYM_VERSIONS_WIDE(void, tanh_backward, tanh_backward_wide, (const float *outputs, float *gradient, long count),
                  (outputs, gradient, count))

/* ReLU's backward: the gradient passes where the output is positive. A select, so the result
   is the reference's exactly (a NaN output blocks, as `outputs[i] <= 0` is false for NaN and
   the Swift reference keeps the gradient there too). */
GYM_INLINE void relu_backward(const float *outputs, float *gradient, long count) {
    long i = 0;
    const f8 zero = 0.0f;
    for (; i + 8 <= count; i += 8) {
        f8 y = load8(outputs + i), g = load8(gradient + i);
        store8(y <= zero ? zero : g, gradient + i);
    }
    for (; i < count; i++) if (outputs[i] <= 0.0f) gradient[i] = 0.0f;
}

GYM_VERSIONS(void, relu_backward, (const float *outputs, float *gradient, long count), (outputs, gradient, count))

// Every row of `rows` (row_count x columns) set to `row`: a layer's biases before its product
// accumulates onto them. One pass of vector stores instead of a library call per row.
GYM_INLINE void fill_rows(float *rows, long row_count, long columns, const float *row) {
    if (columns == 1 || columns == 2 || columns == 4) {
        // A narrow head's biases (a value, two logits): rows of 1, 2 or 4 floats repeat every
        // eight floats, so whole vectors of the pattern fill the block (a row at a time cost
        // 0.5% of a CartPole run).
        f8 pattern;
        for (int lane = 0; lane < 8; lane++) pattern[lane] = row[lane % columns];
        long total = row_count * columns, i = 0;
        for (; i + 8 <= total; i += 8) store8(pattern, rows + i);
        for (; i < total; i++) rows[i] = row[i % columns];
        return;
    }
    for (long r = 0; r < row_count; r++) {
        float *destination = rows + r * columns;
        long j = 0;
        for (; j + 8 <= columns; j += 8) store8(load8(row + j), destination + j);
        for (; j < columns; j++) destination[j] = row[j];
    }
}

GYM_VERSIONS(void, fill_rows, (float *rows, long row_count, long columns, const float *row),
             (rows, row_count, columns, row))

// One or two columns (a value head's, a two-logit head's gradient): the sums held in registers
// while the rows go by, each still added in increasing row order. Through memory, each add
// waited for the last one's store (CartPole's 256 x 2: 0.8 us; in registers, 0.2).
GYM_INLINE int add_narrow_column_sums(const float *rows, long row_count, long columns, float *sums) {
    if (columns == 1) {
        float s0 = sums[0];
        for (long r = 0; r < row_count; r++) s0 += rows[r];
        sums[0] = s0;
        return 1;
    }
    if (columns == 2) {
        float s0 = sums[0], s1 = sums[1];
        for (long r = 0; r < row_count; r++) {
            s0 += rows[2 * r];
            s1 += rows[2 * r + 1];
        }
        sums[0] = s0;
        sums[1] = s1;
        return 1;
    }
    return 0;
}

GYM_INLINE void add_column_sums(const float *rows, long row_count, long columns, float *sums) {
    if (add_narrow_column_sums(rows, row_count, columns, sums)) return;
    for (long r = 0; r < row_count; r++) {
        const float *row = rows + r * columns;
        long j = 0;
        for (; j + 8 <= columns; j += 8) store8(load8(sums + j) + load8(row + j), sums + j);
        for (; j < columns; j++) sums[j] += row[j];
    }
}

#if defined(__x86_64__)
// AVX-512: blocks of 64 and then 16 columns held in registers while the rows go by (each
// column still adds its rows in increasing order), the last columns as above.
GYM_INLINE void add_column_sums_wide(const float *rows, long row_count, long columns, float *sums) {
    if (add_narrow_column_sums(rows, row_count, columns, sums)) return;
    long j = 0;
    for (; j + 64 <= columns; j += 64) {
        f16 s0 = load16(sums + j), s1 = load16(sums + j + 16), s2 = load16(sums + j + 32), s3 = load16(sums + j + 48);
        for (long r = 0; r < row_count; r++) {
            const float *row = rows + r * columns + j;
            s0 += load16(row); s1 += load16(row + 16); s2 += load16(row + 32); s3 += load16(row + 48);
        }
        store16(s0, sums + j); store16(s1, sums + j + 16); store16(s2, sums + j + 32); store16(s3, sums + j + 48);
    }
    for (; j + 16 <= columns; j += 16) {
        f16 sum = load16(sums + j);
        for (long r = 0; r < row_count; r++) sum += load16(rows + r * columns + j);
        store16(sum, sums + j);
    }
    for (long r = 0; r < row_count; r++) {
        for (long c = j; c < columns; c++) sums[c] += rows[r * columns + c];
    }
}
#endif

GYM_VERSIONS_WIDE(void, add_column_sums, add_column_sums_wide,
                  (const float *rows, long row_count, long columns, float *sums), (rows, row_count, columns, sums))

// Adam over whole vectors of `lanes` floats from index i on (8 or 16: every lane takes the same
// operations, so both widths and the scalar tail agree bit for bit). `DIVIDE_BY_CORRECTION(s)`
// is the square root of the second moment divided by the bias correction, rounded once: a
// division, or the exact replacement below.
#define ADAM_VECTORS(vector, lanes, load, store, DIVIDE_BY_CORRECTION)                                     \
    for (; i + (lanes) <= end; i += (lanes)) {                                                               \
        vector gi = load(g + i) * scale;                                                                     \
        vector mi = b1 * load(m + i) + one_minus_b1 * gi;                                                    \
        vector vi = b2 * load(v + i) + one_minus_b2 * gi * gi;                                               \
        store(mi, m + i);                                                                                    \
        store(vi, v + i);                                                                                    \
        vector root = __builtin_elementwise_sqrt(vi);                                                        \
        store(load(p + i) - step_size * mi / (DIVIDE_BY_CORRECTION(root) + eps), p + i);                     \
    }

#define DIVIDE_ON_DIVIDER(root) ((root) / correction2)

GYM_INLINE void adam_step(float *p, const float *g, float *m, float *v, long start, long end,
                          float scale, float step_size, float correction2, float b1, float b2, float eps) {
    float one_minus_b1 = 1.0f - b1, one_minus_b2 = 1.0f - b2;
    long i = start;
    ADAM_VECTORS(f8, 8, load8, store8, DIVIDE_ON_DIVIDER)
    for (; i < end; i++) {
        float gi = g[i] * scale;
        float mi = b1 * m[i] + one_minus_b1 * gi;
        float vi = b2 * v[i] + one_minus_b2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= step_size * mi / (sqrtf(vi) / correction2 + eps);
    }
}

#if defined(__x86_64__)
// The division by the bias correction, exactly, without the divider: q0 = s * (1/c) is within
// an ulp or so of s / c, the remainder s - q0 c is exact in one fused multiply-add, and q0 plus
// remainder times 1/c, rounded once, is the correctly rounded s / c (Markstein's theorem, given
// 1/c correctly rounded). Checked in a C harness for every significand of s against each
// correction Adam uses (beta2 0.999, steps 1 to 60,000; it rounds to 1 from about step 16,600)
// and 100,000 random divisors in [2^-7, 1]: no quotient differed; CKernelTests checks it too.
// The square root and the other division stay on the divider. A 256-wide network's step: 26.4-27.4
// us alone in the harness, 18.8-19.5 with this; in training, where the step streams its megabyte
// from L3, its share of a 256x256 run went from 9.0% to 8.2% (docs/benchmarks.md, eighth sitting).
GYM_INLINE f16 divide_exactly_by(f16 s, float c, float reciprocal) {
    f16 q0 = s * reciprocal;
    f16 remainder = __builtin_elementwise_fma(-q0, (f16)c, s);
    return __builtin_elementwise_fma(remainder, (f16)reciprocal, q0);
}
#define DIVIDE_EXACTLY_WITHOUT_DIVIDER(root) divide_exactly_by((root), correction2, reciprocal)

// AVX-512: sixteen lanes at a time (the square root and the division bound it), the rest as
// above; every element gets the same bits either way.
GYM_INLINE void adam_step_wide(float *p, const float *g, float *m, float *v, long start, long end, float scale,
                               float step_size, float correction2, float b1, float b2, float eps) {
    float one_minus_b1 = 1.0f - b1, one_minus_b2 = 1.0f - b2;
    float reciprocal = 1.0f / correction2;
    long i = start;
    ADAM_VECTORS(f16, 16, load16, store16, DIVIDE_EXACTLY_WITHOUT_DIVIDER)
    adam_step(p, g, m, v, i, end, scale, step_size, correction2, b1, b2, eps);
}
#endif

GYM_VERSIONS_WIDE(void, adam_step, adam_step_wide,
             (float *parameters, const float *gradients, float *first_moment, float *second_moment, long start,
              long end, float gradient_scale, float step_size, float correction2, float beta1, float beta2,
              float epsilon),
             (parameters, gradients, first_moment, second_moment, start, end, gradient_scale, step_size, correction2,
              beta1, beta2, epsilon))

// Sixty-four chains of multiply-adds (element start + 64q + c feeds chain c), summed in double
// in chain order, then the last elements: one chain of eight was latency bound (each step waits
// for the last), 5% of a 256-wide update. Every version keeps the 64 chains, so the bits agree.
enum { SQUARE_CHAINS = 64 };

// Defined for eight and sixteen lanes: chain c is lane c % lanes of register c / lanes either
// way, and the sums are added in chain order, so both widths give the same bits.
#define DEFINE_SUM_SQUARES(name, vector, load)                                            \
    GYM_INLINE double name(const float *values, long start, long end) {                   \
        enum { lanes = sizeof(vector) / sizeof(float) };                                  \
        vector chains[SQUARE_CHAINS / lanes];                                             \
        for (int j = 0; j < SQUARE_CHAINS / lanes; j++) chains[j] = 0.0f;                 \
        long i = start;                                                                   \
        for (; i + SQUARE_CHAINS <= end; i += SQUARE_CHAINS) {                            \
            for (int j = 0; j < SQUARE_CHAINS / lanes; j++) {                             \
                vector x = load(values + i + lanes * j);                                  \
                chains[j] = __builtin_elementwise_fma(x, x, chains[j]);                   \
            }                                                                             \
        }                                                                                 \
        double sum = 0.0;                                                                 \
        for (int j = 0; j < SQUARE_CHAINS / lanes; j++) {                                 \
            for (int lane = 0; lane < lanes; lane++) sum += (double)chains[j][lane];      \
        }                                                                                 \
        for (; i < end; i++) {                                                            \
            double x = values[i];                                                         \
            sum += x * x;                                                                 \
        }                                                                                 \
        return sum;                                                                       \
    }

DEFINE_SUM_SQUARES(sum_squares, f8, load8)
#if defined(__x86_64__)
DEFINE_SUM_SQUARES(sum_squares_wide, f16, load16)  // only called from the AVX-512 version
#endif

GYM_VERSIONS_WIDE(double, sum_squares, sum_squares_wide, (const float *values, long start, long end),
                  (values, start, end))
