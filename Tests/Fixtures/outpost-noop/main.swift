import Durable
import Functions
import OutpostCLI

// `outpost` with one more service, for `make bench` only: Pitchey's services plus the no-op
// service's class (Pitchey's own registry stays as it ships).
await OutpostCommand.main(script: Pitchey.script(services: ServiceRegistry(ServiceRegistry.pitchey.containers + [Noop.self])), commands: [])
