/// Records as clients see them (docs/design.md §4). Times are RFC 3339 UTC strings.

public struct Server: Codable, Equatable, Sendable {

    enum CodingKeys: String, CodingKey {
        case id
        case name
        case description
        case allowedHosts = "allowed_hosts"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
    public var id: String
    public var name: String
    public var description: String
    public var allowedHosts: [String]
    public var createdAt: String
    public var updatedAt: String

    public init(
        id: String, name: String, description: String, allowedHosts: [String], createdAt: String, updatedAt: String
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.allowedHosts = allowedHosts
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

public struct Tool: Codable, Equatable, Sendable {

    enum CodingKeys: String, CodingKey {
        case id
        case serverId = "server_id"
        case name
        case description
        case kind
        case currentVersion = "current_version"
        case approvalStatus = "approval_status"
        case approvedVersion = "approved_version"
        case codeSha256 = "code_sha256"
        case inputSchema = "input_schema"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case deletedAt = "deleted_at"
    }
    public var id: String
    public var serverId: String
    public var name: String
    public var description: String
    public var kind: ToolKind
    public var currentVersion: Int
    public var approvalStatus: ApprovalStatus
    public var approvedVersion: Int?
    public var codeSha256: String
    public var inputSchema: JSONValue
    public var createdAt: String
    public var updatedAt: String
    public var deletedAt: String?

    public init(
        id: String, serverId: String, name: String, description: String, kind: ToolKind, currentVersion: Int,
        approvalStatus: ApprovalStatus, approvedVersion: Int?, codeSha256: String, inputSchema: JSONValue,
        createdAt: String, updatedAt: String, deletedAt: String?
    ) {
        self.id = id
        self.serverId = serverId
        self.name = name
        self.description = description
        self.kind = kind
        self.currentVersion = currentVersion
        self.approvalStatus = approvalStatus
        self.approvedVersion = approvedVersion
        self.codeSha256 = codeSha256
        self.inputSchema = inputSchema
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deletedAt = deletedAt
    }

    public var state: ToolState {
        get {
            ToolState(
                currentVersion: currentVersion, codeSHA256: codeSha256, approvalStatus: approvalStatus,
                approvedVersion: approvedVersion)
        }
        set {
            currentVersion = newValue.currentVersion
            codeSha256 = newValue.codeSHA256
            approvalStatus = newValue.approvalStatus
            approvedVersion = newValue.approvedVersion
        }
    }

    // Encode `approved_version` and `deleted_at` as explicit nulls: clients rely on the keys.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(serverId, forKey: .serverId)
        try c.encode(name, forKey: .name)
        try c.encode(description, forKey: .description)
        try c.encode(kind, forKey: .kind)
        try c.encode(currentVersion, forKey: .currentVersion)
        try c.encode(approvalStatus, forKey: .approvalStatus)
        try c.encode(approvedVersion, forKey: .approvedVersion)
        try c.encode(codeSha256, forKey: .codeSha256)
        try c.encode(inputSchema, forKey: .inputSchema)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(deletedAt, forKey: .deletedAt)
    }
}

public struct ToolVersion: Encodable, Equatable, Sendable {

    enum CodingKeys: String, CodingKey {
        case version
        case codeSha256 = "code_sha256"
        case source
        case rolledBackFrom = "rolled_back_from"
        case createdBy = "created_by"
        case createdAt = "created_at"
        case code, name, description
        case inputSchema = "input_schema"
    }
    public var version: Int
    public var codeSha256: String
    public var source: VersionSource
    public var rolledBackFrom: Int?
    public var createdBy: String
    public var createdAt: String
    /// The full definition, present only when one version is fetched.
    public var definition: ToolDefinition?

