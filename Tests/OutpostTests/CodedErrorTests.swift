@testable import Outpost
import Testing

@Suite("Coded errors")
struct CodedErrorTests {
    @Test("a coded error's code and status come from its code enum; its description is its message")
    func enumCodedErrors() {
        let noInstance = ContainerError.noInstance
        #expect(noInstance.code == "no_instance_available")
        #expect(noInstance.status == 503)
        #expect(noInstance.errorCode == .noInstanceAvailable && noInstance.kind == .noInstanceAvailable)
        #expect("\(noInstance)" == "There is no Container instance available at this time")

        let wrapped = ContainerError.startFailure(ContainerError(.spawnFailed, "no such file", cause: "ENOENT"))
        #expect(wrapped.code == "start_failed" && wrapped.status == 500)
        #expect(wrapped.message == "Failed to start container: no such file")
        #expect(wrapped.cause == "ENOENT")

        let reset = DurableObjectError(.reset, "gone")
        #expect(reset.code == "do_reset" && reset.status == 503 && reset.cause == nil)
        #expect(DurableObjectError(.handlerMissing, "x").status == 501)
    }

    @Test("every HTTPError becomes the same JSON error response")
    func responses() async throws {
        let errors: [any HTTPError] = [
            ContainerError(.egressBlocked, "blocked"),
            DurableObjectError(.invalidId, "bad id"),
            HTTPFailure.notFound("nothing here"),
        ]
        for error in errors {
            let response = error.response
            #expect(response.status.code == error.status)
            let text = try await response.body.text()
            #expect(text.contains(error.code) && text.contains(error.message))
        }
    }

    @Test("errors that never reach HTTP are coded too")
    func plainCodedErrors() {
        let errors: [any CodedError] = [
            BindingError(message: "No KV namespace is bound as X."),
            CronParseError(expression: "* *", message: "expected 5 fields"),
        ]
        #expect(errors.map(\.code) == ["binding_error", "invalid_cron"])
        #expect(errors.map(\.cause) == [nil, nil])
        #expect("\(errors[1])" == "invalid cron \"* *\": expected 5 fields")
    }
}
