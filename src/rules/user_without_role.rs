//! `user-without-role`: a person who cannot use the environment: no role directly or from an owner or Entra
//! group team, or only team roles with "Team privileges only".

use serde_json::json;

use super::{Context, Findings, Outcome};

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    for u in cx.people() {
        let user = &cx.tenant.users[u];
        let Some(set) = cx.engine.grant_set_of(u) else { continue };
        let (case, message) = if set.assignments.is_empty() {
            ("no_role", format!("{} has no security role, directly or from a team: they cannot use the environment (and may still hold a license).", user.display_name()))
        } else if set.only_team_privileges {
            (
                "team_privileges_only",
                format!(
                    "{}'s only roles come from teams whose roles give \"Team privileges only\": Dataverse needs a direct role or an inheriting team role to run apps.",
                    user.display_name()
                ),
            )
        } else {
            continue;
        };
        let roles: Vec<String> = cx.roles_of(u).into_iter().map(|h| h.path).collect();
        out.add(cx.user_subject(u), message, json!({ "case": case, "islicensed": user.licensed, "team_roles": roles }));
    }
    Outcome::Evaluated
}
