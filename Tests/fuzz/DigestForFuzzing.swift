// The fuzz build compiles WardenDomain without swift-crypto: hashes are not what is fuzzed.
public enum Digest {
    public static func sha256Hex(_ text: String) -> String { sha256Hex(Array(text.utf8)) }

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(repeating: String(h, radix: 16), count: 4)
    }
}
