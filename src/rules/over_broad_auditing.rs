//! `over-broad-auditing`: auditing nearly every table, or one table flooding the log, buries the events that
//! matter and fills storage.

use serde_json::json;

use super::{Context, Findings, Outcome};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let t = cx.tenant;
    let has_tables = cx.has("entitydefinitions");
    let has_rows = cx.has("audits");
    if !has_tables && !has_rows {
        return Outcome::NotEvaluated("the export has neither entitydefinitions.json nor an audit log".into());
    }
    if has_tables {
        let max_share = cx.threshold_f64("max_audited_table_share");
        let auditable: Vec<_> = t.entities.iter().filter(|e| e.audit_can_be_changed != Some(false)).collect();
        let audited: Vec<&str> = auditable.iter().filter(|e| e.audit_enabled == Some(true)).map(|e| e.logical_name.as_str()).collect();
        if !auditable.is_empty() {
            let share = audited.len() as f64 / auditable.len() as f64;
            if share > max_share {
                let f = out.add(
                    cx.environment_subject(),
                    format!(
                        "{} of {} auditable tables are audited ({:.0}%, more than {:.0}%): auditing everything makes the log large and the important events hard to find.",
                        audited.len(),
                        auditable.len(),
                        share * 100.0,
                        max_share * 100.0
                    ),
                    json!({ "condition": "tables", "audited_tables": audited.len(), "auditable_tables": auditable.len(), "share": (share * 1000.0).round() / 1000.0, "max_audited_table_share": max_share }),
                );
                f.discriminator = "tables".into();
            }
        }
    }
    if has_rows {
        let max_share = cx.threshold_f64("max_table_share_of_audit_rows");
        let total = t.audit.rows;
        let mut tables: Vec<(&String, &u64)> = t.audit.by_table.iter().collect();
        tables.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        if let Some((table, &rows)) = tables.first() {
            let share = rows as f64 / total.max(1) as f64;
            if share > max_share {
                let top: Vec<_> = tables.iter().take(10).map(|(t, n)| json!({ "table": t, "rows": n })).collect();
                let f = out.add(
                    cx.environment_subject(),
                    format!(
                        "Table {table} produces {rows} of {total} audit rows ({:.0}%, more than {:.0}%): review which of its columns and operations need auditing.",
                        share * 100.0,
                        max_share * 100.0
                    ),
                    json!({ "condition": "rows", "table": table, "rows": rows, "total_rows": total, "share": (share * 1000.0).round() / 1000.0, "max_table_share_of_audit_rows": max_share, "top_tables": top }),
                );
                f.discriminator = "rows".into();
            }
        }
    }
    Outcome::Evaluated
}
