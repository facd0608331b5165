import Foundation
public import ServiceKit

/// A watermark: text drawn with libavfilter's `drawtext` in a DejaVu font (Debian's
/// `fonts-dejavu-core`), or an image (a PNG with alpha, see ``WatermarkImage``) overlaid; placed
/// in a corner or the centre of the upright picture with a margin and an opacity.
public struct Watermark: Sendable, Equatable {
    public enum Position: String, Sendable, CaseIterable {
        case topLeft = "top-left", topRight = "top-right", bottomLeft = "bottom-left", bottomRight = "bottom-right", center
    }

    /// What is drawn.
    public enum Mark: Sendable, Equatable {
        /// Text in DejaVu Sans Bold.
        case text(String)
        /// The image behind an R2 key: `path` is its scratch file, nil while a job is only being
        /// validated (the platform sends the file with the job).
        case image(key: String, path: String?)
    }

    /// The name of the image parameter, for `watermark` and `process` alike.
    public static let imageParameter = "imageKey"

    /// The `watermark` operation's 400 when it has neither `text` nor `imageKey`.
    public static let missing = ServiceError.invalidParameter("text", "or \(imageParameter) is required: the mark's text, or the R2 key of its image (a PNG).")

    /// Where the font is looked for, in order.
    static let fontPaths = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ]

    public var mark: Mark
    public var position: Position
    public var opacity: Double
    public var margin: Int
    public var fontSize: Int

    /// Reads a watermark from `textParameter` (`text` for `watermark`, `watermark` for `process`)
    /// or `imageKey`, and `position`, `opacity`, `margin`, `fontSize`; nil when there is neither.
    /// - Parameter attachments: the job's attached files (``Job/attachments``); nil when only
    ///   validating, before they exist. With attachments, an `imageKey` without its file is a 400.
    /// - Throws: 400 for text and an image together (one mark per job), a bad `position`, or a
    ///   missing image file.
    public init?(parameters: JobParameters, textParameter: String, attachments: [String: [String]]? = nil) throws(ServiceError) {
        let text = try parameters.string(textParameter).flatMap { $0.isEmpty ? nil : $0 }
        let imageKey = try parameters.string(Self.imageParameter).flatMap { $0.isEmpty ? nil : $0 }
        switch (text, imageKey) {
        case (nil, nil):
            return nil
        case (.some, .some):
            throw .invalidParameter(Self.imageParameter, "cannot be combined with \(textParameter): a job draws one mark, either text or an image; send one of them.")
        case (let text?, nil):
            mark = .text(text)
        case (nil, let key?):
            if let attachments {
                guard let path = attachments[Self.imageParameter]?.first else {
                    throw .invalidParameter(Self.imageParameter, "\"\(key)\": the image was not sent with the job (the platform sends the object as the multipart part \"\(Self.imageParameter)\").")
                }
                mark = .image(key: key, path: path)
            } else {
                mark = .image(key: key, path: nil)
            }
        }
        let positionName = try parameters.string("position")?.lowercased() ?? Position.bottomRight.rawValue
        guard let position = Position(rawValue: positionName) else {
            throw .invalidParameter("position", "must be one of \(Position.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(positionName)\".")
        }
        self.position = position
        opacity = min(max(try parameters.double("opacity") ?? 0.7, 0), 1)
        margin = try parameters.int("margin") ?? 16
        fontSize = try parameters.int("fontSize") ?? 32
    }

    /// The filters that draw the mark, in the video lane's chain (after scaling, on frames of
    /// `frameSize`), writing what they read into `directory` (the job's scratch directory) so that
    /// no path or text needs escaping.
    /// - Throws: 422 (`unreadableInput`) when the image is not a decodable still image.
    func filter(directory: String, frameSize: (width: Int, height: Int)) throws(VideoError) -> String {
        switch mark {
        case .text(let text): return try textFilter(text, textFile: directory + "/watermark.txt")
        case .image(_, let path?):
            return try WatermarkImage(path: path).filter(link: directory + "/watermark-image", placement: self,
                                                         frameWidth: frameSize.width, frameHeight: frameSize.height)
        case .image(let key, nil): throw VideoError(.internalError, "The watermark image \"\(key)\" has no file.")
        }
    }

    /// The mark's top-left corner as filter expressions, from the frame's size (`frameWidth`,
    /// `frameHeight`) and the mark's (`markWidth`, `markHeight`), as the filter names them.
    func origin(frameWidth W: String, frameHeight H: String, markWidth w: String, markHeight h: String) -> (x: String, y: String) {
        let m = margin
        return switch position {
        case .topLeft: ("\(m)", "\(m)")
        case .topRight: ("\(W)-\(w)-\(m)", "\(m)")
        case .bottomLeft: ("\(m)", "\(H)-\(h)-\(m)")
        case .bottomRight: ("\(W)-\(w)-\(m)", "\(H)-\(h)-\(m)")
        case .center: ("(\(W)-\(w))/2", "(\(H)-\(h))/2")
        }
    }

    /// The `drawtext` filter, reading the text from `textFile` (written here) so that no character
    /// of it needs escaping in the filter graph, with `%` expansion off.
    private func textFilter(_ text: String, textFile: String) throws(VideoError) -> String {
        guard let font = Self.fontPaths.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw VideoError(.internalError, "No font for the watermark: install fonts-dejavu-core.")
        }
        guard FileManager.default.createFile(atPath: textFile, contents: Data(text.utf8)) else {
            throw VideoError(.internalError, "Could not write the watermark text.")
        }
        let (x, y) = origin(frameWidth: "w", frameHeight: "h", markWidth: "tw", markHeight: "th")
        let alpha = String(format: "%.3f", opacity)
        return "drawtext=fontfile=\(font):textfile=\(textFile):expansion=none:fontsize=\(fontSize):fontcolor=white@\(alpha):borderw=2:bordercolor=black@\(alpha):x=\(x):y=\(y)"
    }
}
