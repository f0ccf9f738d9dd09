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
