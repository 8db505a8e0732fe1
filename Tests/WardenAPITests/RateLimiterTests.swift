import Foundation
import Testing

@testable import WardenAPI

/// The rate-limit table under pressure: it never forgets a bucket that is holding someone back,
/// reserves failed-authentication budget atomically, and counts IPv6 clients per /64.
@Suite struct RateLimiterTests {
    static func limits(authBurst: Double) -> RateLimits {
        var limits = RateLimits()
        limits.authFailuresBurst = authBurst
        limits.authFailuresPerSecond = 0.001
        return limits
    }

    @Test func aFullTableNeverForgetsALimitingBucket() async throws {
        let limiter = RateLimiter(limits: Self.limits(authBurst: 2), capacity: 50)
        await limiter.chargeAuthFailure(address: "203.0.113.7")
        try await limiter.admitAuthAttempt(address: "203.0.113.7")
        await limiter.chargeAuthFailure(address: "203.0.113.7")
        await #expect(throws: APIError.self) { try await limiter.admitAuthAttempt(address: "203.0.113.7") }
        // Thousands of other identities fill the table far past its capacity.
        for n in 0..<2_000 { try await limiter.request(identity: "key:\(n)") }
        #expect(await limiter.bucketCount <= 60)
        await #expect(throws: APIError.self, "the lockout survived the flood") {
            try await limiter.admitAuthAttempt(address: "203.0.113.7")
        }
    }

    @Test func concurrentGuessesArePaidForAfterwards() async throws {
        let limiter = RateLimiter(limits: Self.limits(authBurst: 5))
        // Fifty guesses admitted before any of them failed; then all fail: each is charged, into debt.
        for _ in 0..<50 { try await limiter.admitAuthAttempt(address: "198.51.100.1") }
        for _ in 0..<50 { await limiter.chargeAuthFailure(address: "198.51.100.1") }
        // The debt is one whole burst: the address waits for 6 tokens at 0.001/s.
        do {
            try await limiter.admitAuthAttempt(address: "198.51.100.1")
            Issue.record("the address was admitted after spending its budget")
        } catch let error as APIError {
            let retry = Int(error.headers[.retryAfter] ?? "") ?? 0
            #expect(retry > 5_000, "retry after \(retry) s")
        }
    }

    @Test func validCredentialsAreNeverChargedHoweverMany() async throws {
        let limiter = RateLimiter(limits: Self.limits(authBurst: 2))
        // Sixty requests that authenticate, at once: admission spends nothing.
        let admitted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<60 {
                group.addTask { (try? await limiter.admitAuthAttempt(address: "198.51.100.2")) != nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 60)
    }

    @Test func ipv6ClientsShareOneBudgetPerSlash64() async throws {
        #expect(
            RateLimiter.clientKey("2001:db8:1:2:aaaa::1") == RateLimiter.clientKey("2001:db8:1:2:ffff:ffff:ffff:ffff"))
        #expect(RateLimiter.clientKey("2001:db8:1:2::1") != RateLimiter.clientKey("2001:db8:1:3::1"))
        #expect(RateLimiter.clientKey("203.0.113.9") == "203.0.113.9")
        #expect(RateLimiter.clientKey("::ffff:203.0.113.9") == "203.0.113.9")
        let limiter = RateLimiter(limits: Self.limits(authBurst: 1))
        await limiter.chargeAuthFailure(address: "2001:db8:1:2::1")
        await #expect(throws: APIError.self) { try await limiter.admitAuthAttempt(address: "2001:db8:1:2::2") }
    }

    @Test func aFloodOfFailuresAddsOneAuditRowPerWindow() async {
        let limiter = RateLimiter(limits: RateLimits())
        #expect(await limiter.auditFailure(address: "192.0.2.1", now: 1000) == (true, 0))
        for second in 1..<30 {
            #expect(await limiter.auditFailure(address: "192.0.2.1", now: 1000 + Double(second)).record == false)
        }
        #expect(
            await limiter.auditFailure(address: "192.0.2.2", now: 1010).record, "another address has its own window")
        let next = await limiter.auditFailure(address: "192.0.2.1", now: 1000 + RateLimiter.failureAuditWindow)
        #expect(next.record && next.folded == 29)
    }
}
