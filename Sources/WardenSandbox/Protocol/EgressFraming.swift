import Dispatch
import WardenDomain

#if canImport(Glibc)
    import Glibc
#endif

/// Frames on the egress socket: a 4-byte big-endian length, then that many bytes of JSON.
enum EgressFraming {
    enum Next: Equatable {
        case incomplete
        case oversized
        case frame([UInt8])
        /// Bytes followed a whole frame before it was answered: the protocol is one request,
        /// then one answer, so a worker that sends more is not waiting for us.
        case pipelined
    }

    /// Takes the whole frame in `buffer`, if there is one, leaving `buffer` empty. Costs O(frame):
    /// nothing is shifted, since a well-behaved worker has sent nothing after it.
    static func next(_ buffer: inout [UInt8], limit: Int) -> Next {
        guard buffer.count >= 4 else { return .incomplete }
        let length = Int(buffer[0]) << 24 | Int(buffer[1]) << 16 | Int(buffer[2]) << 8 | Int(buffer[3])
        guard length <= limit else { return .oversized }
        guard buffer.count >= 4 + length else { return .incomplete }
        guard buffer.count == 4 + length else { return .pipelined }
        let body = Array(buffer[4...])
        buffer.removeAll(keepingCapacity: true)
        return .frame(body)
    }

    /// Writes one frame to a non-blocking descriptor, waiting for room until `deadline`
    /// (uptime nanoseconds). False if the worker went away or stopped reading in time.
    static func write(_ body: [UInt8], to fd: Int32, until deadline: UInt64) -> Bool {
        let n = body.count
        let bytes = [UInt8(n >> 24 & 255), UInt8(n >> 16 & 255), UInt8(n >> 8 & 255), UInt8(n & 255)] + body
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if result > 0 {
                written += result
                continue
            }
            guard result < 0, errno == EAGAIN || errno == EINTR else { return false }
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { return false }
            var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&waiting, 1, Int32(min((deadline - now) / 1_000_000 + 1, 1000)))
        }
        return true
    }
}
