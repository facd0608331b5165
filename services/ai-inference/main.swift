import ServiceKit
import TextInference

// The ai-inference container image: its operations over HTTP on $PORT (see its descriptor). The
// model loads before the service listens; a missing or corrupt model directory ends the process
// with a log line naming the path.
await ContainerService.main(AIJobHandler.loadingModelsOrExit())
