/// The SQL "runtime": Python's `sqlite3` module (the system SQLite library) on an in-memory
/// database, run inside the sandbox like any other program. It runs `schema.sql`, then
/// `seed.sql`, then each statement of `main.sql`, and prints one JSON document on stdout:
/// `{"results": [{"statement", "columns", "rows", "rowsAffected"}]}` (blobs as hex). An SQL
/// error ends it with exit status 1 and `file:line: message` on stderr.
enum SQLRunner {
    static let script = #"""
import json, sqlite3, sys
def statements(text):
    current = ""
    for ch in text:
        current += ch
        if ch == ";" and sqlite3.complete_statement(current):
            if current.strip(" \t\r\n;"):
                yield current.strip()
            current = ""
    if current.strip(" \t\r\n;"):
        yield current.strip()
def value(v):
    return v.hex() if isinstance(v, (bytes, bytearray, memoryview)) else v
def read(name):
    try:
        with open(name, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return ""
db = sqlite3.connect(":memory:", isolation_level=None)
results = []
for name in ("schema.sql", "seed.sql", "main.sql"):
    text = read(name)
    offset = 0
    for statement in statements(text):
        line = text.count("\n", 0, text.find(statement, offset)) + 1
        offset = text.find(statement, offset) + len(statement)
        try:
            cursor = db.execute(statement)
            rows = [[value(v) for v in row] for row in cursor.fetchall()]
        except sqlite3.Error as error:
            sys.stderr.write("%s:%d: %s\n" % (name, line, error))
            sys.exit(1)
        if name == "main.sql":
            columns = [d[0] for d in cursor.description] if cursor.description else []
            results.append({"statement": statement, "columns": columns, "rows": rows,
                            "rowsAffected": cursor.rowcount if cursor.rowcount >= 0 else 0})
json.dump({"results": results}, sys.stdout)
"""#
}
