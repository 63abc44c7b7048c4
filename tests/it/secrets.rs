//! Secrets (INPUT.md): the value of an input column whose name contains `secret`, `password`, `token` or `key`
//! (and the Customer Insights key values) never reaches a report, stdout, stderr or a problem message, whatever
//! the format and even when the row holding it is malformed.

use std::path::Path;

use crate::common::*;

/// Every planted secret holds this marker (and a suffix saying where it was planted).
const MARKER: &str = "SeCrEt-";

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let p = dir.join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{from} not in {file}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

/// The base export with secrets in extra columns of several tables (JSON, NDJSON, CSV), in the Customer Insights
/// and environment files, in malformed rows that give problem messages, and under secret-looking keys of objects
/// found where a single value was expected.
fn export_with_secrets() -> tempfile::TempDir {
    let dir = copy_fixture("rules/base");
    let d = dir.path();
    edit(
        d,
        "customerinsights.json",
        r#""enabled": true,"#,
        r#""enabled": true, "primaryKey": "SeCrEt-ci-primary", "secondaryKey": "SeCrEt-ci-secondary", "apiToken": "SeCrEt-ci-token","#,
    );
    edit(
        d,
        "customerinsights.json",
        r#""name": "kv-fabrikam-ci""#,
        r#""name": "kv-fabrikam-ci", "clientSecret": "SeCrEt-ci-keyvault""#,
    );
    edit(
        d,
        "customerinsights.json",
        r#""secretsInKeyVault": true"#,
        r#""secretsInKeyVault": true, "password": "SeCrEt-ci-connection", "sasKey": "SeCrEt-ci-sas""#,
    );
    edit(
        d,
        "environment.json",
        r#""displayName": "Fabrikam Production","#,
        r#""displayName": "Fabrikam Production", "clientSecret": "SeCrEt-env-client", "storageAccountKey": "SeCrEt-env-storage","#,
    );
    edit(
        d,
        "organizations.json",
        r#""name": "fabrikam","#,
        r#""name": "fabrikam", "smtppassword": "SeCrEt-org-smtp", "yammeroauthaccesstokenexpired": "SeCrEt-org-token","#,
    );
    // Good rows with secret columns.
    edit(
        d,
        "systemusers.json",
        r#""fullname": "Ada Admin","#,
        r#""fullname": "Ada Admin", "client_secret": "SeCrEt-user-client", "userpassword": "SeCrEt-user-password", "apikey": "SeCrEt-user-apikey","#,
    );
    edit(
        d,
        "teams.json",
        r#""name": "Sales","#,
        r#""name": "Sales", "teamsecret": "SeCrEt-team", "sessiontoken": "SeCrEt-team-token","#,
    );
    // Malformed rows holding secrets: the problem names the broken column, never the secret.
    edit(
        d,
        "systemusers.json",
        r#""fullname": "Ben Platform","#,
        r#""fullname": "Ben Platform", "userpassword": "SeCrEt-bad-row-password", "accesskey": "SeCrEt-bad-row-key", "azurestate": "sometimes","#,
    );
    edit(
        d,
        "systemusers.json",
        r#""fullname": "Dan Manager""#,
        r#""fullname": {"client_secret": "SeCrEt-nested-in-fullname"}"#,
    );
    edit(
        d,
        "teams.json",
        r#""name": "Fabrikam","#,
        r#""name": "Fabrikam", "teammembership_association": [{"systemuserid": {"password": "SeCrEt-nested-in-expansion"}}],"#,
    );
    edit(
        d,
        "roleprivilegescollection.json",
        r#""privilegedepthmask": 8"#,
        r#""privilegedepthmask": [{"token": "SeCrEt-nested-in-mask"}]"#,
    );
    let audits = std::fs::read_to_string(d.join("audits.ndjson")).unwrap();
    let audits = audits.replacen(
        r#""action": 2,"#,
        r#""action": "two", "password": "SeCrEt-audit-password", "secretkey": "SeCrEt-audit-key","#,
        1,
    );
    std::fs::write(
        d.join("audits.ndjson"),
        format!("{audits}{{\"createdon\": \"2026-11-10T08:00:00Z\", \"action\": 2, \"token\": \"SeCrEt-audit-line\", \"x\": }}\n"),
    )
    .unwrap();
    // CSV: a secret column, a good row, a row with a broken id and a ragged row.
    std::fs::write(
        d.join("teammemberships.csv"),
        "teamid,systemuserid,password\n\
         d1000000-0000-0000-0000-000000000003,b1000000-0000-0000-0000-000000000002,SeCrEt-csv-good\n\
         d1000000-0000-0000-0000-000000000004,not-a-guid,SeCrEt-csv-bad-id\n\
         d1000000-0000-0000-0000-000000000004,SeCrEt-csv-ragged\n",
    )
    .unwrap();
    dir
}

