import Experiments
import Foundation
import Synchronization

/// A progress display on stderr: a redrawn bar with ETA on a terminal, plain lines every 10% otherwise.
final class ProgressBar {
    private let label: String
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let start = Date()
    private var lastDecile = -1

    init(label: String) { self.label = label }

    func update(_ step: Int, of total: Int) {
        let fraction = Double(step) / Double(max(total, 1))
        let elapsed = Date().timeIntervalSince(start)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            write(
                String(format: "\r%@ [%@] %3.0f%% step %d/%d ETA %.1fs", label, bar, fraction * 100, step, total, eta))
        } else {
            let decile = Int(fraction * 10)
            if decile > lastDecile {
                lastDecile = decile
                write(
                    String(
                        format: "%@: step %d/%d (%.0f%%), %.1fs elapsed\n", label, step, total, fraction * 100, elapsed)
                )
            }
        }
    }

    func finish() { if isTerminal { write("\n") } }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
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
