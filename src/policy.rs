//! Policy: waivers applied to the rules' findings, the score, and (with a gate) the exit code. Reports render
//! what this decides.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use rayon::slice::ParallelSliceMut;
use serde::Serialize;

use crate::config::{Config, Waiver};
use crate::finding::{Finding, Severity};
use crate::rules::{RuleResult, RuleStatus};
use crate::time::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    New,
    Unchanged,
    Waived,
}

impl FindingStatus {
    pub fn name(self) -> &'static str {
        match self {
            FindingStatus::New => "new",
            FindingStatus::Unchanged => "unchanged",
            FindingStatus::Waived => "waived",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct AppliedWaiver {
    pub reason: String,
    pub expires: Option<Date>,
}

/// A finding with what policy says of it.
#[derive(Clone, Debug)]
pub struct Judged {
    pub finding: Finding,
    pub status: FindingStatus,
    pub waiver: Option<AppliedWaiver>,
}

/// A waiver the report mentions: expired, or matching nothing (the config's waiver, as written).
pub type WaiverNote = Waiver;

#[derive(Clone, Debug)]
pub struct Analysis {
    pub rules: Vec<RuleResult>,
    /// Every finding, in report order.
    pub findings: Vec<Judged>,
    pub expired_waivers: Vec<WaiverNote>,
    pub unmatched_waivers: Vec<WaiverNote>,
    pub score: u32,
}

fn covers(w: &Waiver, f: &Finding) -> bool {
    w.rule == f.rule
        && match (&w.subject, &w.fingerprint) {
            (Some(s), _) if *s != f.subject.id.to_ascii_lowercase() => false,
            (_, Some(fp)) if *fp != f.fingerprint => false,
            _ => true,
        }
}

/// CLI.md: 100 minus, for every failed rule, the weight of its worst finding that is not waived, floored at 0.
pub const SCORE_FORMULA: &str = "100 - sum over failed rules of the weight of the rule's worst finding that is not waived (critical 25, high 10, medium 4, low 1, info 0), floored at 0";

pub fn apply(mut rules: Vec<RuleResult>, config: &Config, as_of: Date) -> Analysis {
    let (active, expired): (Vec<&Waiver>, Vec<&Waiver>) = config
        .waivers
        .iter()
        .partition(|w| w.expires.is_none_or(|e| as_of <= e));
    let mut used = vec![false; active.len()];
    let mut findings = Vec::new();
    let mut score: i64 = 100;
    for r in &mut rules {
        let mut worst: Option<Severity> = None;
        for f in std::mem::take(&mut r.findings) {
            let waiver = active.iter().position(|w| covers(w, &f));
            match waiver.and_then(|i| used.get_mut(i)) {
                Some(used) => *used = true,
                None => worst = worst.max(Some(f.severity)),
            }
            let applied = waiver.and_then(|i| active.get(i));
            findings.push(Judged {
                finding: f,
                status: if applied.is_some() {
                    FindingStatus::Waived
                } else {
                    FindingStatus::New
                },
                waiver: applied.map(|w| AppliedWaiver {
                    reason: w.reason.clone(),
                    expires: w.expires,
                }),
            });
        }
        if r.status == RuleStatus::Failed {
            match worst {
                Some(s) => score -= s.weight() as i64,
                None => r.status = RuleStatus::Waived,
            }
        }
    }
    findings.par_sort_by(|a, b| crate::finding::report_order(&a.finding, &b.finding));
    Analysis {
        rules,
        findings,
        expired_waivers: expired.into_iter().cloned().collect(),
        unmatched_waivers: active
            .iter()
            .zip(&used)
            .filter(|(_, u)| !**u)
            .map(|(w, _)| (*w).clone())
            .collect(),
        score: score.max(0) as u32,
    }
}

impl Analysis {
    /// Findings that are not waived, by severity.
    pub fn count(&self, severity: Severity) -> u64 {
        self.findings
            .iter()
            .filter(|j| j.status != FindingStatus::Waived && j.finding.severity == severity)
            .count() as u64
    }

    pub fn waived(&self) -> u64 {
        self.findings
            .iter()
            .filter(|j| j.status == FindingStatus::Waived)
            .count() as u64
    }
}

/// A previous report.json: its findings' fingerprints, to mark findings new or unchanged.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    pub fingerprints: std::collections::HashSet<String>,
    /// `environment.id` (else `environment.organizationid`) of the report.
    pub environment: Option<String>,
    pub schema_version: u64,
}

/// The identity of the environment a report is about (environment id, else organization id).
pub fn report_environment(report: &serde_json::Value) -> Option<String> {
    let env = report.get("environment")?;
    env.get("id")
        .and_then(serde_json::Value::as_str)
        .or_else(|| env.get("organizationid").and_then(serde_json::Value::as_str))
        .map(str::to_ascii_lowercase)
}

impl Baseline {
    pub fn load(path: &std::path::Path) -> Result<Baseline, String> {
        let text = std::fs::read(path).map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
        let v: serde_json::Value = serde_json::from_slice(&text).map_err(|e| {
            format!(
                "{}:{}:{}: the baseline is not a report.json: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        let schema_version = v
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| format!("{}: no schema_version: not a dvposture report.json", path.display()))?;
        let fingerprints = v
            .get("findings")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| format!("{}: no findings list: not a dvposture report.json", path.display()))?
            .iter()
            .filter_map(|f| {
                f.get("fingerprint")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        Ok(Baseline {
            fingerprints,
            environment: report_environment(&v),
            schema_version,
        })
    }
}

impl Analysis {
    /// Marks every finding that is not waived `new` or `unchanged` by fingerprint.
    pub fn mark_against(&mut self, baseline: &Baseline) {
        for j in &mut self.findings {
            if j.status != FindingStatus::Waived {
                j.status = if baseline.fingerprints.contains(&j.finding.fingerprint) {
                    FindingStatus::Unchanged
                } else {
                    FindingStatus::New
                };
            }
        }
    }

    pub fn new_findings(&self) -> u64 {
        self.findings.iter().filter(|j| j.status == FindingStatus::New).count() as u64
    }
}

/// What makes the gate fail (CLI.md, "Exit codes").
#[derive(Clone, Debug, Default)]
pub struct Gate {
    pub fail_on: Option<Severity>,
    /// Only findings new against the baseline count.
    pub only_new: bool,
    /// Rules that must have been evaluated (`None`: no requirement; an empty list is never built).
    pub require_rules: Option<RequiredRules>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequiredRules {
    All,
    These(Vec<String>),
}

#[derive(Clone, Debug, Serialize)]
pub struct GateResult {
    pub passed: bool,
    pub fail_on: Option<Severity>,
    pub only_new: bool,
    /// Why it failed, one line each.
    pub reasons: Vec<String>,
}

impl Gate {
    pub fn is_set(&self) -> bool {
        self.fail_on.is_some() || self.require_rules.is_some()
    }

    pub fn judge(&self, analysis: &Analysis) -> GateResult {
        let mut reasons = Vec::new();
        if let Some(threshold) = self.fail_on {
            let counted: Vec<&Judged> = analysis
                .findings
                .iter()
                .filter(|j| j.status != FindingStatus::Waived)
                .filter(|j| !self.only_new || j.status == FindingStatus::New)
                .filter(|j| j.finding.severity >= threshold)
                .collect();
            if !counted.is_empty() {
                let mut by_rule: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
                for j in &counted {
                    *by_rule.entry(j.finding.rule).or_default() += 1;
                }
                reasons.push(format!(
                    "{} {}finding{} at {} or above: {}",
                    counted.len(),
                    if self.only_new { "new " } else { "" },
                    if counted.len() == 1 { "" } else { "s" },
                    threshold.name(),
                    by_rule
                        .iter()
                        .map(|(r, n)| format!("{r} ({n})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        if let Some(required) = &self.require_rules {
            let missing: Vec<String> = analysis
                .rules
                .iter()
                .filter(|r| match required {
                    RequiredRules::All => true,
                    RequiredRules::These(ids) => ids.iter().any(|id| id == r.id),
                })
                .filter(|r| matches!(r.status, RuleStatus::NotEvaluated | RuleStatus::Disabled))
                .map(|r| format!("{} ({})", r.id, r.reason.clone().unwrap_or_default()))
                .collect();
            if !missing.is_empty() {
                reasons.push(format!("required rules not evaluated: {}", missing.join("; ")));
            }
        }
        GateResult {
            passed: reasons.is_empty(),
            fail_on: self.fail_on,
            only_new: self.only_new,
            reasons,
        }
    }
}
