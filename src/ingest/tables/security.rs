//! Roles, privileges, their assignments, and field security.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::principals::expanded_ids;
use super::{Keyed, Pairs};
use crate::id::{BusinessUnitId, PrivilegeId, ProfileId, RoleId, TeamId, UserId};
use crate::ingest::problem::{Problem, ProblemKind};
use crate::ingest::reader::{read_table, TableLog};
use crate::ingest::row::{Col, Row, RowError, RowResult, Schema};
use crate::ingest::source::SourceFile;
use crate::model::{Depth, FieldPermission, FieldSecurityProfile, Privilege, Role, RolePrivilege};

#[derive(Default)]
pub struct RolesOutput {
    pub roles: Vec<Role>,
    pub has_template_column: bool,
    /// `roles?$expand=systemuserroles_association` / `teamroles_association`.
    pub expanded_users: Vec<(UserId, RoleId)>,
    pub expanded_teams: Vec<(TeamId, RoleId)>,
    pub users_expanded: bool,
    pub teams_expanded: bool,
}

pub fn roles(files: &[SourceFile], log: &mut TableLog) -> RolesOutput {
    let mut s = Schema::new("roles");
    let id = s.required("roleid");
    let name = s.required("name");
    let bu = s.required("businessunitid");
    let root = s.col("parentrootroleid");
    let template = s.col("roletemplateid");
    let managed = s.defaulted("ismanaged", "false");
    let customizable = s.col("iscustomizable");
    let inherited = s.defaulted(
        "isinherited",
        "1 (Direct User (Basic) access level and Team privileges)",
    );
    let created = s.col("createdon");
    let modified = s.col("modifiedon");
    let privileges = s.expansion("roleprivileges_association");
    let users = s.expansion("systemuserroles_association");
    let teams = s.expansion("teamroles_association");
    let mut out = RolesOutput::default();
    let mut keyed = Keyed::new("role");
    let mut privileges_expanded = false;
    read_table(files, &s, log, &mut |row| {
        out.has_template_column |= row.cell(template).is_some();
        let role = Role {
            id: RoleId(row.required_guid(id)?),
            name: row.required_text(name)?,
            business_unit: BusinessUnitId(row.required_guid(bu)?),
            parent_root_role: row.guid(root)?.map(RoleId),
            template: row.guid(template)?,
            managed: row.bool(managed)?.unwrap_or(false),
            customizable: row.bool(customizable)?,
            inherited: match row.option(
                inherited,
                &[
                    ("Team privileges only", 0),
                    ("Direct User (Basic) access level and Team privileges", 1),
                ],
            )? {
                None | Some(1) => true,
                Some(0) => false,
                Some(n) => return Err(RowError::field(inherited, format!("expected 0 or 1, found {n}"))),
            },
            created_on: row.timestamp(created)?,
            modified_on: row.timestamp(modified)?,
        };
        privileges_expanded |= row.cell(privileges).is_some();
        let expanded_users = expanded_ids(row, users, "systemuserid")?;
        let expanded_teams = expanded_ids(row, teams, "teamid")?;
        let rid = role.id;
        keyed.insert(rid, role, true)?;
        if let Some(ids) = expanded_users {
            out.users_expanded = true;
            out.expanded_users.extend(ids.into_iter().map(|u| (UserId(u), rid)));
        }
        if let Some(ids) = expanded_teams {
            out.teams_expanded = true;
            out.expanded_teams.extend(ids.into_iter().map(|t| (TeamId(t), rid)));
        }
        Ok(())
    });
    if privileges_expanded {
        let file = log.files.first().cloned().unwrap_or_default();
        log.push(Problem {
            field: Some("roleprivileges_association".into()),
            ..Problem::file_level(
                &file,
                ProblemKind::Note,
                "the expanded roleprivileges_association carries no privilege depths and is not used; export roleprivilegescollection with privilegedepthmask",
            )
        });
    }
    out.roles = keyed.rows;
    out
}

pub fn privileges(files: &[SourceFile], log: &mut TableLog) -> Vec<Privilege> {
    let mut s = Schema::new("privileges");
    let id = s.required("privilegeid");
    let name = s.required("name");
    let right = s.col("accessright");
    let basic = s.col("canbebasic");
    let local = s.col("canbelocal");
    let deep = s.col("canbedeep");
    let global = s.col("canbeglobal");
    let mut out = Keyed::new("privilege");
    read_table(files, &s, log, &mut |row| {
        let p = Privilege {
            id: PrivilegeId(row.required_guid(id)?),
            name: row.required_text(name)?,
            access_right: row.int(right)?,
            can_be_basic: row.bool(basic)?,
            can_be_local: row.bool(local)?,
            can_be_deep: row.bool(deep)?,
            can_be_global: row.bool(global)?,
        };
        out.insert(p.id, p, true)
    });
    out.rows
}

