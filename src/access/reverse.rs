//! "Who can do this?": the reverse questions of `dvposture access`: every enabled user holding a privilege (or
//! a right on a table) at a depth or broader, with the path; who holds a role and what it grants; who is in a
//! team and what it grants.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use super::explain::{team_type_name, Named};
use super::Engine;
use crate::id::RoleId;
use crate::model::{Depth, Right, Role, Team};

#[derive(Serialize)]
pub struct Holder {
    pub user: Named,
    pub privilege: String,
    pub right: Option<&'static str>,
    pub tables: Vec<String>,
    pub depth: Depth,
    pub business_units: Vec<String>,
    pub via: Vec<String>,
}

#[derive(Serialize)]
pub struct WhoCan {
    pub question: String,
    pub min_depth: Depth,
    /// Distinct users.
    pub users: usize,
    /// Users who hold it only through teams.
    pub only_through_teams: usize,
    /// Users who hold it only through Microsoft Entra group teams: a lower bound (the membership in the export is
    /// a snapshot that lists a member only after they accessed the environment).
    pub only_through_group_teams: usize,
    pub holders: Vec<Holder>,
}

#[derive(Serialize)]
pub struct RoleHolder {
    pub user: Named,
    /// `direct`, or the team it comes through.
    pub via: String,
    /// The business unit of the copy held.
    pub business_unit: Named,
}

#[derive(Serialize)]
pub struct PrivilegeLine {
    pub privilege: String,
    pub right: Option<&'static str>,
    pub tables: Vec<String>,
    pub depth: Depth,
}

#[derive(Serialize)]
pub struct RoleReport {
    pub role: Named,
    pub managed: bool,
    pub business_unit: Named,
    pub copies: Vec<Named>,
    /// Enabled users holding the role or a copy, directly or through a team.
    pub users: usize,
    pub holders: Vec<RoleHolder>,
    pub teams: Vec<Named>,
    pub privileges: Vec<PrivilegeLine>,
}

#[derive(Serialize)]
pub struct TeamReport {
    pub team: Named,
    pub team_type: &'static str,
    pub business_unit: Named,
    pub is_default: bool,
    pub members: Vec<Named>,
    pub roles: Vec<Named>,
    /// The broadest depth of each privilege its roles grant (nothing for an access team).
    pub privileges: Vec<PrivilegeLine>,
    pub notes: Vec<String>,
}

