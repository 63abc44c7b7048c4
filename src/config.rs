//! `dvposture.toml` (CLI.md, "Config file"): rule thresholds, severities and on/off, excluded principals, and
//! waivers; validated against the rule catalog, with the line and column of every error.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::finding::Severity;
use crate::time::Date;

/// A rule's settings from the config file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleOverride {
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
    pub thresholds: BTreeMap<String, toml::Value>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Waiver {
    pub rule: String,
    /// A subject id: the waiver covers that subject's findings of the rule.
    pub subject: Option<String>,
    /// A finding's fingerprint.
    pub fingerprint: Option<String>,
    pub reason: String,
    pub expires: Option<Date>,
    /// Where it is written (for "waiver matched nothing" and "waiver expired").
    pub line: u64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub rules: BTreeMap<String, RuleOverride>,
    /// Principals left out of every rule's population: ids or UPNs.
    pub exclude: Vec<String>,
    pub waivers: Vec<Waiver>,
}

/// The largest whole-number threshold (a count or a number of days).
pub const MAX_THRESHOLD: i64 = u32::MAX as i64;

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<String, Spanned<BTreeMap<String, Spanned<toml::Value>>>>,
    #[serde(default)]
    waivers: Vec<Spanned<RawWaiver>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    rule: Spanned<String>,
    subject: Option<String>,
    fingerprint: Option<String>,
    reason: Option<String>,
    expires: Option<Spanned<String>>,
}

fn position(text: &str, offset: usize) -> (u64, u64) {
    let end = (0..=offset.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let before = text.get(..end).unwrap_or_default();
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rfind('\n').map_or(before.chars().count(), |i| {
        before.get(i + 1..).unwrap_or_default().chars().count()
    }) as u64
        + 1;
    (line, column)
}

impl Config {
    /// `--config FILE`, else `./dvposture.toml` when it exists, else the defaults. A config file inside the
    /// export directory is never read (an export must not waive its own findings): a warning says so.
    pub fn discover(explicit: Option<&Path>, export_dir: &Path) -> Result<(Config, Vec<String>), ConfigError> {
        let mut warnings = Vec::new();
        let in_export = export_dir.join("dvposture.toml");
        if in_export.exists() {
            warnings.push(format!("{} is inside the export directory and is ignored: an export cannot configure or waive its own findings", in_export.display()));
        }
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from("dvposture.toml")).filter(|p| p.exists()),
        };
        let Some(path) = path else {
            return Ok((Config::default(), warnings));
        };
        let same = |a: &Path, b: &Path| {
            a.canonicalize()
                .ok()
                .zip(b.canonicalize().ok())
                .is_some_and(|(x, y)| x == y)
        };
        if same(&path, &in_export) {
            return Ok((Config::default(), warnings));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read the config file: {e}"),
        })?;
        Ok((Config::parse(&path.display().to_string(), &text)?, warnings))
    }

    pub fn parse(file: &str, text: &str) -> Result<Config, ConfigError> {
        let err = |offset: usize, message: String| {
            let (line, column) = position(text, offset);
            ConfigError {
                file: file.to_string(),
                line,
                column,
                message,
            }
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            err(offset, e.message().trim().to_string())
        })?;
        let mut config = Config {
            path: Some(PathBuf::from(file)),
            ..Default::default()
        };
        for (id, table) in raw.rules {
            let Some(meta) = crate::rules::meta(&id) else {
                return Err(err(
                    table.span().start,
                    format!("unknown rule id {id:?} (`dvposture rules list` lists them)"),
                ));
            };
            let mut o = RuleOverride::default();
            for (key, value) in table.into_inner() {
                let at = value.span().start;
                let value = value.into_inner();
                match key.as_str() {
                    "enabled" => {
                        o.enabled = Some(
                            value
                                .as_bool()
                                .ok_or_else(|| err(at, "`enabled` must be true or false".into()))?,
                        )
                    }
                    "severity" => {
                        let s = value.as_str().and_then(Severity::parse).ok_or_else(|| {
                            err(at, "`severity` must be one of critical, high, medium, low, info".into())
                        })?;
                        o.severity = Some(s);
                    }
                    name => {
                        let Some(default) = meta.thresholds.get(name) else {
                            let known: Vec<&str> = meta.thresholds.keys().map(String::as_str).collect();
                            return Err(err(
                                at,
                                format!(
                                    "rule {id} has no setting {name:?} (settings: enabled, severity{}{})",
                                    if known.is_empty() { "" } else { ", " },
                                    known.join(", ")
                                ),
                            ));
                        };
                        let ok = match (default, &value) {
                            (toml::Value::Integer(_), toml::Value::Integer(n)) => *n >= 0,
                            (toml::Value::Float(_), toml::Value::Float(f)) => f.is_finite() && *f >= 0.0,
                            (toml::Value::Float(_), toml::Value::Integer(n)) => *n >= 0,
                            (toml::Value::Array(_), toml::Value::Array(items)) => items.iter().all(|i| i.is_str()),
                            _ => false,
                        };
                        if !ok {
                            return Err(err(
                                at,
                                format!(
                                    "{id}.{name} must be {} like its default {default}",
                                    match default {
                                        toml::Value::Array(_) => "a list of strings",
                                        _ => "a number of zero or more",
                                    }
                                ),
                            ));
                        }
                        // The rules compute with counts and days (days in seconds, some counts as u32): a larger
                        // value would overflow.
                        if value.as_integer().is_some_and(|n| n > MAX_THRESHOLD) {
                            return Err(err(at, format!("{id}.{name} must be at most {MAX_THRESHOLD}")));
                        }
                        o.thresholds.insert(name.to_string(), value);
                    }
                }
            }
            config.rules.insert(id, o);
        }
        config.exclude = raw
            .exclude
            .into_iter()
            .map(|s| s.into_inner().trim().to_string())
            .collect();
        for w in raw.waivers {
            let at = w.span().start;
            let (line, _) = position(text, at);
            let w = w.into_inner();
            if crate::rules::meta(w.rule.get_ref()).is_none() {
                return Err(err(
                    w.rule.span().start,
                    format!("unknown rule id {:?} in a waiver", w.rule.get_ref()),
                ));
            }
            let reason = w
                .reason
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty())
                .ok_or_else(|| err(at, "a waiver needs a `reason`".into()))?;
            let expires = match w.expires {
                None => None,
                Some(e) => Some(Date::parse(e.get_ref()).ok_or_else(|| {
                    err(
                        e.span().start,
                        format!("`expires` must be a date as YYYY-MM-DD, found {:?}", e.get_ref()),
                    )
                })?),
            };
            config.waivers.push(Waiver {
                rule: w.rule.into_inner(),
                subject: w.subject.map(|s| s.trim().to_ascii_lowercase()),
                fingerprint: w.fingerprint.map(|s| s.trim().to_ascii_lowercase()),
                reason,
                expires,
                line,
            });
        }
        Ok(config)
    }
}
