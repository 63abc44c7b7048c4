//! `dvposture.toml`: thresholds, severities, on/off, excluded principals and waivers; errors with positions.

use dvposture::config::Config;
use dvposture::rules::RuleStatus;

use crate::common::dvposture;
use crate::rules::{run_rules, scenario_dir};

fn parse(text: &str) -> Result<Config, String> {
    Config::parse("dvposture.toml", text).map_err(|e| e.to_string())
}

fn status_of(dir: &std::path::Path, config: &Config, rule: &str) -> (RuleStatus, usize) {
    let r = run_rules(dir, config).into_iter().find(|r| r.0 == rule).unwrap();
    (r.1, r.3.len())
}

#[test]
fn errors_name_the_line_and_column() {
    let cases = [
        ("[rules.no-such-rule]\nenabled = false\n", "dvposture.toml:1:1: unknown rule id \"no-such-rule\""),
        ("\n[rules.too-many-system-administrators]\nmax_admins = 3\n", "dvposture.toml:3:14: rule too-many-system-administrators has no setting \"max_admins\" (settings: enabled, severity, critical_system_administrators, max_system_administrators)"),
        ("[rules.too-many-system-administrators]\nseverity = \"urgent\"\n", "dvposture.toml:2:12: `severity` must be one of critical, high, medium, low, info"),
        ("[rules.too-many-system-administrators]\nmax_system_administrators = \"five\"\n", "dvposture.toml:2:29: too-many-system-administrators.max_system_administrators must be a number of zero or more like its default 5"),
        ("[[waivers]]\nrule = \"lockbox-disabled\"\n", "dvposture.toml:1:1: a waiver needs a `reason`"),
        ("[[waivers]]\nrule = \"lockbox-disabled\"\nreason = \"x\"\nexpires = \"31/03/2027\"\n", "dvposture.toml:4:11: `expires` must be a date as YYYY-MM-DD, found \"31/03/2027\""),
        ("colour = \"blue\"\n", "dvposture.toml:1:1: unknown field `colour`"),
    ];
    for (text, expected) in cases {
        let e = parse(text).unwrap_err();
        assert!(e.starts_with(expected), "{text:?}\n  got: {e}\n want: {expected}");
    }
}

#[test]
fn thresholds_severity_and_switches_apply() {
    let dir = scenario_dir("", "");
    let (status, _) = status_of(dir.path(), &Config::default(), "too-many-system-administrators");
    assert_eq!(status, RuleStatus::Passed, "2 administrators, 5 allowed");
    let strict =
        parse("[rules.too-many-system-administrators]\nmax_system_administrators = 1\nseverity = \"critical\"\n")
            .unwrap();
    let r = run_rules(dir.path(), &strict)
        .into_iter()
        .find(|r| r.0 == "too-many-system-administrators")
        .unwrap();
    assert_eq!(r.1, RuleStatus::Failed);
    assert_eq!(r.3[0]["severity"], "critical");
    let off =
        parse("[rules.too-many-system-administrators]\nenabled = false\nmax_system_administrators = 1\n").unwrap();
    assert_eq!(
        status_of(dir.path(), &off, "too-many-system-administrators").0,
        RuleStatus::Disabled
    );
}

#[test]
fn excluded_principals_leave_every_population() {
    let dir = scenario_dir("too-many-system-administrators", "fires");
    assert_eq!(
        status_of(dir.path(), &Config::default(), "too-many-system-administrators").0,
        RuleStatus::Failed
    );
    // Two break-glass accounts, one by UPN and one by id: 6 administrators become 4.
    let config = parse("exclude = [\"ada.admin@fabrikam.com\", \"B1000000-0000-0000-0000-000000000002\"]\n").unwrap();
    assert_eq!(
        status_of(dir.path(), &config, "too-many-system-administrators").0,
        RuleStatus::Passed
    );
    let dormant = scenario_dir("dormant-privileged-account", "fires");
    assert_eq!(
        status_of(dormant.path(), &config, "dormant-privileged-account").0,
        RuleStatus::Passed
    );
}

fn analyze(dir: &std::path::Path, config: Option<&str>, as_of: &str) -> (i32, serde_json::Value, String) {
    let out = dir.join("out");
    let mut args = vec![
        "analyze",
        dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        as_of,
    ];
    let cfg = dir
        .parent()
        .unwrap()
        .join(format!("{}-dvposture.toml", dir.file_name().unwrap().to_string_lossy()));
    if let Some(text) = config {
        std::fs::write(&cfg, text).unwrap();
        args.extend(["--config", cfg.to_str().unwrap()]);
    }
    let r = dvposture(&args);
    let report = std::fs::read(out.join("report.json"))
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap_or(serde_json::Value::Null);
    (r.code, report, r.stderr)
}

