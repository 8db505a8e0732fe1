import Crypto
import Foundation
import WardenDomain

/// Seals secret values with AES-256-GCM under the current key, with associated data naming the
/// secret's place. Opening tries the current key, then the old one during a rotation.
public struct SecretBox: Sendable {
    private let current: SymmetricKey
    private let old: SymmetricKey?

    public init(currentKey: [UInt8], oldKey: [UInt8]? = nil) {
        self.current = SymmetricKey(data: currentKey)
        self.old = oldKey.map { SymmetricKey(data: $0) }
    }

    static func associatedData(serverId: String, name: String) -> Data {
        Data("server_secret:\(serverId):\(name)".utf8)
    }

    func seal(_ value: String, serverId: String, name: String) throws -> Data {
        let box = try AES.GCM.seal(
            Data(value.utf8), using: current, nonce: AES.GCM.Nonce(),
            authenticating: Self.associatedData(serverId: serverId, name: name))
        guard let combined = box.combined else { throw SecretError.sealFailed }
        return combined
    }

    /// The plaintext, and whether it was sealed under the old key.
    func open(_ sealed: Data, serverId: String, name: String) throws -> (value: String, underOldKey: Bool) {
        let aad = Self.associatedData(serverId: serverId, name: name)
        let box = try AES.GCM.SealedBox(combined: sealed)
        if let plain = try? AES.GCM.open(box, using: current, authenticating: aad) {
            return (String(decoding: plain, as: UTF8.self), false)
        }
        if let old, let plain = try? AES.GCM.open(box, using: old, authenticating: aad) {
            return (String(decoding: plain, as: UTF8.self), true)
        }
        throw SecretError.cannotDecrypt(serverId: serverId, name: name)
    }
}

public enum SecretError: Error, CustomStringConvertible, Equatable {
    case sealFailed
    case cannotDecrypt(serverId: String, name: String)

    public var description: String {
        switch self {
        case .sealFailed: "could not seal the secret"
        case .cannotDecrypt(let serverId, let name):
            "secret \(name) of server \(serverId) does not decrypt under the current or old key (moved between rows, or the key is wrong)"
        }
    }
}
