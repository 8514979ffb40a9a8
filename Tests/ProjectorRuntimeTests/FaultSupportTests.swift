import Foundation
import ProjectorTesting
import Testing

/// The fault-injection helpers themselves: commands, the cut-and-restore proxy, certificates.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct FaultSupportTests {
    @Test func commandRunnerReturnsOutputAndReportsFailures() async throws {
        let output = try await CommandRunner.run("/bin/sh", ["-c", "echo hello; echo ignored >&2"])
        #expect(output == "hello\n")
        let failure = await #expect(throws: FaultError.self) {
            try await CommandRunner.run("/bin/sh", ["-c", "echo broken >&2; exit 3"])
        }
        #expect(failure?.code == .commandFailed)
        #expect(failure?.message.contains("exit status 3: broken") == true)
    }

    @Test func commandRunnerReturnsWhileADaemonItStartedKeepsRunning() async throws {
        let started = ContinuousClock.now
        let output = try await CommandRunner.run("/bin/sh", ["-c", "sleep 5 & echo started"])
        #expect(output == "started\n")
        #expect(ContinuousClock.now - started < .seconds(4))
    }
}
