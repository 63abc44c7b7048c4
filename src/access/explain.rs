//! `dvposture access --user`: one user's effective access, explained (every privilege with its depth, reach and
//! the path that grants it; hierarchy reach; field security; shares), for the terminal and as JSON.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use super::fieldsec::FieldSecurity;
use super::hierarchy::{Hierarchy, HierarchyModel};
use super::shares::{right_names, ShareIndex, TableShares};
use super::{Engine, PrivilegedReason};
use crate::model::{Depth, Right, TeamType};

#[derive(Serialize)]
pub struct UserAccess {
    pub user: UserSummary,
    pub privileged: Vec<PrivilegedReason>,
    pub roles: Vec<RolePath>,
    pub privileges: Vec<PrivilegeLine>,
    pub hierarchy: Option<HierarchyReach>,
    pub field_security: FieldSecurity,
    /// Only with `--shares`.
    pub shares: Option<Vec<TableShares>>,
    pub notes: Vec<String>,
}

#[derive(Serialize)]
pub struct UserSummary {
    pub id: String,
    pub name: String,
    pub full_name: Option<String>,
    pub domain_name: Option<String>,
    pub enabled: bool,
    pub business_unit: Named,
    pub access_mode: &'static str,
    pub application_user: bool,
    pub teams: Vec<Named>,
}

#[derive(Serialize, Clone)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Serialize)]
pub struct RolePath {
    pub path: String,
    pub role: Named,
    /// The business unit of the role copy assigned (the anchor of its grants).
    pub business_unit: Named,
    pub team: Option<Named>,
    /// `isinherited` of the role: Basic privileges of a team role become the member's own.
    pub inherits_basic: bool,
    /// Through a Microsoft Entra group team: membership in the export is a snapshot that can be stale.
    pub via_group_team: bool,
}

#[derive(Serialize)]
pub struct PrivilegeLine {
    pub privilege: String,
    pub tables: Vec<String>,
    pub right: Option<&'static str>,
    pub depth: Depth,
    /// `<Depth>:<business unit id>` (ACCESS-MODEL.md).
    pub business_units: Vec<String>,
    pub via: Vec<String>,
    pub grants: Vec<GrantLine>,
}

#[derive(Serialize)]
pub struct GrantLine {
    pub depth: Depth,
    pub anchor: Named,
    pub path: String,
    pub team_records_only: bool,
}

#[derive(Serialize)]
pub struct HierarchyReach {
    pub model: HierarchyModel,
    pub max_depth: u32,
    /// Distinct users within the read depth (the span).
    pub span: usize,
    pub direct_reports: usize,
    /// Rights on the records of direct reports (where the manager holds them at Basic or more) and below.
    pub direct_rights: Vec<&'static str>,
    pub deeper_rights: Vec<&'static str>,
    pub users: Vec<Named>,
}

