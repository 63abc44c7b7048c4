//! `report.json`: versioned wire structs (CLI.md), separate from the internal types, so that the format only
//! changes on purpose. Deterministic: everything is sorted, and the clock is passed in.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::access::Engine;
use crate::finding::{Confidence, Evidence, Severity, Subject};
use crate::ingest::{Export, TableInput};
use crate::model::{DanglingReference, Tenant};
use crate::policy::{Analysis, AppliedWaiver, FindingStatus, GateResult, WaiverNote, SCORE_FORMULA};
use crate::report::write_in_order;
use crate::rules::RuleStatus;
use crate::time::{Date, Timestamp};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
pub struct Report<'a> {
    pub schema_version: u32,
    pub tool: Tool,
    pub generated_at: Timestamp,
    pub as_of: Date,
    pub environment: EnvironmentWire,
    pub audit_window: Option<Window>,
    pub inputs: &'a [TableInput],
    pub summary: Summary,
    pub rules: Vec<RuleWire>,
    pub findings: Vec<FindingWire<'a>>,
    pub waivers: WaiversWire<'a>,
    /// The gate's verdict, when `--fail-on` or `--require-rules` was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<&'a GateResult>,
    pub inventory: Inventory,
    /// Rows that refer to ids the export does not hold (data quality).
    pub dangling_references: &'a [DanglingReference],
    /// Files in the export directory that are not a table of INPUT.md (not read).
    pub ignored_files: &'a [String],
}

#[derive(Serialize)]
pub struct RuleWire {
    pub id: &'static str,
    pub title: String,
    pub severity: Severity,
    pub status: RuleStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub findings: usize,
}

#[derive(Serialize)]
pub struct FindingWire<'a> {
    pub rule: &'static str,
    pub severity: Severity,
    pub confidence: Confidence,
    pub title: &'a str,
    pub message: &'a str,
    pub subject: &'a Subject,
    pub evidence: &'a Evidence,
    pub fingerprint: &'a str,
    pub status: FindingStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<&'a AppliedWaiver>,
}

impl FindingWire<'_> {
    /// The finding as `serde_json`'s pretty printer writes it inside report.json's `findings` (depth 2), the
    /// same bytes written faster ([`super::pretty`]). A waived finding, one in thousands, goes through serde.
    pub fn write_pretty(&self, buf: &mut Vec<u8>) -> std::io::Result<()> {
        use super::pretty::{push_new_line, push_reindented, push_string};
        if self.waiver.is_some() {
            return self
                .serialize(&mut serde_json::Serializer::with_formatter(&mut *buf, Pretty::at(2)))
                .map_err(std::io::Error::other);
        }
        let member = |buf: &mut Vec<u8>, depth: usize, key: &str, first: bool| {
            if !first {
                buf.push(b',');
            }
            push_new_line(buf, depth);
            push_string(buf, key);
            buf.extend_from_slice(b": ");
        };
        let texts = [
            ("rule", self.rule),
            ("severity", self.severity.name()),
            ("confidence", self.confidence.name()),
            ("title", self.title),
            ("message", self.message),
        ];
        buf.push(b'{');
        for (i, (key, value)) in texts.into_iter().enumerate() {
            member(buf, 3, key, i == 0);
            push_string(buf, value);
        }
        member(buf, 3, "subject", false);
        buf.push(b'{');
        let subject = [
            ("kind", self.subject.kind.name()),
            ("id", &self.subject.id),
            ("name", &self.subject.name),
        ];
        for (i, (key, value)) in subject.into_iter().enumerate() {
            member(buf, 4, key, i == 0);
            push_string(buf, value);
        }
        push_new_line(buf, 3);
        buf.push(b'}');
        member(buf, 3, "evidence", false);
        push_reindented(buf, self.evidence.text(), 3);
        member(buf, 3, "fingerprint", false);
        push_string(buf, self.fingerprint);
        member(buf, 3, "status", false);
        push_string(buf, self.status.name());
        push_new_line(buf, 2);
        buf.push(b'}');
        Ok(())
    }
}

#[derive(Serialize)]
pub struct WaiversWire<'a> {
    /// Waivers past their `expires` date: they no longer apply.
    pub expired: &'a [WaiverNote],
    /// Waivers that matched no finding.
    pub unmatched: &'a [WaiverNote],
}

#[derive(Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Serialize)]
pub struct EnvironmentWire {
    pub name: Option<String>,
    /// `environment.json` `name` (the environment id).
    pub id: Option<String>,
    pub organizationid: Option<String>,
    pub sku: Option<String>,
}

#[derive(Serialize)]
pub struct Window {
    pub from: Timestamp,
    pub to: Timestamp,
}

