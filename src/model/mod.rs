//! The typed model of one environment's export: every table of INPUT.md, ids resolved, references checked.

pub mod audit;
mod build;
pub mod prefetch;
mod shares;

pub use audit::{ActionStats, AuditSummary, RoleChange, UserActivity};
pub use build::{build_core, complete, BuildOutput, LateTables, RawTables};
pub use shares::{PrincipalKind, Share, Shares};

use std::collections::BTreeSet;
use std::ops::{Deref, DerefMut};
use std::sync::OnceLock;

use rustc_hash::FxHashMap as HashMap;

use crate::id::{BusinessUnitId, Guid, PositionId, PrivilegeId, ProfileId, RoleId, TeamId, UserId};
use crate::time::Timestamp;

/// System Administrator's role template (`_roletemplateid_value`).
pub const SYSTEM_ADMINISTRATOR_TEMPLATE: Guid = Guid(0x627090ff_40a3_4053_8790_584edc5be201);
/// System Customizer's role template.
pub const SYSTEM_CUSTOMIZER_TEMPLATE: Guid = Guid(0x119f245c_3cc8_4b62_b31c_d1a046ced15d);

#[derive(Clone, Debug, PartialEq)]
pub struct BusinessUnit {
    pub id: BusinessUnitId,
    pub name: String,
    pub parent: Option<BusinessUnitId>,
    pub disabled: bool,
}

/// `accessmode` (Learn, "Create users").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum AccessMode {
    ReadWrite,
    Administrative,
    Read,
    SupportUser,
    NonInteractive,
    DelegatedAdmin,
    /// A code this tool does not know; treated as Read-Write.
    Other(i64),
}

impl AccessMode {
    pub const LABELS: &'static [(&'static str, i64)] = &[
        ("Read-Write", 0),
        ("Administrative", 1),
        ("Read", 2),
        ("Support User", 3),
        ("Non-interactive", 4),
        ("Delegated Admin", 5),
    ];

    pub fn from_code(code: i64) -> AccessMode {
        match code {
            0 => AccessMode::ReadWrite,
            1 => AccessMode::Administrative,
            2 => AccessMode::Read,
            3 => AccessMode::SupportUser,
            4 => AccessMode::NonInteractive,
            5 => AccessMode::DelegatedAdmin,
            n => AccessMode::Other(n),
        }
    }

    pub fn code(self) -> i64 {
        match self {
            AccessMode::ReadWrite => 0,
            AccessMode::Administrative => 1,
            AccessMode::Read => 2,
            AccessMode::SupportUser => 3,
            AccessMode::NonInteractive => 4,
            AccessMode::DelegatedAdmin => 5,
            AccessMode::Other(n) => n,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccessMode::ReadWrite | AccessMode::Other(_) => "Read-Write",
            AccessMode::Administrative => "Administrative",
            AccessMode::Read => "Read",
            AccessMode::SupportUser => "Support User",
            AccessMode::NonInteractive => "Non-interactive",
            AccessMode::DelegatedAdmin => "Delegated Admin",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: UserId,
    pub full_name: Option<String>,
    pub domain_name: Option<String>,
    pub email: Option<String>,
    pub entra_object_id: Option<Guid>,
    /// Non-empty for application users (service principals).
    pub application_id: Option<Guid>,
    pub disabled: bool,
    /// 0 exists; 1 soft-deleted, 2 deleted in Microsoft Entra ID.
    pub azure_state: i64,
    pub access_mode: AccessMode,
    pub licensed: Option<bool>,
    pub business_unit: BusinessUnitId,
    pub manager: Option<UserId>,
    pub position: Option<PositionId>,
    pub created_on: Option<Timestamp>,
}

impl User {
    /// `domainname`, else `fullname`, else the id (RULES.md: a user's display name).
    pub fn display_name(&self) -> String {
        self.domain_name
            .clone()
            .or_else(|| self.full_name.clone())
            .unwrap_or_else(|| self.id.to_string())
    }

    pub fn is_application(&self) -> bool {
        self.application_id.is_some()
    }
}

/// `teamtype`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum TeamType {
    Owner,
    Access,
    EntraSecurityGroup,
    Microsoft365Group,
    Other(i64),
}

