//! The rule catalog (RULES.md): one module per rule, named after its id, and the one registry list below.
//! Rules compute; they never format reports or print.

pub mod data;
pub mod meta;

use std::collections::HashSet;
use std::sync::OnceLock;

use rayon::prelude::*;
use serde_json::{json, Value};

use crate::access::hierarchy::Hierarchy;
use crate::access::Engine;
use crate::config::{Config, RuleOverride};
use crate::finding::{fingerprint, Evidence, Finding, Severity, Subject, SubjectKind};
use crate::model::{AccessMode, Role, Tenant, User};
use crate::time::Date;
use meta::RuleMeta;

/// What a rule's check concluded, apart from its findings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Evaluated,
    /// The rule does not apply to this environment (Journeys rules without Journeys), and why.
    NotApplicable(String),
    /// The export lacks what the rule needs, and what.
    NotEvaluated(String),
}

pub type Check = fn(&Context, &mut Findings) -> Outcome;

pub struct RuleDef {
    pub id: &'static str,
    toml: &'static str,
    pub check: Check,
}

macro_rules! registry {
    ($($module:ident => $id:literal),* $(,)?) => {
        $(pub mod $module;)*
        /// Every rule, in RULES.md order.
        pub static RULES: &[RuleDef] = &[
            $(RuleDef { id: $id, toml: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $id, ".toml")), check: $module::check },)*
        ];
    };
}

registry! {
    env_without_security_group => "env-without-security-group",
    lockbox_disabled => "lockbox-disabled",
    customer_managed_key_absent => "customer-managed-key-absent",
    too_many_business_units => "too-many-business-units",
    role_outside_root_business_unit => "role-outside-root-business-unit",
    out_of_box_role_modified => "out-of-box-role-modified",
    stale_custom_role_copy => "stale-custom-role-copy",
    system_administrator_role_copied => "system-administrator-role-copied",
    share_privilege_too_broad => "share-privilege-too-broad",
    user_without_role => "user-without-role",
    too_many_system_administrators => "too-many-system-administrators",
    dormant_privileged_account => "dormant-privileged-account",
    interactive_account_used_for_integration => "interactive-account-used-for-integration",
    disabled_user_with_access => "disabled-user-with-access",
    hierarchy_span_too_wide => "hierarchy-span-too-wide",
    privileged_application_user => "privileged-application-user",
    excessive_sharing => "excessive-sharing",
    automated_sharing => "automated-sharing",
    ineffective_share => "ineffective-share",
    service_user_modified => "service-user-modified",
    internal_role_assigned_to_person => "internal-role-assigned-to-person",
    required_field_security_profile_missing => "required-field-security-profile-missing",
    incomplete_role_combination => "incomplete-role-combination",
    elevated_marketing_privileges => "elevated-marketing-privileges",
    auditing_disabled => "auditing-disabled",
    user_access_audit_disabled => "user-access-audit-disabled",
    over_broad_auditing => "over-broad-auditing",
    short_audit_retention => "short-audit-retention",
    audit_tampering => "audit-tampering",
    ci_api_key_not_rotated => "ci-api-key-not-rotated",
    ci_storage_without_private_link => "ci-storage-without-private-link",
    ci_secrets_outside_key_vault => "ci-secrets-outside-key-vault",
    ci_too_many_admins => "ci-too-many-admins",
    dangling_reference => "dangling-reference",
}

/// The metadata of every rule, parsed once (the files are embedded; a test parses them all).
pub fn metas() -> &'static [RuleMeta] {
    static METAS: OnceLock<Vec<RuleMeta>> = OnceLock::new();
    METAS.get_or_init(|| {
        RULES
            .iter()
            .map(|r| meta::parse(r.id, r.toml).unwrap_or_else(|e| panic!("{e}")))
            .collect()
    })
}

pub fn meta(id: &str) -> Option<&'static RuleMeta> {
    metas().iter().find(|m| m.id == id)
}

