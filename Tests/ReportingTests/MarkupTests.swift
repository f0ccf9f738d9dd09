import Foundation
import Testing

@testable import Reporting

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The text and attribute values an XML parser reads back from a document.
private final class XMLValues: NSObject, XMLParserDelegate {
    var attributes: [String: String] = [:]
    var text = ""
    var error: String?

    init(_ document: String) {
        super.init()
        let parser = XMLParser(data: Data(document.utf8))
        parser.delegate = self
        if !parser.parse() { error = parser.parserError.map { "\($0)" } ?? "unknown XML error" }
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        self.attributes.merge(attributes) { first, _ in first }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
}

@Suite struct MarkupTests {
    static let hostile = "a & b < c > d \" e ' f"

    @Test func textIsEscaped() {
        #expect(Node.text(Self.hostile).rendered(as: .xml) == "a &amp; b &lt; c &gt; d &quot; e ' f")
        #expect(Node.text(Self.hostile).rendered(as: .html) == "a &amp; b &lt; c &gt; d &quot; e ' f")
        #expect(Node.text("&amp;").rendered(as: .html) == "&amp;amp;", "already escaped text is escaped again")
    }

    @Test func attributeValuesAreEscaped() {
        let node = Node.element("a", ["title": Self.hostile, "href": "x?a=1&b=2"])
        #expect(
            node.rendered(as: .xml) == "<a title=\"a &amp; b &lt; c &gt; d &quot; e ' f\" href=\"x?a=1&amp;b=2\"/>")
    }

    @Test func anXMLParserReadsBackTheOriginalTextAndAttributes() {
        let node = Node.element("t", ["title": Self.hostile, "single": "it's"], [.text(Self.hostile)])
        let parsed = XMLValues(node.rendered(as: .xml))
        #expect(parsed.error == nil)
        #expect(parsed.attributes == ["title": Self.hostile, "single": "it's"])
        #expect(parsed.text == Self.hostile)
    }

    @Test func rawIsWrittenAsItIs() {
        let node = Node.element("figure", [:], [.raw("<svg><rect/></svg>"), .text("<b>")])
        #expect(node.rendered(as: .html) == "<figure><svg><rect/></svg>&lt;b&gt;</figure>")
    }

