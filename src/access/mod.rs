//! Effective access (ACCESS-MODEL.md): for every enabled user, every privilege they hold, at which depth and
//! anchor, and through which path (user -> team -> role -> privilege).
//!
//! Many users share the same roles and teams. Users are grouped by their *grant set* (the roles that reach
//! them, with the team they come through, and their access mode); each distinct grant set is computed once,
//! in parallel, and users are mapped onto it. The cost grows with the input, not with users x privileges.

pub mod catalog;
pub mod csv;
pub mod explain;
pub mod fieldsec;
pub mod hierarchy;
pub mod lookup;
pub mod reverse;
pub mod shares;

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use crate::graph::BusinessUnitTree;
use crate::id::BusinessUnitId;
use crate::ingest::problem::Problem;
use crate::model::{AccessMode, Depth, Right, Tenant, SYSTEM_ADMINISTRATOR_TEMPLATE, SYSTEM_CUSTOMIZER_TEMPLATE};
pub use catalog::PrivilegeInfo;

/// Impersonation: counts only from a direct role, never through a team.
pub const IMPERSONATION: &str = "prvActOnBehalfOfAnotherUser";

/// Miscellaneous privileges that make an account privileged at any depth (ACCESS-MODEL.md).
pub const PRIVILEGED_MISCELLANEOUS: [&str; 6] = [
    IMPERSONATION,
    "prvBypassCustomBusinessLogic",
    "prvBypassCustomPlugins",
    "prvDeleteAuditPartitions",
    "prvDeleteRecordChangeHistory",
    "prvBulkDelete",
];

/// One role reaching a user: directly, or through a team. Indices into the tenant's vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Assignment {
    pub role: u32,
    pub team: Option<u32>,
}

/// One grant of a privilege: a depth, through an assignment, anchored at the business unit of the assigned
/// role copy (`Engine::anchor`). Four bytes: grant sets hold millions of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Grant {
    pub depth: Depth,
    /// A Basic grant of a team role with `isinherited = 0`: over team-owned records only.
    pub team_records_only: bool,
    /// Index into the grant set's `assignments`.
    pub assignment: u16,
}

/// A privilege a grant set holds: the broadest depth, and its grants (a range of the set's `grants`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    /// Index into `tenant.privileges` (and the catalog).
    pub privilege: u32,
    pub depth: Depth,
    first_grant: u32,
    /// A privilege's grants in one set come one or two per assignment, and assignments are numbered in 16 bits:
    /// 16 bits keep a held privilege at 12 bytes, tens of millions of them in a large tenant.
    grant_count: u16,
}

/// Why an account is privileged (ACCESS-MODEL.md, "Privileged accounts").
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PrivilegedReason {
    /// Holds the System Administrator or System Customizer role (`by_name` when the export has no template ids).
    Role { role: String, path: String, by_name: bool },
    /// Holds one of the privileged miscellaneous privileges.
    Privilege {
        privilege: String,
        depth: Depth,
        path: String,
    },
    /// Create or Write on `role` at Global: can edit every security role.
    EditsRoles { privilege: String, path: String },
}

/// The users that share one set of grants and access mode, and what that set gives them.
#[derive(Clone, Debug)]
pub struct GrantSet {
    pub access_mode: AccessMode,
    pub assignments: Vec<Assignment>,
    /// Sorted by privilege name (bytewise), then index.
    pub held: Vec<Held>,
    /// The grants of every held privilege, by privilege.
    grants: Vec<Grant>,
    /// Every reason the users are privileged (empty: not privileged).
    pub privileged: Vec<PrivilegedReason>,
    /// True when the only roles come from team roles with `isinherited = 0` (cannot run apps).
    pub only_team_privileges: bool,
    pub users: u32,
}

impl GrantSet {
    /// Every grant that gives a held privilege.
    pub fn grants(&self, h: &Held) -> &[Grant] {
        &self.grants[h.first_grant as usize..h.first_grant as usize + h.grant_count as usize]
    }
}

/// What an engine computes: everything by default; a query narrows it to some users or some privileges.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Compute only the grant sets of these users (indices into `tenant.users`).
    pub users: Option<Vec<usize>>,
    /// Compute only these privileges (indices into `tenant.privileges`).
    pub privileges: Option<std::collections::HashSet<u32>>,
}

