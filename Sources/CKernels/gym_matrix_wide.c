// The AVX-512 body of gym_sgemm. Sixteen-float registers, and thirty-two of them: an 8-row x
// 32-column tile keeps sixteen accumulators busy, twice the arithmetic per instruction of the
// AVX2 body's 4 x 16 tile with a broadcast of A per eight multiply-adds instead of per two.
//
// The arithmetic is the AVX2 body's: every output element is one fused multiply-add chain over
// k in increasing order (or, for outputs narrower than eight, the same fixed-order dot products),
// so the bits are the same on every version and for any split of rows across threads. Only which
// tile computes an element, and what is packed where, differs.
#include "gym_matrix_tiles.h"

#if defined(__x86_64__)

// What a tile starts its chains from, and what it does to its sums before storing them: a
// layer's forward pass starts from the biases and ends in tanh, the gradient at a hidden
// layer's input ends in tanh's derivative (times 1 - y², y the layer's input, which has C's
// layout). Both are elementwise, so doing them per tile, on the sums just stored (still in L1),
// gives the bits of separate passes over the whole output.
enum { START_ZERO = 0, START_C = 1, START_BIAS = 2 };
enum { FINISH_STORE = 0, FINISH_TANH = 1, FINISH_TANH_DERIVATIVE = 2 };