/// What every rule sees.
pub struct Shared<'a> {
    pub tenant: &'a Tenant,
    pub engine: &'a Engine<'a>,
    pub hierarchy: Option<&'a Hierarchy>,
    pub as_of: Date,
    /// Users excluded by the config (break-glass accounts): left out of every population.
    pub excluded: HashSet<usize>,
    /// Whether a report shows the findings' names, messages and evidence. When none does (`--format access`
    /// writes only effective-access.csv), the rules that find hundreds of thousands of things leave them out:
    /// the verdict, the gate and the baseline need only the subjects, severities and fingerprints.
    pub details: bool,
}

/// What one rule sees: the shared state, its metadata and its configured thresholds.
pub struct Context<'a> {
    pub shared: &'a Shared<'a>,
    pub tenant: &'a Tenant,
    pub engine: &'a Engine<'a>,
    pub meta: &'a RuleMeta,
    overrides: Option<&'a RuleOverride>,
}

impl<'a> Context<'a> {
    fn threshold(&self, name: &str) -> &toml::Value {
        self.overrides
            .and_then(|o| o.thresholds.get(name))
            .or_else(|| self.meta.thresholds.get(name))
            .unwrap_or_else(|| {
                panic!(
                    "rule {} has no threshold {name} in rules/{}.toml",
                    self.meta.id, self.meta.id
                )
            })
    }

    pub fn threshold_u64(&self, name: &str) -> u64 {
        match self.threshold(name) {
            toml::Value::Integer(n) => (*n).max(0) as u64,
            toml::Value::Float(f) => f.max(0.0) as u64,
            other => panic!("threshold {name} of {} is not a number: {other}", self.meta.id),
        }
    }

    pub fn threshold_f64(&self, name: &str) -> f64 {
        match self.threshold(name) {
            toml::Value::Integer(n) => *n as f64,
            toml::Value::Float(f) => *f,
            other => panic!("threshold {name} of {} is not a number: {other}", self.meta.id),
        }
    }

    /// A list of GUIDs (application ids).
    pub fn threshold_guids(&self, name: &str) -> Vec<crate::id::Guid> {
        match self.threshold(name) {
            toml::Value::Array(items) => items
                .iter()
                .filter_map(|v| v.as_str())
                .filter_map(|s| crate::id::Guid::parse(s).ok().flatten())
                .collect(),
            other => panic!("threshold {name} of {} is not a list: {other}", self.meta.id),
        }
    }

    pub fn is_excluded(&self, user: usize) -> bool {
        self.shared.excluded.contains(&user)
    }

    /// RULES.md: an enabled user with no application id, access mode Read-Write, Administrative or Read, other
    /// than the built-in SYSTEM and INTEGRATION users, and not excluded by the config.
    pub fn is_person(&self, user: usize) -> bool {
        let u = &self.tenant.users[user];
        self.tenant.is_enabled(u) && !self.is_excluded(user) && is_person_account(u)
    }

    pub fn people(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.tenant.users.len()).filter(|&u| self.is_person(u))
    }

    pub fn user_subject(&self, user: usize) -> Subject {
        let u = &self.tenant.users[user];
        Subject::new(SubjectKind::User, u.id.to_string(), u.display_name())
    }

    pub fn role_subject(&self, role: &Role) -> Subject {
        Subject::new(SubjectKind::Role, role.id.to_string(), role.name.clone())
    }

    /// The environment subject: its `name` (environment.json), else the organization's.
    pub fn environment_subject(&self) -> Subject {
        let t = self.tenant;
        let env = t.environment.as_ref();
        let id = env
            .and_then(|e| e.name.clone())
            .or_else(|| t.organization.as_ref().and_then(|o| o.id.map(|g| g.to_string())))
            .unwrap_or_else(|| "environment".to_string());
        let name = env
            .and_then(|e| e.display_name.clone())
            .or_else(|| t.organization.as_ref().and_then(|o| o.name.clone()))
            .unwrap_or_else(|| id.clone());
        Subject::new(SubjectKind::Environment, id, name)
    }

    pub fn setting_subject(&self, column: &str) -> Subject {
        Subject::new(SubjectKind::Setting, format!("organizations.{column}"), column)
    }

    /// Whether a report shows the findings' names, messages and evidence ([`Shared::details`]).
    pub fn details(&self) -> bool {
        self.shared.details
    }

    pub fn has(&self, input: &str) -> bool {
        self.tenant.sources.contains(input)
    }
}

