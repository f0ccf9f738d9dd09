import Datasets
import Foundation
import Networks
import Tensors
import Testing
import _TestSupport

@testable import Experiments

/// The quadratic teacher–student model (Tan & Chen 2021): the measurement formulas by hand, the
/// plateau detection on hand-made curves, a short run whose loss falls, the records of a
/// regression run, the config checks and the F1/F2 declarations.
@Suite struct QuadraticTests {
    /// Two filters in D = 2 with a teacher of rank 1, u = e_0. Step 0: w_0 = (1, 0), a_0 = 0.5;
    /// w_1 = (0, 2), a_1 = −1. I(0) = (1 − 0.5, 4 − 2) = (0.5, 2); the scale is
    /// max(1 + 0.5, 4 + 2) = 6. Now: w_0 = (3, 4), a_0 = 2 → I_0 = 25 − 8 = 17; w_1 = (0, 2),
    /// a_1 = −1 → I_1 = 2. Drifts: |17 − 0.5| = 16.5, 0 → SPEC form 16.5/0.5 = 33, scaled 16.5/6 =
    /// 2.75; norm change |5 − 1|/1 = 4; alignments 3/5 = 0.6 and 0/2 = 0.
    @Test func handWorkedValues() {
        var config = NetworkConfig()
        config.M = 2
        config.activation = .square
        config.pooling = .sum
        config.readout = .trainable(1)
        var rng = RandomStream(seed: 1, purpose: .initialization)
        var initial = PatchCNN(config: config, inputDimension: 2, using: &rng)
        initial.filters = [1, 0, 0, 2]
        initial.readout = [0.5, -1]
        var now = initial
        now.filters = [3, 4, 0, 2]
        now.readout = [2, -1]
        let line = QuadraticMeasures.line(network: now, initial: initial, teacher: [1, 0], lossRatio: 0.25)
        let measured =
            [line.invariantDrift, line.invariantDriftScaled, line.normChange] + line.invariants
            + line.alignments
        let agreement = closeness(measured, [33, 2.75, 4, 17, 2, 0.6, 0], rtol: 1e-9, atol: 1e-12)
        #expect(agreement.isClose, "\(agreement)")
        #expect(line.meanAlignment == 0.3 && line.testLossRatio == 0.25 && line.readoutWeights == [2, -1])
        let start = QuadraticMeasures.line(network: initial, initial: initial, teacher: [1, 0], lossRatio: 1)
        #expect(start.invariantDrift == 0 && start.invariantDriftScaled == 0 && start.normChange == 0)
    }

