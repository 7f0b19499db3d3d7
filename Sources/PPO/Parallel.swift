import Dispatch
import Foundation
import Synchronization

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

/// A second thread for fork-joins that come thousands of times a second (one per minibatch).
/// Waking a sleeping thread costs tens of microseconds of kernel time, as much as the work, so
/// the helper spins briefly between tasks and only then sleeps.
final class HelperThread: @unchecked Sendable {
    private let posted = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleeping = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private var task: (() -> Void)?

    /// Spin iterations before sleeping: some tens of microseconds.
    private let spinLimit = 20_000

    init() {
        // The thread holds the helper strongly until its loop returns: its owner may let go of
        // the helper right after `stop()`, while the thread is still reading these fields.
        let thread = Thread { [self] in loop() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops the thread (which then releases the helper); call once when done with it.
    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        posted.add(1, ordering: .sequentiallyConsistent)
        wake.signal()
    }

    /// Runs `helperWork` on the helper and `callerWork` here, and returns when both are done.
    func fork(_ callerWork: () -> Void, _ helperWork: () -> Void) {
        withoutActuallyEscaping(helperWork) { escapable in
            task = escapable
            let generation = posted.add(1, ordering: .sequentiallyConsistent).newValue
            if sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
            callerWork()
            var spins = 0
            while finished.load(ordering: .acquiring) != generation {
                spins += 1
                if spins > spinLimit { sched_yield() }
            }
            task = nil
        }
    }

    private func loop() {
        var seen = 0
        while true {
            var spins = 0
            while posted.load(ordering: .acquiring) == seen {
                spins += 1
                if spins > spinLimit {
                    sleeping.store(true, ordering: .sequentiallyConsistent)
                    if posted.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                    sleeping.store(false, ordering: .sequentiallyConsistent)
                    spins = 0
                }
            }
            seen = posted.load(ordering: .acquiring)
            if stopping.load(ordering: .sequentiallyConsistent) { return }
            task?()
            finished.store(seen, ordering: .releasing)
        }
    }
}
