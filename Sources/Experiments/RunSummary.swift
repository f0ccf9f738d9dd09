/// The figures of a finished (or diverged) run: `summary.json`.
public struct RunSummary: Sendable, Equatable {
    /// "completed" or "diverged".
    public var status: String
    public var preset: String
    public var seed: Int
    /// Steps taken.
    public var steps: Int
    /// Clean test accuracy (against the true labels) at the last evaluation.
    public var testAccuracy: Double
    /// Test accuracy against the observed (possibly flipped) labels.
    public var testAccuracyNoisy: Double
    public var testLoss: Double
    public var trainAccuracy: Double
    public var trainLoss: Double
    /// T₁₀₀: the first evaluated step with clean test accuracy exactly 1, or nil.
    public var stepsTo100: Int?
    public var bestKeyCosine: Double
    public var keyShare: Double
    public var normRatio: Double
    public var keyMass: Double
    public var keyFilterCount: Int
    public var positiveKeyFilterCount: Int
    public var negativeKeyFilterCount: Int
    /// Key pattern → filters of the matching sign with a positive cosine at step 0.
    public var explorationAtInit: [Int: Int]
    /// Key pattern → whether some filter of the matching sign ends with cosine > θ.
    public var keysLearned: [Int: Bool]
    /// Over the second half of training, for the final key filters: mean increase of the key
    /// projection, and of the largest |common projection|.
    public var keyProjectionGrowth: Double
    public var commonProjectionGrowth: Double
    /// max over non-key filters of ‖w_j(T)‖ / ‖w_j(0)‖.
    public var nonKeyNormGrowth: Double
    public var evaluations: Int

    public var json: JSONValue {
        .object([
            "status": .string(status), "preset": .string(preset), "seed": .int(seed), "steps": .int(steps),
            "testAccuracy": .double(testAccuracy), "testAccuracyNoisy": .double(testAccuracyNoisy),
            "testLoss": .double(testLoss), "trainAccuracy": .double(trainAccuracy), "trainLoss": .double(trainLoss),
            "stepsTo100": stepsTo100.map(JSONValue.int) ?? .null,
            "bestKeyCosine": .double(bestKeyCosine), "keyShare": .double(keyShare), "normRatio": .double(normRatio),
            "keyMass": .double(keyMass), "keyFilterCount": .int(keyFilterCount),
            "positiveKeyFilterCount": .int(positiveKeyFilterCount), "negativeKeyFilterCount": .int(negativeKeyFilterCount),
            "explorationAtInit": .object(Dictionary(uniqueKeysWithValues: explorationAtInit.map { (String($0.key), JSONValue.int($0.value)) })),
            "keysLearned": .object(Dictionary(uniqueKeysWithValues: keysLearned.map { (String($0.key), JSONValue.bool($0.value)) })),
            "keyProjectionGrowth": .double(keyProjectionGrowth), "commonProjectionGrowth": .double(commonProjectionGrowth),
            "nonKeyNormGrowth": .double(nonKeyNormGrowth), "evaluations": .int(evaluations),
        ])
    }

    /// Reads a summary written by `json`; throws when a field is missing or of the wrong type.
    public init(json: JSONValue) throws {
        func number(_ key: String) throws -> Double {
            guard let v = json[key]?.doubleValue else { throw OutputError("summary.json: field \(key) is missing or not a number") }
            return v
        }
        func integer(_ key: String) throws -> Int {
            guard let v = json[key]?.intValue else { throw OutputError("summary.json: field \(key) is missing or not an integer") }
            return v
        }
        guard let status = json["status"]?.stringValue else { throw OutputError("summary.json: field status is missing") }
        self.status = status
        preset = json["preset"]?.stringValue ?? ""
        seed = try integer("seed")
        steps = try integer("steps")
        testAccuracy = try number("testAccuracy")
        testAccuracyNoisy = try number("testAccuracyNoisy")
        testLoss = try number("testLoss")
        trainAccuracy = try number("trainAccuracy")
        trainLoss = try number("trainLoss")
        stepsTo100 = json["stepsTo100"]?.intValue
        bestKeyCosine = try number("bestKeyCosine")
        keyShare = try number("keyShare")
        normRatio = try number("normRatio")
        keyMass = try number("keyMass")
        keyFilterCount = try integer("keyFilterCount")
        positiveKeyFilterCount = try integer("positiveKeyFilterCount")
        negativeKeyFilterCount = try integer("negativeKeyFilterCount")
        explorationAtInit = Dictionary(uniqueKeysWithValues: (json["explorationAtInit"]?.objectValue ?? [:]).compactMap { k, v in
            Int(k).flatMap { key in v.intValue.map { (key, $0) } } })
        keysLearned = Dictionary(uniqueKeysWithValues: (json["keysLearned"]?.objectValue ?? [:]).compactMap { k, v in
            Int(k).flatMap { key in v.boolValue.map { (key, $0) } } })
        keyProjectionGrowth = try number("keyProjectionGrowth")
        commonProjectionGrowth = try number("commonProjectionGrowth")
        nonKeyNormGrowth = try number("nonKeyNormGrowth")
        evaluations = try integer("evaluations")
    }

    init(status: String, preset: String, seed: Int, steps: Int, testAccuracy: Double, testAccuracyNoisy: Double,
         testLoss: Double, trainAccuracy: Double, trainLoss: Double, stepsTo100: Int?, bestKeyCosine: Double,
         keyShare: Double, normRatio: Double, keyMass: Double, keyFilterCount: Int, positiveKeyFilterCount: Int,
         negativeKeyFilterCount: Int, explorationAtInit: [Int: Int], keysLearned: [Int: Bool],
         keyProjectionGrowth: Double, commonProjectionGrowth: Double, nonKeyNormGrowth: Double, evaluations: Int) {
        self.status = status; self.preset = preset; self.seed = seed; self.steps = steps
        self.testAccuracy = testAccuracy; self.testAccuracyNoisy = testAccuracyNoisy; self.testLoss = testLoss
        self.trainAccuracy = trainAccuracy; self.trainLoss = trainLoss; self.stepsTo100 = stepsTo100
        self.bestKeyCosine = bestKeyCosine; self.keyShare = keyShare; self.normRatio = normRatio; self.keyMass = keyMass
        self.keyFilterCount = keyFilterCount; self.positiveKeyFilterCount = positiveKeyFilterCount
        self.negativeKeyFilterCount = negativeKeyFilterCount; self.explorationAtInit = explorationAtInit
        self.keysLearned = keysLearned; self.keyProjectionGrowth = keyProjectionGrowth
        self.commonProjectionGrowth = commonProjectionGrowth; self.nonKeyNormGrowth = nonKeyNormGrowth
        self.evaluations = evaluations
    }
}