// A tile of `rows` (at most 8) x `vectors` (1 or 2; up to 4 for one or two rows) registers of C. A's row r at step p is at
// a[r * rs + p * cs]; B's row p at b + p * ldb; C's rows are n apart, and so are those of `y`
// (the layer input whose tanh derivative FINISH_TANH_DERIVATIVE takes). `bias` holds the tile's
// columns of the biases. Callers pass constants for rows and vectors, so the loops unroll and
// the accumulators live in registers. `sums`, when not NULL, also gets the tile's columns of B
// added in, row after row (a weight gradient's bias gradient: the column sums of dY, which B
// is), in the order gym_add_column_sums adds them, so the bits are the same.
#define DEFINE_ROW_TILE(name, vector, load, store, tanh)                                                      \
    GYM_INLINE void name(int rows, int vectors, const float *a, long rs, long cs, const float *b, long ldb,    \
                         float *c, long n, long k, int start, const float *bias, int finish, const float *y,   \
                         float *sums) {                                                                       \
        enum { lanes = sizeof(vector) / sizeof(float) };                                                      \
        vector x[8][4];                                                                                       \
        vector column_sums[4];                                                                                \
        if (sums) {                                                                                           \
            for (int v = 0; v < vectors; v++) column_sums[v] = load(sums + lanes * v);                        \
        }                                                                                                     \
        for (int r = 0; r < rows; r++) {                                                                      \
            for (int v = 0; v < vectors; v++) {                                                               \
                x[r][v] = start == START_BIAS ? load(bias + lanes * v)                                        \
                        : start == START_C    ? load(c + r * n + lanes * v)                                   \
                                              : (vector)0.0f;                                                 \
            }                                                                                                 \
        }                                                                                                     \
        for (long p = 0; p < k; p++) {                                                                        \
            const float *bp = b + p * ldb, *ap = a + p * cs;                                                  \
            vector bv[4];                                                                                     \
            for (int v = 0; v < vectors; v++) bv[v] = load(bp + lanes * v);                                   \
            if (sums) {                                                                                       \
                for (int v = 0; v < vectors; v++) column_sums[v] += bv[v];                                    \
            }                                                                                                 \
            for (int r = 0; r < rows; r++) {                                                                  \
                vector s = ap[r * rs];                                                                        \
                for (int v = 0; v < vectors; v++) x[r][v] = __builtin_elementwise_fma(s, bv[v], x[r][v]);      \
            }                                                                                                 \
        }                                                                                                     \
        for (int r = 0; r < rows; r++) {                                                                      \
            for (int v = 0; v < vectors; v++) store(x[r][v], c + r * n + lanes * v);                          \
        }                                                                                                     \
        if (sums) {                                                                                           \
            for (int v = 0; v < vectors; v++) store(column_sums[v], sums + lanes * v);                        \
        }                                                                                                     \
        /* Read back from L1: finishing in registers spilled the accumulators from the loop above. */       \
        if (finish == FINISH_TANH) {                                                                          \
            for (int r = 0; r < rows; r++) {                                                                  \
                for (int v = 0; v < vectors; v++) {                                                           \
                    float *out = c + r * n + lanes * v;                                                       \
                    store(tanh(load(out)), out);                                                              \
                }                                                                                             \
            }                                                                                                 \
        } else if (finish == FINISH_TANH_DERIVATIVE) {                                                        \
            for (int r = 0; r < rows; r++) {                                                                  \
                for (int v = 0; v < vectors; v++) {                                                           \
                    float *out = c + r * n + lanes * v;                                                       \
                    vector yv = load(y + r * n + lanes * v);                                                  \
                    store(load(out) * (1.0f - yv * yv), out);                                                 \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    }

DEFINE_ROW_TILE(tile16, f16, load16, store16, tanh16)
DEFINE_ROW_TILE(tile8, f8, load8, store8, tanh8)
DEFINE_ROW_TILE(tile4, f4, load4, store4, tanh4)

// tile16 with the shape as constants (so its loops unroll and its accumulators stay in
// registers) for one or two rows of two to four vectors.
GYM_INLINE void short_rows(long m, long vectors, const float *a, long rs, long cs, const float *b, float *c, long n,
                           long k, int start, const float *bias, int finish) {
#define SHORT_ROWS(rows, vectors) tile16(rows, vectors, a, rs, cs, b, n, c, n, k, start, bias, finish, c, NULL)
    if (m == 2) {
        if (vectors == 4) SHORT_ROWS(2, 4); else if (vectors == 3) SHORT_ROWS(2, 3); else SHORT_ROWS(2, 2);
    } else if (m == 1) {
        if (vectors == 4) SHORT_ROWS(1, 4); else if (vectors == 3) SHORT_ROWS(1, 3); else SHORT_ROWS(1, 2);
    }
#undef SHORT_ROWS
}

// A packed 32-column block of B holds this many steps of k: 16 KiB, a third of L1.
enum { WIDE_K_BLOCK = 128, TILE_ROWS = 8 };

// block (steps x width, row-major) = the `width` rows of Bᵀ at `bt` (row stride k), steps
// 0..<steps of each, transposed: 8 x 8 pieces through registers, the last steps one by one.
GYM_INLINE void pack_transposed(const float *bt, long k, long width, long steps, float *block) {
    long whole = steps / 8 * 8;
    for (long v = 0; v < width; v += 8) {
        for (long p = 0; p < whole; p += 8) transpose8x8(bt + v * k + p, k, block + p * width + v, width);
        for (long p = whole; p < steps; p++) {
            for (long r = 0; r < 8; r++) block[p * width + v + r] = bt[(v + r) * k + p];
        }
    }
}

GYM_INLINE void copy8(const float *source, float *destination) { store8(load8(source), destination); }
PACK_A_PANELS(8, copy8)

// The rows of one column block: 8-row tiles (from A's packed panels when there are any), then
// the rows left as one tile of that many rows. `tile` is one of the tiles above, `vectors`
// constant; `start` and `finish` as the tiles take them, `bias` and `y` from sgemm_wide; the
// first tile also adds the block's column sums when `sums` (the block's) is not NULL.
#define RUN_ROWS(tile, vectors, bj, ldb, j, k0, kn, start, finish, sums)                                   \
    do {                                                                                                    \
        long i = 0;                                                                                         \
        for (; i < row_tiles; i += TILE_ROWS) {                                                             \
            float *tile_sums = i == 0 ? (sums) : NULL;                                                      \
            if (panels) {                                                                                   \
                tile(TILE_ROWS, vectors, panels + i * k + (k0) * TILE_ROWS, 1, TILE_ROWS, bj, ldb,         \
                     c + i * n + (j), n, kn, start, bias + (j), finish, y + i * n + (j), tile_sums);       \
            } else {                                                                                        \
                tile(TILE_ROWS, vectors, a + i * rs + (k0) * cs, rs, cs, bj, ldb, c + i * n + (j), n, kn,  \
                     start, bias + (j), finish, y + i * n + (j), tile_sums);                                \
            }                                                                                               \
        }                                                                                                   \
        float *tail_sums = i == 0 ? (sums) : NULL;                                                          \
        switch (m - i) { /* the rows left, as one tile: a layer's 3 or 4 inputs in a weight gradient */     \
        case 7: ROW_TAIL(tile, 7, vectors, bj, ldb, j, k0, kn, start, finish); break;                       \
        case 6: ROW_TAIL(tile, 6, vectors, bj, ldb, j, k0, kn, start, finish); break;                       \
        case 5: ROW_TAIL(tile, 5, vectors, bj, ldb, j, k0, kn, start, finish); break;                       \
        case 4: ROW_TAIL(tile, 4, vectors, bj, ldb, j, k0, kn, start, finish); break;                       \
        case 3: ROW_TAIL(tile, 3, vectors, bj, ldb, j, k0, kn, start, finish); break;                       \
        case 2: ROW_TAIL(tile, 2, vectors, bj, ldb, j, k0, kn, start, finish); break;                       \
        case 1: ROW_TAIL(tile, 1, vectors, bj, ldb, j, k0, kn, start, finish); break;                       \
        default: break;                                                                                     \
        }                                                                                                   \
    } while (0)

#define ROW_TAIL(tile, rows, vectors, bj, ldb, j, k0, kn, start, finish)                                  \
    tile(rows, vectors, a + i * rs + (k0) * cs, rs, cs, bj, ldb, c + i * n + (j), n, kn, start, bias + (j), \
         finish, y + i * n + (j), tail_sums)

// The finish of a tile, one element at a time (the last columns, which no vector covers): the
// 4-lane tanh with the element in one lane, which gives each lane the bits it gives any.
GYM_INLINE void finish_elements(float *c, long count, int finish, const float *y) {
    for (long e = 0; e < count; e++) {
        if (finish == FINISH_TANH) {
            c[e] = tanh4((f4)(c[e])).x;
        } else if (finish == FINISH_TANH_DERIVATIVE) {
            c[e] = c[e] * (1.0f - y[e] * y[e]);
        }
    }
}

// With `transposed`, b holds Bᵀ (n x k row-major, a layer's weights W for the input gradient
// dY Wᵀ): each block of B is then packed by transposing 8 x 8 pieces of W into L1, instead of
// the whole of W into a k x n copy first. Where a whole copy is simpler (outputs narrower than
// 16, the last few columns, no pack buffer) it goes to `scratch` (k x n).
//
// `bias` (n floats, or NULL) starts every row's chains from the biases instead of zero or C;
// `finish` (FINISH_*) is applied to each output as its tile is stored, `y` being C's twin for
// FINISH_TANH_DERIVATIVE. Outputs narrower than 16 columns take the plain product and then
// the same steps as separate passes.
//
// `column_sums` (n floats, or NULL; not with `transposed`) gets B's column sums added, as
// gym_add_column_sums adds them: by the first 8-row tile of each column block while B's block
// is in registers (a weight gradient Xᵀ dY and its bias gradient in one pass over dY), the
// columns no 16-wide block covers after. Other shapes sum in a separate pass: in the one tile
// of a 3- or 4-input first layer the sums doubled the product's time.
GYM_INLINE void sgemm_wide_body(long m, long n, long k, const float *a, long rs, long cs, const float *b, float *c,
                                int accumulate, int transposed, float *scratch, const float *bias, int finish,
                                const float *y, float *column_sums) {
    if (column_sums && (transposed || n < 16 || k < 2 || m < TILE_ROWS)) {
        gym_add_column_sums(b, k, n, column_sums);
        column_sums = NULL;
    }
    int first = bias ? START_BIAS : accumulate ? START_C : START_ZERO;
    // Never read unless asked for; set so that the tiles' pointer arithmetic stays defined.
    if (!bias) bias = c;
    if (!y) y = c;
    if (transposed && k == 1) transposed = 0;  // Bᵀ, n x 1, is B, 1 x n, in memory
    if (transposed && n < 16) {
        transpose(n, k, b, scratch);
        b = scratch;
        transposed = 0;
    }
    if (narrow_product(m, n, k, a, rs, cs, b, c, accumulate)) return;
    if (m <= 2 && !transposed && n % 16 == 0 && n <= 64 && n >= 32 && finish != FINISH_TANH_DERIVATIVE) {
        // One or two rows (acting on one observation; a rollout's slice of two envs) across all
        // of a 32- to 64-wide layer in one tile: in 32-column blocks, one after the other, each
        // block had only two or four chains in flight to hide the multiply-add's latency.
        short_rows(m, n / 16, a, rs, cs, b, c, n, k, first, bias, finish);
        return;
    }
    long row_tiles = m / TILE_ROWS * TILE_ROWS;
    const float *panels = pack_a_panels_8(n, k, row_tiles, a, rs, cs);
    float *block = transposed || (n >= PACK_B_MIN_COLUMNS && m >= PACK_B_MIN_ROWS)
                       ? gym_pack_buffer(1, WIDE_K_BLOCK * 32) : NULL;
    if (transposed && !block) {
        transpose(n, k, b, scratch);
        b = scratch;
        transposed = 0;
    }
    // Blocks of 32 columns (then one of 16) outside, row tiles inside: the block of B stays in
    // L1 while every row tile passes over it. A packed block holds WIDE_K_BLOCK steps of k:
    // longer products run in k-slices, each tile continuing its chain from what the last slice
    // stored (a float store loses nothing, so the bits are those of one unbroken chain); only
    // the last slice finishes.
    long j = 0;
    while (n - j >= 16) {
        long width = n - j >= 32 ? 32 : 16;
        long slice = block ? WIDE_K_BLOCK : (k > 0 ? k : 1);
        for (long k0 = 0; k0 == 0 || k0 < k; k0 += slice) {
            long kn = block && k - k0 > WIDE_K_BLOCK ? WIDE_K_BLOCK : k - k0;
            int start = k0 > 0 ? START_C : first;
            int last = k0 + kn >= k ? finish : FINISH_STORE;
            const float *bj = b + k0 * n + j;
            long ldb = n;
            if (transposed) {
                pack_transposed(b + j * k + k0, k, width, kn, block);
                bj = block;
                ldb = width;
            } else if (block) {
                for (long p = 0; p < kn; p++) {
                    for (long v = 0; v < width; v += 16) store16(load16(bj + p * n + v), block + p * width + v);
                }
                bj = block;
                ldb = width;
            }
            float *sums = column_sums ? column_sums + j : NULL;
            if (width == 32) {
                RUN_ROWS(tile16, 2, bj, ldb, j, k0, kn, start, last, sums);
            } else {
                RUN_ROWS(tile16, 1, bj, ldb, j, k0, kn, start, last, sums);
            }
        }
        j += width;
    }
    if (column_sums) {
        for (long p = 0; p < k; p++) {
            for (long column = j; column < n; column++) column_sums[column] += b[p * n + column];
        }
    }
    if (transposed && j < n) {
        // The last few columns of B, from their rows of Bᵀ, into the copy's layout.
        for (long p = 0; p < k; p++) {
            for (long column = j; column < n; column++) scratch[p * n + column] = b[column * k + p];
        }
        b = scratch;
    }
    if (j + 8 <= n) {
        RUN_ROWS(tile8, 1, b + j, n, j, 0, k, first, finish, NULL);
        j += 8;
    }
    if (j + 4 <= n) {
        RUN_ROWS(tile4, 1, b + j, n, j, 0, k, first, finish, NULL);
        j += 4;
    }
    if (j < n) {
        for (long row = 0; row < m; row++) {
            float *ci = c + row * n;
            if (first == START_BIAS) {
                for (long column = j; column < n; column++) ci[column] = bias[column];
            }
            scalar_columns(row, j, n, k, a, rs, cs, b, c, first != START_ZERO);
            finish_elements(ci + j, n - j, finish, y + row * n + j);
        }
    }
}

GYM_INLINE void sgemm_wide(long m, long n, long k, const float *a, long rs, long cs, const float *b, float *c,
                           int accumulate, int transposed, float *scratch, const float *bias, int finish,
                           const float *y) {
    if ((bias || finish != FINISH_STORE) && (n < 16 || k < 2)) {
        // The separate passes, as the other versions run them (gym_layer_forward).
        if (bias) gym_fill_rows(c, m, n, bias);
        sgemm_wide_body(m, n, k, a, rs, cs, b, c, accumulate || bias, transposed, scratch, NULL, FINISH_STORE, NULL, NULL);
        if (finish == FINISH_TANH) gym_tanh_inplace(c, m * n);
        if (finish == FINISH_TANH_DERIVATIVE) gym_tanh_backward(y, c, m * n);
        return;
    }
    sgemm_wide_body(m, n, k, a, rs, cs, b, c, accumulate, transposed, scratch, bias, finish, y, NULL);
}

__attribute__((target("avx512f,avx512vl,avx2,fma"))) void gym_sgemm_avx512(long m, long n, long k, const float *a,
                                                                            long rs, long cs, const float *b,
                                                                            float *c, int accumulate) {
    sgemm_wide(m, n, k, a, rs, cs, b, c, accumulate, 0, NULL, NULL, FINISH_STORE, NULL);
}

__attribute__((target("avx512f,avx512vl,avx2,fma"))) void gym_sgemm_bt_avx512(long m, long n, long k, const float *a,
                                                                               long rs, long cs, const float *bt,
                                                                               float *c, int accumulate,
                                                                               float *scratch) {
    sgemm_wide(m, n, k, a, rs, cs, bt, c, accumulate, 1, scratch, NULL, FINISH_STORE, NULL);
}

__attribute__((target("avx512f,avx512vl,avx2,fma"))) void gym_layer_forward_avx512(long m, long n, long k,
                                                                                   const float *x, const float *w,
                                                                                   const float *bias, float *y,
                                                                                   int activate_tanh) {
    sgemm_wide(m, n, k, x, k, 1, w, y, 0, 0, NULL, bias, activate_tanh ? FINISH_TANH : FINISH_STORE, NULL);
}

__attribute__((target("avx512f,avx512vl,avx2,fma"))) void gym_sgemm_bt_tanh_derivative_avx512(
    long m, long n, long k, const float *a, const float *bt, float *c, const float *y, float *scratch) {
    sgemm_wide(m, n, k, a, k, 1, bt, c, 0, 1, scratch, NULL, FINISH_TANH_DERIVATIVE, y);
}

__attribute__((target("avx512f,avx512vl,avx2,fma"))) void gym_weight_gradient_avx512(long m, long n, long k,
                                                                                     const float *x, const float *dy,
                                                                                     float *dw, float *db,
                                                                                     int accumulate) {
    sgemm_wide_body(m, n, k, x, 1, m, dy, dw, accumulate, 0, NULL, NULL, FINISH_STORE, NULL, db);
}

// A head's backward pass (a layer of one or two outputs on a tanh layer of 16 to 64) in one pass
// over the rows: the weight gradient's chains over the rows (narrow_columns' per element), and
// the input gradient through tanh (the 8 x 32 tile's chain over the outputs from zero, then
// times 1 - y²), both reading the row of tanh outputs once.
GYM_INLINE void head_backward(long rows, long in, long out, const float *dy, const float *w, const float *h,
                              float *dw, int accumulate, float *dx) {
    enum { MAX_VECTORS = 4, MAX_OUT = 2 };
    long vectors = in / 16;
    f16 weights[MAX_OUT][MAX_VECTORS], sums[MAX_OUT][MAX_VECTORS];
    for (long j = 0; j < out; j++) {
        for (long q = 0; q < vectors; q++) {
            for (int lane = 0; lane < 16; lane++) {
                weights[j][q][lane] = w[(16 * q + lane) * out + j];
                sums[j][q][lane] = accumulate ? dw[(16 * q + lane) * out + j] : 0.0f;
            }
        }
    }
    for (long r = 0; r < rows; r++) {
        const float *hr = h + r * in, *dyr = dy + r * out;
        float *dxr = dx + r * in;
        for (long q = 0; q < vectors; q++) {
            f16 y = load16(hr + 16 * q), x = 0.0f;
            for (long j = 0; j < out; j++) {
                f16 g = dyr[j];
                sums[j][q] = __builtin_elementwise_fma(y, g, sums[j][q]);
                x = __builtin_elementwise_fma(g, weights[j][q], x);
            }
            store16(x * (1.0f - y * y), dxr + 16 * q);
        }
    }
    for (long j = 0; j < out; j++) {
        for (long q = 0; q < vectors; q++) {
            for (int lane = 0; lane < 16; lane++) dw[(16 * q + lane) * out + j] = sums[j][q][lane];
        }
    }
}

// Whether head_backward covers the shape (and its fixed-size registers hold it).
GYM_INLINE int head_backward_covers(long in, long out) { return out >= 1 && out <= 2 && in % 16 == 0 && in >= 16 && in <= 64; }

__attribute__((target("avx512f,avx512vl,avx2,fma"))) int gym_head_backward_avx512(long rows, long in, long out,
                                                                                  const float *dy, const float *w,
                                                                                  const float *h, float *dw,
                                                                                  int accumulate, float *dx) {
    if (!head_backward_covers(in, out)) return 0;
    head_backward(rows, in, out, dy, w, h, dw, accumulate, dx);
    return 1;
}

#endif
