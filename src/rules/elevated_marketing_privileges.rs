//! `elevated-marketing-privileges`: organization-wide rights on website tables or on marketing e-mail dynamic
//! content metadata, listed for review.

use std::collections::HashMap;

use rayon::prelude::*;
use serde_json::json;

use super::data::journeys;
use super::{journeys_present, Context, Findings, Outcome, NO_JOURNEYS};
use crate::finding::{Evidence, Finding, Subject, SubjectKind};
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
    // The privileges are those of the user's grant set: computed once per set, sets and users on every core.
    let people: Vec<(usize, u32)> = cx.people().filter_map(|u| Some((u, cx.engine.user_grant_set[u]?))).collect();
    let mut sets: Vec<u32> = people.iter().map(|&(_, s)| s).collect();
    sets.sort_unstable();
    sets.dedup();
    // Per privilege of the catalog: the watched tables it covers (most cover none).
    let covered: Vec<Vec<&String>> = cx.engine.catalog.iter().map(|info| watched.iter().copied().filter(|table| info.covers(table)).collect()).collect();
    let by_set: HashMap<u32, (usize, Evidence)> = sets
        .par_iter()
        .filter_map(|&set_index| {
            let set = &cx.engine.grant_sets[set_index as usize];
            let mut hits = Vec::new();
            for h in set.held.iter().filter(|h| h.depth == Depth::Global) {
                let info = &cx.engine.catalog[h.privilege as usize];
                hits.extend(covered[h.privilege as usize].iter().map(|table| (h, info, table)));
            }
            let count = hits.len();
            if count == 0 {
                return None;
            }
            if !cx.details() {
                return Some((set_index, (count, Evidence::null())));
            }
            let shown: Vec<_> = hits.iter().take(20).map(|&(h, info, table)| json!({ "table": table, "privilege": info.name, "via": cx.engine.via(set, h, &[]) })).collect();
            Some((set_index, (count, Evidence::from(json!({ "count": count, "privileges": shown })))))
        })
        .collect();
    let found: Vec<Finding> = people
        .par_iter()
        .filter_map(|&(u, set)| {
            let (count, evidence) = by_set.get(&set)?;
            let count = *count;
            if !cx.details() {
                return Some(out.finding(Subject::new(SubjectKind::User, t.users[u].id.to_string(), String::new()), String::new(), evidence.clone()));
            }
            Some(out.finding(
                cx.user_subject(u),
                format!("{} holds {} organization-wide privilege{} on website or dynamic content tables; review that they need them.", t.users[u].display_name(), count, if count == 1 { "" } else { "s" }),
                evidence.clone(),
            ))
        })
        .collect();
    out.extend(found);
    Outcome::Evaluated
}
