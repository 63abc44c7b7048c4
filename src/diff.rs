//! `dvposture diff OLD NEW`: what changed between two reports of the same environment, for periodic access
//! reviews: findings new and resolved, users who became privileged, role privileges whose depth rose or fell
//! (one item per role and privilege, with the users it affects), users, roles, memberships and role
//! assignments added or removed, and share counts per principal.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use crate::finding::Severity;
use crate::report::markdown::md_text;

#[derive(Debug, Serialize)]
pub struct FindingChange {
    pub rule: String,
    pub severity: String,
    pub subject: Value,
    pub message: String,
    pub fingerprint: String,
}

#[derive(Debug, Serialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct PrivilegeChange {
    pub role: Named,
    pub privilege: String,
    /// `None`: the role did not grant it.
    pub from: Option<String>,
    pub to: Option<String>,
    /// `rose`, `fell`, `added` or `removed`.
    pub change: &'static str,
    /// Users holding the role (in the later report; in the earlier one for a removed privilege).
    pub users: u64,
}

#[derive(Debug, Serialize)]
pub struct Pair {
    pub user: Named,
    pub other: Named,
}

#[derive(Debug, Serialize)]
pub struct ShareChange {
    pub principal: String,
    pub from: u64,
    pub to: u64,
}

#[derive(Debug, Serialize, Default)]
pub struct Diff {
    pub environment: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub new_findings: Vec<FindingChange>,
    pub resolved_findings: Vec<FindingChange>,
    pub newly_privileged: Vec<Named>,
    pub no_longer_privileged: Vec<Named>,
    pub privilege_changes: Vec<PrivilegeChange>,
    pub users_added: Vec<Named>,
    pub users_removed: Vec<Named>,
    pub roles_added: Vec<Named>,
    pub roles_removed: Vec<Named>,
    pub memberships_added: Vec<Pair>,
    pub memberships_removed: Vec<Pair>,
    pub assignments_added: Vec<Pair>,
    pub assignments_removed: Vec<Pair>,
    pub shares_total: (u64, u64),
    pub share_changes: Vec<ShareChange>,
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn by_id(v: &Value, list: &str) -> BTreeMap<String, Value> {
    v["inventory"][list]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| (s(&x["id"]), x.clone()))
        .collect()
}

fn depth_rank(d: &str) -> u8 {
    match d {
        "Basic" => 1,
        "Local" => 2,
        "Deep" => 3,
        "Global" => 4,
        _ => 0,
    }
}

fn findings(v: &Value) -> BTreeMap<String, &Value> {
    v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| (s(&f["fingerprint"]), f))
        .collect()
}

fn change(f: &Value) -> FindingChange {
    FindingChange {
        rule: s(&f["rule"]),
        severity: s(&f["severity"]),
        subject: f["subject"].clone(),
        message: s(&f["message"]),
        fingerprint: s(&f["fingerprint"]),
    }
}

