//! `findings.csv` and `access-review.csv` (CLI.md, "Other outputs"). Every text value is neutralized against
//! spreadsheet formulas.

use std::collections::HashMap;
use std::io::Write;

use super::neutralize_formula;
use crate::access::{Engine, PRIVILEGED_MISCELLANEOUS};
use crate::model::{Depth, Right};
use crate::policy::{Analysis, FindingStatus};

fn writer(out: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new().buffer_capacity(1 << 16).from_writer(out)
}

fn record<'a>(fields: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    fields.into_iter().map(|f| neutralize_formula(f).into_owned()).collect()
}

pub fn status_name(s: FindingStatus) -> &'static str {
    match s {
        FindingStatus::New => "new",
        FindingStatus::Unchanged => "unchanged",
        FindingStatus::Waived => "waived",
    }
}

/// `severity, rule, title, subject_kind, subject_id, subject_name, message, status, fingerprint`, in report order.
pub fn write_findings(out: &mut dyn Write, analysis: &Analysis) -> std::io::Result<()> {
    let mut w = writer(out);
    w.write_record([
        "severity",
        "rule",
        "title",
        "subject_kind",
        "subject_id",
        "subject_name",
        "message",
        "status",
        "fingerprint",
    ])?;
    for j in &analysis.findings {
        let f = &j.finding;
        w.write_record(record([
            f.severity.name(),
            f.rule,
            f.title,
            f.subject.kind.name(),
            &f.subject.id,
            &f.subject.name,
            &f.message,
            status_name(j.status),
            &f.fingerprint,
        ]))?;
    }
    w.flush()
}

/// High-risk (CLI.md): the privileged list of ACCESS-MODEL.md, plus Create, Write, Delete, Share and Assign at Global.
fn is_high_risk(engine: &Engine, privilege: u32, depth: Depth) -> bool {
    let info = &engine.catalog[privilege as usize];
    PRIVILEGED_MISCELLANEOUS
        .iter()
        .any(|m| m.eq_ignore_ascii_case(&info.name))
        || (depth == Depth::Global
            && matches!(
                info.right,
                Some(Right::Create | Right::Write | Right::Delete | Right::Share | Right::Assign)
            ))
}

/// The review pack: one row per enabled user and role path, sorted by business unit name, user, path, with
/// `decision` and `comment` left empty for the reviewer (keep / revoke).
pub fn write_access_review(out: &mut dyn Write, engine: &Engine) -> std::io::Result<()> {
    let t = engine.tenant;
    let mut w = writer(out);
    w.write_record([
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
    ])?;
    let bu_name = |id| t.business_unit(id).map_or_else(|| id.to_string(), |b| b.name.clone());
    let mut rows: Vec<(String, String, String, Vec<String>)> = Vec::new();
    // High-risk privileges per grant set and assignment, computed once per grant set.
    let mut high_risk: HashMap<(u32, u16), Vec<&str>> = HashMap::new();
    for (s, set) in engine.grant_sets.iter().enumerate() {
        for h in &set.held {
            if !is_high_risk(engine, h.privilege, h.depth) {
                continue;
            }
            for g in set.grants(h).iter().filter(|g| g.depth == h.depth) {
                high_risk
                    .entry((s as u32, g.assignment))
                    .or_default()
                    .push(&engine.catalog[h.privilege as usize].name);
            }
        }
    }
    for (u, user) in t.users.iter().enumerate() {
        let Some(s) = engine.user_grant_set[u] else { continue };
        let set = &engine.grant_sets[s as usize];
        let bu = bu_name(user.business_unit);
        let manager = user
            .manager
            .and_then(|m| t.user(m))
            .map(|m| m.display_name())
            .unwrap_or_default();
        let last = t
            .audit
            .by_user
            .get(&user.id.0)
            .and_then(|a| a.last_activity)
            .map(|l| l.to_string())
            .unwrap_or_default();
        let privileged = if set.privileged.is_empty() { "no" } else { "yes" };
        // One row: the user's columns, then the role path's.
        let row = |path: String, role: String, role_bu: String, via: String, risky: String| {
            let fields = vec![
                bu.clone(),
                manager.clone(),
                user.id.to_string(),
                user.display_name(),
                user.full_name.clone().unwrap_or_default(),
                user.access_mode.label().to_string(),
                role,
                role_bu,
                via,
                privileged.to_string(),
                risky,
                last.clone(),
                String::new(),
                String::new(),
            ];
            (bu.clone(), user.display_name(), path, fields)
        };
        let mut paths: Vec<(String, usize)> = set
            .assignments
            .iter()
            .enumerate()
            .map(|(i, a)| (engine.path(a), i))
            .collect();
        paths.sort();
        if paths.is_empty() {
            rows.push(row(
                String::new(),
                String::new(),
                String::new(),
                "no role".to_string(),
                String::new(),
            ));
            continue;
        }
        for (path, i) in paths {
            let a = &set.assignments[i];
            let role = &t.roles[a.role as usize];
            let mut risky: Vec<&str> = high_risk.get(&(s, i as u16)).cloned().unwrap_or_default();
            risky.sort_unstable();
            risky.dedup();
            let risky_text = if risky.len() > 20 {
                format!("{} (+{} more)", risky[..20].join(";"), risky.len() - 20)
            } else {
                risky.join(";")
            };
            let via = match a.team {
                None => "direct".to_string(),
                Some(team) => format!("team:{}", t.teams[team as usize].name),
            };
            rows.push(row(
                path,
                role.name.clone(),
                bu_name(role.business_unit),
                via,
                risky_text,
            ));
        }
    }
    rows.sort_by(|a, b| (&a.0, &a.1, &a.2, &a.3[2]).cmp(&(&b.0, &b.1, &b.2, &b.3[2])));
    for (_, _, _, fields) in rows {
        w.write_record(record(fields.iter().map(String::as_str)))?;
    }
    w.flush()
}
