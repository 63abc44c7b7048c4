//! `organizations` (one row), `environment.json` and `customerinsights.json` (single objects).

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use serde_json::Value as Json;

use crate::id::Guid;
use crate::ingest::problem::{Problem, ProblemKind};
use crate::ingest::reader::{read_table, TableLog};
use crate::ingest::row::Schema;
use crate::ingest::source::{Format, SourceFile};
use crate::ingest::text;
use crate::model::{CustomerInsights, Environment, Organization};

/// Reads a boolean setting from the `orgdborgsettings` XML (`<Name>true</Name>`).
fn org_setting(xml: &str, name: &str) -> Option<bool> {
    let lower = xml.to_ascii_lowercase();
    let open = format!("<{}>", name.to_ascii_lowercase());
    let start = lower.find(&open)? + open.len();
    let rest = lower.get(start..)?;
    let end = rest.find('<')?;
    match rest.get(..end)?.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

pub fn organizations(files: &[SourceFile], log: &mut TableLog) -> Option<Organization> {
    let mut s = Schema::new("organizations");
    let id = s.col("organizationid");
    let name = s.col("name");
    let audit = s.col("isauditenabled");
    let user_access = s.col("isuseraccessauditenabled");
    let read_audit = s.col("isreadauditenabled");
    let retention = s.col("auditretentionperiodv2");
    let legacy_retention = s.col("auditretentionperiod");
    let hierarchy = s.col("ishierarchicalsecuritymodelenabled");
    let max_depth = s.col("maxdepthforhierarchicalsecuritymodel");
    let positions = s.col("usepositionhierarchy");
    let interval = s.col("useraccessauditinginterval");
    let settings = s.col("orgdborgsettings");
    let mut rows: Vec<Organization> = Vec::new();
    read_table(files, &s, log, &mut |row| {
        let xml = row.str(settings)?.unwrap_or_default();
        rows.push(Organization {
            id: row.guid(id)?,
            name: row.text(name)?,
            audit_enabled: row.bool(audit)?,
            user_access_audit_enabled: row.bool(user_access)?,
            read_audit_enabled: row.bool(read_audit)?,
            audit_retention_days: row.int(retention)?.or(row.int(legacy_retention)?),
            hierarchy_enabled: row.bool(hierarchy)?,
            hierarchy_max_depth: row.int(max_depth)?,
            use_position_hierarchy: row.bool(positions)?,
            user_access_audit_interval_hours: row.int(interval)?,
            modernized_business_units: org_setting(&xml, "EnableOwnershipAcrossBusinessUnits").unwrap_or(false),
            managers_in_same_or_parent_bu: org_setting(&xml, "ManagersMustBeInSameOrParentBusinessUnitAsReports")
                .unwrap_or(true),
        });
        Ok(())
    });
    if rows.len() > 1 {
        let file = log.files.first().cloned().unwrap_or_default();
        log.push(Problem::file_level(
            &file,
            ProblemKind::Note,
            format!(
                "{} organization rows; an environment has one, the first is used",
                rows.len()
            ),
        ));
    }
    rows.into_iter().next()
}

/// Reads a single JSON object file (`environment.json`, `customerinsights.json`): the object and its text.
fn read_object(files: &[SourceFile], log: &mut TableLog) -> Option<(Json, Vec<u8>)> {
    let file = files.first()?;
    log.files.push(file.name.clone());
    let fail = |log: &mut TableLog, line: Option<u64>, column: Option<u64>, msg: String| {
        let p = Problem {
            line,
            column,
            ..Problem::file_level(&file.name, ProblemKind::UnreadableFile, msg)
        };
        log.problems.push(p.clone());
        log.unreadable = Some(p);
        None
    };
    if file.format != Format::Json || files.len() > 1 {
        return fail(
            log,
            None,
            None,
            format!("expected one JSON object file, {}.json", log.table),
        );
    }
    let decoded = match text::read_whole(&file.path, file.gzip) {
        Ok(d) => d,
        Err(e) => return fail(log, None, None, e.to_string()),
    };
    match serde_json::from_slice::<Json>(&decoded.bytes) {
        Ok(v @ Json::Object(_)) => {
            log.rows = 1;
            log.rows_in_files = 1;
            Some((v, decoded.bytes))
        }
        Ok(_) => fail(log, Some(1), Some(1), "expected a JSON object".into()),
        // serde_json gives column 0 for an error just after a newline (EOF); positions are 1-based.
        Err(e) => fail(
            log,
            Some(e.line() as u64),
            Some((e.column() as u64).max(1)),
            format!(
                "invalid JSON: {}{}",
                e.to_string().split(" at line ").next().unwrap_or_default(),
                if e.is_eof() { " (the file is truncated)" } else { "" }
            ),
        ),
    }
}

fn get<'a>(v: &'a Json, path: &[&str]) -> Option<&'a Json> {
    path.iter().try_fold(v, |v, key| v.get(key).filter(|v| !v.is_null()))
}