impl Engine<'_> {
    fn bu_named(&self, id: crate::id::BusinessUnitId) -> Named {
        Named {
            id: id.to_string(),
            name: self
                .tenant
                .business_unit(id)
                .map_or_else(|| "(not in the export)".to_string(), |b| b.name.clone()),
        }
    }

    pub fn explain_user(
        &self,
        user: usize,
        table: Option<&str>,
        shares: Option<&ShareIndex>,
        hierarchy: Option<&Hierarchy>,
    ) -> UserAccess {
        let t = self.tenant;
        let u = &t.users[user];
        let set = self.grant_set_of(user);
        let teams = self.user_teams[user]
            .iter()
            .map(|&x| Named {
                id: t.teams[x as usize].id.to_string(),
                name: t.teams[x as usize].name.clone(),
            })
            .collect();
        let mut roles = Vec::new();
        let mut privileges = Vec::new();
        if let Some(set) = set {
            for a in &set.assignments {
                let role = &t.roles[a.role as usize];
                let source = t.root_role(role);
                let team = a.team.map(|x| &t.teams[x as usize]);
                roles.push(RolePath {
                    path: self.path(a),
                    role: Named {
                        id: role.id.to_string(),
                        name: role.name.clone(),
                    },
                    business_unit: self.bu_named(role.business_unit),
                    team: team.map(|x| Named {
                        id: x.id.to_string(),
                        name: x.name.clone(),
                    }),
                    inherits_basic: source.inherited,
                    via_group_team: team.is_some_and(|x| x.team_type.is_group()),
                });
            }
            roles.sort_by(|a, b| a.path.cmp(&b.path));
            let table = table.map(str::to_ascii_lowercase);
            for h in &set.held {
                let info = &self.catalog[h.privilege as usize];
                if table.as_deref().is_some_and(|x| !info.covers(x)) {
                    continue;
                }
                let bus = self.business_units(set, h);
                let mut grants: Vec<GrantLine> = set
                    .grants(h)
                    .iter()
                    .map(|g| GrantLine {
                        depth: g.depth,
                        anchor: self.bu_named(self.anchor(set, g)),
                        path: self.grant_path(set, g),
                        team_records_only: g.team_records_only,
                    })
                    .collect();
                grants.sort_by(|a, b| b.depth.cmp(&a.depth).then(a.path.cmp(&b.path)));
                privileges.push(PrivilegeLine {
                    privilege: info.name.clone(),
                    tables: info.tables.clone(),
                    right: info.right.map(Right::name),
                    depth: h.depth,
                    via: self.via(set, h, &bus),
                    business_units: bus.iter().map(|(d, b)| format!("{}:{b}", d.name())).collect(),
                    grants,
                });
            }
        }
        let hierarchy = hierarchy.filter(|_| set.is_some()).map(|h| {
            let reach = h.reach(user);
            let direct = reach.iter().filter(|r| r.level == 1).count();
            // A manager's hierarchy rights are those they hold at Basic or more on the table: shown as the
            // rights of the model, and per table in the privilege list.
            HierarchyReach {
                model: h.model,
                max_depth: h.max_depth,
                span: reach.len(),
                direct_reports: direct,
                direct_rights: vec!["Read", "Write", "Append", "AppendTo"],
                deeper_rights: vec!["Read"],
                users: reach
                    .iter()
                    .map(|r| Named {
                        id: t.users[r.user as usize].id.to_string(),
                        name: t.users[r.user as usize].display_name(),
                    })
                    .collect(),
            }
        });
        let mut notes = Vec::new();
        if roles.iter().any(|r| r.via_group_team) {
            notes.push("Microsoft Entra group team membership is a snapshot: Dataverse lists a member only after they have accessed the environment and keeps a removed member until they sign in again.".to_string());
        }
        if t.record_filter_privileges > 0 {
            notes.push(format!(
                "{} filter-based privilege rows (_recordfilterid_value) are not evaluated.",
                t.record_filter_privileges
            ));
        }
        if !t.field_permissions.is_empty() {
            notes.push("Per-record column sharing (principalobjectattributeaccess) is not modelled.".to_string());
        }
        if hierarchy.as_ref().is_some_and(|h| h.span > 0) {
            notes.push(
                "Hierarchy reach is an upper bound: tables excluded from hierarchy security are not in the export."
                    .to_string(),
            );
        }
        if set.is_none() {
            notes.push("The user is not enabled (disabled, deleted in Microsoft Entra ID, or in a disabled business unit): no effective access.".to_string());
        } else if roles.is_empty() {
            notes.push("The user has no role, directly or from a team: they cannot use the environment.".to_string());
        } else if set.is_some_and(|s| s.only_team_privileges) {
            notes.push("Every role comes from team roles with \"Team privileges only\" (isinherited = 0): the user cannot run apps.".to_string());
        }
        UserAccess {
            user: UserSummary {
                id: u.id.to_string(),
                name: u.display_name(),
                full_name: u.full_name.clone(),
                domain_name: u.domain_name.clone(),
                enabled: set.is_some(),
                business_unit: self.bu_named(u.business_unit),
                access_mode: u.access_mode.label(),
                application_user: u.is_application(),
                teams,
            },
            privileged: set.map(|s| s.privileged.clone()).unwrap_or_default(),
            roles,
            privileges,
            hierarchy,
            field_security: self.field_security(user),
            shares: shares.map(|i| self.user_shares(i, user)),
            notes,
        }
    }
}

fn bu_label(e: &Engine, item: &str) -> String {
    match item.split_once(':') {
        Some((depth, id)) => {
            let name = crate::id::Guid::parse(id)
                .ok()
                .flatten()
                .and_then(|g| e.tenant.business_unit(crate::id::BusinessUnitId(g)))
                .map_or(id.to_string(), |b| b.name.clone());
            format!("{depth}:{name}")
        }
        None => item.to_string(),
    }
}

