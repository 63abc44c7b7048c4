//! `entitydefinitions` (with expanded `Attributes`) and, for CSV exports, `attributedefinitions`.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use serde::Deserialize;

use super::settings::without_value;
use crate::ingest::problem::ProblemKind;
use crate::ingest::reader::{read_table, TableLog};
use crate::ingest::row::{RowError, Schema};
use crate::ingest::source::SourceFile;
use crate::model::{AttributeDefinition, EntityDefinition};

/// `IsAuditEnabled`: a boolean, or a ManagedProperty `{"Value": bool, "CanBeChanged": bool}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum ManagedBool {
    Plain(Option<bool>),
    Managed {
        #[serde(rename = "Value")]
        value: Option<bool>,
        #[serde(rename = "CanBeChanged")]
        can_be_changed: Option<bool>,
    },
}

#[derive(Deserialize)]
#[serde(expecting = "an object {LogicalName, IsAuditEnabled}")]
struct RawAttribute {
    #[serde(rename = "LogicalName", alias = "logicalname")]
    logical_name: Option<String>,
    #[serde(rename = "IsAuditEnabled", alias = "isauditenabled")]
    audit: Option<ManagedBool>,
}

pub fn entity_definitions(files: &[SourceFile], log: &mut TableLog) -> Vec<EntityDefinition> {
    let mut s = Schema::new("entitydefinitions");
    let logical = s.required("logicalname");
    let schema_name = s.col("schemaname");
    let code = s.col("objecttypecode");
    let ownership = s.col("ownershiptype");
    let activity = s.col("isactivity");
    let audit = s.col("isauditenabled");
    let can_change = s.col("isauditenabled.canbechanged");
    let attributes = s.col("attributes");
    let mut out: Vec<EntityDefinition> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    read_table(files, &s, log, &mut |row| {
        let mut audit_can_be_changed = row.bool(can_change)?;
        if let Some(raw) = row.raw_json(audit) {
            if let Ok(ManagedBool::Managed { can_be_changed, .. }) = serde_json::from_str::<ManagedBool>(raw) {
                audit_can_be_changed = audit_can_be_changed.or(can_be_changed);
            }
        }
        let mut attrs = Vec::new();
        if let Some(raw) = row.raw_json(attributes) {
            let list: Vec<RawAttribute> = serde_json::from_str(raw).map_err(|e| {
                // Without the value serde quotes and its position inside this column (the row's is given).
                RowError::field(
                    attributes,
                    format!(
                        "expected an array of {{LogicalName, IsAuditEnabled}}: {}",
                        without_value(&e)
                    ),
                )
            })?;
            for a in list {
                let Some(name) = a.logical_name else { continue };
                let audit_enabled = match a.audit {
                    None => None,
                    Some(ManagedBool::Plain(b)) => b,
                    Some(ManagedBool::Managed { value, .. }) => value,
                };
                attrs.push(AttributeDefinition {
                    logical_name: name.to_ascii_lowercase(),
                    audit_enabled,
                });
            }
        }
        let def = EntityDefinition {
            logical_name: row.required_text(logical)?.to_ascii_lowercase(),
            schema_name: row.text(schema_name)?,
            object_type_code: row.int(code)?,
            ownership: row.text(ownership)?,
            is_activity: row.bool(activity)?.unwrap_or(false),
            audit_enabled: row.bool(audit)?,
            audit_can_be_changed,
            attributes: attrs,
        };
        if !seen.insert(def.logical_name.clone()) {
            return Err(RowError::row(
                ProblemKind::DuplicateRow,
                format!(
                    "table {} is defined twice; the first definition is kept",
                    def.logical_name
                ),
            ));
        }
        out.push(def);
        Ok(())
    });
    out
}

/// `attributedefinitions.csv`: (table, column, audited).
pub fn attribute_definitions(files: &[SourceFile], log: &mut TableLog) -> Vec<(String, AttributeDefinition)> {
    let mut s = Schema::new("attributedefinitions");
    let table = s.required("entitylogicalname");
    let name = s.required("logicalname");
    let audit = s.col("isauditenabled");
    let mut out = Vec::new();
    read_table(files, &s, log, &mut |row| {
        out.push((
            row.required_text(table)?.to_ascii_lowercase(),
            AttributeDefinition {
                logical_name: row.required_text(name)?.to_ascii_lowercase(),
                audit_enabled: row.bool(audit)?,
            },
        ));
        Ok(())
    });
    out
}
