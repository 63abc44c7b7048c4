//! The rule catalog: metadata against RULES.md and the registry, the clean base tenant, and one scenario per
//! rule that fires and one just past the edge that does not (`tests/fixtures/rules/<rule-id>/<scenario>/`,
//! files that replace the base tenant's; a file named `<name>.remove` removes `<name>`), with a snapshot of the
//! JSON findings.

use std::collections::BTreeSet;
use std::path::Path;

use dvposture::config::Config;
use dvposture::rules::{self, RuleStatus};
use serde_json::{json, Value};

use crate::common::fixture;

pub const AS_OF: &str = "2026-11-23";

/// The base tenant with a scenario's files laid over it.
pub fn scenario_dir(rule: &str, scenario: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &Path| {
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            match name.strip_suffix(".remove") {
                Some(target) => std::fs::remove_file(dir.path().join(target)).unwrap(),
                None => {
                    std::fs::copy(entry.path(), dir.path().join(&name)).unwrap();
                }
            }
        }
    };
    copy(&fixture("rules/base"));
    if !scenario.is_empty() {
        let overlay = fixture(&format!("rules/{rule}/{scenario}"));
        assert!(overlay.is_dir(), "no scenario {}", overlay.display());
        copy(&overlay);
    }
    dir
}

/// Runs every rule on a directory; returns (rule id, status, reason, findings as report JSON).
pub fn run_rules(dir: &Path, config: &Config) -> Vec<(String, RuleStatus, Option<String>, Vec<Value>)> {
    run_rules_with(dir, config, true)
}

/// [`run_rules`], with or without the findings' names, messages and evidence (`rules::Shared::details`).
pub fn run_rules_with(
    dir: &Path,
    config: &Config,
    details: bool,
) -> Vec<(String, RuleStatus, Option<String>, Vec<Value>)> {
    let export = dvposture::ingest::load(dir, &Default::default()).unwrap();
    assert!(export.is_usable(), "{:?}", export.fatal);
    let engine = dvposture::access::Engine::build(&export.tenant);
    let hierarchy = dvposture::access::hierarchy::Hierarchy::build(&export.tenant);
    let shared = dvposture::rules::Shared {
        tenant: &export.tenant,
        engine: &engine,
        hierarchy: hierarchy.as_ref(),
        as_of: dvposture::time::Date::parse(AS_OF).unwrap(),
        excluded: dvposture::rules::resolve_excluded(&export.tenant, &config.exclude).0,
        details,
    };
    rules::run(&shared, config)
        .into_iter()
        .map(|r| {
            (
                r.id.to_string(),
                r.status,
                r.reason,
                r.findings.iter().map(|f| serde_json::to_value(f).unwrap()).collect(),
            )
        })
        .collect()
}

/// One rule's result on a scenario: `{status, reason, findings}`.
pub fn rule_on(rule: &str, scenario: &str) -> Value {
    let dir = scenario_dir(rule, scenario);
    let results = run_rules(dir.path(), &Config::default());
    let (_, status, reason, findings) = results.into_iter().find(|r| r.0 == rule).unwrap();
    json!({ "status": status, "reason": reason, "findings": findings })
}

/// Asserts a scenario's status (`failed` when it fires), with a snapshot of the result and its findings.
pub fn check(rule: &str, scenario: &str, expected: &str) {
    let result = rule_on(rule, scenario);
    assert_eq!(result["status"], expected, "{rule}/{scenario}: {result:#}");
    for f in result["findings"].as_array().unwrap() {
        assert_eq!(f["rule"], rule);
        assert!(!f["message"].as_str().unwrap().is_empty());
        assert_eq!(f["fingerprint"].as_str().unwrap().len(), 64);
    }
    insta::assert_json_snapshot!(format!("{rule}__{scenario}"), result);
}