/// Compares two reports; an error when they are of different environments or schema versions.
pub fn diff(old: &Value, new: &Value) -> Result<Diff, String> {
    let (va, vb) = (old["schema_version"].as_u64(), new["schema_version"].as_u64());
    if va.is_none() || vb.is_none() {
        return Err("both files must be dvposture report.json files (no schema_version)".into());
    }
    if va != vb {
        return Err(format!(
            "the reports have different schema versions ({} and {})",
            va.unwrap_or(0),
            vb.unwrap_or(0)
        ));
    }
    let (ea, eb) = (
        crate::policy::report_environment(old),
        crate::policy::report_environment(new),
    );
    if ea != eb {
        return Err(format!(
            "the reports are of different environments ({} and {})",
            ea.as_deref().unwrap_or("unknown"),
            eb.as_deref().unwrap_or("unknown")
        ));
    }
    let mut d = Diff {
        environment: new["environment"]["name"].as_str().map(str::to_string),
        from: old["generated_at"].as_str().map(str::to_string),
        to: new["generated_at"].as_str().map(str::to_string),
        ..Default::default()
    };
    let (fa, fb) = (findings(old), findings(new));
    d.new_findings = fb
        .iter()
        .filter(|(k, _)| !fa.contains_key(*k))
        .map(|(_, f)| change(f))
        .collect();
    d.resolved_findings = fa
        .iter()
        .filter(|(k, _)| !fb.contains_key(*k))
        .map(|(_, f)| change(f))
        .collect();
    let order = |x: &FindingChange| {
        (
            std::cmp::Reverse(Severity::parse(&x.severity)),
            x.rule.clone(),
            x.subject["id"].as_str().unwrap_or_default().to_string(),
        )
    };
    d.new_findings.sort_by_key(order);
    d.resolved_findings.sort_by_key(order);

    let (ua, ub) = (by_id(old, "users"), by_id(new, "users"));
    let named = |u: &Value| Named {
        id: s(&u["id"]),
        name: s(&u["name"]),
    };
    for (id, u) in &ub {
        match ua.get(id) {
            None => d.users_added.push(named(u)),
            Some(before) => {
                let (p0, p1) = (
                    before["privileged"].as_bool().unwrap_or(false),
                    u["privileged"].as_bool().unwrap_or(false),
                );
                if p1 && !p0 {
                    d.newly_privileged.push(named(u));
                } else if p0 && !p1 {
                    d.no_longer_privileged.push(named(u));
                }
            }
        }
    }
    d.users_removed = ua
        .iter()
        .filter(|(id, _)| !ub.contains_key(*id))
        .map(|(_, u)| named(u))
        .collect();
    let (ra, rb) = (by_id(old, "roles"), by_id(new, "roles"));
    let role_name = |id: &str| {
        rb.get(id)
            .or_else(|| ra.get(id))
            .map(|r| s(&r["name"]))
            .unwrap_or_else(|| id.to_string())
    };
    d.roles_added = rb
        .iter()
        .filter(|(id, _)| !ra.contains_key(*id))
        .map(|(_, r)| named(r))
        .collect();
    d.roles_removed = ra
        .iter()
        .filter(|(id, _)| !rb.contains_key(*id))
        .map(|(_, r)| named(r))
        .collect();

    // Users holding each root role (any path), in each report.
    let holders = |users: &BTreeMap<String, Value>| {
        let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (id, u) in users {
            for r in u["roles"].as_array().into_iter().flatten() {
                m.entry(s(&r["role"])).or_default().insert(id.clone());
            }
        }
        m
    };
    let (ha, hb) = (holders(&ua), holders(&ub));
    for (id, role) in &rb {
        let Some(before) = ra.get(id) else { continue };
        let privs = |r: &Value| -> BTreeMap<String, String> {
            r["privileges"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), s(v)))
                .collect()
        };
        let (pa, pb) = (privs(before), privs(role));
        for name in pa.keys().chain(pb.keys()).collect::<BTreeSet<_>>() {
            let (from, to) = (pa.get(name), pb.get(name));
            let change = match (from, to) {
                (Some(a), Some(b)) if depth_rank(b) > depth_rank(a) => "rose",
                (Some(a), Some(b)) if depth_rank(b) < depth_rank(a) => "fell",
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                _ => continue,
            };
            let users = if change == "removed" { ha.get(id) } else { hb.get(id) }.map_or(0, |u| u.len() as u64);
            d.privilege_changes.push(PrivilegeChange {
                role: Named {
                    id: id.clone(),
                    name: role_name(id),
                },
                privilege: name.clone(),
                from: from.cloned(),
                to: to.cloned(),
                change,
                users,
            });
        }
    }
    // Memberships and assignments, as (user, team) and (user, role via) pairs.
    let pairs = |users: &BTreeMap<String, Value>, what: &str| -> BTreeSet<(String, String)> {
        let mut set = BTreeSet::new();
        for (id, u) in users {
            for x in u[what].as_array().into_iter().flatten() {
                let other = if what == "teams" {
                    s(x)
                } else {
                    format!("{}|{}|{}", s(&x["role"]), s(&x["business_unit"]), s(&x["via"]))
                };
                set.insert((id.clone(), other));
            }
        }
        set
    };
    let user_name = |id: &str| {
        ub.get(id)
            .or_else(|| ua.get(id))
            .map(|u| s(&u["name"]))
            .unwrap_or_default()
    };
    let (ta, tb) = (by_id(old, "teams"), by_id(new, "teams"));
    let team_name = |id: &str| {
        tb.get(id)
            .or_else(|| ta.get(id))
            .map(|t| s(&t["name"]))
            .unwrap_or_else(|| id.to_string())
    };
    let to_pair = |(u, o): &(String, String), teams: bool| Pair {
        user: Named {
            id: u.clone(),
            name: user_name(u),
        },
        other: if teams {
            Named {
                id: o.clone(),
                name: team_name(o),
            }
        } else {
            let mut parts = o.split('|');
            let role = parts.next().unwrap_or_default().to_string();
            let via = parts.nth(1).unwrap_or_default();
            let via = if via == "direct" {
                "direct".to_string()
            } else {
                format!("team {}", team_name(via))
            };
            Named {
                name: format!("{} ({via})", role_name(&role)),
                id: role,
            }
        },
    };
    let (ma, mb) = (pairs(&ua, "teams"), pairs(&ub, "teams"));
    d.memberships_added = mb.difference(&ma).map(|p| to_pair(p, true)).collect();
    d.memberships_removed = ma.difference(&mb).map(|p| to_pair(p, true)).collect();
    let (aa, ab) = (pairs(&ua, "roles"), pairs(&ub, "roles"));
    d.assignments_added = ab.difference(&aa).map(|p| to_pair(p, false)).collect();
    d.assignments_removed = aa.difference(&ab).map(|p| to_pair(p, false)).collect();

    let shares = |v: &Value| -> BTreeMap<String, u64> {
        v["inventory"]["shares"]["by_principal"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0)))
            .collect()
    };
    let (sa, sb) = (shares(old), shares(new));
    d.shares_total = (
        old["inventory"]["shares"]["total"].as_u64().unwrap_or(0),
        new["inventory"]["shares"]["total"].as_u64().unwrap_or(0),
    );
    for p in sa.keys().chain(sb.keys()).collect::<BTreeSet<_>>() {
        let (from, to) = (sa.get(p).copied().unwrap_or(0), sb.get(p).copied().unwrap_or(0));
        if from != to {
            d.share_changes.push(ShareChange {
                principal: p.clone(),
                from,
                to,
            });
        }
    }
    d.share_changes.sort_by(|a, b| {
        (b.to.abs_diff(b.from))
            .cmp(&a.to.abs_diff(a.from))
            .then(a.principal.cmp(&b.principal))
    });
    Ok(d)
}

