//! `out-of-box-role-modified`: a managed (out-of-box) role whose privileges were changed: updates of the app
//! can overwrite or conflict with the change, and the role no longer means what its name says.

use serde_json::json;

use super::{id_list, Context, Findings, Outcome};
use crate::finding::Confidence;
use crate::id::Guid;

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let t = cx.tenant;
    let system: Vec<Guid> = t.users.iter().filter(|u| u.full_name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case("SYSTEM"))).map(|u| u.id.0).collect();
    let min_gap_days = cx.threshold_u64("min_modified_gap_days") as i64;
    let audits = cx.has("audits");
    for role in cx.root_roles().filter(|r| r.managed) {
        // Privilege changes (audit actions 57, 58, 59) on the role or its copies, by anyone but SYSTEM.
        let mut ids: Vec<Guid> = vec![role.id.0];
        ids.extend(cx.copies_of(role).iter().map(|c| c.id.0));
        let mut count = 0;
        let mut users: std::collections::BTreeSet<Guid> = std::collections::BTreeSet::new();
        let mut last = None;
        for id in &ids {
            if let Some(c) = t.audit.role_changes.get(id) {
                let by_people: Vec<&Guid> = c.users.iter().filter(|u| !system.contains(u)).collect();
                if by_people.is_empty() && !c.users.is_empty() {
                    continue;
                }
                count += c.count;
                users.extend(by_people.into_iter().copied());
                last = last.max(c.last);
            }
        }
        if count > 0 {
            out.add(
                cx.role_subject(role),
                format!(
                    "Out-of-box role {} had its privileges changed {count} time{} (audit actions 57/58/59), last on {}: copy it to a custom role and change the copy instead.",
                    role.name,
                    if count == 1 { "" } else { "s" },
                    last.map(|l| l.to_string()).unwrap_or_default()
                ),
                json!({ "evidence": "audit", "privilege_changes": count, "last_change": last, "changed_by": id_list(users) }),
            );
            continue;
        }
        if let (Some(created), Some(modified)) = (role.created_on, role.modified_on) {
            let gap = (modified.0 - created.0).div_euclid(86_400);
            if gap >= min_gap_days {
                let f = out.add(
                    cx.role_subject(role),
                    format!(
                        "Out-of-box role {} was modified on {}, {gap} days after it was created{}: it may have been customized.",
                        role.name,
                        modified.date(),
                        if audits { " (the audit log shows no privilege change)" } else { " (no audit log in the export)" }
                    ),
                    json!({ "evidence": "modifiedon", "createdon": created, "modifiedon": modified, "gap_days": gap, "min_modified_gap_days": min_gap_days }),
                );
                f.confidence = Confidence::Low;
            }
        }
    }
    Outcome::Evaluated
}
