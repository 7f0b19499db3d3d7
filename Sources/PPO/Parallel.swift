import Dispatch

/// Runs `body(0..<count)` on `count` threads (the caller's included) and returns when all are
/// done. Work is split by index, never by timing, so results do not depend on scheduling.
/// Callers give each index disjoint memory to write; that is what makes the unchecked
/// sendability below sound.
@inline(__always)
func runInParallel(_ count: Int, _ body: (Int) -> Void) {
    if count == 1 { body(0); return }
    withoutActuallyEscaping(body) { escapable in
        nonisolated(unsafe) let task = escapable
        DispatchQueue.concurrentPerform(iterations: count) { task($0) }
    }
}