impl Engine<'_> {
    fn user_named(&self, u: usize) -> Named {
        let user = &self.tenant.users[u];
        Named {
            id: user.id.to_string(),
            name: user.display_name(),
        }
    }

    fn bu(&self, id: crate::id::BusinessUnitId) -> Named {
        Named {
            id: id.to_string(),
            name: self
                .tenant
                .business_unit(id)
                .map_or_else(|| "(not in the export)".into(), |b| b.name.clone()),
        }
    }

    /// Every enabled user holding one of `privileges` at `min_depth` or broader, broadest first, then by name.
    pub fn who_holds(&self, question: String, privileges: &[u32], min_depth: Depth) -> WhoCan {
        let t = self.tenant;
        let mut holders = Vec::new();
        let (mut only_teams, mut only_groups) = (0, 0);
        let mut users = 0;
        for (u, set) in self.user_grant_set.iter().enumerate() {
            let Some(s) = set else { continue };
            let set = &self.grant_sets[*s as usize];
            let mut team_only = true;
            let mut group_only = true;
            let mut any = false;
            for h in set
                .held
                .iter()
                .filter(|h| privileges.contains(&h.privilege) && h.depth >= min_depth)
            {
                any = true;
                for g in set.grants(h).iter().filter(|g| g.depth >= min_depth) {
                    match set.assignments[g.assignment as usize].team {
                        None => {
                            team_only = false;
                            group_only = false;
                        }
                        Some(team) => group_only &= t.teams[team as usize].team_type.is_group(),
                    }
                }
                let info = &self.catalog[h.privilege as usize];
                let bus = self.business_units(set, h);
                holders.push(Holder {
                    user: self.user_named(u),
                    privilege: info.name.clone(),
                    right: info.right.map(Right::name),
                    tables: info.tables.clone(),
                    depth: h.depth,
                    via: self.via(set, h, &bus),
                    business_units: bus.iter().map(|(d, b)| format!("{}:{b}", d.name())).collect(),
                });
            }
            if any {
                users += 1;
                only_teams += usize::from(team_only);
                only_groups += usize::from(group_only);
            }
        }
        holders.sort_by(|a, b| {
            b.depth
                .cmp(&a.depth)
                .then_with(|| a.user.name.cmp(&b.user.name))
                .then_with(|| a.privilege.cmp(&b.privilege))
        });
        WhoCan {
            question,
            min_depth,
            users,
            only_through_teams: only_teams,
            only_through_group_teams: only_groups,
            holders,
        }
    }

    fn privilege_lines(&self, privileges: impl IntoIterator<Item = (u32, Depth)>) -> Vec<PrivilegeLine> {
        let mut best: BTreeMap<u32, Depth> = BTreeMap::new();
        for (p, d) in privileges {
            let e = best.entry(p).or_insert(d);
            *e = (*e).max(d);
        }
        let mut lines: Vec<PrivilegeLine> = best
            .into_iter()
            .map(|(p, depth)| {
                let info = &self.catalog[p as usize];
                PrivilegeLine {
                    privilege: info.name.clone(),
                    right: info.right.map(Right::name),
                    tables: info.tables.clone(),
                    depth,
                }
            })
            .collect();
        lines.sort_by(|a, b| (a.tables.first(), &a.privilege).cmp(&(b.tables.first(), &b.privilege)));
        lines
    }

    /// Who holds a root role (or one of its copies), directly or through teams, and what it grants.
    pub fn role_report(&self, root: &Role) -> RoleReport {
        let t = self.tenant;
        let is_ours = |r: &Role| t.privilege_source(r) == root.id;
        let mut holders = Vec::new();
        let mut users = std::collections::BTreeSet::new();
        for (u, set) in self.user_grant_set.iter().enumerate() {
            let Some(s) = set else { continue };
            for a in &self.grant_sets[*s as usize].assignments {
                let role = &t.roles[a.role as usize];
                if !is_ours(role) {
                    continue;
                }
                users.insert(u);
                holders.push(RoleHolder {
                    user: self.user_named(u),
                    via: a.team.map_or_else(
                        || "direct".to_string(),
                        |x| format!("team {}", t.teams[x as usize].name),
                    ),
                    business_unit: self.bu(role.business_unit),
                });
            }
        }
        holders.sort_by(|a, b| (&a.user.name, &a.via).cmp(&(&b.user.name, &b.via)));
        let copies: Vec<Named> = t
            .roles
            .iter()
            .filter(|r| r.id != root.id && is_ours(r))
            .map(|r| self.bu(r.business_unit))
            .collect();
        let role_ids: Vec<RoleId> = t.roles.iter().filter(|r| is_ours(r)).map(|r| r.id).collect();
        let mut teams: Vec<Named> = t
            .team_roles
            .iter()
            .filter(|(_, r)| role_ids.contains(r))
            .filter_map(|(team, _)| t.team(*team))
            .map(|x| Named {
                id: x.id.to_string(),
                name: x.name.clone(),
            })
            .collect();
        teams.sort_by(|a, b| a.name.cmp(&b.name));
        teams.dedup_by(|a, b| a.id == b.id);
        let privileges = t
            .index
            .roles
            .get(&root.id)
            .map(|&i| self.privilege_lines(self.role_privileges[i].iter().copied()))
            .unwrap_or_default();
        RoleReport {
            role: Named {
                id: root.id.to_string(),
                name: root.name.clone(),
            },
            managed: root.managed,
            business_unit: self.bu(root.business_unit),
            copies,
            users: users.len(),
            holders,
            teams,
            privileges,
        }
    }

    /// Who is in a team (explicitly, or every user of the business unit for a default team) and what it grants.
    pub fn team_report(&self, team: &Team) -> TeamReport {
        let t = self.tenant;
        let index = t.index.teams[&team.id];
        let mut members: Vec<Named> = self.team_users[index]
            .iter()
            .map(|&u| self.user_named(u as usize))
            .collect();
        members.sort_by(|a, b| a.name.cmp(&b.name));
        let roles: Vec<&Role> = t
            .team_roles
            .iter()
            .filter(|(x, _)| *x == team.id)
            .filter_map(|(_, r)| t.role(*r))
            .collect();
        let mut notes = Vec::new();
        let privileges = if team.team_type.carries_roles() {
            self.privilege_lines(
                roles
                    .iter()
                    .filter_map(|r| t.index.roles.get(&r.id))
                    .flat_map(|&i| self.role_privileges[i].iter().copied()),
            )
        } else {
            notes.push("An access team carries no roles: it grants only the record shares made to it.".to_string());
            Vec::new()
        };
        if team.team_type.is_group() {
            notes.push("Microsoft Entra group membership is a snapshot: a member is listed only after they accessed the environment.".to_string());
        }
        if team.is_default {
            notes.push("The business unit's default team: every user of the business unit is a member.".to_string());
        }
        TeamReport {
            team: Named {
                id: team.id.to_string(),
                name: team.name.clone(),
            },
            team_type: team_type_name(team.team_type),
            business_unit: self.bu(team.business_unit),
            is_default: team.is_default,
            members,
            roles: roles
                .iter()
                .map(|r| Named {
                    id: r.id.to_string(),
                    name: format!("{} ({})", r.name, self.bu(r.business_unit).name),
                })
                .collect(),
            privileges,
            notes,
        }
    }
}

