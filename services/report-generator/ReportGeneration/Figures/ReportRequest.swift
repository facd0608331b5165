import ServiceKit
import ServiceDescriptors

/// A report's parameters, checked by the descriptor (`ReportGeneratorDescriptor`) before the job runs.
struct ReportRequest: Sendable {
var report: String
var groupBy: String
var format: String

init(report: String = "platform", groupBy: String = "day", format: String = "json") {
        self.report = report
        self.groupBy = groupBy
        self.format = format
    }

    init(_ parameters: JobParameters) throws(ServiceError) {
        self.init(report: (try parameters.string("report") ?? "platform").lowercased(),
                  groupBy: (try parameters.string("groupBy") ?? "day").lowercased(),
                  format: (try parameters.string("format") ?? "json").lowercased())
    }
}
