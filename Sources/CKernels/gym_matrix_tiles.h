// The pieces of gym_sgemm that its CPU versions share: the narrow-output paths, the 8- and
// 4-lane register tiles (the AVX2 body's tiles, and the AVX-512 body's column tails) and the
// packing constants. Always inlined, so each version compiles them for its own CPU.
#ifndef GYM_MATRIX_TILES_H
#define GYM_MATRIX_TILES_H

#include "gym_kernels_internal.h"

// MARK: Narrow outputs

// C[i, j] = Σ_p A[i, p] B[p, j] with A's rows contiguous: eight-lane dot products along k,
// reduced in a fixed order; four rows side by side only to overlap their latencies. B's column
// j is read at b + j * bcs + p * brs: B itself (brs = n, bcs = 1) or its transposed copy (brs =
// 1, bcs = k), whose columns load as vectors.
GYM_INLINE float narrow_finish(f8 lanes, long i, long j, long n, long k, long vector_end,
                               const float *a, long rs, const float *b, long brs, long bcs, const float *c,
                               int accumulate) {
    f4 half = lanes.lo + lanes.hi;
    f2 quarter = half.lo + half.hi;
    float sum = (accumulate ? c[i * n + j] : 0.0f) + (quarter.x + quarter.y);
    const float *row = a + i * rs;
    for (long p = vector_end; p < k; p++) sum = fmaf(row[p], b[p * brs + j * bcs], sum);
    return sum;
}

GYM_INLINE f8 narrow_column(const float *b, long p, long brs, long bcs, long j) {
    const float *q = b + p * brs + j * bcs;
    if (brs == 1) return load8(q);
    return (f8){q[0], q[brs], q[2 * brs], q[3 * brs], q[4 * brs], q[5 * brs], q[6 * brs], q[7 * brs]};
}

// `rows` rows of `columns` columns from (i, j) (constants: the loops unroll), each output its own
// chain, side by side to overlap their latencies; a row of A loaded once serves both columns
// of a pair.
GYM_INLINE void narrow_dot_block(int rows, int columns, long i, long j, long n, long k, long vector_end,
                                 const float *a, long rs, const float *b, long brs, long bcs, float *c,
                                 int accumulate) {
    f8 lanes[4][2];
    for (int r = 0; r < rows; r++) {
        for (int q = 0; q < columns; q++) lanes[r][q] = 0.0f;
    }
    for (long p = 0; p < vector_end; p += 8) {
        f8 b0 = narrow_column(b, p, brs, bcs, j), b1 = columns > 1 ? narrow_column(b, p, brs, bcs, j + 1) : b0;
        for (int r = 0; r < rows; r++) {
            f8 ar = load8(a + (i + r) * rs + p);
            lanes[r][0] = fma8(ar, b0, lanes[r][0]);
            if (columns > 1) lanes[r][1] = fma8(ar, b1, lanes[r][1]);
        }
    }
    // Each finish reads its own c before writing it, as the Swift reference does.
    for (int r = 0; r < rows; r++) {
        for (int q = 0; q < columns; q++) {
            c[(i + r) * n + j + q] = narrow_finish(lanes[r][q], i + r, j + q, n, k, vector_end, a, rs, b, brs, bcs, c,
                                                   accumulate);
        }
    }
}

GYM_INLINE void narrow_dot_products_body(long m, long n, long k, const float *a, long rs, const float *b,
                                         long brs, long bcs, float *c, int accumulate) {
    long vector_end = k / 8 * 8;
    long j = 0;
    for (; j + 2 <= n; j += 2) {
        long i = 0;
        for (; i + 4 <= m; i += 4) narrow_dot_block(4, 2, i, j, n, k, vector_end, a, rs, b, brs, bcs, c, accumulate);
        for (; i < m; i++) narrow_dot_block(1, 2, i, j, n, k, vector_end, a, rs, b, brs, bcs, c, accumulate);
    }
    for (; j < n; j++) {
        long i = 0;
        for (; i + 4 <= m; i += 4) narrow_dot_block(4, 1, i, j, n, k, vector_end, a, rs, b, brs, bcs, c, accumulate);
        for (; i < m; i++) narrow_dot_block(1, 1, i, j, n, k, vector_end, a, rs, b, brs, bcs, c, accumulate);
    }
}