/// RULES.md "people", the account part: no application id, access mode 0, 1 or 2, not SYSTEM or INTEGRATION.
pub fn is_person_account(u: &User) -> bool {
    !u.is_application()
        && matches!(
            u.access_mode,
            AccessMode::ReadWrite | AccessMode::Administrative | AccessMode::Read | AccessMode::Other(_)
        )
        && !u
            .full_name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case("SYSTEM") || n.eq_ignore_ascii_case("INTEGRATION"))
}

/// The first 20 ids of a list and how many there are (RULES.md: evidence carries the first 20 and the count).
pub fn id_list<T: ToString>(items: impl IntoIterator<Item = T>) -> Value {
    let all: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    json!({ "count": all.len(), "ids": all.iter().take(20).collect::<Vec<_>>() })
}

/// A rule's findings, built by its check.
pub struct Findings {
    rule: &'static str,
    meta: &'static RuleMeta,
    items: Vec<Finding>,
}

impl Findings {
    /// A finding at the rule's default severity and confidence; adjust the returned finding for exceptions.
    pub fn add(&mut self, subject: Subject, message: impl Into<String>, evidence: impl Into<Evidence>) -> &mut Finding {
        let finding = self.finding(subject, message, evidence);
        self.items.push(finding);
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    /// A finding like [`Findings::add`] makes, not yet added: for rules that build many findings in parallel.
    pub fn finding(&self, subject: Subject, message: impl Into<String>, evidence: impl Into<Evidence>) -> Finding {
        Finding {
            rule: self.rule,
            severity: self.meta.severity,
            confidence: self.meta.confidence,
            title: &self.meta.title,
            message: message.into(),
            subject,
            evidence: evidence.into(),
            discriminator: String::new(),
            fingerprint: String::new(),
        }
    }

    /// Adds findings made by [`Findings::finding`] (taken as they are when they are the first: a large tenant
    /// has hundreds of thousands of some).
    pub fn extend(&mut self, mut findings: Vec<Finding>) {
        if self.items.is_empty() {
            self.items = findings;
        } else {
            self.items.append(&mut findings);
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// The result of one rule.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    Passed,
    Failed,
    Waived,
    Disabled,
    NotEvaluated,
    NotApplicable,
}

#[derive(Clone, Debug)]
pub struct RuleResult {
    pub id: &'static str,
    /// How long the check took (for benchmarks).
    pub elapsed: std::time::Duration,
    pub status: RuleStatus,
    pub reason: Option<String>,
    /// The findings, until policy takes them (`finding_count` stays).
    pub findings: Vec<Finding>,
    pub finding_count: usize,
}

fn missing_input_reason(missing: &[&str]) -> String {
    let files: Vec<String> = missing
        .iter()
        .map(|t| format!("{t}.json (or .ndjson / .csv)"))
        .collect();
    format!("the export has no {}", files.join(", no "))
}

/// Runs every rule (in parallel; results in registry order). A rule whose inputs are missing is not evaluated;
/// a rule switched off in the config is disabled.
pub fn run(shared: &Shared, config: &Config) -> Vec<RuleResult> {
    let metas = metas();
    RULES
        .par_iter()
        .zip(metas.par_iter())
        .map(|(rule, meta)| {
            let overrides = config.rules.get(rule.id);
            if overrides.and_then(|o| o.enabled) == Some(false) {
                return RuleResult {
                    elapsed: Default::default(),
                    id: rule.id,
                    status: RuleStatus::Disabled,
                    reason: Some("disabled in the config file".into()),
                    findings: Vec::new(),
                    finding_count: 0,
                };
            }
            let missing: Vec<&str> = meta
                .inputs
                .iter()
                .map(String::as_str)
                .filter(|i| !shared.tenant.sources.contains(i))
                .collect();
            if !missing.is_empty() {
                return RuleResult {
                    elapsed: Default::default(),
                    id: rule.id,
                    status: RuleStatus::NotEvaluated,
                    reason: Some(missing_input_reason(&missing)),
                    findings: Vec::new(),
                    finding_count: 0,
                };
            }
            let started = std::time::Instant::now();
            let cx = Context {
                shared,
                tenant: shared.tenant,
                engine: shared.engine,
                meta,
                overrides,
            };
            let mut out = Findings {
                rule: rule.id,
                meta,
                items: Vec::new(),
            };
            let outcome = (rule.check)(&cx, &mut out);
            let mut findings = out.items;
            let severity: Option<Severity> = overrides.and_then(|o| o.severity);
            // A few rules find hundreds of thousands of things on a large tenant: their findings are finished and
            // sorted on every core.
            findings.par_iter_mut().with_min_len(1024).for_each(|f| {
                debug_assert!(
                    (!f.message.is_empty() || !shared.details) && !f.subject.id.is_empty(),
                    "malformed finding of {}: {f:?}",
                    rule.id
                );
                if let Some(s) = severity {
                    f.severity = s;
                }
                f.fingerprint = fingerprint(rule.id, f.subject.kind, &f.subject.id, &f.discriminator);
            });
            crate::finding::sort_findings(&mut findings);
            let (status, reason) = match outcome {
                Outcome::NotApplicable(r) => (RuleStatus::NotApplicable, Some(r)),
                Outcome::NotEvaluated(r) => (RuleStatus::NotEvaluated, Some(r)),
                Outcome::Evaluated if findings.is_empty() => (RuleStatus::Passed, None),
                Outcome::Evaluated => (RuleStatus::Failed, None),
            };
            RuleResult {
                elapsed: started.elapsed(),
                id: rule.id,
                status,
                reason,
                finding_count: findings.len(),
                findings,
            }
        })
        .collect()
}

/// Resolves the config's excluded principals (ids or UPNs) to users; returns the ones that matched nothing.
pub fn resolve_excluded(t: &Tenant, exclude: &[String]) -> (HashSet<usize>, Vec<String>) {
    let mut found = HashSet::new();
    let mut unmatched = Vec::new();
    for e in exclude {
        let by_id = crate::id::Guid::parse(e)
            .ok()
            .flatten()
            .and_then(|g| t.index.users.get(&crate::id::UserId(g)).copied());
        let by_upn = || {
            t.users
                .iter()
                .position(|u| u.domain_name.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(e)))
        };
        match by_id.or_else(by_upn) {
            Some(u) => {
                found.insert(u);
            }
            None => unmatched.push(e.clone()),
        }
    }
    (found, unmatched)
}

/// A role that reaches an enabled user: the role copy assigned, its root, and the team it comes through.
pub struct HeldRole<'t> {
    pub role: &'t Role,
    pub source: &'t Role,
    pub team: Option<&'t crate::model::Team>,
    pub path: String,
}

impl<'a> Context<'a> {
    /// The roles that reach an enabled user, directly or through an owner or Entra group team.
    pub fn roles_of(&self, user: usize) -> Vec<HeldRole<'a>> {
        let t = self.tenant;
        let Some(set) = self.engine.grant_set_of(user) else {
            return Vec::new();
        };
        set.assignments
            .iter()
            .map(|a| {
                let role = &t.roles[a.role as usize];
                HeldRole {
                    role,
                    source: t.root_role(role),
                    team: a.team.map(|x| &t.teams[x as usize]),
                    path: self.engine.path(a),
                }
            })
            .collect()
    }

