/// Who made a request, once authenticated.
public struct Caller: Sendable, Equatable {
    /// A stable id: the JWT `sub`, or the API key's name.
    public let id: String
    public let role: Role

    public enum Role: String, Sendable, CaseIterable {
        case admin, user, viewer

        /// Viewers can read; users and admins can also create and cancel jobs.
        public var canWrite: Bool { self != .viewer }
    }

    public var isAdmin: Bool { role == .admin }
}
