//! `env-without-security-group`: without a security group, every licensed user in the tenant can get in.

use serde_json::json;

use super::{Context, Findings, Outcome};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let Some(env) = &cx.tenant.environment else { return Outcome::NotEvaluated("the export has no environment.json".into()) };
    let sku = env.sku.clone().unwrap_or_default();
    if ["Default", "Developer"].iter().any(|s| s.eq_ignore_ascii_case(&sku)) {
        return Outcome::NotApplicable(format!("a {sku} environment cannot have a security group"));
    }
    if env.security_group.is_none() {
        out.add(
            cx.environment_subject(),
            format!(
                "The {} environment is not restricted to a security group: every user in the Microsoft Entra tenant with a license can be added to it, and is, on first sign-in.",
                if sku.is_empty() { "this".to_string() } else { sku.clone() }
            ),
            json!({ "sku": sku, "security_group_id": null }),
        );
    }
    Outcome::Evaluated
}
