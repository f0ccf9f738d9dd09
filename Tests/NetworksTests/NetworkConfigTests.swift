import Foundation
import Networks
import Tensors
import Testing

/// The text forms of the network's choices and the checks `validate` makes on their combinations.
@Suite struct NetworkConfigTests {
    @Test func biasModesReadAndWriteTheirTextForms() throws {
        let forms: [(String, BiasMode)] = [
            ("none", .none), ("shared", .shared), ("perFilter", .perFilter), ("frozen(0)", .frozen(0)),
            ("frozen(-0.5)", .frozen(-0.5)), ("frozen(0.25)", .frozen(0.25)),
        ]
        for (text, mode) in forms {
            #expect(try BiasMode(text: text) == mode, "\(text)")
            #expect(mode.text == text)
        }
        #expect(try BiasMode(text: " frozen( -0.5 ) ") == .frozen(-0.5))
        for bad in ["frozen", "frozen()", "frozen(x)", "frozen(1, 2)", "shared(1)", "Shared", "perfilter"] {
            #expect(throws: (any Error).self, "\(bad)") { try BiasMode(text: bad) }
        }
        #expect(BiasMode.shared.isTrainable && BiasMode.perFilter.isTrainable)
        #expect(!BiasMode.none.isTrainable && !BiasMode.frozen(0).isTrainable)
        #expect(try Activation(text: "symThreshold") == .symThreshold && Activation.symThreshold.text == "symThreshold")
        #expect(throws: (any Error).self) { try Activation(text: "symThreshold(1)") }
    }

    /// Configs written before `frozen(v)` existed read back unchanged, and a frozen bias survives
    /// the JSON round trip.
    @Test func networkConfigsRoundTripThroughJSON() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for bias in [BiasMode.none, .shared, .perFilter, .frozen(-0.5), .frozen(0)] {
            var net = NetworkConfig()
            net.bias = bias
            net.activation = bias == .none ? .relu : .symThreshold
            let data = try encoder.encode(net)
            let text = String(decoding: data, as: UTF8.self)
            #expect(text.contains("\"bias\":\"\(bias.text)\""), "\(text)")
            #expect(try JSONDecoder().decode(NetworkConfig.self, from: data) == net)
        }
        let old = Data(
            (#"{"M":32,"activation":"relu","architecture":"cnn","bias":"perFilter","biasGradScale":1,"#
                + #""init":"gaussian(0.01)","k":null,"pooling":"max","readout":"fixedSign(1/M)"}"#).utf8)
        let decoded = try JSONDecoder().decode(NetworkConfig.self, from: old)
        #expect(decoded.bias == .perFilter && decoded.router == nil)
        // Re-encoded, the only change is the router written as null (so that `--set router=…` finds it).
        let written = String(decoding: old, as: UTF8.self).replacingOccurrences(
            of: #""readout":"fixedSign(1/M)"}"#, with: #""readout":"fixedSign(1/M)","router":null}"#)
        #expect(String(decoding: try encoder.encode(decoded), as: UTF8.self) == written)
        let bad = Data(
            #"{"M":32,"activation":"relu","bias":"frozen","biasGradScale":1,"init":"gaussian(0.01)","pooling":"max","readout":"fixedSign(1/M)"}"#
                .utf8)
        #expect(throws: (any Error).self) { try JSONDecoder().decode(NetworkConfig.self, from: bad) }
    }

    @Test func symThresholdNeedsABias() throws {
        var net = NetworkConfig()
        net.activation = .symThreshold
        do {
            try net.validate()
            Issue.record("symThreshold without a bias was accepted")
        } catch let error as ConfigurationError {
            #expect(error.field == "network.activation" && error.value == "symThreshold")
            #expect(error.description.contains("network.bias"), "\(error)")
            #expect(error.description.contains("symThreshold needs a bias"), "\(error)")
            #expect(error.description.contains("frozen(v)"), "\(error)")
        }
        for bias in [BiasMode.shared, .perFilter, .frozen(0), .frozen(-0.5)] {
            net.bias = bias
            try net.validate()
        }
        net.bias = .frozen(.infinity)
        #expect(throws: ConfigurationError.self) { try net.validate() }
    }

    /// A fixed-sign read-out needs an even M, or M = 1, whose one filter votes +A (j < M/2 read in
    /// real numbers; Karp et al. 2021's network); even M keep the first M/2 at +A.
    @Test func fixedSignReadoutTakesEvenMOrOne() throws {
        var rng = RandomStream(seed: 3)
        for (m, signs) in [(1, [Float(2)]), (2, [2, -2]), (4, [2, 2, -2, -2])] {
            var net = NetworkConfig()
            net.M = m
            net.readout = .fixedSign(.value(2))
            try net.validate()
            #expect(PatchCNN(config: net, inputDimension: 3, using: &rng).readout == signs, "M = \(m)")
        }
        for m in [3, 7] {
            var net = NetworkConfig()
            net.M = m
            #expect(throws: ConfigurationError.self, "M = \(m)") { try net.validate() }
            net.readout = .trainable(0.1)
            try net.validate()
        }
    }

    /// A shared bias starts at 0, per-filter biases at 0, a frozen one at v.
    @Test func biasesStartWhereTheModeSays() {
        var rng = RandomStream(seed: 2)
        for (bias, start) in [
            (BiasMode.none, [Float]()), (.shared, [0]), (.perFilter, [0, 0, 0, 0]), (.frozen(-0.5), [-0.5]),
        ] {
            var net = NetworkConfig()
            net.M = 4
            net.bias = bias
            #expect(PatchCNN(config: net, inputDimension: 3, using: &rng).biases == start, "\(bias.text)")
        }
    }
}
