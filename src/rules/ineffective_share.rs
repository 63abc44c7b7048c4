//! `ineffective-share`: shared rights that cannot be used because the principal lacks the privilege: they look
//! like access in the admin UI and are not, and they hide what was meant.

use rayon::prelude::*;
use serde::Serialize;

use super::{Context, Findings, Outcome};
use crate::access::shares::{right_names, IneffectiveShare};
use crate::finding::{Evidence, Finding, Subject, SubjectKind};
use crate::id::{Guid, TeamId, UserId};
use crate::model::PrincipalKind;

/// The evidence of one finding.
#[derive(Serialize)]
struct Unusable<'a> {
    table: &'a str,
    rights: &'a [&'static str],
    records: u64,
    examples: &'a [Guid],
}

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    // A large tenant has hundreds of thousands of these: they are written on every core.
    let found: Vec<Finding> = cx
        .engine
        .ineffective_shares()
        .par_iter()
        .with_min_len(256)
        .filter_map(|s| finding(cx, out, s))
        .collect();
    out.extend(found);
    Outcome::Evaluated
}

fn finding(cx: &Context, out: &Findings, s: &IneffectiveShare) -> Option<Finding> {
    let t = cx.tenant;
    let (kind, user) = match s.principal_kind {
        PrincipalKind::User => {
            let &u = t.index.users.get(&UserId(s.principal))?;
            if cx.is_excluded(u) {
                return None;
            }
            (SubjectKind::User, Some(u))
        }
        PrincipalKind::Team => (SubjectKind::Team, None),
    };
    let mut f = if cx.details() {
        let name = match user {
            Some(u) => t.users[u].display_name(),
            None => t.team(TeamId(s.principal)).map_or_else(String::new, |x| x.name.clone()),
        };
        let rights = right_names(s.rights);
        let who = if kind == SubjectKind::Team { "no enabled member of the team holds" } else { "they do not hold" };
        let message = format!(
            "{} shared with {name} on {} {} record{} cannot be used: {who} the matching privilege{} on {}.",
            rights.join(", "),
            s.records,
            s.table,
            if s.records == 1 { "" } else { "s" },
            if rights.len() == 1 { "" } else { "s" },
            s.table
        );
        let evidence = Evidence::of(&Unusable { table: s.table, rights: &rights, records: s.records, examples: &s.examples });
        out.finding(Subject::new(kind, s.principal.to_string(), name), message, evidence)
    } else {
        out.finding(Subject::new(kind, s.principal.to_string(), String::new()), String::new(), Evidence::null())
    };
    f.discriminator = s.table.to_string();
    Some(f)
}
