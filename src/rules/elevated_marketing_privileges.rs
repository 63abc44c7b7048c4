//! `elevated-marketing-privileges`: organization-wide rights on website tables or on marketing e-mail dynamic
//! content metadata, listed for review.

use serde_json::json;

use super::data::journeys;
use super::{journeys_present, Context, Findings, Outcome, NO_JOURNEYS};
use crate::finding::Evidence;
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
    // The privileges are those of the user's grant set: computed once per set.
    let mut by_set: std::collections::HashMap<u32, Option<(usize, Evidence)>> = std::collections::HashMap::new();
    for u in cx.people() {
        let Some(set_index) = cx.engine.user_grant_set[u] else { continue };
        let hits = by_set.entry(set_index).or_insert_with(|| {
            let set = &cx.engine.grant_sets[set_index as usize];
            let mut hits = Vec::new();
            for h in set.held.iter().filter(|h| h.depth == Depth::Global) {
                let info = &cx.engine.catalog[h.privilege as usize];
                for table in &watched {
                    if info.covers(table) {
                        hits.push(json!({ "table": table, "privilege": info.name, "via": cx.engine.via(set, h, &[]) }));
                    }
                }
            }
            let count = hits.len();
            hits.truncate(20);
            (count > 0).then(|| (count, Evidence::from(json!({ "count": count, "privileges": hits }))))
        });
        let Some((count, hits)) = hits else { continue };
        let count = *count;
        out.add(
            cx.user_subject(u),
            format!("{} holds {} organization-wide privilege{} on website or dynamic content tables; review that they need them.", t.users[u].display_name(), count, if count == 1 { "" } else { "s" }),
            hits.clone(),
        );
    }
    Outcome::Evaluated
}
