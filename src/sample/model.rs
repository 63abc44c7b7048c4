//! The in-memory model of the synthetic tenant: everything except the two huge tables
//! (record shares and audits), which are generated row by row from this model while writing.
//!
//! The model is built sequentially from one seeded stream, so it is identical for a seed.

use std::collections::HashSet;

use super::names::{self, Ownership};
use super::rng::{days_from_civil, derive, Cumulative, Guid, GuidGen, Rng};

// Kinds of GUID (see `GuidGen::make`): one per table or purpose, so ids never collide.
pub(crate) const K_BU: u64 = 1;
pub(crate) const K_USER: u64 = 2;
pub(crate) const K_TEAM: u64 = 3;
pub(crate) const K_ROLE: u64 = 4;
pub(crate) const K_PRIVILEGE: u64 = 5;
pub(crate) const K_PRIV_OTC: u64 = 6;
pub(crate) const K_ROLE_PRIV: u64 = 7;
pub(crate) const K_USER_ROLE: u64 = 8;
pub(crate) const K_TEAM_ROLE: u64 = 9;
pub(crate) const K_POA: u64 = 11;
pub(crate) const K_AUDIT: u64 = 12;
pub(crate) const K_PROFILE: u64 = 13;
pub(crate) const K_FIELD_PERM: u64 = 14;
pub(crate) const K_USER_PROFILE: u64 = 15;
pub(crate) const K_TEAM_PROFILE: u64 = 16;
pub(crate) const K_POSITION: u64 = 17;
pub(crate) const K_AAD_USER: u64 = 18;
pub(crate) const K_AAD_GROUP: u64 = 19;
pub(crate) const K_APP: u64 = 20;
pub(crate) const K_RECORD: u64 = 21;
pub(crate) const K_ORG: u64 = 22;
pub(crate) const K_ENV: u64 = 23;
pub(crate) const K_METADATA: u64 = 24;
pub(crate) const K_ATTR_METADATA: u64 = 25;
pub(crate) const K_MISSING_USER: u64 = 26;
pub(crate) const K_MISSING_TEAM: u64 = 27;
pub(crate) const K_TEAM_TEMPLATE: u64 = 28;
pub(crate) const K_SECURITY_GROUP: u64 = 29;
pub(crate) const K_RECORD_FILTER: u64 = 30;

/// AccessRights values of the eight table rights, in the order privileges are created.
pub(crate) const RIGHTS: &[(&str, u32)] = &[
    ("Create", 32),
    ("Read", 1),
    ("Write", 2),
    ("Delete", 65_536),
    ("Append", 4),
    ("AppendTo", 16),
    ("Assign", 524_288),
    ("Share", 262_144),
];

pub(crate) const DAY: i64 = 86_400;

/// Reference clock of every sample (fixed, so that output never depends on the wall clock).
pub(crate) fn audit_end() -> i64 {
    days_from_civil(2026, 11, 20) * DAY + 18 * 3600
}
pub(crate) const AUDIT_DAYS: i64 = 180;
pub(crate) fn environment_created() -> i64 {
    days_from_civil(2021, 3, 15) * DAY + 9 * 3600 + 12 * 60
}

/// `at_100k` scaled to `users` (rounded), at least `min`.
pub(crate) fn scaled(users: usize, at_100k: usize, min: usize) -> usize {
    let v = (at_100k as u128 * users as u128 + 50_000) / 100_000;
    (v as usize).max(min)
}

pub(crate) struct Bu {
    pub(crate) id: Guid,
    pub(crate) name: String,
    pub(crate) parent: Option<u32>,
    pub(crate) disabled: bool,
    pub(crate) created: i64,
}

