//! Field security per user (ACCESS-MODEL.md): the union of the profiles assigned to the user and to their
//! owner and Entra group teams; System Administrators have every secured column. Per-record column sharing
//! (`principalobjectattributeaccess`) is not modelled.

use std::collections::{BTreeMap, BTreeSet};

use super::{Engine, PrivilegedReason};
use crate::model::SYSTEM_ADMINISTRATOR_TEMPLATE;

/// What a user may do with one secured column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ColumnPermission {
    pub read: bool,
    pub create: bool,
    pub update: bool,
    /// 0 none, 1 one record, 3 all records.
    pub read_unmasked: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FieldSecurity {
    /// Profile names, sorted.
    pub profiles: Vec<String>,
    pub system_administrator: bool,
    /// (table, column) -> permission, for every secured column the user has any permission on. In JSON, a list
    /// of `{table, column, read, create, update, read_unmasked}` in (table, column) order (a JSON object's keys
    /// must be strings).
    #[serde(serialize_with = "columns_as_list")]
    pub columns: BTreeMap<(String, String), ColumnPermission>,
}

fn columns_as_list<S: serde::Serializer>(
    columns: &BTreeMap<(String, String), ColumnPermission>,
    s: S,
) -> Result<S::Ok, S::Error> {
    #[derive(serde::Serialize)]
    struct SecuredColumn<'a> {
        table: &'a str,
        column: &'a str,
        read: bool,
        create: bool,
        update: bool,
        read_unmasked: i64,
    }
    s.collect_seq(columns.iter().map(|((table, column), p)| SecuredColumn {
        table,
        column,
        read: p.read,
        create: p.create,
        update: p.update,
        read_unmasked: p.read_unmasked,
    }))
}

impl Engine<'_> {
    pub fn field_security(&self, user: usize) -> FieldSecurity {
        let t = self.tenant;
        let id = t.users[user].id;
        let mut profiles: BTreeSet<_> = t
            .user_profiles
            .iter()
            .filter(|(u, _)| *u == id)
            .map(|(_, p)| *p)
            .collect();
        for &team in &self.user_teams[user] {
            let team = &t.teams[team as usize];
            if team.team_type.carries_roles() {
                profiles.extend(t.team_profiles.iter().filter(|(x, _)| *x == team.id).map(|(_, p)| *p));
            }
        }
        let system_administrator = self.grant_set_of(user).is_some_and(|s| {
            s.privileged.iter().any(|r| matches!(r, PrivilegedReason::Role { .. }))
                && s.assignments.iter().any(|a| {
                    let role = &t.roles[a.role as usize];
                    let source = t.root_role(role);
                    source.template == Some(SYSTEM_ADMINISTRATOR_TEMPLATE)
                        || (!t.roles_have_template_column && source.name.eq_ignore_ascii_case("System Administrator"))
                })
        });
        let mut columns: BTreeMap<(String, String), ColumnPermission> = BTreeMap::new();
        for fp in &t.field_permissions {
            let key = (fp.table.clone(), fp.column.clone());
            if system_administrator {
                columns.insert(
                    key,
                    ColumnPermission {
                        read: true,
                        create: true,
                        update: true,
                        read_unmasked: 3,
                    },
                );
                continue;
            }
            if !profiles.contains(&fp.profile) {
                continue;
            }
            let c = columns.entry(key).or_default();
            c.read |= fp.can_read;
            c.create |= fp.can_create;
            c.update |= fp.can_update;
            c.read_unmasked = c.read_unmasked.max(fp.can_read_unmasked);
        }
        columns.retain(|_, c| c.read || c.create || c.update || c.read_unmasked > 0);
        let mut names: Vec<String> = profiles
            .iter()
            .filter_map(|p| {
                t.index
                    .profiles
                    .get(p)
                    .map(|&i| t.field_security_profiles[i].name.clone())
            })
            .collect();
        names.sort();
        FieldSecurity {
            profiles: names,
            system_administrator,
            columns,
        }
    }
}
