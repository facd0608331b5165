import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// The body of a DOCX (Office Open XML) file as ``DocumentBlock``s: `word/document.xml` from the
/// ZIP, paragraphs with their styles (Title, Heading1…), bold and italic runs, list paragraphs
/// as bullets, and tables as one line per row with cells separated by " | ".
enum DocxReader {
    /// Largest `word/document.xml` read.
    static let maxDocumentXMLBytes = 64 << 20

    static func blocks(path: String) throws(DocumentError) -> [DocumentBlock] {
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
        let parser = XMLParser(data: xml)
        parser.delegate = delegate
        parser.shouldResolveExternalEntities = false
        guard parser.parse() else { throw .unreadable("word/document.xml is not well-formed XML.") }
        return delegate.blocks
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        var blocks: [DocumentBlock] = []
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
            case "w:p":
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
            case "w:tbl": tableDepth -= 1
            default: break
            }
        }
    }
}
