//! `auditing-disabled`: auditing is off for the whole organization.

use serde_json::json;

use super::{Context, Findings, Outcome};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let Some(org) = &cx.tenant.organization else { return Outcome::NotEvaluated("the export has no organizations.json".into()) };
    match org.audit_enabled {
        None => Outcome::NotEvaluated("organizations has no isauditenabled column".into()),
        Some(true) => Outcome::Evaluated,
        Some(false) => {
            out.add(
                cx.setting_subject("isauditenabled"),
                "Auditing is off for the organization: no change to data, security roles or sharing is recorded, so nothing can be investigated afterwards.",
                json!({ "isauditenabled": false }),
            );
            Outcome::Evaluated
        }
    }
}
