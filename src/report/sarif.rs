//! `report.sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers (CLI.md: at most
//! [`MAX_RESULTS`] results, the most severe first; rules carry help text and `properties.security-severity`).
//!
//! Findings are about directory objects, not lines of code: each result points at line 1 of the export file its
//! subject was read from and names the subject as a logical location. Deterministic: no clock and no absolute
//! path, so the same analysis gives the same bytes. Text from the export stays plain text (SARIF viewers escape
//! it); only what SARIF itself would interpret in a message (`{`, `}` placeholders and `[..](..)` links) is
//! escaped.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;

use crate::finding::{Confidence, Evidence, Finding, Severity, Subject, SubjectKind};
use crate::ingest::{InputStatus, TableInput};
use crate::policy::{Analysis, FindingStatus, Judged};
use crate::report::json::Report;
use crate::rules::meta::RuleMeta;
use crate::rules::RuleStatus;

/// The `$id` of the official schema (`schema/sarif-2.1.0.json`).
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
pub const SARIF_VERSION: &str = "2.1.0";
/// CLI.md: report.sarif holds at most this many results (report.json holds them all).
pub const MAX_RESULTS: usize = 5_000;
/// The `uriBaseId` of every location: the export directory that was analyzed (its absolute path is left out so
/// that the output does not depend on the machine).
pub const EXPORT_DIR: &str = "EXPORT_DIR";
/// The `partialFingerprints` key of the finding fingerprint (CLI.md: stable while the evidence changes).
pub const FINGERPRINT_KEY: &str = "dvposture/v1";

/// GitHub's `security-severity` (a number as a string): critical 9.5, high 8.0, medium 5.5, low 3.0, info 1.0.
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// SARIF `level`: critical and high are errors, medium a warning, low and info notes.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn precision(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

#[derive(Serialize)]
pub struct SarifLog {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub version: &'static str,
    pub runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub tool: Tool,
    pub invocations: Vec<Invocation>,
    pub original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    pub results: Vec<SarifResult>,
    pub properties: RunProperties,
}

#[derive(Serialize)]
pub struct Tool {
    pub driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    pub name: &'static str,
    pub version: &'static str,
    pub semantic_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub information_uri: Option<&'static str>,
    pub rules: Vec<RuleDescriptor>,
    pub notifications: Vec<NotificationDescriptor>,
}

#[derive(Serialize)]
pub struct Text {
    pub text: String,
}

#[derive(Serialize)]
pub struct MultiformatText {
    pub text: String,
    pub markdown: String,
}

#[derive(Serialize)]
pub struct Configuration {
    pub level: &'static str,
}

/// A rule (`reportingDescriptor`), from its metadata in `rules/<id>.toml`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleDescriptor {
    pub id: String,
    pub name: String,
    pub short_description: Text,
    pub full_description: Text,
    pub help: MultiformatText,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help_uri: Option<String>,
    pub default_configuration: Configuration,
    pub properties: RuleProperties,
}

#[derive(Serialize)]
pub struct RuleProperties {
    pub tags: Vec<String>,
    pub precision: &'static str,
    #[serde(rename = "security-severity")]
    pub security_severity: &'static str,
    /// The severity of the rule in this run: its findings' highest (a config override or an escalation shows
    /// here, since GitHub reads the severity of the rule, not of the result), else the metadata's.
    pub severity: Severity,
    pub group: String,
}

/// What the tool tells about itself (`toolComponent.notifications`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationDescriptor {
    pub id: &'static str,
    pub short_description: Text,
    pub default_configuration: Configuration,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    pub execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_execution_notifications: Vec<Notification>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_configuration_notifications: Vec<Notification>,
}

