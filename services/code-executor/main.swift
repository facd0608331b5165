import CodeExecution
import ServiceKit

// The code-executor container image: its operations over HTTP on $PORT (see its descriptor).
await ContainerService.main(CodeJobHandler())
