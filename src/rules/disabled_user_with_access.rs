//! `disabled-user-with-access`: a user who cannot sign in still holding roles, team memberships or shares:
//! access that comes back the moment the account is re-enabled, and noise in every review.

use serde_json::json;

use super::{Context, Findings, Outcome};
use crate::model::PrincipalKind;

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let t = cx.tenant;
    let per_principal = t.shares.rows_per_principal();
    let shares_to: std::collections::HashMap<crate::id::Guid, u64> = t
        .shares
        .principals
        .iter()
        .zip(per_principal)
        .filter(|((_, kind), _)| *kind == PrincipalKind::User)
        .map(|((id, _), n)| (*id, n))
        .collect();
    let mut roles_of: std::collections::HashMap<_, Vec<String>> = std::collections::HashMap::new();
    for (user, role) in &t.user_roles {
        if let Some(r) = t.role(*role) {
            roles_of.entry(*user).or_default().push(r.name.clone());
        }
    }
    let mut teams_of: std::collections::HashMap<_, Vec<String>> = std::collections::HashMap::new();
    for (team, user) in &t.team_members {
        if let Some(team) = t.team(*team).filter(|x| !x.is_default && x.team_type.carries_roles()) {
            teams_of.entry(*user).or_default().push(team.name.clone());
        }
    }
    for (u, user) in t.users.iter().enumerate() {
        if t.is_enabled(user) || cx.is_excluded(u) {
            continue;
        }
        let roles = roles_of.remove(&user.id).unwrap_or_default();
        let teams = teams_of.remove(&user.id).unwrap_or_default();
        let shares = shares_to.get(&user.id.0).copied().unwrap_or(0);
        if roles.is_empty() && teams.is_empty() && shares == 0 {
            continue;
        }
        let why = if user.disabled {
            "is disabled"
        } else if user.azure_state != 0 {
            "is deleted in Microsoft Entra ID"
        } else {
            "is in a disabled business unit"
        };
        out.add(
            cx.user_subject(u),
            format!(
                "{} {why} but still holds {} role{}, {} team membership{} and {} shared record{}: remove them.",
                user.display_name(),
                roles.len(),
                if roles.len() == 1 { "" } else { "s" },
                teams.len(),
                if teams.len() == 1 { "" } else { "s" },
                shares,
                if shares == 1 { "" } else { "s" }
            ),
            json!({ "reason": why, "roles": roles, "teams": teams, "shares": shares }),
        );
    }
    Outcome::Evaluated
}