pub(crate) struct Table {
    pub(crate) logical: String,
    pub(crate) schema: String,
    pub(crate) privilege_name: String,
    pub(crate) otc: u32,
    pub(crate) ownership: Ownership,
    pub(crate) activity: bool,
    pub(crate) audit_enabled: bool,
    pub(crate) audit_changeable: bool,
    /// (logical name, audited, audit setting changeable, attribute type)
    pub(crate) attributes: Vec<(String, bool, bool, &'static str)>,
    pub(crate) weight: u64,
    pub(crate) metadata_id: Guid,
}

pub(crate) struct Privilege {
    pub(crate) id: Guid,
    pub(crate) name: String,
    pub(crate) access_right: u32,
    /// Allowed depth masks (1 | 2 | 4 | 8).
    pub(crate) depths: u8,
    pub(crate) tables: Vec<u32>,
}

pub(crate) struct Role {
    pub(crate) id: Guid,
    pub(crate) name: String,
    pub(crate) bu: u32,
    /// Index of the root role (itself for a root).
    pub(crate) root: u32,
    pub(crate) parent_role: Option<u32>,
    pub(crate) template: Option<Guid>,
    pub(crate) managed: bool,
    pub(crate) customizable: bool,
    pub(crate) inherited: u8,
    pub(crate) created: i64,
    pub(crate) modified: i64,
    /// (privilege index, depth mask): only on root roles.
    pub(crate) privileges: Vec<(u32, u8)>,
    /// Extra filter-based privilege rows (privilege index, depth mask).
    pub(crate) filtered: Vec<(u32, u8)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UserKind {
    System,
    Integration,
    Support,
    DelegatedAdmin,
    App,
    Person,
}

pub(crate) struct User {
    pub(crate) id: Guid,
    pub(crate) kind: UserKind,
    pub(crate) fullname: String,
    pub(crate) domain: String,
    pub(crate) email: String,
    pub(crate) aad: Option<Guid>,
    pub(crate) app_id: Option<Guid>,
    pub(crate) bu: u32,
    pub(crate) accessmode: u8,
    pub(crate) disabled: bool,
    pub(crate) azurestate: u8,
    pub(crate) licensed: bool,
    pub(crate) manager: Option<u32>,
    pub(crate) position: Option<u32>,
    pub(crate) created: i64,
    /// No activity in the last 120 days of the audit window.
    pub(crate) dormant: bool,
}

impl User {
    pub(crate) fn enabled(&self, bus: &[Bu]) -> bool {
        !self.disabled && self.azurestate == 0 && !bus[self.bu as usize].disabled
    }
}

pub(crate) struct Team {
    pub(crate) id: Guid,
    pub(crate) name: String,
    pub(crate) team_type: u8,
    pub(crate) membership_type: u8,
    pub(crate) aad: Option<Guid>,
    pub(crate) bu: u32,
    pub(crate) is_default: bool,
    pub(crate) template: Option<Guid>,
    pub(crate) admin: u32,
    pub(crate) created: i64,
}

pub(crate) struct Position {
    pub(crate) id: Guid,
    pub(crate) name: String,
    pub(crate) parent: Option<u32>,
}

pub(crate) struct Profile {
    pub(crate) id: Guid,
    pub(crate) name: String,
}

pub(crate) struct FieldPermission {
    pub(crate) profile: u32,
    pub(crate) table: u32,
    pub(crate) attribute: String,
    pub(crate) can_read: u8,
    pub(crate) can_create: u8,
    pub(crate) can_update: u8,
    pub(crate) can_read_unmasked: u8,
}

/// Who the audit log and the shares are about.
pub(crate) struct Actors {
    /// Users active throughout the window (people and application users).
    pub(crate) active: Vec<u32>,
    /// Users whose activity stopped before the last 120 days.
    pub(crate) dormant: Vec<u32>,
    /// People who use the Web API heavily and never the apps (interactive accounts used for
    /// integration).
    pub(crate) heavy: Vec<u32>,
    /// Enabled System Administrators who are active (they assign roles, edit roles...).
    pub(crate) admins: Vec<u32>,
    /// The application user that impersonates people.
    pub(crate) impersonator: u32,
    /// The application user that shares in bursts (None in tiny tenants).
    pub(crate) share_bot: Option<u32>,
    pub(crate) system: u32,
}

pub(crate) struct Tenant {
    pub(crate) seed: u64,
    pub(crate) ids: GuidGen,
    pub(crate) org_id: Guid,
    pub(crate) org_name: String,
    pub(crate) host: String,
    pub(crate) env_id: Guid,
    pub(crate) bus: Vec<Bu>,
    pub(crate) tables: Vec<Table>,
    pub(crate) privileges: Vec<Privilege>,
    pub(crate) roles: Vec<Role>,
    pub(crate) users: Vec<User>,
    pub(crate) teams: Vec<Team>,
    pub(crate) positions: Vec<Position>,
    pub(crate) profiles: Vec<Profile>,
    pub(crate) field_permissions: Vec<FieldPermission>,
    pub(crate) user_roles: Vec<(u32, u32)>,
    pub(crate) team_roles: Vec<(u32, u32)>,
    /// (team, member): a member is a user index, or a missing user (dangling, on purpose).
    pub(crate) members: Vec<(u32, Member)>,
    pub(crate) user_profiles: Vec<(u32, u32)>,
    pub(crate) team_profiles: Vec<(u32, u32)>,
    pub(crate) actors: Actors,
    /// Tables that hold shared and audited records, weighted.
    pub(crate) record_tables: Vec<u32>,
    pub(crate) record_weights: Cumulative,
    /// Index of some notable root roles.
    pub(crate) salesperson_role: u32,
    pub(crate) basic_user_role: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Member {
    User(u32),
    Missing(u64),
}

impl Tenant {
    pub(crate) fn user_id(&self, u: u32) -> Guid {
        self.users[u as usize].id
    }
}

/// How a root role's privileges are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Random privileges with a depth profile (weights of Basic, Local, Deep, Global).
    Random([u64; 4]),
    /// Only Read privileges.
    ReadOnly,
    SysAdmin,
    Customizer,
    /// Random plus the given dangerous privileges at Global.
    Plus([u64; 4], &'static [&'static str]),
    /// A custom copy of System Administrator (most of its privileges at Global).
    SysAdminClone,
    /// A custom copy of Salesperson that missed an update.
    StaleCopy,
}

const USER_LEVEL: [u64; 4] = [60, 25, 10, 5];
const MANAGER: [u64; 4] = [20, 30, 35, 15];
const BROAD: [u64; 4] = [10, 15, 25, 50];

struct RoleSpec {
    name: &'static str,
    managed: bool,
    template: Option<&'static str>,
    inherited: u8,
    kind: Kind,
}

const fn spec(name: &'static str, managed: bool, inherited: u8, kind: Kind) -> RoleSpec {
    RoleSpec {
        name,
        managed,
        template: None,
        inherited,
        kind,
    }
}

const OOB_ROLES: &[RoleSpec] = &[
    RoleSpec {
        name: "System Administrator",
        managed: true,
        template: Some(names::SYSADMIN_TEMPLATE),
        inherited: 1,
        kind: Kind::SysAdmin,
    },
    RoleSpec {
        name: "System Customizer",
        managed: true,
        template: Some(names::SYSCUSTOMIZER_TEMPLATE),
        inherited: 1,
        kind: Kind::Customizer,
    },
    spec("Basic User", true, 1, Kind::Random(USER_LEVEL)),
    spec("Salesperson", true, 1, Kind::Random(USER_LEVEL)),
    spec("Sales Manager", true, 1, Kind::Random(MANAGER)),
    spec("Vice President of Sales", true, 1, Kind::Random(BROAD)),
    spec("Customer Service Representative", true, 1, Kind::Random(USER_LEVEL)),
    spec("Customer Service Manager", true, 1, Kind::Random(MANAGER)),
    spec("Marketing Professional - Business", true, 1, Kind::Random(USER_LEVEL)),
    spec("Marketing Manager - Business", true, 1, Kind::Random(MANAGER)),
    spec(
        "Marketing Professional (BU level) - Business",
        true,
        1,
        Kind::Random(MANAGER),
    ),
    spec(
        "Marketing Manager (BU level) - Business",
        true,
        1,
        Kind::Random(MANAGER),
    ),
    spec("Lead Score Modeler", true, 1, Kind::Random(USER_LEVEL)),
    spec("Lead Score Viewer", true, 1, Kind::Random(USER_LEVEL)),
    spec("Environment Maker", true, 1, Kind::Random(USER_LEVEL)),
    spec(
        "Delegate",
        true,
        1,
        Kind::Plus(USER_LEVEL, &["prvActOnBehalfOfAnotherUser"]),
    ),
    spec("Support User", true, 1, Kind::ReadOnly),
    spec("Office Collaborator", true, 0, Kind::ReadOnly),
    spec("App Opener", true, 1, Kind::Random(USER_LEVEL)),
    spec("Bot Author", true, 0, Kind::Random(USER_LEVEL)),
    spec("Export Customizations (Solution Checker)", true, 0, Kind::ReadOnly),
    spec("Knowledge Manager", true, 1, Kind::Random(MANAGER)),
    spec("Scheduler", true, 1, Kind::Random(MANAGER)),
    spec("Field Service - Administrator", true, 1, Kind::Random(BROAD)),
    spec("Field Service - Dispatcher", true, 1, Kind::Random(MANAGER)),
    spec("Field Service - Resource", true, 1, Kind::Random(USER_LEVEL)),
    spec("Project Manager", true, 1, Kind::Random(MANAGER)),
];

const JOURNEYS_ROLES: &[RoleSpec] = &[
    spec("Marketing Services User", true, 1, Kind::Random(BROAD)),
    spec("EventManagement S2SInbound", true, 1, Kind::Random(BROAD)),
    spec("LinkedIn LeadGen S2SInbound", true, 1, Kind::Random(BROAD)),
    spec("Marketing, Business App Access", true, 1, Kind::Random(USER_LEVEL)),
    spec("Marketing Service user extensible role", true, 1, Kind::Random(BROAD)),
    spec("Marketing service user real-time role", true, 1, Kind::Random(BROAD)),
];

const CUSTOM_ROLES: &[RoleSpec] = &[
    spec("Contoso Sales Representative", false, 1, Kind::Random(USER_LEVEL)),
    spec("Contoso Read Only", false, 1, Kind::ReadOnly),
    spec(
        "Integration Impersonation",
        false,
        1,
        Kind::Plus(MANAGER, &["prvActOnBehalfOfAnotherUser"]),
    ),
    spec(
        "Data Admin (Bulk Delete)",
        false,
        1,
        Kind::Plus(MANAGER, &["prvBulkDelete", "prvBypassCustomPlugins"]),
    ),
    spec(
        "Role Editor",
        false,
        1,
        Kind::Plus(USER_LEVEL, &["prvCreateRole", "prvWriteRole"]),
    ),
    spec("System Administrator - Copy", false, 1, Kind::SysAdminClone),
    spec("Salesperson (Contoso)", false, 1, Kind::StaleCopy),
    spec("Team Sharing Access", false, 0, Kind::Random(USER_LEVEL)),
    spec("R&D Analyst", false, 1, Kind::Random(USER_LEVEL)),
    spec("Außendienst Österreich", false, 1, Kind::Random(USER_LEVEL)),
    spec("Ops \"Night\" Shift", false, 0, Kind::Random(MANAGER)),
];

/// More managed roles that real environments carry, used before generated custom roles.
#[rustfmt::skip]
const MORE_MANAGED: &[&str] = &[
    "Dynamics 365 App for Outlook User", "Omnichannel Agent", "Omnichannel Supervisor",
    "Omnichannel Administrator", "Sales Team Member", "Sales, Enterprise app access",
    "Customer Service, Enterprise app access", "Service Reader", "Knowledge Reader", "Activity Feeds",
    "Analytics Report Author", "Dataverse Search Role", "Finance Manager", "Project Resource",
    "Resource Scheduling Manager", "Inventory Purchasing", "Field Service - Inventory Purchase",
    "Connected Field Service", "Customer Voice Project Owner", "Power Pages Site Manager",
    "Portal Administrator", "Copilot for Sales User", "Conversation Intelligence", "Sequence Manager",
    "Forecast Manager", "Playbook Manager", "Survey Responder", "Guides Author",
];

/// Typical role combinations (root role names, weight): most users hold one of these.
const COMBOS: &[(&[&str], u64)] = &[
    (&["Basic User", "Salesperson"], 300),
    (&["Basic User", "Customer Service Representative"], 200),
    (&["Salesperson"], 80),
    (&["Basic User"], 80),
    (&["Basic User", "Salesperson", "Sales Manager"], 50),
    (
        &[
            "Basic User",
            "Customer Service Representative",
            "Customer Service Manager",
        ],
        40,
    ),
    (&["Basic User", "Salesperson", "Marketing Professional - Business"], 40),
    (&["Basic User", "Contoso Read Only"], 40),
    (&["Basic User", "Contoso Sales Representative"], 40),
    (&["Basic User", "Salesperson", "Customer Service Representative"], 30),
    (&["Basic User", "Knowledge Manager"], 20),
    (&["Basic User", "Environment Maker"], 20),
    (&["Basic User", "Field Service - Resource"], 20),
    (
        &["Basic User", "Field Service - Dispatcher", "Field Service - Resource"],
        10,
    ),
    (&["Basic User", "Project Manager"], 10),
    (&["Basic User", "Lead Score Viewer"], 8),
    (&["Basic User", "Salesperson", "Lead Score Modeler"], 6),
    (&["Basic User", "Sales Manager", "Vice President of Sales"], 5),
];

/// Roles copied into every child business unit.
const CORE_ROLES: &[&str] = &["Basic User", "Salesperson", "Customer Service Representative"];

/// Roles copied into some child business units.
#[rustfmt::skip]
const EXTRA_ROLES: &[&str] = &[
    "Sales Manager", "Customer Service Manager", "Marketing Professional - Business",
    "Contoso Sales Representative", "Contoso Read Only", "Environment Maker", "Team Sharing Access",
    "Knowledge Manager", "Lead Score Viewer", "Field Service - Resource", "Field Service - Dispatcher",
    "Project Manager", "Vice President of Sales", "Scheduler", "Salesperson (Contoso)", "Lead Score Modeler",
];

pub(crate) fn build(users_n: usize, seed: u64) -> Tenant {
    let ids = GuidGen::new(seed);
    let mut rng = Rng::new(derive(seed, "model"));
    let journeys = users_n >= 100;
    let created = environment_created();
    let end = audit_end();

    let org_suffix = format!("{:08x}", derive(seed, "org") as u32);
    let org_name = format!("org{org_suffix}");
    let host = format!("{org_name}.crm4.dynamics.com");

    let tables = build_tables(users_n, &ids, &mut rng);
    let privileges = build_privileges(&tables, &ids);
    let bus = build_bus(users_n, &ids, &mut rng, created);

    // ---- users (kinds, business units) ----
    let mut b = Builder {
        ids,
        rng,
        users_n,
        journeys,
        created,
        end,
        bus,
        tables,
        privileges,
        roles: Vec::new(),
        root_count: 0,
        role_in_bu: Vec::new(),
        users: Vec::new(),
        bu_people: Vec::new(),
        user_roles: Vec::new(),
        teams: Vec::new(),
        team_roles: Vec::new(),
        members: Vec::new(),
        sysadmins: Vec::new(),
        impersonator: 0,
        share_bot: None,
    };
    b.build_root_roles();
    b.build_users();
    b.build_role_copies();
    b.assign_user_roles();
    b.assign_managers();
    let positions = b.build_positions();
    b.build_teams();
    let (profiles, field_permissions, user_profiles, team_profiles) = b.build_field_security();
    let actors = b.actors();

    let record_tables: Vec<u32> = b
        .tables
        .iter()
        .enumerate()
        .filter(|(_, t)| t.ownership == Ownership::User && t.weight > 0)
        .map(|(i, _)| i as u32)
        .collect();
    // Records of the standard tables are most of what people share and audit: a custom table's records
    // are a tenth as likely as those of a standard table of the same weight.
    let weights: Vec<u64> = record_tables
        .iter()
        .map(|&t| {
            let table = &b.tables[t as usize];
            table.weight * if table.otc >= FIRST_CUSTOM_OTC { 1 } else { 10 }
        })
        .collect();
    let salesperson_role = b.root_named("Salesperson").unwrap_or(0);
    let basic_user_role = b.root_named("Basic User").unwrap_or(0);

    Tenant {
        seed,
        ids: b.ids,
        org_id: b.ids.make(K_ORG, 0),
        org_name,
        host,
        env_id: b.ids.make(K_ENV, 0),
        bus: b.bus,
        tables: b.tables,
        privileges: b.privileges,
        roles: b.roles,
        users: b.users,
        teams: b.teams,
        positions,
        profiles,
        field_permissions,
        user_roles: b.user_roles,
        team_roles: b.team_roles,
        members: b.members,
        user_profiles,
        team_profiles,
        actors,
        record_tables,
        record_weights: Cumulative::new(&weights),
        salesperson_role,
        basic_user_role,
    }
}

/// Object type codes of custom tables start here.
const FIRST_CUSTOM_OTC: u32 = 10_100;

fn build_tables(users_n: usize, ids: &GuidGen, rng: &mut Rng) -> Vec<Table> {
    let target = scaled(users_n, 395, 100).max(names::STD_TABLES.len());
    let mut tables = Vec::with_capacity(target);
    let not_changeable = ["audit", "activitypointer", "webresource", "plugintype", "publisher"];
    for t in names::STD_TABLES {
        tables.push(Table {
            logical: t.logical.to_string(),
            schema: t.schema.to_string(),
            privilege_name: t.privilege_name.to_string(),
            otc: t.otc,
            ownership: t.ownership,
            activity: t.activity,
            audit_enabled: false,
            audit_changeable: !not_changeable.contains(&t.logical),
            attributes: Vec::new(),
            weight: t.weight,
            metadata_id: Guid(0),
        });
    }
    let mut seen: HashSet<String> = tables.iter().map(|t| t.logical.clone()).collect();
    let mut otc = FIRST_CUSTOM_OTC;
    let mut round = 0usize;
    while tables.len() < target {
        for noun in names::NOUNS {
            if tables.len() >= target {
                break;
            }
            let prefix = names::PREFIXES[(round + noun.len()) % names::PREFIXES.len()];
            let noun = if round == 0 {
                noun.to_string()
            } else {
                format!("{noun}{}", round + 1)
            };
            let logical = format!("{prefix}_{noun}");
            if !seen.insert(logical.clone()) {
                continue;
            }
            let mut pascal = noun.clone();
            if let Some(first) = pascal.get(0..1) {
                let upper = first.to_ascii_uppercase();
                pascal.replace_range(0..1, &upper);
            }
            let schema = format!("{prefix}_{pascal}");
            let ownership = if rng.pct(12) {
                Ownership::Organization
            } else {
                Ownership::User
            };
            tables.push(Table {
                logical,
                privilege_name: schema.clone(),
                schema,
                otc,
                ownership,
                activity: false,
                audit_enabled: false,
                audit_changeable: true,
                attributes: Vec::new(),
                // Records of a few custom tables are shared and audited; most custom tables are niche.
                weight: if ownership == Ownership::User && rng.pct(15) {
                    1
                } else {
                    0
                },
                metadata_id: Guid(0),
            });
            otc += 1;
        }
        round += 1;
    }
    let std_audited = [
        "account",
        "contact",
        "opportunity",
        "lead",
        "incident",
        "quote",
        "salesorder",
        "invoice",
        "systemuser",
        "role",
        "team",
        "businessunit",
        "email",
        "task",
        "phonecall",
        "appointment",
    ];
    for (i, t) in tables.iter_mut().enumerate() {
        t.metadata_id = ids.make(K_METADATA, i as u64);
        t.audit_enabled = t.audit_changeable && (std_audited.contains(&t.logical.as_str()) || rng.pct(85));
        let custom = t.logical.contains('_') && !t.logical.starts_with("msdyn");
        let prefix = t.logical.split('_').next().unwrap_or("new").to_string();
        let mut attrs: Vec<(String, bool, bool, &'static str)> = vec![
            (format!("{}id", t.logical), false, false, "Uniqueidentifier"),
            ("createdon".into(), false, false, "DateTime"),
            ("modifiedon".into(), false, false, "DateTime"),
            ("statecode".into(), t.audit_enabled, true, "State"),
            ("statuscode".into(), t.audit_enabled, true, "Status"),
        ];
        if matches!(t.ownership, Ownership::User) {
            attrs.push(("ownerid".into(), t.audit_enabled, true, "Owner"));
        }
        let k = rng.range(4, 24) as usize;
        for a in rng.sample_distinct(names::ATTRIBUTES.len(), k) {
            let base = names::ATTRIBUTES[a];
            let name = if custom && base != "name" {
                format!("{prefix}_{base}")
            } else {
                base.to_string()
            };
            let kind = match base {
                "revenue" | "creditlimit" | "salary" | "estimatedvalue" | "annualincome" => "Money",
                "birthdate" => "DateTime",
                "priority" | "category" | "rating" => "Picklist",
                "closeprobability" | "creditscore" => "Integer",
                "discountpercentage" | "marginpercentage" => "Decimal",
                "notes" | "description" | "internalnotes" => "Memo",
                _ => "String",
            };
            attrs.push((name, t.audit_enabled && rng.pct(90), true, kind));
        }
        t.attributes = attrs;
    }
    tables
}

fn build_privileges(tables: &[Table], ids: &GuidGen) -> Vec<Privilege> {
    let mut out = Vec::new();
    let activities: Vec<u32> = tables
        .iter()
        .enumerate()
        .filter(|(_, t)| t.activity)
        .map(|(i, _)| i as u32)
        .collect();
    for (i, t) in tables.iter().enumerate() {
        if t.ownership == Ownership::None || (t.activity && t.logical != "activitypointer") {
            continue;
        }
        let (depths, rights): (u8, &[(&str, u32)]) = match t.ownership {
            Ownership::User => (15, RIGHTS),
            Ownership::Business => (15, &RIGHTS[..6]),
            _ => (8, &RIGHTS[..6]),
        };
        let covered = if t.activity { activities.clone() } else { vec![i as u32] };
        for (right, mask) in rights {
            let n = out.len() as u64;
            out.push(Privilege {
                id: ids.make(K_PRIVILEGE, n),
                name: format!("prv{right}{}", t.privilege_name),
                access_right: *mask,
                depths,
                tables: covered.clone(),
            });
        }
    }
    for (name, all_depths) in names::MISC_PRIVILEGES {
        let n = out.len() as u64;
        out.push(Privilege {
            id: ids.make(K_PRIVILEGE, n),
            name: (*name).to_string(),
            access_right: 0,
            depths: if *all_depths { 15 } else { 8 },
            tables: Vec::new(),
        });
    }
    out
}

fn build_bus(users_n: usize, ids: &GuidGen, rng: &mut Rng, created: i64) -> Vec<Bu> {
    let count = scaled(users_n, 250, 4);
    let mut bus: Vec<Bu> = Vec::with_capacity(count);
    let mut names_seen: HashSet<String> = HashSet::new();
    bus.push(Bu {
        id: ids.make(K_BU, 0),
        name: "Contoso".into(),
        parent: None,
        disabled: false,
        created,
    });
    names_seen.insert("Contoso".into());
    let mut by_depth: Vec<Vec<u32>> = vec![vec![0]];
    for i in 1..count {
        // Target depth: mostly 1-3, some 4, a few 5 (the deepest allowed).
        let mut depth = 1 + rng.weighted(&[20, 35, 28, 12, 5]) as u32;
        if i <= 2 {
            depth = 1;
        }
        while depth > 1 && by_depth.get(depth as usize - 1).is_none_or(|v| v.is_empty()) {
            depth -= 1;
        }
        let parents = &by_depth[depth as usize - 1];
        let parent = *rng.pick(parents);
        let base = if depth == 1 {
            names::REGIONS[rng.index(names::REGIONS.len())].to_string()
        } else {
            format!("{} {}", rng.pick(names::CITIES), rng.pick(names::FUNCTIONS))
        };
        let mut name = base.clone();
        let mut n = 2;
        while !names_seen.insert(name.clone()) {
            name = format!("{base} {n}");
            n += 1;
        }
        let bu_created = created + rng.range(1, 900) as i64 * DAY + rng.below(DAY as u64) as i64;
        bus.push(Bu {
            id: ids.make(K_BU, i as u64),
            name,
            parent: Some(parent),
            disabled: false,
            created: bu_created,
        });
        if by_depth.len() <= depth as usize {
            by_depth.push(Vec::new());
        }
        by_depth[depth as usize].push(i as u32);
    }
    // Disable one leaf business unit.
    let has_child: HashSet<u32> = bus.iter().filter_map(|b| b.parent).collect();
    if let Some(leaf) = (1..bus.len()).rev().find(|&i| !has_child.contains(&(i as u32))) {
        bus[leaf].disabled = true;
    }
    bus
}

struct Builder {
    ids: GuidGen,
    rng: Rng,
    users_n: usize,
    journeys: bool,
    created: i64,
    end: i64,
    bus: Vec<Bu>,
    tables: Vec<Table>,
    privileges: Vec<Privilege>,
    roles: Vec<Role>,
    root_count: usize,
    /// role_in_bu[bu * root_count + root] = role index, or u32::MAX.
    role_in_bu: Vec<u32>,
    users: Vec<User>,
    /// People (UserKind::Person) per business unit, in index order.
    bu_people: Vec<Vec<u32>>,
    user_roles: Vec<(u32, u32)>,
    teams: Vec<Team>,
    team_roles: Vec<(u32, u32)>,
    members: Vec<(u32, Member)>,
    sysadmins: Vec<u32>,
    impersonator: u32,
    share_bot: Option<u32>,
}

impl Builder {
    fn root_named(&self, name: &str) -> Option<u32> {
        self.roles[..self.root_count]
            .iter()
            .position(|r| r.name == name)
            .map(|i| i as u32)
    }

