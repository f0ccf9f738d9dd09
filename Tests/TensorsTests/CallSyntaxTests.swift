import Tensors
import Testing

@Suite struct CallSyntaxTests {
    @Test func parsesNamesAndArguments() {
        #expect(CallSyntax("relu")?.name == "relu")
        #expect(CallSyntax("relu")?.arguments == [])
        // Spaces around the name and the arguments are not part of them.
        #expect(CallSyntax(" leakyRelu ( 0.1 ) ") == CallSyntax("leakyRelu(0.1)"))
        #expect(CallSyntax("leakyRelu(0.1)") != CallSyntax("leakyRelu(0.2)"))
        #expect(CallSyntax("leakyRelu(0.1)")?.name == "leakyRelu")
        #expect(CallSyntax("leakyRelu( 0.1 )")?.number(at: 0) == 0.1)
        #expect(CallSyntax("f(1, 2)")?.arguments == ["1", "2"])
    }

    @Test func rejectsMalformedText() {
        #expect(CallSyntax("") == nil)
        #expect(CallSyntax("relu(") == nil)
        #expect(CallSyntax("f(1,)") == nil)
        #expect(CallSyntax("a b") == nil)
        #expect(CallSyntax("f(x)")?.number(at: 0) == nil)
    }
}
