import Dispatch
import Foundation
import LuaBridge
import Synchronization

/// Turns the first SIGINT, SIGTERM or SIGHUP into a request that training honours after the
/// current update (it saves a checkpoint and stops): Ctrl-C, `timeout`, `docker stop`, systemd
/// and batch schedulers all stop training the same clean way. A script call that is still
/// running a second later is interrupted (LuaWatchdog). A second signal forces the exit.
final class InterruptFlag: @unchecked Sendable {
    static let signals: [(Int32, String)] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")]

    private let raised = Atomic<Int32>(0)
    private var sources: [DispatchSourceSignal] = []

    init() {
        for (number, name) in Self.signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in received(number, name: name) }
            source.resume()
            sources.append(source)
        }
    }

    private func received(_ number: Int32, name: String) {
        if raised.compareExchange(expected: 0, desired: number, ordering: .sequentiallyConsistent).exchanged {
            Console.error("\n\(name): stopping after the current update, with a checkpoint (send it again to force the exit)\n")
            LuaWatchdog.shared.interruptRunningCalls()
        } else {
            Console.error("\n\(name) again: exiting now, without saving\n")
            _exit(130)
        }
    }

    var isRaised: Bool { raised.load(ordering: .sequentiallyConsistent) != 0 }
}
