//! The command line (CLI.md).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "dvposture",
    version,
    about = "Offline security-posture analysis of Microsoft Dataverse / Dynamics 365 environment exports"
)]
pub struct Cli {
    /// Print nothing but errors (no progress, no summary).
    #[arg(long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyze an export directory and write the reports.
    Analyze(AnalyzeArgs),
    /// Explain effective access: what a user can do, at which depth, and through which path.
    Access(AccessArgs),
    /// Read an export directory and report what was found and what is wrong with it, without rules.
    Validate(ValidateArgs),
    /// Compare two reports of the same environment: what changed since the last review.
    Diff(DiffArgs),
    /// List the rules, or explain one.
    Rules(RulesArgs),
    /// Write a synthetic export of any size in the format of INPUT.md.
    Sample(SampleArgs),
}

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// The export directory (files saved from the Dataverse Web API).
    pub export_dir: PathBuf,
    /// Where to write the reports.
    #[arg(long, default_value = "posture-report")]
    pub out: PathBuf,
    /// Which reports to write (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "json,html,sarif,md,csv")]
    pub format: Vec<ReportFormat>,
    /// The date that key ages and waiver expiry are judged at (YYYY-MM-DD; default: today, UTC).
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<crate::time::Date>,
    /// The config file (thresholds, severities, exclusions, waivers); default: ./dvposture.toml when present.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// A previous report.json of the same environment: findings are marked new or unchanged.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// With --fail-on, only findings new against --baseline fail the gate.
    #[arg(long)]
    pub only_new: bool,
    /// Exit with 1 when a finding that is not waived has this severity or higher.
    #[arg(long, value_parser = parse_severity)]
    pub fail_on: Option<crate::finding::Severity>,
    /// Exit with 1 when one of these rules is not evaluated (`all`, or rule ids separated by commas).
    #[arg(long)]
    pub require_rules: Option<String>,
}

impl AnalyzeArgs {
    /// Whether `--format` asks for this report (or for `all`).
    pub fn wants(&self, format: ReportFormat) -> bool {
        self.format.contains(&format) || self.format.contains(&ReportFormat::All)
    }
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The earlier report.json.
    pub old: PathBuf,
    /// The later report.json of the same environment.
    pub new: PathBuf,
    /// How to print the changes.
    #[arg(long, value_enum, default_value = "md")]
    pub format: DiffFormat,
    /// Exit with 1 on a new finding of this severity or higher, or on a user who became privileged.
    #[arg(long, value_parser = parse_severity)]
    pub fail_on: Option<crate::finding::Severity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Md,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: Option<RulesCommand>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every rule: id, severity, title (the default).
    List,
    /// One rule in full: what fires it, why it matters, what to do, thresholds and references.
    Explain {
        /// The rule id, e.g. too-many-system-administrators.
        rule_id: String,
    },
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("question").required(true).multiple(true).args(["user", "privilege", "table", "role", "team"])))]
pub struct AccessArgs {
    /// The export directory.
    pub export_dir: PathBuf,
    /// What a user can do: a systemuserid, a UPN (domainname), an e-mail or a full name.
    #[arg(long, conflicts_with_all = ["privilege", "role", "team"])]
    pub user: Option<String>,
    /// Who holds a privilege, e.g. prvDeleteAccount.
    #[arg(long, conflicts_with_all = ["role", "team", "table"])]
    pub privilege: Option<String>,
    /// With --user: only this table. Alone: who holds a right on this table (logical name).
    #[arg(long)]
    pub table: Option<String>,
    /// With --table: only this right (Create, Read, Write, Delete, Append, AppendTo, Assign, Share).
    #[arg(long, requires = "table", value_parser = parse_right)]
    pub right: Option<crate::model::Right>,
    /// Who holds a role (name or the id of the role or of one of its copies), and what it grants.
    #[arg(long, conflicts_with_all = ["team", "table"])]
    pub role: Option<String>,
    /// Who is in a team (name or id), and what it grants.
    #[arg(long, conflicts_with = "table")]
    pub team: Option<String>,
    /// With --privilege or --table: only at this depth or broader (Basic, Local, Deep, Global, or the admin UI's
    /// User, Business Unit, Parent: Child Business Units, Organization).
    #[arg(long, value_parser = parse_depth, default_value = "Basic")]
    pub min_depth: crate::model::Depth,
    /// With --user: also read the record shares, and show what is shared with the user and what of it they
    /// cannot use.
    #[arg(long)]
    pub shares: bool,
    /// Show every entry of long lists.
    #[arg(long)]
    pub all: bool,
    /// Print JSON for scripts.
    #[arg(long)]
    pub json: bool,
}

fn parse_depth(s: &str) -> Result<crate::model::Depth, String> {
    crate::model::Depth::from_label(s)
        .ok_or_else(|| format!("expected Basic, Local, Deep or Global (or User, Business Unit, Parent: Child Business Units, Organization), found {s:?}"))
}

fn parse_right(s: &str) -> Result<crate::model::Right, String> {
    crate::model::Right::ALL
        .into_iter()
        .find(|r| r.name().eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| {
            format!("expected one of Create, Read, Write, Delete, Append, AppendTo, Assign, Share, found {s:?}")
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// report.json
    Json,
    /// report.html: the review page (summary, charts, the most severe findings, privileged users, inputs)
    Html,
    /// summary.md: a short summary for a pull-request comment or a CI job summary
    Md,
    /// report.sarif: SARIF 2.1.0 for GitHub code scanning (at most 5,000 results, the most severe first)
    Sarif,
    /// findings.csv and access-review.csv
    Csv,
    /// effective-access.csv: one row per enabled user and privilege (large: opt-in)
    Access,
    /// Every format.
    All,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The export directory.
    pub export_dir: PathBuf,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// The directory to write the export into (created if needed).
    pub out_dir: PathBuf,
    /// How many users (at least 10).
    #[arg(long, default_value_t = 1000)]
    pub users: usize,
    /// The random seed: the same seed and size give the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

fn parse_severity(s: &str) -> Result<crate::finding::Severity, String> {
    crate::finding::Severity::parse(s)
        .ok_or_else(|| format!("expected critical, high, medium, low or info, found {s:?}"))
}

fn parse_date(s: &str) -> Result<crate::time::Date, String> {
    crate::time::Date::parse(s).ok_or_else(|| format!("expected a date as YYYY-MM-DD, found {s:?}"))
}
