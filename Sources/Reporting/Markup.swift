import Experiments
import Foundation

/// A piece of HTML or SVG: an element with ordered attributes and children, escaped text, or an
/// already rendered fragment. Rendering is deterministic, and text and attribute values are
/// escaped here and nowhere else.
///
/// Layout is explicit, so a page keeps the same bytes: `element` writes its children one after
/// another (`<tr><td>1</td></tr>`), `block` puts the opening tag, every child and the closing tag
/// on lines of their own (`<ul>⏎<li>…</li>⏎</ul>`).
package struct Node: Sendable {
    enum Layout: Sendable {
        case inline
        case block
    }

    enum Content: Sendable {
        case element(name: String, attributes: Attributes, children: [Node], layout: Layout)
        case text(String)
        case raw(String)
        case fragment([Node])
    }

    let content: Content

    /// `<name attributes>children</name>`, or an empty element (`<rect …/>` in XML, `<img …>` or
    /// `<td></td>` in HTML).
    package static func element(_ name: String, _ attributes: Attributes = [:], _ children: [Node] = []) -> Node {
        Node(content: .element(name: name, attributes: attributes, children: children, layout: .inline))
    }

    /// `<name attributes>`, each child and `</name>` on lines of their own (`<ul>⏎</ul>` when empty).
    package static func block(_ name: String, _ attributes: Attributes = [:], _ children: [Node]) -> Node {
        Node(content: .element(name: name, attributes: attributes, children: children, layout: .block))
    }

    /// Text, escaped when rendered.
    package static func text(_ text: String) -> Node { Node(content: .text(text)) }

    /// A fragment written as it is: only for markup this module has rendered itself (a plot's SVG
    /// document inside a page) and constant style sheets, never for data.
    package static func raw(_ markup: String) -> Node { Node(content: .raw(markup)) }

    /// Nodes one after another, with nothing between them.
    package static func fragment(_ nodes: [Node]) -> Node { Node(content: .fragment(nodes)) }

    /// Nodes one after another, each followed by a line break.
    package static func lines(_ nodes: [Node]) -> Node {
        .fragment(nodes.flatMap { [$0, .text("\n")] })
    }

    /// The empty fragment.
    package static let empty = Node.fragment([])

    /// The markup text. In `.xml` an element without children closes itself (`<rect …/>`); in
    /// `.html` only the void elements (`img`, `meta`, …) have no end tag.
    package func rendered(as syntax: Syntax) -> String {
        var out = ""
        write(to: &out, syntax)
        return out
    }

    /// An HTML document: the doctype, then this node (the `html` element), then a line break.
    package var htmlDocument: String { "<!DOCTYPE html>\n" + rendered(as: .html) + "\n" }

    /// An XML (SVG) document: this node, then a line break.
    package var xmlDocument: String { rendered(as: .xml) + "\n" }

    private func write(to out: inout String, _ syntax: Syntax) {
        switch content {
        case .text(let text): out += escape(text)
        case .raw(let markup): out += markup
        case .fragment(let nodes): for node in nodes { node.write(to: &out, syntax) }
        case .element(let name, let attributes, let children, let layout):
            out += "<" + name
            for (attribute, value) in attributes.pairs { out += " \(attribute)=\"\(escape(value))\"" }
            if children.isEmpty, layout == .inline {
                switch syntax {
                case .xml: out += "/>"
                case .html: out += Syntax.voidElements.contains(name) ? ">" : "></\(name)>"
                }
                return
            }
            out += ">"
            for child in children {
                if layout == .block { out += "\n" }
                child.write(to: &out, syntax)
            }
            if layout == .block { out += "\n" }
            out += "</\(name)>"
        }
    }
}

/// How empty elements are written.
package enum Syntax: Sendable {
    case html
    case xml

    static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    ]
}

/// A value an attribute can take: text as it is, integers in decimal, and coordinates with two
/// decimals (see `coordinate(_:)`). A nil value leaves the attribute out.
package protocol AttributeValue: Sendable {
    var attributeText: String { get }
}

extension String: AttributeValue {
    package var attributeText: String { self }
}

extension Int: AttributeValue {
    package var attributeText: String { String(self) }
}

extension Double: AttributeValue {
    package var attributeText: String { coordinate(self) }
}

/// The attributes of an element in the order written, e.g. `["x": 1.5, "fill": color, "stroke": dash]`;
/// an attribute whose value is nil is left out.
package struct Attributes: ExpressibleByDictionaryLiteral, Sendable {
    package private(set) var pairs: [(name: String, value: String)] = []

    package init(dictionaryLiteral elements: (String, (any AttributeValue)?)...) {
        for (name, value) in elements { append(name, value) }
    }

    /// Adds `name` after the attributes already there (nothing when `value` is nil).
    package mutating func append(_ name: String, _ value: (any AttributeValue)?) {
        if let value { pairs.append((name, value.attributeText)) }
    }

    /// These attributes followed by `other`'s.
    package func followed(by other: Attributes) -> Attributes {
        var all = self
        all.pairs += other.pairs
        return all
    }
}

