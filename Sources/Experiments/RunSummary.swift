/// The figures of a finished (or diverged) run: `summary.json`.
///
/// Every run has the common figures; synthetic key-pattern runs add `keys` (SPEC §3 items 4–7),
/// image runs add `images` (SPEC §3 item 14). In the JSON the fields of both sit at the top level.
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
    public var evaluations: Int
    public var keys: KeySummary?
    public var images: ImageSummary?

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "status": .string(status), "preset": .string(preset), "seed": .int(seed), "steps": .int(steps),
            "testAccuracy": .double(testAccuracy), "testAccuracyNoisy": .double(testAccuracyNoisy),
            "testLoss": .double(testLoss), "trainAccuracy": .double(trainAccuracy), "trainLoss": .double(trainLoss),
            "stepsTo100": stepsTo100.map(JSONValue.int) ?? .null, "evaluations": .int(evaluations),
        ]
        if let keys { o.merge(keys.fields) { a, _ in a } }
        if let images { o.merge(images.fields) { a, _ in a } }
        return .object(o)
    }

    /// Reads a summary written by `json`; throws when a field is missing or of the wrong type.
    public init(json: JSONValue) throws {
        let r = FieldReader(json: json)
        guard let status = json["status"]?.stringValue else {
            throw OutputError("summary.json: field status is missing")
        }
        self.status = status
        preset = json["preset"]?.stringValue ?? ""
        seed = try r.integer("seed")
        steps = try r.integer("steps")
        testAccuracy = try r.number("testAccuracy")
        testAccuracyNoisy = try r.number("testAccuracyNoisy")
        testLoss = try r.number("testLoss")
        trainAccuracy = try r.number("trainAccuracy")
        trainLoss = try r.number("trainLoss")
        stepsTo100 = json["stepsTo100"]?.intValue
        evaluations = try r.integer("evaluations")
        keys = json["bestKeyCosine"] != nil ? try KeySummary(r) : nil
        images = json["topShare"] != nil ? try ImageSummary(r) : nil
    }

    init(
        status: String, preset: String, seed: Int, steps: Int, testAccuracy: Double, testAccuracyNoisy: Double,
        testLoss: Double, trainAccuracy: Double, trainLoss: Double, stepsTo100: Int?, evaluations: Int,
        keys: KeySummary?, images: ImageSummary?
    ) {
        self.status = status
        self.preset = preset
        self.seed = seed
        self.steps = steps
        self.testAccuracy = testAccuracy
        self.testAccuracyNoisy = testAccuracyNoisy
        self.testLoss = testLoss
        self.trainAccuracy = trainAccuracy
        self.trainLoss = trainLoss
        self.stepsTo100 = stepsTo100
        self.evaluations = evaluations
        self.keys = keys
        self.images = images
    }
}

/// Key filters and norm dominance at the end of a synthetic run (Docs/Metrics.md).
public struct KeySummary: Sendable, Equatable {
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
    /// median over non-key filters of ‖w_j(T)‖ / ‖w_j(0)‖.
    public var nonKeyNormGrowthMedian: Double

    var fields: [String: JSONValue] {
        [
            "bestKeyCosine": .double(bestKeyCosine), "keyShare": .double(keyShare), "normRatio": .double(normRatio),
            "keyMass": .double(keyMass), "keyFilterCount": .int(keyFilterCount),
            "positiveKeyFilterCount": .int(positiveKeyFilterCount),
            "negativeKeyFilterCount": .int(negativeKeyFilterCount),
            "explorationAtInit": .object(
                Dictionary(uniqueKeysWithValues: explorationAtInit.map { (String($0.key), JSONValue.int($0.value)) })),
            "keysLearned": .object(
                Dictionary(uniqueKeysWithValues: keysLearned.map { (String($0.key), JSONValue.bool($0.value)) })),
            "keyProjectionGrowth": .double(keyProjectionGrowth),
            "commonProjectionGrowth": .double(commonProjectionGrowth),
            "nonKeyNormGrowth": .double(nonKeyNormGrowth), "nonKeyNormGrowthMedian": .double(nonKeyNormGrowthMedian),
        ]
    }

    init(_ r: FieldReader) throws {
        bestKeyCosine = try r.number("bestKeyCosine")
        keyShare = try r.number("keyShare")
        normRatio = try r.number("normRatio")
        keyMass = try r.number("keyMass")
        keyFilterCount = try r.integer("keyFilterCount")
        positiveKeyFilterCount = try r.integer("positiveKeyFilterCount")
        negativeKeyFilterCount = try r.integer("negativeKeyFilterCount")
        explorationAtInit = Dictionary(
            uniqueKeysWithValues: (r.json["explorationAtInit"]?.objectValue ?? [:]).compactMap { k, v in
                Int(k).flatMap { key in v.intValue.map { (key, $0) } }
            })
        keysLearned = Dictionary(
            uniqueKeysWithValues: (r.json["keysLearned"]?.objectValue ?? [:]).compactMap { k, v in
                Int(k).flatMap { key in v.boolValue.map { (key, $0) } }
            })
        keyProjectionGrowth = try r.number("keyProjectionGrowth")
        commonProjectionGrowth = try r.number("commonProjectionGrowth")
        nonKeyNormGrowth = try r.number("nonKeyNormGrowth")
        nonKeyNormGrowthMedian = try r.number("nonKeyNormGrowthMedian")
    }

