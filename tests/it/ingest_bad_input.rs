//! Bad input (INPUT.md, "Bad input"): one clear message each, with the file and the position, and the right
//! exit code from `validate`.

use crate::common::*;

fn edit(dir: &std::path::Path, file: &str, from: &str, to: &str) {
    let p = dir.join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{from} not in {file}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

fn validate(dir: &std::path::Path) -> Run {
    dvposture(&["validate", dir.to_str().unwrap()])
}

#[test]
fn the_mini_export_is_valid() {
    let r = validate(&fixture("mini"));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("usable: the export can be analyzed"));
}

#[test]
fn a_broken_row_is_skipped_counted_and_positioned() {
    let dir = copy_fixture("mini");
    edit(
        dir.path(),
        "systemusers.json",
        r#""fullname": "Bob Seller", "domainname": "bob@contoso.com", "isdisabled": false"#,
        r#""fullname": "Bob Seller", "domainname": "bob@contoso.com", "isdisabled": "maybe""#,
    );
    let r = validate(dir.path());
    assert_eq!(r.code, 0, "a skipped row leaves the export usable");
    assert!(
        r.stdout.contains(
            r#"systemusers.json:5:164: systemusers.isdisabled at $.value[1]: expected a boolean, found "maybe""#
        ),
        "{}",
        r.stdout
    );
    let export = load(dir.path());
    let input = export.input("systemusers").unwrap();
    assert_eq!((input.rows, input.skipped, input.problem_count), (2, 1, 1));
    assert_eq!(serde_json::to_value(input.status).unwrap(), "partial");
}

#[test]
fn a_truncated_optional_file_is_dropped_whole_with_its_position() {
    let dir = copy_fixture("mini");
    let p = dir.path().join("teams.json");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, &text[..text.len() / 2]).unwrap();
    let r = validate(dir.path());
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("teams.json:2:"), "{}", r.stdout);
    assert!(r.stdout.contains("invalid JSON: EOF while parsing"), "{}", r.stdout);
    assert!(r.stdout.contains("(the file is truncated)"), "{}", r.stdout);
    let export = load(dir.path());
    assert!(export.tenant.teams.is_empty(), "nothing of a dropped table is kept");
    assert_eq!(
        serde_json::to_value(export.input("teams").unwrap().status).unwrap(),
        "missing"
    );
}

#[test]
fn a_truncated_required_file_stops_the_run() {
    let dir = copy_fixture("mini");
    let p = dir.path().join("roles.json");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, &text[..text.len() - 40]).unwrap();
    let r = validate(dir.path());
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("NOT usable"), "{}", r.stdout);
    assert!(r.stdout.contains("roles.json:"), "{}", r.stdout);
    let a = dvposture(&[
        "analyze",
        dir.path().to_str().unwrap(),
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(a.code, 2);
    assert!(a.stderr.contains("error: roles.json:"), "{}", a.stderr);
    assert!(!dir.path().join("out/report.json").exists());
}

fn utf16(text: &str, bom: bool) -> Vec<u8> {
    let mut out = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
    out.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    out
}

#[test]
fn utf16_with_a_bom_is_decoded_and_noted() {
    let dir = copy_fixture("mini");
    let csv = std::fs::read_to_string(dir.path().join("teammemberships.csv")).unwrap();
    std::fs::write(dir.path().join("teammemberships.csv"), utf16(&csv, true)).unwrap();
    let r = validate(dir.path());
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("teammemberships.csv: the file is UTF-16"),
        "{}",
        r.stdout
    );
    let export = load(dir.path());
    assert_eq!(export.input("teammemberships").unwrap().rows, 1);
    assert_eq!(export.tenant.team_members.len(), 1);
}