#[derive(Serialize)]
pub struct DescriptorReference {
    pub id: String,
    pub index: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub level: &'static str,
    pub message: Text,
    pub descriptor: DescriptorReference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub associated_rule: Option<DescriptorReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri_base_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub start_line: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
    pub region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogicalLocation {
    pub name: String,
    pub fully_qualified_name: String,
    pub kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Suppression {
    pub kind: &'static str,
    pub status: &'static str,
    pub justification: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<SuppressionProperties>,
}

#[derive(Serialize)]
pub struct SuppressionProperties {
    /// The waiver's `expires` date (YYYY-MM-DD).
    pub expires: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    pub rule_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_index: Option<usize>,
    pub level: &'static str,
    pub message: Text,
    pub locations: Vec<Location>,
    pub partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
    pub properties: ResultProperties,
}

#[derive(Serialize)]
pub struct ResultProperties {
    pub severity: Severity,
    pub confidence: Confidence,
    pub status: FindingStatus,
    pub subject: Subject,
    pub evidence: Evidence,
}

#[derive(Serialize)]
pub struct RunProperties {
    /// The name of the export directory that was analyzed.
    pub export_directory: String,
    pub environment: Value,
    pub as_of: String,
    pub score: u32,
    /// Every finding of the analysis (report.json holds them all).
    pub findings: usize,
    /// The results in this file.
    pub results: usize,
    pub results_limit: usize,
    /// True when findings were left out to stay within `results_limit`.
    pub truncated: bool,
}

/// The notifications the tool can give, in `driver.notifications` order.
const NOTIFICATIONS: [(&str, &str, &str); 5] = [
    (
        "results-truncated",
        "report.sarif holds only the most severe findings: the rest are in report.json.",
        "warning",
    ),
    (
        "input-problems",
        "An input table was read with problems (skipped rows, signs of an incomplete export).",
        "warning",
    ),
    (
        "rule-not-evaluated",
        "A rule could not be evaluated: the export lacks what it needs.",
        "warning",
    ),
    ("rule-disabled", "A rule is switched off in the config file.", "note"),
    (
        "rule-not-applicable",
        "A rule does not apply to this environment.",
        "note",
    ),
];

fn notification_ref(id: &str) -> DescriptorReference {
    let index = NOTIFICATIONS.iter().position(|(n, ..)| *n == id).unwrap_or_default();
    DescriptorReference {
        id: id.to_string(),
        index,
    }
}

/// Braces stand for placeholders in every SARIF message string; SARIF writes a literal one doubled.
fn escape_braces(s: &str) -> String {
    s.replace('{', "{{").replace('}', "}}")
}

/// Text from the export for a plain-text message: braces doubled, and, when it holds a `[`, square brackets
/// and backslashes escaped with a backslash, so that a name like `[x](https://...)` cannot become an embedded
/// link.
pub fn message_text(s: &str) -> String {
    let s = escape_braces(s);
    if !s.contains('[') {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(c, '\\' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `TooManySystemAdministrators` for `too-many-system-administrators`.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A file name as a URI path segment: everything but unreserved characters percent-encoded.
fn uri_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn help(meta: &RuleMeta) -> MultiformatText {
    let mut text = format!(
        "{}\n\nWhy it matters\n{}\n\nWhat to do\n{}\n",
        meta.fires_when.trim(),
        meta.rationale.trim(),
        meta.remediation.trim()
    );
    let mut markdown = format!(
        "**Fires when:** {}\n\n## Why it matters\n\n{}\n\n## What to do\n\n{}\n",
        meta.fires_when.trim(),
        meta.rationale.trim(),
        meta.remediation.trim()
    );
    if !meta.thresholds.is_empty() {
        text.push_str(&format!("\nDefault thresholds (dvposture.toml: [rules.{}])\n", meta.id));
        markdown.push_str(&format!(
            "\n## Default thresholds\n\nSet them in `dvposture.toml` under `[rules.{}]`:\n\n",
            meta.id
        ));
        for (k, v) in &meta.thresholds {
            text.push_str(&format!("  {k} = {v}\n"));
            markdown.push_str(&format!("- `{k}` = `{v}`\n"));
        }
    }
    if !meta.references.is_empty() {
        text.push_str("\nReferences\n");
        markdown.push_str("\n## References\n\n");
        for r in &meta.references {
            text.push_str(&format!("- {}: {}\n", r.title, r.location()));
            match &r.url {
                Some(url) => markdown.push_str(&format!("- [{}]({url})\n", r.title)),
                None => markdown.push_str(&format!("- {} ({})\n", r.title, r.location())),
            }
        }
    }
    MultiformatText {
        text: escape_braces(text.trim_end()),
        markdown: escape_braces(markdown.trim_end()),
    }
}

/// The first Microsoft Learn page among the references.
fn help_uri(meta: &RuleMeta) -> Option<String> {
    meta.references
        .iter()
        .filter_map(|r| r.url.as_deref())
        .find(|u| u.starts_with("https://learn.microsoft.com/"))
        .map(str::to_string)
}

fn rule_descriptor(meta: &RuleMeta, severity: Severity) -> RuleDescriptor {
    RuleDescriptor {
        id: meta.id.clone(),
        name: pascal_case(&meta.id),
        short_description: Text {
            text: escape_braces(meta.title.trim()),
        },
        full_description: Text {
            text: escape_braces(meta.fires_when.trim()),
        },
        help: help(meta),
        help_uri: help_uri(meta),
        default_configuration: Configuration { level: level(severity) },
        properties: RuleProperties {
            tags: vec!["security".to_string(), meta.group.clone()],
            precision: precision(meta.confidence),
            security_severity: security_severity(severity),
            severity,
            group: meta.group.clone(),
        },
    }
}

/// The INPUT.md table a finding's subject was read from.
fn subject_table<'m>(f: &Finding, meta: Option<&'m RuleMeta>, inputs: &[TableInput]) -> &'m str {
    let was_read = |t: &str| inputs.iter().any(|i| i.table == t && !i.files.is_empty());
    // A finding about a row that refers to something (dangling-reference) names the row's table.
    if let Some(t) = f.evidence.value().get("table").and_then(Value::as_str) {
        if let Some(i) = inputs.iter().find(|i| i.table == t) {
            return i.table;
        }
    }
    match f.subject.kind {
        SubjectKind::User => "systemusers",
        SubjectKind::Team => "teams",
        SubjectKind::Role => "roles",
        SubjectKind::BusinessUnit => "businessunits",
        SubjectKind::Position => "positions",
        SubjectKind::Privilege => "privileges",
        SubjectKind::FieldSecurityProfile => "fieldsecurityprofiles",
        SubjectKind::CiObject => "customerinsights",
        SubjectKind::Setting => "organizations",
        SubjectKind::Table => "entitydefinitions",
        SubjectKind::Record => "principalobjectaccessset",
        // About the whole environment: the first table the rule reads (audits for audit-tampering, systemusers for
        // too-many-system-administrators), else where the environment itself is described.
        SubjectKind::Environment => match meta.and_then(|m| m.inputs.first()) {
            Some(t) => t.as_str(),
            None if !was_read("environment") && was_read("organizations") => "organizations",
            None => "environment",
        },
    }
}

/// The file of a table as read (its first page), else `<table>.json`.
fn table_file(table: &str, inputs: &[TableInput]) -> String {
    inputs
        .iter()
        .find(|i| i.table == table)
        .and_then(|i| i.files.first())
        .cloned()
        .unwrap_or_else(|| format!("{table}.json"))
}

fn file_location(file: &str) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: Some(uri_segment(file)),
            uri_base_id: Some(EXPORT_DIR),
            description: None,
        },
        region: Region { start_line: 1 },
    }
}

