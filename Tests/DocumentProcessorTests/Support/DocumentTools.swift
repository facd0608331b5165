import Foundation
import OutpostTesting

/// The independent checkers the tests trust: poppler-utils (`pdftotext`, `pdfinfo`, `pdftoppm`)
/// and `qpdf`, run as processes.
enum DocumentTools {
    /// The text `pdftotext` reads from a PDF (layout order, pages separated by form feeds).
    static func pdftotext(_ pdf: String, extraArguments: [String] = []) throws -> String {
        try run("/usr/bin/pdftotext", extraArguments + [pdf, "-"])
    }

    /// `pdfinfo`'s fields (Title, Author, Pages, CreationDate…).
    static func pdfinfo(_ pdf: String, extraArguments: [String] = []) throws -> [String: String] {
        var fields: [String: String] = [:]
        for line in try run("/usr/bin/pdfinfo", extraArguments + [pdf]).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    /// Page `page` (1-based) rendered to a PNG at `dpi` by `pdftoppm`; returns its path.
    static func pdftoppm(_ pdf: String, page: Int, dpi: Int, into directory: TemporaryDirectory) throws -> String {
        let prefix = directory.file("page")
        _ = try run("/usr/bin/pdftoppm", ["-r", String(dpi), "-f", String(page), "-l", String(page), "-png", "-singlefile", pdf, prefix])
        return prefix + ".png"
    }

    /// Python that defines `write_pdf(objects, path)`: the numbered objects (object 1 the catalog)
    /// with their cross-reference table and trailer, as a PDF 1.4 file. Prepended to a script.
    static let pdfWriter = """
        def write_pdf(objects, path):
            out, offsets = bytearray(b'%PDF-1.4\\n'), []
            for number, body in enumerate(objects, 1):
                offsets.append(len(out))
                out += b'%d 0 obj\\n' % number + body + b'\\nendobj\\n'
            xref = len(out)
            out += b'xref\\n0 %d\\n0000000000 65535 f \\n' % (len(objects) + 1)
            for offset in offsets:
                out += b'%010d 00000 n \\n' % offset
            out += b'trailer\\n<< /Size %d /Root 1 0 R >>\\nstartxref\\n%d\\n%%%%EOF\\n' % (len(objects) + 1, xref)
            open(path, 'wb').write(out)

        """

    /// A PDF whose only page is a scan: page `page` of `pdf` rendered by `pdftoppm` at `dpi` as
    /// grey pixels, wrapped by Python (zlib) as one image on an A4 page, with no text layer.
    static func scannedPDF(from pdf: String, page: Int, dpi: Int, into directory: TemporaryDirectory) throws -> String {
        let prefix = directory.file("scan")
        _ = try run("/usr/bin/pdftoppm", ["-r", String(dpi), "-f", String(page), "-l", String(page), "-gray", "-singlefile", pdf, prefix])
        let output = directory.file("scan.pdf")
        _ = try run("/usr/bin/python3", ["-c", pdfWriter + """
            import sys, zlib
            data = open(sys.argv[1], 'rb').read()
            parts = data.split(b'\\n', 3)
            width, height = map(int, parts[1].split())
            pixels = zlib.compress(parts[3][:width * height])
            objects = [
                b'<< /Type /Catalog /Pages 2 0 R >>',
                b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
                b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.276 841.89] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>',
                b'<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\\nstream\\n' % (width, height, len(pixels)) + pixels + b'\\nendstream',
            ]
            content = b'q 595.276 0 0 841.89 0 0 cm /Im0 Do Q'
            objects.append(b'<< /Length %d >>\\nstream\\n' % len(content) + content + b'\\nendstream')
            write_pdf(objects, sys.argv[2])
            """, prefix + ".pgm", output])
        return output
    }

    /// An AES-256 encrypted copy of `pdf` (user password `user`), made by qpdf.
    static func encrypt(_ pdf: String, to output: String, userPassword: String) throws {
        _ = try run("/usr/bin/qpdf", ["--encrypt", userPassword, "owner-" + userPassword, "256", "--", pdf, output])
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        try ChildProcess.output(of: executable, arguments)
    }

    /// Words joined by single spaces, in Unicode compatibility form (a ligature glyph's "ﬁ" reads
    /// as "fi"): the form texts are compared in.
    static func normalized(_ text: String) -> String {
        text.precomposedStringWithCompatibilityMapping.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// The text with every space and line break removed: how a rotated line reads, since
    /// `pdftotext -raw` puts each letter of a diagonal mark on its own line.
    static func withoutSpaces(_ text: String) -> String {
        String(text.precomposedStringWithCompatibilityMapping.filter { !$0.isWhitespace })
    }

    /// Typographic quotes and dashes as ASCII, so OCR is not charged for choosing either form.
    static func folded(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\u{201C}", "\u{201D}", "\u{201E}": out.append("\"")
            case "\u{2018}", "\u{2019}": out.append("'")
            case "\u{2013}", "\u{2014}": out.append("-")
            default: out.append(character)
            }
        }
        return out
    }

    /// Character error rate: the edit distance from `recognized` to `reference`, over the reference's length.
    static func characterErrorRate(reference: String, recognized: String) -> Double {
        let a = Array(reference), b = Array(recognized)
        guard !a.isEmpty else { return b.isEmpty ? 0 : 1 }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...max(1, b.count) where j <= b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return Double(previous[b.count]) / Double(a.count)
    }
}