/// A table named by logical name or by integer type code (mapped through `entitydefinitions`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TableRef {
    Name(String),
    Code(i64),
}

pub fn privilege_tables(files: &[SourceFile], log: &mut TableLog) -> Vec<(PrivilegeId, TableRef)> {
    let mut s = Schema::new("privilegeobjecttypecodesset");
    let id = s.required("privilegeid");
    let table = s.required("objecttypecode");
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    read_table(files, &s, log, &mut |row| {
        let pid = PrivilegeId(row.required_guid(id)?);
        let text = row.required_text(table)?;
        let t = match text.parse::<i64>() {
            Ok(code) => TableRef::Code(code),
            Err(_) => TableRef::Name(text.to_ascii_lowercase()),
        };
        if !seen.insert((pid, t.clone())) {
            return Err(RowError::row(
                ProblemKind::DuplicateRow,
                "identical privilege table row dropped (overlapping pages?)",
            ));
        }
        out.push((pid, t));
        Ok(())
    });
    out
}

fn depth(row: &Row, col: Col) -> RowResult<Depth> {
    let text = row
        .scalar(col, "a depth mask (1, 2, 4, 8) or Basic, Local, Deep, Global")?
        .ok_or_else(|| row.missing(col))?;
    let t = text.trim();
    match t.parse::<i64>() {
        Ok(mask) => Depth::from_mask(mask).ok_or_else(|| {
            RowError::field(
                col,
                format!("malformed depth mask {mask}: expected 1 Basic, 2 Local, 4 Deep or 8 Global in its low bits"),
            )
        }),
        Err(_) => Depth::from_label(t).ok_or_else(|| {
            RowError::field(
                col,
                format!(
                    "expected a depth mask (1, 2, 4, 8) or Basic, Local, Deep, Global, found {:?}",
                    t.chars().take(40).collect::<String>()
                ),
            )
        }),
    }
}

pub struct RolePrivilegesOutput {
    pub rows: Vec<RolePrivilege>,
    /// Filter-based privilege rows (`_recordfilterid_value`): counted, not evaluated.
    pub record_filter_rows: u64,
}

pub fn role_privileges(files: &[SourceFile], log: &mut TableLog) -> RolePrivilegesOutput {
    let mut s = Schema::new("roleprivilegescollection");
    let role = s.required("roleid");
    let privilege = s.required("privilegeid");
    let mask = s.required("privilegedepthmask");
    let filter = s.col("recordfilterid");
    let mut rows: Vec<RolePrivilege> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    let mut record_filter_rows = 0;
    read_table(files, &s, log, &mut |row| {
        let rp = RolePrivilege {
            role: RoleId(row.required_guid(role)?),
            privilege: PrivilegeId(row.required_guid(privilege)?),
            depth: depth(row, mask)?,
        };
        if row.guid(filter)?.is_some() {
            record_filter_rows += 1;
            return Ok(());
        }
        match seen.get(&(rp.role, rp.privilege)) {
            Some(&d) if d == rp.depth => Err(RowError::row(
                ProblemKind::DuplicateRow,
                "identical role privilege row dropped (overlapping pages?)",
            )),
            Some(&d) => {
                // Two depths for one privilege of a role: the broadest counts, as Dataverse grants it.
                let broadest = std::cmp::max(d, rp.depth);
                seen.insert((rp.role, rp.privilege), broadest);
                if let Some(existing) = rows
                    .iter_mut()
                    .rev()
                    .find(|r| r.role == rp.role && r.privilege == rp.privilege)
                {
                    existing.depth = broadest;
                }
                row.note(RowError::at(
                    mask,
                    ProblemKind::Note,
                    format!(
                        "role {} has privilege {} at two depths; the broadest ({}) is used",
                        rp.role,
                        rp.privilege,
                        broadest.name()
                    ),
                ));
                Ok(())
            }
            None => {
                seen.insert((rp.role, rp.privilege), rp.depth);
                rows.push(rp);
                Ok(())
            }
        }
    });
    if record_filter_rows > 0 {
        let file = log.files.first().cloned().unwrap_or_default();
        log.push(Problem::file_level(
            &file,
            ProblemKind::Note,
            format!("{record_filter_rows} filter-based privilege rows (_recordfilterid_value) are not evaluated by this model"),
        ));
    }
    RolePrivilegesOutput {
        rows,
        record_filter_rows,
    }
}

