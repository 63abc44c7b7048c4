//! The CI gate (`--fail-on`, `--only-new`, `--baseline`, `--require-rules`), its exit codes, and `diff`.

use serde_json::Value;

use crate::common::dvposture;
use crate::rules::scenario_dir;

fn sample_copy() -> tempfile::TempDir {
    crate::common::copy_dir(&crate::common::sample_dir())
}

fn analyze(dir: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> i32 {
    let mut args = vec![
        "analyze",
        dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        "2026-11-23",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    dvposture(&args).code
}

#[test]
fn gate_outcomes_and_exit_codes() {
    let base = scenario_dir("", "");
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    assert_eq!(analyze(base.path(), out.path(), &[]), 0, "no gate: exit 0");
    assert_eq!(
        analyze(base.path(), out.path(), &["--fail-on", "info"]),
        0,
        "a clean tenant passes any gate"
    );
    let fires = scenario_dir("lockbox-disabled", "fires");
    assert_eq!(
        analyze(fires.path(), out.path(), &["--fail-on", "low"]),
        1,
        "a low finding fails --fail-on low"
    );
    assert_eq!(
        analyze(fires.path(), out.path(), &["--fail-on", "medium"]),
        0,
        "and passes --fail-on medium"
    );
    let report: Value = serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["gate"]["passed"], true);
    assert_eq!(
        analyze(fires.path(), out.path(), &["--only-new", "--fail-on", "low"]),
        2,
        "--only-new without --baseline"
    );
    assert_eq!(
        analyze(fires.path(), out.path(), &["--fail-on", "urgent"]),
        2,
        "an unknown severity is a usage error"
    );
    let r = dvposture(&[
        "analyze",
        fires.path().to_str().unwrap(),
        "--out",
        o,
        "--require-rules",
        "no-such-rule",
    ]);
    assert_eq!(r.code, 2);

    // --require-rules: a rule whose input is missing fails the gate, so a pipeline cannot pass by leaving a file out.
    let no_ci = scenario_dir("", "");
    std::fs::remove_file(no_ci.path().join("customerinsights.json")).unwrap();
    assert_eq!(
        analyze(no_ci.path(), out.path(), &["--require-rules", "auditing-disabled"]),
        0
    );
    let r = dvposture(&[
        "analyze",
        no_ci.path().to_str().unwrap(),
        "--out",
        o,
        "--require-rules",
        "auditing-disabled,ci-too-many-admins",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("required rules not evaluated: ci-too-many-admins (the export has no customerinsights.json"),
        "{}",
        r.stderr
    );
    assert_eq!(analyze(no_ci.path(), out.path(), &["--require-rules", "all"]), 1);
    // A waived finding does not fail the gate.
    let cfg = out.path().join("waive.toml");
    std::fs::write(
        &cfg,
        "[[waivers]]\nrule = \"lockbox-disabled\"\nreason = \"accepted risk\"\n",
    )
    .unwrap();
    assert_eq!(
        analyze(
            fires.path(),
            out.path(),
            &["--fail-on", "low", "--config", cfg.to_str().unwrap()]
        ),
        0
    );
}

#[test]
fn with_a_baseline_only_the_new_finding_fails_the_gate() {
    let out = tempfile::tempdir().unwrap();
    // Last week: the lockbox finding (low). This week: the same, plus a user without a role (medium).
    let before = scenario_dir("lockbox-disabled", "fires");
    let old = out.path().join("old");
    assert_eq!(analyze(before.path(), &old, &[]), 0);
    let after = scenario_dir("lockbox-disabled", "fires");
    let roles = std::fs::read_to_string(after.path().join("systemuserrolescollection.json")).unwrap();
    let mut v: Value = serde_json::from_str(&roles).unwrap();
    v["value"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["systemuserid"] != "b1000000-0000-0000-0000-000000000003");
    std::fs::write(after.path().join("systemuserrolescollection.json"), v.to_string()).unwrap();
    let baseline = old.join("report.json");
    let b = baseline.to_str().unwrap();
    let new = out.path().join("new");
    assert_eq!(
        analyze(after.path(), &new, &["--baseline", b]),
        0,
        "--baseline alone never changes the exit code"
    );
    let report: Value = serde_json::from_slice(&std::fs::read(new.join("report.json")).unwrap()).unwrap();
    let status = |rule: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("lockbox-disabled"), "unchanged");
    assert_eq!(status("user-without-role"), "new");
    // The old low finding alone would fail --fail-on low; with --only-new only the new medium one counts.
    assert_eq!(
        analyze(
            after.path(),
            &new,
            &["--baseline", b, "--only-new", "--fail-on", "medium"]
        ),
        1
    );
    assert_eq!(
        analyze(
            after.path(),
            &new,
            &["--baseline", b, "--only-new", "--fail-on", "high"]
        ),
        0
    );
    assert_eq!(
        analyze(
            before.path(),
            &new,
            &["--baseline", b, "--only-new", "--fail-on", "low"]
        ),
        0,
        "nothing new"
    );
    let md = std::fs::read_to_string(new.join("summary.md")).unwrap();
    assert!(md.contains("0 new** since the baseline"), "{md}");
    // A baseline of another environment is refused.
    let other = scenario_dir("", "");
    let env = std::fs::read_to_string(other.path().join("environment.json"))
        .unwrap()
        .replace(
            "3b2f3c1e-9a41-4d0e-b6c2-0f5e7f0b1a01",
            "9d9d9d9d-9a41-4d0e-b6c2-0f5e7f0b1a01",
        );
    std::fs::write(other.path().join("environment.json"), env).unwrap();
    assert_eq!(analyze(other.path(), &new, &["--baseline", b]), 2);
}

fn edit_json(path: &std::path::Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_string(&v).unwrap()).unwrap();
}

