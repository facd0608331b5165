package import ServiceKit

/// What can go wrong reading or making a document, and the status each is to a caller.
package enum DocumentError: Error, Sendable, Equatable {
    /// The input is not a document the service reads (or is corrupt).
    case unreadable(String)
    /// The PDF is encrypted and no password, or a wrong one, was given.
    case encrypted(passwordGiven: Bool)
    /// Over a documented limit (pages, OCR pages).
    case tooLarge(String)
    /// A parameter's value does not fit this input (e.g. a page outside the document).
    case invalidParameter(name: String, message: String)
    /// cairo, pango or Tesseract failed on good input: a fault of the service.
    case renderFailed(String)
    /// The caller went away.
    case cancelled

    /// The error as the service reports it.
    package var serviceError: ServiceError {
        switch self {
        case .unreadable(let message): .unprocessable(message, code: "unreadable_input")
        case .encrypted(let given):
            .unprocessable(given ? "The PDF is encrypted and the password given does not open it."
                                 : "The PDF is encrypted: send its password as the password parameter.", code: "encrypted_pdf")
        case .tooLarge(let message): .init(statusCode: 413, code: "over_limit", message: message)
        case .invalidParameter(let name, let message): .invalidParameter(name, message)
        case .renderFailed(let message): .internalError(message)
        case .cancelled: .init(statusCode: 499, code: "cancelled", message: "The job was cancelled.")
        }
    }
}
