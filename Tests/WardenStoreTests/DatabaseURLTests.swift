import Testing
import WardenStore

@Suite("Database URL")
struct DatabaseURLTests {
    @Test func readsEveryPartAndKeepsThePasswordOutOfItsDescription() throws {
        let url = try DatabaseURL("postgres://warden:s%40cret@db.example:6432/registry?sslmode=require")
        #expect(url.host == "db.example" && url.port == 6432 && url.user == "warden")
        #expect(url.password == "s@cret" && url.database == "registry" && url.tls == .require)
        #expect(!url.description.contains("cret"))
        #expect(try DatabaseURL("postgresql://u@127.0.0.1/d").tls == .disable, "loopback defaults to no TLS")
        #expect(try DatabaseURL("postgres://u@db.example/d").tls == .prefer, "elsewhere TLS is tried")
        #expect(try DatabaseURL("postgres://u@db/d?sslmode=verify-full").tls == .verifyFull)
    }

    @Test(arguments: [
        "mysql://u@h/d", "postgres://h/d", "postgres://u@/d", "postgres://u@h", "postgres://u@h/",
        "postgres://u@h/d?sslmode=maybe", "not a url",
    ])
    func refusesWhatIsNotAPostgreSQLURL(_ text: String) {
        #expect(throws: DatabaseURL.Invalid.self) { try DatabaseURL(text) }
    }
}