// Two to seven columns (a categorical head's logits, a few action means) read from a
// transposed copy of B on the stack when it fits: each step of a column is then one vector
// load instead of eight built from scalars. With the column pairs above, CartPole's 256 x 64 x 2
// head takes 1.2 instead of 2.2 us (of an 18 us forward pass). The same values reach the same
// multiply-adds, so the bits do not change.
enum { NARROW_TRANSPOSE_MAX = 2048 };

GYM_INLINE void narrow_dot_products(long m, long n, long k, const float *a, long rs, const float *b,
                                    float *c, int accumulate) {
    if (n == 1) {
        narrow_dot_products_body(m, 1, k, a, rs, b, 1, 1, c, accumulate);
    } else if (n * k <= NARROW_TRANSPOSE_MAX && m >= 8) {
        float columns[NARROW_TRANSPOSE_MAX] __attribute__((aligned(64)));
        for (long j = 0; j < n; j++) {
            for (long p = 0; p < k; p++) columns[j * k + p] = b[p * n + j];
        }
        narrow_dot_products_body(m, n, k, a, rs, columns, 1, k, c, accumulate);
    } else {
        narrow_dot_products_body(m, n, k, a, rs, b, n, 1, c, accumulate);
    }
}

// C[i, j] = Σ_p A[p, i] B[p, j] with A stored k x m (a weight gradient Xᵀ dY into a head): eight
// rows of C at once, each one FMA chain over p; 64 or 32 rows in eight or four interleaved chains
// where there are that many (one chain at a time waits on each multiply-add's latency, and a
// 64-wide head's weight gradient over 256 rows is 256 steps long).
// `vectors` (1, 4 or 8: a constant, so the loops unroll) vectors of rows from row i of column j.
GYM_INLINE void narrow_column_rows(int vectors, long i, long j, long n, long k, const float *a, long cs,
                                   const float *b, float *c, int accumulate) {
    f8 x[8];
    for (int v = 0; v < vectors; v++) {
        x[v] = 0.0f;
        if (accumulate) {
            for (int lane = 0; lane < 8; lane++) x[v][lane] = c[(i + 8 * v + lane) * n + j];
        }
    }
    for (long p = 0; p < k; p++) {
        f8 bp = b[p * n + j];
        const float *ap = a + p * cs + i;
        for (int v = 0; v < vectors; v++) x[v] = fma8(load8(ap + 8 * v), bp, x[v]);
    }
    for (int v = 0; v < vectors; v++) {
        for (int lane = 0; lane < 8; lane++) c[(i + 8 * v + lane) * n + j] = x[v][lane];
    }
}

GYM_INLINE void narrow_columns(long m, long n, long k, const float *a, long cs, const float *b,
                               float *c, int accumulate) {
    for (long j = 0; j < n; j++) {
        long i = 0;
        for (; i + 64 <= m; i += 64) narrow_column_rows(8, i, j, n, k, a, cs, b, c, accumulate);
        for (; i + 32 <= m; i += 32) narrow_column_rows(4, i, j, n, k, a, cs, b, c, accumulate);
        for (; i + 8 <= m; i += 8) narrow_column_rows(1, i, j, n, k, a, cs, b, c, accumulate);
        for (; i < m; i++) {
            float x = accumulate ? c[i * n + j] : 0.0f;
            for (long p = 0; p < k; p++) x = fmaf(a[p * cs + i], b[p * n + j], x);
            c[i * n + j] = x;
        }
    }
}

// MARK: Tiles
//
// A tile reads A from `a` (its first row) with `rs` between rows and `cs` between steps along
// k, and B from `b` (its first column) with `ldb` between rows; C has `n` between rows.

GYM_INLINE f8 start8(const float *p, int accumulate) { return accumulate ? load8(p) : (f8)(0.0f); }

