//! Effective access: the engine against an independent naive computation on random tenants, and one
//! hand-built tenant for each rule of ACCESS-MODEL.md.

use proptest::prelude::*;

use super::access_naive;
use super::tenant::*;

/// A small deterministic generator, so that a failing case is reproduced from its seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const NAMES: [&str; 6] = ["Sales", "Ops; EMEA", "A>B", "back\\slash", "=cmd", "Plain"];

pub fn random_tenant(seed: u64) -> Tenant {
    let mut g = Rng(seed);
    let mut t = Tenant {
        privileges: catalog(),
        modernized: g.chance(40),
        ..Default::default()
    };
    let n_bu = 1 + g.below(6);
    for i in 0..n_bu {
        let parent = if i == 0 { None } else { Some(g.below(i)) };
        t.bus.push(Bu {
            parent,
            disabled: i > 0 && g.chance(10),
        });
    }
    // Root roles, each copied into every business unit below its own (as Dataverse does).
    let n_roots = 1 + g.below(4);
    for r in 0..n_roots {
        let bu = if g.chance(70) { 0 } else { g.below(n_bu) };
        let mut privileges = Vec::new();
        for p in 0..t.privileges.len() {
            if g.chance(55) {
                privileges.push((p, [1u32, 2, 4, 8, 0x18, 0x3][g.below(6)]));
            }
        }
        let name = format!("{} role {r}", NAMES[g.below(NAMES.len())]);
        let template = (r == 0 && g.chance(50)).then_some(SYSADMIN_TEMPLATE);
        let root = t.roles.len();
        t.roles.push(Role {
            name: name.clone(),
            bu,
            root: None,
            inherited: g.chance(50),
            template,
            privileges,
        });
        for b in 0..n_bu {
            let mut at = t.bus[b].parent;
            let mut below = false;
            while let Some(x) = at {
                below |= x == bu;
                at = t.bus[x].parent;
            }
            if below {
                t.roles.push(Role {
                    name: name.clone(),
                    bu: b,
                    root: Some(root),
                    inherited: false,
                    template: None,
                    privileges: Vec::new(),
                });
            }
        }
    }
    let copies_in =
        |t: &Tenant, bu: usize| -> Vec<usize> { (0..t.roles.len()).filter(|&r| t.roles[r].bu == bu).collect() };
    let pick_role = |t: &Tenant, g: &mut Rng, bu: usize| -> Option<usize> {
        let candidates = if t.modernized && g.chance(50) {
            (0..t.roles.len()).collect()
        } else {
            copies_in(t, bu)
        };
        (!candidates.is_empty()).then(|| candidates[g.below(candidates.len())])
    };
    let n_users = 1 + g.below(7);
    for i in 0..n_users {
        let bu = g.below(n_bu);
        let mut roles = Vec::new();
        for _ in 0..g.below(3) {
            if let Some(r) = pick_role(&t, &mut g, bu) {
                if !roles.contains(&r) {
                    roles.push(r);
                }
            }
        }
        t.users.push(User {
            name: format!("{} {i}", NAMES[g.below(NAMES.len())]),
            bu,
            disabled: g.chance(10),
            azure_state: if g.chance(8) { 2 } else { 0 },
            access_mode: [0, 0, 0, 1, 2, 4][g.below(6)],
            roles,
            manager: None,
        });
    }
    for b in 0..n_bu {
        if g.chance(60) {
            let roles = pick_role(&t, &mut g, b).into_iter().collect();
            t.teams.push(Team {
                name: format!("BU {b} default"),
                team_type: 0,
                bu: b,
                is_default: true,
                members: Vec::new(),
                roles,
            });
        }
    }
    for i in 0..g.below(4) {
        let bu = g.below(n_bu);
        let mut roles = Vec::new();
        for _ in 0..g.below(3) {
            if let Some(r) = pick_role(&t, &mut g, bu) {
                if !roles.contains(&r) {
                    roles.push(r);
                }
            }
        }
        let members = (0..n_users).filter(|_| g.chance(45)).collect();
        t.teams.push(Team {
            name: format!("{} team {i}", NAMES[g.below(NAMES.len())]),
            team_type: g.below(4) as i64,
            bu,
            is_default: false,
            members,
            roles,
        });
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_the_naive_model(seed in any::<u64>()) {
        let t = random_tenant(seed);
        let expected = access_naive::effective_access(&t);
        let actual = t.effective_access();
        prop_assert_eq!(actual, expected, "seed {}", seed);
    }
}

/// The rows of one user, as (privilege, depth, business_units, via).
fn rows_of(rows: &[Vec<String>], user: usize) -> Vec<(String, String, String, String)> {
    rows.iter()
        .filter(|r| r[0] == user_id(user))
        .map(|r| (r[4].clone(), r[5].clone(), r[6].clone(), r[7].clone()))
        .collect()
}

fn three_units() -> Tenant {
    // 0 root, 1 child of 0, 2 child of 1.
    Tenant {
        bus: vec![
            Bu::default(),
            Bu {
                parent: Some(0),
                disabled: false,
            },
            Bu {
                parent: Some(1),
                disabled: false,
            },
        ],
        privileges: catalog(),
        ..Default::default()
    }
}

fn user(name: &str, bu: usize, roles: Vec<usize>) -> User {
    User {
        name: name.to_string(),
        bu,
        disabled: false,
        azure_state: 0,
        access_mode: 0,
        roles,
        manager: None,
    }
}

fn role(name: &str, bu: usize, inherited: bool, privileges: Vec<(usize, u32)>) -> Role {
    Role {
        name: name.to_string(),
        bu,
        root: None,
        inherited,
        template: None,
        privileges,
    }
}

fn copy(t: &Tenant, root: usize, bu: usize) -> Role {
    Role {
        bu,
        root: Some(root),
        privileges: Vec::new(),
        ..t.roles[root].clone()
    }
}

#[test]
fn team_only_inheritance_gives_basic_over_team_records_only() {
    let mut t = three_units();
    t.roles.push(role("Team reader", 0, false, vec![(0, 1), (1, 2)]));
    t.roles.push(copy(&t, 0, 1));
    t.users.push(user("Member", 1, vec![]));
    t.teams.push(Team {
        name: "Readers".into(),
        team_type: 0,
        bu: 1,
        is_default: false,
        members: vec![0],
        roles: vec![1],
    });
    let rows = t.effective_access();
    assert_eq!(
        rows_of(&rows, 0),
        vec![
            (
                "prvReadAccount".into(),
                "Basic".into(),
                "".into(),
                "team:Readers>role:Team reader (team records)".into()
            ),
            (
                "prvWriteAccount".into(),
                "Local".into(),
                format!("Local:{}", bu_id(1)),
                "team:Readers>role:Team reader".into()
            ),
        ]
    );
    assert_eq!(rows, access_naive::effective_access(&t));
}

#[test]
fn access_team_with_a_share_but_no_role_gives_nothing() {
    let mut t = three_units();
    t.roles.push(role("Reader", 0, true, vec![(0, 8)]));
    t.users.push(user("Shared with", 0, vec![]));
    t.teams.push(Team {
        name: "Deal team".into(),
        team_type: 1,
        bu: 0,
        is_default: false,
        members: vec![0],
        roles: vec![0],
    });
    t.shares.push(Share {
        object: 1,
        table: "account",
        principal: (true, 0),
        rights: 3,
        inherited: 0,
    });
    assert!(t.effective_access().is_empty(), "an access team carries no roles");
    let dir = tempfile::tempdir().unwrap();
    t.write(dir.path());
    let export = dvposture::ingest::load(dir.path(), &Default::default()).unwrap();
    let engine = dvposture::access::Engine::build(&export.tenant);
    let index = dvposture::access::shares::ShareIndex::build(&engine);
    let shares = engine.user_shares(&index, 0);
    assert_eq!(shares.len(), 1);
    assert_eq!(
        (
            shares[0].records,
            shares[0].rights,
            shares[0].effective,
            shares[0].ineffective
        ),
        (1, 3, 0, 3),
        "shared, and unusable"
    );
    let ineffective = engine.ineffective_shares();
    assert_eq!(ineffective.len(), 1);
    assert_eq!(ineffective[0].rights, 3);
}

#[test]
fn deep_anchored_at_a_child_unit_reaches_its_subtree_only() {
    let mut t = three_units();
    t.roles.push(role("Deep reader", 0, true, vec![(0, 4)]));
    t.roles.push(copy(&t, 0, 1));
    t.roles.push(copy(&t, 0, 2));
    t.users.push(user("Child user", 1, vec![1]));
    t.users.push(user("Grandchild user", 2, vec![2]));
    // A second grant, Local at the grandchild, is inside the first user's Deep reach.
    t.teams.push(Team {
        name: "Local team".into(),
        team_type: 0,
        bu: 2,
        is_default: false,
        members: vec![0],
        roles: vec![],
    });
    let rows = t.effective_access();
    assert_eq!(
        rows_of(&rows, 0),
        vec![(
            "prvReadAccount".into(),
            "Deep".into(),
            format!("Deep:{}", bu_id(1)),
            "role:Deep reader".into()
        )]
    );
    assert_eq!(
        rows_of(&rows, 1),
        vec![(
            "prvReadAccount".into(),
            "Deep".into(),
            format!("Deep:{}", bu_id(2)),
            "role:Deep reader".into()
        )]
    );
    assert_eq!(rows, access_naive::effective_access(&t));
}

#[test]
fn deep_contains_narrower_grants_below_it_but_not_beside_it() {
    let mut t = three_units();
    t.bus.push(Bu {
        parent: Some(0),
        disabled: false,
    }); // 3: a sibling of 1
    t.modernized = true;
    t.roles.push(role("Deep", 0, true, vec![(0, 4)]));
    t.roles.push(copy(&t, 0, 1));
    t.roles.push(role("Local", 0, true, vec![(0, 2)]));
    t.roles.push(copy(&t, 2, 2));
    t.roles.push(copy(&t, 2, 3));
    t.users.push(user("Matrix", 1, vec![1, 3, 4]));
    let rows = t.effective_access();
    assert_eq!(
        rows_of(&rows, 0),
        vec![(
            "prvReadAccount".into(),
            "Deep".into(),
            format!("Deep:{};Local:{}", bu_id(1), bu_id(3)),
            "role:Deep;role:Local".into()
        )]
    );
    assert_eq!(rows, access_naive::effective_access(&t));
}

#[test]
fn a_modernized_role_from_another_unit_is_anchored_there() {
    let mut t = three_units();
    t.modernized = true;
    t.bus.push(Bu {
        parent: Some(0),
        disabled: false,
    }); // 3
    t.roles.push(role("Local writer", 0, true, vec![(1, 2)]));
    t.roles.push(copy(&t, 0, 3));
    t.users.push(user("Elsewhere", 1, vec![1]));
    let rows = t.effective_access();
    assert_eq!(
        rows_of(&rows, 0),
        vec![(
            "prvWriteAccount".into(),
            "Local".into(),
            format!("Local:{}", bu_id(3)),
            "role:Local writer".into()
        )]
    );
}

#[test]
fn a_disabled_user_has_no_effective_access() {
    let mut t = three_units();
    t.roles.push(role("Reader", 0, true, vec![(0, 8)]));
    t.users.push(user("Gone", 0, vec![0]));
    t.users.push(user("Deleted in Entra", 0, vec![0]));
    t.users.push(user("In a disabled unit", 1, vec![]));
    t.users[0].disabled = true;
    t.users[1].azure_state = 2;
    t.bus[1].disabled = true;
    t.roles.push(copy(&t, 0, 1));
    t.users[2].roles = vec![1];
    assert!(t.effective_access().is_empty());
}

#[test]
fn the_default_team_holds_every_user_of_its_unit() {
    let mut t = three_units();
    t.roles.push(role("Everyone", 0, true, vec![(0, 1)]));
    t.roles.push(copy(&t, 0, 1));
    t.users.push(user("No explicit membership", 1, vec![]));
    t.users.push(user("Other unit", 2, vec![]));
    t.teams.push(Team {
        name: "BU 1".into(),
        team_type: 0,
        bu: 1,
        is_default: true,
        members: vec![],
        roles: vec![1],
    });
    let rows = t.effective_access();
    assert_eq!(
        rows_of(&rows, 0),
        vec![(
            "prvReadAccount".into(),
            "Basic".into(),
            "".into(),
            "team:BU 1>role:Everyone".into()
        )]
    );
    assert!(rows_of(&rows, 1).is_empty());
}

#[test]
fn impersonation_counts_only_from_a_direct_role_and_access_modes_limit() {
    let mut t = three_units();
    t.roles
        .push(role("Integration", 0, true, vec![(6, 8), (0, 8), (1, 8), (7, 8)]));
    t.users.push(user("Through a team", 0, vec![]));
    t.users.push(user("Direct", 0, vec![0]));
    t.users.push(user("Read mode", 0, vec![0]));
    t.users.push(user("Administrative", 0, vec![0]));
    t.users[2].access_mode = 2;
    t.users[3].access_mode = 1;
    t.teams.push(Team {
        name: "Integrators".into(),
        team_type: 2,
        bu: 0,
        is_default: false,
        members: vec![0],
        roles: vec![0],
    });
    let rows = t.effective_access();
    let privileges = |u| rows_of(&rows, u).into_iter().map(|r| r.0).collect::<Vec<_>>();
    assert_eq!(
        privileges(0),
        vec!["prvBulkDelete", "prvReadAccount", "prvWriteAccount"]
    );
    assert_eq!(
        privileges(1),
        vec![
            "prvActOnBehalfOfAnotherUser",
            "prvBulkDelete",
            "prvReadAccount",
            "prvWriteAccount"
        ]
    );
    assert_eq!(privileges(2), vec!["prvReadAccount"]);
    assert_eq!(privileges(3), vec!["prvActOnBehalfOfAnotherUser", "prvBulkDelete"]);
    assert_eq!(rows, access_naive::effective_access(&t));
}

/// Ineffective shares against a naive computation: a principal's held rights per table come from the naive
/// effective-access rows (its own, or for a team those of its enabled members, explicit or through the default
/// team of their business unit), and every share row is checked on its own.
fn naive_ineffective_shares(
    t: &Tenant,
    export: &dvposture::ingest::Export,
) -> Vec<(String, String, u32, u64, Vec<String>)> {
    use std::collections::{BTreeMap, BTreeSet, HashMap};
    let catalog: HashMap<&str, &Privilege> = t.privileges.iter().map(|p| (p.name, p)).collect();
    let mut held: HashMap<(String, &str), u32> = HashMap::new();
    for row in access_naive::effective_access(t) {
        let p = catalog[row[4].as_str()];
        for &table in p.tables {
            *held.entry((row[0].clone(), table)).or_default() |= p.access_right;
        }
    }
    let enabled = |u: usize| {
        let m = &export.tenant;
        let id = dvposture::id::UserId(dvposture::id::Guid::parse(&user_id(u)).unwrap().unwrap());
        m.index.users.get(&id).is_some_and(|&i| m.is_enabled(&m.users[i]))
    };
    let members = |team: usize| -> Vec<usize> {
        let tm = &t.teams[team];
        (0..t.users.len())
            .filter(|&u| tm.members.contains(&u) || (tm.is_default && t.users[u].bu == tm.bu))
            .filter(|&u| enabled(u))
            .collect()
    };
    let mut found: BTreeMap<(String, &str), (u32, BTreeSet<String>)> = BTreeMap::new();
    for s in &t.shares {
        let all = (s.rights | s.inherited) & 0xD0037;
        let (id, holders) = match s.principal {
            (false, u) if enabled(u) => (user_id(u), vec![u]),
            (false, _) => continue,
            (true, team) => (team_id(team), members(team)),
        };
        let mut rights = 0;
        for u in holders {
            rights |= held.get(&(user_id(u), s.table)).copied().unwrap_or(0);
        }
        let lacking = all & !rights;
        if lacking != 0 {
            let f = found.entry((id, s.table)).or_default();
            f.0 |= lacking;
            f.1.insert(format!("90000000-0000-0000-0000-{:012x}", s.object));
        }
    }
    found
        .into_iter()
        .map(|((id, table), (rights, records))| {
            (
                id,
                table.to_string(),
                rights,
                records.len() as u64,
                records.into_iter().take(5).collect(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn ineffective_shares_match_the_naive_model(seed in any::<u64>()) {
        let mut t = random_tenant(seed);
        let mut g = Rng(seed ^ 0x5EED);
        let tables = ["account", "activitypointer", "email", "role", "contact"];
        for _ in 0..g.below(40) {
            let team = !t.teams.is_empty() && g.chance(40);
            let principal = if team { (true, g.below(t.teams.len())) } else { (false, g.below(t.users.len().max(1))) };
            if !team && t.users.is_empty() {
                break;
            }
            t.shares.push(Share {
                object: g.below(12) as u32,
                table: tables[g.below(tables.len())],
                principal,
                rights: [0, 1, 3, 0x10000, 0x40000, 0x80000 | 4][g.below(6)],
                inherited: [0, 0, 1, 2, 0x20][g.below(5)],
            });
        }
        let dir = tempfile::tempdir().unwrap();
        t.write(dir.path());
        let export = dvposture::ingest::load(dir.path(), &Default::default()).unwrap();
        let engine = dvposture::access::Engine::build(&export.tenant);
        let actual: Vec<(String, String, u32, u64, Vec<String>)> = engine
            .ineffective_shares()
            .into_iter()
            .map(|s| (s.principal.to_string(), s.table.to_string(), s.rights, s.records, s.examples.iter().map(|g| g.to_string()).collect()))
            .collect();
        let mut expected = naive_ineffective_shares(&t, &export);
        expected.sort();
        let mut sorted = actual.clone();
        sorted.sort();
        prop_assert_eq!(&actual, &sorted, "sorted by principal and table, seed {}", seed);
        prop_assert_eq!(sorted, expected, "seed {}", seed);
    }
}