/// The terminal form: grouped by table, depth and reach with the paths, fitting 100 columns.
pub fn print_user(out: &mut dyn Write, e: &Engine, a: &UserAccess, all: bool) -> std::io::Result<()> {
    let u = &a.user;
    let full = u.full_name.as_deref().filter(|f| Some(*f) != u.domain_name.as_deref());
    match full {
        Some(f) => writeln!(out, "{f} <{}>  {}", u.name, u.id)?,
        None => writeln!(out, "{}  {}", u.name, u.id)?,
    }
    writeln!(
        out,
        "  {} · {} · business unit {} · {} team{}{}",
        if u.enabled { "enabled" } else { "NOT enabled" },
        u.access_mode,
        u.business_unit.name,
        u.teams.len(),
        if u.teams.len() == 1 { "" } else { "s" },
        if u.application_user { " · application user" } else { "" }
    )?;
    if a.privileged.is_empty() {
        writeln!(out, "  privileged: no")?;
    } else {
        for r in &a.privileged {
            let line = match r {
                PrivilegedReason::Role { role, path, by_name } => {
                    format!("{role} role ({path}){}", if *by_name { ", found by name" } else { "" })
                }
                PrivilegedReason::Privilege { privilege, depth, path } => {
                    format!("{privilege} at {} ({path})", depth.name())
                }
                PrivilegedReason::EditsRoles { privilege, path } => {
                    format!("{privilege} at Global: can edit every security role ({path})")
                }
            };
            writeln!(out, "  privileged: {line}")?;
        }
    }
    writeln!(out, "\nRoles ({})", a.roles.len())?;
    for r in &a.roles {
        let mut extra = format!("{} in {}", r.role.name, r.business_unit.name);
        if r.team.is_some() {
            extra.push_str(if r.inherits_basic {
                ", Basic privileges become the member's own"
            } else {
                ", Basic over team records only"
            });
        }
        writeln!(out, "  {}\n      {extra}", r.path)?;
    }
    // Group by table; miscellaneous privileges last.
    let mut by_table: BTreeMap<&str, Vec<&PrivilegeLine>> = BTreeMap::new();
    let mut misc = Vec::new();
    for p in &a.privileges {
        if p.tables.is_empty() {
            misc.push(p);
        }
        for table in &p.tables {
            by_table.entry(table.as_str()).or_default().push(p);
        }
    }
    writeln!(
        out,
        "\nEffective access ({} privileges on {} tables)",
        a.privileges.len(),
        by_table.len()
    )?;
    let limit = if all { usize::MAX } else { 40 };
    for (shown, (table, lines)) in by_table.iter().enumerate() {
        if shown == limit {
            writeln!(
                out,
                "  ... {} more tables (--all shows everything)",
                by_table.len() - limit
            )?;
            break;
        }
        writeln!(out, "  {table}")?;
        let mut lines = lines.clone();
        lines.sort_by_key(|p| Right::ALL.iter().position(|r| Some(r.name()) == p.right));
        for p in lines {
            print_privilege_line(out, e, p.right.unwrap_or_default(), p)?;
        }
    }
    if !misc.is_empty() {
        writeln!(out, "  miscellaneous")?;
        for p in misc {
            print_privilege_line(out, e, &p.privilege, p)?;
        }
    }
    if let Some(h) = a.hierarchy.as_ref().filter(|h| h.span > 0) {
        writeln!(
            out,
            "\nHierarchy ({} model, {} levels): reaches {} users ({} direct reports: {}; below them: {})",
            if h.model == HierarchyModel::Manager {
                "manager"
            } else {
                "position"
            },
            h.max_depth,
            h.span,
            h.direct_reports,
            h.direct_rights.join(", "),
            h.deeper_rights.join(", ")
        )?;
    }
    let fs = &a.field_security;
    if fs.system_administrator || !fs.profiles.is_empty() {
        let who = if fs.system_administrator {
            "System Administrator: every secured column".to_string()
        } else {
            format!("profiles {}", fs.profiles.join(", "))
        };
        writeln!(out, "\nField security: {who}; {} secured columns", fs.columns.len())?;
        for ((table, column), p) in fs.columns.iter().take(if all { usize::MAX } else { 20 }) {
            let mut can = Vec::new();
            for (b, n) in [(p.read, "read"), (p.create, "create"), (p.update, "update")] {
                if b {
                    can.push(n);
                }
            }
            match p.read_unmasked {
                1 => can.push("read unmasked (one record)"),
                3 => can.push("read unmasked (all records)"),
                _ => {}
            }
            writeln!(out, "  {table}.{column}: {}", can.join(", "))?;
        }
    }
    if let Some(shares) = &a.shares {
        writeln!(out, "\nShares ({} tables)", shares.len())?;
        for s in shares {
            let ineffective = if s.ineffective == 0 {
                String::new()
            } else {
                format!("; cannot use {}", right_names(s.ineffective).join(", "))
            };
            writeln!(
                out,
                "  {}: {} records ({} direct, {} cascaded): {}{ineffective}",
                s.table,
                s.records,
                s.direct,
                s.cascaded,
                right_names(s.rights).join(", ")
            )?;
        }
    }
    for n in &a.notes {
        writeln!(out, "\nnote: {n}")?;
    }
    Ok(())
}

fn print_privilege_line(out: &mut dyn Write, e: &Engine, label: &str, p: &PrivilegeLine) -> std::io::Result<()> {
    let reach = if p.business_units.is_empty() {
        match p.depth {
            Depth::Global => "organization".to_string(),
            Depth::Basic => "own and shared records".to_string(),
            _ => String::new(),
        }
    } else {
        p.business_units
            .iter()
            .map(|b| bu_label(e, b))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(out, "    {label:<10} {:<7} {reach}", p.depth.name())?;
    for v in &p.via {
        writeln!(out, "               via {v}")?;
    }
    Ok(())
}

/// Team types as the admin UI names them.
pub fn team_type_name(t: TeamType) -> &'static str {
    match t {
        TeamType::Owner => "owner",
        TeamType::Access => "access",
        TeamType::EntraSecurityGroup => "Microsoft Entra security group",
        TeamType::Microsoft365Group => "Microsoft 365 group",
        TeamType::Other(_) => "unknown",
    }
}
