//! Finding the files of each table in an export directory: formats, gzip, pages.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::problem::{Problem, ProblemKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Json,
    NdJson,
    Csv,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::NdJson => "NDJSON",
            Format::Csv => "CSV",
        }
    }
}

/// One file of one table.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    /// The file name as it is in the export directory (what messages show).
    pub name: String,
    pub format: Format,
    pub gzip: bool,
    /// 1 for `NAME.json`, N for `NAME.N.json`.
    pub page: u32,
}

/// Every table of INPUT.md, by its canonical entity set name.
pub const TABLES: &[&str] = &[
    "organizations",
    "environment",
    "businessunits",
    "systemusers",
    "teams",
    "teammemberships",
    "roles",
    "privileges",
    "privilegeobjecttypecodesset",
    "roleprivilegescollection",
    "systemuserrolescollection",
    "teamrolescollection",
    "principalobjectaccessset",
    "fieldsecurityprofiles",
    "fieldpermissions",
    "systemuserprofilescollection",
    "teamprofilescollection",
    "positions",
    "entitydefinitions",
    "attributedefinitions",
    "audits",
    "customerinsights",
];

/// Required tables (INPUT.md): without them the run stops with exit code 2.
pub const REQUIRED: &[&str] = &["businessunits", "systemusers", "roles"];

fn canonical_table(stem: &str) -> Option<&'static str> {
    let stem = if stem == "privilegeobjecttypecodescollection" {
        "privilegeobjecttypecodesset"
    } else {
        stem
    };
    TABLES.iter().copied().find(|t| *t == stem)
}

/// The export directory, its files grouped by table, and what was odd about them.
#[derive(Debug, Default)]
pub struct Discovery {
    pub tables: BTreeMap<&'static str, Vec<SourceFile>>,
    /// Files that are not a table of INPUT.md (listed by `validate`, never read).
    pub ignored: Vec<String>,
    /// Fatal (a table in two formats) and incomplete-export (page gaps) problems, by table.
    pub problems: BTreeMap<&'static str, Vec<Problem>>,
    /// Tables that come in more than one format: fatal, and not read.
    pub two_formats: std::collections::BTreeSet<&'static str>,
}

fn parse_name(name: &str) -> Option<(String, u32, Format, bool)> {
    let lower = name.to_ascii_lowercase();
    let (rest, gzip) = match lower.strip_suffix(".gz") {
        Some(r) => (r, true),
        None => (lower.as_str(), false),
    };
    let (stem, format) = if let Some(s) = rest.strip_suffix(".ndjson") {
        (s, Format::NdJson)
    } else if let Some(s) = rest.strip_suffix(".jsonl") {
        (s, Format::NdJson)
    } else if let Some(s) = rest.strip_suffix(".json") {
        (s, Format::Json)
    } else if let Some(s) = rest.strip_suffix(".csv") {
        (s, Format::Csv)
    } else {
        return None;
    };
    if let Some((base, page)) = stem.rsplit_once('.') {
        if let Ok(n) = page.parse::<u32>() {
            if n >= 1 && !page.starts_with('0') {
                return Some((base.to_string(), n, format, gzip));
            }
        }
    }
    Some((stem.to_string(), 1, format, gzip))
}

/// The table a file of the export directory belongs to, if any.
pub fn table_of(file_name: &str) -> Option<&'static str> {
    parse_name(file_name).and_then(|(stem, ..)| canonical_table(&stem))
}

/// Lists the export directory.
pub fn discover(dir: &Path) -> std::io::Result<Discovery> {
    let mut found: BTreeMap<&'static str, Vec<SourceFile>> = BTreeMap::new();
    let mut ignored = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if !entry.file_type()?.is_file() && !entry.path().is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        match parse_name(&name)
            .and_then(|(stem, page, format, gzip)| Some((canonical_table(&stem)?, page, format, gzip)))
        {
            Some((table, page, format, gzip)) => found.entry(table).or_default().push(SourceFile {
                path: entry.path(),
                name,
                format,
                gzip,
                page,
            }),
            None => ignored.push(name),
        }
    }
    ignored.sort();
    let mut d = Discovery {
        ignored,
        ..Default::default()
    };
    for (table, mut files) in found {
        files.sort_by(|a, b| (a.page, &a.name).cmp(&(b.page, &b.name)));
        let mut problems = Vec::new();
        let mut formats: Vec<Format> = files.iter().map(|f| f.format).collect();
        formats.dedup();
        formats.sort();
        formats.dedup();
        if formats.len() > 1 {
            d.two_formats.insert(table);
            let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
            problems.push(Problem::file_level(
                names.first().copied().unwrap_or(table),
                ProblemKind::Fatal,
                format!(
                    "table `{table}` comes in more than one format ({}); keep one",
                    names.join(", ")
                ),
            ));
        }
        for pair in files.windows(2) {
            if let [a, b] = pair {
                if a.page == b.page {
                    problems.push(Problem::file_level(
                        &b.name,
                        ProblemKind::Fatal,
                        format!(
                            "page {} of `{table}` is there twice ({} and {})",
                            a.page, a.name, b.name
                        ),
                    ));
                }
            }
        }
        let mut expected = 1;
        for f in &files {
            if f.page > expected {
                let missing = if f.page == expected + 1 {
                    format!("page {expected} is missing")
                } else {
                    format!("pages {expected} to {} are missing", f.page - 1)
                };
                problems.push(Problem::file_level(
                    &f.name,
                    ProblemKind::Incomplete,
                    format!("the export of `{table}` looks incomplete: {missing}"),
                ));
            }
            expected = f.page + 1;
        }
        if !problems.is_empty() {
            d.problems.insert(table, problems);
        }
        d.tables.insert(table, files);
    }
    Ok(d)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn names_pages_formats_and_gzip() {
        assert_eq!(
            parse_name("systemusers.json"),
            Some(("systemusers".into(), 1, Format::Json, false))
        );
        assert_eq!(
            parse_name("SystemUsers.2.JSON"),
            Some(("systemusers".into(), 2, Format::Json, false))
        );
        assert_eq!(
            parse_name("audits.ndjson.gz"),
            Some(("audits".into(), 1, Format::NdJson, true))
        );
        assert_eq!(
            parse_name("teammemberships.3.csv.gz"),
            Some(("teammemberships".into(), 3, Format::Csv, true))
        );
        assert_eq!(parse_name("notes.txt"), None);
        assert_eq!(
            canonical_table("privilegeobjecttypecodescollection"),
            Some("privilegeobjecttypecodesset")
        );
        assert_eq!(canonical_table("entitydefinitions"), Some("entitydefinitions"));
    }

    #[test]
    fn two_formats_are_fatal_and_gaps_incomplete() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "systemusers.json",
            "systemusers.csv",
            "roles.json",
            "roles.3.json",
            "README.md",
        ] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        let d = discover(dir.path()).unwrap();
        assert_eq!(d.ignored, vec!["README.md"]);
        assert_eq!(d.problems["systemusers"][0].kind, ProblemKind::Fatal);
        assert!(d.problems["roles"][0].message.contains("page 2 is missing"));
    }
}
