//! The same table read from OData JSON, paged JSON, a bare array, NDJSON, CSV and gzip gives the same model.

use crate::common::*;
use dvposture::model::User;

const USERS: &[&str] = &[
    r#"{"@odata.etag":"W/\"1\"","systemuserid":"B0000000-0000-0000-0000-000000000001","fullname":"Alice Admin","domainname":"alice@contoso.com","isdisabled":false,"accessmode":0,"accessmode@OData.Community.Display.V1.FormattedValue":"Read-Write","azurestate":0,"islicensed":true,"_businessunitid_value":"a0000000-0000-0000-0000-000000000001","_businessunitid_value@Microsoft.Dynamics.CRM.lookuplogicalname":"businessunit","createdon":"2024-01-10T09:00:00Z"}"#,
    r#"{"systemuserid":"{b0000000-0000-0000-0000-000000000002}","fullname":"Bob Seller","domainname":"bob@contoso.com","isdisabled":false,"accessmode":4,"azurestate":0,"islicensed":true,"_businessunitid_value":"a0000000-0000-0000-0000-000000000002","_parentsystemuserid_value":"b0000000-0000-0000-0000-000000000001","createdon":"2024-02-01T09:00:00Z"}"#,
    r#"{"systemuserid":"b0000000-0000-0000-0000-000000000003","fullname":"Carol Reader","domainname":"carol@contoso.com","isdisabled":true,"accessmode":2,"azurestate":0,"islicensed":false,"_businessunitid_value":"a0000000-0000-0000-0000-000000000003","_parentsystemuserid_value":"b0000000-0000-0000-0000-000000000002","createdon":"2024-03-01T09:00:00Z"}"#,
];

const CSV: &str = "\u{feff}SystemUserId,FullName,DomainName,IsDisabled,AccessMode,AzureState,IsLicensed,BusinessUnitId,ParentSystemUserId,CreatedOn\r\n\
b0000000-0000-0000-0000-000000000001,Alice Admin,alice@contoso.com,False,Read-Write,0,Yes,a0000000-0000-0000-0000-000000000001,,2024-01-10T09:00:00Z\r\n\
b0000000-0000-0000-0000-000000000002,\"Bob Seller\",bob@contoso.com,no,Non-interactive,0,1,A0000000-0000-0000-0000-000000000002,b0000000-0000-0000-0000-000000000001,2024-02-01T09:00:00Z\r\n\
b0000000-0000-0000-0000-000000000003,Carol Reader,carol@contoso.com,TRUE,2,0,0,a0000000-0000-0000-0000-000000000003,b0000000-0000-0000-0000-000000000002,2024-03-01T09:00:00Z\r\n";

fn users_from(write: impl FnOnce(&std::path::Path)) -> Vec<User> {
    let dir = copy_fixture("mini");
    std::fs::remove_file(dir.path().join("systemusers.json")).unwrap();
    write(dir.path());
    let export = load(dir.path());
    assert!(export.is_usable(), "{:?}", export.fatal);
    let input = export.input("systemusers").unwrap();
    assert_eq!(input.rows, 3, "{:?}", input.problems);
    assert_eq!(input.problem_count, 0, "{:?}", input.problems);
    let mut users = export.tenant.users.clone();
    users.sort_by_key(|u| u.id);
    users
}

fn odata(rows: &[&str], next_link: bool) -> String {
    let next = if next_link {
        r#","@odata.nextLink":"https://contoso.crm4.dynamics.com/api/data/v9.2/systemusers?$skiptoken=abc""#
    } else {
        ""
    };
    format!("{{\"@odata.context\":\"https://contoso.crm4.dynamics.com/api/data/v9.2/$metadata#systemusers\"{next},\"value\":[\n{}\n]}}", rows.join(",\n"))
}

#[test]
fn every_format_gives_the_same_users() {
    let reference = users_from(|d| std::fs::write(d.join("systemusers.json"), odata(USERS, false)).unwrap());
    assert_eq!(reference.len(), 3);
    assert_eq!(
        reference[1].manager.map(|m| m.to_string()).as_deref(),
        Some("b0000000-0000-0000-0000-000000000001")
    );

    let paged = users_from(|d| {
        std::fs::write(d.join("systemusers.json"), odata(&USERS[..2], true)).unwrap();
        std::fs::write(d.join("systemusers.2.json"), odata(&USERS[2..], false)).unwrap();
    });
    assert_eq!(paged, reference, "paged OData JSON");

    let bare = users_from(|d| std::fs::write(d.join("SystemUsers.json"), format!("[{}]", USERS.join(","))).unwrap());
    assert_eq!(bare, reference, "bare JSON array");

    let ndjson = users_from(|d| std::fs::write(d.join("systemusers.ndjson"), USERS.join("\n") + "\n").unwrap());
    assert_eq!(ndjson, reference, "NDJSON");

    let csv = users_from(|d| std::fs::write(d.join("systemusers.csv"), CSV).unwrap());
    assert_eq!(csv, reference, "CSV with a BOM, labels and plain lookup names");

    for (name, content) in [
        ("systemusers.json", odata(USERS, false)),
        ("systemusers.ndjson", USERS.join("\n")),
        ("systemusers.csv", CSV.to_string()),
    ] {
        let gz = users_from(|d| {
            let p = d.join(name);
            std::fs::write(&p, &content).unwrap();
            gzip(&p);
        });
        assert_eq!(gz, reference, "gzip {name}");
    }
}

#[test]
fn paged_gzip_mixes_plain_and_compressed_pages() {
    let users = users_from(|d| {
        std::fs::write(d.join("systemusers.json"), odata(&USERS[..1], true)).unwrap();
        let p = d.join("systemusers.2.json");
        std::fs::write(&p, odata(&USERS[1..], false)).unwrap();
        gzip(&p);
    });
    assert_eq!(users.len(), 3);
}

#[test]
fn expansions_and_intersect_tables_are_unioned() {
    let dir = copy_fixture("mini");
    // Alice's role also arrives expanded, and Bob gets a second role that way only.
    let users = std::fs::read_to_string(dir.path().join("systemusers.json")).unwrap();
    let users = users.replacen(
        r#""systemuserid": "b0000000-0000-0000-0000-000000000001","#,
        r#""systemuserid": "b0000000-0000-0000-0000-000000000001", "systemuserroles_association": [{"@odata.etag": "W/\"9\"", "roleid": "c0000000-0000-0000-0000-000000000001", "name": "System Administrator"}], "systemuserroles_association@odata.nextLink": "https://contoso.crm4.dynamics.com/api/data/v9.2/systemusers(b0000000-0000-0000-0000-000000000001)/systemuserroles_association?$select=roleid","#,
        1,
    );
    std::fs::write(dir.path().join("systemusers.json"), users).unwrap();
    let export = load(dir.path());
    assert!(export.is_usable());
    assert_eq!(
        export.tenant.user_roles.len(),
        2,
        "no duplicate for the role given both ways"
    );
    assert_eq!(
        export.input("systemusers").unwrap().problem_count,
        0,
        "a single-level next link alone means nothing"
    );
}
