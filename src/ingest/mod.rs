//! Reading an export directory (INPUT.md) into the typed model.

pub(crate) mod fast;
mod parallel;
pub mod problem;
pub mod reader;
pub mod row;
pub mod source;
pub mod tables;
pub mod text;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use problem::{Problem, ProblemKind};
use reader::TableLog;
use source::{SourceFile, REQUIRED, TABLES};

use crate::model::{self, Late, RawTables, Tenant};

/// What `analyze`, `validate` and `access` say about one table of INPUT.md.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TableInput {
    pub table: &'static str,
    pub status: InputStatus,
    pub files: Vec<String>,
    pub rows: u64,
    pub skipped: u64,
    pub problem_count: u64,
    /// The first problems in (file, line) order (all kinds, fatal ones included).
    pub problems: Vec<Problem>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputStatus {
    /// Read whole.
    Read,
    /// Read, with rows skipped or signs that the export is incomplete.
    Partial,
    /// No file, or a file that could not be read at all (the table was dropped).
    Missing,
}

/// Which tables to read: `access` reads only what its query needs.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Tables not to read (treated as absent).
    pub skip: BTreeSet<&'static str>,
}

/// An export, read.
pub struct Export {
    pub dir: PathBuf,
    pub tenant: Tenant,
    /// Every table's input (none until the late tables are read: [`Loading::finish`]).
    pub inputs: Late<Vec<TableInput>>,
    /// Files in the directory that are not a table of INPUT.md.
    pub ignored_files: Vec<String>,
    /// Problems that make the export unusable (exit code 2): those of the tables read so far.
    pub fatal: Late<Vec<Problem>>,
}

impl Export {
    pub fn is_usable(&self) -> bool {
        self.fatal.is_empty()
    }

    pub fn input(&self, table: &str) -> Option<&TableInput> {
        self.inputs.iter().find(|i| i.table == table)
    }
}

/// The export directory itself cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the export directory {dir}: {source}")]
pub struct LoadError {
    pub dir: PathBuf,
    #[source]
    pub source: std::io::Error,
}

fn files_of<'a>(tables: &'a BTreeMap<&'static str, Vec<SourceFile>>, table: &str) -> &'a [SourceFile] {
    tables.get(table).map(Vec::as_slice).unwrap_or(&[])
}

/// The tables read late: the big ones, which the effective access does not depend on.
const LATE: [&str; 2] = ["principalobjectaccessset", "audits"];

/// Reads every table of the export: the big ones (audits, shares) in parallel with the rest, each of them on
/// every core.
pub fn load(dir: &Path, options: &LoadOptions) -> Result<Export, LoadError> {
    let mut loading = Loading::start(dir, options)?;
    let late = loading.late();
    let (late, export) = rayon::join(|| late.read(), || loading.read_core());
    loading.finish(&export, late);
    Ok(export)
}

/// An export being read in two steps: [`Loading::read_core`] reads every table but the late ones (shares and
/// audits, most of an export's bytes), while [`LateReading::read`] reads those; [`Loading::finish`] completes the
/// tenant with them. What needs only the core (the effective access) can start in between.
pub struct Loading {
    dir: PathBuf,
    tables: BTreeMap<&'static str, Vec<SourceFile>>,
    two_formats: BTreeSet<&'static str>,
    ignored: Vec<String>,
    logs: BTreeMap<&'static str, TableLog>,
}

/// The reading of the late tables, which can be moved to another thread.
pub struct LateReading {
    shares: Vec<SourceFile>,
    audits: Vec<SourceFile>,
    share_log: TableLog,
    audit_log: TableLog,
}

/// The late tables as read, with their logs.
pub struct LateRead {
    tables: model::LateTables,
    logs: [TableLog; 2],
}

impl Loading {
    /// Finds the tables of the directory.
    pub fn start(dir: &Path, options: &LoadOptions) -> Result<Loading, LoadError> {
        let discovery = source::discover(dir).map_err(|source| LoadError {
            dir: dir.to_path_buf(),
            source,
        })?;
        let mut tables = discovery.tables;
        let two_formats = discovery.two_formats;
        tables.retain(|t, _| !options.skip.contains(t) && !two_formats.contains(t));
        let mut logs: BTreeMap<&'static str, TableLog> = TABLES.iter().map(|&t| (t, TableLog::new(t))).collect();
        for (table, problems) in discovery.problems {
            if let Some(log) = logs.get_mut(table) {
                for p in problems {
                    log.push(p);
                }
            }
        }
        Ok(Loading {
            dir: dir.to_path_buf(),
            tables,
            two_formats,
            ignored: discovery.ignored,
            logs,
        })
    }

    /// The reading of the late tables, taken out (once: a second call reads nothing).
    pub fn late(&mut self) -> LateReading {
        let mut take = |t: &'static str| self.logs.remove(t).unwrap_or_else(|| TableLog::new(t));
        let (share_log, audit_log) = (take("principalobjectaccessset"), take("audits"));
        LateReading {
            shares: files_of(&self.tables, "principalobjectaccessset").to_vec(),
            audits: files_of(&self.tables, "audits").to_vec(),
            share_log,
            audit_log,
        }
    }