fn result(j: &Judged, metas: &[RuleMeta], inputs: &[TableInput]) -> SarifResult {
    let f = &j.finding;
    let rule_index = metas.iter().position(|m| m.id == f.rule);
    let meta = rule_index.map(|i| &metas[i]);
    let file = table_file(subject_table(f, meta, inputs), inputs);
    SarifResult {
        rule_id: f.rule.to_string(),
        rule_index,
        level: level(f.severity),
        message: Text {
            text: message_text(&f.message),
        },
        locations: vec![Location {
            physical_location: file_location(&file),
            logical_locations: vec![LogicalLocation {
                name: f.subject.name.clone(),
                fully_qualified_name: format!("{}/{}", f.subject.kind.name(), f.subject.id),
                kind: f.subject.kind.name(),
            }],
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, f.fingerprint.clone())]),
        suppressions: j
            .waiver
            .iter()
            .filter(|_| j.status == FindingStatus::Waived)
            .map(|w| Suppression {
                kind: "external",
                status: "accepted",
                justification: w.reason.clone(),
                properties: w.expires.map(|e| SuppressionProperties { expires: e.to_string() }),
            })
            .collect(),
        properties: ResultProperties {
            severity: f.severity,
            confidence: f.confidence,
            status: j.status,
            subject: f.subject.clone(),
            evidence: f.evidence.clone(),
        },
    }
}

/// Where the project is described: `homepage` or `repository` of Cargo.toml, when set.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|u| u.starts_with("https://"))
}

