#ifndef GYM_KERNELS_H
#define GYM_KERNELS_H

#include <stddef.h>

// The float kernels of training and acting, in C so that one build runs everywhere at full speed:
// each kernel is compiled twice, for AVX2 + FMA (Haswell, 2013, and every later x86 server) and
// for the baseline CPU, and picked at run time; the matrix products (where the time goes), tanh,
// the Adam step and the loss's exp and log are also compiled for AVX-512 (16-lane registers:
// twice the arithmetic per instruction). Swift cannot compile one function for another CPU
// than its module's, and a module compiled for AVX2 (`-target-cpu`, an unsafe flag) could not be a
// dependency taken by version.
//
// Every version does the same operations in the same order, with fused multiply-adds where the
// kernels say so (the baseline calls libm's `fmaf`, which rounds the same), so results are bit
// for bit the same on any path and for any split of rows across threads. The Swift reference
// implementations (MatrixMultiply and friends, instantiated in Double for the gradient tests)
// follow the same sequence; a test holds them equal. The exp and log are held to libm's expf and
// logf instead, whose algorithm they run.

/// C (m x n) = A B, or C += A B when `accumulate`. B is k x n row-major, C m x n row-major; A's
/// element (i, p) is at a[i * a_row_stride + p * a_column_stride] (so Aᵀ needs no copy).
void gym_sgemm(long m, long n, long k, const float *a, long a_row_stride, long a_column_stride,
               const float *b, float *c, int accumulate);

/// C (m x n) = A Bᵀ, or C += A Bᵀ, with `bt` n x k row-major (a layer's weights, for the input
/// gradient dY Wᵀ): the bits of gym_sgemm on the transposed copy, which `scratch` (k x n floats)
/// receives where a version needs it whole. The AVX-512 version transposes block by block.
void gym_sgemm_bt(long m, long n, long k, const float *a, long a_row_stride, long a_column_stride,
                  const float *bt, float *c, int accumulate, float *scratch);

/// A layer's forward pass: y (m x n) = x W + bias, x m x k and W k x n row-major, then tanh of
/// every output when `activate_tanh`: the bits of gym_fill_rows, gym_sgemm accumulating and
/// gym_tanh_inplace in turn, which the AVX-512 version does in one pass over y.
void gym_layer_forward(long m, long n, long k, const float *x, const float *w, const float *bias, float *y,
                       int activate_tanh);

/// The gradient at a tanh layer's pre-activation from the next layer's: c (m x n) = a btᵀ (a m x
/// k, bt n x k), then c[i] *= 1 - y[i]² with y (m x n) the tanh's outputs: the bits of
/// gym_sgemm_bt and gym_tanh_backward in turn, in one pass over c on AVX-512.
void gym_sgemm_bt_tanh_derivative(long m, long n, long k, const float *a, const float *bt, float *c, const float *y,
                                  float *scratch);

/// A layer's weight and bias gradients from its output's, dy (k x n: k rows, n outputs), and its
/// input x (k x m): dw (m x n) = xᵀ dy (or += with `accumulate`), db (n) += dy's column sums:
/// the bits of gym_sgemm and gym_add_column_sums, in one pass over dy on AVX-512.
void gym_weight_gradient(long m, long n, long k, const float *x, const float *dy, float *dw, float *db, int accumulate);

/// A layer's backward pass into a tanh layer: with its output's gradient dy (rows x out), its
/// weights w (in x out) and input h (rows x in, tanh outputs): db (out) += dy's column sums,
/// dw (in x out) = hᵀ dy (+= with `accumulate`), dx (rows x in) = (dy wᵀ) (1 - h²): the bits of
/// gym_weight_gradient and gym_sgemm_bt_tanh_derivative in turn, in one pass over h on AVX-512
/// for heads of one or two outputs on 16- to 64-wide layers. `scratch` takes out x in floats.
void gym_head_backward(long rows, long in, long out, const float *dy, const float *w, const float *h, float *dw,
                       float *db, int accumulate, float *dx, float *scratch);

