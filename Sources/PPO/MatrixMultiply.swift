/// Dense matrix products on flat row-major buffers: the arithmetic of every layer's forward and
/// backward pass. `multiply` runs `T.multiply` (for Float the C kernel, gym_matrix.c); this file's
/// `reference` is the same algorithm in Swift, run for Double and held equal to the C kernel by a
/// test. Written for the shapes PPO meets (batches of 8 to 512 rows, layers of 64), where
/// a 4-row x 16-column register tile keeps eight vector accumulators busy.
///
/// Every output element is computed by the same sequence of operations whichever tile computes
/// it (a fused multiply-add chain over k in increasing order, or, for outputs narrower than a
/// vector, a fixed-order dot product), so a row's result does not depend on how the rows are
/// split across threads.
public enum MatrixMultiply {
    /// C (m x n) = A B, or C += A B when `accumulate`. B is k x n row-major; C is m x n row-major.
    /// A's element (i, p) is read at `a[i * aRowStride + p * aColumnStride]`, so a transposed A
    /// (for weight gradients, Xᵀ dY) needs no copy.
    @inline(__always)
    static func multiply<T: NetworkScalar>(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<T>, aRowStride: Int, aColumnStride: Int,
        b: UnsafePointer<T>, c: UnsafeMutablePointer<T>, accumulate: Bool
    ) {
        T.multiply(m: m, n: n, k: k, a: a, aRowStride: aRowStride, aColumnStride: aColumnStride, b: b, c: c,
                   accumulate: accumulate)
    }

