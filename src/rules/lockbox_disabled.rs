//! `lockbox-disabled`: a Production environment whose Customer Lockbox setting is present and off.

use serde_json::json;

use super::{Context, Findings, Outcome};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let Some(env) = &cx.tenant.environment else { return Outcome::NotEvaluated("the export has no environment.json".into()) };
    if !env.sku.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("Production")) {
        return Outcome::NotApplicable(format!("applies to Production environments; this one is {}", env.sku.as_deref().unwrap_or("of unknown type")));
    }
    match env.lockbox_enabled {
        None => Outcome::NotEvaluated("environment.json does not say whether Lockbox is enabled (properties.lockbox.enabled)".into()),
        Some(true) => Outcome::Evaluated,
        Some(false) => {
            out.add(
                cx.environment_subject(),
                "Customer Lockbox is off for this Production environment: Microsoft engineers can access its data during support operations without the customer approving each request.",
                json!({ "sku": env.sku, "lockbox_enabled": false }),
            );
            Outcome::Evaluated
        }
    }
}