const TOP: usize = 25;

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(width - 1).collect::<String>())
    }
}

pub fn print_who_can(out: &mut dyn Write, w: &WhoCan, all: bool) -> std::io::Result<()> {
    writeln!(out, "{} at {} or broader", w.question, w.min_depth.name())?;
    writeln!(
        out,
        "{} users; {} only through teams; {} only through Microsoft Entra group teams (a lower bound)\n",
        w.users, w.only_through_teams, w.only_through_group_teams
    )?;
    let n = if all { w.holders.len() } else { w.holders.len().min(TOP) };
    for h in &w.holders[..n] {
        let reach = if h.business_units.is_empty() {
            String::new()
        } else {
            format!("  {}", h.business_units.join(", "))
        };
        writeln!(
            out,
            "{:<7} {:<40} {}{}",
            h.depth.name(),
            cut(&h.user.name, 40),
            cut(&h.privilege, 40),
            cut(&reach, 60)
        )?;
        for v in &h.via {
            writeln!(out, "        via {}", cut(v, 88))?;
        }
    }
    if n < w.holders.len() {
        writeln!(
            out,
            "... {} more (--all shows everything, --json for scripts)",
            w.holders.len() - n
        )?;
    }
    Ok(())
}

fn print_privileges(out: &mut dyn Write, lines: &[PrivilegeLine], all: bool) -> std::io::Result<()> {
    let n = if all { lines.len() } else { lines.len().min(TOP * 2) };
    for p in &lines[..n] {
        writeln!(
            out,
            "  {:<7} {:<44} {}",
            p.depth.name(),
            cut(&p.privilege, 44),
            cut(&p.tables.join(", "), 45)
        )?;
    }
    if n < lines.len() {
        writeln!(out, "  ... {} more (--all)", lines.len() - n)?;
    }
    Ok(())
}

pub fn print_role(out: &mut dyn Write, r: &RoleReport, all: bool) -> std::io::Result<()> {
    writeln!(out, "{}  {}", r.role.name, r.role.id)?;
    writeln!(
        out,
        "  {} role in {}, copied into {} business units; held by {} enabled users",
        if r.managed { "managed" } else { "custom" },
        r.business_unit.name,
        r.copies.len(),
        r.users
    )?;
    if !r.teams.is_empty() {
        writeln!(
            out,
            "  through teams: {}",
            cut(
                &r.teams.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", "),
                85
            )
        )?;
    }
    writeln!(out, "\nHolders ({})", r.holders.len())?;
    let n = if all { r.holders.len() } else { r.holders.len().min(TOP) };
    for h in &r.holders[..n] {
        writeln!(
            out,
            "  {:<40} {:<30} {}",
            cut(&h.user.name, 40),
            cut(&h.via, 30),
            cut(&h.business_unit.name, 25)
        )?;
    }
    if n < r.holders.len() {
        writeln!(out, "  ... {} more (--all)", r.holders.len() - n)?;
    }
    writeln!(out, "\nGrants ({} privileges)", r.privileges.len())?;
    print_privileges(out, &r.privileges, all)
}

pub fn print_team(out: &mut dyn Write, r: &TeamReport, all: bool) -> std::io::Result<()> {
    writeln!(out, "{}  {}", r.team.name, r.team.id)?;
    writeln!(
        out,
        "  {} team in {}; {} members",
        r.team_type,
        r.business_unit.name,
        r.members.len()
    )?;
    if !r.roles.is_empty() {
        writeln!(
            out,
            "  roles: {}",
            cut(
                &r.roles.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", "),
                90
            )
        )?;
    }
    writeln!(out, "\nMembers ({})", r.members.len())?;
    let n = if all { r.members.len() } else { r.members.len().min(TOP) };
    for m in &r.members[..n] {
        writeln!(out, "  {}", cut(&m.name, 96))?;
    }
    if n < r.members.len() {
        writeln!(out, "  ... {} more (--all)", r.members.len() - n)?;
    }
    if !r.privileges.is_empty() {
        writeln!(out, "\nGrants ({} privileges)", r.privileges.len())?;
        print_privileges(out, &r.privileges, all)?;
    }
    for n in &r.notes {
        writeln!(out, "\nnote: {n}")?;
    }
    Ok(())
}
