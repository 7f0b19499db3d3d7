import Foundation
import LuaBridge
import Synchronization

/// The signal that asked training to stop (0: none yet). A global, so the handler (a C
/// function pointer) can reach it without capturing anything.
private let receivedStopSignal = Atomic<Int32>(0)

private let firstMessage = Array("\nstopping after the current update, with a checkpoint (send the signal again to force the exit)\n".utf8)
private let secondMessage = Array("\nsecond signal: exiting now, without saving\n".utf8)

/// The handler runs on whatever thread the kernel picks, between any two instructions: it only
/// touches atomics and calls write(2) and _exit(2), which are async-signal-safe.
private func stopSignalHandler(_ number: Int32) {
    if receivedStopSignal.compareExchange(expected: 0, desired: number, ordering: .sequentiallyConsistent).exchanged {
        LuaWatchdog.shared.interruptRunningCalls()
        firstMessage.withUnsafeBufferPointer { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    } else {
        secondMessage.withUnsafeBufferPointer { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
        _exit(130)
    }
}

/// Turns the first SIGINT, SIGTERM or SIGHUP into a request that training honours after the
/// current update (it saves a checkpoint and stops): Ctrl-C, `timeout`, `docker stop`, systemd
/// and batch schedulers all stop training the same clean way. A script call that is still
/// running a second later is interrupted (LuaWatchdog). A second signal forces the exit.
///
/// A plain sigaction handler, not a dispatch source: a dispatch source needs the signal ignored,
/// and an ignored signal delivered to a thread other than the dispatch manager's is lost.
final class InterruptFlag: Sendable {
    static let signals: [(Int32, String)] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")]

    init() {
        // Globals are initialized lazily: here, never first inside the handler.
        _ = LuaWatchdog.shared
        _ = firstMessage.count + secondMessage.count
        for (number, _) in Self.signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = stopSignalHandler
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
    }

    var isRaised: Bool { receivedStopSignal.load(ordering: .sequentiallyConsistent) != 0 }

    /// The name of the signal received, for messages.
    var signalName: String {
        let number = receivedStopSignal.load(ordering: .sequentiallyConsistent)
        return Self.signals.first { $0.0 == number }?.1 ?? "a signal"
    }
}
