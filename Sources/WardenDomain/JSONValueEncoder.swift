/// An `Encoder` that builds a `JSONValue` from any `Encodable`, so a model's own `encode(to:)`
/// decides its JSON shape and `JSONWriter` writes it.
public enum JSONValueEncoder {
    public static func encode(_ value: some Encodable) throws -> JSONValue {
        let encoder = TreeEncoder(codingPath: [])
        try value.encode(to: encoder)
        return encoder.root.built
    }
}

/// A value under construction; containers share it by reference with their encoder.
private final class Node {
    var value: JSONValue = .null
    var object: [String: Node] = [:]
    var array: [Node] = []
    var kind: Kind = .single

    enum Kind { case single, object, array }

    var built: JSONValue {
        switch kind {
        case .single: value
        case .object: .object(object.mapValues(\.built))
        case .array: .array(array.map(\.built))
        }
    }
}

private final class TreeEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    let root: Node

    init(codingPath: [any CodingKey], root: Node = Node()) {
        self.codingPath = codingPath
        self.root = root
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if root.kind != .object {
            root.kind = .object
            root.object = [:]
        }
        return KeyedEncodingContainer(Keyed<Key>(node: root, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if root.kind != .array {
            root.kind = .array
            root.array = []
        }
        return Unkeyed(node: root, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        Single(node: root, codingPath: codingPath)
    }
}

/// Scalars become JSON values directly; anything else encodes itself into a child node.
private func encodeValue(_ value: some Encodable, into node: Node, codingPath: [any CodingKey]) throws {
    switch value {
    case let json as JSONValue:
        node.kind = .single
        node.value = json
    case let text as String:
        node.value = .string(text)
    case let flag as Bool:
        node.value = .bool(flag)
    case let number as Int:
        node.value = .int(Int64(number))
    case let number as Int64:
        node.value = .int(number)
    case let number as Int32:
        node.value = .int(Int64(number))
    case let number as Int16:
        node.value = .int(Int64(number))
    case let number as Int8:
        node.value = .int(Int64(number))
    case let number as UInt:
        node.value = number <= UInt(Int64.max) ? .int(Int64(number)) : .double(Double(number))
    case let number as UInt64:
        node.value = number <= UInt64(Int64.max) ? .int(Int64(number)) : .double(Double(number))
    case let number as UInt32:
        node.value = .int(Int64(number))
    case let number as UInt16:
        node.value = .int(Int64(number))
    case let number as UInt8:
        node.value = .int(Int64(number))
    case let number as Double:
        node.value = .double(number)
    case let number as Float:
        node.value = .double(Double(number))
    default:
        try value.encode(to: TreeEncoder(codingPath: codingPath, root: node))
    }
}

private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]

    private func child(_ key: Key) -> Node {
        let child = Node()
        node.object[key.stringValue] = child
        return child
    }

    mutating func encodeNil(forKey key: Key) throws { child(key).value = .null }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try encodeValue(value, into: child(key), codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        TreeEncoder(codingPath: codingPath + [key], root: child(key)).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        TreeEncoder(codingPath: codingPath + [key], root: child(key)).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(codingPath: codingPath, root: node) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        TreeEncoder(codingPath: codingPath + [key], root: child(key))
    }
}

private struct Unkeyed: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    var count: Int { node.array.count }

    private func next() -> Node {
        let child = Node()
        node.array.append(child)
        return child
    }

    mutating func encodeNil() throws { next().value = .null }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try encodeValue(value, into: next(), codingPath: codingPath)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        TreeEncoder(codingPath: codingPath, root: next()).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        TreeEncoder(codingPath: codingPath, root: next()).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { TreeEncoder(codingPath: codingPath, root: next()) }
}

private struct Single: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws {
        node.kind = .single
        node.value = .null
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        node.kind = .single
        try encodeValue(value, into: node, codingPath: codingPath)
    }
}
