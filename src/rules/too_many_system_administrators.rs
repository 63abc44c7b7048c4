//! `too-many-system-administrators`: more people hold System Administrator than an environment needs.

use serde_json::json;

use super::{id_list, Context, Findings, Outcome};
use crate::finding::Severity;

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let max = cx.threshold_u64("max_system_administrators");
    let critical = cx.threshold_u64("critical_system_administrators");
    let mut admins = Vec::new();
    let mut through_teams = 0;
    for u in cx.people() {
        let paths: Vec<_> = cx.roles_of(u).into_iter().filter(|h| cx.is_system_administrator(h.source)).collect();
        if paths.is_empty() {
            continue;
        }
        if paths.iter().all(|h| h.team.is_some()) {
            through_teams += 1;
        }
        admins.push((cx.tenant.users[u].id, paths.iter().map(|h| h.path.clone()).collect::<Vec<_>>()));
    }
    admins.sort();
    let n = admins.len() as u64;
    if n > max {
        let f = out.add(
            cx.environment_subject(),
            format!("{n} people hold System Administrator (more than {max}), {through_teams} of them only through a team: each can read, change and delete everything and grant themselves any access."),
            json!({ "system_administrators": n, "only_through_teams": through_teams, "max_system_administrators": max, "critical_system_administrators": critical, "users": id_list(admins.iter().map(|a| a.0)), "paths": admins.iter().take(20).map(|(id, p)| json!({ "user": id, "via": p })).collect::<Vec<_>>() }),
        );
        if n > critical {
            f.severity = Severity::Critical;
        }
    }
    Outcome::Evaluated
}
