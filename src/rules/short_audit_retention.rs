//! `short-audit-retention`: audit records are deleted before a yearly review can see them.

use serde_json::json;

use super::{Context, Findings, Outcome};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let Some(org) = &cx.tenant.organization else { return Outcome::NotEvaluated("the export has no organizations.json".into()) };
    let Some(days) = org.audit_retention_days else {
        return Outcome::NotEvaluated("organizations has neither auditretentionperiodv2 nor auditretentionperiod".into());
    };
    let min = cx.threshold_u64("min_retention_days") as i64;
    if days != -1 && days < min {
        out.add(
            cx.setting_subject("auditretentionperiodv2"),
            format!("Audit records are kept {days} days, less than {min}: older changes to data and security are deleted before a yearly access review or an investigation can see them."),
            json!({ "retention_days": days, "min_retention_days": min }),
        );
    }
    Outcome::Evaluated
}