#[derive(Serialize)]
pub struct Summary {
    pub critical: u64,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    pub info: u64,
    pub waived: u64,
    pub score: u32,
    pub score_formula: &'static str,
    pub users: u64,
    pub enabled_users: u64,
    pub privileged_users: u64,
    /// (enabled user, privilege) pairs held at each depth.
    pub depth_counts: DepthCounts,
}

#[derive(Serialize, Default)]
pub struct DepthCounts {
    pub basic: u64,
    pub local: u64,
    pub deep: u64,
    pub global: u64,
}

#[derive(Serialize)]
pub struct Inventory {
    pub business_units: Vec<BusinessUnitWire>,
    pub users: Vec<UserWire>,
    pub roles: Vec<RoleWire>,
    pub teams: Vec<TeamWire>,
    pub shares: SharesWire,
}

#[derive(Serialize)]
pub struct BusinessUnitWire {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    pub disabled: bool,
    pub users: u64,
}

#[derive(Serialize)]
pub struct UserWire {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub business_unit: String,
    pub privileged: bool,
    pub roles: Vec<RoleAssignmentWire>,
    pub teams: Vec<String>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct RoleAssignmentWire {
    /// The root role's id.
    pub role: String,
    /// The business unit of the role copy that was assigned.
    pub business_unit: String,
    /// `direct`, or the id of the team that grants it.
    pub via: String,
}

#[derive(Serialize)]
pub struct RoleWire {
    pub id: String,
    pub name: String,
    pub managed: bool,
    pub copies: u64,
    pub privileges: BTreeMap<String, &'static str>,
}

#[derive(Serialize)]
pub struct TeamWire {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub team_type: i64,
    pub business_unit: String,
    pub members: u64,
}

#[derive(Serialize)]
pub struct SharesWire {
    pub total: u64,
    pub cascaded: u64,
    pub by_principal: BTreeMap<String, u64>,
}

/// What the report needs besides the export.
pub struct ReportContext {
    pub generated_at: Timestamp,
    pub as_of: Date,
}

pub fn build<'a>(export: &'a Export, engine: &Engine, analysis: &'a Analysis, ctx: &ReportContext) -> Report<'a> {
    build_with(export, engine, analysis, ctx, inventory(&export.tenant, engine))
}

/// [`build`] with the inventory computed beforehand ([`inventory`] needs no findings: it is computed while the
/// rules run).
pub fn build_with<'a>(
    export: &'a Export,
    engine: &Engine,
    analysis: &'a Analysis,
    ctx: &ReportContext,
    inventory: Inventory,
) -> Report<'a> {
    let t = &export.tenant;
    let environment = EnvironmentWire {
        name: t
            .environment
            .as_ref()
            .and_then(|e| e.display_name.clone().or_else(|| e.name.clone()))
            .or_else(|| t.organization.as_ref().and_then(|o| o.name.clone())),
        id: t.environment.as_ref().and_then(|e| e.name.clone()),
        organizationid: t.organization.as_ref().and_then(|o| o.id).map(|g| g.to_string()),
        sku: t.environment.as_ref().and_then(|e| e.sku.clone()),
    };
    let audit_window = match (t.audit.first, t.audit.last) {
        (Some(from), Some(to)) => Some(Window { from, to }),
        _ => None,
    };
    let [basic, local, deep, global] = engine.depth_counts();
    let summary = Summary {
        critical: analysis.count(Severity::Critical),
        high: analysis.count(Severity::High),
        medium: analysis.count(Severity::Medium),
        low: analysis.count(Severity::Low),
        info: analysis.count(Severity::Info),
        waived: analysis.waived(),
        score: analysis.score,
        score_formula: SCORE_FORMULA,
        users: t.users.len() as u64,
        enabled_users: t.users.iter().filter(|u| t.is_enabled(u)).count() as u64,
        privileged_users: (0..t.users.len()).filter(|&u| engine.is_privileged(u)).count() as u64,
        depth_counts: DepthCounts {
            basic,
            local,
            deep,
            global,
        },
    };
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "dvposture",
            version: env!("CARGO_PKG_VERSION"),
        },
        generated_at: ctx.generated_at,
        as_of: ctx.as_of,
        environment,
        audit_window,
        inputs: &export.inputs,
        summary,
        rules: analysis
            .rules
            .iter()
            .map(|r| {
                let meta = crate::rules::meta(r.id);
                RuleWire {
                    id: r.id,
                    title: meta.map(|m| m.title.clone()).unwrap_or_default(),
                    severity: meta.map_or(Severity::Info, |m| m.severity),
                    status: r.status.clone(),
                    reason: r.reason.clone(),
                    findings: r.finding_count,
                }
            })
            .collect(),
        findings: analysis
            .findings
            .iter()
            .map(|j| FindingWire {
                rule: j.finding.rule,
                severity: j.finding.severity,
                confidence: j.finding.confidence,
                title: j.finding.title,
                message: &j.finding.message,
                subject: &j.finding.subject,
                evidence: &j.finding.evidence,
                fingerprint: &j.finding.fingerprint,
                status: j.status,
                waiver: j.waiver.as_ref(),
            })
            .collect(),
        waivers: WaiversWire {
            expired: &analysis.expired_waivers,
            unmatched: &analysis.unmatched_waivers,
        },
        gate: None,
        inventory,
        dangling_references: &t.dangling,
        ignored_files: &export.ignored_files,
    }
}