    /// Log-spaced steps 1, 2, 5, 10, …; a curve flat within 5% from step 1 to 200 then falling fast
    /// has one plateau [1, 200] and its first drop (≤ half of 4) at 500, 0.4 decades later: a
    /// plateau before the drop. A curve falling by 20% per evaluation has neither plateau nor a
    /// plateau before its drop; one that never halves has no drop.
    @Test func plateausAndTheFirstDrop() {
        let steps = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]
        let sharp = [4.0, 4, 3.98, 3.95, 3.9, 3.88, 3.85, 3.82, 3.8, 1.5, 0.01, 0.001]
        let p = QuadraticMeasures.plateaus(steps: steps, losses: sharp)
        #expect(p == [[1, 200]])
        let drop = QuadraticMeasures.firstDrop(steps: steps, losses: sharp)
        #expect(drop == 500)
        #expect(QuadraticMeasures.plateauBeforeDrop(p, drop: drop))
        let steady = steps.indices.map { 4 * pow(0.8, Double($0)) }
        #expect(QuadraticMeasures.plateaus(steps: steps, losses: steady).isEmpty)
        #expect(
            !QuadraticMeasures.plateauBeforeDrop([], drop: QuadraticMeasures.firstDrop(steps: steps, losses: steady)))
        // A plateau that ends more than half a decade before the drop does not count.
        #expect(!QuadraticMeasures.plateauBeforeDrop([[1, 20]], drop: 500))
        let flat = steps.map { _ in 4.0 }
        #expect(QuadraticMeasures.firstDrop(steps: steps, losses: flat) == nil)
        #expect(QuadraticMeasures.plateaus(steps: steps, losses: flat) == [[1, 2000]])
    }

    static func shortConfig(steps: Int = 3000) -> ExperimentConfig {
        var c = Preset.tcQuadratic.config
        c.training.steps = steps
        c.training.batchSize = 64
        c.training.learningRate = 1e-2
        c.data.nTest = 500
        c.evaluation.schedule = .log(20)
        return c
    }

    /// A short run at η = 1e-2: the test loss falls at least 10× while I_j stays near its start,
    /// and the records carry no accuracy (null) but the losses, the family's fields and filters.
    @Test func aShortRunLearnsAndRecordsNoAccuracy() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tc-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let summary = try Experiment(Self.shortConfig()).run(in: try RunDirectory.create(at: dir, overwrite: false))
        let measures = try #require(summary.section(QuadraticMeasures.self))
        #expect(measures.testLossRatio < 0.1, "final/initial test loss \(measures.testLossRatio)")
        #expect(measures.invariantDriftMax < 0.5)
        #expect(summary.regression && summary.testAccuracy.isNaN && summary.stepsTo100 == nil)
        let json = try JSONValue.parse(String(contentsOfFile: "\(dir)/summary.json", encoding: .utf8))
        #expect(json["testAccuracy"] == .null && json["trainAccuracy"] == .null)
        #expect(try RunSummary(json: json).regression)
        let lines = try String(contentsOfFile: "\(dir)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        let last = try JSONValue.parse(String(lines.last!))
        #expect(last["testAccuracy"] == .null && last["trainMinMargin"] == .null)
        #expect(last["testLoss"]?.doubleValue.map { $0 > 0 && $0.isFinite } == true)
        #expect(last["invariants"]?.arrayValue?.count == 4)
        let record = try EvaluationRecord(validating: last)
        #expect(record.regression && record.testAccuracy.isNaN)
        let config = Self.shortConfig()
        for line in lines { try MeasurementFamilies.validate(line: JSONValue.parse(String(line)), config: config) }
        // The trainable read-out is trained: every a_j moved.
        let first = try JSONValue.parse(String(lines.first!))
        let a0 = first["readoutWeights"]?.arrayValue?.compactMap(\.doubleValue) ?? []
        let a1 = last["readoutWeights"]?.arrayValue?.compactMap(\.doubleValue) ?? []
        #expect(a0.count == 4 && a1.count == 4 && zip(a0, a1).allSatisfy { $0 != $1 })
    }

    /// With a fixed training set (nTrain > 0) the targets travel with the reshuffled examples: the
    /// train loss over the whole set is measured from step 0 (½ mean t² ≈ 4 at the start) and falls.
    @Test func aFixedTrainingSetLearns() throws {
        var c = Self.shortConfig(steps: 2000)
        c.data.nTrain = 200
        c.training.batchSize = 50
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tc-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let summary = try Experiment(c).run(in: try RunDirectory.create(at: dir, overwrite: false))
        let lines = try String(contentsOfFile: "\(dir)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        let start = try #require(JSONValue.parse(String(lines[0]))["trainLoss"]?.doubleValue)
        #expect(start > 1 && start.isFinite, "train loss at step 0: \(start)")
        #expect(summary.trainLoss < 0.1 * start, "train loss \(summary.trainLoss) from \(start)")
    }

    /// The same config and seed give the same bytes; the test set and init do not depend on B.
    @Test func runsAreDeterministic() throws {
        let a = try Experiment(Self.shortConfig(steps: 200)).run()
        let b = try Experiment(Self.shortConfig(steps: 200)).run()
        #expect(a.json.text == b.json.text)
        var c = Self.shortConfig(steps: 10)
        let first = try PreparedExperiment(c).task
        c.training.batchSize = 7
        c.training.learningRate = 0.5
        let second = try PreparedExperiment(c).task
        #expect(first.network.filters == second.network.filters && first.network.readout == second.network.readout)
        #expect((first.testSet as? PatchBatch)?.targets == (second.testSet as? PatchBatch)?.targets)
        #expect((first.testSet as? PatchBatch)?.targets.count == c.data.nTest)
    }

    @Test func badConfigsAreNamed() {
        func field(_ change: (inout ExperimentConfig) -> Void) -> String? {
            var c = Preset.tcQuadratic.config
            change(&c)
            do { try c.validate() } catch let e as ConfigurationError { return e.field } catch { return "?" }
            return nil
        }
        #expect(field { _ in } == nil)
        #expect(field { $0.training.loss = .logistic } == "training.loss")
        #expect(field { $0.training.loss = .hinge } == "training.loss")
        #expect(field { $0.training.stopAtMarginOne = true } == "training.stopAtMarginOne")
        #expect(field { $0.data.teacherRank = 20 } == "data.teacherRank")
        #expect(field { $0.data.K = 4 } == "data.K")
        #expect(field { $0.network.readout = .trainableFrom(.infinity) } == "network.readout")
        // A classification model with teacher fields set.
        #expect(
            field {
                $0 = Preset.kpBench.config
                $0.data.teacherWeights = [1, 1]
            } == "data.teacherWeights")
        #expect(
            field {
                $0 = Preset.kpBench.config
                $0.data.teacherRank = 3
            } == "data.teacherRank")
    }

    @Test func presetMatchesSPEC() {
        let c = Preset.tcQuadratic.config
        #expect(c.data.labelModel == .gaussianTeacher && c.data.D == 10 && c.data.K == 1 && c.data.teacherRank == 2)
        #expect(c.network.M == 4 && c.network.activation == .square && c.network.pooling == .sum)
        #expect(c.network.readout == .trainable(0.1) && c.network.`init` == .gaussian(0.1))
        #expect(c.training.loss == .square && c.training.batchSize == 256 && c.training.learningRate == 1e-3)
        #expect(c.training.steps == 20_000 && c.evaluation.schedule == .log(60))
    }

    /// F1 and F2 sit between E1 and H1; their variants are the preset, η/10 over 10× the steps
    /// (the same η·t) and the forbidden init; every statement names a variant of its claim.
    @Test func claimsAreDeclared() {
        let ids = Claim.all.map(\.id)
        #expect(ids.firstIndex(of: "F1")! == ids.firstIndex(of: "E1")! + 1)
        // …E1, F1, F2, G1, H1: G1 (pMoE) comes between F2 and H1.
        #expect(ids.firstIndex(of: "F2")! == ids.firstIndex(of: "F1")! + 1)
        #expect(ids.firstIndex(of: "F2")! < ids.firstIndex(of: "H1")!)
        let base = Preset.tcQuadratic.config
        let f1 = Claim.f1.variants.map { $0.config(from: base) }
        #expect(f1[0] == base)
        #expect(f1[2].training.learningRate * Double(f1[2].training.steps) == 1e-3 * 5000)
        #expect(f1[1].training.steps == 5000 && f1[1].training.learningRate == 1e-3)
        let forbidden = Claim.f2.variants[1].config(from: base)
        #expect(forbidden.network.readout == .trainableFrom(-0.5))
        for claim in [Claim.f1, .f2] {
            let names = Set(claim.variants.map(\.name))
            for s in claim.statements {
                #expect(names.contains(s.variant ?? ""), "\(s.id)")
                if let against = s.pairedVariant { #expect(names.contains(against)) }
            }
        }
    }

    /// F2c's reading: with every a_j(0) = −0.5, every I_j(0) < 0 at the preset's init scale, and a
    /// short run keeps every a_j < 0 and the loss near its start.
    @Test func theForbiddenInitCannotLearn() throws {
        var c = Self.shortConfig(steps: 1000)
        c.network.readout = .trainableFrom(Claim.F2.forbiddenReadout)
        let summary = try Experiment(c).run()
        let m = try #require(summary.section(QuadraticMeasures.self))
        #expect(m.initialInvariantMax < 0)
        #expect(m.readoutSignChanges == 0)
        #expect(m.testLossRatio >= Claim.F2.stuck.value, "final/initial test loss \(m.testLossRatio)")
    }
}
