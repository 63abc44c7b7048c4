//! `internal-role-assigned-to-person`: a Journeys role meant only for the product's service users held by a
//! person.

use serde_json::json;

use super::data::{journeys, matches};
use super::{journeys_present, Context, Findings, Outcome, NO_JOURNEYS};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let t = cx.tenant;
    if !journeys_present(t) {
        return Outcome::NotApplicable(NO_JOURNEYS.into());
    }
    let j = journeys();
    let internal = cx.roles_named(&j.internal_only_roles);
    for u in cx.people() {
        if !cx.holds_any(u, &internal) {
            continue;
        }
        if t.users[u].full_name.as_deref().is_some_and(|n| matches(n, &j.marketing_user)) {
            continue;
        }
        let held: Vec<_> = cx.roles_of(u).into_iter().filter(|h| j.internal_only_roles.iter().any(|a| matches(&h.source.name, a))).collect();
        if held.is_empty() {
            continue;
        }
        let mut names: Vec<&str> = held.iter().map(|h| h.source.name.as_str()).collect();
        names.sort();
        names.dedup();
        let paths: Vec<&str> = held.iter().map(|h| h.path.as_str()).collect();
        out.add(
            cx.user_subject(u),
            format!("{} holds the internal-use-only role{} {}, meant for Customer Insights - Journeys service users only.", t.users[u].display_name(), if names.len() == 1 { "" } else { "s" }, names.join("; ")),
            json!({ "roles": names, "paths": paths }),
        );
    }
    Outcome::Evaluated
}
