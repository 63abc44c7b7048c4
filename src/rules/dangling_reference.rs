//! `dangling-reference`: rows that refer to ids the export does not hold (a membership of a deleted user, a
//! share to a deleted team, a role of a missing business unit).

use serde_json::json;

use super::{Context, Findings, Outcome};
use crate::finding::{Subject, SubjectKind};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    for d in &cx.tenant.dangling {
        let kind = match d.target {
            "systemuser" => SubjectKind::User,
            "team" => SubjectKind::Team,
            "role" => SubjectKind::Role,
            "businessunit" => SubjectKind::BusinessUnit,
            "position" => SubjectKind::Position,
            "privilege" => SubjectKind::Privilege,
            "fieldsecurityprofile" => SubjectKind::FieldSecurityProfile,
            _ => SubjectKind::Record,
        };
        let id = d.missing_id.to_string();
        let f = out.add(
            Subject::new(kind, id.clone(), format!("{} {id} (not in the export)", d.target)),
            format!(
                "{} row{} of {} refer{} in {} to {} {id}, which is not in the export (deleted, or the export is incomplete).",
                d.rows,
                if d.rows == 1 { "" } else { "s" },
                d.table,
                if d.rows == 1 { "s" } else { "" },
                d.column,
                d.target
            ),
            json!({ "table": d.table, "column": d.column, "missing_id": id, "target": d.target, "rows": d.rows }),
        );
        f.discriminator = format!("{}.{}", d.table, d.column);
    }
    Outcome::Evaluated
}