/// A coordinate or length as written in SVG: two decimals, "-0.00" written as "0.00". Every
/// coordinate of every plot goes through here, so the same plot always gives the same bytes.
package func coordinate(_ v: Double) -> String {
    let s = String(format: "%.2f", v)
    return s == "-0.00" ? "0.00" : s
}

/// Escapes text for HTML and XML: & < > and " (attribute values are always written in double
/// quotes, so ' needs no escape). The one escape of the module: `Node` calls it for every text and
/// attribute value, and nothing else may.
private func escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}

// MARK: - The page template

/// convdyn's version, as `convdyn --version` prints it and every page's header shows it.
public let convdynVersion = "0.1.0"

/// Who made a page and how, shown at its top: convdyn's version, the git revision of the checkout
/// it was built from, the date and the command line.
package struct PageStamp: Sendable {
    /// convdyn's version.
    package var version: String
    /// The commit the tool was built from (with "+ local changes" when the checkout differed), or
    /// "unknown".
    package var revision: String
    /// When the page was written.
    package var date: Date
    /// The command that wrote the page, the program first.
    package var commandLine: [String]

    /// The stamp of a page written now by this process. `SOURCE_DATE_EPOCH`, when set, fixes the
    /// date (reproducible pages).
    package static var current: PageStamp {
        let environment = ProcessInfo.processInfo.environment
        let date = environment["SOURCE_DATE_EPOCH"].flatMap(TimeInterval.init).map(Date.init(timeIntervalSince1970:))
        return PageStamp(
            version: convdynVersion, revision: buildRevision, date: date ?? Date(), commandLine: CommandLine.arguments)
    }

    /// The git revision of the checkout this module was built from, read once per process.
    static let buildRevision: String = {
        let (revision, dirty) = buildGitState
        guard revision != "unknown" else { return revision }
        return String(revision.prefix(12)) + (dirty == true ? " + local changes" : "")
    }()

    /// The date in UTC to the minute: "2026-12-02 10:41 UTC".
    package var dateText: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date) + " UTC"
    }

    /// The command line as one could type it again: the program by its name ("convdyn"), each
    /// argument that a shell would split or expand in single quotes.
    package var commandText: String {
        guard let program = commandLine.first else { return "convdyn" }
        let name = URL(fileURLWithPath: program).lastPathComponent
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
        func quoted(_ s: String) -> String {
            !s.isEmpty && s.allSatisfy(safe.contains) ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
        return ([name] + commandLine.dropFirst()).map(quoted).joined(separator: " ")
    }

    /// The header line: version, revision and date, then the command in `<code>`.
    package var node: Node {
        .element(
            "p", ["class": "stamp"],
            [
                .text("convdyn \(version) · git \(revision) · \(dateText) · "),
                .element("code", [:], [.text(commandText)]),
            ])
    }
}

extension Report {
    /// The style sheet of every page (a constant). Plots shrink to the width of the screen (their
    /// text stays readable: see `PlotStyle`), tables and code scroll inside their box, and nothing is
    /// wider than a phone's screen.
    static let styleSheet = """
        body { font-family: Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1440px; color: #222; \
        padding: 0 16px; line-height: 1.4; }
        h1 { font-size: 22px; } h2 { font-size: 18px; border-bottom: 1px solid #ddd; padding-bottom: 4px; \
        margin-top: 32px; }
        figure { display: inline-block; margin: 8px 12px 16px 0; vertical-align: top; max-width: 100%; }
        figure svg { display: block; max-width: 100%; height: auto; }
        figcaption { font-size: 14px; color: #444; max-width: 648px; }
        .file { color: #888; } .note { color: #555; font-size: 13px; }
        .stamp { color: #555; font-size: 13px; margin: 0 0 12px; }
        .stamp code { font-size: 12px; background: #f3f3f3; padding: 1px 4px; }
        .warning { background: #fff3cd; border: 1px solid #e0c36c; padding: 8px 12px; }
        table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #ccc; padding: 3px 8px; \
        text-align: right; }
        pre { background: #f6f6f6; padding: 8px; font-size: 12px; overflow-x: auto; max-width: 100%; }
        .table-wrap { overflow-x: auto; max-width: 100%; }
        img, svg, video { max-width: 100%; }
        h1, h2, figcaption, li, p, code { overflow-wrap: anywhere; }
        @media (max-width: 600px) { body { margin: 12px auto; padding: 0 12px; } figure { display: block; \
        margin: 8px 0 16px; } h1 { font-size: 19px; } }
        """
}
