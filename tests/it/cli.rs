//! The commands end to end on the shipped sample tenant.

use crate::common::*;

fn sample() -> String {
    crate::common::sample_dir().display().to_string()
}

#[test]
fn analyze_the_sample_lists_every_input_table_with_its_rows() {
    let out = tempfile::tempdir().unwrap();
    let r = dvposture(&[
        "analyze",
        &sample(),
        "--out",
        out.path().to_str().unwrap(),
        "--as-of",
        "2026-11-23",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    let inputs = report["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), dvposture::ingest::source::TABLES.len());
    let rows = |table: &str| {
        inputs.iter().find(|i| i["table"] == table).unwrap()["rows"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(rows("systemusers"), 62);
    assert_eq!(rows("audits"), 4641);
    assert_eq!(rows("principalobjectaccessset"), 1434);
    for i in inputs {
        let table = i["table"].as_str().unwrap();
        if table == "attributedefinitions" {
            assert_eq!(
                i["status"], "missing",
                "the sample's attributes come expanded in entitydefinitions"
            );
        } else {
            assert_eq!(i["status"], "read", "{table}: {}", i["problems"]);
        }
    }
    let summary = &report["summary"];
    assert_eq!(summary["users"], 62);
    assert!(summary["privileged_users"].as_u64().unwrap() >= 7);
    assert!(
        !out.path().join("effective-access.csv").exists(),
        "effective-access.csv is opt-in"
    );
    assert!(report["environment"]["name"].is_string());
    assert!(report["audit_window"]["to"].as_str().unwrap().starts_with("2026-11-15"));
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for out in [&a, &b] {
        let r = dvposture(&[
            "analyze",
            &sample(),
            "--out",
            out.path().to_str().unwrap(),
            "--format",
            "json,access",
            "--as-of",
            "2026-11-23",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let strip = |p: &std::path::Path| {
        let text = std::fs::read_to_string(p).unwrap();
        text.lines()
            .filter(|l| !l.contains("\"generated_at\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(&a.path().join("report.json")),
        strip(&b.path().join("report.json"))
    );
    assert_eq!(
        std::fs::read(a.path().join("effective-access.csv")).unwrap(),
        std::fs::read(b.path().join("effective-access.csv")).unwrap()
    );
}

#[test]
fn effective_access_csv_has_the_specified_columns_and_order() {
    let out = tempfile::tempdir().unwrap();
    let r = dvposture(&[
        "analyze",
        &sample(),
        "--out",
        out.path().to_str().unwrap(),
        "--format",
        "access",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!out.path().join("report.json").exists(), "only the formats asked for");
    let mut reader = csv::Reader::from_path(out.path().join("effective-access.csv")).unwrap();
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "systemuserid",
            "user",
            "table",
            "right",
            "privilege",
            "depth",
            "business_units",
            "via"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.len() > 1000);
    let keys: Vec<(String, String)> = rows.iter().map(|r| (r[0].to_string(), r[4].to_string())).collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| (a.0.as_bytes(), a.1.as_bytes()).cmp(&(b.0.as_bytes(), b.1.as_bytes())));
    assert_eq!(keys, sorted, "sorted by systemuserid, then privilege");
    for r in &rows {
        assert!(["Basic", "Local", "Deep", "Global"].contains(&&r[5]));
        if r[5] == *"Global" || r[5] == *"Basic" {
            assert!(r[6].is_empty());
        } else {
            assert!(r[6].starts_with("Local:") || r[6].starts_with("Deep:"), "{r:?}");
        }
        assert!(!r[7].is_empty());
    }
    // A Read-mode user holds only Read privileges.
    let grace = "cfdbafa1-cb19-ee11-904c-002248a6c3d7";
    assert!(rows.iter().filter(|r| &r[0] == grace).all(|r| &r[3] == "Read"));
    // Disabled users have no rows.
    assert!(!rows.iter().any(|r| &r[0] == "5a10ae4b-7fb6-eb11-b8e0-002248a6c3d7"));
}

#[test]
fn access_explains_a_user_by_upn_name_or_id() {
    for who in [
        "marek.dvorak@contoso.com",
        "Marek Dvořák",
        "68E08A04-5171-EE11-A81B-000D3A2B7C41",
    ] {
        let r = dvposture(&["access", &sample(), "--user", who, "--table", "account"]);
        assert_eq!(r.code, 0, "{who}: {}", r.stderr);
        assert!(
            r.stdout
                .contains("privileged: System Administrator role (team:CRM Platform Admins>role:System Administrator)"),
            "{}",
            r.stdout
        );
        assert!(
            r.stdout.contains("  account\n    Create     Global  organization"),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn access_json_has_paths_depths_and_shares() {
    let r = dvposture(&[
        "access",
        &sample(),
        "--user",
        "grace.holloway@contoso.com",
        "--shares",
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["user"]["access_mode"], "Read");
    let privileges = v["privileges"].as_array().unwrap();
    assert!(!privileges.is_empty());
    assert!(privileges.iter().all(|p| p["right"] == "Read" || p["right"].is_null()));
    assert!(privileges.iter().all(|p| !p["via"].as_array().unwrap().is_empty()));
    let account = v["shares"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["table"] == "account")
        .unwrap();
    assert_ne!(
        account["ineffective"], 0,
        "a Write share to a Read-mode user cannot be used"
    );
}

/// Field security in JSON: a list of secured columns (a JSON object cannot be keyed by (table, column)).
#[test]
fn access_json_lists_the_secured_columns_of_a_user() {
    let r = dvposture(&["access", &sample(), "--user", "marek.dvorak@contoso.com", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let fs = &v["field_security"];
    assert_eq!(fs["system_administrator"], true, "{fs:#}");
    let columns = fs["columns"].as_array().unwrap();
    assert!(!columns.is_empty(), "{fs:#}");
    for c in columns {
        assert!(c["table"].is_string() && c["column"].is_string(), "{c:#}");
        assert_eq!(
            (&c["read"], &c["create"], &c["update"], &c["read_unmasked"]),
            (
                &serde_json::json!(true),
                &serde_json::json!(true),
                &serde_json::json!(true),
                &serde_json::json!(3)
            ),
            "an administrator has every secured column: {c:#}"
        );
    }
    let keys: Vec<(&str, &str)> = columns
        .iter()
        .map(|c| (c["table"].as_str().unwrap(), c["column"].as_str().unwrap()))
        .collect();
    assert!(keys.is_sorted(), "{keys:?}");
}

#[test]
fn access_rejects_unknown_and_ambiguous_users_with_candidates() {
    let r = dvposture(&["access", &sample(), "--user", "marek.dvorak@contoso.co"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no user matches \"marek.dvorak@contoso.co\""),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("marek.dvorak@contoso.com (Marek Dvořák"),
        "{}",
        r.stderr
    );

    let dir = copy_fixture("mini");
    let users = std::fs::read_to_string(dir.path().join("systemusers.json"))
        .unwrap()
        .replace("Carol Reader", "Bob Seller");
    std::fs::write(dir.path().join("systemusers.json"), users).unwrap();
    let r = dvposture(&["access", dir.path().to_str().unwrap(), "--user", "bob seller"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("\"bob seller\" matches 2 users; use the id of one:"),
        "{}",
        r.stderr
    );
}

#[test]
fn access_reads_neither_audits_nor_shares_unless_asked() {
    let dir = copy_fixture("mini");
    // Unreadable audit and share files do not matter to `access --user`.
    std::fs::write(dir.path().join("audits.ndjson"), "{not json").unwrap();
    std::fs::write(dir.path().join("principalobjectaccessset.json"), "{not json").unwrap();
    let r = dvposture(&[
        "access",
        dir.path().to_str().unwrap(),
        "--user",
        "alice@contoso.com",
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v["shares"].is_null());
}