GYM_INLINE void tile4x16(const float *a, long rs, long cs, const float *b, long ldb, float *c, long n, long k,
                         int accumulate) {
    float *c0 = c, *c1 = c0 + n, *c2 = c1 + n, *c3 = c2 + n;
    f8 x00 = start8(c0, accumulate), x01 = start8(c0 + 8, accumulate);
    f8 x10 = start8(c1, accumulate), x11 = start8(c1 + 8, accumulate);
    f8 x20 = start8(c2, accumulate), x21 = start8(c2 + 8, accumulate);
    f8 x30 = start8(c3, accumulate), x31 = start8(c3 + 8, accumulate);
    const float *a0 = a, *a1 = a0 + rs, *a2 = a1 + rs, *a3 = a2 + rs;
    const float *bp = b;
    long ap = 0;
    for (long p = 0; p < k; p++) {
        f8 b0 = load8(bp), b1 = load8(bp + 8);
        f8 v0 = a0[ap], v1 = a1[ap], v2 = a2[ap], v3 = a3[ap];
        x00 = fma8(v0, b0, x00); x01 = fma8(v0, b1, x01);
        x10 = fma8(v1, b0, x10); x11 = fma8(v1, b1, x11);
        x20 = fma8(v2, b0, x20); x21 = fma8(v2, b1, x21);
        x30 = fma8(v3, b0, x30); x31 = fma8(v3, b1, x31);
        bp += ldb;
        ap += cs;
    }
    store8(x00, c0); store8(x01, c0 + 8);
    store8(x10, c1); store8(x11, c1 + 8);
    store8(x20, c2); store8(x21, c2 + 8);
    store8(x30, c3); store8(x31, c3 + 8);
}

GYM_INLINE void tile4x8(const float *a, long rs, long cs, const float *b, long ldb, float *c, long n, long k,
                        int accumulate) {
    float *c0 = c, *c1 = c0 + n, *c2 = c1 + n, *c3 = c2 + n;
    f8 x0 = start8(c0, accumulate), x1 = start8(c1, accumulate);
    f8 x2 = start8(c2, accumulate), x3 = start8(c3, accumulate);
    const float *a0 = a, *a1 = a0 + rs, *a2 = a1 + rs, *a3 = a2 + rs;
    const float *bp = b;
    long ap = 0;
    for (long p = 0; p < k; p++) {
        f8 b0 = load8(bp);
        x0 = fma8((f8)(a0[ap]), b0, x0);
        x1 = fma8((f8)(a1[ap]), b0, x1);
        x2 = fma8((f8)(a2[ap]), b0, x2);
        x3 = fma8((f8)(a3[ap]), b0, x3);
        bp += ldb;
        ap += cs;
    }
    store8(x0, c0); store8(x1, c1); store8(x2, c2); store8(x3, c3);
}

GYM_INLINE void tile1x8(const float *a, long cs, const float *b, long ldb, float *c, long k, int accumulate) {
    f8 x0 = start8(c, accumulate);
    const float *bp = b;
    long ap = 0;
    for (long p = 0; p < k; p++) {
        x0 = fma8((f8)(a[ap]), load8(bp), x0);
        bp += ldb;
        ap += cs;
    }
    store8(x0, c);
}

/* Four columns left over (a 300-wide layer: 18 blocks of 16, one of 8, then these four): 4-wide
   vectors, each lane the same fused chain over k as the scalar code below would compute. */
