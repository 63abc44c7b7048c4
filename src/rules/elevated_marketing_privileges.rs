//! `elevated-marketing-privileges`: organization-wide rights on website tables or on marketing e-mail dynamic
//! content metadata, listed for review.

use serde_json::json;

use super::data::journeys;
use super::{journeys_present, Context, Findings, Outcome, NO_JOURNEYS};
use crate::model::Depth;

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let t = cx.tenant;
    if !journeys_present(t) {
        return Outcome::NotApplicable(NO_JOURNEYS.into());
    }
    let j = journeys();
    let watched: Vec<&String> = j.website_tables.iter().chain(&j.dynamic_content_tables).filter(|name| t.entities.iter().any(|e| &&e.logical_name == name)).collect();
    if watched.is_empty() {
        return Outcome::NotEvaluated("entitydefinitions has none of the website or dynamic content metadata tables".into());
    }
    for u in cx.people() {
        let Some(set) = cx.engine.grant_set_of(u) else { continue };
        let mut hits = Vec::new();
        for h in set.held.iter().filter(|h| h.depth == Depth::Global) {
            let info = &cx.engine.catalog[h.privilege as usize];
            for table in &watched {
                if info.covers(table) {
                    hits.push(json!({ "table": table, "privilege": info.name, "via": cx.engine.via(set, h, &[]) }));
                }
            }
        }
        if hits.is_empty() {
            continue;
        }
        let count = hits.len();
        hits.truncate(20);
        out.add(
            cx.user_subject(u),
            format!("{} holds {} organization-wide privilege{} on website or dynamic content tables; review that they need them.", t.users[u].display_name(), count, if count == 1 { "" } else { "s" }),
            json!({ "count": count, "privileges": hits }),
        );
    }
    Outcome::Evaluated
}
