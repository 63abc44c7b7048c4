//! `hierarchy-span-too-wide`: hierarchy security gives a manager or position read access to the records of
//! more people than a manager oversees.

use serde_json::json;

use super::{id_list, Context, Findings, Outcome};
use crate::access::hierarchy::HierarchyModel;
use crate::finding::{Subject, SubjectKind};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let Some(h) = cx.shared.hierarchy else {
        return Outcome::NotApplicable("hierarchy security is off (organizations.ishierarchicalsecuritymodelenabled)".into());
    };
    let max = cx.threshold_u64("max_hierarchy_span") as usize;
    let t = cx.tenant;
    match h.model {
        HierarchyModel::Manager => {
            for u in 0..t.users.len() {
                if !t.is_enabled(&t.users[u]) || cx.is_excluded(u) {
                    continue;
                }
                let reach = h.reach(u);
                if reach.len() > max {
                    let direct = reach.iter().filter(|r| r.level == 1).count();
                    out.add(
                        cx.user_subject(u),
                        format!(
                            "Through the manager hierarchy, {} can read the records of {} users ({direct} direct reports, {} levels), more than {max}.",
                            t.users[u].display_name(),
                            reach.len(),
                            h.max_depth
                        ),
                        json!({ "model": "manager", "span": reach.len(), "direct_reports": direct, "max_depth": h.max_depth, "max_hierarchy_span": max, "users": id_list(reach.iter().map(|r| t.users[r.user as usize].id)) }),
                    );
                }
            }
        }
        HierarchyModel::Position => {
            for (i, p) in t.positions.iter().enumerate() {
                let span = h.position_span(i);
                if span > max {
                    let name = p.name.clone().unwrap_or_else(|| p.id.to_string());
                    out.add(
                        Subject::new(SubjectKind::Position, p.id.to_string(), name.clone()),
                        format!("Through the position hierarchy, holders of position {name} can read the records of {span} users ({} levels), more than {max}.", h.max_depth),
                        json!({ "model": "position", "span": span, "max_depth": h.max_depth, "max_hierarchy_span": max }),
                    );
                }
            }
        }
    }
    Outcome::Evaluated
}