GYM_INLINE f4 load4(const float *p) {
    f4 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
GYM_INLINE void store4(f4 v, float *p) { __builtin_memcpy(p, &v, sizeof v); }
GYM_INLINE f4 start4(const float *p, int accumulate) { return accumulate ? load4(p) : (f4)(0.0f); }

GYM_INLINE void tile4x4(const float *a, long rs, long cs, const float *b, long ldb, float *c, long n, long k,
                        int accumulate) {
    float *c0 = c, *c1 = c0 + n, *c2 = c1 + n, *c3 = c2 + n;
    f4 x0 = start4(c0, accumulate), x1 = start4(c1, accumulate);
    f4 x2 = start4(c2, accumulate), x3 = start4(c3, accumulate);
    const float *a0 = a, *a1 = a0 + rs, *a2 = a1 + rs, *a3 = a2 + rs;
    const float *bp = b;
    long ap = 0;
    for (long p = 0; p < k; p++) {
        f4 b0 = load4(bp);
        x0 = __builtin_elementwise_fma((f4)(a0[ap]), b0, x0);
        x1 = __builtin_elementwise_fma((f4)(a1[ap]), b0, x1);
        x2 = __builtin_elementwise_fma((f4)(a2[ap]), b0, x2);
        x3 = __builtin_elementwise_fma((f4)(a3[ap]), b0, x3);
        bp += ldb;
        ap += cs;
    }
    store4(x0, c0); store4(x1, c1); store4(x2, c2); store4(x3, c3);
}

GYM_INLINE void tile1x4(const float *a, long cs, const float *b, long ldb, float *c, long k, int accumulate) {
    f4 x0 = start4(c, accumulate);
    const float *bp = b;
    long ap = 0;
    for (long p = 0; p < k; p++) {
        x0 = __builtin_elementwise_fma((f4)(a[ap]), load4(bp), x0);
        bp += ldb;
        ap += cs;
    }
    store4(x0, c);
}

GYM_INLINE void scalar_columns(long i, long j0, long n, long k, const float *a, long rs, long cs,
                               const float *b, float *c, int accumulate) {
    const float *a0 = a + i * rs;
    for (long j = j0; j < n; j++) {
        float x = accumulate ? c[i * n + j] : 0.0f;
        const float *bp = b + j;
        long ap = 0;
        for (long p = 0; p < k; p++) {
            x = fmaf(a0[ap], bp[0], x);
            bp += n;
            ap += cs;
        }
        c[i * n + j] = x;
    }
}

// MARK: Transpose

// destination (columns x rows) = sourceᵀ: 8 x 8 blocks through registers (24 shuffles each),
// the edges element by element. A row-by-row transpose writes each element to another cache
// line, and at 256 x 256 that cost a fifth of a training step.
GYM_INLINE void transpose8x8(const float *source, long source_stride, float *destination, long destination_stride) {
    f8 r0 = load8(source), r1 = load8(source + source_stride);
    f8 r2 = load8(source + 2 * source_stride), r3 = load8(source + 3 * source_stride);
    f8 r4 = load8(source + 4 * source_stride), r5 = load8(source + 5 * source_stride);
    f8 r6 = load8(source + 6 * source_stride), r7 = load8(source + 7 * source_stride);
    f8 t0 = __builtin_shufflevector(r0, r1, 0, 8, 1, 9, 4, 12, 5, 13);
    f8 t1 = __builtin_shufflevector(r0, r1, 2, 10, 3, 11, 6, 14, 7, 15);
    f8 t2 = __builtin_shufflevector(r2, r3, 0, 8, 1, 9, 4, 12, 5, 13);
    f8 t3 = __builtin_shufflevector(r2, r3, 2, 10, 3, 11, 6, 14, 7, 15);
    f8 t4 = __builtin_shufflevector(r4, r5, 0, 8, 1, 9, 4, 12, 5, 13);
    f8 t5 = __builtin_shufflevector(r4, r5, 2, 10, 3, 11, 6, 14, 7, 15);
    f8 t6 = __builtin_shufflevector(r6, r7, 0, 8, 1, 9, 4, 12, 5, 13);
    f8 t7 = __builtin_shufflevector(r6, r7, 2, 10, 3, 11, 6, 14, 7, 15);
    f8 u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);
    f8 u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
    f8 u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);
    f8 u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
    f8 u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);
    f8 u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
    f8 u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);
    f8 u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
    store8(__builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11), destination);
    store8(__builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11), destination + destination_stride);
    store8(__builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11), destination + 2 * destination_stride);
    store8(__builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11), destination + 3 * destination_stride);
    store8(__builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15), destination + 4 * destination_stride);
    store8(__builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15), destination + 5 * destination_stride);
    store8(__builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15), destination + 6 * destination_stride);
    store8(__builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15), destination + 7 * destination_stride);
}

GYM_INLINE void transpose(long rows, long columns, const float *source, float *destination) {
    long row_blocks = rows / 8 * 8, column_blocks = columns / 8 * 8;
    for (long r = 0; r < row_blocks; r += 8) {
        for (long c = 0; c < column_blocks; c += 8) {
            transpose8x8(source + r * columns + c, columns, destination + c * rows + r, rows);
        }
        for (long rr = r; rr < r + 8; rr++) {
            for (long c = column_blocks; c < columns; c++) destination[c * rows + rr] = source[rr * columns + c];
        }
    }
    for (long r = row_blocks; r < rows; r++) {
        for (long c = 0; c < columns; c++) destination[c * rows + r] = source[r * columns + c];
    }
}

