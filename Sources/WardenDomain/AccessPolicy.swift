/// Everything a caller can ask the service to do, at the granularity roles are granted.
public enum Action: String, Sendable, CaseIterable {
    case readRegistry        // servers, tools, versions
    case manageServers       // create, update, delete servers
    case submitTools         // create tools, update code or metadata
    case deleteTools
    case judgeTools          // approve, reject
    case rollbackTools
    case executeTools        // REST executions and MCP tools/call
    case readExecutions
    case readAudit
    case listSecrets         // names and dates, never values
    case manageSecrets
    case manageMCPSources
    case manageKeys
}

/// The role table: the one place that says who may do what.
public enum AccessPolicy {
    public static func allows(_ role: Role, _ action: Action) -> Bool {
        switch role {
        case .admin:
            return true
        case .operator:
            return ![.judgeTools, .manageKeys, .readExecutions, .readAudit].contains(action)
        case .agent:
            return [.readRegistry, .submitTools, .executeTools].contains(action)
        case .auditor:
            return [.readRegistry, .readExecutions, .readAudit, .listSecrets].contains(action)
        }
    }
}
