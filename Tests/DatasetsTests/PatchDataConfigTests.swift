import Datasets
import Tensors
import Testing

@Suite struct PatchDataConfigTests {
    func error(_ change: (inout PatchDataConfig) -> Void) -> ConfigurationError? {
        var config = PatchDataConfig()
        change(&config)
        do {
            try config.validate()
            return nil
        } catch let e as ConfigurationError { return e } catch { return nil }
    }

    @Test func canonicalConfigIsValid() throws {
        try PatchDataConfig().validate()
        #expect(PatchDataConfig().commonIndices == Array(2..<32))
    }

    @Test func rejectsOutOfRangeValuesNamingTheField() {
        #expect(error { $0.P = 65 }?.field == "data.P")
        #expect(error { $0.P = 65 }?.description.contains("P ≤ D = 64") == true)
        #expect(error { $0.keyPos = [40] }?.field == "data.keyPos")
        #expect(error { $0.keyNeg = [0] }?.field == "data.keyNeg")
        #expect(error { $0.keyPos = [] }?.field == "data.keyPos")
        #expect(error { $0.common = .indices([0, 5]) }?.field == "data.common")
        #expect(error { $0.keysPerExample = 17 }?.field == "data.keysPerExample")
        #expect(error { $0.sigma = -1 }?.field == "data.sigma")
        #expect(error { $0.flip = 0.5 }?.field == "data.flip")
        #expect(error { $0.nTest = 0 }?.field == "data.nTest")
        #expect(error { $0.K = 0 }?.field == "data.K")
        #expect(error { $0.keyScale = 0 }?.field == "data.keyScale")
        #expect(error { $0.P = 2 }?.field == "data.common")  // no common pattern left for the background
    }
}
