import ArgumentParser
import Experiments
import Foundation
import Synchronization

/// The terminal's conventions: whether stderr is a terminal, and whether colour is allowed there
/// (not when `NO_COLOR` is set to anything but the empty string, https://no-color.org).
enum TerminalStyle {
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    static func colourAllowed(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        (environment["NO_COLOR"] ?? "").isEmpty
    }
}

/// The shared text of the `--progress` flags.
enum ProgressOption {
    static func help(_ more: String = "") -> ArgumentHelp {
        ArgumentHelp(
            "Show progress on stderr: a bar with the ETA redrawn on one line on a terminal, a plain line every "
                + "10% (and every 30 s) otherwise; NO_COLOR turns colour off." + more)
    }
}

/// Progress on stderr for `--progress`: on a terminal a bar redrawn on one line with the ETA (in
/// colour unless `NO_COLOR`), otherwise a plain line at every 10% and at least every 30 s.
/// Safe to update from several threads; `log` prints a whole line above the bar.
final class ProgressDisplay: Sendable {
    private struct State {
        var done = 0
        var lastDecile = 0
        var lastLine: Double = 0
        var drawnWidth = 0
    }

    let label: String
    let unit: String
    let total: Int
    let terminal: Bool
    let colour: Bool
    private let start: Double
    private let clock: @Sendable () -> Double
    private let output: @Sendable (String) -> Void
    private let state = Mutex(State())
    static let lineInterval: Double = 30

    init(
        label: String, unit: String, total: Int, terminal: Bool = TerminalStyle.stderrIsTerminal,
        colour: Bool = TerminalStyle.colourAllowed(),
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSinceReferenceDate },
        output: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    ) {
        self.label = label
        self.unit = unit
        self.total = max(total, 1)
        self.terminal = terminal
        self.colour = terminal && colour
        self.clock = clock
        self.output = output
        self.start = clock()
        state.withLock { $0.lastLine = start }
    }

    /// `done` of `total` units are finished.
    func update(_ done: Int) {
        state.withLock { state in
            state.done = min(max(done, 0), total)
            show(&state, force: false)
        }
    }

    /// One more unit is finished.
    func advance() {
        state.withLock { state in
            state.done = min(state.done + 1, total)
            show(&state, force: false)
        }
    }

    /// Prints `line` whole, above the bar on a terminal.
    func log(_ line: String) {
        state.withLock { state in
            if terminal && state.drawnWidth > 0 {
                output("\r" + pad(line, to: state.drawnWidth) + "\n")
                state.drawnWidth = 0
                show(&state, force: true)
            } else {
                output(line + "\n")
            }
        }
    }

    /// Ends the bar's line on a terminal (after a last redraw); elsewhere prints the last line if
    /// the last one printed was not at the end.
    func finish() {
        state.withLock { state in
            if terminal {
                show(&state, force: true)
                output("\n")
                state.drawnWidth = 0
            } else if state.lastDecile < 10 || state.done < total {
                output(plainLine(state.done, elapsed: clock() - start) + "\n")
                state.lastDecile = 10
            }
        }
    }

    private func show(_ state: inout State, force: Bool) {
        let now = clock()
        let elapsed = now - start
        if terminal {
            let text = bar(state.done, elapsed: elapsed)
            let visible = bar(state.done, elapsed: elapsed, colour: false).count
            output("\r" + text + String(repeating: " ", count: max(0, state.drawnWidth - visible)))
            state.drawnWidth = max(visible, state.drawnWidth)
            return
        }
        let decile = state.done * 10 / total
        if force || decile > state.lastDecile || now - state.lastLine >= Self.lineInterval {
            state.lastDecile = max(decile, state.lastDecile)
            state.lastLine = now
            output(plainLine(state.done, elapsed: elapsed) + "\n")
        }
    }

    /// The bar: `label [#####-----] 50% 500/1000 steps, ETA 3.2 s`.
    func bar(_ done: Int, elapsed: Double, colour: Bool? = nil) -> String {
        let colour = colour ?? self.colour
        let width = 24
        let filled = done * width / total
        let full = String(repeating: "#", count: filled)
        let rest = String(repeating: "-", count: width - filled)
        let painted = colour ? "\u{1B}[32m\(full)\u{1B}[2m\(rest)\u{1B}[0m" : full + rest
        return "\(label) [\(painted)] \(percent(done)) \(done)/\(total) \(unit), \(timing(done, elapsed: elapsed))"
    }

    /// A plain line: `label: 500/1000 steps (50%), 3.1 s elapsed, ETA 3.2 s`.
    func plainLine(_ done: Int, elapsed: Double) -> String {
        "\(label): \(done)/\(total) \(unit) (\(percent(done))), \(timing(done, elapsed: elapsed))"
    }

    private func percent(_ done: Int) -> String { "\(done * 100 / total)%" }

    private func timing(_ done: Int, elapsed: Double) -> String {
        let spent = "\(Self.duration(elapsed)) elapsed"
        if done >= total { return spent }
        guard done > 0 else { return spent + ", ETA unknown" }
        return spent + ", ETA " + Self.duration(elapsed * Double(total - done) / Double(done))
    }

    /// `4.2 s`, `3 min 05 s`, `2 h 03 min`.
    static func duration(_ seconds: Double) -> String {
        let s = max(0, seconds)
        if s < 60 { return String(format: "%.1f s", s) }
        let whole = Int(s.rounded())
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, whole / 60 % 60)
    }

    private func pad(_ line: String, to width: Int) -> String {
        line + String(repeating: " ", count: max(0, width - line.count))
    }
}