// MARK: Packing
//
// At 256 columns B's rows are 1 KiB apart, so the k rows of a 16-column block fall into a few
// L1 sets and evict each other; A read transposed (a weight gradient) has the same problem
// along k. Above these sizes the block of B, and A's row tiles, are first copied into
// contiguous panels. Copies change no arithmetic: the bits are the same.

// B is packed only for products of PACK_B_MIN_ROWS rows or more: packing copies all of B once
// per call, which pays only when enough row tiles reuse the blocks (at 256 x 256 on AVX-512, 8
// and 16 rows ran 1.3-1.9x slower packed: an env slice's forward pass in the rollout; 32 rows
// broke even).
enum { PACK_B_MIN_COLUMNS = 128, PACK_B_MIN_ROWS = 32, PACK_A_MIN_STRIDE = 128, K_BLOCK = 256 };

/// A per-thread buffer of at least `count` floats (`which` is 0 or 1), grown (never shrunk) as
/// needed: packing allocates once per thread, not per product. NULL if memory ran out.
float *gym_pack_buffer(int which, long count);

/// Outputs narrower than a vector (policy and value heads): the column tiles would leave them to
/// scalar chains, so these vectorize along the other side instead. Returns whether it ran one.
// k = 1 (the input gradient of a layer with one output, dY Wᵀ into a value or one-action head):
// every element one multiply-add, as every other path would do it, without a tile's set-up.
GYM_INLINE void outer_product(long m, long n, const float *a, long rs, const float *b, float *c, int accumulate) {
    for (long i = 0; i < m; i++) {
        f8 s = a[i * rs];
        float *ci = c + i * n;
        long j = 0;
        for (; j + 8 <= n; j += 8) store8(fma8(s, load8(b + j), accumulate ? load8(ci + j) : (f8)(0.0f)), ci + j);
        for (; j < n; j++) ci[j] = fmaf(a[i * rs], b[j], accumulate ? ci[j] : 0.0f);
    }
}

GYM_INLINE int narrow_product(long m, long n, long k, const float *a, long rs, long cs, const float *b, float *c,
                              int accumulate) {
    if (k == 1) {
        outer_product(m, n, a, rs, b, c, accumulate);
        return 1;
    }
    if (n < 8 && cs == 1 && k >= 8) {
        narrow_dot_products(m, n, k, a, rs, b, c, accumulate);
        return 1;
    }
    if (n < 8 && rs == 1 && m >= 8) {
        narrow_columns(m, n, k, a, cs, b, c, accumulate);
        return 1;
    }
    return 0;
}

/// A's first `row_tiles` rows as panels of k steps x `rows` (4 or 8) rows, so a tile reads
/// consecutive floats; NULL (read A in place) when A is not read with a long stride along k or
/// no buffer could be had. `copy_rows` copies one step's `rows` neighbours when rs is 1 (Xᵀ of
/// a row-major X, the weight gradients).
#define PACK_A_PANELS(rows, copy_rows)                                                                  \
    GYM_INLINE const float *pack_a_panels_##rows(long n, long k, long row_tiles, const float *a, long rs, \
                                                 long cs) {                                             \
        if (cs < PACK_A_MIN_STRIDE || row_tiles == 0 || n < 16) return NULL;                            \
        float *packed = gym_pack_buffer(0, row_tiles * k);                                              \
        if (!packed) return NULL;                                                                       \
        for (long i = 0; i < row_tiles; i += rows) {                                                    \
            float *panel = packed + i * k;                                                              \
            if (rs == 1) {                                                                              \
                for (long p = 0; p < k; p++) copy_rows(a + i + p * cs, panel + p * rows);               \
            } else {                                                                                    \
                for (long p = 0; p < k; p++) {                                                          \
                    for (long r = 0; r < rows; r++) panel[p * rows + r] = a[(i + r) * rs + p * cs];     \
                }                                                                                       \
            }                                                                                           \
        }                                                                                               \
        return packed;                                                                                  \
    }

#endif