    /// Reads every table but the late ones into a tenant without shares and audits. Its `fatal` problems are
    /// those found so far; its `inputs` are listed by [`Loading::finish`].
    pub fn read_core(&mut self) -> Export {
        let mut rest: BTreeMap<&'static str, TableLog> = std::mem::take(&mut self.logs)
            .into_iter()
            .filter(|(t, _)| !LATE.contains(t))
            .collect();
        let mut raw = read_small_tables(&self.tables, &mut rest);
        let mut logs = rest;
        for (table, log) in &logs {
            if log.is_present() {
                raw.sources.insert(table);
            }
        }
        // Required tables.
        for &table in REQUIRED {
            let Some(log) = logs.get_mut(table) else { continue };
            if log.files.is_empty() && !self.two_formats.contains(table) {
                log.push(Problem::file_level(
                    table,
                    ProblemKind::Fatal,
                    format!("required table `{table}` is missing: expected {table}.json, {table}.ndjson or {table}.csv (optionally .gz) in {}", self.dir.display()),
                ));
            } else if let Some(p) = log.unreadable.clone() {
                log.push(Problem {
                    kind: ProblemKind::Fatal,
                    ..p
                });
            }
        }
        let built = model::build_core(raw);
        for (table, p) in built.problems {
            if let Some(log) = logs.get_mut(table) {
                log.push(p);
            }
        }
        let fatal: Vec<Problem> = logs.values().flat_map(|log| log.fatal.iter().cloned()).collect();
        self.logs = logs;
        Export {
            dir: self.dir.clone(),
            tenant: built.tenant,
            inputs: Late::default(),
            ignored_files: std::mem::take(&mut self.ignored),
            fatal: fatal.into(),
        }
    }

    /// Completes the export of [`Loading::read_core`] with the late tables: its tenant, every table's input and
    /// the problems that make the export unusable (in the order of [`TABLES`]).
    pub fn finish(self, export: &Export, late: LateRead) {
        model::complete(&export.tenant, late.tables);
        let mut logs = self.logs;
        for log in late.logs {
            logs.insert(log.table, log);
        }
        let mut fatal = Vec::new();
        let mut inputs = Vec::new();
        for &table in TABLES {
            let log = logs.remove(table).unwrap_or_else(|| TableLog::new(table));
            fatal.extend(log.fatal.iter().cloned());
            let incomplete = log.problems.kept.iter().any(|p| p.kind == ProblemKind::Incomplete);
            let status = if !log.is_present() {
                InputStatus::Missing
            } else if log.skipped > 0 || incomplete {
                InputStatus::Partial
            } else {
                InputStatus::Read
            };
            let mut problems = log.problems.kept;
            problems.sort_by_key(|p| {
                (
                    file_order(&log.files, &p.file),
                    p.line.unwrap_or(0),
                    p.column.unwrap_or(0),
                )
            });
            problems.truncate(10);
            inputs.push(TableInput {
                table,
                status,
                files: log.files,
                rows: if log.unreadable.is_some() { 0 } else { log.rows },
                skipped: log.skipped,
                problem_count: log.problems.count,
                problems,
            });
        }
        export.fatal.complete(fatal);
        export.inputs.complete(inputs);
    }
}

impl LateReading {
    /// Reads the shares, then the audit log, each on every core: one after the other, so that what reading one
    /// of them holds (buffers, each thread's partial result) is not held at the same time as what reading the
    /// other holds.
    pub fn read(self) -> LateRead {
        let LateReading {
            shares,
            audits,
            mut share_log,
            mut audit_log,
        } = self;
        let mut tables = model::LateTables::default();
        if !shares.is_empty() {
            let read = tables::shares::shares(&shares, &mut share_log);
            tables.shares = keep(&share_log, read);
        }
        if !audits.is_empty() {
            let read = tables::audits::audits(&audits, &mut audit_log);
            tables.audit = keep(&audit_log, read);
        }
        for log in [&share_log, &audit_log] {
            if log.is_present() {
                tables.sources.insert(log.table);
            }
        }
        LateRead {
            tables,
            logs: [share_log, audit_log],
        }
    }
}

/// Files sort in page order, file-level problems of a table without a file first.
fn file_order(files: &[String], file: &str) -> usize {
    files.iter().position(|f| f == file).map_or(0, |i| i + 1)
}

/// Drops what a table's reader collected when one of its files could not be read at all.
fn keep<T: Default>(log: &TableLog, value: T) -> T {
    if log.unreadable.is_some() {
        T::default()
    } else {
        value
    }
}

/// Reads one table with its reader, unless it has no file (or came in two formats: discovery left it out).
fn read_one<T: Default>(
    tables: &BTreeMap<&'static str, Vec<SourceFile>>,
    log: &mut TableLog,
    read: impl FnOnce(&[SourceFile], &mut TableLog) -> T,
) -> T {
    let files = files_of(tables, log.table);
    if files.is_empty() {
        return T::default();
    }
    let v = read(files, &mut *log);
    keep(log, v)
}

