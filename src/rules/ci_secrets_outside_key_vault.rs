//! `ci-secrets-outside-key-vault`: Customer Insights connection secrets kept outside the customer's Key Vault.

use serde_json::json;

use super::{Context, Findings, Outcome};
use crate::finding::{Subject, SubjectKind};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let Some(ci) = &cx.tenant.customer_insights else { return Outcome::NotEvaluated("the export has no customerinsights.json".into()) };
    if ci.connections.is_empty() {
        return Outcome::Evaluated;
    }
    let linked = ci.key_vault.as_ref().is_some_and(|k| k.linked);
    if !linked {
        let names: Vec<&str> = ci.connections.iter().map(|c| c.name.as_str()).collect();
        out.add(
            cx.environment_subject(),
            format!("No Key Vault is linked to Customer Insights, so the secrets of its {} connections are stored by the service, not in a vault the customer controls.", names.len()),
            json!({ "key_vault_linked": false, "connections": names }),
        );
        return Outcome::Evaluated;
    }
    for c in ci.connections.iter().filter(|c| !c.secrets_in_key_vault) {
        out.add(
            Subject::new(SubjectKind::CiObject, format!("connections.{}", c.name), c.name.clone()),
            format!("Connection {} keeps its secrets outside the linked Key Vault.", c.name),
            json!({ "connection": c.name, "secrets_in_key_vault": false, "key_vault": ci.key_vault.as_ref().and_then(|k| k.name.clone()) }),
        );
    }
    Outcome::Evaluated
}
