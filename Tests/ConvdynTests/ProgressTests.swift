import Foundation
import Synchronization
import Testing

@testable import convdyn

/// What a ProgressDisplay writes, with a clock the test moves.
final class ProgressRecorder: Sendable {
    let text = Mutex("")
    let now = Mutex(0.0)

    func display(total: Int, terminal: Bool, colour: Bool = true) -> ProgressDisplay {
        ProgressDisplay(
            label: "run", unit: "steps", total: total, terminal: terminal, colour: colour,
            clock: { self.now.withLock { $0 } }, output: { s in self.text.withLock { $0 += s } })
    }

    var output: String { text.withLock { $0 } }
    func advanceClock(_ seconds: Double) { now.withLock { $0 += seconds } }
}

@Suite struct ProgressTests {
    @Test func offATerminalItPrintsAPlainLineAtEveryTenthWithoutEscapes() {
        let r = ProgressRecorder()
        let bar = r.display(total: 1000, terminal: false)
        for step in stride(from: 0, through: 1000, by: 5) {
            r.advanceClock(0.01)
            bar.update(step)
        }
        bar.finish()
        let lines = r.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 10)
        #expect(lines.first?.hasPrefix("run: 100/1000 steps (10%), ") == true)
        #expect(lines.last?.hasPrefix("run: 1000/1000 steps (100%), ") == true)
        #expect(!r.output.contains("\u{1B}") && !r.output.contains("\r"))
    }

    @Test func offATerminalALongQuietStretchStillGetsALineEvery30Seconds() {
        let r = ProgressRecorder()
        r.advanceClock(1_000_000)  // a real clock: the 30 s count from the start, not from the clock's zero
        let bar = r.display(total: 1000, terminal: false)
        bar.update(1)
        r.advanceClock(10)
        bar.update(2)
        #expect(r.output.isEmpty)
        r.advanceClock(25)
        bar.update(3)
        #expect(r.output == "run: 3/1000 steps (0%), 35.0 s elapsed, ETA 3 h 13 min\n")
    }

    @Test func theETAExtrapolatesTheElapsedTime() {
        let r = ProgressRecorder()
        let bar = r.display(total: 1000, terminal: false)
        r.advanceClock(10)
        bar.update(250)
        #expect(r.output == "run: 250/1000 steps (25%), 10.0 s elapsed, ETA 30.0 s\n")
        #expect(bar.plainLine(0, elapsed: 1) == "run: 0/1000 steps (0%), 1.0 s elapsed, ETA unknown")
        #expect(ProgressDisplay.duration(185) == "3 min 05 s")
        #expect(ProgressDisplay.duration(7380) == "2 h 03 min")
    }

    @Test func onATerminalTheBarIsRedrawnOnOneLineInColourUnlessNoColour() {
        let r = ProgressRecorder()
        let bar = r.display(total: 100, terminal: true)
        r.advanceClock(2)
        bar.update(50)
        bar.update(100)
        bar.finish()
        #expect(r.output.hasPrefix("\rrun [\u{1B}[32m############\u{1B}[2m------------\u{1B}[0m] 50% 50/100 steps, "))
        #expect(r.output.contains("ETA 2.0 s"))
        #expect(r.output.filter { $0 == "\n" }.count == 1 && r.output.hasSuffix("\n"))

        let plain = ProgressRecorder()
        let noColour = plain.display(total: 100, terminal: true, colour: false)
        noColour.update(50)
        noColour.finish()
        #expect(plain.output.hasPrefix("\rrun [############------------] 50% 50/100 steps, "))
        #expect(!plain.output.contains("\u{1B}"))
    }

    @Test func aLoggedLineReplacesTheBarAndTheBarIsRedrawnBelowIt() {
        let r = ProgressRecorder()
        let bar = r.display(total: 4, terminal: true, colour: false)
        bar.update(1)
        let drawn = r.output.count
        bar.log("seed 0 done")
        let after = String(r.output.dropFirst(drawn))
        // The line overwrites the whole bar (padded with spaces) and ends; the bar comes back after it.
        #expect(after.hasPrefix("\rseed 0 done   "))
        let parts = after.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(parts.count == 2 && parts[0].count == drawn && parts[1].hasPrefix("\rrun [######"))
    }

    @Test func noColourIsHonouredWhenSetToAnythingButEmpty() {
        #expect(TerminalStyle.colourAllowed(environment: [:]))
        #expect(TerminalStyle.colourAllowed(environment: ["NO_COLOR": ""]))
        #expect(!TerminalStyle.colourAllowed(environment: ["NO_COLOR": "1"]))
        // Never colour off a terminal.
        #expect(!ProgressDisplay(label: "x", unit: "runs", total: 1, terminal: false, colour: true).colour)
    }

    @Test func trainPrintsItsConfigOnlyWithVerbose() throws {
        let plain = try Train.parse(["--preset", "kp-bench"])
        let config = try plain.resolved()
        #expect(plain.configText(config, directory: "r") == nil)
        let verbose = try Train.parse(["--preset", "kp-bench", "--verbose"])
        let text = try #require(verbose.configText(config, directory: "r"))
        #expect(text.hasPrefix("config (r/config.json):\n{"))
        #expect(text.contains("\"preset\": \"kp-bench\""))
        #expect(
            try Train.parse(["--preset", "kp-bench", "--verbose", "--quiet"]).configText(config, directory: "r") == nil)
    }

    @Test func verifyProgressFollowsTheClaimNamedByEachLogLine() {
        let ids = ["A1", "A1b", "B2"]
        #expect(Verify.claimIndex(of: "A1: 3 runs of kp-bench…", in: ids) == 0)
        #expect(Verify.claimIndex(of: "A1b, standard: done in 2.0 s", in: ids) == 1)
        #expect(Verify.claimIndex(of: "B2: judged on the runs of A1", in: ids) == 2)
        #expect(Verify.claimIndex(of: "C1: skipped, no image data", in: ids) == nil)
    }
}
