import ArgumentParser
import Testing

@testable import convdyn

@Suite struct ImageOptionsTests {
    /// The message and exit code of parsing `arguments` as the image options (0 and "" when they parse).
    func parse(_ arguments: [String]) -> (message: String, code: Int32) {
        do {
            _ = try ImageOptions.parse(arguments)
            return ("", 0)
        } catch {
            return (ImageOptions.message(for: error), ImageOptions.exitCode(for: error).rawValue)
        }
    }

    @Test(arguments: [
        (",,,", "got ',,,', which has an empty item"),
        ("", "got '', which has an empty item"),
        ("3,,7", "got '3,,7', which has an empty item"),
        ("3,7,", "got '3,7,', which has an empty item"),
        ("3,x", "got '3,x', where 'x' is not a number"),
        ("3,7.5", "got '3,7.5', where '7.5' is not a number"),
        ("3,10", "got '3,10', where class 10 is outside 0…9"),
        ("-1,3", "got '-1,3', where class -1 is outside 0…9"),
        ("3,7,3", "got '3,7,3', where class 3 appears twice"),
        ("4", "got '4', a single class"),
    ])
    func badClassListsAreUsageErrors(_ value: String, _ expected: String) {
        // A value that starts with "-" must be attached, or it reads as an option.
        let result = parse(value.hasPrefix("-") ? ["--classes=\(value)"] : ["--classes", value])
        #expect(result.code == 64, "--classes '\(value)': exit \(result.code)")
        #expect(result.message.contains("--classes takes class numbers separated by commas"), "\(result.message)")
        #expect(result.message.contains(expected), "\(result.message)")
    }

    @Test func goodClassListsBecomeOverrides() throws {
        let options = try ImageOptions.parse(["--classes", " 9, 0 ,4"])
        #expect(options.overrides == ["images.classes=[9,0,4]"])
        let binary = try ImageOptions.parse(["--classes", "3,7"])
        #expect(binary.overrides == ["images.classes=[3,7]", "readout=fixedSign(1)", "loss=hinge"])
    }

    @Test func anEmptyDataDirectoryIsAUsageError() {
        let result = parse(["--data-dir", ""])
        #expect(result.code == 64 && result.message.contains("--data-dir must name a directory, got ''"))
        #expect(parse(["--train-size", "0"]).code == 64)
    }
}
