//! `excessive-sharing`: sharing used as the security model instead of the exception it is meant to be: too
//! many shares in total, records shared with many principals, principals with thousands of shared records.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde_json::json;

use super::{Context, Findings, Outcome};
use crate::finding::{Subject, SubjectKind};
use crate::id::{Guid, TeamId, UserId};
use crate::model::PrincipalKind;

pub fn check(cx: &Context, out: &mut Findings) -> Outcome {
    let t = cx.tenant;
    let shares = &t.shares;
    let max_total = cx.threshold_u64("max_total_shares");
    let max_per_record = cx.threshold_u64("max_shares_per_record");
    let max_per_principal = cx.threshold_u64("max_shared_records_per_principal");
    let principal_name = |id: Guid, kind: PrincipalKind| match kind {
        PrincipalKind::User => t.user(UserId(id)).map(|u| u.display_name()),
        PrincipalKind::Team => t.team(TeamId(id)).map(|x| x.name.clone()),
    }
    .unwrap_or_else(|| format!("{id} (not in the export)"));
    let excluded_principal = |id: Guid, kind: PrincipalKind| kind == PrincipalKind::User && t.index.users.get(&UserId(id)).is_some_and(|&u| cx.is_excluded(u));

    // Rows are sorted by record (object, table, ...), so a record's rows are adjacent. Only the records over the
    // threshold and the ten most shared are kept.
    let mut over: Vec<(Guid, u32, u64)> = Vec::new();
    let mut top_records: BinaryHeap<Reverse<(u64, Reverse<Guid>, u32)>> = BinaryHeap::new();
    let per_principal = shares.rows_per_principal();
    let mut principals: Vec<u32> = Vec::new();
    let mut i = 0;
    while i < shares.rows.len() {
        let (object, table) = (shares.rows[i].object, shares.rows[i].table);
        let mut j = i;
        principals.clear();
        while j < shares.rows.len() && shares.rows[j].object == object && shares.rows[j].table == table {
            principals.push(shares.rows[j].principal);
            j += 1;
        }
        principals.sort_unstable();
        principals.dedup();
        let n = principals.len() as u64;
        if n > max_per_record {
            over.push((object, table, n));
        }
        top_records.push(Reverse((n, Reverse(object), table)));
        if top_records.len() > 10 {
            top_records.pop();
        }
        i = j;
    }
    let total = shares.rows.len() as u64;
    let direct = shares.direct_count();
    let to_teams = shares.rows.iter().filter(|s| shares.principals[s.principal as usize].1 == PrincipalKind::Team).count() as u64;
    let mut top_records: Vec<(Guid, u32, u64)> = top_records.into_iter().map(|Reverse((n, Reverse(o), tb))| (o, tb, n)).collect();
    top_records.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let mut top_principals: Vec<(u32, u64)> = per_principal.into_iter().enumerate().filter(|(_, n)| *n > 0).map(|(p, n)| (p as u32, n)).collect();
    top_principals.sort_by(|a, b| b.1.cmp(&a.1).then(shares.principals[a.0 as usize].0.cmp(&shares.principals[b.0 as usize].0)));
    let top_records_json: Vec<_> = top_records.iter().take(10).map(|(o, tb, n)| json!({ "table": shares.tables[*tb as usize], "record": o, "principals": n })).collect();
    let top_principals_json: Vec<_> = top_principals
        .iter()
        .take(10)
        .map(|(p, n)| {
            let (id, kind) = shares.principals[*p as usize];
            json!({ "principal": id, "kind": kind, "name": principal_name(id, kind), "records": n })
        })
        .collect();
    let totals = json!({ "total": total, "direct": direct, "cascaded": total - direct, "to_users": total - to_teams, "to_teams": to_teams });

    if total > max_total {
        let f = out.add(
            cx.environment_subject(),
            format!("The environment holds {total} record shares (more than {max_total}): sharing this much slows every access check and replaces the role model with one nobody can review."),
            json!({ "shares": totals, "max_total_shares": max_total, "top_records": top_records_json, "top_principals": top_principals_json }),
        );
        f.discriminator = "total".into();
    }
    for (object, table, n) in &over {
        if *n > max_per_record {
            let table = &shares.tables[*table as usize];
            let f = out.add(
                Subject::new(SubjectKind::Record, object.to_string(), format!("{table} {object}")),
                format!("The {table} record {object} is shared with {n} principals (more than {max_per_record}): give access through a team or the role model instead."),
                json!({ "table": table, "record": object, "principals": n, "max_shares_per_record": max_per_record, "shares": totals, "top_records": top_records_json }),
            );
            f.discriminator = "record".into();
        }
    }
    for (p, n) in &top_principals {
        if *n <= max_per_principal {
            break;
        }
        let (id, kind) = shares.principals[*p as usize];
        if excluded_principal(id, kind) {
            continue;
        }
        let subject_kind = if kind == PrincipalKind::User { SubjectKind::User } else { SubjectKind::Team };
        let name = principal_name(id, kind);
        let direct_for = shares.rows.iter().filter(|s| s.principal == *p && s.is_direct()).count() as u64;
        let f = out.add(
            Subject::new(subject_kind, id.to_string(), name.clone()),
            format!("{name} has {n} shared records (more than {max_per_principal}): access this broad belongs in a security role, where it can be reviewed."),
            json!({ "records": n, "direct": direct_for, "cascaded": n - direct_for, "max_shared_records_per_principal": max_per_principal, "shares": totals, "top_principals": top_principals_json }),
        );
        f.discriminator = "principal".into();
    }
    Outcome::Evaluated
}
