//! `report.sarif` (CLI.md): valid SARIF 2.1.0 against the official schema (`schema/sarif-2.1.0.json`), what
//! GitHub code scanning reads (rules with help and `security-severity`, a file location per result, partial
//! fingerprints, suppressions for waived findings), the 5,000-result cap, and text from the export kept plain.

use std::path::{Path, PathBuf};

use dvposture::config::Config;
use dvposture::finding::{fingerprint, Confidence, Finding, Severity, Subject, SubjectKind};
use dvposture::policy::{Analysis, AppliedWaiver, FindingStatus, Judged};
use dvposture::report::json::{Report, ReportContext};
use dvposture::report::sarif::{self, MAX_RESULTS};
use dvposture::rules::{RuleResult, RuleStatus};
use serde_json::{json, Value};

use crate::common::dvposture;
use crate::rules::{scenario_dir, AS_OF};

pub fn sample() -> PathBuf {
    crate::common::sample_dir()
}

/// Runs the whole pipeline on an export (as `analyze` does, at [`AS_OF`]); `adjust` may replace the analysis
/// before report.json is built; `f` gets the analysis and the report.
pub fn with_report<R>(
    dir: &Path,
    config: &Config,
    adjust: impl FnOnce(Analysis) -> Analysis,
    f: impl FnOnce(&Analysis, &Report) -> R,
) -> R {
    let export = dvposture::ingest::load(dir, &Default::default()).unwrap();
    assert!(export.is_usable(), "{:?}", export.fatal);
    let engine = dvposture::access::Engine::build(&export.tenant);
    let hierarchy = dvposture::access::hierarchy::Hierarchy::build(&export.tenant);
    let as_of = dvposture::time::Date::parse(AS_OF).unwrap();
    let shared = dvposture::rules::Shared {
        tenant: &export.tenant,
        engine: &engine,
        hierarchy: hierarchy.as_ref(),
        as_of,
        excluded: dvposture::rules::resolve_excluded(&export.tenant, &config.exclude).0,
        details: true,
    };
    let analysis = adjust(dvposture::policy::apply(
        dvposture::rules::run(&shared, config),
        config,
        as_of,
    ));
    let ctx = ReportContext {
        generated_at: dvposture::time::Timestamp::parse("2026-11-23T08:00:00Z").unwrap(),
        as_of,
    };
    let report = dvposture::report::json::build(&export, &engine, &analysis, &ctx);
    f(&analysis, &report)
}

/// The SARIF of an export, as JSON.
pub fn sarif_of(dir: &Path, config: &Config) -> Value {
    with_report(
        dir,
        config,
        |a| a,
        |a, r| serde_json::to_value(sarif::render(a, r, "contoso")).unwrap(),
    )
}

/// A validator for one of the schemas in `schema/`, with format checks on.
pub fn validator(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema").join(name);
    let schema: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Fails with every error and where it is.
pub fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .take(20)
        .map(|e| format!("  at {}: {e}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match its schema:\n{}",
        errors.join("\n")
    );
}

fn run(sarif: &Value) -> &Value {
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    &runs[0]
}

fn results(sarif: &Value) -> &Vec<Value> {
    run(sarif)["results"].as_array().unwrap()
}

fn rank(severity: &str) -> u8 {
    match severity {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        "info" => 0,
        other => panic!("severity {other}"),
    }
}

fn expected_security_severity(severity: &str) -> &'static str {
    match severity {
        "critical" => "9.5",
        "high" => "8.0",
        "medium" => "5.5",
        "low" => "3.0",
        "info" => "1.0",
        other => panic!("severity {other}"),
    }
}

fn expected_level(severity: &str) -> &'static str {
    match severity {
        "critical" | "high" => "error",
        "medium" => "warning",
        _ => "note",
    }
}