/// Whether holding a privilege makes an account privileged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PrivilegedKind {
    No,
    /// One of [`PRIVILEGED_MISCELLANEOUS`], at any depth.
    Miscellaneous,
    /// Create or Write on `role`, when held at Global.
    EditsRolesAtGlobal,
}

/// Effective access for a whole tenant.
pub struct Engine<'t> {
    pub tenant: &'t Tenant,
    pub tree: BusinessUnitTree,
    pub catalog: Vec<PrivilegeInfo>,
    pub catalog_problems: Vec<Problem>,
    /// Each catalog privilege's position in bytewise name order (held privileges are listed in that order).
    name_rank: Vec<u32>,
    /// What each catalog privilege makes of the accounts that hold it (ACCESS-MODEL.md, "Privileged accounts").
    privileged_kind: Vec<PrivilegedKind>,
    /// The privileges of each role (indexed like `tenant.roles`): those of its root role, in name order.
    pub role_privileges: Vec<Vec<(u32, Depth)>>,
    pub grant_sets: Vec<GrantSet>,
    /// Per user (indexed like `tenant.users`): the grant set of an enabled user.
    pub user_grant_set: Vec<Option<u32>>,
    /// Per user: the teams they are in (explicit memberships and their business unit's default team), sorted.
    pub user_teams: Vec<Vec<u32>>,
    /// Per team: the users in it (the same relation, the other way).
    pub team_users: Vec<Vec<u32>>,
}

