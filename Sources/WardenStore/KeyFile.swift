import Foundation
import WardenDomain

public enum KeyFileError: Error, CustomStringConvertible {
    case malformed(variable: String)
    case malformedFile(String)
    case lost(variable: String, path: String, guarding: String)

    public var description: String {
        switch self {
        case .malformed(let variable):
            "\(variable) must be exactly 64 hex characters (32 bytes); generate one with: openssl rand -hex 32"
        case .malformedFile(let path):
            "key file \(path) must hold exactly 64 hex characters"
        case .lost(let variable, let path, let guarding):
            "the key is missing (\(path) does not exist and \(variable) is not set) but the database holds \(guarding); restore the key file or set \(variable)"
        }
    }
}

/// 32-byte keys given as 64 hex characters in an environment variable or a 0600 file in the data folder.
public enum KeyFile {
    /// The key from `variable`, else from `file`, else a new random key written to `file` (0600).
    /// `mayCreate` is false when losing the key would strand existing data.
    public static func load(
        variable: String, file: URL, environment: [String: String], guarding: String,
        mayCreate: () throws -> Bool
    ) throws -> [UInt8] {
        if let value = environment[variable] {
            guard let bytes = parse(value) else { throw KeyFileError.malformed(variable: variable) }
            return bytes
        }
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            guard let bytes = parse(text) else { throw KeyFileError.malformedFile(file.path) }
            return bytes
        }
        guard try mayCreate() else { throw KeyFileError.lost(variable: variable, path: file.path, guarding: guarding) }
        let bytes = RandomBytes.make(32)
        let created = FileManager.default.createFile(
            atPath: file.path, contents: Data((Hex.encode(bytes) + "\n").utf8),
            attributes: [.posixPermissions: 0o600])
        guard created else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path]) }
        return bytes
    }

    /// An optional key given only by a variable (such as the old key during rotation).
    public static func optional(variable: String, environment: [String: String]) throws -> [UInt8]? {
        guard let value = environment[variable] else { return nil }
        guard let bytes = parse(value) else { throw KeyFileError.malformed(variable: variable) }
        return bytes
    }

    public static func parse(_ text: String) -> [UInt8]? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.utf8.count == 64, let bytes = Hex.decode(trimmed) else { return nil }
        return bytes
    }
}
