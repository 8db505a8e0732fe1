import Foundation
import WardenDomain

/// A Python helper server for a test: started with /usr/bin/python3, it prints one JSON line when
/// ready and stops when its standard input closes.
public struct HelperProcess: Sendable {
    public let ready: [String: JSONValue]
    private let stopAction: @Sendable () -> Void

    public static func start(_ script: String, arguments: [String] = []) throws -> HelperProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [TestSandbox.repositoryRoot.appendingPathComponent(script).path] + arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            line.append(byte)
        }
        guard let ready = (try? JSONValue.decode(String(decoding: line, as: UTF8.self)))?.objectValue else {
            process.terminate()
            throw SandboxUnavailable("\(script) did not start")
        }
        return HelperProcess(ready: ready) {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    public func port(_ name: String) throws -> Int {
        guard case .int(let port)? = ready[name] else { throw SandboxUnavailable("helper did not report \(name)") }
        return Int(port)
    }

    public func stop() { stopAction() }
}