    init(
        bestKeyCosine: Double, keyShare: Double, normRatio: Double, keyMass: Double, keyFilterCount: Int,
        positiveKeyFilterCount: Int, negativeKeyFilterCount: Int, explorationAtInit: [Int: Int],
        keysLearned: [Int: Bool],
        keyProjectionGrowth: Double, commonProjectionGrowth: Double, nonKeyNormGrowth: Double,
        nonKeyNormGrowthMedian: Double
    ) {
        self.bestKeyCosine = bestKeyCosine
        self.keyShare = keyShare
        self.normRatio = normRatio
        self.keyMass = keyMass
        self.keyFilterCount = keyFilterCount
        self.positiveKeyFilterCount = positiveKeyFilterCount
        self.negativeKeyFilterCount = negativeKeyFilterCount
        self.explorationAtInit = explorationAtInit
        self.keysLearned = keysLearned
        self.keyProjectionGrowth = keyProjectionGrowth
        self.commonProjectionGrowth = commonProjectionGrowth
        self.nonKeyNormGrowth = nonKeyNormGrowth
        self.nonKeyNormGrowthMedian = nonKeyNormGrowthMedian
    }
}

/// Norm concentration and the filter ablation at the end of an image run (SPEC §3 item 14).
public struct ImageSummary: Sendable, Equatable {
    /// k → Σ of the k largest ‖w_j‖² / Σ_j ‖w_j‖².
    public var topShare: [Int: Double]
    /// Gini coefficient of the filter norms.
    public var gini: Double
    public var filterCount: Int
    /// k → test accuracy keeping only the top-k filters by norm, k random filters (mean of 10
    /// draws) and the bottom-k.
    public var ablation: [Int: FilterAblation]

    var fields: [String: JSONValue] {
        [
            "topShare": .object(
                Dictionary(uniqueKeysWithValues: topShare.map { (String($0.key), JSONValue.double($0.value)) })),
            "gini": .double(gini), "filterCount": .int(filterCount),
            "ablation": .object(Dictionary(uniqueKeysWithValues: ablation.map { (String($0.key), $0.value.json) })),
        ]
    }

    init(_ r: FieldReader) throws {
        topShare = Dictionary(
            uniqueKeysWithValues: (r.json["topShare"]?.objectValue ?? [:]).compactMap { k, v in
                Int(k).flatMap { key in v.doubleValue.map { (key, $0) } }
            })
        gini = try r.number("gini")
        filterCount = try r.integer("filterCount")
        ablation = Dictionary(
            uniqueKeysWithValues: (r.json["ablation"]?.objectValue ?? [:]).compactMap { k, v in
                Int(k).flatMap { key in FilterAblation(json: v).map { (key, $0) } }
            })
    }

    init(topShare: [Int: Double], gini: Double, filterCount: Int, ablation: [Int: FilterAblation]) {
        self.topShare = topShare
        self.gini = gini
        self.filterCount = filterCount
        self.ablation = ablation
    }
}

/// Test accuracy with only k filters kept.
public struct FilterAblation: Sendable, Equatable {
    public var top: Double
    public var random: Double
    public var randomStd: Double
    public var bottom: Double

    var json: JSONValue {
        .object([
            "top": .double(top), "random": .double(random), "randomStd": .double(randomStd), "bottom": .double(bottom),
        ])
    }

    init(top: Double, random: Double, randomStd: Double, bottom: Double) {
        self.top = top
        self.random = random
        self.randomStd = randomStd
        self.bottom = bottom
    }

    init?(json: JSONValue) {
        guard let t = json["top"]?.doubleValue, let r = json["random"]?.doubleValue, let b = json["bottom"]?.doubleValue
        else { return nil }
        top = t
        random = r
        randomStd = json["randomStd"]?.doubleValue ?? .nan
        bottom = b
    }
}

struct FieldReader {
    let json: JSONValue
    func number(_ key: String) throws -> Double {
        guard let v = json[key]?.doubleValue else {
            throw OutputError("summary.json: field \(key) is missing or not a number")
        }
        return v
    }
    func integer(_ key: String) throws -> Int {
        guard let v = json[key]?.intValue else {
            throw OutputError("summary.json: field \(key) is missing or not an integer")
        }
        return v
    }
}
