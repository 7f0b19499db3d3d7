// gym_sgemm: dense products on flat row-major buffers, the arithmetic of every layer's forward
// and backward pass. Written for the shapes training meets (batches of 8 to 512 rows, layers of
// 64 to 512). This file holds the AVX2 and portable body, where a 4-row x 16-column register
// tile keeps eight vector accumulators busy; gym_matrix_wide.c holds the AVX-512 body.
//
// Every output element is computed by the same sequence of operations whichever tile computes it
// (a fused multiply-add chain over k in increasing order, or, for outputs narrower than a vector,
// a fixed-order dot product), so a row's result does not depend on how rows are split across
// threads. MatrixMultiply.swift is the same algorithm in Swift (the Double reference).
#include "gym_matrix_tiles.h"
#include <stdlib.h>

/// A per-thread buffer of at least `count` floats, grown (never shrunk) as needed: packing
/// allocates once per thread, not per product.
float *gym_pack_buffer(int which, long count) {
    static _Thread_local float *buffers[2];
    static _Thread_local long capacities[2];
    if (capacities[which] < count) {
        free(buffers[which]);
        long capacity = count < 4096 ? 4096 : count;
        buffers[which] = aligned_alloc(64, (size_t)((capacity * 4 + 63) / 64 * 64));
        capacities[which] = buffers[which] ? capacity : 0;
    }
    return buffers[which];
}

GYM_INLINE void copy4(const float *source, float *destination) { store4(load4(source), destination); }
PACK_A_PANELS(4, copy4)

GYM_INLINE void sgemm(long m, long n, long k, const float *a, long rs, long cs, const float *b,
                      float *c, int accumulate) {
    if (narrow_product(m, n, k, a, rs, cs, b, c, accumulate)) return;
    long row_tiles = m / 4 * 4;
    const float *panels = pack_a_panels_4(n, k, row_tiles, a, rs, cs);
    float *block = n >= PACK_B_MIN_COLUMNS && m >= PACK_B_MIN_ROWS ? gym_pack_buffer(1, K_BLOCK * 16) : NULL;
    // Column blocks outside, row tiles inside: a 16-column block of B stays in L1 while every
    // row tile passes over it. A packed block holds at most K_BLOCK steps of k (16 KiB): longer
    // products run in k-slices, each tile continuing its chain from what the last slice stored
    // (a float store loses nothing, so the bits are those of one unbroken chain).
    long j = 0;
    for (; j + 16 <= n; j += 16) {
        long slice = block ? K_BLOCK : (k > 0 ? k : 1);
        for (long k0 = 0; k0 == 0 || k0 < k; k0 += slice) {
            long kn = block && k - k0 > K_BLOCK ? K_BLOCK : k - k0;
            int continuing = accumulate || k0 > 0;
            const float *bj = b + k0 * n + j;
            long ldb = n;
            if (block) {
                for (long p = 0; p < kn; p++) {
                    store8(load8(bj + p * n), block + p * 16);
                    store8(load8(bj + p * n + 8), block + p * 16 + 8);
                }
                bj = block;
                ldb = 16;
            }
            long i = 0;
            for (; i < row_tiles; i += 4) {
                if (panels) {
                    tile4x16(panels + i * k + k0 * 4, 1, 4, bj, ldb, c + i * n + j, n, kn, continuing);
                } else {
                    tile4x16(a + i * rs + k0 * cs, rs, cs, bj, ldb, c + i * n + j, n, kn, continuing);
                }
            }
            for (; i < m; i++) {
                tile1x8(a + i * rs + k0 * cs, cs, bj, ldb, c + i * n + j, kn, continuing);
                tile1x8(a + i * rs + k0 * cs, cs, bj + 8, ldb, c + i * n + j + 8, kn, continuing);
            }
        }
    }
    for (; j + 8 <= n; j += 8) {
        long i = 0;
        for (; i < row_tiles; i += 4) {
            if (panels) {
                tile4x8(panels + i * k, 1, 4, b + j, n, c + i * n + j, n, k, accumulate);
            } else {
                tile4x8(a + i * rs, rs, cs, b + j, n, c + i * n + j, n, k, accumulate);
            }
        }
        for (; i < m; i++) tile1x8(a + i * rs, cs, b + j, n, c + i * n + j, k, accumulate);
    }
    if (j + 4 <= n) {
        long i = 0;
        for (; i < row_tiles; i += 4) {
            if (panels) {
                tile4x4(panels + i * k, 1, 4, b + j, n, c + i * n + j, n, k, accumulate);
            } else {
                tile4x4(a + i * rs, rs, cs, b + j, n, c + i * n + j, n, k, accumulate);
            }
        }
        for (; i < m; i++) tile1x4(a + i * rs, cs, b + j, n, c + i * n + j, k, accumulate);
        j += 4;
    }
    if (j < n) {
        for (long row = 0; row < m; row++) scalar_columns(row, j, n, k, a, rs, cs, b, c, accumulate);
    }
}

