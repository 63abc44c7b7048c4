//! From the tables as read to the resolved [`Tenant`]: expansions merged with intersect tables, references
//! checked (dangling ones collected, not fatal), the business-unit tree checked (fatal when broken).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::*;
use crate::ingest::problem::{Problem, ProblemKind};

/// Every table as read, before resolution.
#[derive(Default)]
pub struct RawTables {
    pub organization: Option<Organization>,
    pub environment: Option<Environment>,
    pub customer_insights: Option<CustomerInsights>,
    pub business_units: Vec<BusinessUnit>,
    pub users: Vec<User>,
    pub teams: Vec<Team>,
    pub team_members: Vec<(TeamId, UserId)>,
    pub expanded_team_members: Vec<(TeamId, UserId)>,
    pub roles: Vec<Role>,
    pub roles_have_template_column: bool,
    pub privileges: Vec<Privilege>,
    pub privilege_tables: Vec<(PrivilegeId, crate::ingest::tables::security::TableRef)>,
    pub role_privileges: Vec<RolePrivilege>,
    pub record_filter_privileges: u64,
    pub user_roles: Vec<(UserId, RoleId)>,
    pub expanded_user_roles: Vec<(UserId, RoleId)>,
    pub team_roles: Vec<(TeamId, RoleId)>,
    pub expanded_team_roles: Vec<(TeamId, RoleId)>,
    pub field_security_profiles: Vec<FieldSecurityProfile>,
    pub field_permissions: Vec<FieldPermission>,
    pub user_profiles: Vec<(UserId, ProfileId)>,
    pub team_profiles: Vec<(TeamId, ProfileId)>,
    pub positions: Vec<Position>,
    pub entities: Vec<EntityDefinition>,
    pub attribute_definitions: Vec<(String, AttributeDefinition)>,
    /// Inputs read, from a file or an expansion (RULES.md: an input is present when any of its sources was read).
    pub sources: BTreeSet<&'static str>,
}

/// The late tables as read: the big ones, which the effective access does not depend on (see [`build_core`]).
#[derive(Default)]
pub struct LateTables {
    pub shares: Shares,
    pub audit: AuditSummary,
    /// Those of the late tables that were read.
    pub sources: BTreeSet<&'static str>,
}

