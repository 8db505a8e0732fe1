import Foundation
import Mustache

/// The admin console's parts: its templates (escaped as HTML by the engine), its stylesheet,
/// and who is signed in. Loaded once at start-up from the installation's `console/` folder.
public struct Console: Sendable {
    let templates: MustacheLibrary
    let stylesheet: Data
    let sessions: ConsoleSessions
    /// Cookies carry `Secure` when Warden itself serves TLS.
    public var secureCookies = false

    public static func load(from directory: URL, sessions: ConsoleSessions = ConsoleSessions()) async throws -> Console
    {
        let templates = try await MustacheLibrary(directory: directory.appendingPathComponent("templates").path)
        let stylesheet = try Data(contentsOf: directory.appendingPathComponent("static/console.css"))
        return Console(templates: templates, stylesheet: stylesheet, sessions: sessions)
    }

    func render(_ template: String, _ values: [String: Any]) -> String {
        templates.render(values, withTemplate: template) ?? "template \(template) is missing"
    }
}
