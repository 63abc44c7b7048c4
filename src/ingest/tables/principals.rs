//! `businessunits`, `systemusers`, `teams`, `teammemberships`, `positions`, and the relationships real exports
//! expand inside them.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::{Keyed, Pairs};
use crate::id::{BusinessUnitId, Guid, PositionId, RoleId, TeamId, UserId};
use crate::ingest::problem::ProblemKind;
use crate::ingest::reader::{read_table, TableLog};
use crate::ingest::row::{object_guid, Col, Row, RowError, RowResult, Schema};
use crate::ingest::source::SourceFile;
use crate::model::{AccessMode, BusinessUnit, Position, Team, TeamType, User};

/// The Web API's limit of related rows in one expanded array.
const EXPANSION_LIMIT: usize = 5000;

/// Reads the ids of an expanded relationship, reporting arrays that may be truncated (INPUT.md).
pub(crate) fn expanded_ids(row: &Row, col: Col, key: &str) -> RowResult<Option<Vec<Guid>>> {
    let Some(items) = row.expansion(col)? else {
        return Ok(None);
    };
    let next = row.expansion_next_link(col)?;
    if items.len() >= EXPANSION_LIMIT
        || next
            .as_deref()
            .is_some_and(|l| l.to_ascii_lowercase().contains("skiptoken"))
    {
        row.note(RowError::at(
            col,
            ProblemKind::Incomplete,
            format!(
                "expanded `{}` holds {} rows and may be truncated (the Web API returns at most {EXPANSION_LIMIT}); export the intersect table instead",
                row.schema().name(col),
                items.len()
            ),
        ));
    }
    let mut ids = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match object_guid(item, key) {
            Ok(Some(id)) => ids.push(id),
            Ok(None) => row.note(RowError::at(
                col,
                ProblemKind::SkippedRow,
                format!("item {i} of the expansion has no `{key}`; it was ignored"),
            )),
            Err(e) => row.note(RowError::at(
                col,
                ProblemKind::SkippedRow,
                format!("item {i} of the expansion: {e}; it was ignored"),
            )),
        }
    }
    Ok(Some(ids))
}

pub fn business_units(files: &[SourceFile], log: &mut TableLog) -> Vec<BusinessUnit> {
    let mut s = Schema::new("businessunits");
    let id = s.required("businessunitid");
    let name = s.required("name");
    let parent = s.col("parentbusinessunitid");
    let disabled = s.defaulted("isdisabled", "false");
    let mut out = Keyed::new("business unit");
    read_table(files, &s, log, &mut |row| {
        let bu = BusinessUnit {
            id: BusinessUnitId(row.required_guid(id)?),
            name: row.required_text(name)?,
            parent: row.guid(parent)?.map(BusinessUnitId),
            disabled: row.bool(disabled)?.unwrap_or(false),
        };
        out.insert(bu.id, bu, true)
    });
    out.rows
}

/// `systemusers`, with the role assignments and team memberships expanded in its rows.
#[derive(Default)]
pub struct UsersOutput {
    pub users: Vec<User>,
    pub expanded_roles: Vec<(UserId, RoleId)>,
    pub expanded_teams: Vec<(UserId, TeamId)>,
    pub roles_expanded: bool,
    pub teams_expanded: bool,
}

pub fn users(files: &[SourceFile], log: &mut TableLog) -> UsersOutput {
    let mut s = Schema::new("systemusers");
    let id = s.required("systemuserid");
    let full_name = s.col("fullname");
    let domain_name = s.col("domainname");
    let email = s.col("internalemailaddress");
    let entra = s.col("azureactivedirectoryobjectid");
    let app = s.col("applicationid");
    let disabled = s.defaulted("isdisabled", "false");
    let azure_state = s.col("azurestate");
    let access_mode = s.defaulted("accessmode", "0 (Read-Write)");
    let licensed = s.col("islicensed");
    let bu = s.required("businessunitid");
    let manager = s.col("parentsystemuserid");
    let position = s.col("positionid");
    let created = s.col("createdon");
    let roles = s.expansion("systemuserroles_association");
    let teams = s.expansion("teammembership_association");
    let mut out = UsersOutput::default();
    let mut keyed = Keyed::new("systemuser");
    read_table(files, &s, log, &mut |row| {
        let user = User {
            id: UserId(row.required_guid(id)?),
            full_name: row.text(full_name)?,
            domain_name: row.text(domain_name)?,
            email: row.text(email)?,
            entra_object_id: row.guid(entra)?,
            application_id: row.guid(app)?,
            disabled: row.bool(disabled)?.unwrap_or(false),
            azure_state: row
                .option(
                    azure_state,
                    &[("Exists", 0), ("Soft deleted", 1), ("Not found or hard deleted", 2)],
                )?
                .unwrap_or(0),
            access_mode: AccessMode::from_code(row.option(access_mode, AccessMode::LABELS)?.unwrap_or(0)),
            licensed: row.bool(licensed)?,
            business_unit: BusinessUnitId(row.required_guid(bu)?),
            manager: row.guid(manager)?.map(UserId),
            position: row.guid(position)?.map(PositionId),
            created_on: row.timestamp(created)?,
        };
        let expanded_roles = expanded_ids(row, roles, "roleid")?;
        let expanded_teams = expanded_ids(row, teams, "teamid")?;
        let uid = user.id;
        keyed.insert(uid, user, true)?;
        if let Some(ids) = expanded_roles {
            out.roles_expanded = true;
            out.expanded_roles.extend(ids.into_iter().map(|r| (uid, RoleId(r))));
        }
        if let Some(ids) = expanded_teams {
            out.teams_expanded = true;
            out.expanded_teams.extend(ids.into_iter().map(|t| (uid, TeamId(t))));
        }
        Ok(())
    });
    out.users = keyed.rows;
    out
}

