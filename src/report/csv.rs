//! `findings.csv` and `access-review.csv` (CLI.md, "Other outputs"). Every text value is neutralized against
//! spreadsheet formulas.

use std::io::Write;

use rayon::prelude::*;

use super::{push_csv_texts, write_in_order};
use crate::access::{Engine, GrantSet, PRIVILEGED_MISCELLANEOUS};
use crate::id::BusinessUnitId;
use crate::model::{Depth, Right};
use crate::policy::{Analysis, FindingStatus};

pub fn status_name(s: FindingStatus) -> &'static str {
    match s {
        FindingStatus::New => "new",
        FindingStatus::Unchanged => "unchanged",
        FindingStatus::Waived => "waived",
    }
}

/// `severity, rule, title, subject_kind, subject_id, subject_name, message, status, fingerprint`, in report order.
pub fn write_findings(out: &mut dyn Write, analysis: &Analysis) -> std::io::Result<()> {
    out.write_all(FINDINGS_HEADER.join(",").as_bytes())?;
    out.write_all(b"\n")?;
    write_in_order(out, &analysis.findings, 4096, |findings, buf| {
        for j in findings {
            let f = &j.finding;
            push_csv_texts(
                buf,
                [
                    f.severity.name(),
                    f.rule,
                    f.title,
                    f.subject.kind.name(),
                    &f.subject.id,
                    &f.subject.name,
                    &f.message,
                    status_name(j.status),
                    &f.fingerprint,
                ],
            );
            buf.push(b'\n');
        }
        Ok(())
    })?;
    out.flush()
}

const FINDINGS_HEADER: [&str; 9] = [
    "severity",
    "rule",
    "title",
    "subject_kind",
    "subject_id",
    "subject_name",
    "message",
    "status",
    "fingerprint",
];

const ACCESS_REVIEW_HEADER: [&str; 14] = [
    "business_unit",
    "manager",
    "systemuserid",
    "user",
    "fullname",
    "accessmode",
    "role",
    "role_business_unit",
    "via",
    "privileged",
    "high_risk_privileges",
    "last_activity",
    "decision",
    "comment",
];

/// High-risk (CLI.md): the privileged list of ACCESS-MODEL.md, plus Create, Write, Delete, Share and Assign at
/// Global. Per privilege of the catalog: whether it is high-risk at any depth, and whether at Global.
fn high_risk(engine: &Engine) -> Vec<(bool, bool)> {
    engine
        .catalog
        .iter()
        .map(|info| {
            let always = PRIVILEGED_MISCELLANEOUS
                .iter()
                .any(|m| m.eq_ignore_ascii_case(&info.name));
            let at_global = matches!(
                info.right,
                Some(Right::Create | Right::Write | Right::Delete | Right::Share | Right::Assign)
            );
            (always, always || at_global)
        })
        .collect()
}

/// A grant set's rows of the review pack, sorted by role path: the path, and the cells `role,
/// role_business_unit, via, privileged, high_risk_privileges` (the same for every user of the set).
fn role_rows(engine: &Engine, set: &GrantSet, high_risk: &[(bool, bool)]) -> Vec<(String, Vec<u8>)> {
    let t = engine.tenant;
    let privileged = if set.privileged.is_empty() { "no" } else { "yes" };
    let mut risky: Vec<Vec<&str>> = vec![Vec::new(); set.assignments.len()];
    for h in &set.held {
        let (always, at_global) = high_risk[h.privilege as usize];
        if !(always || (at_global && h.depth == Depth::Global)) {
            continue;
        }
        for g in set.grants(h).iter().filter(|g| g.depth == h.depth) {
            risky[g.assignment as usize].push(&engine.catalog[h.privilege as usize].name);
        }
    }
    let mut paths: Vec<(String, usize)> = set
        .assignments
        .iter()
        .enumerate()
        .map(|(i, a)| (engine.path(a), i))
        .collect();
    paths.sort();
    if paths.is_empty() {
        let mut cells = Vec::new();
        push_csv_texts(&mut cells, ["", "", "no role", privileged, ""]);
        return vec![(String::new(), cells)];
    }
    paths
        .into_iter()
        .map(|(path, i)| {
            let a = &set.assignments[i];
            let role = &t.roles[a.role as usize];
            let risky = &mut risky[i];
            risky.sort_unstable();
            risky.dedup();
            let risky = if risky.len() > 20 {
                format!("{} (+{} more)", risky[..20].join(";"), risky.len() - 20)
            } else {
                risky.join(";")
            };
            let via = match a.team {
                None => "direct".to_string(),
                Some(team) => format!("team:{}", t.teams[team as usize].name),
            };
            let mut cells = Vec::new();
            push_csv_texts(
                &mut cells,
                [
                    &role.name,
                    &business_unit_name(engine, role.business_unit),
                    &via,
                    privileged,
                    &risky,
                ],
            );
            (path, cells)
        })
        .collect()
}

