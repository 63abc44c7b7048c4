//! Reports are safe to open: hostile names from the export come out inert in CSV and Markdown.

use crate::common::{analyze_into_out, copy_fixture};

pub const HOSTILE: [&str; 3] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "=HYPERLINK(\"http://x\",\"y\")",
];

/// The mini export with a user, a team and a role named after the hostile strings (and findings about them).
pub fn hostile_export() -> tempfile::TempDir {
    let dir = copy_fixture("mini");
    let edit = |file: &str, from: &str, to: &str| {
        let p = dir.path().join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{from} in {file}");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    };
    let json = |s: &str| serde_json::to_string(s).unwrap();
    // Bob keeps his role; Carol (disabled, with a role) becomes a finding with a hostile name.
    edit("systemusers.json", "\"Carol Reader\"", &json(HOSTILE[0]));
    edit("systemusers.json", "\"carol@contoso.com\"", &json(HOSTILE[2]));
    edit("teams.json", "\"Sales team\"", &json(HOSTILE[1]));
    edit(
        "roles.json",
        "\"name\": \"Salesperson\", \"_businessunitid_value\": \"a0000000-0000-0000-0000-000000000002\"",
        &format!(
            "\"name\": {}, \"_businessunitid_value\": \"a0000000-0000-0000-0000-000000000002\"",
            json(HOSTILE[2])
        ),
    );
    std::fs::write(
        dir.path().join("systemuserrolescollection.json"),
        r#"{"value": [
  {"systemuserid": "b0000000-0000-0000-0000-000000000001", "roleid": "c0000000-0000-0000-0000-000000000001"},
  {"systemuserid": "b0000000-0000-0000-0000-000000000002", "roleid": "c0000000-0000-0000-0000-000000000012"},
  {"systemuserid": "b0000000-0000-0000-0000-000000000003", "roleid": "c0000000-0000-0000-0000-000000000002"}
]}"#,
    )
    .unwrap();
    dir
}

#[test]
fn hostile_names_are_inert_in_csv_and_markdown() {
    let dir = hostile_export();
    let (r, out) = analyze_into_out(dir.path(), &["--format", "json,md,csv,access", "--quiet"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The findings and the review pack carry the names...
    let findings = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    assert!(
        findings.contains("'=HYPERLINK("),
        "the hostile user is a finding, neutralized: {findings}"
    );
    // ...and no CSV cell starts with a formula character.
    for file in ["findings.csv", "access-review.csv", "effective-access.csv"] {
        let mut reader = csv::Reader::from_path(out.join(file)).unwrap();
        let mut seen = 0;
        for rec in reader.records() {
            for cell in rec.unwrap().iter() {
                assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{file}: {cell:?}");
                seen += cell.contains("HYPERLINK") as usize;
            }
        }
        if file == "access-review.csv" {
            assert!(
                seen > 0,
                "{file} should carry the hostile role or user name, neutralized"
            );
        }
    }
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(!md.contains("<script>") && !md.contains("<img"), "{md}");
    assert!(md.contains("=HYPERLINK(\"http://x\",\"y\") is disabled"), "{md}");
    // The JSON report carries them as plain strings.
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert!(report["inventory"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["name"] == HOSTILE[2]));
}

#[test]
fn summary_md_stays_under_the_comment_limit() {
    // A generated tenant with thousands of findings.
    let dir = tempfile::tempdir().unwrap();
    dvposture::sample::write_sample(dir.path(), &dvposture::sample::SampleOptions { users: 1500, seed: 3 }).unwrap();
    let (r, out) = analyze_into_out(dir.path(), &["--format", "md", "--quiet"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        md.chars().count() <= dvposture::report::markdown::MAX_CHARS,
        "{} chars",
        md.chars().count()
    );
    assert!(md.contains("more in report.json and findings.csv"), "the cut is said");
}

/// report.json, findings.csv and access-review.csv are rendered in parts on every core: they must read exactly as
/// serde_json and the csv crate write them whole (a generated tenant has thousands of findings, many parts).
#[test]
fn large_reports_are_written_as_the_serializers_write_them() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("tenant");
    let sample = crate::common::dvposture(&[
        "sample",
        export.to_str().unwrap(),
        "--users",
        "1500",
        "--seed",
        "7",
        "--quiet",
    ]);
    assert_eq!(sample.code, 0, "{}", sample.stderr);
    let (run, out) = analyze_into_out(&export, &["--quiet"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);

    let json = std::fs::read_to_string(out.join("report.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings = value["findings"].as_array().unwrap().len();
    assert!(findings > 3000, "{findings} findings: too few to span several parts");
    assert_eq!(json, serde_json::to_string_pretty(&value).unwrap() + "\n");

    for name in ["findings.csv", "access-review.csv"] {
        let text = std::fs::read(out.join(name)).unwrap();
        let mut rewritten = csv::Writer::from_writer(Vec::new());
        let mut rows = 0;
        for record in csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_slice())
            .records()
        {
            rewritten.write_record(&record.unwrap()).unwrap();
            rows += 1;
        }
        assert!(rows > 1000, "{name}: {rows} rows");
        assert!(
            String::from_utf8(rewritten.into_inner().unwrap()).unwrap() == String::from_utf8(text).unwrap(),
            "{name}"
        );
    }
}
