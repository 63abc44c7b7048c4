//! `ci-too-many-admins`: more Customer Insights admins than needed.

use serde_json::json;

use super::{Context, Findings, Outcome};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let Some(ci) = &cx.tenant.customer_insights else { return Outcome::NotEvaluated("the export has no customerinsights.json".into()) };
    let max = cx.threshold_u64("max_admins");
    let mut admins: Vec<&str> = ci.users.iter().filter(|u| u.role.trim().eq_ignore_ascii_case("Admin")).map(|u| u.principal.as_str()).collect();
    admins.sort();
    admins.dedup();
    if admins.len() as u64 > max {
        out.add(
            cx.environment_subject(),
            format!("Customer Insights has {} admins (more than {max}); admins manage data sources, API keys and permissions.", admins.len()),
            json!({ "admins": admins.len(), "max_admins": max, "principals": admins }),
        );
    }
    Outcome::Evaluated
}
