import Testing
import WardenDomain

@Suite("Egress policy")
struct EgressPolicyTests {
    @Test(arguments: [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "100.127.255.255", "0.0.0.0", "224.0.0.1", "255.255.255.255", "240.0.0.1", "192.0.2.10", "198.18.0.1",
        "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
        "64:ff9b::a00:1", "2002:a00:1::1", "2001:db8::1", "::127.0.0.1",
    ])
    func forbidden(_ text: String) throws {
        let address = try #require(IPAddress(text), "\(text) should parse")
        #expect(AddressPolicy.check(address) != .allowed, "\(text)")
    }

    @Test(arguments: [
        "8.8.8.8", "1.1.1.1", "172.15.0.1", "172.32.0.1", "100.63.0.1", "100.128.0.1", "2606:4700:4700::1111",
        "2a00:1450::1",
    ])
    func allowed(_ text: String) throws {
        #expect(AddressPolicy.check(try #require(IPAddress(text))) == .allowed, "\(text)")
    }

    @Test func loopbackOnlyWithTheDevelopmentSetting() throws {
        #expect(AddressPolicy.check(try #require(IPAddress("127.0.0.1")), allowLoopback: true) == .allowed)
        #expect(AddressPolicy.check(try #require(IPAddress("::1")), allowLoopback: true) == .allowed)
        #expect(AddressPolicy.check(try #require(IPAddress("10.0.0.1")), allowLoopback: true) != .allowed)
        #expect(AddressPolicy.check(try #require(IPAddress("::ffff:127.0.0.1")), allowLoopback: true) != .allowed)
    }

    @Test func privateNetworksOnlyWithTheIssuerDevelopmentSetting() throws {
        for text in ["10.1.2.3", "172.16.0.1", "192.168.1.1", "fd00::1", "127.0.0.1"] {
            #expect(AddressPolicy.check(try #require(IPAddress(text)), allowPrivate: true) == .allowed, "\(text)")
            #expect(AddressPolicy.check(try #require(IPAddress(text))) != .allowed, "\(text)")
        }
        for text in ["169.254.169.254", "fe80::1", "224.0.0.1", "0.0.0.0", "::ffff:10.0.0.1"] {
            #expect(
                AddressPolicy.check(try #require(IPAddress(text)), allowPrivate: true) != .allowed,
                "\(text) stays refused")
        }
    }

    @Test func parsing() {
        #expect(IPAddress("1.2.3.4")?.bytes == [1, 2, 3, 4])
        #expect(IPAddress("::ffff:1.2.3.4")?.bytes == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4])
        #expect(IPAddress("fe80::1")?.bytes.last == 1)
        for bad in ["1.2.3", "1.2.3.256", "01.2.3.4", "example.com", "1::2::3", "12345::1", ""] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
    }

    @Test func targetsAndAllowlist() throws {
        let target = try EgressTarget.parse("https://api.example.com/v1?q=1")
        #expect(target == EgressTarget(scheme: "https", host: "api.example.com", port: 443))
        #expect(target.isAllowed(by: ["api.example.com"]))
        #expect(!target.isAllowed(by: ["example.com", "api.example.com:8443"]))
        let custom = try EgressTarget.parse("http://127.0.0.1:9000/x")
        #expect(custom.isAllowed(by: ["127.0.0.1:9000"]))
        #expect(!custom.isAllowed(by: ["127.0.0.1"]))
        #expect(try EgressTarget.parse("http://[::1]:8080/").host == "::1")
        for bad in [
            "ftp://x/", "file:///etc/passwd", "http://user:pw@host/", "//host/", "http://:80/", "http://h:99999/",
            "http://API.example.com/", "http://api.example.com./", "http://api%2eexample.com/",
        ] {
            #expect(throws: DomainError.self, "\(bad)") { try EgressTarget.parse(bad) }
        }
    }
}
