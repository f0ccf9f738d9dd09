import Foundation

/// An SVG drawing built from `Node`s on a white background. Coordinates are written with two
/// decimals (`coordinate(_:)`), so the same plot always gives the same bytes.
package struct SVG {
    let width: Double
    let height: Double
    /// How many pixels a unit of the drawing takes when it is shown on its own or on a wide page
    /// (its width and height attributes; the page shrinks it to the screen's width).
    let displayScale: Double
    private(set) var body: [Node] = []

    init(width: Double, height: Double, displayScale: Double = 1) {
        self.width = width
        self.height = height
        self.displayScale = displayScale
    }

    mutating func add(_ node: Node) { body.append(node) }

    /// Adds `<name attributes>children</name>` (or `<name attributes/>`).
    mutating func add(_ name: String, _ attributes: Attributes, _ children: [Node] = []) {
        add(.element(name, attributes, children))
    }

    /// The `<svg>` element with its namespace, the background and the drawing.
    var document: Node { root(at: nil) }

    /// The SVG document as text.
    var text: String { document.xmlDocument }

    /// The drawing as an `<svg>` element placed at (x, y) inside another SVG.
    func nested(x: Double, y: Double) -> Node { root(at: (x, y)) }

    private func root(at origin: (x: Double, y: Double)?) -> Node {
        let children = [SVG.background(width: width, height: height)] + body
        guard origin == nil, displayScale != 1 else {
            return SVG.root(width: width, height: height, at: origin, children)
        }
        return SVG.root(
            width: width * displayScale, height: height * displayScale,
            viewBox: "0 0 \(coordinate(width)) \(coordinate(height))", children)
    }

    /// `<svg>` with one child per line: with the SVG namespace, or, placed at `origin`, as an element
    /// inside another SVG; `viewBox` when the drawing's units are not the width and height.
    package static func root<Length: AttributeValue>(
        width: Length, height: Length, at origin: (x: Double, y: Double)? = nil, viewBox: String? = nil,
        _ children: [Node]
    ) -> Node {
        var attributes: Attributes =
            origin.map { ["x": $0.x, "y": $0.y] } ?? ["xmlns": "http://www.w3.org/2000/svg"]
        attributes.append("width", width)
        attributes.append("height", height)
        attributes.append("viewBox", viewBox ?? "0 0 \(width.attributeText) \(height.attributeText)")
        attributes.append("font-family", "Helvetica, Arial, sans-serif")
        attributes.append("font-size", "12")
        return .block("svg", attributes, children)
    }

    /// A white rectangle over the whole drawing.
    package static func background<Length: AttributeValue>(width: Length, height: Length) -> Node {
        .element("rect", ["x": 0, "y": 0, "width": width, "height": height, "fill": "#ffffff"])
    }

    mutating func text(
        _ s: String, x: Double, y: Double, anchor: String = "start", size: Double = 12,
        weight: String = "normal", color: String = "#222222", rotate: Bool = false
    ) {
        add(
            "text",
            [
                "x": x, "y": y, "text-anchor": anchor, "font-size": size, "font-weight": weight, "fill": color,
                "transform": rotate ? "rotate(-90 \(coordinate(x)) \(coordinate(y)))" : nil,
            ],
            [.text(s)])
    }

    mutating func line(
        _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String, width: Double = 1, dash: String? = nil
    ) {
        add(
            "line",
            ["x1": x1, "y1": y1, "x2": x2, "y2": y2, "stroke": color, "stroke-width": width, "stroke-dasharray": dash])
    }

    mutating func rect(
        _ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil, title: String? = nil
    ) {
        add(
            "rect",
            [
                "x": x, "y": y, "width": w, "height": h, "fill": fill, "stroke": stroke,
                "stroke-width": stroke.map { _ in "0.5" },
            ],
            title.map { [.element("title", [:], [.text($0)])] } ?? [])
    }

    /// A `points` attribute: "x,y x,y …" in coordinates.
    static func points(_ points: [(x: Double, y: Double)]) -> String {
        points.map { "\(coordinate($0.x)),\(coordinate($0.y))" }.joined(separator: " ")
    }
}

/// Formats a tick or table value compactly: up to 4 significant digits, no trailing zeros.
public func formatValue(_ v: Double) -> String {
    if v.isNaN { return "n/a" }
    if v == 0 { return "0" }
    let a = abs(v)
    if a >= 1e5 || a < 1e-3 { return String(format: "%.1e", v) }
    var s = String(format: a >= 100 ? "%.0f" : (a >= 10 ? "%.1f" : (a >= 1 ? "%.2f" : "%.3f")), v)
    if s.contains(".") {
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
    }
    return s
}