impl Diff {
    /// `--fail-on`: new findings at that severity or above, or any user who became privileged.
    pub fn gate(&self, fail_on: Severity) -> Vec<String> {
        let mut reasons = Vec::new();
        let n = self
            .new_findings
            .iter()
            .filter(|f| Severity::parse(&f.severity).is_some_and(|s| s >= fail_on))
            .count();
        if n > 0 {
            reasons.push(format!(
                "{n} new finding{} at {} or above",
                if n == 1 { "" } else { "s" },
                fail_on.name()
            ));
        }
        if !self.newly_privileged.is_empty() {
            reasons.push(format!(
                "{} user{} became privileged",
                self.newly_privileged.len(),
                if self.newly_privileged.len() == 1 { "" } else { "s" }
            ));
        }
        reasons
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "## dvposture diff: {}\n",
            md_text(self.environment.as_deref().unwrap_or("environment"))
        );
        let _ = writeln!(
            out,
            "From {} to {}\n",
            self.from.as_deref().unwrap_or("?"),
            self.to.as_deref().unwrap_or("?")
        );
        let section = |out: &mut String, title: &str, lines: Vec<String>| {
            if lines.is_empty() {
                return;
            }
            let _ = writeln!(out, "### {title} ({})\n", lines.len());
            for l in lines.iter().take(200) {
                let _ = writeln!(out, "- {l}");
            }
            if lines.len() > 200 {
                let _ = writeln!(out, "- … and {} more (`--format json` lists all)", lines.len() - 200);
            }
            out.push('\n');
        };
        let f = |x: &FindingChange| {
            format!(
                "**{}** `{}` {}: {}",
                x.severity,
                x.rule,
                md_text(x.subject["name"].as_str().unwrap_or_default()),
                md_text(&x.message)
            )
        };
        section(&mut out, "New findings", self.new_findings.iter().map(f).collect());
        section(
            &mut out,
            "Resolved findings",
            self.resolved_findings.iter().map(f).collect(),
        );
        let n = |x: &Named| format!("{} (`{}`)", md_text(&x.name), x.id);
        section(
            &mut out,
            "Users who became privileged",
            self.newly_privileged.iter().map(n).collect(),
        );
        section(
            &mut out,
            "Users no longer privileged",
            self.no_longer_privileged.iter().map(n).collect(),
        );
        section(
            &mut out,
            "Role privileges changed",
            self.privilege_changes
                .iter()
                .map(|c| {
                    format!(
                        "{} `{}`: {} {} → {} ({} user{})",
                        md_text(&c.role.name),
                        c.privilege,
                        c.change,
                        c.from.as_deref().unwrap_or("none"),
                        c.to.as_deref().unwrap_or("none"),
                        c.users,
                        if c.users == 1 { "" } else { "s" }
                    )
                })
                .collect(),
        );
        section(&mut out, "Users added", self.users_added.iter().map(n).collect());
        section(&mut out, "Users removed", self.users_removed.iter().map(n).collect());
        section(&mut out, "Roles added", self.roles_added.iter().map(n).collect());
        section(&mut out, "Roles removed", self.roles_removed.iter().map(n).collect());
        let p = |x: &Pair| format!("{} → {}", md_text(&x.user.name), md_text(&x.other.name));
        section(
            &mut out,
            "Role assignments added",
            self.assignments_added.iter().map(p).collect(),
        );
        section(
            &mut out,
            "Role assignments removed",
            self.assignments_removed.iter().map(p).collect(),
        );
        section(
            &mut out,
            "Team memberships added",
            self.memberships_added.iter().map(p).collect(),
        );
        section(
            &mut out,
            "Team memberships removed",
            self.memberships_removed.iter().map(p).collect(),
        );
        if self.shares_total.0 != self.shares_total.1 || !self.share_changes.is_empty() {
            let _ = writeln!(out, "### Shares: {} → {}\n", self.shares_total.0, self.shares_total.1);
            for c in self.share_changes.iter().take(20) {
                let _ = writeln!(out, "- `{}`: {} → {}", c.principal, c.from, c.to);
            }
            out.push('\n');
        }
        if !out.contains("###") {
            out.push_str("No changes.\n");
        }
        out
    }
}