// The AVX-512 body is gym_matrix_wide.c's.
GYM_VERSIONS_WIDE(void, sgemm, gym_sgemm_avx512,
                  (long m, long n, long k, const float *a, long rs, long cs, const float *b, float *c, int accumulate),
                  (m, n, k, a, rs, cs, b, c, accumulate))

void gym_sgemm_bt(long m, long n, long k, const float *a, long rs, long cs, const float *bt, float *c, int accumulate,
                  float *scratch) {
#if defined(__x86_64__)
    if (gym_kernels_level() == GYM_KERNELS_AVX512) {
        gym_sgemm_bt_avx512(m, n, k, a, rs, cs, bt, c, accumulate, scratch);
        return;
    }
#endif
    gym_transpose(n, k, bt, scratch);
    gym_sgemm(m, n, k, a, rs, cs, scratch, c, accumulate);
}

// The fused passes: the AVX-512 body does the bias, the tanh and its derivative in the product's
// registers; the others run the passes one after another, which gives the same bits.
void gym_layer_forward(long m, long n, long k, const float *x, const float *w, const float *bias, float *y,
                       int activate_tanh) {
#if defined(__x86_64__)
    if (gym_kernels_level() == GYM_KERNELS_AVX512) {
        gym_layer_forward_avx512(m, n, k, x, w, bias, y, activate_tanh);
        return;
    }
#endif
    gym_fill_rows(y, m, n, bias);
    gym_sgemm(m, n, k, x, k, 1, w, y, 1);
    if (activate_tanh) gym_tanh_inplace(y, m * n);
}

void gym_sgemm_bt_tanh_derivative(long m, long n, long k, const float *a, const float *bt, float *c, const float *y,
                                  float *scratch) {
#if defined(__x86_64__)
    if (gym_kernels_level() == GYM_KERNELS_AVX512) {
        gym_sgemm_bt_tanh_derivative_avx512(m, n, k, a, bt, c, y, scratch);
        return;
    }
#endif
    gym_sgemm_bt(m, n, k, a, k, 1, bt, c, 0, scratch);
    gym_tanh_backward(y, c, m * n);
}

// The transpose itself is in gym_matrix_tiles.h, shared with the transposed-B product.
GYM_VERSIONS(void, transpose, (long rows, long columns, const float *source, float *destination),
             (rows, columns, source, destination))

void gym_weight_gradient(long m, long n, long k, const float *x, const float *dy, float *dw, float *db, int accumulate) {
#if defined(__x86_64__)
    if (gym_kernels_level() == GYM_KERNELS_AVX512) {
        gym_weight_gradient_avx512(m, n, k, x, dy, dw, db, accumulate);
        return;
    }
#endif
    gym_add_column_sums(dy, k, n, db);
    gym_sgemm(m, n, k, x, 1, m, dy, dw, accumulate);
}

void gym_head_backward(long rows, long in, long out, const float *dy, const float *w, const float *h, float *dw,
                       float *db, int accumulate, float *dx, float *scratch) {
#if defined(__x86_64__)
    if (gym_kernels_level() == GYM_KERNELS_AVX512) {
        if (gym_head_backward_avx512(rows, in, out, dy, w, h, dw, accumulate, dx)) {
            gym_add_column_sums(dy, rows, out, db);
            return;
        }
    }
#endif
    gym_weight_gradient(in, out, rows, h, dy, dw, db, accumulate);
    gym_sgemm_bt_tanh_derivative(rows, in, out, dy, w, dx, h, scratch);
}
