import Durable
import Outpost
import ServiceDescriptors

/// Who may name whose data: for an operation with a `userParameter` (an export, a restore's
/// target), the parameter defaults to the caller; naming another user takes an admin (403
/// otherwise), and an export of another user the platform holds nothing of is a 404 (`UserDataset`).
enum UserDataAccess {
    /// `submission` with its user parameter set, once the caller may act on that user.
    static func resolve(_ submission: JobSubmission, ctx: APIContext) async throws -> JobSubmission {
        guard let parameter = submission.type.operation.userParameter else { return submission }
        var resolved = submission
        let target = submission.params[parameter]?.stringValue ?? ctx.caller.id
        guard !target.isEmpty else { throw JobInputError("\"\(parameter)\" must not be empty.", code: "invalid_parameter") }
        if target != ctx.caller.id {
            guard ctx.caller.isAdmin else {
                throw HTTPFailure(403, code: "forbidden",
                                  "Only an admin may name another user in \"\(parameter)\" (role \(ctx.caller.role.rawValue)); leave it out for your own data.")
            }
            if submission.type.operation.input.isUserData, try await !UserDataset.exists(userId: target, env: ctx.env) {
                throw HTTPFailure.notFound("No user \"\(target)\": the platform holds no jobs, API keys or uploads of it.", code: "unknown_user")
            }
        }
        resolved.params[parameter] = .string(target)
        return resolved
    }
}
