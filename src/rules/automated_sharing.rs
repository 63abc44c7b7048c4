//! `automated-sharing`: sharing done by a process (hundreds of shares an hour, or an application user that
//! shares at all): a plugin or flow granting access outside the role model.

use std::collections::BTreeMap;

use serde_json::json;

use super::{Context, Findings, Outcome};
use crate::finding::{Subject, SubjectKind};
use crate::id::{Guid, UserId};
use crate::time::Timestamp;

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let t = cx.tenant;
    let audit = &t.audit;
    let max_per_hour = cx.threshold_u64("max_shares_per_hour") as u32;
    let mut allowed = cx.threshold_guids("allowed_sharing_apps");
    allowed.extend(super::data::journeys().service_users.iter().filter_map(|s| s.application_id()));
    // Per caller: the busiest hour.
    let mut busiest: BTreeMap<Guid, (u32, i64)> = BTreeMap::new();
    for (&(caller, hour), &n) in &audit.share_operations_by_hour {
        let e = busiest.entry(caller).or_insert((0, hour));
        if n > e.0 || (n == e.0 && hour < e.1) {
            *e = (n, hour);
        }
    }
    let mut callers: Vec<&Guid> = busiest.keys().collect();
    callers.sort();
    for caller in callers {
        let (peak, hour) = busiest[caller];
        let user = t.index.users.get(&UserId(*caller)).copied();
        if user.is_some_and(|u| cx.is_excluded(u)) {
            continue;
        }
        let app = user.and_then(|u| t.users[u].application_id);
        let unapproved_app = app.is_some_and(|a| !allowed.contains(&a));
        if peak <= max_per_hour && !unapproved_app {
            continue;
        }
        let total = audit.by_user.get(caller).map_or(0, |a| a.share_operations);
        let name = user.map_or_else(|| format!("{caller} (not in the export)"), |u| t.users[u].display_name());
        let hour_start = Timestamp(hour * 3600);
        let message = if peak > max_per_hour {
            format!("{name} made {peak} share operations in one hour (from {hour_start}; more than {max_per_hour}), {total} in all: sharing at this rate is done by a process.")
        } else {
            format!("Application user {name} shares records ({total} share operations): integrations should get access through roles, not by sharing.")
        };
        out.add(
            Subject::new(SubjectKind::User, caller.to_string(), name),
            message,
            json!({ "share_operations": total, "busiest_hour": hour_start, "busiest_hour_operations": peak, "max_shares_per_hour": max_per_hour, "application_id": app }),
        );
    }
    Outcome::Evaluated
}
