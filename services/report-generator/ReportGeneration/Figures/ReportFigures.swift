import OutpostJSON
import ServiceDescriptors

/// Every figure of one report, computed from a platform dataset (`ReportAccumulator`); each format
/// renders these same values. Times are seconds (milliseconds / 1000), costs US dollars rounded to
/// 6 decimals as `GET /api/containers/costs` rounds them.
struct ReportFigures: Sendable {
var request: ReportRequest
var period: DatasetPeriod
    /// When the orchestrator produced the dataset (milliseconds since the epoch).
var generatedAt: Int64
var totals = StatusCounts()
    /// Succeeded / (succeeded + failed + dead-lettered); nil before any job ended that way.
var successRate: Double?
    /// Per UTC day of creation, oldest first.
var perDay: [Group] = []
    /// Per `groupBy` key (days and weeks oldest first; types and users by name).
var groups: [Group] = []
    /// Run durations (started → finished) of succeeded jobs, per type.
var durations: [DurationRow] = []
    /// Created → first started, over every job that started.
var queueWait = QueueWait()
var classCosts: [ClassCost] = []
var totalCostUSD = 0.0
var instanceHours = 0.0
var userCosts: [UserCost] = []
    /// The ten users with the most jobs (then by name).
var topUsers: [UserActivity] = []
var scaling = ScalingSummary()

struct Group: Sendable {
var key: String
var counts: StatusCounts
    }

struct DurationRow: Sendable {
var type: String
var count: Int
var p50Seconds: Double
var p95Seconds: Double
    }

struct QueueWait: Sendable {
var count = 0
var meanSeconds: Double?
var p50Seconds: Double?
var p95Seconds: Double?
var maxSeconds: Double?
    }

struct ClassCost: Sendable {
var className: String
var instanceType: String?
var instanceSeconds: Double
var hourlyPriceUSD: Double
var costUSD: Double
var instanceHours: Double { instanceSeconds / 3600 }
    }

    /// A user's share of each class's cost: the class's cost times the user's share of the busy
    /// time (started → finished) of the period's jobs on that class.
struct UserCost: Sendable {
var user: String
var jobs: Int
var busySeconds: Double
var costUSD: Double
    }

struct UserActivity: Sendable {
var user: String
var counts: StatusCounts
    }

struct ScalingSummary: Sendable {
var count = 0
var byAction: [String: Int] = [:]
var byClass: [String: Int] = [:]
        /// Per UTC day, oldest first.
var perDay: [(day: String, count: Int)] = []
    }

    /// Which sections a report holds.
enum Section: String, Sendable, CaseIterable {
        case jobsPerDay, groups, durations, queueWait, costs, userCosts, topUsers, scaling
    }

var sections: [Section] {
        switch request.report {
        case "jobs": [.jobsPerDay, .groups, .durations, .queueWait]
        case "costs": [.costs, .userCosts, .scaling]
        case "user-activity": [.groups, .topUsers, .userCosts]
        default: Section.allCases
        }
    }

var title: String {
        switch request.report {
        case "jobs": "Jobs report"
        case "costs": "Costs report"
        case "user-activity": "User activity report"
        default: "Platform report"
        }
    }
}

/// Rounded as the costs API rounds dollars.
func dollars(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }
/// Milliseconds as seconds, exactly as the jobs API's times give them.
func seconds(_ milliseconds: Int64) -> Double { Double(milliseconds) / 1000 }