#[test]
fn waivers_apply_until_they_expire_and_unused_ones_are_listed() {
    let dir = scenario_dir("lockbox-disabled", "fires");
    let config = "[[waivers]]\nrule = \"lockbox-disabled\"\nsubject = \"3B2F3C1E-9A41-4D0E-B6C2-0F5E7F0B1A01\"\nreason = \"Lockbox is rolled out with the E5 licence in Q1\"\nexpires = \"2027-03-31\"\n\n[[waivers]]\nrule = \"ci-too-many-admins\"\nreason = \"never matches\"\n";
    let (code, report, _) = analyze(dir.path(), Some(config), "2026-11-23");
    assert_eq!(code, 0);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "lockbox-disabled")
        .unwrap();
    assert_eq!(finding["status"], "waived");
    assert_eq!(
        finding["waiver"]["reason"],
        "Lockbox is rolled out with the E5 licence in Q1"
    );
    assert_eq!(finding["waiver"]["expires"], "2027-03-31");
    let rule = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "lockbox-disabled")
        .unwrap();
    assert_eq!(rule["status"], "waived");
    assert_eq!(report["summary"]["waived"], 1);
    assert_eq!(
        report["summary"]["low"], 0,
        "a waived finding is not counted by severity"
    );
    assert_eq!(report["summary"]["score"], 100, "a waived rule costs nothing");
    assert_eq!(report["waivers"]["unmatched"][0]["rule"], "ci-too-many-admins");
    assert_eq!(report["waivers"]["unmatched"][0]["line"], 7);

    // The same waiver, judged after its expiry date, no longer applies and is listed as expired.
    let (_, report, stderr) = analyze(dir.path(), Some(config), "2027-04-01");
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "lockbox-disabled")
        .unwrap();
    assert_eq!(finding["status"], "new");
    assert!(finding.get("waiver").is_none());
    assert_eq!(report["waivers"]["expired"][0]["rule"], "lockbox-disabled");
    // Lockbox (low: 1) and, by then, the Customer Insights API key (182 days old, medium: 4).
    assert_eq!(report["summary"]["score"], 95);
    assert!(
        stderr.contains("the waiver of lockbox-disabled on line 1 expired on 2027-03-31"),
        "{stderr}"
    );
}

#[test]
fn a_config_inside_the_export_is_ignored_with_a_warning() {
    let dir = scenario_dir("lockbox-disabled", "fires");
    std::fs::write(
        dir.path().join("dvposture.toml"),
        "[[waivers]]\nrule = \"lockbox-disabled\"\nreason = \"the export waives itself\"\n",
    )
    .unwrap();
    let (code, report, stderr) = analyze(dir.path(), None, "2026-11-23");
    assert_eq!(code, 0);
    assert!(
        stderr.contains("is inside the export directory and is ignored"),
        "{stderr}"
    );
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "lockbox-disabled")
        .unwrap();
    assert_eq!(finding["status"], "new");
}

#[test]
fn a_config_error_exits_2_with_its_position() {
    let dir = scenario_dir("", "");
    let (code, _, stderr) = analyze(
        dir.path(),
        Some("[rules.lockbox-disabled]\nthreshold = 3\n"),
        "2026-11-23",
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("-dvposture.toml:2:13: rule lockbox-disabled has no setting \"threshold\""),
        "{stderr}"
    );
}

#[test]
fn rules_list_and_explain_come_from_the_metadata() {
    let r = dvposture(&["rules", "list"]);
    assert_eq!(r.code, 0);
    for m in dvposture::rules::metas() {
        assert!(r.stdout.contains(&m.id) && r.stdout.contains(&m.title), "{}", m.id);
    }
    let r = dvposture(&["rules", "explain", "too-many-system-administrators"]);
    assert_eq!(r.code, 0);
    assert!(r
        .stdout
        .contains("Too many System Administrators (too-many-system-administrators)"));
    assert!(r.stdout.contains("max_system_administrators = 5"));
    assert!(r.stdout.contains("seed 002_d84b468c404dd7ce.txt"));
    let r = dvposture(&["rules", "explain", "too-many-sysadmins"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("too-many-system-administrators"), "{}", r.stderr);
}