    public init(
        version: Int, codeSha256: String, source: VersionSource, rolledBackFrom: Int?, createdBy: String,
        createdAt: String,
        definition: ToolDefinition?
    ) {
        self.version = version
        self.codeSha256 = codeSha256
        self.source = source
        self.rolledBackFrom = rolledBackFrom
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.definition = definition
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(codeSha256, forKey: .codeSha256)
        try c.encode(source, forKey: .source)
        try c.encode(rolledBackFrom, forKey: .rolledBackFrom)
        try c.encode(createdBy, forKey: .createdBy)
        try c.encode(createdAt, forKey: .createdAt)
        if let definition {
            try c.encode(definition.code, forKey: .code)
            try c.encode(definition.name, forKey: .name)
            try c.encode(definition.description, forKey: .description)
            try c.encode(definition.inputSchema, forKey: .inputSchema)
        }
    }
}

/// Everything a client or a model sees or runs of one version: what approval covers.
public struct ToolDefinition: Equatable, Sendable {
    public var name: String
    public var description: String
    public var code: String
    public var inputSchema: JSONValue

    public init(name: String, description: String, code: String, inputSchema: JSONValue) {
        self.name = name
        self.description = description
        self.code = code
        self.inputSchema = inputSchema
    }
}

public struct APIKey: Codable, Equatable, Sendable {

    enum CodingKeys: String, CodingKey {
        case id
        case name
        case role
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
        case key
    }
    public var id: String
    public var name: String
    public var role: Role
    public var createdAt: String
    public var expiresAt: String?
    public var revokedAt: String?
    /// The secret itself: only in the answer that creates the key.
    public var key: String?

    public init(
        id: String, name: String, role: Role, createdAt: String, expiresAt: String?, revokedAt: String?, key: String?
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.key = key
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(role, forKey: .role)
        try c.encodeIfPresent(key, forKey: .key)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(revokedAt, forKey: .revokedAt)
    }
}

public struct AuditEvent: Codable, Equatable, Sendable {

    enum CodingKeys: String, CodingKey {
        case seq
        case at
        case type
        case actor
        case subject
        case details
        case prevHash = "prev_hash"
        case hash
    }
    public var seq: Int64
    public var at: String
    public var type: String
    public var actor: String
    public var subject: String
    public var details: JSONValue
    public var prevHash: String
    public var hash: String

    public init(
        seq: Int64, at: String, type: String, actor: String, subject: String, details: JSONValue, prevHash: String,
        hash: String
    ) {
        self.seq = seq
        self.at = at
        self.type = type
        self.actor = actor
        self.subject = subject
        self.details = details
        self.prevHash = prevHash
        self.hash = hash
    }
}

/// Who is calling: resolved from a credential by the auth layer.
public struct Principal: Equatable, Sendable {
    /// Which kind of credential proved the identity; part of the actor, so ids of different kinds never collide.
    public enum Kind: String, Sendable {
        case apiKey = "key"
        case oidc
        case certificate = "cert"
    }

    public var id: String
    public var name: String
    public var role: Role
    public var kind: Kind

    public init(id: String, name: String, role: Role, kind: Kind) {
        self.id = id
        self.name = name
        self.role = role
        self.kind = kind
    }

    /// How the principal appears in audit events and execution records: `key:…`, `oidc:…` or `cert:…`.
    public var actor: String { "\(kind.rawValue):\(id)" }

    public func require(_ action: Action) throws {
        guard AccessPolicy.allows(role, action) else {
            throw DomainError.forbidden("role \(role.rawValue) may not \(action.description)")
        }
    }
}

extension Action: CustomStringConvertible {
    public var description: String {
        switch self {
        case .readRegistry: "read servers and tools"
        case .manageServers: "create, change or delete servers"
        case .submitTools: "create or change tools"
        case .deleteTools: "delete tools"
        case .judgeTools: "approve or reject tools"
        case .rollbackTools: "roll back tools"
        case .executeTools: "execute tools"
        case .readExecutions: "read execution logs"
        case .readAudit: "read the audit trail"
        case .listSecrets: "list secrets"
        case .manageSecrets: "change secrets"
        case .manageMCPSources: "discover or import MCP tools"
        case .manageEgressPolicy: "change a server's egress policy (allowed_hosts, MCP sources)"
        case .manageKeys: "manage API keys"
        }
    }
}
