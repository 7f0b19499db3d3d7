extension UnsafeMutablePointer {
    /// A new block of `count` elements, each initialized to `value`: the preallocated buffers of
    /// the engine, created once and never resized.
    static func allocate(count: Int, filledWith value: Pointee) -> UnsafeMutablePointer {
        let block = allocate(capacity: count)
        block.initialize(repeating: value, count: count)
        return block
    }
}
