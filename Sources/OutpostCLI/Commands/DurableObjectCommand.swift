import ArgumentParser
import Foundation
import Outpost

/// `outpost do list|sql`: inspect Durable Objects in the state directory.
struct DurableObjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "do", abstract: "Inspect Durable Objects in the state directory.",
        subcommands: [List.self, SQL.self]
    )

    struct ClassOptions: ParsableArguments {
        @OptionGroup var config: ConfigOptions
        @Option(name: .customLong("class"), help: "The Durable Object class (class_name in wrangler.toml).")
        var className: String

        func inspector() throws -> DurableObjectInspector {
            let cfg = try config.load()
            guard cfg.durableObjects.contains(where: { $0.className == className }) else {
                let known = Set(cfg.durableObjects.map(\.className)).sorted().joined(separator: ", ")
                throw CLIError("no Durable Object class \(className) is bound in \(config.configPath) (bound: \(known.isEmpty ? "none" : known))")
            }
            return try DurableObjectInspector(stateDirectory: URL(fileURLWithPath: config.stateDirectory).standardizedFileURL.path)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored objects as JSON: id, name (when known), size, alarm.")
        @OptionGroup var target: ClassOptions

        func run() async throws {
            let objects = try await userFacing { try target.inspector().list(className: target.className) }
            Console.json(objects)
        }
    }

    struct SQL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sql", abstract: "Run read-only SQL in one object; prints the rows as JSON.")
        @OptionGroup var target: ClassOptions
        @Option(help: "The object's name (as given to idFromName).") var name: String?
        @Option(help: "The object's id (64 hex digits).") var id: String?
        @Argument(help: "The SQL to run.") var query: String

        func validate() throws {
            guard (name == nil) != (id == nil) else { throw ValidationError("give exactly one of --name or --id") }
        }

        func run() async throws {
            let rows: [JSONValue] = try await userFacing {
                let inspector = try target.inspector()
                let objectID = try id ?? inspector.id(className: target.className, name: name ?? "")
                let cursor = try inspector.query(className: target.className, id: objectID, sql: query)
                return cursor.toArray().map { row in .object(row.mapValues(Self.json)) }
            }
            Console.json(JSONValue.array(rows))
        }

        static func json(_ value: SQLiteValue) -> JSONValue {
            switch value {
            case .null: .null
            case .integer(let v): .number(Double(v))
            case .real(let v): .number(v)
            case .text(let s): .string(s)
            case .blob(let b): .string(Data(b).base64EncodedString())
            }
        }
    }
}
