//! Input problems: what was wrong with the export, where, and what was done about it.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::fmt;

/// What the reader did about a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A malformed row, skipped and counted.
    SkippedRow,
    /// An identical copy of a row already read (overlapping pages), dropped and counted.
    DuplicateRow,
    /// The export looks incomplete (page gaps, a next link on the last page, a truncated expansion).
    Incomplete,
    /// Read, with something the reviewer should know (a defaulted column, a re-encoded file).
    Note,
    /// A whole optional file that could not be read and was dropped.
    UnreadableFile,
    /// The export cannot be analyzed (exit code 2): a required table or column is missing, a primary key has
    /// two different rows, the business-unit tree is broken, a table comes in two formats.
    Fatal,
}

/// One problem in one input file, positioned in the decompressed text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub kind: ProblemKind,
    pub message: String,
}

impl Problem {
    pub fn file_level(file: &str, kind: ProblemKind, message: impl Into<String>) -> Problem {
        Problem {
            file: file.to_string(),
            line: None,
            column: None,
            json_path: None,
            field: None,
            kind,
            message: message.into(),
        }
    }
}

/// `systemusers.json:1:48213: systemusers.isdisabled at $.value[1234]: expected a boolean, found "maybe"`
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": ")?;
        let table = self.file.split('.').next().unwrap_or_default();
        match (&self.field, &self.json_path) {
            (Some(field), Some(path)) => write!(f, "{table}.{field} at {path}: ")?,
            (Some(field), None) => write!(f, "{table}.{field}: ")?,
            (None, Some(path)) => write!(f, "at {path}: ")?,
            (None, None) => {}
        }
        write!(f, "{}", self.message)
    }
}

/// How many problems each table keeps in full; all of them are counted.
pub const KEPT_PROBLEMS: usize = 100;

/// Problems of one table: the first [`KEPT_PROBLEMS`] in reading order (file page order, then line), and the count.
#[derive(Clone, Debug, Default)]
pub struct ProblemLog {
    pub kept: Vec<Problem>,
    pub count: u64,
}

impl ProblemLog {
    pub fn push(&mut self, p: Problem) {
        self.count += 1;
        if self.kept.len() < KEPT_PROBLEMS {
            self.kept.push(p);
        }
    }
}

/// Shows a value from the export in a message: cut to 40 characters, never for a secret-looking column, and
/// never a JSON object or array (found where one value was expected) whose text has a secret-looking word: its
/// own keys may name a secret.
pub fn show_value(column: &str, value: &str) -> String {
    if is_secret_column(column) {
        return "a value (not shown: the column may hold a secret)".to_string();
    }
    if is_json_with_secret_word(value) {
        return "a JSON object or array (not shown: it may hold a secret)".to_string();
    }
    let mut cut: String = value.chars().take(40).collect();
    if value.chars().count() > 40 {
        cut.push('…');
    }
    format!("{cut:?}")
}

/// The words that make a column name look like a secret (INPUT.md).
const SECRET_WORDS: &[&str] = &["secret", "password", "token", "key"];

fn is_json_with_secret_word(value: &str) -> bool {
    let t = value.trim_start();
    (t.starts_with('{') || t.starts_with('[')) && {
        let lower = t.to_ascii_lowercase();
        SECRET_WORDS.iter().any(|w| lower.contains(w))
    }
}

/// INPUT.md: a column whose name contains `secret`, `password`, `token` or `key` is never copied into output,
/// except the listed ones.
pub fn is_secret_column(column: &str) -> bool {
    const ALLOWED: &[&str] = &[
        "primarykeycreatedon",
        "secondarykeycreatedon",
        "keyvault.name",
        "keymanagedby",
    ];
    let lower = column.to_ascii_lowercase();
    if ALLOWED.contains(&lower.as_str()) || (lower.starts_with('_') && lower.ends_with("_value")) {
        return false;
    }
    SECRET_WORDS.iter().any(|s| lower.contains(s))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn display_follows_the_input_contract() {
        let p = Problem {
            file: "systemusers.json".into(),
            line: Some(1),
            column: Some(48213),
            json_path: Some("$.value[1234]".into()),
            field: Some("isdisabled".into()),
            kind: ProblemKind::SkippedRow,
            message: "expected a boolean, found \"maybe\"".into(),
        };
        assert_eq!(
            p.to_string(),
            "systemusers.json:1:48213: systemusers.isdisabled at $.value[1234]: expected a boolean, found \"maybe\""
        );
    }

    #[test]
    fn secrets_are_never_shown() {
        assert!(show_value("apikey", "abc").contains("not shown"));
        assert!(show_value("client_secret", "abc").contains("not shown"));
        assert_eq!(show_value("isdisabled", "maybe"), "\"maybe\"");
        assert_eq!(show_value("name", &"x".repeat(50)), format!("\"{}…\"", "x".repeat(40)));
        assert!(!is_secret_column("_roletemplateid_value"));
        assert!(!is_secret_column("primaryKeyCreatedOn"));
        let nested = show_value("fullname", r#"{"client_secret": "s3cr3t"}"#);
        assert!(nested.contains("not shown") && !nested.contains("s3cr3t"), "{nested}");
        assert!(show_value("roleid", r#"[{"ApiKey": "s3cr3t"}]"#).contains("not shown"));
        assert_eq!(show_value("ismanaged", r#"{"Value": 2}"#), r#""{\"Value\": 2}""#);
    }
}
