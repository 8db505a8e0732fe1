/// Everything a caller can ask the service to do, at the granularity roles are granted.
public enum Action: String, Sendable, CaseIterable {
    case readRegistry  // servers, tools, versions
    case manageServers  // create, update, delete servers
    case submitTools  // create tools, update code or metadata
    case deleteTools
    case judgeTools  // approve, reject
    case rollbackTools
    case executeTools  // REST executions and MCP tools/call
    case readExecutions
    case readAudit
    case listSecrets  // names and dates, never values
    case manageSecrets
    case manageMCPSources  // discover and import an MCP source's tools
    case manageEgressPolicy  // allowed_hosts, MCP sources (URL and the secret sent there)
    case manageKeys
}

/// The role table: the one place that says who may do what.
public enum AccessPolicy {
    public static func allows(_ role: Role, _ action: Action) -> Bool {
        switch role {
        case .admin:
            return true
        case .operator:
            return ![.judgeTools, .manageKeys, .manageEgressPolicy, .readExecutions, .readAudit].contains(action)
        case .agent:
            // Changing and deleting is further limited to the agent's own tools: `mayChangeTool`.
            return [.readRegistry, .submitTools, .deleteTools, .executeTools].contains(action)
        case .auditor:
            return [.readRegistry, .readExecutions, .readAudit, .listSecrets].contains(action)
        }
    }
}

/// Who may touch one particular tool or version, beyond what the role table grants.
public enum ToolOwnership {
    /// Agents change or delete only the tools they created (a session token counts as its key);
    /// operators and admins change any.
    public static func requireMayChange(toolCreatedBy creator: String, _ principal: Principal) throws {
        guard principal.role != .agent || creator == principal.actor else {
            throw DomainError.forbidden("agents may change or delete only the tools they created")
        }
    }

    /// A test run of a version: an admin, or whoever created that version.
    public static func requireMayTestRun(versionCreatedBy creator: String, _ principal: Principal) throws {
        guard principal.role == .admin || (principal.role != .auditor && creator == principal.actor) else {
            throw DomainError.forbidden("only an admin or the version's creator may test-run it")
        }
    }
}
