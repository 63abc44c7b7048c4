//! Crash-proof output: reports are written through a temporary file and a rename (`report::write_large_atomically`).
//! An `analyze` killed (SIGKILL) while it writes leaves every report either the complete old one or a complete
//! new one, never a truncated file, and its leftover temporary file is never taken for a report.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::common::*;

const REPORTS: [&str; 7] = [
    "report.json",
    "report.html",
    "report.sarif",
    "summary.md",
    "findings.csv",
    "access-review.csv",
    "effective-access.csv",
];

/// The reports each attempt kills `analyze` in the middle of (those larger than the writer's buffer, so that
/// their temporary file holds part of the report at some point). `effective-access.csv` is written by its own
/// writer, in blocks past the page cache.
const TARGETS: [&str; 4] = [
    "report.json",
    "report.sarif",
    "access-review.csv",
    "effective-access.csv",
];

fn analyze(export: &Path, out: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dvposture"));
    c.args([
        "analyze",
        export.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--as-of",
        "2026-11-23",
        "--format",
        "all",
    ]);
    c
}

/// What is kept of a report to compare it: its length and the digest of its bytes (timestamps blanked), and
/// whether it parses, for JSON. Never the bytes: effective-access.csv is large, and a test process grown large
/// makes the peak memory its children report (`malformed`'s bounds) include its own.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Report {
    len: usize,
    digest: Vec<u8>,
    json: Option<bool>,
}

fn reports(dir: &Path) -> BTreeMap<&'static str, Report> {
    REPORTS
        .iter()
        .filter_map(|&name| {
            let bytes = std::fs::read(dir.join(name)).ok()?;
            let json = (name.ends_with(".json") || name.ends_with(".sarif"))
                .then(|| serde_json::from_slice::<serde_json::Value>(&bytes).is_ok());
            Some((
                name,
                Report {
                    len: bytes.len(),
                    digest: Sha256::digest(normalized(&bytes)).to_vec(),
                    json,
                },
            ))
        })
        .collect()
}

/// The bytes with every RFC 3339 UTC timestamp (`generated_at`) blanked, to compare two runs.
fn normalized(bytes: &[u8]) -> Vec<u8> {
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i + shape.len() <= out.len() {
        let matches = shape.iter().zip(&out[i..]).all(|(&s, &b)| match s {
            b'd' => b.is_ascii_digit(),
            _ => s == b,
        });
        if matches {
            out[i..i + shape.len()].copy_from_slice(b"0000-00-00T00:00:00Z");
            i += shape.len();
        } else {
            i += 1;
        }
    }
    out
}

/// A complete report of the large export: the reference run's bytes, timestamps aside; JSON that parses.
fn assert_complete_new(name: &str, report: &Report, reference: &BTreeMap<&str, Report>) {
    assert_ne!(report.json, Some(false), "{name} is not complete JSON");
    assert!(
        report.digest == reference[name].digest,
        "{name} ({} bytes) is neither the old report nor the complete new one ({} bytes)",
        report.len,
        reference[name].len
    );
}

#[test]
fn a_killed_analyze_leaves_old_or_complete_new_reports() {
    let tmp = tempfile::tempdir().unwrap();
    // The old reports: the small base export.
    let old_dir = tmp.path().join("old");
    let small = fixture("rules/base");
    assert!(analyze(&small, &old_dir).status().unwrap().success());
    let old = reports(&old_dir);
    assert_eq!(old.len(), REPORTS.len());

    // The new reports: a generated tenant whose reports take a while to write in a debug build (1,500 users; the
    // audit log and the share pages are left out: reading them would only make the test slower).
    let big = tmp.path().join("big");
    let r = dvposture(&[
        "sample",
        big.to_str().unwrap(),
        "--users",
        "1500",
        "--seed",
        "1",
        "--quiet",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for entry in std::fs::read_dir(&big).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("audits.") || name.starts_with("principalobjectaccessset") {
            std::fs::remove_file(&path).unwrap();
        }
    }
    let reference_dir = tmp.path().join("reference");
    assert!(analyze(&big, &reference_dir).status().unwrap().success());
    let reference = reports(&reference_dir);
    for name in TARGETS {
        assert!(
            reference[name].len > 16 << 20 || name != "effective-access.csv" && reference[name].len > 1 << 20,
            "{name} is larger than the write buffer"
        );
    }

    let mut killed_while_writing = Vec::new();
    for (attempt, target) in TARGETS.iter().enumerate() {
        let out = tmp.path().join(format!("attempt-{attempt}"));
        std::fs::create_dir(&out).unwrap();
        for name in old.keys() {
            std::fs::copy(old_dir.join(name), out.join(name)).unwrap();
        }
        let mut child = analyze(&big, &out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let temp = out.join(format!(".{target}.tmp-{}", child.id()));
        let started = Instant::now();
        // Kill as soon as the target's temporary file holds part of the report.
        let killed = loop {
            if child.try_wait().unwrap().is_some() {
                break false;
            }
            if std::fs::metadata(&temp).is_ok_and(|m| m.len() > 0) {
                child.kill().unwrap();
                break true;
            }
            assert!(started.elapsed() < Duration::from_secs(300), "analyze hangs");
            std::thread::sleep(Duration::from_millis(1));
        };
        let status = child.wait().unwrap();
        if killed && temp.exists() {
            assert_eq!(status.code(), None, "killed by a signal");
            killed_while_writing.push(*target);
        }

        // Every report is the complete old one or a complete new one.
        let now = reports(&out);
        assert_eq!(
            now.keys().collect::<Vec<_>>(),
            old.keys().collect::<Vec<_>>(),
            "every report is still there"
        );
        let mut replaced = Vec::new();
        for (name, report) in &now {
            if report != &old[name] {
                assert_complete_new(name, report, &reference);
                replaced.push(*name);
            }
        }
        // What else is in the directory is a hidden temporary file of this run, never a report's name.
        for entry in std::fs::read_dir(&out).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if REPORTS.contains(&name.as_str()) {
                continue;
            }
            let stray = REPORTS.iter().any(|r| name == format!(".{r}.tmp-{}", child.id()));
            assert!(stray, "{name}: an unexpected file in the output directory");
        }
        if temp.exists() {
            assert_eq!(
                now[target], old[target],
                "{target} was not replaced by its partial file"
            );
        }
        eprintln!(
            "attempt {attempt}: killed while writing {target}: {}; replaced: {replaced:?}",
            temp.exists()
        );
    }
    assert!(
        !killed_while_writing.is_empty(),
        "no attempt killed analyze while it was writing a report"
    );

    // A leftover temporary file does not stop the next run, which replaces every report and removes the
    // leftovers of the killed runs (their processes are gone); other hidden files stay.
    let last = tmp.path().join(format!("attempt-{}", TARGETS.len() - 1));
    std::fs::write(last.join(".report.json.tmp-4194304"), b"partial").unwrap();
    std::fs::write(last.join(".keep.tmp-1"), b"not ours").unwrap();
    assert!(analyze(&big, &last).status().unwrap().success());
    let now = reports(&last);
    for (name, report) in &now {
        assert_complete_new(name, report, &reference);
    }
    let mut left: Vec<String> = std::fs::read_dir(&last)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !REPORTS.contains(&n.as_str()))
        .collect();
    left.sort();
    if cfg!(target_os = "linux") {
        assert_eq!(left, [".keep.tmp-1"], "stale temporary files are removed");
    }
}
