//! `interactive-account-used-for-integration`: a person's account driving heavy Web API traffic and never the
//! apps: an integration running as a person, with a person's license, password and MFA exposure.

use serde_json::json;

use super::{Context, Findings, Outcome};
use crate::model::AccessMode;

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let min = cx.threshold_u64("min_operations");
    for u in cx.people() {
        let user = &cx.tenant.users[u];
        if user.access_mode == AccessMode::NonInteractive {
            continue;
        }
        let Some(a) = cx.tenant.audit.by_user.get(&user.id.0) else { continue };
        if a.rows >= min && a.web_service_access >= 1 && a.web_access == 0 {
            out.add(
                cx.user_subject(u),
                format!(
                    "{} made {} audited operations through web services and never signed in to an app: it looks like an integration running under a person's account. Use an application user or a non-interactive account.",
                    user.display_name(),
                    a.rows
                ),
                json!({ "audit_rows": a.rows, "web_service_access_events": a.web_service_access, "web_access_events": 0, "access_mode": user.access_mode.label(), "min_operations": min }),
            );
        }
    }
    Outcome::Evaluated
}
