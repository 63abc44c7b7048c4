//! `incomplete-role-combination`: Lead Score Modeler or Viewer without a core marketing or sales role: the
//! lead scoring role alone does not let the user work with the records it scores.

use serde_json::json;

use super::data::{journeys, matches};
use super::{journeys_present, Context, Findings, Outcome, NO_JOURNEYS};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let t = cx.tenant;
    if !journeys_present(t) {
        return Outcome::NotApplicable(NO_JOURNEYS.into());
    }
    let j = journeys();
    let lead_score = cx.roles_named(&j.lead_score_roles);
    for u in cx.people() {
        if !cx.holds_any(u, &lead_score) {
            continue;
        }
        let roles: Vec<String> = cx.roles_of(u).into_iter().map(|h| h.source.name.clone()).collect();
        let has = |lists: &Vec<Vec<String>>| roles.iter().any(|r| lists.iter().any(|a| matches(r, a)));
        if has(&j.lead_score_roles) && !has(&j.core_marketing_roles) && !has(&j.sales_roles) {
            let lead: Vec<&String> = roles.iter().filter(|r| j.lead_score_roles.iter().any(|a| matches(r, a))).collect();
            out.add(
                cx.user_subject(u),
                format!(
                    "{} holds {} without a core marketing role or a sales role: add one, or the lead scoring features will not work for them.",
                    t.users[u].display_name(),
                    lead.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" and ")
                ),
                json!({ "lead_score_roles": lead, "roles": roles }),
            );
        }
    }
    Outcome::Evaluated
}