/// destination (columns x rows) = sourceᵀ, source being rows x columns row-major.
void gym_transpose(long rows, long columns, const float *source, float *destination);

/// gradient[i] *= 1 - outputs[i]²: back through tanh, from its outputs.
void gym_tanh_backward(const float *outputs, float *gradient, long count);
/* gradient[i] = 0 where outputs[i] <= 0 (ReLU's derivative). */
void gym_relu_backward(const float *outputs, float *gradient, long count);

/// sums[j] += Σ_r rows[r * columns + j], rows in increasing order: a bias's gradient.
/// Every row of `rows` (row_count x columns, row-major) set to `row`.
void gym_fill_rows(float *rows, long row_count, long columns, const float *row);
void gym_add_column_sums(const float *rows, long row_count, long columns, float *sums);

/// values[i] = tanh(values[i]): a rational approximation within 1e-6 of libm.
void gym_tanh_inplace(float *values, long count);

/// y[i] = expf(x[i]) and y[i] = logf(x[i]), with the bits of glibc's expf and logf on FMA CPUs
/// (its algorithms, four or eight lanes at a time; x and y may be the same array).
void gym_exp_floats(const float *x, float *y, long count);
void gym_log_floats(const float *x, float *y, long count);

/// One Adam step (PyTorch's arithmetic) over parameters [start, end), on the gradients times
/// `gradient_scale` (the clip to the maximum norm; 1 leaves them as they are):
/// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g g; p -= step_size m / (sqrt(v) / correction2 + eps).
void gym_adam_step(float *parameters, const float *gradients, float *first_moment, float *second_moment,
                   long start, long end, float gradient_scale, float step_size, float correction2,
                   float beta1, float beta2, float epsilon);

/// Σ g² over [start, end): 64 float chains of fused multiply-adds (element start + 64q + c in
/// chain c), then the chains and the last elements summed in double.
double gym_sum_squares(const float *values, long start, long end);

/// The kernel versions, from the baseline CPU up.
enum { GYM_KERNELS_PORTABLE = 0, GYM_KERNELS_AVX2 = 1, GYM_KERNELS_AVX512 = 2 };

/// The best version this CPU runs, and the one that runs now (the best, or the ceiling if lower).
int gym_kernels_best_level(void);
int gym_kernels_level(void);

/// Which version runs, by name: "avx512", "avx2+fma" or "portable"; and the name of a level.
const char *gym_kernels_path(void);
const char *gym_kernels_level_name(int level);

/// Caps the version (for tests that hold every version equal, and benchmarks that compare them)
/// and returns the previous cap; GYM_KERNELS_AVX512 allows the best the CPU has. The
/// GYM_KERNELS environment variable ("avx2", "portable") sets the cap a process starts with.
int gym_kernels_set_ceiling(int level);

/// Tells the core this thread is spinning on a flag (x86 PAUSE, Arm YIELD): less power, and the
/// loop leaves the pipeline at once when the flag changes.
static inline __attribute__((always_inline)) void gym_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

// Small vector helpers for Swift code that Swift cannot yet express without branches: Swift's
// min/max on Float follow IEEE minNum semantics through compare-and-branch code, and SIMD mask
// comparisons are scalarized lane by lane. Clang's elementwise builtins compile to single
// vminps/vmaxps instructions. Eight floats import into Swift as SIMD8<Float>.

typedef float gym_float8 __attribute__((ext_vector_type(8)));

/// Each lane clamped to [-bound, bound].
static inline __attribute__((always_inline)) gym_float8 gym_clamp8(gym_float8 x, float bound) {
    gym_float8 high = bound;
    gym_float8 low = -bound;
    return __builtin_elementwise_min(__builtin_elementwise_max(x, low), high);
}

/// Each lane's max(x, 0): ReLU.
static inline __attribute__((always_inline)) gym_float8 gym_relu8(gym_float8 x) {
    gym_float8 zero = 0.0f;
    return __builtin_elementwise_max(x, zero);
}

#endif
