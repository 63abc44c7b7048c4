//! `report.json` against `schema/report.schema.json`: the sample, a run that fills every optional part (a
//! waived finding, expired and unmatched waivers, a baseline, the gate, input problems), and proof that the
//! schema is closed, so that a change of the wire structs fails here until the schema follows.

use dvposture::config::Config;
use serde_json::{json, Value};

use crate::common::{copy_fixture, dvposture};
use crate::rules::{scenario_dir, AS_OF};
use crate::sarif::{assert_valid, sample, validator, with_report};

fn report_of(dir: &std::path::Path, config: &Config) -> Value {
    with_report(dir, config, |a| a, |_, r| serde_json::to_value(r).unwrap())
}

#[test]
fn the_report_of_the_sample_matches_the_schema() {
    let report = report_of(&sample(), &Config::default());
    assert_valid(
        &validator("report.schema.json"),
        &report,
        "report.json of samples/contoso",
    );
    assert_eq!(report["findings"].as_array().unwrap().len(), 55);
}

/// `analyze` of `dir` into `out`; returns report.json.
fn analyze(dir: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "analyze",
        dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
        "--as-of",
        AS_OF,
        "--quiet",
    ];
    args.extend(extra);
    let r = dvposture(&args);
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

#[test]
fn a_report_with_every_optional_part_matches_the_schema() {
    let schema = validator("report.schema.json");
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("dvposture.toml");
    std::fs::write(
        &config,
        "[[waivers]]\nrule = \"lockbox-disabled\"\nsubject = \"3B2F3C1E-9A41-4D0E-B6C2-0F5E7F0B1A01\"\nreason = \"Lockbox comes with E5 in Q1\"\nexpires = \"2027-03-31\"\n\n[[waivers]]\nrule = \"ci-too-many-admins\"\nreason = \"never matches\"\n\n[[waivers]]\nrule = \"customer-managed-key-absent\"\nreason = \"expired\"\nexpires = \"2026-01-31\"\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let lockbox = scenario_dir("lockbox-disabled", "fires");
    let waived = analyze(lockbox.path(), &work.path().join("waived"), &["--config", config]);
    assert_valid(&schema, &waived, "report.json with waivers");
    let finding = waived["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["status"] == "waived")
        .unwrap();
    assert_eq!(finding["waiver"]["expires"], "2027-03-31");
    assert_eq!(waived["waivers"]["unmatched"].as_array().unwrap().len(), 1);
    assert_eq!(waived["waivers"]["expired"].as_array().unwrap().len(), 1);

    // A baseline (findings `unchanged`) and the gate.
    let first = work.path().join("first");
    analyze(&sample(), &first, &[]);
    let baseline = first.join("report.json");
    let gated = analyze(
        &sample(),
        &work.path().join("gated"),
        &[
            "--baseline",
            baseline.to_str().unwrap(),
            "--fail-on",
            "info",
            "--require-rules",
            "all",
        ],
    );
    assert_valid(&schema, &gated, "report.json with a baseline and the gate");
    assert_eq!(gated["gate"]["passed"], false);
    assert!(gated["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["status"] == "unchanged"));

    // Input problems: a skipped row has its file, line, column, JSON path and field.
    let mini = copy_fixture("mini");
    let p = mini.path().join("systemusers.json");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        text.replacen(r#""isdisabled": false"#, r#""isdisabled": "maybe""#, 1),
    )
    .unwrap();
    let broken = analyze(mini.path(), &work.path().join("broken"), &[]);
    assert_valid(&schema, &broken, "report.json with input problems");
    let users = broken["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["table"] == "systemusers")
        .unwrap();
    assert_eq!(users["status"], "partial");
    assert!(users["problems"][0]["json_path"].is_string() && users["problems"][0]["field"].is_string());
}

#[test]
fn the_schema_is_closed_against_drift() {
    let schema = validator("report.schema.json");
    let report = report_of(&sample(), &Config::default());
    assert!(schema.is_valid(&report));
    let broken = |what: &str, change: &dyn Fn(&mut Value)| {
        let mut r = report.clone();
        change(&mut r);
        assert!(!schema.is_valid(&r), "the schema accepts a report with {what}");
    };
    broken("an unknown top-level field", &|r| r["extra"] = json!(1));
    broken("an unknown finding field", &|r| r["findings"][0]["extra"] = json!(1));
    broken("an unknown subject field", &|r| {
        r["findings"][0]["subject"]["extra"] = json!(1)
    });
    broken("an unknown inventory field", &|r| {
        r["inventory"]["users"][0]["extra"] = json!(1)
    });
    broken("an unknown severity", &|r| {
        r["findings"][0]["severity"] = json!("urgent")
    });
    broken("an unknown subject kind", &|r| {
        r["findings"][0]["subject"]["kind"] = json!("mailbox")
    });
    broken("an unknown rule status", &|r| {
        r["rules"][0]["status"] = json!("skipped")
    });
    broken("an unknown confidence", &|r| {
        r["findings"][0]["confidence"] = json!("certain")
    });
    broken("a finding without a fingerprint", &|r| {
        r["findings"][0].as_object_mut().unwrap().remove("fingerprint");
    });
    broken("a waived finding without its waiver", &|r| {
        r["findings"][0]["status"] = json!("waived")
    });
    broken("a waiver on a finding that is not waived", &|r| {
        r["findings"][0]["waiver"] = json!({ "reason": "x", "expires": null })
    });
    broken("a date in another format", &|r| r["as_of"] = json!("23/11/2026"));
    broken("a negative count", &|r| r["summary"]["high"] = json!(-1));
    broken("evidence that is not an object", &|r| {
        r["findings"][0]["evidence"] = json!("text")
    });
}
