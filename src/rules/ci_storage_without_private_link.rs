//! `ci-storage-without-private-link`: a Customer Insights storage account reachable from the public internet
//! with no approved Private Link.

use serde_json::json;

use super::{Context, Findings, Outcome};
use crate::finding::{Subject, SubjectKind};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let Some(ci) = &cx.tenant.customer_insights else { return Outcome::NotEvaluated("the export has no customerinsights.json".into()) };
    for account in &ci.storage_accounts {
        if !account.public_network_access {
            continue;
        }
        let links: Vec<&str> = ci
            .private_links
            .iter()
            .filter(|l| l.storage_account.eq_ignore_ascii_case(&account.name))
            .map(|l| l.state.as_str())
            .collect();
        if links.iter().any(|s| s.eq_ignore_ascii_case("Approved")) {
            continue;
        }
        out.add(
            Subject::new(SubjectKind::CiObject, format!("storageAccounts.{}", account.name), account.name.clone()),
            format!(
                "Storage account {} allows public network access and has no approved Private Link{}.",
                account.name,
                if links.is_empty() { String::new() } else { format!(" (links: {})", links.join(", ")) }
            ),
            json!({ "storage_account": account.name, "public_network_access": true, "private_link_states": links }),
        );
    }
    Outcome::Evaluated
}