#[test]
fn metadata_registry_and_catalog_agree() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/RULES.md");
    let registered: BTreeSet<&str> = rules::RULES.iter().map(|r| r.id).collect();
    let files: BTreeSet<String> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"))
        .unwrap()
        .filter_map(|e| {
            e.unwrap()
                .file_name()
                .to_str()?
                .strip_suffix(".toml")
                .map(str::to_string)
        })
        .collect();
    assert_eq!(
        files.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        registered,
        "rules/*.toml and the registry differ"
    );
    assert_eq!(rules::metas().len(), registered.len(), "every rule's metadata parses");
    if let Ok(text) = std::fs::read_to_string(&spec) {
        let catalog: BTreeSet<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split('`').next())
            .filter(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
            .map(str::to_string)
            .collect();
        assert_eq!(
            catalog.iter().map(String::as_str).collect::<BTreeSet<_>>(),
            registered,
            "RULES.md's catalog and the registry differ"
        );
    } else {
        eprintln!("skipped the RULES.md comparison: ../shared is not beside the checkout");
    }
    for meta in rules::metas() {
        assert!(!meta.references.is_empty(), "{} has no reference", meta.id);
        assert!(
            !meta.rationale.trim().is_empty() && !meta.remediation.trim().is_empty(),
            "{}",
            meta.id
        );
    }
}

#[test]
fn the_clean_base_tenant_fails_no_rule() {
    let dir = scenario_dir("", "");
    for (id, status, reason, findings) in run_rules(dir.path(), &Config::default()) {
        assert!(
            matches!(status, RuleStatus::Passed | RuleStatus::NotApplicable),
            "{id}: {status:?} {reason:?} {findings:#?}"
        );
    }
}

/// Every scenario of `tests/fixtures/rules/`: `fires*` fails the rule, `*-not-applicable` makes it not applicable,
/// the rest (just past the edge) pass.
macro_rules! scenarios {
    ($($name:ident: $rule:literal / $scenario:literal => $status:literal,)*) => {
        $(#[test]
        fn $name() {
            check($rule, $scenario, $status);
        })*
    };
}