#[test]
fn utf16_without_a_bom_is_rejected_never_misread() {
    let dir = copy_fixture("mini");
    let csv = std::fs::read_to_string(dir.path().join("teammemberships.csv")).unwrap();
    std::fs::write(dir.path().join("teammemberships.csv"), utf16(&csv, false)).unwrap();
    let r = validate(dir.path());
    assert_eq!(r.code, 0, "an optional table is dropped, the export stays usable");
    assert!(
        r.stdout
            .contains("teammemberships.csv: the file looks like UTF-16 without a byte-order mark; save it as UTF-8"),
        "{}",
        r.stdout
    );
    assert!(load(dir.path()).tenant.team_members.is_empty());
}

#[test]
fn a_duplicate_user_id_with_different_rows_stops_the_run() {
    let dir = copy_fixture("mini");
    edit(
        dir.path(),
        "systemusers.json",
        "b0000000-0000-0000-0000-000000000003",
        "B0000000-0000-0000-0000-000000000002",
    );
    let r = validate(dir.path());
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stdout.contains("systemusers.json:6:")
            && r.stdout
                .contains("at $.value[2]: systemuser b0000000-0000-0000-0000-000000000002 has two different rows"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_identical_duplicate_row_is_dropped_and_counted() {
    let dir = copy_fixture("mini");
    std::fs::write(
        dir.path().join("systemusers.2.json"),
        std::fs::read_to_string(dir.path().join("systemusers.json")).unwrap(),
    )
    .unwrap();
    let export = load(dir.path());
    assert!(export.is_usable());
    let input = export.input("systemusers").unwrap();
    assert_eq!((input.rows, input.skipped), (3, 3));
    assert!(input.problems[0].message.contains("identical copy"));
    assert_eq!(input.problems[0].file, "systemusers.2.json");
}

#[test]
fn a_business_unit_cycle_stops_the_run() {
    let dir = copy_fixture("mini");
    // Sales (2) becomes the child of Sales EMEA (3), which is the child of Sales: a cycle beside the root.
    edit(
        dir.path(),
        "businessunits.json",
        r#""name": "Sales", "_parentbusinessunitid_value": "a0000000-0000-0000-0000-000000000001""#,
        r#""name": "Sales", "_parentbusinessunitid_value": "a0000000-0000-0000-0000-000000000003""#,
    );
    let r = validate(dir.path());
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains("businessunits: the business-unit tree has a cycle: "),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("(Sales EMEA)") && r.stdout.contains("(Sales)"),
        "{}",
        r.stdout
    );
}

#[test]
fn two_roots_stop_the_run() {
    let dir = copy_fixture("mini");
    edit(
        dir.path(),
        "businessunits.json",
        r#""name": "Sales", "_parentbusinessunitid_value": "a0000000-0000-0000-0000-000000000001""#,
        r#""name": "Sales", "_parentbusinessunitid_value": null"#,
    );
    let r = validate(dir.path());
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("the business-unit tree has 2 roots"), "{}", r.stdout);
}

