//! Rule metadata: `rules/<id>.toml`, embedded in the binary. One place for each fact: the title, severity,
//! rationale, remediation, references and thresholds live there, not in code.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::finding::{Confidence, Severity};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub id: String,
    pub title: String,
    pub group: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub per: String,
    /// INPUT.md tables the rule needs; without any of them it is not evaluated.
    pub inputs: Vec<String>,
    pub discriminator: String,
    pub fires_when: String,
    pub rationale: String,
    pub remediation: String,
    pub references: Vec<Reference>,
    #[serde(default)]
    pub thresholds: BTreeMap<String, toml::Value>,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
}

impl Reference {
    /// Where to read it: the URL, or the seed / spec file.
    pub fn location(&self) -> String {
        self.url
            .clone()
            .or_else(|| self.seed.as_ref().map(|s| format!("seed {s}")))
            .or_else(|| self.spec.as_ref().map(|s| format!("dvposture {s}")))
            .unwrap_or_default()
    }
}

/// The groups of RULES.md, in its order, with their headings.
pub const GROUPS: [(&str, &str); 9] = [
    ("environment", "Environment"),
    ("business-units", "Business units"),
    ("roles", "Roles"),
    ("users", "Users and privileged access"),
    ("sharing", "Sharing"),
    ("journeys", "Customer Insights - Journeys"),
    ("auditing", "Auditing"),
    ("customer-insights", "Customer Insights Data"),
    ("data-quality", "Data quality"),
];

pub fn parse(id: &str, text: &str) -> Result<RuleMeta, String> {
    let meta: RuleMeta = toml::from_str(text).map_err(|e| format!("rules/{id}.toml: {e}"))?;
    if meta.id != id {
        return Err(format!("rules/{id}.toml: id is {:?}", meta.id));
    }
    if !GROUPS.iter().any(|(g, _)| *g == meta.group) {
        return Err(format!("rules/{id}.toml: unknown group {:?}", meta.group));
    }
    Ok(meta)
}
