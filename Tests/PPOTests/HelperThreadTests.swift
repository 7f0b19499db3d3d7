import Environments
import Foundation
import Testing
@testable import PPO

/// The helper thread outlives its owner by a little: it may still be leaving its loop when the
/// owner lets go. It must own what it reads (an `unowned` capture once crashed here).
@Suite struct HelperThreadTests {
    @Test func helpersStoppedAndReleasedAtOnceNeverCrash() {
        for round in 0..<1000 {
            var total = 0, helped = 0
            let helper = HelperThread()
            helper.fork({ total += round }, { helped += 1 })
            helper.stop()
            #expect(helped == 1 && total == round)
        }
    }

    /// Work handed over in the background runs on the helper; forks made meanwhile run both
    /// halves on the caller (the caller's first, so a claim goes to it), and after
    /// `waitForBackground` the background's writes are seen; then forks use the helper again.
    @Test func forksDuringBackgroundWorkRunOnTheCaller() {
        let helper = HelperThread()
        defer { helper.stop() }
        let callerID = UInt(pthread_self())
        final class Box: @unchecked Sendable { var threadID: UInt = 0; var sum = 0 }
        for round in 1...20 {
            let box = Box(), release = Handoff()
            helper.startInBackground {
                release.wait(for: 1)   // busy until the forks below are done
                box.threadID = UInt(pthread_self())
                box.sum = round * 3
            }
            #expect(helper.isBusyInBackground)
            let claim = Claim()
            var order: [String] = [], threads = Set<UInt>(), claimedBy = ""
            for serial in 1...3 {
                helper.fork({
                    order.append("caller"); threads.insert(UInt(pthread_self()))
                    if claim.take(serial) { claimedBy = "caller" }
                }, {
                    order.append("helper"); threads.insert(UInt(pthread_self()))
                    if claim.take(serial) { claimedBy = "helper" }
                })
            }
            #expect(order == ["caller", "helper", "caller", "helper", "caller", "helper"])
            #expect(threads == [callerID] && claimedBy == "caller")
            release.post(1)
            helper.waitForBackground()
            #expect(!helper.isBusyInBackground)
            #expect(box.sum == round * 3 && box.threadID != 0 && box.threadID != callerID)
            var helperThread: UInt = 0
            helper.fork({}, { helperThread = UInt(pthread_self()) })
            #expect(helperThread == box.threadID)
        }
    }

    /// A helper stopped right after it was handed background work still runs it first.
    @Test func stoppingWaitsForBackgroundWork() {
        for _ in 0..<200 {
            final class Flag: @unchecked Sendable { var ran = false }
            let flag = Flag()
            let helper = HelperThread()
            helper.startInBackground { flag.ran = true }
            helper.stop()
            #expect(flag.ran)
        }
    }

    /// Both threads of a fork ask for the same piece of each minibatch: exactly one gets it,
    /// whether they race, the helper asks first or this thread does.
    @Test func eachClaimGoesToExactlyOneThread() {
        let helper = HelperThread()
        defer { helper.stop() }
        let claim = Claim(), helperAsked = Handoff(), callerAsked = Handoff()
        for serial in 1...30_000 {
            var callerGot = false, helperGot = false
            switch serial % 3 {
            case 0:
                helper.fork({ callerGot = claim.take(serial) }, { helperGot = claim.take(serial) })
            case 1:
                helper.fork({ helperAsked.wait(for: serial); callerGot = claim.take(serial) },
                            { helperGot = claim.take(serial); helperAsked.post(serial) })
                #expect(helperGot, "serial \(serial)")
            default:
                helper.fork({ callerGot = claim.take(serial); callerAsked.post(serial) },
                            { callerAsked.wait(for: serial); helperGot = claim.take(serial) })
                #expect(callerGot, "serial \(serial)")
            }
            #expect(callerGot != helperGot, "serial \(serial)")
            #expect(!claim.take(serial))
        }
    }

    /// A bounded wait returns as soon as the serial is posted (at once if it already was), and
    /// gives up after its time without it.
    @Test func aBoundedWaitSeesAPostOrGivesUp() {
        let handoff = Handoff()
        handoff.post(1)
        #expect(handoff.wait(for: 1, atMost: 0))
        let started = DispatchTime.now().uptimeNanoseconds
        #expect(!handoff.wait(for: 2, atMost: 200_000))
        #expect(DispatchTime.now().uptimeNanoseconds - started >= 200_000)
        let helper = HelperThread()
        defer { helper.stop() }
        var seen = false
        helper.fork({ usleep(2_000); handoff.post(2) }, { seen = handoff.wait(for: 2, atMost: 10_000_000_000) })
        #expect(seen)
    }

    /// Forks that find the helper spinning, and forks that must wake it from its sleep (it
    /// sleeps after spinning a fraction of a millisecond without work): every task runs once,
    /// on the helper, and the join sees what it wrote.
    @Test func forksWakeASleepingHelperAndSeeItsWrites() {
        let helper = HelperThread()
        defer { helper.stop() }
        var helperThreadIDs = Set<UInt>()
        var sum = 0
        for round in 1...40 {
            if round % 4 == 0 { usleep(3_000) }   // long enough for the helper to go to sleep
            var written = 0
            var threadID: UInt = 0
            helper.fork({ sum += round }, {
                written = round * 10
                threadID = UInt(pthread_self())
            })
            #expect(written == round * 10)
            helperThreadIDs.insert(threadID)
        }
        #expect(sum == 820)
        let callerID = UInt(pthread_self())
        #expect(helperThreadIDs.count == 1 && !helperThreadIDs.contains(callerID))
    }

    /// The case: a training whose env returns NaN during the first rollout, so the
    /// trainer (and its helper) is torn down at once.
    @Test func trainingsThatFailInTheirFirstRolloutTearDownCleanly() throws {
        var settings = PPOSettings()
        settings.steps = 512
        settings.envs = 2
        settings.nSteps = 64
        settings.threads = 2
        for _ in 0..<200 {
            #expect(throws: (any Error).self) {
                _ = try Trainer(settings: settings) { _ in NaNAfter(steps: 30) }.train()
            }
        }
    }
}

/// A one-dimensional env whose reward turns NaN after a number of steps.
final class NaNAfter: Environment {
    let spec = EnvironmentSpec(name: "NaNAfter", observationSpace: .box(low: [-1], high: [1]),
                               actionSpace: .discrete(2), maxSteps: 1000)
    let limit: Int
    var steps = 0
    init(steps: Int) { limit = steps }
    func reset(seed: UInt64?, observation: UnsafeMutableBufferPointer<Double>) throws { observation[0] = 0 }
    func step(action: UnsafeBufferPointer<Double>, observation: UnsafeMutableBufferPointer<Double>) throws -> StepOutcome {
        steps += 1
        observation[0] = 0
        guard steps < limit else { throw EnvironmentError.nonFinite(script: "NaNAfter", function: "step", message: "NaN reward") }
        return StepOutcome(reward: 1, terminated: false)
    }
}
