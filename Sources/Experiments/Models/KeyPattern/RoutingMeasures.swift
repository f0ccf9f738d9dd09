import Datasets
import Networks
import Training

/// Routing accuracy of pMoE (SPEC §3 item 13, Docs/Metrics.md "Routing accuracy"; Chowdhury et
/// al. 2023, "discriminative routing"): the share of the fixed test set's examples whose key patch
/// is among the l patches routed to an expert of the matching sign, that is an expert e whose
/// filters' fixed read-out sign s_e equals the example's true label y (with two experts: the +
/// expert for class +1, the − expert for class −1). With several keys per example, one routed key
/// suffices. The routers are frozen while the experts train, so the figure is the same at every
/// evaluation of a run; it moves with the training-set size the routers were pre-trained on.
///
/// Recorded by key-pattern runs with a router.
public enum RoutingMeasures: MeasurementFamily {
    /// "routing", for messages.
    public static let name = "routing"

    /// The fields of one evaluation.
    public struct Line: Codable, Sendable, Equatable {
        /// The share in [0, 1] of test examples whose key patch reaches an expert of its label's sign.
        public var routingAccuracy: Double

        /// The JSON field names.
        public enum CodingKeys: String, CodingKey { case routingAccuracy }
    }

    /// The routing accuracy at the last evaluation.
    public typealias Summary = Line

    /// True for key-pattern runs with a router.
    public static func records(_ config: ExperimentConfig) -> Bool {
        config.images == nil && config.data.labelModel == .key && config.network.router != nil
    }

    /// The routing accuracy over training and at the end.
    public static let figures: [Figure] = [
        Figure(
            Line.CodingKeys.routingAccuracy, label: "routing accuracy", shortLabel: "routing", range: 0...1,
            sparkline: true),
        Figure(Line.CodingKeys.routingAccuracy, label: "routing accuracy", range: 0...1, source: .summary),
    ]

    /// Throws a `SchemaError` when the routing accuracy is outside [0, 1] (NaN passes).
    public static func validate(_ line: Line, config: ExperimentConfig) throws {
        if !line.routingAccuracy.isNaN && !(0...1).contains(line.routingAccuracy) {
            throw SchemaError(field: "routingAccuracy", "is \(line.routingAccuracy), outside 0…1")
        }
    }

    /// The routing accuracy of `network` on `test` (its true labels and key positions); NaN for an
    /// empty set or a network without a router.
    static func routingAccuracy(network: PatchCNN, test: PatchBatch) -> Double {
        guard let router = network.config.router, test.count > 0 else { return .nan }
        let picks = network.routedPatches(test.x, count: test.count, patches: test.K)
        let signs = RouterPretraining.expertSigns(of: network)
        let l = router.topPatches
        var hits = 0
        for n in 0..<test.count {
            let y = Float(test.labels[n])
            let keys = (0..<test.keysPerExample).map { test.keyPositions[n * test.keysPerExample + $0] }
            var routed = false
            for e in 0..<router.experts where signs[e] == y {
                let mine = picks[((n * router.experts) + e) * l..<((n * router.experts) + e + 1) * l]
                if keys.contains(where: { mine.contains($0) }) { routed = true }
            }
            if routed { hits += 1 }
        }
        return Double(hits) / Double(test.count)
    }
}