/// Whole lines to stderr from several threads.
final class LineLog: Sendable {
    private let lock = Mutex(())
    func line(_ s: String) {
        lock.withLock { _ in FileHandle.standardError.write(Data((s + "\n").utf8)) }
    }
}

/// `path` if nothing is there, else the first free `path-2`, `path-3`, …
func freePath(_ path: String) -> String {
    let fm = FileManager.default
    if !fm.fileExists(atPath: path) { return path }
    var n = 2
    while fm.fileExists(atPath: "\(path)-\(n)") { n += 1 }
    return "\(path)-\(n)"
}

enum SummaryText {
    static func describe(_ s: RunSummary, directory: String) -> String {
        func f(_ x: Double) -> String { x.isNaN ? "n/a" : String(format: "%.3f", x) }
        func e(_ x: Double) -> String { x.isNaN ? "n/a" : String(format: "%.3e", x) }
        var text =
            "\(s.status) after \(s.steps) steps → \(directory)\n"
            + (s.regression
                ? "  test loss \(e(s.testLoss)), train loss \(e(s.trainLoss)) (regression: no accuracy)"
                : "  test accuracy \(f(s.testAccuracy)), train accuracy \(f(s.trainAccuracy)), "
                    + "T100 \(s.stepsTo100.map(String.init) ?? "never")")
        if let r = s.section(RoutingMeasures.self) {
            text +=
                "\n  routing accuracy \(f(r.routingAccuracy)) (pMoE: test examples whose key patch is routed to an "
                + "expert of its class)"
        }
        if let k = s.keys {
            text +=
                "\n  best-key cosine \(f(k.bestKeyCosine)), "
                + "key filters \(k.positiveKeyFilterCount)+/\(k.negativeKeyFilterCount)−, "
                + "keyShare \(f(k.keyShare)), normRatio \(f(k.normRatio))"
        }
        if let i = s.images {
            text +=
                "\n  top-8 share \(f(i.topShare[8] ?? .nan)) (uniform \(f(8 / Double(i.filterCount)))), "
                + "Gini \(f(i.gini))"
            if let a = i.ablation[8] {
                text += "; keep top-8 \(f(a.top)), random 8 \(f(a.random)), bottom-8 \(f(a.bottom))"
            }
        }
        return text
    }
}
