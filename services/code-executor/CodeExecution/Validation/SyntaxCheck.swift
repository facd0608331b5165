/// Each language's own parser or compiler front end, run in the sandbox like a program: its exit
/// status says whether the source parses, its messages say where not.
extension Language {
    /// The command that checks `sourceFile` in the work directory (exit 0: valid).
    var syntaxCheckCommand: [String] {
        switch self {
        case .python:
            ["/usr/bin/python3", "-B", "-c",
             "import ast,sys\ntry:\n ast.parse(open('main.py',encoding='utf-8').read(),'main.py')\nexcept SyntaxError as e:\n print('main.py:%s:%s: %s' % (e.lineno, e.offset, e.msg), file=sys.stderr); sys.exit(1)"]
        case .javascript: ["/usr/bin/node", "--check", sourceFile]
        case .typescript: [runtimeExecutable, "check", "--quiet", "--no-remote", sourceFile]
        case .sql:
            ["/usr/bin/python3", "-B", "-c", #"""
import sqlite3, sys
text = open('main.sql', encoding='utf-8').read()
db = sqlite3.connect(':memory:')
current, start, bad = '', 0, 0
for i, ch in enumerate(text):
    if not current.strip():
        start = i
    current += ch
    if ch == ';' and sqlite3.complete_statement(current):
        line = text.count('\n', 0, start) + 1
        try:
            db.execute('EXPLAIN ' + current.strip())
        except sqlite3.Error as e:
            if 'syntax error' in str(e) or 'incomplete input' in str(e) or 'unrecognized token' in str(e):
                print('main.sql:%d: %s' % (line, e), file=sys.stderr); bad = 1
        current = ''
if current.strip() and not sqlite3.complete_statement(current + ';'):
    print('main.sql:%d: incomplete input' % (text.count('\n') + 1), file=sys.stderr); bad = 1
sys.exit(bad)
"""#]
        case .go: ["/usr/bin/gofmt", "-e", "-l", sourceFile]
        case .rust: ["/usr/bin/rustc", "--edition", "2021", "--emit=metadata", "--crate-type=bin", "-o", "/work/.check", sourceFile]
        }
    }
}
