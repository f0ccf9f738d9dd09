import Experiments
import Networks
import Testing

/// The signal-noise network choices through `--set`: symThreshold, frozen(v) biases.
@Suite struct NetworkVariantConfigTests {
    @Test func symThresholdAndFrozenBiasesResolve() throws {
        let c = try ConfigResolver.resolve(
            preset: "kp-bench", overrides: ["activation=symThreshold", "bias=frozen(-0.5)", "biasGradScale=0.01"])
        #expect(c.network.activation == .symThreshold && c.network.bias == .frozen(-0.5))
        let shared = try ConfigResolver.resolve(
            preset: "kp-bench", overrides: ["activation=symThreshold", "bias=shared"])
        #expect(shared.network.bias == .shared)
    }

    @Test func symThresholdWithoutABiasIsRefused() {
        var message = ""
        do { _ = try ConfigResolver.resolve(preset: "kp-bench", overrides: ["activation=symThreshold"]) } catch {
            message = "\(error)"
        }
        #expect(message.contains("network.activation") && message.contains("network.bias"), "\(message)")
        var form = ""
        do { _ = try ConfigResolver.resolve(preset: "kp-bench", overrides: ["bias=frozen"]) } catch {
            form = "\(error)"
        }
        #expect(form.contains("network.bias") && form.contains("frozen(v)"), "\(form)")
    }
}
