//! `audits`: streamed into [`AuditSummary`]; the rows are never held.

use crate::ingest::reader::{read_table, TableLog};
use crate::ingest::row::{RowError, Schema};
use crate::ingest::source::SourceFile;
use crate::model::audit::AuditRow;
use crate::model::AuditSummary;

pub fn audits(files: &[SourceFile], log: &mut TableLog) -> AuditSummary {
    let mut s = Schema::new("audits");
    let created = s.required("createdon");
    let action = s.required("action");
    let table = s.col("objecttypecode");
    let object = s.col("objectid");
    let user = s.col("userid");
    let calling = s.col("callinguserid");
    let mut summary = AuditSummary {
        present: true,
        ..Default::default()
    };
    read_table(files, &s, log, &mut |row| {
        let created_on = row.timestamp(created)?.ok_or_else(|| row.missing(created))?;
        let action_code = row.int(action)?.ok_or_else(|| row.missing(action))?;
        if action_code < 0 {
            return Err(RowError::field(
                action,
                format!("audit action {action_code} is negative"),
            ));
        }
        let table_name = row.str(table)?;
        let lower;
        let table_name = match table_name.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) if t.bytes().any(|b| b.is_ascii_uppercase()) => {
                lower = t.to_ascii_lowercase();
                Some(lower.as_str())
            }
            Some(t) => Some(t),
        };
        summary.add(&AuditRow {
            created_on,
            action: action_code,
            table: table_name,
            object: row.guid(object)?,
            user: row.guid(user)?,
            calling_user: row.guid(calling)?,
        });
        Ok(())
    });
    summary
}
