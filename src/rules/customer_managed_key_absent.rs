//! `customer-managed-key-absent`: a Production environment encrypted with a Microsoft-managed key only.

use serde_json::json;

use super::{Context, Findings, Outcome};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let Some(env) = &cx.tenant.environment else { return Outcome::NotEvaluated("the export has no environment.json".into()) };
    if !env.sku.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("Production")) {
        return Outcome::NotApplicable(format!("applies to Production environments; this one is {}", env.sku.as_deref().unwrap_or("of unknown type")));
    }
    if !env.customer_managed_key {
        out.add(
            cx.environment_subject(),
            "This Production environment's data is encrypted with a Microsoft-managed key; no customer-managed key is linked, so the customer cannot revoke access to the data at rest.",
            json!({ "sku": env.sku, "customer_managed_key": false }),
        );
    }
    Outcome::Evaluated
}
