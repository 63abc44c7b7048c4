//! `audits`: streamed into [`AuditSummary`]; the rows are never held. Each reading thread sums up the rows it
//! reads, and the sums are merged (a summary does not depend on the order of the rows).

use crate::ingest::parallel::read_table_parallel;
use crate::ingest::reader::TableLog;
use crate::ingest::row::{Row, RowError, Schema};
use crate::ingest::source::SourceFile;
use crate::model::audit::{AuditRow, AuditTally};
use crate::model::AuditSummary;
use rustc_hash::FxHashMap;

pub fn audits(files: &[SourceFile], log: &mut TableLog) -> AuditSummary {
    let mut s = Schema::new("audits");
    let created = s.required("createdon");
    let action = s.required("action");
    let table = s.col("objecttypecode");
    let object = s.col("objectid");
    let user = s.col("userid");
    let calling = s.col("callinguserid");
    let on_row = |tally: &mut AuditTally, row: &Row| {
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
        tally.add(&AuditRow {
            created_on,
            action: action_code,
            table: table_name,
            object: row.guid(object)?,
            user: row.guid(user)?,
            calling_user: row.guid(calling)?,
        });
        Ok(())
    };
    // Share operations per caller and hour are many, and each piece of the log (a stretch of time) has its
    // own: they are added up piece by piece rather than kept by every thread.
    let mut by_hour = FxHashMap::default();
    let parts = read_table_parallel(
        files,
        &s,
        log,
        AuditTally::default,
        on_row,
        AuditTally::take_share_operations_by_hour,
        |hours| {
            for (key, n) in hours {
                *by_hour.entry(key).or_default() += n;
            }
        },
    );
    let mut parts = parts.into_iter().map(AuditTally::finish);
    let mut summary = parts.next().unwrap_or_default();
    summary.present = true;
    for part in parts {
        summary.merge(part);
    }
    summary.share_operations_by_hour = by_hour;
    summary
}
