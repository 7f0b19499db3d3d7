import CLua
import Foundation
import Synchronization

/// The one thread that watches every live Lua state's current call and stops it when it runs
/// past its time limit, or when gym is stopping (Ctrl-C, SIGTERM, SIGHUP). A call's time is the
/// CPU time of the thread making it: a call that waits for a core on a loaded machine, or in a
/// process stopped with Ctrl-Z, is not running and is not charged (with wall-clock time, a
/// 100 ms reset starved to a tenth of a core ran out of a 1 s limit).
///
/// It sets a flag in the state's limits that the count hook and the pattern matcher (every 1024
/// steps) poll. A state with an instruction budget has its hook already (every 1000
/// instructions); one without gets a hook armed (`lua_sethook`, which Lua allows to be called
/// asynchronously) only when its call must stop, so scripts run unhooked, at full speed, until
/// then. Code that checks neither (a C library loop the sandbox did not fence off) cannot be
/// stopped safely from outside; if such a call is still running `grace` seconds after it was
/// asked to stop, the watchdog ends the process with a message rather than let gym hang.
public final class LuaWatchdog: Sendable {
    public static let shared = LuaWatchdog()

    /// Seconds a call may keep running after it was asked to stop.
    public static let grace = 5.0
    /// After a stop request, calls that have run this long are interrupted; shorter ones are
    /// left to finish, so training can stop at an update boundary with an exact checkpoint.
    public static let interruptAfter = 1.0
    /// Exit status when a stuck call ends the process (documented in docs/environments.md).
    public static let stuckExitCode: Int32 = 3

    private struct Watched: @unchecked Sendable {
        let limits: UnsafeMutablePointer<gym_limits>
        let name: String
        var serial: UInt64 = 0
        /// The calling thread's CPU time when the watchdog first saw the current call.
        var startCPU: Double = 0
        /// How long the current call had run when it was first asked to stop.
        var stopRequestedAt: Double?
    }

    private let watched = Mutex<[UInt: Watched]>([:])
    private let stopping = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private static let tick = 0.05

    private init() {}

    func register(_ limits: UnsafeMutablePointer<gym_limits>, name: String) {
        watched.withLock { $0[UInt(bitPattern: limits)] = Watched(limits: limits, name: name) }
        if !started.exchange(true, ordering: .sequentiallyConsistent) {
            let thread = Thread { [self] in run() }
            thread.stackSize = 256 << 10
            thread.start()
        }
    }

    /// Called before the limits are freed; the watchdog holds the lock while it reads them.
    func unregister(_ limits: UnsafeMutablePointer<gym_limits>) {
        _ = watched.withLock { $0.removeValue(forKey: UInt(bitPattern: limits)) }
    }

    /// From now on, script calls that run longer than `interruptAfter` are stopped.
    public func interruptRunningCalls() {
        stopping.store(true, ordering: .sequentiallyConsistent)
    }

    public var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }

    private func run() {
        while true {
            Thread.sleep(forTimeInterval: Self.tick)
            let stopping = isStopping
            watched.withLock { table in
                for key in table.keys {
                    guard var entry = table[key] else { continue }
                    inspect(&entry, stopping: stopping)
                    table[key] = entry
                }
            }
        }
    }

    private func inspect(_ entry: inout Watched, stopping: Bool) {
        let serial = gym_running_call(entry.limits)
        guard serial != 0 else { entry.serial = 0; entry.stopRequestedAt = nil; return }
        // The clock of a thread that is inside a call can always be read; if not, next tick.
        guard let now = Self.cpuSeconds(gym_call_clock(entry.limits)) else { return }
        guard serial == entry.serial else {
            // A call first seen now started within the last tick: count from here.
            entry.serial = serial
            entry.startCPU = now
            entry.stopRequestedAt = nil
            return
        }
        let elapsed = now - entry.startCPU
        let limit = Double(entry.limits.pointee.time_limit_ms) / 1000
        var kind: Int32?
        if limit > 0 && elapsed >= limit { kind = Int32(GYM_STOP_TIME) }
        if kind == nil && stopping && elapsed >= Self.interruptAfter { kind = Int32(GYM_STOP_INTERRUPT) }
        guard let kind else { return }
        gym_request_stop(entry.limits, serial, kind)
        // The grace period counts from the first request, not from the start of the call.
        let requestedAt = entry.stopRequestedAt ?? elapsed
        entry.stopRequestedAt = requestedAt
        if elapsed - requestedAt >= Self.grace {
            let message = "gym: \(entry.name): a call into the script is stuck in a library function "
                + "\(Int(elapsed)) s after it started and cannot be stopped safely; exiting\n"
            message.withCString { _ = write(2, $0, strlen($0)) }
            _exit(stopping ? 130 : Self.stuckExitCode)
        }
    }

    /// Seconds of CPU time on `clock` (a thread's CPU clock), or nil when it cannot be read.
    private static func cpuSeconds(_ clock: clockid_t) -> Double? {
        var time = timespec()
        guard clock_gettime(clock, &time) == 0 else { return nil }
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
