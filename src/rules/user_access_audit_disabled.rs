//! `user-access-audit-disabled`: auditing is on, but sign-ins (user access) are not logged.

use serde_json::json;

use super::{Context, Findings, Outcome};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let Some(org) = &cx.tenant.organization else { return Outcome::NotEvaluated("the export has no organizations.json".into()) };
    match (org.audit_enabled, org.user_access_audit_enabled) {
        (Some(false), _) => Outcome::NotApplicable("auditing is off for the whole organization (auditing-disabled)".into()),
        (None, _) | (_, None) => Outcome::NotEvaluated("organizations lacks isauditenabled or isuseraccessauditenabled".into()),
        (Some(true), Some(true)) => Outcome::Evaluated,
        (Some(true), Some(false)) => {
            out.add(
                cx.setting_subject("isuseraccessauditenabled"),
                "Auditing is on but user access is not logged: there is no record of who signed in and when, so dormant or misused accounts cannot be told apart.",
                json!({ "isauditenabled": true, "isuseraccessauditenabled": false }),
            );
            Outcome::Evaluated
        }
    }
}