/// The tenant, plus problems found while resolving it, by table (fatal ones stop the run).
pub struct BuildOutput {
    pub tenant: Tenant,
    pub problems: Vec<(&'static str, Problem)>,
}

#[derive(Default)]
struct Dangling(HashMap<(&'static str, &'static str, Guid), (&'static str, u64)>);

impl Dangling {
    fn add(&mut self, table: &'static str, column: &'static str, id: Guid, target: &'static str) {
        self.0.entry((table, column, id)).or_insert((target, 0)).1 += 1;
    }

    fn into_sorted(self) -> Vec<DanglingReference> {
        let mut v: Vec<_> = self
            .0
            .into_iter()
            .map(|((table, column, missing_id), (target, rows))| DanglingReference {
                table,
                column,
                missing_id,
                target,
                rows,
            })
            .collect();
        v.sort();
        v
    }
}

fn index_of<K: std::hash::Hash + Eq + Copy, T>(items: &[T], key: impl Fn(&T) -> K) -> rustc_hash::FxHashMap<K, usize> {
    items.iter().enumerate().map(|(i, t)| (key(t), i)).collect()
}

/// Checks the business-unit tree: exactly one root, every parent present, no cycle.
fn check_business_units(
    bus: &[BusinessUnit],
    index: &rustc_hash::FxHashMap<BusinessUnitId, usize>,
    file: &str,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let fatal = |msg: String| Problem::file_level(file, ProblemKind::Fatal, msg);
    let roots: Vec<&BusinessUnit> = bus.iter().filter(|b| b.parent.is_none()).collect();
    for bu in bus {
        if let Some(p) = bu.parent {
            if !index.contains_key(&p) {
                problems.push(fatal(format!(
                    "business unit {} ({}) has parent {p}, which is not in the export; the tree must be complete",
                    bu.id, bu.name
                )));
            }
        }
    }
    match roots.len() {
        1 => {}
        0 if !bus.is_empty() => problems.push(fatal(
            "the business-unit tree has no root (a business unit without a parent)".into(),
        )),
        0 => problems.push(fatal("businessunits holds no business unit".into())),
        n => problems.push(fatal(format!(
            "the business-unit tree has {n} roots ({}); exactly one business unit may have no parent",
            roots
                .iter()
                .map(|b| format!("{} ({})", b.id, b.name))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
    // Cycles: walk up from every unit; a walk that meets its own path is a cycle.
    let mut state = vec![0u8; bus.len()]; // 0 new, 1 on the current path, 2 done
    for start in 0..bus.len() {
        let mut path = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at {
            match state[i] {
                2 => break,
                1 => {
                    let from = path.iter().position(|&p| p == i).unwrap_or(0);
                    let names: Vec<String> = path[from..]
                        .iter()
                        .map(|&p: &usize| format!("{} ({})", bus[p].id, bus[p].name))
                        .collect();
                    problems.push(fatal(format!(
                        "the business-unit tree has a cycle: {} -> back to the first",
                        names.join(" -> ")
                    )));
                    break;
                }
                _ => {
                    state[i] = 1;
                    path.push(i);
                    at = bus[i].parent.and_then(|p| index.get(&p).copied());
                }
            }
        }
        for p in path {
            state[p] = 2;
        }
    }
    problems
}

/// An id that rows refer to, and what it names (for dangling-reference findings).
trait Reference: Copy + Ord + std::hash::Hash {
    const TARGET: &'static str;
    fn guid(self) -> Guid;
}

macro_rules! reference {
    ($t:ty, $target:literal) => {
        impl Reference for $t {
            const TARGET: &'static str = $target;
            fn guid(self) -> Guid {
                self.0
            }
        }
    };
}
reference!(UserId, "systemuser");
reference!(TeamId, "team");
reference!(RoleId, "role");
reference!(ProfileId, "fieldsecurityprofile");

/// Pairs from an intersect table and from expansions: union without duplicates; pairs naming an id that is
/// not in the export are dropped and collected as dangling references.
fn resolve_pairs<A: Reference, B: Reference>(
    mut pairs: Vec<(A, B)>,
    (table, column_a, column_b): (&'static str, &'static str, &'static str),
    known_a: impl Fn(&A) -> bool,
    known_b: impl Fn(&B) -> bool,
    dangling: &mut Dangling,
) -> Vec<(A, B)> {
    pairs.sort_unstable();
    pairs.dedup();
    pairs.retain(|(a, b)| {
        let (ok_a, ok_b) = (known_a(a), known_b(b));
        if !ok_a {
            dangling.add(table, column_a, a.guid(), A::TARGET);
        }
        if !ok_b {
            dangling.add(table, column_b, b.guid(), B::TARGET);
        }
        ok_a && ok_b
    });
    pairs
}

fn both<T>(mut a: Vec<T>, b: Vec<T>) -> Vec<T> {
    a.extend(b);
    a
}

/// The tenant of every table but the late ones ([`LateTables`]), which [`complete`] adds: until then it has no
/// shares and no audit log. Effective access can be computed from it while the late tables are read.
pub fn build_core(raw: RawTables) -> BuildOutput {
    let mut problems: Vec<(&'static str, Problem)> = Vec::new();
    let mut dangling = Dangling::default();

    let bu_index = index_of(&raw.business_units, |b| b.id);
    for p in check_business_units(&raw.business_units, &bu_index, "businessunits") {
        problems.push(("businessunits", p));
    }
    let user_index = index_of(&raw.users, |u| u.id);
    let team_index = index_of(&raw.teams, |t| t.id);
    let role_index = index_of(&raw.roles, |r| r.id);
    let privilege_index = index_of(&raw.privileges, |p| p.id);
    let profile_index = index_of(&raw.field_security_profiles, |p| p.id);
    let position_index = index_of(&raw.positions, |p| p.id);
    let positions_present = raw.sources.contains("positions");

    for u in &raw.users {
        if !bu_index.contains_key(&u.business_unit) {
            dangling.add("systemusers", "businessunitid", u.business_unit.0, "businessunit");
        }
        if let Some(m) = u.manager.filter(|m| !user_index.contains_key(m)) {
            dangling.add("systemusers", "parentsystemuserid", m.0, "systemuser");
        }
        if let Some(p) = u
            .position
            .filter(|p| positions_present && !position_index.contains_key(p))
        {
            dangling.add("systemusers", "positionid", p.0, "position");
        }
    }
    for t in &raw.teams {
        if !bu_index.contains_key(&t.business_unit) {
            dangling.add("teams", "businessunitid", t.business_unit.0, "businessunit");
        }
    }
    for r in &raw.roles {
        if !bu_index.contains_key(&r.business_unit) {
            dangling.add("roles", "businessunitid", r.business_unit.0, "businessunit");
        }
        if let Some(root) = r.parent_root_role.filter(|p| !role_index.contains_key(p)) {
            dangling.add("roles", "parentrootroleid", root.0, "role");
        }
    }
    for p in &raw.positions {
        if let Some(parent) = p.parent.filter(|q| !position_index.contains_key(q)) {
            dangling.add("positions", "parentpositionid", parent.0, "position");
        }
    }

    let user_known = |u: &UserId| user_index.contains_key(u);
    let team_known = |t: &TeamId| team_index.contains_key(t);
    let role_known = |r: &RoleId| role_index.contains_key(r);
    let profile_known = |p: &ProfileId| profile_index.contains_key(p);
    let team_members = resolve_pairs(
        both(raw.team_members, raw.expanded_team_members),
        ("teammemberships", "teamid", "systemuserid"),
        team_known,
        user_known,
        &mut dangling,
    );
    let user_roles = resolve_pairs(
        both(raw.user_roles, raw.expanded_user_roles),
        ("systemuserrolescollection", "systemuserid", "roleid"),
        user_known,
        role_known,
        &mut dangling,
    );
    let team_roles = resolve_pairs(
        both(raw.team_roles, raw.expanded_team_roles),
        ("teamrolescollection", "teamid", "roleid"),
        team_known,
        role_known,
        &mut dangling,
    );
    let user_profiles = resolve_pairs(
        raw.user_profiles,
        ("systemuserprofilescollection", "systemuserid", "fieldsecurityprofileid"),
        user_known,
        profile_known,
        &mut dangling,
    );
    let team_profiles = resolve_pairs(
        raw.team_profiles,
        ("teamprofilescollection", "teamid", "fieldsecurityprofileid"),
        team_known,
        profile_known,
        &mut dangling,
    );
    let mut field_permissions = raw.field_permissions;
    field_permissions.retain(|fp| {
        let ok = profile_index.contains_key(&fp.profile);
        if !ok {
            dangling.add(
                "fieldpermissions",
                "fieldsecurityprofileid",
                fp.profile.0,
                "fieldsecurityprofile",
            );
        }
        ok
    });

    // Entity definitions (with the CSV form's separate attributes) and the type-code map.
    let mut entities = raw.entities;
    if !raw.attribute_definitions.is_empty() {
        let by_name: HashMap<String, usize> = entities
            .iter()
            .enumerate()
            .map(|(i, e)| (e.logical_name.clone(), i))
            .collect();
        for (table, attr) in raw.attribute_definitions {
            if let Some(&i) = by_name.get(&table) {
                entities[i].attributes.push(attr);
            }
        }
    }
    entities.sort_by(|a, b| a.logical_name.cmp(&b.logical_name));
    let by_code: HashMap<i64, String> = entities
        .iter()
        .filter_map(|e| e.object_type_code.map(|c| (c, e.logical_name.clone())))
        .collect();

    use crate::ingest::tables::security::TableRef;
    let mut privilege_tables = Vec::new();
    let mut unknown_codes: BTreeMap<i64, u64> = BTreeMap::new();
    for (pid, t) in raw.privilege_tables {
        if !privilege_index.contains_key(&pid) {
            dangling.add("privilegeobjecttypecodesset", "privilegeid", pid.0, "privilege");
            continue;
        }
        match t {
            TableRef::Name(n) => privilege_tables.push((pid, n)),
            TableRef::Code(c) => match by_code.get(&c) {
                Some(n) => privilege_tables.push((pid, n.clone())),
                None => *unknown_codes.entry(c).or_default() += 1,
            },
        }
    }
    if !unknown_codes.is_empty() {
        let codes: Vec<String> = unknown_codes.keys().take(20).map(|c| c.to_string()).collect();
        problems.push((
            "privilegeobjecttypecodesset",
            Problem::file_level(
                "privilegeobjecttypecodesset",
                ProblemKind::SkippedRow,
                format!(
                    "{} rows name a table by a type code that entitydefinitions does not define ({}); they were skipped",
                    unknown_codes.values().sum::<u64>(),
                    codes.join(", ")
                ),
            ),
        ));
    }
    privilege_tables.sort();
    privilege_tables.dedup();

    // Privileges are stored on root roles; rows exported for copies are ignored, and reported when they differ.
    let mut by_role: BTreeMap<RoleId, Vec<(PrivilegeId, Depth)>> = BTreeMap::new();
    for rp in raw.role_privileges {
        let role_ok = role_known(&rp.role);
        let privilege_ok = privilege_index.contains_key(&rp.privilege);
        if !role_ok {
            dangling.add("roleprivilegescollection", "roleid", rp.role.0, "role");
        }
        if !privilege_ok {
            dangling.add("roleprivilegescollection", "privilegeid", rp.privilege.0, "privilege");
        }
        if role_ok && privilege_ok {
            by_role.entry(rp.role).or_default().push((rp.privilege, rp.depth));
        }
    }
    let mut role_privileges = Vec::new();
    let mut differing_copies = Vec::new();
    for privs in by_role.values_mut() {
        privs.sort();
    }
    for (role_id, privs) in &by_role {
        let role = &raw.roles[role_index[role_id]];
        if role.is_copy() && role_index.contains_key(&role.root()) {
            let root_privs = by_role.get(&role.root()).map(Vec::as_slice).unwrap_or(&[]);
            if privs.as_slice() != root_privs {
                differing_copies.push(format!("{} ({})", role.name, role.id));
            }
            continue;
        }
        role_privileges.extend(privs.iter().map(|&(privilege, depth)| RolePrivilege {
            role: *role_id,
            privilege,
            depth,
        }));
    }
    if !differing_copies.is_empty() {
        problems.push((
            "roleprivilegescollection",
            Problem::file_level(
                "roleprivilegescollection",
                ProblemKind::Note,
                format!(
                    "privilege rows of {} copied roles differ from their root role's and were ignored (copies always have their root's privileges): {}",
                    differing_copies.len(),
                    differing_copies.iter().take(10).cloned().collect::<Vec<_>>().join(", ")
                ),
            ),
        ));
    }

    let tenant = Tenant {
        organization: raw.organization,
        environment: raw.environment,
        business_units: raw.business_units,
        users: raw.users,
        teams: raw.teams,
        team_members,
        roles: raw.roles,
        privileges: raw.privileges,
        privilege_tables,
        role_privileges,
        record_filter_privileges: raw.record_filter_privileges,
        user_roles,
        team_roles,
        shares: Late::default(),
        field_security_profiles: raw.field_security_profiles,
        field_permissions,
        user_profiles,
        team_profiles,
        positions: raw.positions,
        entities,
        audit: Late::default(),
        customer_insights: raw.customer_insights,
        dangling: dangling.into_sorted().into(),
        roles_have_template_column: raw.roles_have_template_column,
        sources: raw.sources.into(),
        index: Index {
            business_units: bu_index,
            users: user_index,
            teams: team_index,
            roles: role_index,
            privileges: privilege_index,
            profiles: profile_index,
            positions: position_index,
        },
    };
    BuildOutput { tenant, problems }
}

/// Completes a tenant of [`build_core`] with the late tables: share type codes become table names, the
/// principals of shares are checked (those not in the export are dangling references). Once: a tenant completed
/// before keeps what it has.
pub fn complete(tenant: &Tenant, late: LateTables) {
    let mut dangling = Dangling::default();
    let by_code: HashMap<i64, &str> = tenant
        .entities
        .iter()
        .filter_map(|e| e.object_type_code.map(|c| (c, e.logical_name.as_str())))
        .collect();
    let mut shares = late.shares;
    for name in shares.tables.iter_mut() {
        if let Ok(code) = name.parse::<i64>() {
            if let Some(n) = by_code.get(&code) {
                *name = n.to_string();
            }
        }
    }
    let share_rows_per_principal = shares.rows_per_principal();
    for (i, &(id, kind)) in shares.principals.iter().enumerate() {
        let known = match kind {
            PrincipalKind::User => tenant.index.users.contains_key(&UserId(id)),
            PrincipalKind::Team => tenant.index.teams.contains_key(&TeamId(id)),
        };
        if !known {
            let rows = share_rows_per_principal.get(i).copied().unwrap_or(0);
            let target = if kind == PrincipalKind::User {
                "systemuser"
            } else {
                "team"
            };
            dangling
                .0
                .entry(("principalobjectaccessset", "principalid", id))
                .or_insert((target, 0))
                .1 += rows;
        }
    }
    let mut all_dangling = tenant.dangling.early().clone();
    all_dangling.extend(dangling.into_sorted());
    all_dangling.sort();
    let mut sources = tenant.sources.early().clone();
    sources.extend(late.sources);
    tenant.sources.complete(sources);
    tenant.dangling.complete(all_dangling);
    tenant.audit.complete(late.audit);
    tenant.shares.complete(shares);
}