/// `teams`, with the memberships and roles expanded in its rows.
#[derive(Default)]
pub struct TeamsOutput {
    pub teams: Vec<Team>,
    pub expanded_members: Vec<(TeamId, UserId)>,
    pub expanded_roles: Vec<(TeamId, RoleId)>,
    pub members_expanded: bool,
    pub roles_expanded: bool,
}

pub fn teams(files: &[SourceFile], log: &mut TableLog) -> TeamsOutput {
    let mut s = Schema::new("teams");
    let id = s.required("teamid");
    let name = s.required("name");
    let team_type = s.defaulted("teamtype", "0 (Owner)");
    let membership = s.col("membershiptype");
    let entra = s.col("azureactivedirectoryobjectid");
    let bu = s.required("businessunitid");
    let is_default = s.defaulted("isdefault", "false");
    let template = s.col("teamtemplateid");
    let admin = s.col("administratorid");
    let members = s.expansion("teammembership_association");
    let roles = s.expansion("teamroles_association");
    let mut out = TeamsOutput::default();
    let mut keyed = Keyed::new("team");
    read_table(files, &s, log, &mut |row| {
        let team = Team {
            id: TeamId(row.required_guid(id)?),
            name: row.required_text(name)?,
            team_type: TeamType::from_code(row.option(team_type, TeamType::LABELS)?.unwrap_or(0)),
            membership_type: row.option(
                membership,
                &[("Members and guests", 0), ("Members", 1), ("Owners", 2), ("Guests", 3)],
            )?,
            entra_object_id: row.guid(entra)?,
            business_unit: BusinessUnitId(row.required_guid(bu)?),
            is_default: row.bool(is_default)?.unwrap_or(false),
            team_template: row.guid(template)?,
            administrator: row.guid(admin)?.map(UserId),
        };
        if let TeamType::Other(code) = team.team_type {
            return Err(RowError::field(
                team_type,
                format!("unknown team type {code} (expected 0 Owner, 1 Access, 2 or 3 Microsoft Entra group)"),
            ));
        }
        let expanded_members = expanded_ids(row, members, "systemuserid")?;
        let expanded_roles = expanded_ids(row, roles, "roleid")?;
        let tid = team.id;
        keyed.insert(tid, team, true)?;
        if let Some(ids) = expanded_members {
            out.members_expanded = true;
            out.expanded_members.extend(ids.into_iter().map(|u| (tid, UserId(u))));
        }
        if let Some(ids) = expanded_roles {
            out.roles_expanded = true;
            out.expanded_roles.extend(ids.into_iter().map(|r| (tid, RoleId(r))));
        }
        Ok(())
    });
    out.teams = keyed.rows;
    out
}

pub fn team_memberships(files: &[SourceFile], log: &mut TableLog) -> Vec<(TeamId, UserId)> {
    let mut s = Schema::new("teammemberships");
    let team = s.required("teamid");
    let user = s.required("systemuserid");
    let mut out = Pairs::new("membership");
    read_table(files, &s, log, &mut |row| {
        out.insert(TeamId(row.required_guid(team)?), UserId(row.required_guid(user)?))
    });
    out.rows
}

pub fn positions(files: &[SourceFile], log: &mut TableLog) -> Vec<Position> {
    let mut s = Schema::new("positions");
    let id = s.required("positionid");
    let name = s.col("name");
    let parent = s.col("parentpositionid");
    let mut out = Keyed::new("position");
    read_table(files, &s, log, &mut |row| {
        let p = Position {
            id: PositionId(row.required_guid(id)?),
            name: row.text(name)?,
            parent: row.guid(parent)?.map(PositionId),
        };
        out.insert(p.id, p, false)
    });
    out.rows
}