/// report.json without its findings: the whole document as `serde_json::to_writer_pretty` writes it, split
/// where the findings go. Made while the report can still be changed (its findings are taken out for it), it
/// is written with them by [`Frame::write`], which needs only a shared borrow of the report.
pub struct Frame {
    text: Vec<u8>,
    /// Where the findings go: after the `[` of the `findings` member.
    at: usize,
}

impl Frame {
    pub fn of(report: &mut Report) -> std::io::Result<Frame> {
        let findings = std::mem::take(&mut report.findings);
        let mut text = Vec::new();
        let serialized = serde_json::to_writer_pretty(&mut text, &*report);
        report.findings = findings;
        serialized?;
        // A JSON string never holds a line break, so this line is the `findings` member of the top-level object.
        const EMPTY: &[u8] = b"\n  \"findings\": []";
        let at = memchr::memmem::find(&text, EMPTY)
            .ok_or_else(|| std::io::Error::other("report.json has no findings member"))?
            + EMPTY.len()
            - 1;
        Ok(Frame { text, at })
    }

    /// Writes `report.json` as `serde_json::to_writer_pretty` would, and a newline: the findings (hundreds of
    /// thousands on a large tenant) rendered on every core, in order, inside the frame.
    pub fn write(&self, out: &mut dyn Write, report: &Report) -> std::io::Result<()> {
        out.write_all(&self.text[..self.at])?;
        if let Some((first, others)) = report.findings.split_first() {
            let finding = |f: &FindingWire, buf: &mut Vec<u8>| {
                buf.extend_from_slice(b"\n    ");
                f.write_pretty(buf)
            };
            let mut buf = Vec::new();
            finding(first, &mut buf)?;
            out.write_all(&buf)?;
            write_in_order(out, others, 1024, |part, buf| {
                part.iter().try_for_each(|f| {
                    buf.push(b',');
                    finding(f, buf)
                })
            })?;
            out.write_all(b"\n  ")?;
        }
        out.write_all(&self.text[self.at..])?;
        out.write_all(b"\n")
    }
}

