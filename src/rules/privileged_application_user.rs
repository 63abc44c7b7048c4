//! `privileged-application-user`: an application user (service principal) that is privileged: a secret or
//! certificate somewhere that opens everything, with no MFA.

use serde_json::json;

use super::{Context, Findings, Outcome};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let t = cx.tenant;
    let mut allowed = cx.threshold_guids("allowed_privileged_apps");
    allowed.extend(super::data::journeys().service_users.iter().filter_map(|s| s.application_id()));
    for (u, user) in t.users.iter().enumerate() {
        let Some(app) = user.application_id else { continue };
        if cx.is_excluded(u) || allowed.contains(&app) {
            continue;
        }
        let Some(set) = cx.engine.grant_set_of(u) else { continue };
        if set.privileged.is_empty() {
            continue;
        }
        out.add(
            cx.user_subject(u),
            format!(
                "Application user {} (application id {app}) is privileged: whoever holds its client secret or certificate has that access, without MFA. Give it a role with only what the integration needs.",
                user.display_name()
            ),
            json!({ "application_id": app, "privileged": set.privileged }),
        );
    }
    Outcome::Evaluated
}
