//! `dormant-privileged-account`: a privileged person with no activity in the audit log for `dormant_days`:
//! an unused key to everything.

use serde_json::json;

use super::{Context, Findings, Outcome};
use crate::finding::Confidence;
use crate::time::Timestamp;

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let audit = &cx.tenant.audit;
    let (Some(first), Some(newest)) = (audit.first, audit.last) else {
        return Outcome::NotEvaluated("the audit log holds no rows".into());
    };
    let days = cx.threshold_u64("dormant_days") as i64;
    let cutoff = Timestamp(newest.0 - days * 86_400);
    if first > cutoff {
        return Outcome::NotEvaluated(format!("the audit log starts on {}, after the cutoff {} ({days} days before its newest row): it cannot show dormancy", first.date(), cutoff.date()));
    }
    let has_access_events = audit.by_action.contains_key(&64) || audit.by_action.contains_key(&65);
    for u in cx.people() {
        let Some(set) = cx.engine.grant_set_of(u) else { continue };
        if set.privileged.is_empty() {
            continue;
        }
        let user = &cx.tenant.users[u];
        if user.created_on.is_some_and(|c| c >= cutoff) {
            continue;
        }
        let last = audit.by_user.get(&user.id.0).and_then(|a| a.last_activity);
        if last.is_some_and(|l| l >= cutoff) {
            continue;
        }
        let f = out.add(
            cx.user_subject(u),
            match last {
                Some(l) => format!("{} is privileged and was last active on {}, more than {days} days before the newest audit record.", user.display_name(), l.date()),
                None => format!("{} is privileged and has no activity at all in the audit log ({} to {}).", user.display_name(), first.date(), newest.date()),
            },
            json!({ "last_activity": last, "cutoff": cutoff, "dormant_days": days, "created_on": user.created_on, "privileged": set.privileged }),
        );
        if !has_access_events {
            f.confidence = Confidence::Medium;
        }
    }
    Outcome::Evaluated
}
