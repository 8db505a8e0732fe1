import Hummingbird
import NIOCore

/// Runs an application on a loopback port for the length of `body`, then stops it: for servers
/// a test needs besides Warden's own (an identity provider), or Warden served over TLS.
public enum RunningApp {
    public static func serve<App: ApplicationProtocol, T: Sendable>(
        _ make: (@escaping @Sendable (any Channel) async -> Void) throws -> App,
        _ body: (Int) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try make { channel in continuation.yield(channel.localAddress?.port ?? 0) }
        let task = Task { try await app.run() }
        defer { task.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw SandboxUnavailable("the server did not start") }
        return try await body(port)
    }
}