/// The SARIF log of an analysis; `report` gives the tool, the inputs read and the environment.
pub fn render(analysis: &Analysis, report: &Report, export_dir_name: &str) -> SarifLog {
    let metas = crate::rules::metas();
    let inputs = report.inputs;

    // The severity GitHub shows is the rule's: take the highest of the rule's findings in this run.
    let mut worst: HashMap<&str, Severity> = HashMap::new();
    for j in &analysis.findings {
        let w = worst.entry(j.finding.rule).or_insert(j.finding.severity);
        *w = (*w).max(j.finding.severity);
    }
    let rules = metas
        .iter()
        .map(|m| rule_descriptor(m, worst.get(m.id.as_str()).copied().unwrap_or(m.severity)))
        .collect();

    // Most severe first; waived findings after the others, so that a cut leaves them out first.
    let mut order: Vec<&Judged> = analysis.findings.iter().collect();
    order.sort_by_key(|j| (j.status == FindingStatus::Waived, std::cmp::Reverse(j.finding.severity)));
    let truncated = order.len() > MAX_RESULTS;
    let results: Vec<SarifResult> = order
        .iter()
        .take(MAX_RESULTS)
        .map(|j| result(j, metas, inputs))
        .collect();

    let mut execution = Vec::new();
    if truncated {
        execution.push(Notification {
            level: "warning",
            message: Text {
                text: format!(
                    "report.sarif holds the {} most severe of {} findings ({} left out); report.json holds all of them.",
                    results.len(),
                    order.len(),
                    order.len() - results.len()
                ),
            },
            descriptor: notification_ref("results-truncated"),
            associated_rule: None,
            locations: Vec::new(),
        });
    }
    for i in inputs.iter().filter(|i| i.status == InputStatus::Partial) {
        let first = i
            .problems
            .first()
            .map(|p| format!("; the first: {p}"))
            .unwrap_or_default();
        execution.push(Notification {
            level: "warning",
            message: Text {
                text: message_text(&format!(
                    "{} was read with problems: {} rows read, {} skipped, {} problems{first}.",
                    i.table, i.rows, i.skipped, i.problem_count
                )),
            },
            descriptor: notification_ref("input-problems"),
            associated_rule: None,
            locations: vec![Location {
                physical_location: file_location(&table_file(i.table, inputs)),
                logical_locations: Vec::new(),
            }],
        });
    }

    let configuration = analysis
        .rules
        .iter()
        .filter_map(|r| {
            let (descriptor, level, what) = match r.status {
                RuleStatus::NotEvaluated => ("rule-not-evaluated", "warning", "was not evaluated"),
                RuleStatus::Disabled => ("rule-disabled", "note", "is disabled"),
                RuleStatus::NotApplicable => ("rule-not-applicable", "note", "does not apply"),
                RuleStatus::Passed | RuleStatus::Failed | RuleStatus::Waived => return None,
            };
            let reason = r.reason.as_deref().map(|x| format!(": {x}")).unwrap_or_default();
            Some(Notification {
                level,
                message: Text {
                    text: message_text(&format!("Rule {} {what}{reason}.", r.id)),
                },
                descriptor: notification_ref(descriptor),
                associated_rule: metas
                    .iter()
                    .position(|m| m.id == r.id)
                    .map(|index| DescriptorReference {
                        id: r.id.to_string(),
                        index,
                    }),
                locations: Vec::new(),
            })
        })
        .collect();

    let version = report.tool.version;
    let run = Run {
        tool: Tool {
            driver: Driver {
                name: report.tool.name,
                version,
                semantic_version: version,
                information_uri: information_uri(),
                rules,
                notifications: NOTIFICATIONS
                    .iter()
                    .map(|(id, text, level)| NotificationDescriptor {
                        id,
                        short_description: Text { text: text.to_string() },
                        default_configuration: Configuration { level },
                    })
                    .collect(),
            },
        },
        invocations: vec![Invocation {
            execution_successful: true,
            tool_execution_notifications: execution,
            tool_configuration_notifications: configuration,
        }],
        original_uri_base_ids: BTreeMap::from([(
            EXPORT_DIR,
            ArtifactLocation {
                uri: None,
                uri_base_id: None,
                description: Some(Text {
                    text: message_text(&format!("The export directory that was analyzed ({export_dir_name}).")),
                }),
            },
        )]),
        properties: RunProperties {
            export_directory: export_dir_name.to_string(),
            environment: serde_json::to_value(&report.environment).unwrap_or(Value::Null),
            as_of: report.as_of.to_string(),
            score: report.summary.score,
            findings: order.len(),
            results: results.len(),
            results_limit: MAX_RESULTS,
            truncated,
        },
        results,
    };
    SarifLog {
        schema: SARIF_SCHEMA,
        version: SARIF_VERSION,
        runs: vec![run],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_text_escapes_only_what_sarif_interprets() {
        assert_eq!(message_text("<script>alert(1)</script>"), "<script>alert(1)</script>");
        assert_eq!(message_text("=HYPERLINK(\"x\")"), "=HYPERLINK(\"x\")");
        assert_eq!(message_text("{0} and }"), "{{0}} and }}");
        assert_eq!(message_text("C:\\x"), "C:\\x");
        assert_eq!(
            message_text("[x](https://e.example) \\"),
            "\\[x\\](https://e.example) \\\\"
        );
    }

    #[test]
    fn names_and_uris() {
        assert_eq!(
            pascal_case("too-many-system-administrators"),
            "TooManySystemAdministrators"
        );
        assert_eq!(uri_segment("systemusers.2.json.gz"), "systemusers.2.json.gz");
        assert_eq!(uri_segment("a b#.json"), "a%20b%23.json");
        assert_eq!(security_severity(Severity::High), "8.0");
        assert_eq!(level(Severity::Medium), "warning");
    }
}