    /// For each role of the tenant (by index), whether its root role's name is one of the alias lists: names are
    /// normalized once per role, not once per user.
    pub fn roles_named(&self, lists: &[Vec<String>]) -> Vec<bool> {
        let t = self.tenant;
        t.roles
            .iter()
            .map(|r| lists.iter().any(|aliases| data::matches(&t.root_role(r).name, aliases)))
            .collect()
    }

    /// Whether an enabled user holds (directly or through a team) one of the roles flagged by [`Self::roles_named`].
    pub fn holds_any(&self, user: usize, flags: &[bool]) -> bool {
        self.engine.grant_set_of(user).is_some_and(|set| {
            set.assignments
                .iter()
                .any(|a| flags.get(a.role as usize).copied().unwrap_or(false))
        })
    }

    /// System Administrator: by template id, or by name when the roles file has no template column.
    pub fn is_system_administrator(&self, role: &Role) -> bool {
        role.template == Some(crate::model::SYSTEM_ADMINISTRATOR_TEMPLATE)
            || (!self.tenant.roles_have_template_column && role.name.eq_ignore_ascii_case("System Administrator"))
    }

    pub fn is_system_customizer(&self, role: &Role) -> bool {
        role.template == Some(crate::model::SYSTEM_CUSTOMIZER_TEMPLATE)
            || (!self.tenant.roles_have_template_column && role.name.eq_ignore_ascii_case("System Customizer"))
    }