impl TeamType {
    pub const LABELS: &'static [(&'static str, i64)] = &[
        ("Owner", 0),
        ("Access", 1),
        ("Microsoft Entra security group", 2),
        ("Microsoft Entra ID Security Group", 2),
        ("AAD Security Group", 2),
        ("Security Group", 2),
        ("Microsoft 365 group", 3),
        ("Microsoft Entra ID Office Group", 3),
        ("AAD Office Group", 3),
        ("Office Group", 3),
    ];

    pub fn from_code(code: i64) -> TeamType {
        match code {
            0 => TeamType::Owner,
            1 => TeamType::Access,
            2 => TeamType::EntraSecurityGroup,
            3 => TeamType::Microsoft365Group,
            n => TeamType::Other(n),
        }
    }

    pub fn code(self) -> i64 {
        match self {
            TeamType::Owner => 0,
            TeamType::Access => 1,
            TeamType::EntraSecurityGroup => 2,
            TeamType::Microsoft365Group => 3,
            TeamType::Other(n) => n,
        }
    }

    /// Owner and Microsoft Entra group teams carry roles; access teams do not (ACCESS-MODEL.md).
    pub fn carries_roles(self) -> bool {
        matches!(
            self,
            TeamType::Owner | TeamType::EntraSecurityGroup | TeamType::Microsoft365Group
        )
    }

    pub fn is_group(self) -> bool {
        matches!(self, TeamType::EntraSecurityGroup | TeamType::Microsoft365Group)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub team_type: TeamType,
    pub membership_type: Option<i64>,
    pub entra_object_id: Option<Guid>,
    pub business_unit: BusinessUnitId,
    /// The business unit's default team: every user of the BU is a member.
    pub is_default: bool,
    /// Non-empty for system-managed record access teams.
    pub team_template: Option<Guid>,
    pub administrator: Option<UserId>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Role {
    pub id: RoleId,
    pub name: String,
    pub business_unit: BusinessUnitId,
    /// The top role of its copy tree (equal to `id` for that role). `None` when the export lacks it.
    pub parent_root_role: Option<RoleId>,
    pub template: Option<Guid>,
    pub managed: bool,
    pub customizable: Option<bool>,
    /// `isinherited`: true = "Direct User (Basic) access level and Team privileges" (the default).
    pub inherited: bool,
    pub created_on: Option<Timestamp>,
    pub modified_on: Option<Timestamp>,
}

impl Role {
    /// The role whose privileges this role has (itself, unless it is a copy).
    pub fn root(&self) -> RoleId {
        self.parent_root_role.unwrap_or(self.id)
    }

    pub fn is_copy(&self) -> bool {
        self.root() != self.id
    }
}

/// The right a table privilege grants (AccessRights).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Right {
    Create,
    Read,
    Write,
    Delete,
    Append,
    AppendTo,
    Assign,
    Share,
}

impl Right {
    pub const ALL: [Right; 8] = [
        Right::Create,
        Right::Read,
        Right::Write,
        Right::Delete,
        Right::Append,
        Right::AppendTo,
        Right::Assign,
        Right::Share,
    ];

    /// The AccessRights bit.
    pub fn mask(self) -> u32 {
        match self {
            Right::Read => 1,
            Right::Write => 2,
            Right::Append => 4,
            Right::AppendTo => 16,
            Right::Create => 32,
            Right::Delete => 65536,
            Right::Share => 262144,
            Right::Assign => 524288,
        }
    }

    pub fn from_mask(mask: i64) -> Option<Right> {
        Right::ALL.into_iter().find(|r| r.mask() as i64 == mask)
    }

