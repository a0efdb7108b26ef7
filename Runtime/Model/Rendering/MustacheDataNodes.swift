import Mustache

// How missing variables are detected.
//
// swift-mustache resolves `{{a.b.c}}` in two phases: it looks up the first name `a` in each object of
// the context stack, innermost first (the "stack climb"), then it looks up `b` and `c` in the value it
// found. A lookup that finds nothing renders as an empty string, silently. To turn silent misses into
// errors, the data is wrapped in nodes that behave differently in the two phases:
//
// - `RootNode` is the outermost stack object, so it is the last stop of the climb: an absent name
//   there is absent everywhere, and it answers with a `MissingNode` instead of `nil`.
// - A found value is returned as a `FoundNode`. swift-mustache applies `representation` to every
//   object it looks into, and to the final result of a lookup. Looking into a `FoundNode` (the second
//   phase) therefore happens on a *strict* `ValueNode`, which answers absent names with a
//   `MissingNode`. A section pushes the final result, the strict node, onto the stack; looking into a
//   stack object applies `representation` once more and so happens on a *lenient* `ValueNode`, which
//   answers absent names with `nil` and lets the climb continue outwards.
// - A `MissingNode` is a null object: sections over it do not render, inverted sections do. Only when
//   it is rendered as a variable does it record its path, so variables inside sections that are not
//   rendered never count as missing.

/// Collects the variable paths a render used but the data did not contain, in first-use order.
final class MissingVariableRecorder {
    private(set) var paths: [String] = []
    private var seen: Set<String> = []

    func record(_ path: String) {
        if seen.insert(path).inserted {
            paths.append(path)
        }
    }
}

/// The notification's data at the bottom of the context stack.
struct RootNode: MustacheParent, MustacheCustomRenderable {
    let object: [String: JSONValue]
    let recorder: MissingVariableRecorder

    func child(named name: String) -> Any? {
        guard let value = object[name] else {
            return MissingNode(path: name, recorder: recorder)
        }
        return FoundNode(value: value, path: name, recorder: recorder)
    }

    var renderText: String { JSONValue.object(object).jsonText }
    var isNull: Bool { false }
}

/// A value a lookup found; see the comment at the top of this file.
struct FoundNode: MustacheCustomRepresentation {
    let value: JSONValue
    let path: String
    let recorder: MissingVariableRecorder

    var representation: Any? {
        switch value {
        case .null:
            return MissingNode(path: path, recorder: recorder)
        case .bool(let bool):
            return bool
        case .array(let elements):
            return ArrayNode(elements: elements, path: path, recorder: recorder)
        case .number, .string, .object:
            return ValueNode(value: value, path: path, strict: true, recorder: recorder)
        }
    }
}

/// A number, string or object: strict when looked into as part of a dotted path, lenient when it is
/// a stack object looked into during the stack climb.
struct ValueNode: MustacheParent, MustacheCustomRepresentation, MustacheCustomRenderable, MustacheTransformable {
    let value: JSONValue
    let path: String
    let strict: Bool
    let recorder: MissingVariableRecorder

    func child(named name: String) -> Any? {
        if case .object(let object) = value, let child = object[name] {
            return FoundNode(value: child, path: "\(path).\(name)", recorder: recorder)
        }
        return strict ? MissingNode(path: "\(path).\(name)", recorder: recorder) : nil
    }

    var representation: Any? {
        strict ? ValueNode(value: value, path: path, strict: false, recorder: recorder) : self
    }

    var renderText: String { value.templateText }
    var isNull: Bool { false }

    func transform(_ name: String) -> Any? {
        switch value {
        case .string(let string):
            return string.transform(name)
        case .number(let number):
            guard number.rounded() == number, abs(number) < 1e15 else { return nil }
            return Int(number).transform(name)
        case .object(let object):
            var nodes: [String: FoundNode] = [:]
            for (key, child) in object {
                nodes[key] = FoundNode(value: child, path: "\(path).\(key)", recorder: recorder)
            }
            return nodes.transform(name)
        default:
            return nil
        }
    }
}

/// An array: iterated by sections, indexable by position in dotted paths (`{{items.0.name}}`).
struct ArrayNode: MustacheSequence, MustacheParent, MustacheCustomRenderable, MustacheTransformable {
    let elements: [JSONValue]
    let path: String
    let recorder: MissingVariableRecorder

    private var nodes: [ValueNode] {
        elements.enumerated().map { index, element in
            ValueNode(value: element, path: "\(path).\(index)", strict: true, recorder: recorder)
        }
    }

    func makeIterator() -> IndexingIterator<[ValueNode]> { nodes.makeIterator() }

    func child(named name: String) -> Any? {
        guard let index = Int(name) else { return nil }
        guard elements.indices.contains(index) else {
            return MissingNode(path: "\(path).\(name)", recorder: recorder)
        }
        return FoundNode(value: elements[index], path: "\(path).\(name)", recorder: recorder)
    }

    var renderText: String { JSONValue.array(elements).jsonText }
    var isNull: Bool { false }

    func transform(_ name: String) -> Any? { nodes.transform(name) }
}

/// A value the data does not contain (absent or `null`). Renders as an empty string and records its
/// path; sections over it do not render, inverted sections do.
struct MissingNode: MustacheParent, MustacheCustomRenderable, MustacheTransformable {
    let path: String
    let recorder: MissingVariableRecorder

    func child(named name: String) -> Any? {
        MissingNode(path: "\(path).\(name)", recorder: recorder)
    }

    var renderText: String {
        recorder.record(path)
        return ""
    }

    var isNull: Bool { true }

    func transform(_ name: String) -> Any? { self }
}