#[test]
fn diff_reports_exactly_the_changes_between_two_versions_of_the_sample() {
    let out = tempfile::tempdir().unwrap();
    let v1 = sample_copy();
    let v2 = sample_copy();
    let emily = "06674c43-104f-eb11-8a3e-002248a6c3d7";
    // 1. Emily Johnson is promoted to System Administrator (the copy in her business unit).
    edit_json(&v2.path().join("systemuserrolescollection.json"), |v| {
        v["value"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"systemuserid": emily, "roleid": "c65e82a4-91c0-eb11-b8e0-000d3a2b7c41"}));
    });
    // 2. Salesperson's Read on contact goes from Local to Global.
    let privileges: Value =
        serde_json::from_str(&std::fs::read_to_string(v2.path().join("privileges.json")).unwrap()).unwrap();
    let read_contact = privileges["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "prvReadContact")
        .unwrap()["privilegeid"]
        .as_str()
        .unwrap()
        .to_string();
    edit_json(&v2.path().join("roleprivilegescollection.json"), |v| {
        for r in v["value"].as_array_mut().unwrap() {
            if r["roleid"] == "1b55f2ef-f35e-e811-904c-000d3a1bcf17" && r["privilegeid"] == read_contact.as_str() {
                r["privilegedepthmask"] = 8.into();
            }
        }
    });
    // 3. 1,000 new shares of accounts with a user.
    edit_json(&v2.path().join("principalobjectaccessset.2.json"), |v| {
        let rows = v["value"].as_array_mut().unwrap();
        for i in 0..1000 {
            rows.push(serde_json::json!({
                "principalobjectaccessid": format!("7a000000-0000-4000-8000-{i:012x}"),
                "objectid": format!("7b000000-0000-4000-8000-{i:012x}"),
                "objecttypecode": "account", "principalid": emily, "principaltypecode": "systemuser",
                "accessrightsmask": 1, "inheritedaccessrightsmask": 0
            }));
        }
    });
    let (o1, o2) = (out.path().join("v1"), out.path().join("v2"));
    assert_eq!(analyze(v1.path(), &o1, &["--format", "json"]), 0);
    assert_eq!(analyze(v2.path(), &o2, &["--format", "json"]), 0);
    let (r1, r2) = (o1.join("report.json"), o2.join("report.json"));
    let r = dvposture(&["diff", r1.to_str().unwrap(), r2.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d: Value = serde_json::from_str(&r.stdout).unwrap();
    let ids = |key: &str| {
        d[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids("newly_privileged"), [emily]);
    assert!(d["no_longer_privileged"].as_array().unwrap().is_empty());
    let changes = d["privilege_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0]["role"]["name"], "Salesperson");
    assert_eq!(changes[0]["privilege"], "prvReadContact");
    assert_eq!(
        (
            changes[0]["from"].as_str(),
            changes[0]["to"].as_str(),
            changes[0]["change"].as_str()
        ),
        (Some("Local"), Some("Global"), Some("rose"))
    );
    assert!(changes[0]["users"].as_u64().unwrap() > 0);
    let added = d["assignments_added"].as_array().unwrap();
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["user"]["id"], emily);
    assert_eq!(added[0]["other"]["name"], "System Administrator (direct)");
    for key in [
        "assignments_removed",
        "memberships_added",
        "memberships_removed",
        "users_added",
        "users_removed",
        "roles_added",
        "roles_removed",
    ] {
        assert!(d[key].as_array().unwrap().is_empty(), "{key}: {}", d[key]);
    }
    assert_eq!(
        d["shares_total"][1].as_u64().unwrap() - d["shares_total"][0].as_u64().unwrap(),
        1000
    );
    let shares = d["share_changes"].as_array().unwrap();
    assert_eq!(shares.len(), 1);
    assert_eq!(shares[0]["principal"], emily);
    assert_eq!(
        shares[0]["to"].as_u64().unwrap() - shares[0]["from"].as_u64().unwrap(),
        1000
    );
    // The findings that follow from those changes are new; none resolved.
    assert!(
        d["resolved_findings"].as_array().unwrap().is_empty(),
        "{}",
        d["resolved_findings"]
    );

    // Markdown, and the gate on escalations: a user who became privileged fails --fail-on.
    let r = dvposture(&[
        "diff",
        r1.to_str().unwrap(),
        r2.to_str().unwrap(),
        "--fail-on",
        "critical",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("### Users who became privileged (1)"), "{}", r.stdout);
    assert!(
        r.stdout.contains("Salesperson `prvReadContact`: rose Local → Global"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("1 user became privileged"), "{}", r.stderr);
    let same = dvposture(&["diff", r1.to_str().unwrap(), r1.to_str().unwrap(), "--fail-on", "info"]);
    assert_eq!(same.code, 0);
    assert!(same.stdout.contains("No changes."), "{}", same.stdout);
}

#[test]
fn diff_refuses_reports_of_different_environments() {
    let out = tempfile::tempdir().unwrap();
    let a = scenario_dir("", "");
    let b = scenario_dir("", "");
    let env = std::fs::read_to_string(b.path().join("environment.json"))
        .unwrap()
        .replace(
            "3b2f3c1e-9a41-4d0e-b6c2-0f5e7f0b1a01",
            "9d9d9d9d-9a41-4d0e-b6c2-0f5e7f0b1a01",
        );
    std::fs::write(b.path().join("environment.json"), env).unwrap();
    assert_eq!(analyze(a.path(), &out.path().join("a"), &[]), 0);
    assert_eq!(analyze(b.path(), &out.path().join("b"), &[]), 0);
    let r = dvposture(&[
        "diff",
        out.path().join("a/report.json").to_str().unwrap(),
        out.path().join("b/report.json").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("different environments"), "{}", r.stderr);
}