    pub fn name(self) -> &'static str {
        match self {
            Right::Create => "Create",
            Right::Read => "Read",
            Right::Write => "Write",
            Right::Delete => "Delete",
            Right::Append => "Append",
            Right::AppendTo => "AppendTo",
            Right::Assign => "Assign",
            Right::Share => "Share",
        }
    }

    /// The rights set in an AccessRights mask.
    pub fn in_mask(mask: u32) -> impl Iterator<Item = Right> {
        Right::ALL.into_iter().filter(move |r| mask & r.mask() != 0)
    }
}

/// Every AccessRights bit that is a right (INPUT.md: mask share masks with this first).
pub const RIGHTS_MASK: u32 = 0xD0037;

/// Privilege depth, ordered: a higher depth implies the lower ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Depth {
    Basic,
    Local,
    Deep,
    Global,
}

impl Depth {
    pub const ALL: [Depth; 4] = [Depth::Basic, Depth::Local, Depth::Deep, Depth::Global];

    /// `privilegedepthmask & 0x0F`, highest bit. `None` for a mask with no depth bit.
    pub fn from_mask(mask: i64) -> Option<Depth> {
        if mask < 0 {
            return None;
        }
        let m = mask & 0x0F;
        if m & 8 != 0 {
            Some(Depth::Global)
        } else if m & 4 != 0 {
            Some(Depth::Deep)
        } else if m & 2 != 0 {
            Some(Depth::Local)
        } else if m & 1 != 0 {
            Some(Depth::Basic)
        } else {
            None
        }
    }

    /// The names of INPUT.md and of the admin UI, case-insensitive.
    pub fn from_label(label: &str) -> Option<Depth> {
        let l = label.trim().to_ascii_lowercase();
        match l.as_str() {
            "basic" | "user" => Some(Depth::Basic),
            "local" | "businessunit" | "business unit" => Some(Depth::Local),
            "deep" | "parent: child business units" | "parent:child business units" | "parent child business units" => {
                Some(Depth::Deep)
            }
            "global" | "organization" => Some(Depth::Global),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Depth::Basic => "Basic",
            Depth::Local => "Local",
            Depth::Deep => "Deep",
            Depth::Global => "Global",
        }
    }