/// `\`, `;` and `>` escaped in names written in paths (ACCESS-MODEL.md, `via`).
pub fn escape_path_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '\\' | ';' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl<'t> Engine<'t> {
    pub fn build(tenant: &'t Tenant) -> Engine<'t> {
        Engine::build_scoped(tenant, &Scope::default())
    }

    /// Groups every user into grant sets, but computes the held privileges only of the grant sets and the
    /// privileges in scope (the `access` queries answer one question; the reports need everything).
    pub fn build_scoped(tenant: &'t Tenant, scope: &Scope) -> Engine<'t> {
        let tree = BusinessUnitTree::build(tenant);
        let (catalog, catalog_problems) = catalog::build(tenant);
        let mut by_name: Vec<u32> = (0..catalog.len() as u32).collect();
        by_name.sort_by(|&a, &b| {
            catalog[a as usize]
                .name
                .as_bytes()
                .cmp(catalog[b as usize].name.as_bytes())
        });
        let mut name_rank = vec![0u32; catalog.len()];
        for (rank, &p) in by_name.iter().enumerate() {
            name_rank[p as usize] = rank as u32;
        }

        let mut own_privileges: HashMap<_, Vec<(u32, Depth)>> = HashMap::default();
        for rp in &tenant.role_privileges {
            if let Some(&p) = tenant.index.privileges.get(&rp.privilege) {
                own_privileges.entry(rp.role).or_default().push((p as u32, rp.depth));
            }
        }
        // In name order (stable: a privilege listed twice keeps its order), so that the grants of a set gathered
        // role after role are runs already in the order of its held privileges.
        for privileges in own_privileges.values_mut() {
            privileges.sort_by_key(|&(p, _)| name_rank[p as usize]);
        }
        let role_privileges: Vec<Vec<(u32, Depth)>> = tenant
            .roles
            .iter()
            .map(|r| {
                own_privileges
                    .get(&tenant.privilege_source(r))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let privileged_kind = catalog
            .iter()
            .map(|info| {
                if PRIVILEGED_MISCELLANEOUS
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(&info.name))
                {
                    PrivilegedKind::Miscellaneous
                } else if matches!(info.right, Some(Right::Create | Right::Write)) && info.covers("role") {
                    PrivilegedKind::EditsRolesAtGlobal
                } else {
                    PrivilegedKind::No
                }
            })
            .collect();

        // Team membership: explicit, plus every user of a business unit in its default team.
        let mut user_teams: Vec<Vec<u32>> = vec![Vec::new(); tenant.users.len()];
        for (team, user) in &tenant.team_members {
            if let (Some(&t), Some(&u)) = (tenant.index.teams.get(team), tenant.index.users.get(user)) {
                user_teams[u].push(t as u32);
            }
        }
        let default_team: HashMap<BusinessUnitId, u32> = tenant
            .teams
            .iter()
            .enumerate()
            .filter(|(_, t)| t.is_default)
            .map(|(i, t)| (t.business_unit, i as u32))
            .collect();
        for (u, user) in tenant.users.iter().enumerate() {
            if let Some(&t) = default_team.get(&user.business_unit) {
                user_teams[u].push(t);
            }
            user_teams[u].sort_unstable();
            user_teams[u].dedup();
        }
        let mut team_users: Vec<Vec<u32>> = vec![Vec::new(); tenant.teams.len()];
        for (u, teams) in user_teams.iter().enumerate() {
            for &t in teams {
                team_users[t as usize].push(u as u32);
            }
        }

        let mut direct_roles: Vec<Vec<u32>> = vec![Vec::new(); tenant.users.len()];
        for (user, role) in &tenant.user_roles {
            if let (Some(&u), Some(&r)) = (tenant.index.users.get(user), tenant.index.roles.get(role)) {
                direct_roles[u].push(r as u32);
            }
        }
        let mut team_roles: Vec<Vec<u32>> = vec![Vec::new(); tenant.teams.len()];
        for (team, role) in &tenant.team_roles {
            if let (Some(&t), Some(&r)) = (tenant.index.teams.get(team), tenant.index.roles.get(role)) {
                team_roles[t].push(r as u32);
            }
        }
        // Teams that grant their roles: owner and Entra group teams outside a disabled business unit.
        let team_grants: Vec<bool> = tenant
            .teams
            .iter()
            .map(|t| t.team_type.carries_roles() && !tenant.business_unit(t.business_unit).is_some_and(|b| b.disabled))
            .collect();

        // Each enabled user's grant set key.
        let keys: Vec<Option<(AccessMode, Vec<Assignment>)>> = tenant
            .users
            .par_iter()
            .enumerate()
            .map(|(u, user)| {
                if !tenant.is_enabled(user) {
                    return None;
                }
                let mut a: Vec<Assignment> = direct_roles[u]
                    .iter()
                    .map(|&role| Assignment { role, team: None })
                    .collect();
                for &t in &user_teams[u] {
                    if team_grants[t as usize] {
                        a.extend(
                            team_roles[t as usize]
                                .iter()
                                .map(|&role| Assignment { role, team: Some(t) }),
                        );
                    }
                }
                a.sort_unstable();
                a.dedup();
                Some((user.access_mode, a))
            })
            .collect();
        let mut index: HashMap<&(AccessMode, Vec<Assignment>), u32> = HashMap::default();
        let mut distinct: Vec<&(AccessMode, Vec<Assignment>)> = Vec::new();
        let mut counts: Vec<u32> = Vec::new();
        let user_grant_set: Vec<Option<u32>> = keys
            .iter()
            .map(|k| {
                k.as_ref().map(|k| {
                    let i = *index.entry(k).or_insert_with(|| {
                        distinct.push(k);
                        counts.push(0);
                        (distinct.len() - 1) as u32
                    });
                    counts[i as usize] += 1;
                    i
                })
            })
            .collect();
        let mut engine = Engine {
            tenant,
            tree,
            catalog,
            catalog_problems,
            name_rank,
            privileged_kind,
            role_privileges,
            grant_sets: Vec::new(),
            user_grant_set,
            user_teams,
            team_users,
        };
        let wanted: Option<std::collections::HashSet<u32>> = scope.users.as_ref().map(|users| {
            users
                .iter()
                .filter_map(|&u| engine.user_grant_set.get(u).copied().flatten())
                .collect()
        });
        let grant_sets: Vec<GrantSet> = distinct
            .par_iter()
            .zip(counts.par_iter())
            .enumerate()
            .map(|(i, (key, &users))| {
                if wanted.as_ref().is_some_and(|w| !w.contains(&(i as u32))) {
                    // Out of scope: the grouping is kept, the privileges are not computed.
                    return GrantSet {
                        access_mode: key.0,
                        assignments: key.1.clone(),
                        held: Vec::new(),
                        grants: Vec::new(),
                        privileged: Vec::new(),
                        only_team_privileges: false,
                        users,
                    };
                }
                engine.compute(key.0, key.1.clone(), users, scope.privileges.as_ref())
            })
            .collect();
        engine.grant_sets = grant_sets;
        engine
    }

    fn compute(
        &self,
        access_mode: AccessMode,
        assignments: Vec<Assignment>,
        users: u32,
        privileges: Option<&std::collections::HashSet<u32>>,
    ) -> GrantSet {
        let t = self.tenant;
        let mut pairs: Vec<(u32, Grant)> = Vec::with_capacity(
            assignments
                .iter()
                .map(|a| self.role_privileges[a.role as usize].len())
                .sum(),
        );
        let mut only_team_privileges = !assignments.is_empty();
        for (ai, a) in assignments.iter().enumerate() {
            let role = &t.roles[a.role as usize];
            let source = t.root_role(role);
            if a.team.is_none() || source.inherited {
                only_team_privileges = false;
            }
            for &(p, depth) in &self.role_privileges[a.role as usize] {
                if privileges.is_some_and(|only| !only.contains(&p)) {
                    continue;
                }
                let info = &self.catalog[p as usize];
                if a.team.is_some() && info.name == IMPERSONATION {
                    continue;
                }
                let effective = match access_mode {
                    AccessMode::Read => info.right == Some(Right::Read),
                    AccessMode::Administrative => info.is_miscellaneous(),
                    _ => true,
                };
                if !effective {
                    continue;
                }
                pairs.push((
                    p,
                    Grant {
                        depth,
                        team_records_only: a.team.is_some() && !source.inherited && depth == Depth::Basic,
                        assignment: ai as u16,
                    },
                ));
            }
        }
        // By name, then assignment; stable: grants of one privilege and assignment keep their order. Each
        // assignment's grants are a run in name order already, so this merges runs.
        pairs.sort_by_key(|(p, g)| (self.name_rank[*p as usize], g.assignment));
        let grants: Vec<Grant> = pairs.iter().map(|(_, g)| *g).collect();
        // Bytewise by name, then by index (the rank is unique per privilege, so ties are between equal names).
        let mut held: Vec<Held> = Vec::new();
        for (i, (p, g)) in pairs.iter().enumerate() {
            match held.last_mut() {
                Some(h) if h.privilege == *p => {
                    h.grant_count = h.grant_count.saturating_add(1);
                    h.depth = h.depth.max(g.depth);
                }
                _ => held.push(Held {
                    privilege: *p,
                    depth: g.depth,
                    first_grant: i as u32,
                    grant_count: 1,
                }),
            }
        }
        let mut set = GrantSet {
            access_mode,
            assignments,
            held,
            grants,
            privileged: Vec::new(),
            only_team_privileges,
            users,
        };
        set.privileged = self.privileged_reasons(&set);
        set
    }

    fn privileged_reasons(&self, set: &GrantSet) -> Vec<PrivilegedReason> {
        let t = self.tenant;
        let mut reasons = Vec::new();
        for a in &set.assignments {
            let role = &t.roles[a.role as usize];
            let source = t.root_role(role);
            let template = source.template.or(role.template);
            let by_template =
                template.is_some_and(|g| g == SYSTEM_ADMINISTRATOR_TEMPLATE || g == SYSTEM_CUSTOMIZER_TEMPLATE);
            let by_name = !t.roles_have_template_column
                && ["System Administrator", "System Customizer"]
                    .iter()
                    .any(|n| source.name.eq_ignore_ascii_case(n));
            if by_template || by_name {
                reasons.push(PrivilegedReason::Role {
                    role: source.name.clone(),
                    path: self.path(a),
                    by_name,
                });
            }
        }
        for h in &set.held {
            let info = &self.catalog[h.privilege as usize];
            let best = || {
                set.grants(h)
                    .iter()
                    .filter(|g| g.depth == h.depth)
                    .map(|g| self.grant_path(set, g))
                    .min()
                    .unwrap_or_default()
            };
            match self.privileged_kind[h.privilege as usize] {
                PrivilegedKind::Miscellaneous => reasons.push(PrivilegedReason::Privilege {
                    privilege: info.name.clone(),
                    depth: h.depth,
                    path: best(),
                }),
                PrivilegedKind::EditsRolesAtGlobal if h.depth == Depth::Global => {
                    reasons.push(PrivilegedReason::EditsRoles {
                        privilege: info.name.clone(),
                        path: best(),
                    })
                }
                _ => {}
            }
        }
        reasons
    }

    /// `role:<name>` or `team:<name>>role:<name>`.
    pub fn path(&self, a: &Assignment) -> String {
        let t = self.tenant;
        let role = escape_path_name(&t.roles[a.role as usize].name);
        match a.team {
            None => format!("role:{role}"),
            Some(team) => format!("team:{}>role:{role}", escape_path_name(&t.teams[team as usize].name)),
        }
    }

    /// The path of a grant, with ` (team records)` for a Basic grant of a non-inheriting team role.
    pub fn grant_path(&self, set: &GrantSet, g: &Grant) -> String {
        let mut p = self.path(&set.assignments[g.assignment as usize]);
        if g.team_records_only {
            p.push_str(" (team records)");
        }
        p
    }

    /// The reach below Global (ACCESS-MODEL.md, `business_units`): every Local or Deep grant not strictly
    /// contained in another one, sorted; empty when the depth is Global or Basic.
    pub fn business_units(&self, set: &GrantSet, h: &Held) -> Vec<(Depth, BusinessUnitId)> {
        if matches!(h.depth, Depth::Global | Depth::Basic) {
            return Vec::new();
        }
        let mut items: Vec<(Depth, BusinessUnitId)> = set
            .grants(h)
            .iter()
            .filter(|g| matches!(g.depth, Depth::Local | Depth::Deep))
            .map(|g| (g.depth, self.anchor(set, g)))
            .collect();
        items.sort();
        items.dedup();
        let contains = |outer: &(Depth, BusinessUnitId), inner: &(Depth, BusinessUnitId)| {
            if outer == inner || outer.0 != Depth::Deep {
                return false;
            }
            match (self.tree.index.get(&outer.1), self.tree.index.get(&inner.1)) {
                (Some(&o), Some(&i)) => self.tree.contains(o, i),
                // A business unit missing from the export is contained only in itself.
                _ => outer.1 == inner.1,
            }
        };
        let kept: Vec<(Depth, BusinessUnitId)> = items
            .iter()
            .filter(|i| !items.iter().any(|o| contains(o, i)))
            .copied()
            .collect();
        let mut kept = kept;
        // Ids compare as their lower-case hex text does (fixed width).
        kept.sort_by(|a, b| (a.0.name(), a.1).cmp(&(b.0.name(), b.1)));
        kept
    }

    /// The paths of every grant at the held depth and of the narrower grants in `business_units`, sorted,
    /// without duplicates.
    pub fn via(&self, set: &GrantSet, h: &Held, business_units: &[(Depth, BusinessUnitId)]) -> Vec<String> {
        let mut paths: Vec<String> = self
            .via_grants(set, h, business_units)
            .map(|g| self.grant_path(set, g))
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }

    /// The grants whose paths [`Engine::via`] lists: those at the held depth and the narrower ones in
    /// `business_units`.
    pub fn via_grants<'s>(
        &'s self,
        set: &'s GrantSet,
        h: &'s Held,
        business_units: &'s [(Depth, BusinessUnitId)],
    ) -> impl Iterator<Item = &'s Grant> + 's {
        set.grants(h)
            .iter()
            .filter(move |g| g.depth == h.depth || business_units.contains(&(g.depth, self.anchor(set, g))))
    }

    /// The business unit a grant is anchored at: that of the role copy assigned.
    pub fn anchor(&self, set: &GrantSet, g: &Grant) -> BusinessUnitId {
        self.tenant.roles[set.assignments[g.assignment as usize].role as usize].business_unit
    }

    pub fn grant_set_of(&self, user: usize) -> Option<&GrantSet> {
        self.user_grant_set
            .get(user)
            .copied()
            .flatten()
            .map(|i| &self.grant_sets[i as usize])
    }

    pub fn is_privileged(&self, user: usize) -> bool {
        self.grant_set_of(user).is_some_and(|s| !s.privileged.is_empty())
    }

    /// How many (user, privilege) pairs are held at each depth, over enabled users.
    pub fn depth_counts(&self) -> [u64; 4] {
        let mut counts = [0u64; 4];
        for set in &self.grant_sets {
            for h in &set.held {
                counts[h.depth as usize] += set.users as u64;
            }
        }
        counts
    }
}