/// serde_json's pretty formatter (two spaces a level) starting at a given depth, so that a value rendered on
/// its own reads exactly as it does inside the whole document.
struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    fn at(depth: usize) -> Pretty {
        Pretty {
            depth,
            has_value: false,
        }
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.new_line(w, true)?;
        }
        w.write_all(bracket)
    }

    fn new_line<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.new_line(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.new_line(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Business units, users, roles, teams and shares, for `inventory`.
pub fn inventory(t: &Tenant, engine: &Engine) -> Inventory {
    let mut users_per_bu: BTreeMap<_, u64> = BTreeMap::new();
    for u in &t.users {
        *users_per_bu.entry(u.business_unit).or_default() += 1;
    }
    let mut business_units: Vec<BusinessUnitWire> = t
        .business_units
        .iter()
        .map(|b| BusinessUnitWire {
            id: b.id.to_string(),
            name: b.name.clone(),
            parent: b.parent.map(|p| p.to_string()),
            disabled: b.disabled,
            users: users_per_bu.get(&b.id).copied().unwrap_or(0),
        })
        .collect();
    business_units.sort_by(|a, b| a.id.cmp(&b.id));

    let mut roles_of: std::collections::HashMap<_, Vec<_>> = Default::default();
    for (user, role) in &t.user_roles {
        roles_of.entry(*user).or_default().push((*role, None));
    }
    let mut team_roles: std::collections::HashMap<_, Vec<_>> = Default::default();
    for (team, role) in &t.team_roles {
        team_roles.entry(*team).or_default().push(*role);
    }
    let mut users: Vec<UserWire> = t
        .users
        .iter()
        .enumerate()
        .map(|(ui, u)| {
            // Explicit memberships and the business unit's default team, as the engine has them.
            let mut teams: Vec<_> = engine.user_teams[ui].iter().map(|&x| t.teams[x as usize].id).collect();
            teams.sort();
            let mut grants: Vec<_> = roles_of.get(&u.id).cloned().unwrap_or_default();
            for team in &teams {
                if t.team(*team).is_some_and(|x| x.team_type.carries_roles()) {
                    for role in team_roles.get(team).into_iter().flatten() {
                        grants.push((*role, Some(*team)));
                    }
                }
            }
            let mut roles: Vec<RoleAssignmentWire> = grants
                .into_iter()
                .filter_map(|(role, team)| {
                    let r = t.role(role)?;
                    Some(RoleAssignmentWire {
                        role: t.privilege_source(r).to_string(),
                        business_unit: r.business_unit.to_string(),
                        via: team.map_or_else(|| "direct".to_string(), |x| x.to_string()),
                    })
                })
                .collect();
            roles.sort();
            roles.dedup();
            UserWire {
                id: u.id.to_string(),
                name: u.display_name(),
                enabled: t.is_enabled(u),
                business_unit: u.business_unit.to_string(),
                privileged: engine.is_privileged(ui),
                roles,
                teams: teams.iter().map(|x| x.to_string()).collect(),
            }
        })
        .collect();
    users.sort_by(|a, b| a.id.cmp(&b.id));

    let mut copies: std::collections::HashMap<_, u64> = Default::default();
    for r in &t.roles {
        let source = t.privilege_source(r);
        if source != r.id {
            *copies.entry(source).or_default() += 1;
        }
    }
    let mut privileges_of: std::collections::HashMap<_, BTreeMap<String, &'static str>> = Default::default();
    for rp in &t.role_privileges {
        if let Some(p) = t.privilege(rp.privilege) {
            privileges_of
                .entry(rp.role)
                .or_default()
                .insert(p.name.clone(), rp.depth.name());
        }
    }
    let mut roles: Vec<RoleWire> = t
        .roles
        .iter()
        .filter(|r| t.privilege_source(r) == r.id)
        .map(|r| RoleWire {
            id: r.id.to_string(),
            name: r.name.clone(),
            managed: r.managed,
            copies: copies.get(&r.id).copied().unwrap_or(0),
            privileges: privileges_of.remove(&r.id).unwrap_or_default(),
        })
        .collect();
    roles.sort_by(|a, b| a.id.cmp(&b.id));

    let counts = engine.team_users.iter().map(|m| m.len() as u64);
    let mut teams: Vec<TeamWire> = t
        .teams
        .iter()
        .zip(counts)
        .map(|(x, members)| TeamWire {
            id: x.id.to_string(),
            name: x.name.clone(),
            team_type: x.team_type.code(),
            business_unit: x.business_unit.to_string(),
            members,
        })
        .collect();
    teams.sort_by(|a, b| a.id.cmp(&b.id));

    let mut by_principal: BTreeMap<String, u64> = BTreeMap::new();
    for (&(id, _kind), n) in t.shares.principals.iter().zip(t.shares.rows_per_principal()) {
        if n > 0 {
            *by_principal.entry(id.to_string()).or_default() += n;
        }
    }
    Inventory {
        business_units,
        users,
        roles,
        teams,
        shares: SharesWire {
            total: t.shares.rows.len() as u64,
            cascaded: t.shares.cascaded_count(),
            by_principal,
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::finding::SubjectKind;
    use crate::time::Date;

    #[test]
    fn a_finding_is_written_as_serde_json_writes_it_in_the_report() {
        let subject = Subject::new(SubjectKind::BusinessUnit, "0a1b", "Ops \"EMEA\"\n\u{1}é");
        let evidence = [
            Evidence::null(),
            Evidence::of(&json!({ "table": "account", "rights": ["Read"], "records": 3, "examples": [], "x": {} })),
            Evidence::of(&json!([{ "via": "team \\ \"A\"", "depth": 2.5 }, null, [[]]])),
        ];
        let waiver = AppliedWaiver {
            reason: "accepted \"risk\"".into(),
            expires: Date::parse("2027-01-31"),
        };
        for evidence in &evidence {
            for waiver in [None, Some(&waiver)] {
                for (severity, confidence, status) in [
                    (Severity::Critical, Confidence::High, FindingStatus::New),
                    (Severity::Info, Confidence::Low, FindingStatus::Unchanged),
                    (Severity::Medium, Confidence::Medium, FindingStatus::Waived),
                ] {
                    let f = FindingWire {
                        rule: "ineffective-share",
                        severity,
                        confidence,
                        title: "Shared rights the recipient cannot use",
                        message: "Read shared with \"x\" \t cannot be used.",
                        subject: &subject,
                        evidence,
                        fingerprint: "00ff",
                        status,
                        waiver,
                    };
                    let mut fast = Vec::new();
                    f.write_pretty(&mut fast).unwrap();
                    let mut serde = Vec::new();
                    f.serialize(&mut serde_json::Serializer::with_formatter(&mut serde, Pretty::at(2)))
                        .unwrap();
                    assert_eq!(String::from_utf8(fast).unwrap(), String::from_utf8(serde).unwrap());
                }
            }
        }
    }
}