scenarios! {
    audit_tampering_fires: "audit-tampering" / "fires" => "failed",
    audit_tampering_other_audit_actions_pass: "audit-tampering" / "other-audit-actions-pass" => "passed",
    auditing_disabled_enabled_passes: "auditing-disabled" / "enabled-passes" => "passed",
    auditing_disabled_fires: "auditing-disabled" / "fires" => "failed",
    automated_sharing_edge_rate_passes: "automated-sharing" / "edge-rate-passes" => "passed",
    automated_sharing_fires_application_user: "automated-sharing" / "fires-application-user" => "failed",
    automated_sharing_fires_rate: "automated-sharing" / "fires-rate" => "failed",
    ci_api_key_not_rotated_edge_passes: "ci-api-key-not-rotated" / "edge-passes" => "passed",
    ci_api_key_not_rotated_fires: "ci-api-key-not-rotated" / "fires" => "failed",
    ci_secrets_outside_key_vault_all_in_vault_passes: "ci-secrets-outside-key-vault" / "all-in-vault-passes" => "passed",
    ci_secrets_outside_key_vault_fires: "ci-secrets-outside-key-vault" / "fires" => "failed",
    ci_secrets_outside_key_vault_fires_no_vault: "ci-secrets-outside-key-vault" / "fires-no-vault" => "failed",
    ci_storage_without_private_link_fires: "ci-storage-without-private-link" / "fires" => "failed",
    ci_storage_without_private_link_private_network_passes: "ci-storage-without-private-link" / "private-network-passes" => "passed",
    ci_too_many_admins_edge_passes: "ci-too-many-admins" / "edge-passes" => "passed",
    ci_too_many_admins_fires: "ci-too-many-admins" / "fires" => "failed",
    customer_managed_key_absent_fires: "customer-managed-key-absent" / "fires" => "failed",
    customer_managed_key_absent_linked_policy_passes: "customer-managed-key-absent" / "linked-policy-passes" => "passed",
    dangling_reference_fires: "dangling-reference" / "fires" => "failed",
    disabled_user_with_access_cleaned_up_passes: "disabled-user-with-access" / "cleaned-up-passes" => "passed",
    disabled_user_with_access_fires: "disabled-user-with-access" / "fires" => "failed",
    dormant_privileged_account_edge_passes: "dormant-privileged-account" / "edge-passes" => "passed",
    dormant_privileged_account_fires: "dormant-privileged-account" / "fires" => "failed",
    elevated_marketing_privileges_deep_passes: "elevated-marketing-privileges" / "deep-passes" => "passed",
    elevated_marketing_privileges_fires: "elevated-marketing-privileges" / "fires" => "failed",
    env_without_security_group_developer_not_applicable: "env-without-security-group" / "developer-not-applicable" => "not_applicable",
    env_without_security_group_fires: "env-without-security-group" / "fires" => "failed",
    excessive_sharing_edge_record_passes: "excessive-sharing" / "edge-record-passes" => "passed",
    excessive_sharing_fires_record: "excessive-sharing" / "fires-record" => "failed",
    hierarchy_span_too_wide_edge_passes: "hierarchy-span-too-wide" / "edge-passes" => "passed",
    hierarchy_span_too_wide_fires: "hierarchy-span-too-wide" / "fires" => "failed",
    incomplete_role_combination_fires: "incomplete-role-combination" / "fires" => "failed",
    incomplete_role_combination_with_sales_role_passes: "incomplete-role-combination" / "with-sales-role-passes" => "passed",
    ineffective_share_fires: "ineffective-share" / "fires" => "failed",
    ineffective_share_held_rights_pass: "ineffective-share" / "held-rights-pass" => "passed",
    interactive_account_used_for_integration_application_user_passes: "interactive-account-used-for-integration" / "application-user-passes" => "passed",
    interactive_account_used_for_integration_edge_passes: "interactive-account-used-for-integration" / "edge-passes" => "passed",
    interactive_account_used_for_integration_fires: "interactive-account-used-for-integration" / "fires" => "failed",
    internal_role_assigned_to_person_fires: "internal-role-assigned-to-person" / "fires" => "failed",
    internal_role_assigned_to_person_service_user_only_passes: "internal-role-assigned-to-person" / "service-user-only-passes" => "passed",
    lockbox_disabled_fires: "lockbox-disabled" / "fires" => "failed",
    lockbox_disabled_sandbox_not_applicable: "lockbox-disabled" / "sandbox-not-applicable" => "not_applicable",
    out_of_box_role_modified_edge_modifiedon_passes: "out-of-box-role-modified" / "edge-modifiedon-passes" => "passed",
    out_of_box_role_modified_fires_audit: "out-of-box-role-modified" / "fires-audit" => "failed",
    out_of_box_role_modified_fires_modifiedon: "out-of-box-role-modified" / "fires-modifiedon" => "failed",
    out_of_box_role_modified_system_only_passes: "out-of-box-role-modified" / "system-only-passes" => "passed",
    over_broad_auditing_edge_rows_passes: "over-broad-auditing" / "edge-rows-passes" => "passed",
    over_broad_auditing_edge_tables_passes: "over-broad-auditing" / "edge-tables-passes" => "passed",
    over_broad_auditing_fires_rows: "over-broad-auditing" / "fires-rows" => "failed",
    over_broad_auditing_fires_tables: "over-broad-auditing" / "fires-tables" => "failed",
    privileged_application_user_fires: "privileged-application-user" / "fires" => "failed",
    privileged_application_user_journeys_service_user_passes: "privileged-application-user" / "journeys-service-user-passes" => "passed",
    required_field_security_profile_missing_all_present_passes: "required-field-security-profile-missing" / "all-present-passes" => "passed",
    required_field_security_profile_missing_fires: "required-field-security-profile-missing" / "fires" => "failed",
    role_outside_root_business_unit_fires: "role-outside-root-business-unit" / "fires" => "failed",
    role_outside_root_business_unit_managed_role_passes: "role-outside-root-business-unit" / "managed-role-passes" => "passed",
    service_user_modified_fires: "service-user-modified" / "fires" => "failed",
    service_user_modified_fires_service_user_disabled: "service-user-modified" / "fires-service-user-disabled" => "failed",
    service_user_modified_intact_passes: "service-user-modified" / "intact-passes" => "passed",
    share_privilege_too_broad_customizer_passes: "share-privilege-too-broad" / "customizer-passes" => "passed",
    share_privilege_too_broad_fires: "share-privilege-too-broad" / "fires" => "failed",
    short_audit_retention_fires: "short-audit-retention" / "fires" => "failed",
    short_audit_retention_forever_passes: "short-audit-retention" / "forever-passes" => "passed",
    stale_custom_role_copy_edge_similarity_passes: "stale-custom-role-copy" / "edge-similarity-passes" => "passed",
    stale_custom_role_copy_fires: "stale-custom-role-copy" / "fires" => "failed",
    stale_custom_role_copy_proper_copy_passes: "stale-custom-role-copy" / "proper-copy-passes" => "passed",
    system_administrator_role_copied_edge_passes: "system-administrator-role-copied" / "edge-passes" => "passed",
    system_administrator_role_copied_fires: "system-administrator-role-copied" / "fires" => "failed",
    too_many_business_units_edge_count_passes: "too-many-business-units" / "edge-count-passes" => "passed",
    too_many_business_units_edge_depth_passes: "too-many-business-units" / "edge-depth-passes" => "passed",
    too_many_business_units_fires_count: "too-many-business-units" / "fires-count" => "failed",
    too_many_business_units_fires_depth: "too-many-business-units" / "fires-depth" => "failed",
    too_many_system_administrators_edge_passes: "too-many-system-administrators" / "edge-passes" => "passed",
    too_many_system_administrators_fires: "too-many-system-administrators" / "fires" => "failed",
    too_many_system_administrators_fires_critical: "too-many-system-administrators" / "fires-critical" => "failed",
    user_access_audit_disabled_auditing_off_not_applicable: "user-access-audit-disabled" / "auditing-off-not-applicable" => "not_applicable",
    user_access_audit_disabled_fires: "user-access-audit-disabled" / "fires" => "failed",
    user_without_role_fires: "user-without-role" / "fires" => "failed",
    user_without_role_fires_team_privileges_only: "user-without-role" / "fires-team-privileges-only" => "failed",
    user_without_role_owner_team_role_passes: "user-without-role" / "owner-team-role-passes" => "passed",
}