    /// Root roles (a copy's findings are its root's).
    pub fn root_roles(&self) -> impl Iterator<Item = &'a Role> + '_ {
        let t = self.tenant;
        t.roles.iter().filter(move |r| t.privilege_source(r) == r.id)
    }

    /// The copies of a root role (not the root itself).
    pub fn copies_of(&self, root: &Role) -> Vec<&'a Role> {
        let t = self.tenant;
        t.roles
            .iter()
            .filter(|r| r.id != root.id && t.privilege_source(r) == root.id)
            .collect()
    }

    /// A root role's privileges: (privilege index, depth).
    pub fn privileges_of(&self, root: &Role) -> &'a [(u32, crate::model::Depth)] {
        match self.tenant.index.roles.get(&root.id) {
            Some(&i) => &self.engine.role_privileges[i],
            None => &[],
        }
    }

    /// Users holding each root role (directly or through a team), enabled only, by root role id.
    pub fn holders_by_root(&self) -> std::collections::HashMap<crate::id::RoleId, Vec<usize>> {
        let mut m: std::collections::HashMap<crate::id::RoleId, Vec<usize>> = std::collections::HashMap::new();
        for u in 0..self.tenant.users.len() {
            if self.is_excluded(u) {
                continue;
            }
            let Some(set) = self.engine.grant_set_of(u) else {
                continue;
            };
            // Only the root ids: no paths to format for every user.
            let t = self.tenant;
            let mut roots: Vec<_> = set
                .assignments
                .iter()
                .map(|a| t.privilege_source(&t.roles[a.role as usize]))
                .collect();
            roots.sort();
            roots.dedup();
            for r in roots {
                m.entry(r).or_default().push(u);
            }
        }
        m
    }
}

/// RULES.md: the environment has Customer Insights - Journeys when the role "Marketing Services User" or the
/// user "D365 Marketing" exists.
pub fn journeys_present(t: &Tenant) -> bool {
    let j = data::journeys();
    t.roles
        .iter()
        .any(|r| j.presence_roles.iter().any(|aliases| data::matches(&r.name, aliases)))
        || t.users.iter().any(|u| {
            u.full_name
                .as_deref()
                .is_some_and(|n| data::matches(n, &j.marketing_user))
        })
}

pub const NO_JOURNEYS: &str = "the environment has no Customer Insights - Journeys (no \"Marketing Services User\" role, no \"D365 Marketing\" user)";
