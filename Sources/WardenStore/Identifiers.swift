import WardenDomain

/// Opaque random identifiers: a readable prefix and 96 random bits.
public enum Identifier {
    public static func make(_ prefix: String) -> String {
        prefix + "_" + Hex.encode(RandomBytes.make(12))
    }
}

public enum RandomBytes {
    public static func make(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
