//! Policy: waivers applied to the rules' findings, the score, and (with a gate) the exit code. Reports render
//! what this decides.

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

/// A waiver the report mentions: expired, or matching nothing.
#[derive(Clone, Debug, Serialize)]
pub struct WaiverNote {
    pub rule: String,
    pub subject: Option<String>,
    pub fingerprint: Option<String>,
    pub reason: String,
    pub expires: Option<Date>,
    pub line: u64,
}

impl From<&Waiver> for WaiverNote {
    fn from(w: &Waiver) -> WaiverNote {
        WaiverNote {
            rule: w.rule.clone(),
            subject: w.subject.clone(),
            fingerprint: w.fingerprint.clone(),
            reason: w.reason.clone(),
            expires: w.expires,
            line: w.line,
        }
    }
}

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
            if let Some(i) = waiver {
                used[i] = true;
            } else {
                worst = worst.max(Some(f.severity));
            }
            findings.push(Judged {
                finding: f,
                status: if waiver.is_some() {
                    FindingStatus::Waived
                } else {
                    FindingStatus::New
                },
                waiver: waiver.map(|i| AppliedWaiver {
                    reason: active[i].reason.clone(),
                    expires: active[i].expires,
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
    findings.sort_by(|a, b| crate::finding::report_order(&a.finding, &b.finding));
    Analysis {
        rules,
        findings,
        expired_waivers: expired.into_iter().map(WaiverNote::from).collect(),
        unmatched_waivers: active
            .iter()
            .zip(&used)
            .filter(|(_, u)| !**u)
            .map(|(w, _)| WaiverNote::from(*w))
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
