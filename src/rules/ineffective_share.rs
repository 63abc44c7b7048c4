//! `ineffective-share`: shared rights that cannot be used because the principal lacks the privilege: they look
//! like access in the admin UI and are not, and they hide what was meant.

use serde_json::json;

use super::{Context, Findings, Outcome};
use crate::access::shares::right_names;
use crate::finding::{Subject, SubjectKind};
use crate::id::{TeamId, UserId};
use crate::model::PrincipalKind;

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let t = cx.tenant;
    for s in cx.engine.ineffective_shares() {
        let (kind, name) = match s.principal_kind {
            PrincipalKind::User => {
                let Some(&u) = t.index.users.get(&UserId(s.principal)) else { continue };
                if cx.is_excluded(u) {
                    continue;
                }
                (SubjectKind::User, t.users[u].display_name())
            }
            PrincipalKind::Team => (SubjectKind::Team, t.team(TeamId(s.principal)).map_or_else(String::new, |x| x.name.clone())),
        };
        let rights = right_names(s.rights);
        let who = if kind == SubjectKind::Team { "no enabled member of the team holds" } else { "they do not hold" };
        let f = out.add(
            Subject::new(kind, s.principal.to_string(), name.clone()),
            format!(
                "{} shared with {name} on {} {} record{} cannot be used: {who} the matching privilege{} on {}.",
                rights.join(", "),
                s.records,
                s.table,
                if s.records == 1 { "" } else { "s" },
                if rights.len() == 1 { "" } else { "s" },
                s.table
            ),
            json!({ "table": s.table, "rights": rights, "records": s.records, "examples": s.examples }),
        );
        f.discriminator = s.table.clone();
    }
    Outcome::Evaluated
}