    @Test func nestingAndLayout() {
        let list = Node.block(
            "ul", ["class": "x"],
            [
                .element("li", [:], [.text("one")]),
                .element("li", [:], [.text("two "), .element("code", [:], [.text("a<b")]), .text(".")]),
            ])
        #expect(list.rendered(as: .html) == "<ul class=\"x\">\n<li>one</li>\n<li>two <code>a&lt;b</code>.</li>\n</ul>")
        #expect(Node.block("ul", [:], []).rendered(as: .html) == "<ul>\n</ul>")
        let table = Node.element("table", [:], [.element("tr", [:], [.element("td", [:], [.element("b", [:], [])])])])
        #expect(table.rendered(as: .html) == "<table><tr><td><b></b></td></tr></table>")
        #expect(table.rendered(as: .xml) == "<table><tr><td><b/></td></tr></table>")
        #expect(
            Node.lines([.text("a"), .fragment([.text("b"), .text("c")]), .empty]).rendered(as: .xml) == "a\nbc\n\n")
    }

    @Test func emptyElementsFollowTheSyntax() {
        let image = Node.element("img", ["alt": "x"])
        #expect(image.rendered(as: .html) == "<img alt=\"x\">")
        #expect(image.rendered(as: .xml) == "<img alt=\"x\"/>")
        #expect(Node.element("td").rendered(as: .html) == "<td></td>")
        #expect(Node.element("meta", ["charset": "utf-8"]).rendered(as: .html) == "<meta charset=\"utf-8\">")
    }

    @Test func attributeValuesKeepTheirOrderAndFormat() {
        let dash: String? = nil
        var attributes: Attributes = ["y": 2.0, "x": -0.001, "r": 2, "stroke-dasharray": dash, "fill": "#fff"]
        attributes.append("opacity", "0.2")
        attributes.append("title", nil as String?)
        #expect(attributes.pairs.map(\.name) == ["y", "x", "r", "fill", "opacity"])
        #expect(attributes.pairs.map(\.value) == ["2.00", "0.00", "2", "#fff", "0.2"])
        let joined = (["a": 1] as Attributes).followed(by: ["b": 1.5])
        #expect(Node.element("p", joined).rendered(as: .xml) == "<p a=\"1\" b=\"1.50\"/>")
        #expect(coordinate(12.345) == "12.35" && coordinate(-3) == "-3.00" && coordinate(-0.004) == "0.00")
    }

    @Test func aWholeSmallSVG() {
        var svg = SVG(width: 120, height: 40.5)
        svg.text("A & B", x: 10, y: 20, size: 14, weight: "bold", rotate: true)
        svg.line(0, 1, 2.5, 3, color: "#888888", dash: "4,2")
        svg.rect(1, 2, 3, 4, fill: "#ff0000", stroke: "#000000", title: "cell <1>")
        svg.add("circle", ["class": "series", "data-name": "it's \"q\"", "cx": 5, "cy": 6.25, "r": 2])
        let expected = """
            <svg xmlns="http://www.w3.org/2000/svg" width="120.00" height="40.50" viewBox="0 0 120.00 40.50" \
            font-family="Helvetica, Arial, sans-serif" font-size="12">
            <rect x="0" y="0" width="120.00" height="40.50" fill="#ffffff"/>
            <text x="10.00" y="20.00" text-anchor="start" font-size="14.00" font-weight="bold" fill="#222222" \
            transform="rotate(-90 10.00 20.00)">A &amp; B</text>
            <line x1="0.00" y1="1.00" x2="2.50" y2="3.00" stroke="#888888" stroke-width="1.00" stroke-dasharray="4,2"/>
            <rect x="1.00" y="2.00" width="3.00" height="4.00" fill="#ff0000" stroke="#000000" stroke-width="0.5">\
            <title>cell &lt;1&gt;</title></rect>
            <circle class="series" data-name="it's &quot;q&quot;" cx="5" cy="6.25" r="2"/>
            </svg>

            """
        #expect(svg.text == expected)
        let check = XMLCheck(svg.text)
        #expect(check.error == nil)
        #expect(check.elements == ["svg": 1, "rect": 2, "text": 1, "line": 1, "title": 1, "circle": 1])
        #expect(check.seriesNames == ["it's \"q\""])
        // Placed inside another SVG: no namespace, an origin, the same drawing.
        let nested = svg.nested(x: 3, y: 0).rendered(as: .xml)
        let moved = svg.text.replacingOccurrences(
            of: "<svg xmlns=\"http://www.w3.org/2000/svg\" ", with: "<svg x=\"3.00\" y=\"0.00\" ")
        #expect(nested + "\n" == moved)
    }

    @Test func pagePartsEscapeTheirText() {
        let header = Report.header("Run <x> & y", notes: ["a \"note\""]).rendered(as: .html)
        #expect(header == "<h1>Run &lt;x&gt; &amp; y</h1>\n<p class=\"warning\">a &quot;note&quot;</p>\n")
        let section = Report.section("s", "A × B <c>", .text("1 < 2")).rendered(as: .html)
        #expect(section == "<section id=\"s\">\n<h2>A × B &lt;c&gt;</h2>\n1 &lt; 2\n</section>\n")
        let figure = Report.figure(PlotFile(name: "p.svg", caption: "x < y", svg: "<svg/>\n")).rendered(as: .html)
        let caption = "<figcaption>x &lt; y <a class=\"file\" href=\"plots/p.svg\">(plots/p.svg)</a></figcaption>"
        #expect(figure == "<figure>\n<svg/>\n\(caption)\n</figure>\n")
        let page = Report.page("T & U", .text("body"))
        #expect(
            page.hasPrefix(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>T &amp; U"))
        #expect(page.hasSuffix("</p>\n</body>\n</html>\n") && page.contains("<body>\n<p class=\"stamp\">convdyn "))
        #expect(page.contains("</code></p>\nbody\n<p class=\"note\">"))
    }
}
