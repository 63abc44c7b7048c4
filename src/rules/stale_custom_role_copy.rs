//! `stale-custom-role-copy`: a custom role that is almost a copy of an out-of-box role but lacks privileges the
//! out-of-box role now grants: a copy made before an app update and never brought up to date.

use std::collections::BTreeSet;

use serde_json::json;

use super::{id_list, Context, Findings, Outcome};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let min_similarity = cx.threshold_f64("min_similarity");
    let set = |r| cx.privileges_of(r).iter().map(|(p, _)| *p).collect::<BTreeSet<u32>>();
    let mut managed: Vec<_> = cx.root_roles().filter(|r| r.managed).map(|r| (r, set(r))).filter(|(_, s)| !s.is_empty()).collect();
    managed.sort_by(|a, b| a.0.name.cmp(&b.0.name).then(a.0.id.cmp(&b.0.id)));
    for role in cx.root_roles().filter(|r| !r.managed) {
        let mine = set(role);
        if mine.is_empty() {
            continue;
        }
        // The most similar managed role (Jaccard on privilege ids, depth ignored); ties go to the first name.
        let mut best: Option<(f64, usize)> = None;
        for (i, (_, theirs)) in managed.iter().enumerate() {
            let inter = mine.intersection(theirs).count() as f64;
            let union = mine.union(theirs).count() as f64;
            let sim = inter / union;
            if best.is_none_or(|(b, _)| sim > b) {
                best = Some((sim, i));
            }
        }
        let Some((sim, i)) = best else { continue };
        let (m, theirs) = &managed[i];
        let missing: Vec<&str> = theirs.difference(&mine).map(|&p| cx.engine.catalog[p as usize].name.as_str()).collect();
        if sim >= min_similarity && sim < 1.0 && !missing.is_empty() {
            out.add(
                cx.role_subject(role),
                format!(
                    "Custom role {} matches out-of-box role {} at {:.0}% but lacks {} of its privileges: it looks like a copy that was not updated when the app was.",
                    role.name,
                    m.name,
                    sim * 100.0,
                    missing.len()
                ),
                json!({
                    "managed_role": { "id": m.id, "name": m.name },
                    "similarity": (sim * 1000.0).round() / 1000.0,
                    "min_similarity": min_similarity,
                    "missing_privileges": id_list(missing),
                    "extra_privileges": mine.difference(theirs).count(),
                }),
            );
        }
    }
    Outcome::Evaluated
}
