import Hummingbird

// A minimal Hummingbird server: the baseline `make bench` compares Outpost's HTTP front with.
let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 8080
let router = Router()
router.get("/health") { _, _ in "Hello, world!" }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
