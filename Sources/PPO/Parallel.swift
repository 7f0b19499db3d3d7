import CKernels
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
/// the helper spins between tasks for a while (longer than the caller's serial work between two
/// minibatches or two rollouts) and only then sleeps.
final class HelperThread: @unchecked Sendable {
    private let posted = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleeping = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    /// Set while the helper runs work handed over by `startInBackground`.
    private let busyInBackground = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private var task: (() -> Void)?

    /// How long the helper spins for the next task before it sleeps. Counted in time, not
    /// iterations: 20,000 iterations were 5 microseconds on a fast core, shorter than the
    /// serial work between two minibatches, so the helper slept thousands of times per run.
    /// Not longer: with 2 ms the helper slept far less often when the host paused the caller
    /// (9 times instead of 54-119 in a 256x256 run), yet whole CartPole and Pendulum runs were
    /// 1-4% slower in alternating pairs (presumably the run files' writer thread, finding both
    /// cores busy, then takes the caller's).
    private static let spinNanoseconds: UInt64 = 300_000
    /// How long the caller spins for the helper to finish before yielding its core: a helper
    /// that is running finishes soon; one the host has descheduled is helped by yielding.
    private static let joinSpinNanoseconds: UInt64 = 50_000

    init() {
        // The thread holds the helper strongly until its loop returns: its owner may let go of
        // the helper right after `stop()`, while the thread is still reading these fields.
        let thread = Thread { [self] in loop() }
        // As large as a main thread's: env scripts run here too (the rollout's second slice).
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Stops the thread (which then releases the helper); call once when done with it.
    func stop() {
        waitForBackground()   // which a stop posted right after it could otherwise skip
        stopping.store(true, ordering: .sequentiallyConsistent)
        posted.add(1, ordering: .sequentiallyConsistent)
        wake.signal()
    }

    /// Runs `helperWork` on the helper and `callerWork` here, and returns when both are done.
    /// While the helper is busy with background work, both run here, the caller's first: so
    /// the two must never wait for each other, except through a `Claim` (which the first to
    /// ask wins) and what it hands over. Which thread runs a piece never changes its bits.
    func fork(_ callerWork: () -> Void, _ helperWork: () -> Void) {
        if isBusyInBackground {
            callerWork()
            helperWork()
            return
        }
        withoutActuallyEscaping(helperWork) { escapable in
            task = escapable
            let generation = posted.add(1, ordering: .sequentiallyConsistent).newValue
            if sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
            callerWork()
            var spin = Spin(limit: Self.joinSpinNanoseconds)
            while finished.load(ordering: .acquiring) != generation {
                if spin.expired() { sched_yield() }
            }
            task = nil
        }
    }

    /// Hands `work` to the helper and returns at once; until it is done, forks run on the
    /// caller alone (`fork`), and `waitForBackground` waits for it. One at a time.
    func startInBackground(_ work: @escaping () -> Void) {
        precondition(!isBusyInBackground, "one background task at a time")
        busyInBackground.store(true, ordering: .sequentiallyConsistent)
        // Unowned: `task` keeps the closure until the next fork replaces it, and a strong
        // capture would keep the helper alive after `stop`. The loop running it holds the helper.
        task = { [unowned self] in
            work()
            busyInBackground.store(false, ordering: .releasing)
        }
        posted.add(1, ordering: .sequentiallyConsistent)
        if sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
    }

    /// Whether background work is running.
    var isBusyInBackground: Bool { busyInBackground.load(ordering: .acquiring) }

    /// Returns once the background work (if any) is done; what it wrote is then visible here.
    func waitForBackground() {
        var spin = Spin(limit: Self.joinSpinNanoseconds)
        while isBusyInBackground {
            if spin.expired() { sched_yield() }
        }
    }

    private func loop() {
        var seen = 0
        while true {
            var spin = Spin(limit: Self.spinNanoseconds)
            while posted.load(ordering: .acquiring) == seen {
                if spin.expired() {
                    sleeping.store(true, ordering: .sequentiallyConsistent)
                    if posted.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                    sleeping.store(false, ordering: .sequentiallyConsistent)
                    spin = Spin(limit: Self.spinNanoseconds)
                }
            }
            seen = posted.load(ordering: .acquiring)
            if stopping.load(ordering: .sequentiallyConsistent) { return }
            task?()
            finished.store(seen, ordering: .releasing)
        }
    }
}

/// A spin-wait's budget in time: each check pauses the core briefly, and the clock is read only
/// every 64 checks (a read costs about as much as 64 pauses' worth of polling would gain).
struct Spin {
    let deadline: UInt64
    var checks = 0

    init(limit: UInt64) { deadline = DispatchTime.now().uptimeNanoseconds + limit }

    /// Pauses once; true once the budget is spent.
    mutating func expired() -> Bool {
        gym_spin_pause()
        checks &+= 1
        return checks & 63 == 0 && DispatchTime.now().uptimeNanoseconds >= deadline
    }
}

/// A one-way signal between the two threads of a fork, posted once per minibatch: the poster
/// stores the minibatch's serial number, the waiter spins until it sees it (yielding its core
/// after a while, in case the poster's was taken away).
final class Handoff: @unchecked Sendable {
    private let posted = Atomic<Int>(0)

    func post(_ serial: Int) { posted.store(serial, ordering: .releasing) }

    /// Whether `serial` was posted (without waiting).
    func isPosted(_ serial: Int) -> Bool { posted.load(ordering: .acquiring) == serial }

    /// Waits for `serial` at most about `nanoseconds` (spinning); whether it was posted.
    func wait(for serial: Int, atMost nanoseconds: UInt64) -> Bool {
        if isPosted(serial) { return true }
        var spin = Spin(limit: nanoseconds)
        while !isPosted(serial) {
            if spin.expired() { return isPosted(serial) }
        }
        return true
    }

    func wait(for serial: Int) {
        var spin = Spin(limit: 50_000)
        while posted.load(ordering: .acquiring) != serial {
            if spin.expired() { sched_yield() }
        }
    }
}

/// A piece of a minibatch's work that either thread of a fork may do: the first to ask for it
/// (for that minibatch's serial number) gets it. Which thread computes a piece never changes
/// its bits, so this balances the threads without touching the result.
final class Claim: @unchecked Sendable {
    private let claimed = Atomic<Int>(0)

    /// True for the first caller with this serial, false for the other.
    func take(_ serial: Int) -> Bool {
        var current = claimed.load(ordering: .relaxed)
        while current < serial {
            let (exchanged, original) = claimed.compareExchange(expected: current, desired: serial,
                                                                ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }
}
