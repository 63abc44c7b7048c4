//! Findings: what a rule found, about which subject, with its evidence and a stable fingerprint.

use std::fmt;
use std::sync::Arc;

use rayon::slice::ParallelSliceMut;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::id::HEX_DIGITS;

/// Ordered: `Critical > High > Medium > Low > Info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|x| x.name().eq_ignore_ascii_case(s.trim()))
    }

    /// Score weight (CLI.md): critical 25, high 10, medium 4, low 1, info 0.
    pub fn weight(self) -> u32 {
        match self {
            Severity::Critical => 25,
            Severity::High => 10,
            Severity::Medium => 4,
            Severity::Low => 1,
            Severity::Info => 0,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn name(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    User,
    Team,
    Role,
    BusinessUnit,
    Position,
    Table,
    Record,
    Privilege,
    FieldSecurityProfile,
    CiObject,
    Setting,
    Environment,
}

impl SubjectKind {
    pub fn name(self) -> &'static str {
        match self {
            SubjectKind::User => "user",
            SubjectKind::Team => "team",
            SubjectKind::Role => "role",
            SubjectKind::BusinessUnit => "business_unit",
            SubjectKind::Position => "position",
            SubjectKind::Table => "table",
            SubjectKind::Record => "record",
            SubjectKind::Privilege => "privilege",
            SubjectKind::FieldSecurityProfile => "field_security_profile",
            SubjectKind::CiObject => "ci_object",
            SubjectKind::Setting => "setting",
            SubjectKind::Environment => "environment",
        }
    }
}

/// What a finding is about: a lower-case GUID, a table logical name, `organizations.<column>`, or the
/// environment's name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: String,
    pub name: String,
}

impl Subject {
    pub fn new(kind: SubjectKind, id: impl Into<String>, name: impl Into<String>) -> Subject {
        Subject {
            kind,
            id: id.into(),
            name: name.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub confidence: Confidence,
    pub title: &'static str,
    pub message: String,
    pub subject: Subject,
    /// Shared: findings about many subjects with the same evidence (users of one grant set) hold it once.
    pub evidence: Evidence,
    /// Tells apart findings of one rule on one subject (a condition, a table, an action code); empty for most.
    #[serde(skip)]
    pub discriminator: String,
    pub fingerprint: String,
}

/// A finding's evidence: a JSON value kept as its compact text, which takes a fraction of the memory of a
/// `serde_json::Value` (a large tenant has hundreds of thousands of findings). It serializes as the value it
/// holds, under any formatter; clones share the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence(Arc<str>);

impl Evidence {
    /// The evidence of a value (a `json!` object, or a struct that derives `Serialize`).
    pub fn of(value: &impl Serialize) -> Evidence {
        // Serializing to a string fails only for maps with keys that are not strings, which evidence never has.
        let text = serde_json::to_string(value).unwrap_or_else(|e| panic!("evidence that is not JSON: {e}"));
        Evidence(text.into())
    }

    /// No evidence (JSON `null`), for findings whose details no report shows; clones share one text.
    pub fn null() -> Evidence {
        static NULL: std::sync::OnceLock<Evidence> = std::sync::OnceLock::new();
        NULL.get_or_init(|| Evidence("null".into())).clone()
    }

    /// The evidence as a value, for the few places that look inside it.
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).unwrap_or(serde_json::Value::Null)
    }
}

impl From<serde_json::Value> for Evidence {
    fn from(value: serde_json::Value) -> Evidence {
        Evidence::of(&value)
    }
}

impl Evidence {
    /// The evidence's compact JSON text.
    pub fn text(&self) -> &str {
        &self.0
    }
}

impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut text = serde_json::Deserializer::from_str(&self.0);
        serde_transcode::transcode(&mut text, serializer)
    }
}

/// Lower-hex SHA-256 of `rule ␟ subject.kind ␟ subject.id ␟ discriminator` (CLI.md): never counts, names or
/// dates, so a finding keeps its fingerprint while its evidence changes.
pub fn fingerprint(rule: &str, kind: SubjectKind, id: &str, discriminator: &str) -> String {
    let mut h = Sha256::new();
    for (i, part) in [rule, kind.name(), id, discriminator].iter().enumerate() {
        if i > 0 {
            h.update("\u{1f}".as_bytes());
        }
        h.update(part.as_bytes());
    }
    let mut hex = String::with_capacity(64);
    for b in h.finalize() {
        hex.push(HEX_DIGITS[usize::from(b >> 4)] as char);
        hex.push(HEX_DIGITS[usize::from(b & 0xF)] as char);
    }
    hex
}

/// Report order: severity (critical first), then rule id, then subject id, then discriminator.
pub fn report_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.rule.cmp(b.rule))
        .then_with(|| a.subject.id.cmp(&b.subject.id))
        .then_with(|| a.discriminator.cmp(&b.discriminator))
}

pub fn sort_findings(findings: &mut [Finding]) {
    findings.par_sort_by(report_order);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_the_sha256_of_the_unit_separated_parts() {
        let f = fingerprint(
            "auditing-disabled",
            SubjectKind::Setting,
            "organizations.isauditenabled",
            "",
        );
        assert_eq!(f.len(), 64);
        let mut h = Sha256::new();
        h.update("auditing-disabled\u{1f}setting\u{1f}organizations.isauditenabled\u{1f}".as_bytes());
        let expected: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(f, expected);
        assert_ne!(
            f,
            fingerprint(
                "auditing-disabled",
                SubjectKind::Setting,
                "organizations.isauditenabled",
                "x"
            )
        );
    }

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!(Severity::parse("HIGH"), Some(Severity::High));
        assert_eq!(Severity::parse("urgent"), None);
    }
}