pub fn user_roles(files: &[SourceFile], log: &mut TableLog) -> Vec<(UserId, RoleId)> {
    let mut s = Schema::new("systemuserrolescollection");
    let user = s.required("systemuserid");
    let role = s.required("roleid");
    let mut out = Pairs::new("role assignment");
    read_table(files, &s, log, &mut |row| {
        out.insert(UserId(row.required_guid(user)?), RoleId(row.required_guid(role)?))
    });
    out.rows
}

pub fn team_roles(files: &[SourceFile], log: &mut TableLog) -> Vec<(TeamId, RoleId)> {
    let mut s = Schema::new("teamrolescollection");
    let team = s.required("teamid");
    let role = s.required("roleid");
    let mut out = Pairs::new("team role");
    read_table(files, &s, log, &mut |row| {
        out.insert(TeamId(row.required_guid(team)?), RoleId(row.required_guid(role)?))
    });
    out.rows
}

pub fn field_security_profiles(files: &[SourceFile], log: &mut TableLog) -> Vec<FieldSecurityProfile> {
    let mut s = Schema::new("fieldsecurityprofiles");
    let id = s.required("fieldsecurityprofileid");
    let name = s.required("name");
    let mut out = Keyed::new("field security profile");
    read_table(files, &s, log, &mut |row| {
        let p = FieldSecurityProfile {
            id: ProfileId(row.required_guid(id)?),
            name: row.required_text(name)?,
        };
        out.insert(p.id, p, false)
    });
    out.rows
}

fn allowed(row: &Row, col: Col) -> RowResult<bool> {
    match row.option(col, &[("Allowed", 4), ("Not Allowed", 0)])? {
        None | Some(0) => Ok(false),
        Some(4) => Ok(true),
        Some(n) => Err(RowError::field(
            col,
            format!("expected 0 (Not Allowed) or 4 (Allowed), found {n}"),
        )),
    }
}

pub fn field_permissions(files: &[SourceFile], log: &mut TableLog) -> Vec<FieldPermission> {
    let mut s = Schema::new("fieldpermissions");
    let profile = s.required("fieldsecurityprofileid");
    let table = s.required("entityname");
    let column = s.required("attributelogicalname");
    let read = s.col("canread");
    let create = s.col("cancreate");
    let update = s.col("canupdate");
    let unmasked = s.col("canreadunmasked");
    let mut out: Vec<FieldPermission> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    read_table(files, &s, log, &mut |row| {
        let p = FieldPermission {
            profile: ProfileId(row.required_guid(profile)?),
            table: row.required_text(table)?.to_ascii_lowercase(),
            column: row.required_text(column)?.to_ascii_lowercase(),
            can_read: allowed(row, read)?,
            can_create: allowed(row, create)?,
            can_update: allowed(row, update)?,
            can_read_unmasked: match row
                .option(unmasked, &[("Not Allowed", 0), ("One Record", 1), ("All Records", 3)])?
            {
                None => 0,
                Some(n @ (0 | 1 | 3)) => n,
                Some(n) => return Err(RowError::field(unmasked, format!("expected 0, 1 or 3, found {n}"))),
            },
        };
        let key = (
            p.profile,
            p.table.clone(),
            p.column.clone(),
            p.can_read,
            p.can_create,
            p.can_update,
            p.can_read_unmasked,
        );
        if !seen.insert(key) {
            return Err(RowError::row(
                ProblemKind::DuplicateRow,
                "identical field permission row dropped (overlapping pages?)",
            ));
        }
        out.push(p);
        Ok(())
    });
    out
}

pub fn user_profiles(files: &[SourceFile], log: &mut TableLog) -> Vec<(UserId, ProfileId)> {
    let mut s = Schema::new("systemuserprofilescollection");
    let user = s.required("systemuserid");
    let profile = s.required("fieldsecurityprofileid");
    let mut out = Pairs::new("user profile");
    read_table(files, &s, log, &mut |row| {
        out.insert(UserId(row.required_guid(user)?), ProfileId(row.required_guid(profile)?))
    });
    out.rows
}

pub fn team_profiles(files: &[SourceFile], log: &mut TableLog) -> Vec<(TeamId, ProfileId)> {
    let mut s = Schema::new("teamprofilescollection");
    let team = s.required("teamid");
    let profile = s.required("fieldsecurityprofileid");
    let mut out = Pairs::new("team profile");
    read_table(files, &s, log, &mut |row| {
        out.insert(TeamId(row.required_guid(team)?), ProfileId(row.required_guid(profile)?))
    });
    out.rows
}
