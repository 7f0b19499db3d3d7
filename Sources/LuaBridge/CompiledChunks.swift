import CLua
import Foundation
import Synchronization

/// Bytecode of the chunks this process has compiled from text, so that the next state to load
/// the same text skips Lua's parser. Every env, evaluation and scenario makes a fresh state,
/// which runs the sandbox's prelude and then its script: parsing those two took 130-160 us of
/// the 190-260 us a CartPole env costs to make; loading their bytecode takes about 20 us.
///
/// Only text this process compiled itself becomes bytecode here (scripts still cannot load
/// binary chunks), and a hit needs the very same bytes under the same chunk name: an edited
/// script is compiled again. Thread-safe and bounded, since a long-lived process (tests, a
/// GymKit host) loads many scripts: `capacity` chunks (least recently used out first), each
/// of at most `largestSource` bytes of text (scripts are a page or two; a larger one is
/// compiled every time rather than held).
final class CompiledChunks: Sendable {
    static let shared = CompiledChunks()
    static let capacity = 64
    static let largestSource = 256 << 10

    private struct Entry {
        var source: [UInt8]
        var bytecode: [UInt8]
        var lastUse: UInt64
    }
    private let entries = Mutex<(chunks: [String: Entry], clock: UInt64)>(([:], 0))

    /// The bytecode compiled from exactly `source` under `name`, if this process has it.
    func bytecode(named name: String, source: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        entries.withLock { state in
            guard let start = source.baseAddress, var entry = state.chunks[name], entry.source.count == source.count,
                  entry.source.withUnsafeBufferPointer({ memcmp($0.baseAddress!, start, source.count) == 0 })
            else { return nil }
            state.clock += 1
            entry.lastUse = state.clock
            state.chunks[name] = entry
            return entry.bytecode
        }
    }

    /// How many chunks are kept (for tests).
    var count: Int { entries.withLock { $0.chunks.count } }

    func store(named name: String, source: UnsafeBufferPointer<UInt8>, bytecode: [UInt8]) {
        guard source.count <= Self.largestSource else { return }
        entries.withLock { state in
            if state.chunks[name] == nil, state.chunks.count >= Self.capacity,
               let oldest = state.chunks.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                state.chunks[oldest] = nil
            }
            state.clock += 1
            state.chunks[name] = Entry(source: Array(source), bytecode: bytecode, lastUse: state.clock)
        }
    }

    /// The function on top of `L`'s stack as bytecode, debug information kept (errors name
    /// the same lines and functions as from the text).
    static func dump(_ L: OpaquePointer) -> [UInt8] {
        var bytes: [UInt8] = []
        _ = withUnsafeMutablePointer(to: &bytes) { pointer in
            lua_dump(L, { _, data, size, context in
                guard let data, let context else { return 1 }
                let bytes = context.assumingMemoryBound(to: [UInt8].self)
                bytes.pointee.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size))
                return 0
            }, pointer, 0)
        }
        return bytes
    }
}
