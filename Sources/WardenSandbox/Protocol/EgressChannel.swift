import Dispatch
import WardenDomain

#if canImport(Glibc)
    import Glibc
#endif

/// The supervisor's end of one worker's egress socket: whole frames in, one answer each.
/// Every frame read costs O(its size), and a worker gets at most `quota` answers: what it sends
/// beyond that, or out of turn, or malformed, ends it.
struct EgressChannel {
    enum Event {
        case nothing
        case closed
        /// Stop the worker for this cause (and, for a protocol break, this reason).
        case stop(KillCause, String?)
    }

    let fd: Int32
    let egress: (any WorkerEgress)?
    private var buffer: [UInt8] = []
    private var frames = 0
    private static let noEgressFrameCap = 64 << 10
    /// Without egress every frame gets the same refusal; past this many the worker is not listening.
    private static let noEgressQuota = 20
    private static let noEgress =
        #"{"error":{"type":"EgressError","message":"egress is not available for this execution"}}"#

    init(fd: Int32, egress: (any WorkerEgress)?) {
        self.fd = fd
        self.egress = egress
    }

    /// Reads what is there and answers a whole frame if one arrived. `deadline` is the
    /// execution's wall clock (uptime nanoseconds): the proxy and the answer count against it.
    mutating func receive(into chunk: inout [UInt8], deadline: UInt64) -> Event {
        let n = read(fd, &chunk, chunk.count)
        guard n > 0 else { return n < 0 && (errno == EAGAIN || errno == EINTR) ? .nothing : .closed }
        buffer.append(contentsOf: chunk[0..<n])
        switch EgressFraming.next(&buffer, limit: egress?.frameLimit ?? Self.noEgressFrameCap) {
        case .incomplete:
            return .nothing
        case .oversized:
            return .stop(.output, nil)
        case .pipelined:
            return .stop(.egressProtocol, "it sent an egress request before the previous one was answered")
        case .frame(let body):
            frames += 1
            guard frames <= (egress?.requestQuota ?? Self.noEgressQuota) else {
                return .stop(
                    .egressProtocol,
                    "it sent more than \(egress?.requestQuota ?? Self.noEgressQuota) egress requests, the limit")
            }
            return answer(body, deadline: deadline)
        }
    }

    private func answer(_ body: [UInt8], deadline: UInt64) -> Event {
        let left = Int64(deadline) - Int64(DispatchTime.now().uptimeNanoseconds)
        guard left > 0 else { return .stop(.timeout, nil) }
        let reply: [UInt8]
        if let egress {
            guard let request = EgressFrameDecoding.decode(body, limit: egress.frameLimit) else {
                return .stop(.egressProtocol, "it sent an egress frame that is not a JSON request within the limits")
            }
            switch BlockingIO.await({ await egress.handle(request, within: .nanoseconds(left)) }) {
            case .reply(let bytes): reply = bytes
            case .endWorker(let reason): return .stop(.egressProtocol, reason)
            }
        } else {
            reply = Array(Self.noEgress.utf8)
        }
        // A worker that stops reading cannot hold us past the deadline.
        guard EgressFraming.write(reply, to: fd, until: deadline) else {
            return DispatchTime.now().uptimeNanoseconds >= deadline ? .stop(.timeout, nil) : .closed
        }
        return .nothing
    }
}