fn assert_no_secret(what: &str, text: &str) {
    if let Some(at) = text.find(MARKER) {
        let end = text[at..].find(['"', '\n', ',', ' ']).map_or(text.len(), |e| at + e);
        panic!("{what} leaks {:?}", &text[at..end]);
    }
}

fn assert_run_leaks_nothing(what: &str, r: &Run) {
    assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
    assert_no_secret(&format!("{what} (stdout)"), &r.stdout);
    assert_no_secret(&format!("{what} (stderr)"), &r.stderr);
}

#[test]
fn secrets_appear_in_no_output_of_any_command() {
    let dir = export_with_secrets();
    let d = dir.path().to_str().unwrap();

    // The malformed rows were read and reported: the messages exist, so the test is not vacuous.
    let v = dvposture(&["validate", "--json", d]);
    assert_eq!(v.code, 0, "{}", v.stdout);
    let json: serde_json::Value = serde_json::from_str(&v.stdout).unwrap();
    let problems = |table: &str| -> Vec<String> {
        let t = json["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["table"] == table)
            .unwrap();
        t["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{}:{} {}", p["field"], p["line"], p["message"]))
            .collect()
    };
    let users = problems("systemusers");
    assert!(users.iter().any(|p| p.contains("azurestate")), "{users:?}");
    assert!(
        users
            .iter()
            .any(|p| p.contains("fullname") && p.contains("not shown: it may hold a secret")),
        "{users:?}"
    );
    assert!(
        problems("teams")
            .iter()
            .any(|p| p.contains("teammembership_association")),
        "{:?}",
        problems("teams")
    );
    assert_eq!(problems("audits").len(), 2, "{:?}", problems("audits"));
    assert_eq!(
        problems("teammemberships").len(),
        2,
        "{:?}",
        problems("teammemberships")
    );
    assert_eq!(problems("roleprivilegescollection").len(), 1);
    assert_eq!(problems("customerinsights").len(), 0, "the extra keys are ignored");
    assert_run_leaks_nothing("validate --json", &v);
    assert_run_leaks_nothing("validate", &dvposture(&["validate", d]));

    let (r, out) = analyze_into_out(dir.path(), &["--format", "all", "--as-of", "2026-11-23"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_run_leaks_nothing("analyze", &r);
    let mut files = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        assert_no_secret(&path.display().to_string(), &text);
        files += 1;
    }
    assert_eq!(files, 7, "every format was written");

    for (args, code) in [
        (
            vec!["access", d, "--user", "ada.admin@fabrikam.com", "--shares", "--all"],
            0,
        ),
        (
            vec![
                "access",
                d,
                "--user",
                "cleo.seller@fabrikam.com",
                "--json",
                "--shares",
                "--all",
            ],
            0,
        ),
        // Ben's row is malformed (skipped): the lookup fails and lists the closest names.
        (vec!["access", d, "--user", "ben.platform@fabrikam.com"], 2),
    ] {
        let r = dvposture(&args);
        assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
        assert_run_leaks_nothing(&args.join(" "), &r);
    }
}

#[test]
fn a_customer_insights_file_broken_by_a_secret_value_does_not_quote_it() {
    let dir = copy_fixture("rules/base");
    edit(
        dir.path(),
        "customerinsights.json",
        r#""enabled": true,"#,
        r#""enabled": "SeCrEt-ci-as-a-boolean","#,
    );
    let v = dvposture(&["validate", dir.path().to_str().unwrap()]);
    assert!(
        v.stdout
            .contains("customerinsights.json:17:37: unexpected shape: invalid type, expected a boolean"),
        "{}",
        v.stdout
    );
    assert_run_leaks_nothing("validate", &v);
    let (r, out) = analyze_into_out(dir.path(), &["--format", "all"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_run_leaks_nothing("analyze", &r);
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        assert_no_secret(
            &path.display().to_string(),
            &String::from_utf8_lossy(&std::fs::read(&path).unwrap()),
        );
    }
}

/// `access --user --json` for a user with field-security permissions (an administrator has every column).
#[test]
fn access_json_for_an_administrator_leaks_nothing() {
    let dir = export_with_secrets();
    let r = dvposture(&[
        "access",
        dir.path().to_str().unwrap(),
        "--user",
        "ada.admin@fabrikam.com",
        "--json",
        "--shares",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_run_leaks_nothing("access --json", &r);
}
