/// Which fork servers may run what. A server (tenant) never shares a worker with another, and
/// within one server, code no admin has approved for execution (test runs, and the analysis of
/// submitted code) never shares a fork server with approved executions that hold secrets: no
/// hash seed, memory layout, stack canary, pid counter or /tmp state passes between the two.
public enum WorkerTenancy {
    /// The pool key for approved executions of `serverId`'s tools.
    public static func approved(_ serverId: String) -> String { serverId }

    /// The pool key for code of `serverId` that is not (or not yet) approved.
    public static func untested(_ serverId: String) -> String { serverId + "#untested" }

    /// An admin's test run with the server's secrets: apart from other untested code too, so code
    /// an agent submitted never learns the layout of the process that holds them.
    public static func untestedWithSecrets(_ serverId: String) -> String { serverId + "#untested-secrets" }
}
