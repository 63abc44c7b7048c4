//! The real Web API responses of `../shared/fixtures/webapi` load unchanged.

use crate::common::*;

const A: &str = "microsoft__terraform-provider-power-platform/internal/services";

/// Assembles an export directory from the captured responses (several environments: dangling references on purpose).
fn stitched_export() -> Option<tempfile::TempDir> {
    let root = webapi_fixtures()?;
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("authorization/tests/resource/user/Validate_Create/get_systemusers.json", "systemusers.json"),
        ("authorization/tests/datasource/security_roles/Validate_Read/get_security_roles.json", "roles.json"),
        ("data_record/tests/resource/Validate_Disable_On_Delete/get_businessunit_00000000-0000-0000-0000-000000000001.json", "businessunits.json"),
        ("environment_settings/tests/datasource/Validate_Read/organisations.json", "organizations.json"),
        ("authorization/tests/datasource/security_roles/Validate_Read/get_environment_00000000-0000-0000-0000-000000000001.json", "environment.json"),
        ("data_record/tests/resource/Validate_Create/get_entitydefinition_account.json", "EntityDefinitions.json"),
        ("data_record/tests/resource/Validate_Create/get_entitydefinition_contact.json", "EntityDefinitions.2.json"),
        ("data_record/tests/resource/Validate_Disable_On_Delete/get_entitydefinition_businessunit.json", "EntityDefinitions.3.json"),
        ("data_record/tests/resource/Validate_Disable_On_Delete/get_entitydefinition_mailbox.json", "EntityDefinitions.4.json"),
    ];
    for (from, to) in files {
        std::fs::copy(root.join(A).join(from), dir.path().join(to)).unwrap();
    }
    std::fs::copy(
        root.join("MicrosoftDocs__powerapps-docs/web-api-functions-actions-sample.privileges-response.json"),
        dir.path().join("privileges.json"),
    )
    .unwrap();
    Some(dir)
}

#[test]
fn real_web_api_responses_load_unchanged() {
    let Some(dir) = stitched_export() else { return };
    let export = load(dir.path());
    assert!(export.is_usable(), "{:?}", export.fatal);
    let t = &export.tenant;
    for table in [
        "systemusers",
        "roles",
        "businessunits",
        "organizations",
        "environment",
        "entitydefinitions",
        "privileges",
    ] {
        let input = export.input(table).unwrap();
        assert_eq!(input.skipped, 0, "{table}: {:?}", input.problems);
        assert!(input.rows > 0, "{table}");
    }
    assert_eq!(t.users.len(), 1);
    assert_eq!(t.roles.len(), 72);
    assert_eq!(t.business_units.len(), 1);
    assert_eq!(t.entities.len(), 4);
    assert_eq!(t.privileges.len(), 2);

    let user = &t.users[0];
    assert_eq!(user.domain_name.as_deref(), Some("jdoe@contoso.onmicrosoft.com"));
    assert_eq!(user.full_name.as_deref(), Some("# Joh Doe"));
    // The expanded systemuserroles_association is the user's role assignment.
    assert_eq!(t.user_roles.len(), 1);
    assert!(t.sources.contains("systemuserrolescollection"));
    assert_eq!(t.role(t.user_roles[0].1).unwrap().name, "Environment Maker");

    let sysadmin = t.roles.iter().find(|r| r.name == "System Administrator").unwrap();
    assert_eq!(sysadmin.template, Some(dvposture::model::SYSTEM_ADMINISTRATOR_TEMPLATE));
    assert!(t.roles_have_template_column);
    assert!(
        t.roles.iter().any(|r| r.customizable == Some(true)),
        "ManagedProperty objects are read"
    );

    let org = t.organization.as_ref().unwrap();
    assert!(org.id.is_some());
    let env = t.environment.as_ref().unwrap();
    assert_eq!(env.sku.as_deref(), Some("Sandbox"));

    let account = t.entities.iter().find(|e| e.logical_name == "account").unwrap();
    assert_eq!(account.object_type_code, Some(1));
    assert_eq!(account.schema_name.as_deref(), Some("Account"));
    assert!(account.audit_can_be_changed.is_some());

    // The captures come from different organizations: business-unit references dangle, as a finding.
    assert!(t
        .dangling
        .iter()
        .any(|d| d.table == "roles" && d.column == "businessunitid" && d.rows == 72));
    assert!(t
        .dangling
        .iter()
        .any(|d| d.table == "systemusers" && d.column == "businessunitid"));
}

#[test]
fn real_responses_analyze_to_a_report() {
    let Some(dir) = stitched_export() else { return };
    let (r, out) = analyze_into_out(dir.path(), &["--as-of", "2026-11-23"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["as_of"], "2026-11-23");
    assert_eq!(report["summary"]["users"], 1);
    let inputs = report["inputs"].as_array().unwrap();
    assert_eq!(
        inputs.len(),
        dvposture::ingest::source::TABLES.len(),
        "one entry per table, present or not"
    );
    let roles = inputs.iter().find(|i| i["table"] == "roles").unwrap();
    assert_eq!(roles["rows"], 72);
}