fn string(v: &Json, path: &[&str]) -> Option<String> {
    get(v, path)
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

pub fn environment(files: &[SourceFile], log: &mut TableLog) -> Option<Environment> {
    let (v, _) = read_object(files, log)?;
    let file = files.first().map(|f| f.name.as_str()).unwrap_or("environment.json");
    let security_group = match string(&v, &["properties", "linkedEnvironmentMetadata", "securityGroupId"]) {
        None => None,
        Some(s) => match Guid::parse(&s) {
            Ok(g) => g,
            Err(_) => {
                log.push(Problem {
                    field: Some("properties.linkedEnvironmentMetadata.securityGroupId".into()),
                    ..Problem::file_level(
                        file,
                        ProblemKind::Note,
                        format!(
                            "expected a GUID, found {:?}; taken as no security group",
                            s.chars().take(40).collect::<String>()
                        ),
                    )
                });
                None
            }
        },
    };
    let key_managed_by_customer = string(&v, &["properties", "protectionStatus", "keyManagedBy"])
        .is_some_and(|s| s.eq_ignore_ascii_case("Customer"));
    let cmk_linked = get(&v, &["properties", "enterprisePolicies", "customerManagedKeys"]).is_some_and(|p| {
        let link = |p: &Json| {
            p.get("linkStatus")
                .and_then(|s| s.as_str())
                .is_some_and(|s| s.eq_ignore_ascii_case("Linked"))
        };
        match p {
            Json::Array(items) => items.iter().any(link),
            other => link(other),
        }
    });
    let cmk_enabled = get(&v, &["properties", "customerManagedKey", "enabled"])
        .and_then(|b| b.as_bool())
        .unwrap_or(false);
    Some(Environment {
        name: string(&v, &["name"]),
        display_name: string(&v, &["properties", "displayName"]),
        sku: string(&v, &["properties", "environmentSku"]),
        security_group,
        protection_level: string(&v, &["properties", "governanceConfiguration", "protectionLevel"]),
        lockbox_enabled: get(&v, &["properties", "lockbox", "enabled"]).and_then(|b| b.as_bool()),
        customer_managed_key: key_managed_by_customer || cmk_linked || cmk_enabled,
    })
}

/// serde's message without the value it quotes (`invalid type: string "...", expected a boolean`) and without
/// the position it appends (" at line L column C": carried separately).
pub(crate) fn without_value(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or_default();
    match msg.split_once(", expected") {
        Some((found, expected)) if msg.starts_with("invalid") => {
            let kind = found.split(':').next().unwrap_or("invalid value");
            format!("{kind}, expected{expected}")
        }
        _ => msg.to_string(),
    }
}

pub fn customer_insights(files: &[SourceFile], log: &mut TableLog) -> Option<CustomerInsights> {
    let (_, text) = read_object(files, log)?;
    let file = files
        .first()
        .map(|f| f.name.as_str())
        .unwrap_or("customerinsights.json");
    // From the text, not the parsed value, so that the error has a position.
    match serde_json::from_slice::<CustomerInsights>(&text) {
        Ok(ci) => Some(ci),
        Err(e) => {
            // Values may be secrets: the message names what was expected, never what was found.
            let p = Problem {
                line: Some(e.line() as u64),
                column: Some((e.column() as u64).max(1)),
                ..Problem::file_level(
                    file,
                    ProblemKind::UnreadableFile,
                    format!("unexpected shape: {}", without_value(&e)),
                )
            };
            log.problems.push(p.clone());
            log.unreadable = Some(p);
            None
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::org_setting;

    #[test]
    fn reads_org_db_settings() {
        let xml =
            "<OrgSettings><EnableOwnershipAcrossBusinessUnits>true</EnableOwnershipAcrossBusinessUnits></OrgSettings>";
        assert_eq!(org_setting(xml, "EnableOwnershipAcrossBusinessUnits"), Some(true));
        assert_eq!(
            org_setting(xml, "ManagersMustBeInSameOrParentBusinessUnitAsReports"),
            None
        );
    }
}