#[test]
fn every_scenario_folder_has_a_test() {
    let root = crate::common::fixture("rules");
    let mut n = 0;
    for rule in std::fs::read_dir(&root).unwrap() {
        let rule = rule.unwrap();
        if rule.file_name() == "base" {
            continue;
        }
        assert!(
            rules::meta(rule.file_name().to_str().unwrap()).is_some(),
            "{:?} is not a rule",
            rule.file_name()
        );
        n += std::fs::read_dir(rule.path()).unwrap().count();
    }
    assert_eq!(
        n, SCENARIOS,
        "a scenario folder without a test (or the other way round)"
    );
}

#[test]
fn every_rule_has_a_scenario_that_fires_and_one_that_does_not() {
    let root = crate::common::fixture("rules");
    for r in rules::RULES {
        let dir = root.join(r.id);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            names.iter().any(|n| n.starts_with("fires")),
            "{}: no scenario that fires",
            r.id
        );
        if r.id != "dangling-reference" {
            assert!(
                names.iter().any(|n| !n.starts_with("fires")),
                "{}: no scenario that does not fire",
                r.id
            );
        }
    }
}

const SCENARIOS: usize = 80;

/// When no report shows them (only effective-access.csv is written), the rules that find the most things leave
/// out their names, messages and evidence; every rule still finds the same subjects, with the same statuses,
/// severities and fingerprints, so the verdict, the gate and the baseline are the same.
#[test]
fn without_details_every_rule_finds_the_same_subjects_severities_and_fingerprints() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/contoso");
    let run = |details| run_rules_with(&sample, &Config::default(), details);
    let identity =
        |results: &[(String, RuleStatus, Option<String>, Vec<Value>)]| -> Vec<(String, RuleStatus, Vec<Value>)> {
            results
                .iter()
                .map(|(id, status, _, findings)| {
                    let keys = findings
                        .iter()
                        .map(|f| {
                            json!([
                                f["subject"]["kind"],
                                f["subject"]["id"],
                                f["severity"],
                                f["fingerprint"]
                            ])
                        })
                        .collect();
                    (id.clone(), status.clone(), keys)
                })
                .collect()
        };
    let (full, lean) = (run(true), run(false));
    assert_eq!(identity(&full), identity(&lean));
    for rule in ["ineffective-share", "elevated-marketing-privileges"] {
        let findings = &lean.iter().find(|r| r.0 == rule).unwrap().3;
        assert!(!findings.is_empty(), "the sample has {rule} findings");
        for f in findings {
            assert_eq!(
                (&f["message"], &f["subject"]["name"]),
                (&json!(""), &json!("")),
                "{rule}: {f}"
            );
        }
        let full_findings = &full.iter().find(|r| r.0 == rule).unwrap().3;
        assert!(
            full_findings.iter().all(|f| f["message"] != json!("")),
            "{rule} has its messages with details"
        );
    }
}
