import Foundation
import WardenDomain
import WardenSandbox

/// A Python helper server for a test: started with /usr/bin/python3, it prints one JSON line when
/// ready and stops when its standard input closes.
public struct HelperProcess: Sendable {
    public let ready: [String: JSONValue]
    private let stopAction: @Sendable () -> Void

    public static func start(_ script: String, arguments: [String] = []) throws -> HelperProcess {
        let process = try ChildProcess.start(
            ["/usr/bin/python3", TestSandbox.repositoryRoot.appendingPathComponent(script).path] + arguments,
            environment: ProcessInfo.processInfo.environment, input: .pipe, errors: .inherit)
        let line = process.readLine()
        guard let ready = (try? JSONValue.decode(String(decoding: line, as: UTF8.self)))?.objectValue else {
            process.terminate()
            process.wait()
            throw SandboxUnavailable("\(script) did not start")
        }
        return HelperProcess(ready: ready) {
            process.closeInput()
            process.wait()
        }
    }

    public func port(_ name: String) throws -> Int {
        guard case .int(let port)? = ready[name] else { throw SandboxUnavailable("helper did not report \(name)") }
        return Int(port)
    }

    public func stop() { stopAction() }
}
