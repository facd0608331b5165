import ReportGeneration
import ServiceKit

// The report-generator container image: analytics reports over HTTP on $PORT (see its descriptor).
await ContainerService.main(ReportJobHandler())
