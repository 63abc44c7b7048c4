//! `audit-tampering`: the audit log shows auditing stopped, disabled, or its records deleted.

use serde_json::json;

use super::{id_list, Context, Findings, Outcome};
use crate::model::audit::action_name;

const TAMPERING: [i64; 5] = [108, 109, 110, 111, 113];

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let audit = &cx.tenant.audit;
    for code in TAMPERING {
        let Some(stats) = audit.by_action.get(&code) else { continue };
        let name = action_name(code).unwrap_or("audit change");
        let when = match (stats.first, stats.last) {
            (Some(a), Some(b)) if a == b => format!("on {a}"),
            (Some(a), Some(b)) => format!("from {a} to {b}"),
            _ => String::new(),
        };
        let f = out.add(
            cx.environment_subject(),
            format!(
                "The audit log holds {} \"{name}\" event{} (action {code}) {when}: someone stopped or erased auditing, which can hide what happened.",
                stats.count,
                if stats.count == 1 { "" } else { "s" },
            ),
            json!({
                "action": code,
                "action_name": name,
                "count": stats.count,
                "first": stats.first,
                "last": stats.last,
                "users": id_list(stats.users.iter()),
            }),
        );
        f.discriminator = code.to_string();
    }
    Outcome::Evaluated
}