    pub fn mask(self) -> u8 {
        match self {
            Depth::Basic => 1,
            Depth::Local => 2,
            Depth::Deep => 4,
            Depth::Global => 8,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Privilege {
    pub id: PrivilegeId,
    pub name: String,
    /// The right it grants; `None` for a miscellaneous privilege (accessright 0) or when the export lacks it.
    pub access_right: Option<i64>,
    pub can_be_basic: Option<bool>,
    pub can_be_local: Option<bool>,
    pub can_be_deep: Option<bool>,
    pub can_be_global: Option<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RolePrivilege {
    pub role: RoleId,
    pub privilege: PrivilegeId,
    pub depth: Depth,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldSecurityProfile {
    pub id: ProfileId,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldPermission {
    pub profile: ProfileId,
    pub table: String,
    pub column: String,
    pub can_read: bool,
    pub can_create: bool,
    pub can_update: bool,
    /// 0 none, 1 one record, 3 all records.
    pub can_read_unmasked: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Position {
    pub id: PositionId,
    pub name: Option<String>,
    pub parent: Option<PositionId>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AttributeDefinition {
    pub logical_name: String,
    pub audit_enabled: Option<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EntityDefinition {
    pub logical_name: String,
    pub schema_name: Option<String>,
    pub object_type_code: Option<i64>,
    pub ownership: Option<String>,
    pub is_activity: bool,
    pub audit_enabled: Option<bool>,
    /// `IsAuditEnabled.CanBeChanged`: false means the table is not auditable.
    pub audit_can_be_changed: Option<bool>,
    pub attributes: Vec<AttributeDefinition>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Organization {
    pub id: Option<Guid>,
    pub name: Option<String>,
    pub audit_enabled: Option<bool>,
    pub user_access_audit_enabled: Option<bool>,
    pub read_audit_enabled: Option<bool>,
    /// Days; -1 forever; `None` unknown.
    pub audit_retention_days: Option<i64>,
    pub hierarchy_enabled: Option<bool>,
    pub hierarchy_max_depth: Option<i64>,
    pub use_position_hierarchy: Option<bool>,
    pub user_access_audit_interval_hours: Option<i64>,
    /// `EnableOwnershipAcrossBusinessUnits` in `orgdborgsettings`: the modernized business-unit model.
    pub modernized_business_units: bool,
    /// `ManagersMustBeInSameOrParentBusinessUnitAsReports` (absent means true).
    pub managers_in_same_or_parent_bu: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Environment {
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub sku: Option<String>,
    /// `None`: no security group (absent, empty or all zeros).
    pub security_group: Option<Guid>,
    pub protection_level: Option<String>,
    /// `None`: the export does not say.
    pub lockbox_enabled: Option<bool>,
    pub customer_managed_key: bool,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomerInsights {
    pub users: Vec<CiUser>,
    pub api: Option<CiApi>,
    pub private_links: Vec<CiPrivateLink>,
    pub storage_accounts: Vec<CiStorageAccount>,
    pub key_vault: Option<CiKeyVault>,
    pub connections: Vec<CiConnection>,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CiUser {
    pub principal: String,
    pub role: String,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CiApi {
    pub enabled: bool,
    pub primary_key_created_on: Option<String>,
    pub secondary_key_created_on: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CiPrivateLink {
    pub storage_account: String,
    pub state: String,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CiStorageAccount {
    pub name: String,
    pub public_network_access: bool,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CiKeyVault {
    pub linked: bool,
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CiConnection {
    pub name: String,
    pub secrets_in_key_vault: bool,
}

/// A row that refers to an id the export does not hold (INPUT.md: a data-quality finding, not a crash).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct DanglingReference {
    pub table: &'static str,
    pub column: &'static str,
    pub missing_id: Guid,
    /// What the missing id should be (`systemuser`, `team`, `role`, ...).
    pub target: &'static str,
    pub rows: u64,
}

/// The environment's security data, resolved.
#[derive(Debug, Default)]
pub struct Tenant {
    pub organization: Option<Organization>,
    pub environment: Option<Environment>,
    pub business_units: Vec<BusinessUnit>,
    pub users: Vec<User>,
    pub teams: Vec<Team>,
    /// Explicit memberships (default-team membership is implied and not listed here), unique, sorted.
    pub team_members: Vec<(TeamId, UserId)>,
    pub roles: Vec<Role>,
    pub privileges: Vec<Privilege>,
    /// `privilegeobjecttypecodesset`: privilege -> table logical names (empty when the table is absent).
    pub privilege_tables: Vec<(PrivilegeId, String)>,
    /// Privileges of root roles (rows exported for copies are dropped: copies have their root's privileges).
    pub role_privileges: Vec<RolePrivilege>,
    /// Filter-based privilege rows (`_recordfilterid_value`), counted and not evaluated.
    pub record_filter_privileges: u64,
    pub user_roles: Vec<(UserId, RoleId)>,
    pub team_roles: Vec<(TeamId, RoleId)>,
    pub shares: Late<Shares>,
    pub field_security_profiles: Vec<FieldSecurityProfile>,
    pub field_permissions: Vec<FieldPermission>,
    pub user_profiles: Vec<(UserId, ProfileId)>,
    pub team_profiles: Vec<(TeamId, ProfileId)>,
    pub positions: Vec<Position>,
    pub entities: Vec<EntityDefinition>,
    pub audit: Late<AuditSummary>,
    pub customer_insights: Option<CustomerInsights>,
    pub dangling: Late<Vec<DanglingReference>>,
    /// True when `roles` has a `_roletemplateid_value` column (else System Administrator is found by name).
    pub roles_have_template_column: bool,
    /// Inputs read, from a file or an expansion (RULES.md: an input is present when any of its sources was read).
    pub sources: Late<BTreeSet<&'static str>>,
    pub index: Index,
}

/// A part of the tenant that the late tables complete (shares and audits, read while the effective access is
/// computed from the rest: see [`build_core`]). It reads as its early value (what the other tables give, or
/// nothing) until it is completed, once, through a shared reference.
#[derive(Debug, Default)]
pub struct Late<T> {
    early: T,
    complete: OnceLock<T>,
}

impl<T> Late<T> {
    pub fn new(value: T) -> Late<T> {
        Late {
            early: value,
            complete: OnceLock::new(),
        }
    }

    /// Replaces the early value, unless it was completed before (the value is then dropped).
    pub fn complete(&self, value: T) {
        let _ = self.complete.set(value);
    }

    /// The value before it was completed.
    pub fn early(&self) -> &T {
        &self.early
    }
}

impl<T> From<T> for Late<T> {
    fn from(value: T) -> Late<T> {
        Late::new(value)
    }
}

impl<T> Deref for Late<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.complete.get().unwrap_or(&self.early)
    }
}

impl<'a, T> IntoIterator for &'a Late<T>
where
    &'a T: IntoIterator,
{
    type Item = <&'a T as IntoIterator>::Item;
    type IntoIter = <&'a T as IntoIterator>::IntoIter;

    fn into_iter(self) -> Self::IntoIter {
        (**self).into_iter()
    }
}

impl<T> DerefMut for Late<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.complete.get_mut().unwrap_or(&mut self.early)
    }
}

/// Positions of records in the tenant's vectors, by id.
#[derive(Debug, Default)]
pub struct Index {
    pub business_units: HashMap<BusinessUnitId, usize>,
    pub users: HashMap<UserId, usize>,
    pub teams: HashMap<TeamId, usize>,
    pub roles: HashMap<RoleId, usize>,
    pub privileges: HashMap<PrivilegeId, usize>,
    pub profiles: HashMap<ProfileId, usize>,
    pub positions: HashMap<PositionId, usize>,
}

impl Tenant {
    pub fn business_unit(&self, id: BusinessUnitId) -> Option<&BusinessUnit> {
        self.index.business_units.get(&id).map(|&i| &self.business_units[i])
    }
    pub fn user(&self, id: UserId) -> Option<&User> {
        self.index.users.get(&id).map(|&i| &self.users[i])
    }
    pub fn team(&self, id: TeamId) -> Option<&Team> {
        self.index.teams.get(&id).map(|&i| &self.teams[i])
    }
    pub fn role(&self, id: RoleId) -> Option<&Role> {
        self.index.roles.get(&id).map(|&i| &self.roles[i])
    }
    /// The role whose privileges a role has: its root, when the root is in the export.
    pub fn privilege_source(&self, role: &Role) -> RoleId {
        if self.index.roles.contains_key(&role.root()) {
            role.root()
        } else {
            role.id
        }
    }

    /// The root role a role has its privileges (and `isinherited`, template) from: itself unless it is a copy.
    pub fn root_role<'a>(&'a self, role: &'a Role) -> &'a Role {
        self.role(self.privilege_source(role)).unwrap_or(role)
    }

    pub fn privilege(&self, id: PrivilegeId) -> Option<&Privilege> {
        self.index.privileges.get(&id).map(|&i| &self.privileges[i])
    }

    /// ACCESS-MODEL.md: not disabled, not deleted in Entra ID, and their business unit not disabled.
    pub fn is_enabled(&self, user: &User) -> bool {
        !user.disabled && user.azure_state == 0 && !self.business_unit(user.business_unit).is_some_and(|bu| bu.disabled)
    }
}