/// Most severe first, the waived ones last.
fn assert_ordered(results: &[Value]) {
    let keys: Vec<(bool, u8)> = results
        .iter()
        .map(|r| {
            (
                r.get("suppressions").is_some(),
                4 - rank(r["properties"]["severity"].as_str().unwrap()),
            )
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "results out of order: {keys:?}");
}

#[test]
fn the_sample_gives_valid_sarif_that_github_can_read() {
    let sarif = sarif_of(&sample(), &Config::default());
    assert_valid(
        &validator("sarif-2.1.0.json"),
        &sarif,
        "report.sarif of samples/contoso",
    );
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["$schema"], sarif::SARIF_SCHEMA);

    let run = run(&sarif);
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "dvposture");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    let metas = dvposture::rules::metas();
    assert_eq!(rules.len(), metas.len(), "every rule of the registry");
    for (rule, meta) in rules.iter().zip(metas) {
        assert_eq!(rule["id"], meta.id.as_str());
        assert_eq!(rule["shortDescription"]["text"], meta.title.as_str());
        assert_eq!(rule["fullDescription"]["text"], meta.fires_when.trim());
        for part in [&meta.rationale, &meta.remediation] {
            let first_line = part.trim().lines().next().unwrap();
            assert!(
                rule["help"]["text"].as_str().unwrap().contains(first_line),
                "{}",
                meta.id
            );
            assert!(
                rule["help"]["markdown"].as_str().unwrap().contains(first_line),
                "{}",
                meta.id
            );
        }
        let learn = meta
            .references
            .iter()
            .filter_map(|r| r.url.as_deref())
            .find(|u| u.contains("learn.microsoft.com"));
        assert_eq!(rule.get("helpUri").and_then(Value::as_str), learn, "{}", meta.id);
        let props = &rule["properties"];
        let severity = props["severity"].as_str().unwrap();
        assert_eq!(
            props["security-severity"],
            expected_security_severity(severity),
            "{}",
            meta.id
        );
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            expected_level(severity),
            "{}",
            meta.id
        );
        assert_eq!(props["tags"], json!(["security", meta.group]));
        assert!(["high", "medium", "low"].contains(&props["precision"].as_str().unwrap()));
    }

    let results = results(&sarif);
    assert_eq!(results.len(), 55, "every finding of the sample (README)");
    assert_ordered(results);
    assert_eq!(
        results[0]["ruleId"], "service-user-modified",
        "the critical finding first"
    );
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        let severity = r["properties"]["severity"].as_str().unwrap();
        assert_eq!(r["level"], expected_level(severity));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let fp = r["partialFingerprints"]["dvposture/v1"].as_str().unwrap();
        assert_eq!(fp.len(), 64);
        let location = &r["locations"][0];
        let artifact = &location["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uriBaseId"], sarif::EXPORT_DIR);
        let uri = artifact["uri"].as_str().unwrap();
        assert!(sample().join(uri).is_file(), "{uri} is a file of the export");
        assert_eq!(location["physicalLocation"]["region"]["startLine"], 1);
        let subject = &r["properties"]["subject"];
        let logical = &location["logicalLocations"][0];
        assert_eq!(logical["kind"], subject["kind"]);
        assert_eq!(logical["name"], subject["name"]);
        assert_eq!(
            logical["fullyQualifiedName"],
            format!(
                "{}/{}",
                subject["kind"].as_str().unwrap(),
                subject["id"].as_str().unwrap()
            )
        );
        assert!(r["properties"]["evidence"].is_object());
        assert!(r.get("suppressions").is_none(), "nothing is waived without a config");
    }
    let uri_of = |rule: &str| {
        results
            .iter()
            .find(|r| r["ruleId"] == rule)
            .map(|r| {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .unwrap()
    };
    assert_eq!(uri_of("dormant-privileged-account"), "systemusers.json");
    assert_eq!(uri_of("system-administrator-role-copied"), "roles.json");
    assert_eq!(uri_of("audit-tampering"), "audits.ndjson");
    assert_eq!(uri_of("user-access-audit-disabled"), "organizations.json");
    assert_eq!(uri_of("env-without-security-group"), "environment.json");
    assert_eq!(uri_of("ci-api-key-not-rotated"), "customerinsights.json");
    assert_eq!(uri_of("excessive-sharing"), "principalobjectaccessset.json");

    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    assert!(run["originalUriBaseIds"][sarif::EXPORT_DIR].is_object());
    assert_eq!(run["properties"]["truncated"], false);
    assert_eq!(run["properties"]["findings"], 55);
    assert_eq!(run["properties"]["export_directory"], "contoso");
}

#[test]
fn the_binary_writes_the_same_report_sarif_every_time() {
    let out = tempfile::tempdir().unwrap();
    let write = |name: &str| {
        let dir = out.path().join(name);
        let r = dvposture(&[
            "analyze",
            sample().to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
            "--format",
            "json,sarif",
            "--as-of",
            AS_OF,
            "--quiet",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(dir.join("report.json").is_file());
        std::fs::read(dir.join("report.sarif")).unwrap()
    };
    let (a, b) = (write("a"), write("b"));
    assert!(a == b, "report.sarif differs between two runs");
    let sarif: Value = serde_json::from_slice(&a).unwrap();
    assert_valid(
        &validator("sarif-2.1.0.json"),
        &sarif,
        "report.sarif written by analyze",
    );
    assert_eq!(results(&sarif).len(), 55);
    assert_eq!(run(&sarif)["properties"]["export_directory"], "contoso");
}

/// A finding of `rule` at `severity` about user `n`.
fn synthetic(rule: &'static str, title: &'static str, severity: Severity, n: usize) -> Finding {
    let id = format!("00000000-0000-0000-0000-{n:012x}");
    Finding {
        rule,
        severity,
        confidence: Confidence::High,
        title,
        message: format!("Synthetic finding {n} at {severity}."),
        fingerprint: fingerprint(rule, SubjectKind::User, &id, ""),
        subject: Subject::new(SubjectKind::User, id, format!("user{n}@contoso.com")),
        evidence: json!({ "n": n }).into(),
        discriminator: String::new(),
    }
}

/// An analysis holding exactly `findings` (in report order) under the first rule of the registry.
fn analysis_of(mut findings: Vec<Judged>) -> Analysis {
    findings.sort_by(|a, b| dvposture::finding::report_order(&a.finding, &b.finding));
    let meta = &dvposture::rules::metas()[0];
    Analysis {
        rules: vec![RuleResult {
            id: meta.id.as_str(),
            elapsed: Default::default(),
            status: RuleStatus::Failed,
            reason: None,
            findings: Vec::new(),
            finding_count: findings.len(),
        }],
        findings,
        expired_waivers: Vec::new(),
        unmatched_waivers: Vec::new(),
        score: 0,
    }
}

fn judged(finding: Finding, waiver: Option<&str>) -> Judged {
    Judged {
        finding,
        status: if waiver.is_some() {
            FindingStatus::Waived
        } else {
            FindingStatus::New
        },
        waiver: waiver.map(|reason| AppliedWaiver {
            reason: reason.to_string(),
            expires: dvposture::time::Date::parse("2027-03-31"),
        }),
    }
}

#[test]
fn at_most_5000_results_the_most_severe_first() {
    let meta = &dvposture::rules::metas()[0];
    let (rule, title) = (meta.id.as_str(), meta.title.as_str());
    // 6,000 findings: 100 critical, 900 high, 2,000 medium, 2,000 low, 900 info and 100 waived high ones.
    let mut findings = Vec::new();
    let plan = [
        (Severity::Info, 900, false),
        (Severity::High, 100, true),
        (Severity::Low, 2000, false),
        (Severity::Critical, 100, false),
        (Severity::Medium, 2000, false),
        (Severity::High, 900, false),
    ];
    for (severity, count, waived) in plan {
        for _ in 0..count {
            let n = findings.len();
            findings.push(judged(
                synthetic(rule, title, severity, n),
                waived.then_some("accepted risk"),
            ));
        }
    }
    assert_eq!(findings.len(), 6000);
    let sarif = with_report(
        &sample(),
        &Config::default(),
        |_| analysis_of(findings),
        |a, r| serde_json::to_value(sarif::render(a, r, "contoso")).unwrap(),
    );
    let results = results(&sarif);
    assert_eq!(results.len(), MAX_RESULTS);
    assert_ordered(results);
    let count = |s: &str| results.iter().filter(|r| r["properties"]["severity"] == s).count();
    assert_eq!(
        (
            count("critical"),
            count("high"),
            count("medium"),
            count("low"),
            count("info")
        ),
        (100, 900, 2000, 2000, 0),
        "the 5,000 most severe findings that are not waived"
    );
    assert!(
        results.iter().all(|r| r.get("suppressions").is_none()),
        "waived findings are cut first"
    );

    let run = run(&sarif);
    assert_eq!(run["properties"]["truncated"], true);
    assert_eq!(run["properties"]["findings"], 6000);
    assert_eq!(run["properties"]["results"], 5000);
    assert_eq!(run["properties"]["results_limit"], 5000);
    let notes = run["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    let note = notes
        .iter()
        .find(|n| n["descriptor"]["id"] == "results-truncated")
        .unwrap();
    assert_eq!(note["level"], "warning");
    let text = note["message"]["text"].as_str().unwrap();
    assert!(
        text.contains("5000 most severe of 6000 findings (1000 left out)"),
        "{text}"
    );
    let descriptors = run["tool"]["driver"]["notifications"].as_array().unwrap();
    let index = note["descriptor"]["index"].as_u64().unwrap() as usize;
    assert_eq!(descriptors[index]["id"], "results-truncated");
    // The rule's severity is the highest of its findings in this run.
    assert_eq!(
        run["tool"]["driver"]["rules"][0]["properties"]["security-severity"],
        "9.5"
    );
    assert_valid(&validator("sarif-2.1.0.json"), &sarif, "the truncated report.sarif");

    // Exactly 5,000: nothing is cut and nothing is said.
    let exact: Vec<Judged> = (0..MAX_RESULTS)
        .map(|n| judged(synthetic(rule, title, Severity::Low, n), None))
        .collect();
    let sarif = with_report(
        &sample(),
        &Config::default(),
        |_| analysis_of(exact),
        |a, r| serde_json::to_value(sarif::render(a, r, "contoso")).unwrap(),
    );
    assert_eq!(self::results(&sarif).len(), MAX_RESULTS);
    let run = self::run(&sarif);
    assert_eq!(run["properties"]["truncated"], false);
    assert!(run["invocations"][0].get("toolExecutionNotifications").is_none());
}

#[test]
fn security_severity_follows_a_severity_override() {
    let dir = scenario_dir("lockbox-disabled", "fires");
    let rule_of = |sarif: &Value| {
        run(sarif)["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "lockbox-disabled")
            .cloned()
            .unwrap()
    };
    let plain = sarif_of(dir.path(), &Config::default());
    assert_eq!(
        rule_of(&plain)["properties"]["security-severity"],
        "3.0",
        "low by default"
    );
    assert_eq!(rule_of(&plain)["defaultConfiguration"]["level"], "note");
    let config = Config::parse("dvposture.toml", "[rules.lockbox-disabled]\nseverity = \"critical\"\n").unwrap();
    let raised = sarif_of(dir.path(), &config);
    assert_eq!(rule_of(&raised)["properties"]["security-severity"], "9.5");
    assert_eq!(rule_of(&raised)["defaultConfiguration"]["level"], "error");
    let result = results(&raised)
        .iter()
        .find(|r| r["ruleId"] == "lockbox-disabled")
        .unwrap();
    assert_eq!(result["level"], "error");
    assert_eq!(results(&raised)[0]["ruleId"], "lockbox-disabled", "now the most severe");
}

#[test]
fn waived_findings_are_suppressed_with_the_reason() {
    let dir = scenario_dir("lockbox-disabled", "fires");
    let config = Config::parse(
        "dvposture.toml",
        "[[waivers]]\nrule = \"lockbox-disabled\"\nsubject = \"3B2F3C1E-9A41-4D0E-B6C2-0F5E7F0B1A01\"\nreason = \"Lockbox is rolled out with the E5 licence in Q1\"\nexpires = \"2027-03-31\"\n",
    )
    .unwrap();
    let sarif = sarif_of(dir.path(), &config);
    assert_valid(&validator("sarif-2.1.0.json"), &sarif, "report.sarif with a waiver");
    let results = results(&sarif);
    let waived: Vec<&Value> = results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!(waived.len(), 1);
    let r = waived[0];
    assert_eq!(r["ruleId"], "lockbox-disabled");
    assert_eq!(r["properties"]["status"], "waived");
    assert_eq!(
        r["suppressions"],
        json!([{
            "kind": "external",
            "status": "accepted",
            "justification": "Lockbox is rolled out with the E5 licence in Q1",
            "properties": { "expires": "2027-03-31" }
        }])
    );
    assert_ordered(results);
    assert!(results
        .iter()
        .filter(|r| r["ruleId"] != "lockbox-disabled")
        .all(|r| r["properties"]["status"] == "new"));
}

#[test]
fn rules_that_did_not_run_are_configuration_notifications() {
    let dir = scenario_dir("", "");
    std::fs::remove_file(dir.path().join("audits.ndjson")).unwrap();
    let config = Config::parse(
        "dvposture.toml",
        "[rules.customer-managed-key-absent]\nenabled = false\n",
    )
    .unwrap();
    let sarif = sarif_of(dir.path(), &config);
    assert_valid(
        &validator("sarif-2.1.0.json"),
        &sarif,
        "report.sarif without an audit log",
    );
    let run = run(&sarif);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let notes = run["invocations"][0]["toolConfigurationNotifications"]
        .as_array()
        .unwrap();
    let note_of = |rule: &str| {
        notes
            .iter()
            .find(|n| n["associatedRule"]["id"] == rule)
            .unwrap_or_else(|| panic!("no notification for {rule}: {notes:#?}"))
    };
    let tampering = note_of("audit-tampering");
    assert_eq!(tampering["level"], "warning");
    assert_eq!(tampering["descriptor"]["id"], "rule-not-evaluated");
    let text = tampering["message"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("Rule audit-tampering was not evaluated: the export has no audits.json"),
        "{text}"
    );
    let index = tampering["associatedRule"]["index"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "audit-tampering");
    let disabled = note_of("customer-managed-key-absent");
    assert_eq!(disabled["level"], "note");
    assert_eq!(disabled["descriptor"]["id"], "rule-disabled");
    assert!(!results(&sarif).iter().any(|r| r["ruleId"] == "audit-tampering"));
}

#[test]
fn input_problems_are_execution_notifications() {
    let dir = crate::common::copy_fixture("mini");
    let p = dir.path().join("systemusers.json");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        text.replacen(r#""isdisabled": false"#, r#""isdisabled": "maybe""#, 1),
    )
    .unwrap();
    let sarif = sarif_of(dir.path(), &Config::default());
    assert_valid(
        &validator("sarif-2.1.0.json"),
        &sarif,
        "report.sarif of an export with a broken row",
    );
    let notes = run(&sarif)["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let note = notes
        .iter()
        .find(|n| n["descriptor"]["id"] == "input-problems")
        .unwrap();
    let text = note["message"]["text"].as_str().unwrap();
    assert!(text.starts_with("systemusers was read with problems: "), "{text}");
    assert!(text.contains("1 skipped"), "{text}");
    assert!(text.contains("expected a boolean, found \"maybe\""), "{text}");
    assert_eq!(
        note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "systemusers.json"
    );
}

#[test]
fn hostile_text_stays_plain_json_strings() {
    let meta = &dvposture::rules::metas()[0];
    let mut f = synthetic(meta.id.as_str(), meta.title.as_str(), Severity::High, 1);
    let name = "<script>alert(1)</script> =HYPERLINK(\"https://evil.example\",\"x\")";
    f.subject.name = name.to_string();
    f.message = format!("{name} holds {{0}} and [click](https://evil.example).");
    let sarif = with_report(
        &sample(),
        &Config::default(),
        |_| analysis_of(vec![judged(f, None)]),
        |a, r| serde_json::to_string_pretty(&sarif::render(a, r, "contoso")).unwrap(),
    );
    assert!(
        sarif.contains("<script>alert(1)</script>"),
        "not HTML-escaped: viewers escape"
    );
    assert!(!sarif.contains("&lt;") && !sarif.contains("\\u003c"));
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    assert_valid(
        &validator("sarif-2.1.0.json"),
        &sarif,
        "report.sarif with hostile names",
    );
    let r = &results(&sarif)[0];
    assert_eq!(r["properties"]["subject"]["name"], name, "carried as is");
    assert_eq!(r["locations"][0]["logicalLocations"][0]["name"], name);
    // In a message, braces are placeholders and `[..](..)` a link in SARIF: escaped the way SARIF says.
    assert_eq!(
        r["message"]["text"],
        format!("{name} holds {{{{0}}}} and \\[click\\](https://evil.example).")
    );
    assert!(
        r["message"]["text"].as_str().unwrap().starts_with("<script>"),
        "no spreadsheet quote"
    );
}

#[test]
fn hostile_names_from_the_export_stay_plain_json_strings() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(sample()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    // A dormant administrator whose UPN is markup and a spreadsheet formula.
    let hostile = "<script>alert(1)</script>=HYPERLINK(\"https://evil.example\")";
    let upn = "\"tomasz.kowalczyk@contoso.com\"";
    let mut replaced = 0;
    for page in ["systemusers.json", "systemusers.2.json"] {
        let p = dir.path().join(page);
        let text = std::fs::read_to_string(&p).unwrap();
        replaced += text.matches(upn).count();
        std::fs::write(&p, text.replace(upn, &serde_json::to_string(hostile).unwrap())).unwrap();
    }
    assert!(replaced > 0, "the sample has tomasz.kowalczyk@contoso.com");
    let sarif = sarif_of(dir.path(), &Config::default());
    assert_valid(
        &validator("sarif-2.1.0.json"),
        &sarif,
        "report.sarif with a hostile UPN",
    );
    let r = results(&sarif)
        .iter()
        .find(|r| r["ruleId"] == "dormant-privileged-account" && r["properties"]["subject"]["name"] == hostile)
        .expect("the dormant administrator, under the hostile name");
    assert_eq!(r["locations"][0]["logicalLocations"][0]["name"], hostile);
    assert!(
        r["message"]["text"].as_str().unwrap().starts_with(hostile),
        "{}",
        r["message"]["text"]
    );
}

#[test]
fn the_same_analysis_renders_the_same_bytes() {
    let render = || {
        with_report(
            &sample(),
            &Config::default(),
            |a| a,
            |a, r| serde_json::to_string_pretty(&sarif::render(a, r, "contoso")).unwrap(),
        )
    };
    assert!(render() == render());
}