    /// `multiply` in Swift, in the C kernel's order of operations.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func reference<T: NetworkScalar>(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<T>, aRowStride: Int, aColumnStride: Int,
        b: UnsafePointer<T>, c: UnsafeMutablePointer<T>, accumulate: Bool
    ) {
        // Outputs narrower than a vector (policy and value heads): the column tiles would leave
        // them to scalar chains, so vectorize along the other side instead.
        if n < 8 && aColumnStride == 1 && k >= 8 {
            narrowDotProducts(m: m, n: n, k: k, a: a, rs: aRowStride, b: b, c: c, accumulate: accumulate)
            return
        }
        if n < 8 && aRowStride == 1 && m >= 8 {
            narrowColumns(m: m, n: n, k: k, a: a, cs: aColumnStride, b: b, c: c, accumulate: accumulate)
            return
        }
        // Column blocks outside, row tiles inside: a 16-column block of B stays in L1 while
        // every row tile passes over it.
        let rowTiles = m / 4 * 4
        var j = 0
        while j + 16 <= n {
            var i = 0
            while i < rowTiles {
                tile4x16(i: i, j: j, n: n, k: k, a: a, rs: aRowStride, cs: aColumnStride, b: b, c: c, accumulate: accumulate)
                i += 4
            }
            while i < m {
                tile1x8(i: i, j: j, n: n, k: k, a: a, rs: aRowStride, cs: aColumnStride, b: b, c: c, accumulate: accumulate)
                tile1x8(i: i, j: j + 8, n: n, k: k, a: a, rs: aRowStride, cs: aColumnStride, b: b, c: c, accumulate: accumulate)
                i += 1
            }
            j += 16
        }
        while j + 8 <= n {
            var i = 0
            while i < rowTiles {
                tile4x8(i: i, j: j, n: n, k: k, a: a, rs: aRowStride, cs: aColumnStride, b: b, c: c, accumulate: accumulate)
                i += 4
            }
            while i < m {
                tile1x8(i: i, j: j, n: n, k: k, a: a, rs: aRowStride, cs: aColumnStride, b: b, c: c, accumulate: accumulate)
                i += 1
            }
            j += 8
        }
        if j < n {
            for row in 0..<m {
                scalarColumns(row: row, from: j, n: n, k: k, a: a, rs: aRowStride, cs: aColumnStride, b: b, c: c, accumulate: accumulate)
            }
        }
    }

    /// Writes the transpose of `source` (rows x columns) into `destination` (columns x rows):
    /// `T.transpose` (for Float the C kernel); this is the plain version Double runs.
    static func referenceTranspose<T>(rows: Int, columns: Int, source: UnsafePointer<T>, destination: UnsafeMutablePointer<T>) {
        for r in 0..<rows {
            for c in 0..<columns { destination[c * rows + r] = source[r * columns + c] }
        }
    }

    // MARK: Narrow outputs

    /// C[i, j] = Σ_p A[i, p] B[p, j] with A's rows contiguous: eight-lane dot products along k,
    /// reduced in a fixed order. Each row's result depends on that row alone (four rows run
    /// side by side only to overlap their latencies), so splitting rows across threads cannot
    /// change it.
    @inline(never)
    private static func narrowDotProducts<T: NetworkScalar>(
        m: Int, n: Int, k: Int, a: UnsafePointer<T>, rs: Int, b: UnsafePointer<T>,
        c: UnsafeMutablePointer<T>, accumulate: Bool
    ) {
        let vectorEnd = k / 8 * 8
        for j in 0..<n {
            @inline(__always) func column(_ p: Int) -> SIMD8<T> {
                if n == 1 { return load(b + p) }
                let q = b + p * n + j
                return SIMD8(q[0], q[n], q[2 * n], q[3 * n], q[4 * n], q[5 * n], q[6 * n], q[7 * n])
            }
            @inline(__always) func finish(_ lanes: SIMD8<T>, row i: Int) {
                let half = lanes.lowHalf + lanes.highHalf
                let quarter = half.lowHalf + half.highHalf
                var sum: T = (accumulate ? c[i * n + j] : 0) + (quarter[0] + quarter[1])
                let row = a + i * rs
                for p in vectorEnd..<k { sum = sum.addingProduct(row[p], b[p * n + j]) }
                c[i * n + j] = sum
            }
            var i = 0
            while i + 4 <= m {
                let r0 = a + i * rs, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs
                var l0 = SIMD8<T>.zero, l1 = SIMD8<T>.zero, l2 = SIMD8<T>.zero, l3 = SIMD8<T>.zero
                var p = 0
                while p < vectorEnd {
                    let bp = column(p)
                    l0 = l0.addingProduct(load(r0 + p), bp)
                    l1 = l1.addingProduct(load(r1 + p), bp)
                    l2 = l2.addingProduct(load(r2 + p), bp)
                    l3 = l3.addingProduct(load(r3 + p), bp)
                    p += 8
                }
                finish(l0, row: i); finish(l1, row: i + 1); finish(l2, row: i + 2); finish(l3, row: i + 3)
                i += 4
            }
            while i < m {
                let r0 = a + i * rs
                var l0 = SIMD8<T>.zero
                var p = 0
                while p < vectorEnd { l0 = l0.addingProduct(load(r0 + p), column(p)); p += 8 }
                finish(l0, row: i)
                i += 1
            }
        }
    }

    /// C[i, j] = Σ_p A[p, i] B[p, j] with A stored k x m (a weight gradient Xᵀ dY into a head):
    /// eight rows of C at once, each one FMA chain over p.
    @inline(never)
    private static func narrowColumns<T: NetworkScalar>(
        m: Int, n: Int, k: Int, a: UnsafePointer<T>, cs: Int, b: UnsafePointer<T>,
        c: UnsafeMutablePointer<T>, accumulate: Bool
    ) {
        for j in 0..<n {
            var i = 0
            while i + 8 <= m {
                var x = SIMD8<T>.zero
                if accumulate { for lane in 0..<8 { x[lane] = c[(i + lane) * n + j] } }
                for p in 0..<k { x = x.addingProduct(load(a + p * cs + i), SIMD8(repeating: b[p * n + j])) }
                for lane in 0..<8 { c[(i + lane) * n + j] = x[lane] }
                i += 8
            }
            while i < m {
                var x: T = accumulate ? c[i * n + j] : 0
                for p in 0..<k { x = x.addingProduct(a[p * cs + i], b[p * n + j]) }
                c[i * n + j] = x
                i += 1
            }
        }
    }

    // MARK: Tiles

    @inline(__always)
    private static func load<T: NetworkScalar>(_ p: UnsafePointer<T>) -> SIMD8<T> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
    }

    @inline(__always)
    private static func store<T: NetworkScalar>(_ v: SIMD8<T>, _ p: UnsafeMutablePointer<T>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<T>.self)
    }

    @inline(__always)
    private static func start<T: NetworkScalar>(_ p: UnsafeMutablePointer<T>, _ accumulate: Bool) -> SIMD8<T> {
        accumulate ? load(UnsafePointer(p)) : .zero
    }

    @inline(__always)
    private static func tile4x16<T: NetworkScalar>(
        i: Int, j: Int, n: Int, k: Int, a: UnsafePointer<T>, rs: Int, cs: Int,
        b: UnsafePointer<T>, c: UnsafeMutablePointer<T>, accumulate: Bool
    ) {
        let c0 = c + i * n + j, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n
        var x00 = start(c0, accumulate), x01 = start(c0 + 8, accumulate)
        var x10 = start(c1, accumulate), x11 = start(c1 + 8, accumulate)
        var x20 = start(c2, accumulate), x21 = start(c2 + 8, accumulate)
        var x30 = start(c3, accumulate), x31 = start(c3 + 8, accumulate)
        let a0 = a + i * rs, a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs
        var bp = b + j
        var ap = 0
        for _ in 0..<k {
            let b0 = load(bp), b1 = load(bp + 8)
            let v0 = SIMD8(repeating: a0[ap]), v1 = SIMD8(repeating: a1[ap])
            let v2 = SIMD8(repeating: a2[ap]), v3 = SIMD8(repeating: a3[ap])
            x00 = x00.addingProduct(v0, b0); x01 = x01.addingProduct(v0, b1)
            x10 = x10.addingProduct(v1, b0); x11 = x11.addingProduct(v1, b1)
            x20 = x20.addingProduct(v2, b0); x21 = x21.addingProduct(v2, b1)
            x30 = x30.addingProduct(v3, b0); x31 = x31.addingProduct(v3, b1)
            bp += n
            ap += cs
        }
        store(x00, c0); store(x01, c0 + 8)
        store(x10, c1); store(x11, c1 + 8)
        store(x20, c2); store(x21, c2 + 8)
        store(x30, c3); store(x31, c3 + 8)
    }

    @inline(__always)
    private static func tile4x8<T: NetworkScalar>(
        i: Int, j: Int, n: Int, k: Int, a: UnsafePointer<T>, rs: Int, cs: Int,
        b: UnsafePointer<T>, c: UnsafeMutablePointer<T>, accumulate: Bool
    ) {
        let c0 = c + i * n + j, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n
        var x0 = start(c0, accumulate), x1 = start(c1, accumulate)
        var x2 = start(c2, accumulate), x3 = start(c3, accumulate)
        let a0 = a + i * rs, a1 = a0 + rs, a2 = a1 + rs, a3 = a2 + rs
        var bp = b + j
        var ap = 0
        for _ in 0..<k {
            let b0 = load(bp)
            x0 = x0.addingProduct(SIMD8(repeating: a0[ap]), b0)
            x1 = x1.addingProduct(SIMD8(repeating: a1[ap]), b0)
            x2 = x2.addingProduct(SIMD8(repeating: a2[ap]), b0)
            x3 = x3.addingProduct(SIMD8(repeating: a3[ap]), b0)
            bp += n
            ap += cs
        }
        store(x0, c0); store(x1, c1); store(x2, c2); store(x3, c3)
    }

    @inline(__always)
    private static func tile1x8<T: NetworkScalar>(
        i: Int, j: Int, n: Int, k: Int, a: UnsafePointer<T>, rs: Int, cs: Int,
        b: UnsafePointer<T>, c: UnsafeMutablePointer<T>, accumulate: Bool
    ) {
        let c0 = c + i * n + j
        var x0 = start(c0, accumulate)
        let a0 = a + i * rs
        var bp = b + j
        var ap = 0
        for _ in 0..<k {
            x0 = x0.addingProduct(SIMD8(repeating: a0[ap]), load(bp))
            bp += n
            ap += cs
        }
        store(x0, c0)
    }

    @inline(__always)
    private static func scalarColumns<T: NetworkScalar>(
        row i: Int, from j0: Int, n: Int, k: Int, a: UnsafePointer<T>, rs: Int, cs: Int,
        b: UnsafePointer<T>, c: UnsafeMutablePointer<T>, accumulate: Bool
    ) {
        guard j0 < n else { return }
        let a0 = a + i * rs
        for j in j0..<n {
            var x: T = accumulate ? c[i * n + j] : 0
            var bp = b + j
            var ap = 0
            for _ in 0..<k {
                x = x.addingProduct(a0[ap], bp[0])
                bp += n
                ap += cs
            }
            c[i * n + j] = x
        }
    }
}
