import Foundation
import PDFText
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// The body of a DOCX (Office Open XML) file as ``DocumentBlock``s: `word/document.xml` from the
/// ZIP, paragraphs with their styles (Title, Heading1…), bold and italic runs, list paragraphs
/// as bullets, tables as one line per row with cells separated by " | ", and (with `images`) the
/// pictures of `w:drawing`s, read from the ZIP through `word/_rels/document.xml.rels` and drawn at
/// the size the document gives (`wp:extent`), after the paragraph they sit in.
enum DocxReader {
    /// Largest `word/document.xml` read.
    static let maxDocumentXMLBytes = 64 << 20

    static func blocks(path: String, images: Bool = false) throws(DocumentError) -> [DocumentBlock] {
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw .unreadable("The DOCX is not a readable ZIP archive.")
        }
        guard let entry = archive["word/document.xml"] else { throw .unreadable("The ZIP archive has no word/document.xml: it is not a DOCX.") }
        guard entry.uncompressedSize <= UInt64(maxDocumentXMLBytes) else { throw .tooLarge("The DOCX's document.xml is larger than \(maxDocumentXMLBytes) bytes.") }
        var xml = Data()
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                xml.append(chunk)
                if xml.count > maxDocumentXMLBytes { throw DocumentError.tooLarge("The DOCX's document.xml is too large.") }
            }
        } catch let error as DocumentError {
            throw error
        } catch {
            throw .unreadable("word/document.xml could not be unpacked (\(error)).")
        }
        let delegate = Delegate()
        if images {
            let targets = relationships(in: archive)
            delegate.media = { id in
                guard let target = targets[id], let entry = archive[target], entry.uncompressedSize <= UInt64(DocumentImage.maxBytes) else { return nil }
                var bytes: [UInt8] = []
                do { _ = try archive.extract(entry, skipCRC32: false) { bytes.append(contentsOf: $0) } } catch { return nil }
                return bytes
            }
        }
        let parser = XMLParser(data: xml)
        parser.delegate = delegate
        parser.shouldResolveExternalEntities = false
        guard parser.parse() else { throw .unreadable("word/document.xml is not well-formed XML.") }
        return delegate.blocks
    }

    /// The document's relationships: id → the part's path in the ZIP (`word/media/image1.png`).
    private static func relationships(in archive: Archive) -> [String: String] {
        guard let entry = archive["word/_rels/document.xml.rels"], entry.uncompressedSize <= UInt64(maxDocumentXMLBytes) else { return [:] }
        var xml = Data()
        do { _ = try archive.extract(entry, skipCRC32: false) { xml.append($0) } } catch { return [:] }
        let reader = RelationshipReader()
        let parser = XMLParser(data: xml)
        parser.delegate = reader
        parser.shouldResolveExternalEntities = false
        _ = parser.parse()
        return reader.targets
    }

    private final class RelationshipReader: NSObject, XMLParserDelegate {
        var targets: [String: String] = [:]

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            guard name == "Relationship", attributes["TargetMode"] != "External", let id = attributes["Id"], let target = attributes["Target"] else { return }
            targets[id] = target.hasPrefix("/") ? String(target.dropFirst()) : "word/" + target
        }
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        /// The bytes of an image part, by relationship id; nil when images are not wanted.
        var media: ((String) -> [UInt8]?)?
        var blocks: [DocumentBlock] = []
        /// Images of the paragraph (or table row) being read, placed after it.
        var images: [DocumentImage] = []
        var drawing: (id: String?, size: (width: Double, height: Double)?, description: String)?
        var style = ""
        var isList = false
        var runs = ""
        var bold = false
        var italic = false
        var inText = false
        var text = ""
        var tableDepth = 0
        var cells: [String] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            switch name {
            case "w:p": style = ""; isList = false; runs = ""
            case "w:pStyle": style = attributes["w:val"] ?? ""
            case "w:numPr": isList = true
            case "w:r": bold = false; italic = false
            case "w:b": bold = attributes["w:val"].map { $0 != "0" && $0 != "false" } ?? true
            case "w:i": italic = attributes["w:val"].map { $0 != "0" && $0 != "false" } ?? true
            case "w:t": inText = true; text = ""
            case "w:tab": runs += " "
            case "w:br": runs += " "
            case "w:tbl": tableDepth += 1
            case "w:tr": cells = []
            case "w:drawing": if media != nil { drawing = (nil, nil, "") }
            case "wp:extent":
                // English Metric Units: 12700 a point.
                if let cx = attributes["cx"].flatMap(Double.init), let cy = attributes["cy"].flatMap(Double.init) {
                    drawing?.size = (cx / 12700, cy / 12700)
                }
            case "wp:docPr": drawing?.description = attributes["descr"] ?? attributes["title"] ?? ""
            case "a:blip": drawing?.id = attributes["r:embed"]
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if inText { text += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            switch name {
            case "w:t":
                inText = false
                var piece = DocumentMarkup.escape(text)
                if bold { piece = "<b>" + piece + "</b>" }
                if italic { piece = "<i>" + piece + "</i>" }
                runs += piece
            case "w:drawing":
                if let drawing, let id = drawing.id, let data = media?(id) {
                    images.append(DocumentImage(data: data, description: drawing.description, size: drawing.size))
                }
                drawing = nil
            case "w:p":
                defer { if tableDepth == 0 { placeImages() } }
                let content = runs.trimmingCharacters(in: .whitespaces)
                guard !content.isEmpty else { return }
                if tableDepth > 0 { cells.append(content); return }
                let lower = style.lowercased()
                if lower == "title" {
                    blocks.append(.title(content))
                } else if lower == "subtitle" {
                    blocks.append(.subtitle(content))
                } else if lower.hasPrefix("heading") {
                    blocks.append(.heading(content))
                } else if isList || lower.contains("list") {
                    blocks.append(.bullet(content))
                } else {
                    blocks.append(.paragraph(content))
                }
            case "w:tr":
                if tableDepth > 0, !cells.isEmpty { blocks.append(.tableRow(cells)) }
                cells = []
                placeImages()
            case "w:tbl": tableDepth -= 1
            default: break
            }
        }

        func placeImages() {
            blocks += images.map(DocumentBlock.image)
            images = []
        }
    }
}