/// Reads every table but audits and shares, in three parallel groups (users; teams and the big intersect
/// tables; the rest).
fn read_small_tables(
    tables: &BTreeMap<&'static str, Vec<SourceFile>>,
    logs: &mut BTreeMap<&'static str, TableLog>,
) -> RawTables {
    use tables::{metadata, principals, security, settings};
    let mut take = |t: &'static str| logs.remove(t).unwrap_or_else(|| TableLog::new(t));
    let mut users_log = take("systemusers");
    let (mut teams_log, mut members_log, mut user_roles_log) = (
        take("teams"),
        take("teammemberships"),
        take("systemuserrolescollection"),
    );
    let mut rest: BTreeMap<&'static str, TableLog> = TABLES
        .iter()
        .filter(|t| {
            !matches!(
                **t,
                "systemusers"
                    | "teams"
                    | "teammemberships"
                    | "systemuserrolescollection"
                    | "audits"
                    | "principalobjectaccessset"
            )
        })
        .map(|&t| (t, take(t)))
        .collect();
    let (users, ((teams, team_members, user_roles), raw)) = rayon::join(
        || read_one(tables, &mut users_log, principals::users),
        || {
            rayon::join(
                || {
                    (
                        read_one(tables, &mut teams_log, principals::teams),
                        read_one(tables, &mut members_log, principals::team_memberships),
                        read_one(tables, &mut user_roles_log, security::user_roles),
                    )
                },
                || {
                    let mut raw = RawTables::default();
                    let mut one = |t: &'static str| rest.remove(t).unwrap_or_else(|| TableLog::new(t));
                    let mut done = Vec::new();
                    macro_rules! read {
                        ($table:literal, $f:expr) => {{
                            let mut log = one($table);
                            let v = read_one(tables, &mut log, $f);
                            done.push(log);
                            v
                        }};
                    }
                    raw.organization = read!("organizations", settings::organizations);
                    raw.environment = read!("environment", settings::environment);
                    raw.customer_insights = read!("customerinsights", settings::customer_insights);
                    raw.business_units = read!("businessunits", principals::business_units);
                    let roles: security::RolesOutput = read!("roles", security::roles);
                    raw.roles = roles.roles;
                    raw.roles_have_template_column = roles.has_template_column;
                    raw.expanded_user_roles = roles.expanded_users;
                    raw.expanded_team_roles = roles.expanded_teams;
                    if roles.users_expanded {
                        raw.sources.insert("systemuserrolescollection");
                    }
                    if roles.teams_expanded {
                        raw.sources.insert("teamrolescollection");
                    }
                    raw.positions = read!("positions", principals::positions);
                    raw.privileges = read!("privileges", security::privileges);
                    raw.privilege_tables = read!("privilegeobjecttypecodesset", security::privilege_tables);
                    let rp: Option<security::RolePrivilegesOutput> =
                        read!("roleprivilegescollection", |f, l| Some(security::role_privileges(f, l)));
                    if let Some(rp) = rp {
                        raw.role_privileges = rp.rows;
                        raw.record_filter_privileges = rp.record_filter_rows;
                    }
                    raw.team_roles = read!("teamrolescollection", security::team_roles);
                    raw.field_security_profiles = read!("fieldsecurityprofiles", security::field_security_profiles);
                    raw.field_permissions = read!("fieldpermissions", security::field_permissions);
                    raw.user_profiles = read!("systemuserprofilescollection", security::user_profiles);
                    raw.team_profiles = read!("teamprofilescollection", security::team_profiles);
                    raw.entities = read!("entitydefinitions", metadata::entity_definitions);
                    raw.attribute_definitions = read!("attributedefinitions", metadata::attribute_definitions);
                    (raw, done)
                },
            )
        },
    );
    let (raw_rest, done) = raw;
    let mut raw = raw_rest;
    for log in done
        .into_iter()
        .chain([users_log, teams_log, members_log, user_roles_log])
    {
        logs.insert(log.table, log);
    }
    let users: principals::UsersOutput = users;
    let teams: principals::TeamsOutput = teams;
    raw.users = users.users;
    raw.expanded_user_roles.extend(users.expanded_roles);
    raw.expanded_team_members = users.expanded_teams.into_iter().map(|(u, t)| (t, u)).collect();
    raw.teams = teams.teams;
    raw.expanded_team_members.extend(teams.expanded_members);
    raw.expanded_team_roles.extend(teams.expanded_roles);
    if users.roles_expanded {
        raw.sources.insert("systemuserrolescollection");
    }
    if users.teams_expanded || teams.members_expanded {
        raw.sources.insert("teammemberships");
    }
    if teams.roles_expanded {
        raw.sources.insert("teamrolescollection");
    }
    raw.team_members = team_members;
    raw.user_roles = user_roles;
    raw
}
