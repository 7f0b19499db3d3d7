import Dispatch
import Foundation
import Synchronization

/// Turns the first Ctrl-C into a request that training honours after the current update (it
/// saves a checkpoint and stops); a second Ctrl-C kills the process as usual.
final class InterruptFlag: @unchecked Sendable {
    private let raised = Atomic<Bool>(false)
    private var source: DispatchSourceSignal?

    init() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [self] in
            raised.store(true, ordering: .sequentiallyConsistent)
            signal(SIGINT, SIG_DFL)
        }
        source.resume()
        self.source = source
    }

    var isRaised: Bool { raised.load(ordering: .sequentiallyConsistent) }
}
