extension UnsafeMutablePointer {
    /// A new block of `count` elements, each initialized to `value`: the preallocated buffers of
    /// the engine, created once and never resized.
    ///
    /// Each block starts on a cache line and fills whole lines: the kernels read and write
    /// 16-float (64-byte) vectors, and at the allocator's 16-byte alignment most of them
    /// straddled two lines (CartPole's minibatch 1-2% faster aligned, Pendulum's 256-wide
    /// update about 1.5%); no two buffers share a line, so two threads writing their own never
    /// contend for one. `deallocate()` frees these as any other block.
    static func allocate(count: Int, filledWith value: Pointee) -> UnsafeMutablePointer {
        let bytes = (Swift.max(count, 1) * MemoryLayout<Pointee>.stride + 63) / 64 * 64
        let block = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: Swift.max(64, MemoryLayout<Pointee>.alignment))
            .bindMemory(to: Pointee.self, capacity: count)
        block.initialize(repeating: value, count: count)
        return block
    }
}