    fn privilege_named(&self, name: &str) -> Option<u32> {
        self.privileges.iter().position(|p| p.name == name).map(|i| i as u32)
    }

    fn pick_depth(&mut self, weights: &[u64; 4], allowed: u8) -> u8 {
        let want = self.rng.weighted(weights);
        // Nearest allowed depth, preferring the broader one on a tie.
        let mut best = 8u8;
        let mut best_dist = i32::MAX;
        for (i, mask) in [1u8, 2, 4, 8].iter().enumerate() {
            if allowed & mask != 0 {
                let d = (i as i32 - want as i32).abs();
                if d <= best_dist {
                    best_dist = d;
                    best = *mask;
                }
            }
        }
        best
    }

    fn build_root_roles(&mut self) {
        let mut specs: Vec<&RoleSpec> = OOB_ROLES.iter().collect();
        if self.journeys {
            specs.extend(JOURNEYS_ROLES.iter());
        }
        specs.extend(CUSTOM_ROLES.iter());
        let target = scaled(self.users_n, 120, 0).max(specs.len() + 2);
        let dangerous: HashSet<u32> = names::DANGEROUS_MISC
            .iter()
            .chain(["prvCreateRole", "prvWriteRole"].iter())
            .filter_map(|n| self.privilege_named(n))
            .collect();
        let eligible: Vec<u32> = (0..self.privileges.len() as u32)
            .filter(|p| !dangerous.contains(p))
            .collect();
        let reads: Vec<u32> = eligible
            .iter()
            .copied()
            .filter(|&p| self.privileges[p as usize].access_right == 1)
            .collect();
        let max_n = 600.min(eligible.len());

        let mut plan: Vec<(String, bool, Option<Guid>, u8, Kind, u32)> = specs
            .iter()
            .map(|s| {
                (
                    s.name.to_string(),
                    s.managed,
                    s.template.and_then(Guid::parse),
                    s.inherited,
                    s.kind,
                    0u32,
                )
            })
            .collect();
        // Two custom roles created directly in child business units.
        let child_bus: Vec<u32> = (1..self.bus.len() as u32)
            .filter(|&b| !self.bus[b as usize].disabled)
            .collect();
        for k in 0..2 {
            if let Some(&bu) = child_bus.get(k * child_bus.len() / 2) {
                let name = format!("{} Coordinator", self.bus[bu as usize].name);
                plan.push((name, false, None, 1, Kind::Random(MANAGER), bu));
            }
        }
        let mut extra = 0;
        while plan.len() < target {
            if extra < MORE_MANAGED.len() {
                let inherited = u8::from(!self.rng.pct(10));
                plan.push((
                    MORE_MANAGED[extra].to_string(),
                    true,
                    None,
                    inherited,
                    Kind::Random(*self.rng.pick(&[USER_LEVEL, MANAGER, BROAD])),
                    0,
                ));
            } else {
                let f = names::FUNCTIONS[extra % names::FUNCTIONS.len()];
                let level =
                    ["Agent", "Lead", "Manager", "Viewer", "Editor", "Approver"][(extra / names::FUNCTIONS.len()) % 6];
                let round = extra / (names::FUNCTIONS.len() * 6);
                let name = if round == 0 {
                    format!("Contoso {f} {level}")
                } else {
                    format!("Contoso {f} {level} {}", round + 1)
                };
                let inherited = u8::from(!self.rng.pct(20));
                plan.push((
                    name,
                    false,
                    None,
                    inherited,
                    Kind::Random(*self.rng.pick(&[USER_LEVEL, USER_LEVEL, MANAGER, BROAD])),
                    0,
                ));
            }
            extra += 1;
        }

        let mut sysadmin_privs: Vec<(u32, u8)> = Vec::new();
        let mut salesperson_privs: Vec<(u32, u8)> = Vec::new();
        // (privilege, its narrowest allowed depth) for Read, Write, Append and AppendTo on the standard tables
        // that hold shared records.
        let core: Vec<(u32, u8)> = self
            .privileges
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                matches!(p.access_right, 1 | 2 | 4 | 16)
                    && p.tables.iter().any(|&t| self.tables[t as usize].weight >= 4)
            })
            .map(|(i, p)| (i as u32, p.depths & p.depths.wrapping_neg()))
            .collect();
        for (i, (name, managed, template, inherited, kind, bu)) in plan.into_iter().enumerate() {
            let role_created = if managed {
                self.created + self.rng.below(3 * 3600) as i64
            } else {
                self.created + self.rng.range(30, 1500) as i64 * DAY + self.rng.below(DAY as u64) as i64
            };
            let role_created = role_created.min(self.end - 200 * DAY);
            let mut modified = role_created;
            if managed {
                // App updates touch managed roles now and then; two were edited a lot later.
                if i == 3 || i == 6 {
                    modified = role_created + self.rng.range(400, 1000) as i64 * DAY;
                } else if self.rng.pct(30) {
                    modified = role_created + self.rng.range(1, 200) as i64 * DAY;
                }
            } else if self.rng.pct(60) {
                modified = role_created + self.rng.range(1, 600) as i64 * DAY;
            }
            let modified = modified.min(self.end - DAY);
            let mut privs: Vec<(u32, u8)> = match kind {
                Kind::SysAdmin => (0..self.privileges.len() as u32).map(|p| (p, 8)).collect(),
                Kind::SysAdminClone => sysadmin_privs.iter().copied().filter(|_| !self.rng.pct(4)).collect(),
                Kind::StaleCopy => {
                    // Missing a few of Salesperson's privileges (Jaccard about 0.9).
                    let drop = (salesperson_privs.len() / 11).max(1);
                    let gone: HashSet<usize> = self
                        .rng
                        .sample_distinct(salesperson_privs.len(), drop)
                        .into_iter()
                        .collect();
                    salesperson_privs
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| !gone.contains(k))
                        .map(|(_, p)| *p)
                        .collect()
                }
                Kind::ReadOnly => {
                    // Read privileges, topped up with AppendTo (harmless for a reader) to at
                    // least 150 in small catalogs.
                    let n = self.rng.range(150, 600.min(reads.len()).max(150) as u64) as usize;
                    let mut picks: Vec<u32> = self
                        .rng
                        .sample_distinct(reads.len(), n)
                        .into_iter()
                        .map(|k| reads[k])
                        .collect();
                    let fill: Vec<u32> = eligible
                        .iter()
                        .copied()
                        .filter(|&p| self.privileges[p as usize].access_right == 16)
                        .take(n.saturating_sub(picks.len()))
                        .collect();
                    picks.extend(fill);
                    picks
                        .into_iter()
                        .map(|p| {
                            let d = self.pick_depth(&MANAGER, self.privileges[p as usize].depths);
                            (p, d)
                        })
                        .collect()
                }
                Kind::Random(w) | Kind::Plus(w, _) => {
                    // Salesperson has a custom copy that misses some of its privileges: keep
                    // that copy above 150 too.
                    let lo = if name == "Salesperson" { 200 } else { 150 };
                    // Room for the core privileges added below, within the role size.
                    let hi = (max_n as u64)
                        .saturating_sub(core.len() as u64)
                        .max(lo.min(max_n as u64) + 1);
                    let n = self.rng.range(lo.min(max_n as u64), hi) as usize;
                    let picks = self.rng.sample_distinct(eligible.len(), n);
                    picks
                        .into_iter()
                        .map(|k| {
                            let p = eligible[k];
                            let d = self.pick_depth(&w, self.privileges[p as usize].depths);
                            (p, d)
                        })
                        .collect()
                }
                Kind::Customizer => {
                    let n = self.rng.range(350, 500.min(max_n as u64).max(350)) as usize;
                    let picks = self.rng.sample_distinct(eligible.len(), n.min(eligible.len()));
                    let mut v: Vec<(u32, u8)> = picks
                        .into_iter()
                        .map(|k| {
                            let p = eligible[k];
                            let d = self.pick_depth(&USER_LEVEL, self.privileges[p as usize].depths);
                            (p, d)
                        })
                        .collect();
                    for n in [
                        "prvExportCustomization",
                        "prvImportCustomization",
                        "prvPublishCustomization",
                    ] {
                        if let Some(p) = self.privilege_named(n) {
                            if !v.iter().any(|(q, _)| *q == p) {
                                v.push((p, 8));
                            }
                        }
                    }
                    v
                }
            };
            if let Kind::Plus(_, extra) = kind {
                for n in extra {
                    if let Some(p) = self.privilege_named(n) {
                        if !privs.iter().any(|(q, _)| *q == p) {
                            privs.push((p, 8));
                        }
                    }
                }
            }
            if matches!(kind, Kind::Random(_) | Kind::Plus(..)) {
                // Working roles let their holders use the records people share with them: Read, Write,
                // Append and AppendTo at Basic or more on the standard tables that hold shared records.
                for &(p, depth) in &core {
                    if !privs.iter().any(|(q, _)| *q == p) {
                        privs.push((p, depth));
                    }
                }
            }
            privs.sort_unstable();
            if kind == Kind::SysAdmin {
                sysadmin_privs = privs.clone();
            }
            if name == "Salesperson" {
                salesperson_privs = privs.clone();
            }
            let customizable = !managed || (kind != Kind::SysAdmin && self.rng.pct(70));
            self.roles.push(Role {
                id: self.ids.make(K_ROLE, i as u64),
                name,
                bu,
                root: i as u32,
                parent_role: None,
                template,
                managed,
                customizable,
                inherited,
                created: role_created,
                modified,
                privileges: privs,
                filtered: Vec::new(),
            });
        }
        self.root_count = self.roles.len();
        // Two filter-based privilege rows (record filters) on a custom role, for privileges it
        // does not otherwise hold.
        if self.users_n >= 1000 {
            if let Some(r) = self.root_named("Contoso Sales Representative") {
                let held: HashSet<u32> = self.roles[r as usize].privileges.iter().map(|p| p.0).collect();
                let free: Vec<u32> = eligible
                    .iter()
                    .copied()
                    .filter(|p| !held.contains(p) && self.privileges[*p as usize].depths & 1 != 0)
                    .take(2)
                    .collect();
                self.roles[r as usize].filtered = free.into_iter().map(|p| (p, 1)).collect();
            }
        }
    }

    fn build_users(&mut self) {
        let n = self.users_n;
        let created = self.created;
        let end = self.end;
        let root = 0u32;
        let tenant_domain = "contoso.onmicrosoft.com";

        let push = |b: &mut Builder, kind: UserKind, fullname: String, domain: String, app_id: Option<Guid>, am: u8| {
            let i = b.users.len() as u64;
            let aad = match kind {
                UserKind::System | UserKind::Integration => None,
                _ => Some(b.ids.make(K_AAD_USER, i)),
            };
            b.users.push(User {
                id: b.ids.make(K_USER, i),
                kind,
                email: domain.clone(),
                fullname,
                domain,
                aad,
                app_id,
                bu: root,
                accessmode: am,
                disabled: false,
                azurestate: 0,
                licensed: matches!(kind, UserKind::Person),
                manager: None,
                position: None,
                created: created + b.rng.below(2 * 3600) as i64,
                dormant: false,
            });
        };
        push(self, UserKind::System, "SYSTEM".into(), String::new(), None, 0);
        push(
            self,
            UserKind::Integration,
            "INTEGRATION".into(),
            String::new(),
            None,
            0,
        );
        push(
            self,
            UserKind::Support,
            "Support User".into(),
            "crmoln@microsoft.com".into(),
            None,
            3,
        );
        push(
            self,
            UserKind::DelegatedAdmin,
            "Delegated Admin".into(),
            "crmoln2@microsoft.com".into(),
            None,
            5,
        );
        let apps = if n >= 100 { scaled(n, 60, 3) } else { 2 };
        for a in 0..apps {
            let (name, domain) = match a {
                0 => (
                    "# Business Application Platform Service account".to_string(),
                    "bap_sa@microsoft.com".to_string(),
                ),
                1 => (
                    "# Contoso Integration".to_string(),
                    format!("contoso-integration@{tenant_domain}"),
                ),
                2 => (
                    "# Contoso Share Automation".to_string(),
                    format!("share-automation@{tenant_domain}"),
                ),
                _ => {
                    let base = names::APP_NAMES[(a - 3) % names::APP_NAMES.len()];
                    let round = (a - 3) / names::APP_NAMES.len();
                    let name = if round == 0 {
                        format!("# {base}")
                    } else {
                        format!("# {base} {}", round + 1)
                    };
                    let slug: String = name
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric())
                        .collect::<String>()
                        .to_lowercase();
                    (name, format!("{slug}@{tenant_domain}"))
                }
            };
            let app_id = self.ids.make(K_APP, a as u64);
            push(self, UserKind::App, name, domain, Some(app_id), 4);
            let u = self.users.len() as u32 - 1;
            self.users[u as usize].created = created + self.rng.range(1, 1200) as i64 * DAY;
            if a == 1 {
                self.impersonator = u;
            }
            if a == 2 {
                self.share_bot = Some(u);
            }
        }
        if self.journeys {
            let app_id = self.ids.make(K_APP, 100_000);
            push(
                self,
                UserKind::App,
                "# D365 Marketing".into(),
                format!("d365marketing@{tenant_domain}"),
                Some(app_id),
                4,
            );
            for (name, app) in names::JOURNEYS_SERVICE_USERS {
                let slug: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                push(
                    self,
                    UserKind::App,
                    format!("# {name}"),
                    format!("{}@{tenant_domain}", slug.to_lowercase()),
                    Guid::parse(app),
                    4,
                );
            }
        }

        // People.
        let first_person = self.users.len();
        let people = n.saturating_sub(first_person);
        let sysadmins = scaled(n, 25, 2).min(people);
        let root_people = (sysadmins + 10).max(people * 3 / 100).min(people);
        let fnames = names::FIRST_NAMES.len();
        let lnames = names::LAST_NAMES.len();
        let combos = fnames * lnames;
        // Child business units get people with skewed weights; one stays empty.
        let bu_count = self.bus.len();
        let mut weights: Vec<u64> = (0..bu_count)
            .map(|b| {
                if b == 0 {
                    0
                } else if self.bus[b].disabled {
                    1
                } else {
                    let x = 1 + self.rng.below(8);
                    x * x
                }
            })
            .collect();
        if bu_count >= 4 {
            // The last enabled child stays without users.
            if let Some(empty) = (1..bu_count).rev().find(|&b| !self.bus[b].disabled) {
                weights[empty] = 0;
            }
        }
        let cum = Cumulative::new(&weights);
        let mult = {
            // A multiplier coprime with the number of name combinations spreads names around.
            let mut m = combos * 61 / 100 + 1;
            while gcd(m, combos) != 1 {
                m += 1;
            }
            m
        };
        for p in 0..people {
            let i = first_person + p;
            let combo = (p * mult) % combos;
            let round = p / combos;
            let (fd, fa) = names::FIRST_NAMES[combo % fnames];
            let (ld, la) = names::LAST_NAMES[combo / fnames];
            let fullname = format!("{fd} {ld}");
            let local = if round == 0 {
                format!("{fa}.{la}")
            } else {
                format!("{fa}.{la}{}", round + 1)
            };
            let domain = format!("{local}@{tenant_domain}");
            let email = if self.rng.pct(80) {
                domain.clone()
            } else {
                format!("{local}@contoso.com")
            };
            let bu = if p < root_people || cum.total() == 0 {
                0
            } else {
                cum.draw(&mut self.rng) as u32
            };
            let is_admin = p < sysadmins;
            let accessmode = if is_admin {
                0
            } else {
                match self.rng.below(1000) {
                    0..=29 => 2,
                    30..=39 => 1,
                    40..=64 => 4,
                    _ => 0,
                }
            };
            let disabled = !is_admin && self.rng.pct(4);
            let azurestate = if is_admin {
                0
            } else {
                match self.rng.below(1000) {
                    0..=4 => 1,
                    5..=7 => 2,
                    _ => 0,
                }
            };
            let licensed = if accessmode == 4 {
                self.rng.pct(10)
            } else if disabled {
                self.rng.pct(50)
            } else {
                !self.rng.pct(3)
            };
            let user_created = if self.rng.pct(95) {
                created + DAY + self.rng.below(((end - 200 * DAY - created) / DAY) as u64) as i64 * DAY
            } else {
                end - self.rng.range(5, 199) as i64 * DAY
            } + self.rng.range(7 * 3600, 18 * 3600) as i64;
            let dormant = disabled || azurestate != 0 || if is_admin { self.rng.pct(30) } else { self.rng.pct(6) };
            self.users.push(User {
                id: self.ids.make(K_USER, i as u64),
                kind: UserKind::Person,
                fullname,
                domain,
                email,
                aad: Some(self.ids.make(K_AAD_USER, i as u64)),
                app_id: None,
                bu,
                accessmode,
                disabled,
                azurestate,
                licensed,
                manager: None,
                position: None,
                created: user_created,
                dormant,
            });
            if is_admin {
                self.sysadmins.push(i as u32);
            }
        }
        self.bu_people = vec![Vec::new(); bu_count];
        for (i, u) in self.users.iter().enumerate() {
            if u.kind == UserKind::Person {
                self.bu_people[u.bu as usize].push(i as u32);
            }
        }
    }

    fn build_role_copies(&mut self) {
        let roots = self.root_count;
        let bu_count = self.bus.len();
        self.role_in_bu = vec![u32::MAX; bu_count * roots];
        for r in 0..roots {
            let bu = self.roles[r].bu as usize;
            self.role_in_bu[bu * roots + r] = r as u32;
        }
        let core: Vec<u32> = CORE_ROLES.iter().filter_map(|n| self.root_named(n)).collect();
        let extra: Vec<u32> = EXTRA_ROLES.iter().filter_map(|n| self.root_named(n)).collect();
        let mut wanted: Vec<(u32, u32)> = Vec::new(); // (bu, root)
        for bu in 1..bu_count as u32 {
            for &r in &core {
                wanted.push((bu, r));
            }
        }
        let target = scaled(self.users_n, 1000, 0);
        let mut budget = target.saturating_sub(roots + wanted.len());
        if bu_count < 20 {
            // Small tenants: about one extra copy per child business unit.
            budget = budget.max(bu_count - 1);
        }
        let budget = budget.min((bu_count - 1) * extra.len());
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for bu in 1..bu_count as u32 {
            for &r in &extra {
                pairs.push((bu, r));
            }
        }
        let picks = self.rng.sample_distinct(pairs.len(), budget);
        for k in picks {
            wanted.push(pairs[k]);
        }
        wanted.sort_unstable();
        wanted.dedup();
        for (bu, r) in wanted {
            let slot = bu as usize * roots + r as usize;
            if self.role_in_bu[slot] != u32::MAX {
                continue;
            }
            let idx = self.roles.len() as u32;
            self.role_in_bu[slot] = idx;
            let root = &self.roles[r as usize];
            let created = root.created.max(self.bus[bu as usize].created);
            let copy = Role {
                id: self.ids.make(K_ROLE, idx as u64),
                name: root.name.clone(),
                bu,
                root: r,
                parent_role: None,
                template: root.template,
                managed: root.managed,
                customizable: root.customizable,
                inherited: root.inherited,
                created,
                modified: root.modified.max(created),
                privileges: Vec::new(),
                filtered: Vec::new(),
            };
            self.roles.push(copy);
        }
        // Parent role: the copy in the nearest ancestor business unit that has one.
        for idx in roots..self.roles.len() {
            let r = self.roles[idx].root as usize;
            let mut b = self.bus[self.roles[idx].bu as usize].parent;
            let mut parent = r as u32;
            while let Some(bu) = b {
                let slot = self.role_in_bu[bu as usize * roots + r];
                if slot != u32::MAX {
                    parent = slot;
                    break;
                }
                b = self.bus[bu as usize].parent;
            }
            self.roles[idx].parent_role = Some(parent);
        }
    }

    /// The role (copy) of root `r` in business unit `bu`, if there is one.
    fn role_in(&self, bu: u32, r: u32) -> Option<u32> {
        let v = self.role_in_bu[bu as usize * self.root_count + r as usize];
        (v != u32::MAX).then_some(v)
    }

    fn available_roots(&self, bu: u32) -> Vec<u32> {
        (0..self.root_count as u32)
            .filter(|&r| self.role_in(bu, r).is_some())
            .collect()
    }

    fn assign(&mut self, user: u32, root_names: &[&str]) {
        let bu = self.users[user as usize].bu;
        for name in root_names {
            if let Some(r) = self.root_named(name) {
                if let Some(role) = self.role_in(bu, r) {
                    if !self.user_roles.contains(&(user, role)) {
                        self.user_roles.push((user, role));
                    }
                }
            }
        }
    }

    fn assign_user_roles(&mut self) {
        // Combinations valid per business unit.
        let combos: Vec<(Vec<u32>, u64)> = COMBOS
            .iter()
            .filter_map(|(names, w)| {
                let roots: Option<Vec<u32>> = names.iter().map(|n| self.root_named(n)).collect();
                roots.map(|r| (r, *w))
            })
            .collect();
        let bu_count = self.bus.len();
        let mut per_bu: Vec<(Vec<usize>, Cumulative)> = Vec::with_capacity(bu_count);
        for bu in 0..bu_count as u32 {
            let valid: Vec<usize> = (0..combos.len())
                .filter(|&c| combos[c].0.iter().all(|&r| self.role_in(bu, r).is_some()))
                .collect();
            let weights: Vec<u64> = valid.iter().map(|&c| combos[c].1).collect();
            per_bu.push((valid, Cumulative::new(&weights)));
        }
        let available: Vec<Vec<u32>> = (0..bu_count as u32).map(|b| self.available_roots(b)).collect();
        let sysadmin_root = self.root_named("System Administrator").unwrap_or(0);

        let mut rows: Vec<(u32, u32)> = Vec::new();
        for u in 0..self.users.len() as u32 {
            let user = &self.users[u as usize];
            let bu = user.bu;
            let roots: Vec<u32> = match user.kind {
                UserKind::System | UserKind::Integration => Vec::new(),
                UserKind::Support => self.root_named("Support User").into_iter().collect(),
                UserKind::DelegatedAdmin => vec![sysadmin_root],
                UserKind::App => Vec::new(), // below, by name
                UserKind::Person => {
                    if self.sysadmins.contains(&u) {
                        if self.rng.pct(60) {
                            vec![sysadmin_root]
                        } else {
                            let mut v = vec![sysadmin_root];
                            v.extend(self.root_named("Basic User"));
                            v
                        }
                    } else if self.rng.below(1000) < 15 {
                        Vec::new()
                    } else if self.rng.pct(5) || per_bu[bu as usize].0.is_empty() {
                        let avail = &available[bu as usize];
                        let k = self.rng.range(1, 4) as usize;
                        let mut v: Vec<u32> = self
                            .rng
                            .sample_distinct(avail.len(), k)
                            .into_iter()
                            .map(|i| avail[i])
                            .filter(|&r| r != sysadmin_root)
                            .collect();
                        v.sort_unstable();
                        v
                    } else {
                        let (valid, cum) = &per_bu[bu as usize];
                        combos[valid[cum.draw(&mut self.rng)]].0.clone()
                    }
                }
            };
            for r in roots {
                if let Some(role) = self.role_in(bu, r) {
                    rows.push((u, role));
                }
            }
        }
        self.user_roles = rows;

        // Application users.
        let apps: Vec<u32> = (0..self.users.len() as u32)
            .filter(|&u| self.users[u as usize].kind == UserKind::App)
            .collect();
        for (k, &u) in apps.iter().enumerate() {
            let name = self.users[u as usize].fullname.clone();
            if name == "# Business Application Platform Service account" {
                self.assign(u, &["System Administrator"]);
            } else if name == "# Contoso Integration" {
                self.assign(u, &["Integration Impersonation", "Basic User"]);
            } else if name == "# Contoso Share Automation" {
                self.assign(u, &["Salesperson", "Basic User"]);
            } else if name == "# D365 Marketing" {
                self.assign(u, names::D365_MARKETING_ROLES);
            } else if names::JOURNEYS_SERVICE_USERS
                .iter()
                .any(|(n, _)| name.trim_start_matches("# ") == *n)
            {
                self.assign(u, &["Marketing Services User"]);
            } else {
                let opts: &[&[&str]] = &[
                    &["Basic User", "Contoso Read Only"],
                    &["Salesperson"],
                    &["Contoso Sales Representative", "Basic User"],
                    &["System Administrator"],
                    &["Data Admin (Bulk Delete)"],
                ];
                let pick = if k % 7 == 6 { 3 } else { self.rng.index(3) };
                let pick = if k == 5 { 4 } else { pick };
                self.assign(u, opts[pick]);
            }
        }

        // A few people in the root business unit with notable roles.
        let root_people: Vec<u32> = self.bu_people[0]
            .iter()
            .copied()
            .filter(|u| !self.sysadmins.contains(u))
            .collect();
        let customizers = scaled(self.users_n, 10, 1);
        let mut k = 0usize;
        let next = |k: &mut usize| -> Option<u32> {
            let v = root_people.get(*k).copied();
            *k += 1;
            v
        };
        for _ in 0..customizers {
            if let Some(u) = next(&mut k) {
                self.user_roles.retain(|&(x, _)| x != u);
                self.assign(u, &["System Customizer", "Basic User"]);
            }
        }
        let specials: &[&[&str]] = &[
            &["Delegate", "Salesperson"],
            &["Delegate"],
            &["Data Admin (Bulk Delete)", "Basic User"],
            &["Role Editor", "Basic User"],
            &["System Administrator - Copy"],
            &["Marketing Services User", "Basic User"],
            &["Salesperson (Contoso)", "Basic User"],
            &["Salesperson (Contoso)"],
            &["Lead Score Modeler"],
        ];
        for roles in specials {
            if let Some(u) = next(&mut k) {
                self.user_roles.retain(|&(x, _)| x != u);
                self.assign(u, roles);
            }
        }
        // People of the business units with a role of their own.
        for r in 0..self.root_count as u32 {
            let bu = self.roles[r as usize].bu;
            if bu != 0 {
                let people = self.bu_people[bu as usize].clone();
                for u in people.into_iter().take(3) {
                    let held = self.user_roles.iter().filter(|&&(x, _)| x == u).count();
                    if held < 4 && !self.user_roles.contains(&(u, r)) {
                        self.user_roles.push((u, r));
                    }
                }
            }
        }
        self.user_roles.sort_unstable();
        self.user_roles.dedup();
    }

    fn assign_managers(&mut self) {
        // Ranks: business units in index order (a parent always precedes its children), people
        // in index order within a unit. A manager always has a lower rank: no cycles.
        let bu_count = self.bus.len();
        let heads: Vec<Option<u32>> = (0..bu_count).map(|b| self.bu_people[b].first().copied()).collect();
        for b in 0..bu_count {
            let people = self.bu_people[b].clone();
            for (k, &u) in people.iter().enumerate() {
                let manager = if k == 0 {
                    // The head of a unit reports to the nearest ancestor unit's head.
                    let mut p = self.bus[b].parent;
                    let mut m = None;
                    while let Some(pb) = p {
                        if let Some(h) = heads[pb as usize] {
                            m = Some(h);
                            break;
                        }
                        p = self.bus[pb as usize].parent;
                    }
                    m
                } else if b > 0 && self.rng.below(1000) < 3 {
                    // A manager in an unrelated, earlier business unit.
                    let ob = self.rng.index(b);
                    let op = &self.bu_people[ob];
                    if op.is_empty() {
                        Some(people[0])
                    } else {
                        Some(op[self.rng.index(op.len())])
                    }
                } else if self.rng.pct(3) {
                    None
                } else {
                    // Bushy at the top: managers come from the first quarter of earlier people.
                    let span = (k / 4).max(1);
                    Some(people[self.rng.index(span)])
                };
                self.users[u as usize].manager = manager;
            }
        }
    }

    fn build_positions(&mut self) -> Vec<Position> {
        let count = scaled(self.users_n, 600, 5);
        let mut out: Vec<Position> = Vec::with_capacity(count);
        let mut depth: Vec<u32> = Vec::with_capacity(count);
        for i in 0..count {
            let (name, parent, d) = if i == 0 {
                ("Chief Executive Officer".to_string(), None, 0)
            } else {
                let mut p = self.rng.index(i);
                while depth[p] >= 6 {
                    p = self.rng.index(i);
                }
                let d = depth[p] + 1;
                let title = names::POSITION_TITLES[(d as usize - 1).min(names::POSITION_TITLES.len() - 1)];
                let f = names::FUNCTIONS[self.rng.index(names::FUNCTIONS.len())];
                (format!("{title} - {f} {i}"), Some(p as u32), d)
            };
            out.push(Position {
                id: self.ids.make(K_POSITION, i as u64),
                name,
                parent,
            });
            depth.push(d);
        }
        for u in 0..self.users.len() {
            if self.users[u].kind == UserKind::Person && self.rng.pct(30) {
                self.users[u].position = Some(self.rng.index(count) as u32);
            }
        }
        out
    }

    fn new_team(&mut self, name: String, team_type: u8, bu: u32, is_default: bool) -> u32 {
        let idx = self.teams.len() as u32;
        let admin = self.bu_people[bu as usize]
            .first()
            .copied()
            .or_else(|| self.sysadmins.first().copied())
            .unwrap_or(0);
        let created = self.bus[bu as usize].created + self.rng.range(0, 400) as i64 * DAY;
        let created = created.min(self.end - 10 * DAY);
        let aad = (team_type >= 2).then(|| self.ids.make(K_AAD_GROUP, idx as u64));
        let membership_type = if team_type >= 2 {
            *self.rng.pick(&[0, 0, 0, 1, 1, 2, 3])
        } else {
            0
        };
        self.teams.push(Team {
            id: self.ids.make(K_TEAM, idx as u64),
            name,
            team_type,
            membership_type,
            aad,
            bu,
            is_default,
            template: None,
            admin,
            created,
        });
        idx
    }

    fn add_members(&mut self, team: u32, candidates: &[u32], k: usize) {
        for i in self.rng.sample_distinct(candidates.len(), k) {
            self.members.push((team, Member::User(candidates[i])));
        }
    }

    fn team_role(&mut self, team: u32, root: u32) {
        let bu = self.teams[team as usize].bu;
        if let Some(role) = self.role_in(bu, root) {
            if !self.team_roles.contains(&(team, role)) {
                self.team_roles.push((team, role));
            }
        }
    }

    fn build_teams(&mut self) {
        let n = self.users_n;
        let bu_count = self.bus.len();
        let all_people: Vec<u32> = (0..self.users.len() as u32)
            .filter(|&u| self.users[u as usize].kind == UserKind::Person)
            .collect();
        let people_w: Vec<u64> = (0..bu_count).map(|b| self.bu_people[b].len() as u64).collect();
        let bu_cum = Cumulative::new(&people_w);
        let available: Vec<Vec<u32>> = (0..bu_count as u32).map(|b| self.available_roots(b)).collect();
        let team_share = self.root_named("Team Sharing Access");
        let basic = self.root_named("Basic User");
        let mut names_seen: HashSet<(u32, String)> = HashSet::new();
        let mut unique = |bu: u32, base: String| -> String {
            let mut name = base.clone();
            let mut k = 2;
            while !names_seen.insert((bu, name.clone())) {
                name = format!("{base} ({k})");
                k += 1;
            }
            name
        };

        // Default teams: one per business unit, named after it. Rows are exported for most.
        let mut users_by_bu: Vec<Vec<u32>> = vec![Vec::new(); bu_count];
        for (i, u) in self.users.iter().enumerate() {
            users_by_bu[u.bu as usize].push(i as u32);
        }
        for b in 0..bu_count as u32 {
            let name = unique(b, self.bus[b as usize].name.clone());
            let t = self.new_team(name, 0, b, true);
            self.teams[t as usize].created = self.bus[b as usize].created;
            if self.rng.pct(80) {
                for &u in &users_by_bu[b as usize] {
                    self.members.push((t, Member::User(u)));
                }
            }
            if self.rng.pct(10) {
                if let Some(r) = basic {
                    self.team_role(t, r);
                }
            }
        }
        let pick_bu = |b: &mut Builder| -> u32 {
            if bu_cum.total() == 0 {
                0
            } else {
                bu_cum.draw(&mut b.rng) as u32
            }
        };

        // Owner teams.
        // 1,698 + the two special group teams below = 5,000 teams at 100,000 users.
        let owners = scaled(n, 1698, 2);
        for i in 0..owners {
            let bu = pick_bu(self);
            let word = names::TEAM_WORDS[i % names::TEAM_WORDS.len()];
            let name = unique(bu, format!("{word} - {}", self.bus[bu as usize].name));
            let t = self.new_team(name, 0, bu, false);
            let local = self.bu_people[bu as usize].clone();
            let candidates = if local.len() >= 3 { local } else { all_people.clone() };
            let k = self.rng.range(3, 40) as usize;
            self.add_members(t, &candidates, k);
            if self.rng.pct(70) {
                let avail = &available[bu as usize];
                if !avail.is_empty() {
                    let first = if team_share.is_some_and(|r| avail.contains(&r)) && self.rng.pct(35) {
                        team_share.unwrap_or(avail[0])
                    } else {
                        avail[self.rng.index(avail.len())]
                    };
                    self.team_role(t, first);
                    if self.rng.pct(30) {
                        let second = avail[self.rng.index(avail.len())];
                        self.team_role(t, second);
                    }
                }
            }
            if i == 0 && n >= 1000 {
                // Memberships of users that are not in the export (deleted users).
                self.members.push((t, Member::Missing(0)));
                self.members.push((t, Member::Missing(1)));
            }
        }

        // Access teams: mostly system-managed record access teams.
        let access = scaled(n, 2400, 2);
        let templates: Vec<Guid> = (0..3).map(|k| self.ids.make(K_TEAM_TEMPLATE, k)).collect();
        for i in 0..access {
            let bu = pick_bu(self);
            if i % 5 != 4 {
                let tpl = templates[self.rng.index(templates.len())];
                let record = self.ids.make(K_RECORD, (1 << 40) + i as u64);
                let name = format!("{}+{}", record.to_text(), tpl.to_text());
                let t = self.new_team(name, 1, bu, false);
                self.teams[t as usize].template = Some(tpl);
                let k = self.rng.range(2, 6) as usize;
                self.add_members(t, &all_people, k);
            } else {
                let base = format!("{} Deal Room {}", self.rng.pick(names::PROJECT_WORDS), i + 1);
                let name = unique(bu, base);
                let t = self.new_team(name, 1, bu, false);
                let k = self.rng.range(2, 12) as usize;
                self.add_members(t, &all_people, k);
            }
        }

        // Microsoft Entra group teams.
        let groups2 = scaled(n, 500, 1);
        let groups3 = scaled(n, 150, 1);
        for i in 0..groups2 + groups3 {
            let team_type = if i < groups2 { 2 } else { 3 };
            let bu = if self.rng.pct(70) { 0 } else { pick_bu(self) };
            let base = if team_type == 2 {
                format!(
                    "SG-{}-{}",
                    names::GROUP_WORDS[i % names::GROUP_WORDS.len()],
                    self.rng.pick(names::CITIES)
                )
            } else {
                format!("{} (Microsoft 365)", self.rng.pick(names::PROJECT_WORDS))
            };
            let name = unique(bu, base);
            let t = self.new_team(name, team_type, bu, false);
            let k = if team_type == 2 {
                self.rng.range(10, 150)
            } else {
                self.rng.range(5, 60)
            } as usize;
            self.add_members(t, &all_people, k);
            if self.rng.pct(85) {
                let avail = &available[bu as usize];
                if !avail.is_empty() {
                    let first = if bu == 0 && team_share.is_some() && self.rng.pct(30) {
                        team_share.unwrap_or(avail[0])
                    } else {
                        avail[self.rng.index(avail.len())]
                    };
                    let sysadmin = self.root_named("System Administrator");
                    if Some(first) != sysadmin {
                        self.team_role(t, first);
                    }
                }
            }
        }
        // Two special group teams in the root business unit.
        let admins_team = self.new_team("SG-Dynamics-Administrators".into(), 2, 0, false);
        if let Some(r) = self.root_named("System Administrator") {
            self.team_role(admins_team, r);
        }
        let k = scaled(n, 8, 2);
        self.add_members(admins_team, &all_people, k);
        let delegates = self.new_team("SG-Impersonation-Service".into(), 2, 0, false);
        if let Some(r) = self.root_named("Delegate") {
            self.team_role(delegates, r);
        }
        self.add_members(delegates, &all_people, 3);

        // A team nobody administers from its own unit: the administrator is the team's first
        // member when the unit has no people.
        for t in 0..self.teams.len() {
            let bu = self.teams[t].bu as usize;
            if self.bu_people[bu].is_empty() {
                if let Some(&(_, Member::User(u))) = self.members.iter().find(|(tm, _)| *tm as usize == t) {
                    self.teams[t].admin = u;
                }
            }
        }
        self.members.sort_unstable_by_key(|(t, m)| {
            (
                *t,
                match m {
                    Member::User(u) => *u as u64,
                    Member::Missing(k) => u64::MAX - k,
                },
            )
        });
        self.members.dedup();
        self.team_roles.sort_unstable();
        self.team_roles.dedup();
    }

    #[allow(clippy::type_complexity)]
    fn build_field_security(&mut self) -> (Vec<Profile>, Vec<FieldPermission>, Vec<(u32, u32)>, Vec<(u32, u32)>) {
        let mut names_list: Vec<String> = vec!["System Administrator".into()];
        if self.journeys {
            names_list.extend(names::JOURNEYS_PROFILES.iter().map(|s| s.to_string()));
        }
        let custom = scaled(self.users_n, 15, 3);
        for i in 0..custom {
            let base = names::CUSTOM_PROFILES[i % names::CUSTOM_PROFILES.len()];
            let round = i / names::CUSTOM_PROFILES.len();
            names_list.push(if round == 0 {
                base.to_string()
            } else {
                format!("{base} {}", round + 1)
            });
        }
        let profiles: Vec<Profile> = names_list
            .into_iter()
            .enumerate()
            .map(|(i, name)| Profile {
                id: self.ids.make(K_PROFILE, i as u64),
                name,
            })
            .collect();
        let mut perms = Vec::new();
        for p in 0..profiles.len() as u32 {
            let k = self.rng.range(3, 25) as usize;
            let mut seen: HashSet<(u32, usize)> = HashSet::new();
            for _ in 0..k {
                let t = self.rng.index(self.tables.len());
                let attrs = self.tables[t].attributes.len();
                // Skip the primary key and the system columns.
                if attrs <= 6 {
                    continue;
                }
                let a = 6 + self.rng.index(attrs - 6);
                if !seen.insert((t as u32, a)) {
                    continue;
                }
                let allowed = |r: &mut Rng| if r.pct(60) { 4 } else { 0 };
                perms.push(FieldPermission {
                    profile: p,
                    table: t as u32,
                    attribute: self.tables[t].attributes[a].0.clone(),
                    can_read: allowed(&mut self.rng),
                    can_create: allowed(&mut self.rng),
                    can_update: allowed(&mut self.rng),
                    can_read_unmasked: *self.rng.pick(&[0, 0, 1, 3]),
                });
            }
        }
        let mut user_profiles: Vec<(u32, u32)> = Vec::new();
        let first_custom = profiles.len() - custom;
        for u in 0..self.users.len() as u32 {
            let user = &self.users[u as usize];
            if user.kind == UserKind::Person && self.rng.pct(1) {
                let p = first_custom + self.rng.index(custom);
                user_profiles.push((u, p as u32));
            }
            if self.journeys && user.fullname == "# D365 Marketing" {
                user_profiles.push((u, 1));
                user_profiles.push((u, 2));
            }
        }
        for &u in self.sysadmins.iter().take(2) {
            user_profiles.push((u, 0));
        }
        let mut team_profiles: Vec<(u32, u32)> = Vec::new();
        for t in 0..self.teams.len() as u32 {
            let team = &self.teams[t as usize];
            if !team.is_default && team.team_type != 1 && self.rng.pct(5) {
                let p = first_custom + self.rng.index(custom);
                team_profiles.push((t, p as u32));
            }
        }
        user_profiles.sort_unstable();
        user_profiles.dedup();
        team_profiles.sort_unstable();
        team_profiles.dedup();
        (profiles, perms, user_profiles, team_profiles)
    }

    fn actors(&mut self) -> Actors {
        let mut active = Vec::new();
        let mut dormant = Vec::new();
        let mut heavy = Vec::new();
        let heavy_count = if self.users_n >= 100 {
            scaled(self.users_n, 5, 1)
        } else {
            0
        };
        for (i, u) in self.users.iter().enumerate() {
            let i = i as u32;
            match u.kind {
                UserKind::Person => {
                    let enabled = u.enabled(&self.bus);
                    if u.dormant || !enabled {
                        dormant.push(i);
                    } else if heavy.len() < heavy_count
                        && u.accessmode == 0
                        && !self.sysadmins.contains(&i)
                        && u.bu != 0
                    {
                        heavy.push(i);
                    } else {
                        active.push(i);
                    }
                }
                UserKind::App if Some(i) != self.share_bot => active.push(i),
                _ => {}
            }
        }
        let admins: Vec<u32> = self
            .sysadmins
            .iter()
            .copied()
            .filter(|&u| !self.users[u as usize].dormant)
            .collect();
        let admins = if admins.is_empty() {
            self.sysadmins.clone()
        } else {
            admins
        };
        Actors {
            active,
            dormant,
            heavy,
            admins,
            impersonator: self.impersonator,
            share_bot: self.share_bot,
            system: 0,
        }
    }
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}