#[test]
fn a_missing_required_table_or_column_stops_the_run() {
    let dir = copy_fixture("mini");
    std::fs::remove_file(dir.path().join("roles.json")).unwrap();
    let r = validate(dir.path());
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("required table `roles` is missing"), "{}", r.stdout);

    let dir = copy_fixture("mini");
    std::fs::write(
        dir.path().join("teammemberships.csv"),
        "teamid,userid\nd0000000-0000-0000-0000-000000000002,b0000000-0000-0000-0000-000000000002\n",
    )
    .unwrap();
    let r = validate(dir.path());
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains(
            "teammemberships.csv:1:1: teammemberships.systemuserid: required column is missing from the header"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn one_table_in_two_formats_stops_the_run() {
    let dir = copy_fixture("mini");
    std::fs::write(dir.path().join("teams.csv"), "teamid,name,businessunitid\n").unwrap();
    let r = validate(dir.path());
    assert_eq!(r.code, 2);
    assert!(
        r.stdout
            .contains("table `teams` comes in more than one format (teams.json, teams.csv)")
            || r.stdout
                .contains("table `teams` comes in more than one format (teams.csv, teams.json)"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_incomplete_export_is_said_loudly() {
    let dir = copy_fixture("mini");
    // A gap in the pages, and a last page that still has a next link.
    edit(
        dir.path(),
        "teams.json",
        r#"{"value": ["#,
        r#"{"@odata.nextLink": "https://contoso.crm4.dynamics.com/api/data/v9.2/teams?$skiptoken=x", "@Microsoft.Dynamics.CRM.totalrecordcount": 7, "value": ["#,
    );
    std::fs::rename(dir.path().join("teams.json"), dir.path().join("teams.3.json")).unwrap();
    std::fs::write(dir.path().join("teams.json"), r#"{"value": []}"#).unwrap();
    let r = validate(dir.path());
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .contains("teams.3.json: the export of `teams` looks incomplete: page 2 is missing"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("teams.3.json: the export looks incomplete: the last page still carries @odata.nextLink"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("totalrecordcount says 7 rows, the files hold 2"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_possibly_truncated_expansion_is_reported() {
    let dir = copy_fixture("mini");
    let members: Vec<String> = (0..5000)
        .map(|i| format!(r#"{{"systemuserid":"b1000000-0000-0000-0000-{i:012}"}}"#))
        .collect();
    edit(
        dir.path(),
        "teams.json",
        r#""name": "Sales team","#,
        &format!(
            r#""name": "Sales team", "teammembership_association": [{}],"#,
            members.join(",")
        ),
    );
    let export = load(dir.path());
    let teams = export.input("teams").unwrap();
    assert!(
        teams
            .problems
            .iter()
            .any(|p| p.message.contains("holds 5000 rows and may be truncated")),
        "{:?}",
        teams.problems
    );
    assert_eq!(serde_json::to_value(teams.status).unwrap(), "partial");
}

#[test]
fn defaulted_columns_are_listed_once() {
    let dir = copy_fixture("mini");
    let text = std::fs::read_to_string(dir.path().join("roles.json"))
        .unwrap()
        .replace(r#", "isinherited": 1"#, "");
    std::fs::write(dir.path().join("roles.json"), text).unwrap();
    let export = load(dir.path());
    let roles = export.input("roles").unwrap();
    let notes: Vec<_> = roles
        .problems
        .iter()
        .filter(|p| p.field.as_deref() == Some("isinherited"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", roles.problems);
    assert!(notes[0].message.contains("absent; every row takes the default 1"));
    assert!(export.tenant.roles.iter().all(|r| r.inherited));
}

#[test]
fn dangling_references_are_collected_not_fatal() {
    let dir = copy_fixture("mini");
    std::fs::write(
        dir.path().join("teammemberships.csv"),
        "teamid,systemuserid\nd0000000-0000-0000-0000-000000000002,b0000000-0000-0000-0000-000000000002\nd0000000-0000-0000-0000-000000000002,b0000000-0000-0000-0000-0000000000ff\n",
    )
    .unwrap();
    let export = load(dir.path());
    assert!(export.is_usable());
    assert_eq!(export.tenant.team_members.len(), 1);
    let d = &export.tenant.dangling;
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].table, d[0].column, d[0].target, d[0].rows),
        ("teammemberships", "systemuserid", "systemuser", 1)
    );
}

#[test]
fn secrets_never_appear_in_messages() {
    let dir = copy_fixture("mini");
    std::fs::write(
        dir.path().join("customerinsights.json"),
        r#"{"api": {"enabled": "sk-live-very-secret-value"}}"#,
    )
    .unwrap();
    let r = validate(dir.path());
    assert!(!r.stdout.contains("sk-live"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("customerinsights.json:1:47: unexpected shape: invalid type, expected a boolean"),
        "{}",
        r.stdout
    );
}

/// The five problems of the ingest issue, at once, on a copy of the shipped sample: one clear message each.
#[test]
fn five_problems_in_a_copy_of_the_sample_give_one_message_each() {
    let dir = copy_dir(&sample_dir());
    let d = dir.path();
    // 1. A broken row.
    edit(
        d,
        "systemusers.2.json",
        r#""accessmode":0"#,
        r#""accessmode":"sometimes""#,
    );
    // 2. A truncated JSON file (optional table: dropped whole).
    let p = d.join("teamprofilescollection.json");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, &text[..text.len() - 30]).unwrap();
    // 3. A UTF-16 CSV (with a BOM: decoded and noted).
    let csv = std::fs::read_to_string(d.join("fieldpermissions.csv")).unwrap();
    std::fs::write(
        d.join("fieldpermissions.csv"),
        utf16(csv.trim_start_matches('\u{feff}'), true),
    )
    .unwrap();
    // 4. A duplicate user id: Jessica Alvarez gets Emily Johnson's id.
    edit(
        d,
        "systemusers.json",
        r#""systemuserid":"066c4c43-104f-eb11-8a3e-002248a6c3d7""#,
        r#""systemuserid":"06674c43-104f-eb11-8a3e-002248a6c3d7""#,
    );
    // 5. A business-unit cycle: Sales becomes a child of its own child, Sales EMEA.
    let mut bu: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("businessunits.json")).unwrap()).unwrap();
    let emea = bu["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "Sales EMEA")
        .unwrap()["businessunitid"]
        .clone();
    let sales = bu["value"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|b| b["name"] == "Sales")
        .unwrap();
    sales["_parentbusinessunitid_value"] = emea;
    std::fs::write(d.join("businessunits.json"), serde_json::to_string_pretty(&bu).unwrap()).unwrap();

    let r = validate(d);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let out = &r.stdout;
    assert!(
        out.contains("systemusers.2.json:1:")
            && out.contains("systemusers.accessmode at $.value[")
            && out.contains("found \"sometimes\""),
        "{out}"
    );
    assert!(
        out.contains("teamprofilescollection.json:") && out.contains("(the file is truncated)"),
        "{out}"
    );
    assert!(out.contains("fieldpermissions.csv: the file is UTF-16"), "{out}");
    assert!(
        out.contains("at $.value[1]: systemuser 06674c43-104f-eb11-8a3e-002248a6c3d7 has two different rows"),
        "{out}"
    );
    assert!(out.contains("the business-unit tree has a cycle"), "{out}");
    let export = load(d);
    assert_eq!(
        export.fatal.len(),
        2,
        "the duplicate id and the cycle are fatal: {:?}",
        export.fatal
    );
    assert_eq!(
        export.input("fieldpermissions").unwrap().skipped,
        0,
        "the UTF-16 file is read whole"
    );
}

#[test]
fn an_unusable_share_table_stops_analyze_and_keeps_the_previous_effective_access() {
    // effective-access.csv is written while the shares are read: when they turn out unusable, the run stops
    // with the problem, the file being written is dropped and the previous one is left as it was.
    let dir = copy_fixture("mini");
    std::fs::write(
        dir.path().join("principalobjectaccessset.csv"),
        "objectid,objecttypecode,principaltypecode,accessrightsmask\n\
         a0000000-0000-0000-0000-0000000000aa,account,systemuser,1\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let previous = "previous effective-access.csv\n";
    std::fs::write(out.path().join("effective-access.csv"), previous).unwrap();
    let r = dvposture(&[
        "analyze",
        dir.path().to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        "--format",
        "all",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "principalobjectaccessset.csv:1:1: principalobjectaccessset.principalid: required column is missing from the header"
        ),
        "{}",
        r.stderr
    );
    let mut left: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["effective-access.csv"]);
    assert_eq!(
        std::fs::read_to_string(out.path().join("effective-access.csv")).unwrap(),
        previous
    );

    // An --out that did not exist is not left behind.
    let fresh = out.path().join("fresh");
    let r = dvposture(&[
        "analyze",
        dir.path().to_str().unwrap(),
        "--out",
        fresh.to_str().unwrap(),
        "--format",
        "access",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!fresh.exists());
}
