import Testing
import WardenDomain

@Suite("Server-sent events")
struct ServerSentEventsTests {
    @Test func lineEndingsMultiLineDataAndComments() {
        #expect(ServerSentEvents.dataOfEvents("event: message\r\ndata: {\"a\":1}\r\n\r\n") == ["{\"a\":1}"])
        #expect(ServerSentEvents.dataOfEvents("data: one\ndata: two\n\ndata:three\n\n") == ["one\ntwo", "three"])
        #expect(ServerSentEvents.dataOfEvents(": keepalive\r\rdata: x\r\r") == ["x"])
        #expect(ServerSentEvents.dataOfEvents("data:  two spaces\n\n") == [" two spaces"], "only one space is dropped")
        #expect(ServerSentEvents.dataOfEvents("id: 4\nretry: 10\n\n").isEmpty, "no data, no event")
        #expect(ServerSentEvents.dataOfEvents("data: last") == ["last"])
    }
}