fn business_unit_name(engine: &Engine, id: BusinessUnitId) -> String {
    engine
        .tenant
        .business_unit(id)
        .map_or_else(|| id.to_string(), |b| b.name.clone())
}

/// The review pack: one row per enabled user and role path, sorted by business unit name, user, path (then user
/// id), with `decision` and `comment` left empty for the reviewer (keep / revoke).
pub fn write_access_review(out: &mut dyn Write, engine: &Engine) -> std::io::Result<()> {
    let t = engine.tenant;
    out.write_all(ACCESS_REVIEW_HEADER.join(",").as_bytes())?;
    out.write_all(b"\n")?;
    // The role columns are those of the user's grant set: rendered once per set.
    let high_risk = high_risk(engine);
    let role_rows: Vec<Vec<(String, Vec<u8>)>> = engine
        .grant_sets
        .par_iter()
        .map(|set| role_rows(engine, set, &high_risk))
        .collect();
    // Users by business unit name and user name (stable: ties keep the export's order).
    let mut users: Vec<(String, String, usize)> = (0..t.users.len())
        .into_par_iter()
        .filter(|&u| engine.user_grant_set[u].is_some())
        .map(|u| {
            let user = &t.users[u];
            (business_unit_name(engine, user.business_unit), user.display_name(), u)
        })
        .collect();
    users.par_sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    // Users of one business unit with one name have their rows merged by path, then user id.
    let groups: Vec<&[(String, String, usize)]> = users.chunk_by(|a, b| (&a.0, &a.1) == (&b.0, &b.1)).collect();
    let user_cells = |(bu, name, u): &(String, String, usize)| -> (Vec<u8>, Vec<u8>) {
        let user = &t.users[*u];
        let manager = user
            .manager
            .and_then(|m| t.user(m))
            .map(|m| m.display_name())
            .unwrap_or_default();
        let mut before = Vec::new();
        push_csv_texts(
            &mut before,
            [
                bu.as_str(),
                &manager,
                &user.id.to_string(),
                name,
                user.full_name.as_deref().unwrap_or_default(),
                user.access_mode.label(),
            ],
        );
        before.push(b',');
        let last = t
            .audit
            .by_user
            .get(&user.id.0)
            .and_then(|a| a.last_activity)
            .map(|l| l.to_string())
            .unwrap_or_default();
        let mut after = vec![b','];
        push_csv_texts(&mut after, [last.as_str(), "", ""]);
        after.push(b'\n');
        (before, after)
    };
    let rows_of = |u: usize| &role_rows[engine.user_grant_set[u].unwrap_or_default() as usize];
    write_in_order(out, &groups, 512, |groups, buf| {
        for group in groups {
            // Users of one name are merged by path, then user id: in id order, their rows sorted stably by path.
            let mut members: Vec<&(String, String, usize)> = group.iter().collect();
            if members.len() > 1 {
                members.sort_by_cached_key(|m| t.users[m.2].id.to_string());
            }
            let cells: Vec<(Vec<u8>, Vec<u8>)> = members.iter().map(|m| user_cells(m)).collect();
            let mut rows: Vec<(&str, usize, &[u8])> = members
                .iter()
                .enumerate()
                .flat_map(|(i, m)| {
                    rows_of(m.2)
                        .iter()
                        .map(move |(path, role)| (path.as_str(), i, role.as_slice()))
                })
                .collect();
            if members.len() > 1 {
                rows.sort_by_key(|r| r.0);
            }
            for (_, i, role) in rows {
                buf.extend_from_slice(&cells[i].0);
                buf.extend_from_slice(role);
                buf.extend_from_slice(&cells[i].1);
            }
        }
        Ok(())
    })?;
    out.flush()
}
