//! `summary.md`: a short Markdown summary fit for a pull-request comment or a CI job summary. At most
//! [`MAX_CHARS`] characters (a comment holds 65,536); `@` mentions are neutralized and HTML is escaped, since
//! GitHub renders both.

use std::fmt::Write as _;

use crate::finding::Severity;
use crate::policy::{Analysis, FindingStatus, GateResult};
use crate::report::json::Report;
use crate::rules::RuleStatus;

pub const MAX_CHARS: usize = 60_000;

/// Text from the export, made inert in Markdown: no HTML, no table breaks, no mentions, one line.
pub fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("\\|"),
            '`' => out.push_str("\\`"),
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '*' => out.push_str("\\*"),
            '_' => out.push_str("\\_"),
            // A zero-width space after `@` keeps GitHub from notifying anyone.
            '@' => out.push_str("@\u{200b}"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn badge(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🟥 critical",
        Severity::High => "🟧 high",
        Severity::Medium => "🟨 medium",
        Severity::Low => "🟦 low",
        Severity::Info => "⬜ info",
    }
}

pub fn render(report: &Report, analysis: &Analysis, gate: Option<&GateResult>, baseline: bool) -> String {
    let mut s = String::new();
    let env = report
        .environment
        .name
        .clone()
        .unwrap_or_else(|| "environment".to_string());
    let _ = writeln!(
        s,
        "## dvposture: {}{}\n",
        md_text(&env),
        report
            .environment
            .sku
            .as_deref()
            .map(|k| format!(" ({})", md_text(k)))
            .unwrap_or_default()
    );
    let sm = &report.summary;
    let _ = writeln!(
        s,
        "**Score {}/100** · {} critical · {} high · {} medium · {} low · {} info · {} waived{}\n",
        sm.score,
        sm.critical,
        sm.high,
        sm.medium,
        sm.low,
        sm.info,
        sm.waived,
        if baseline {
            format!(" · **{} new** since the baseline", analysis.new_findings())
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        s,
        "{} users ({} enabled, {} privileged) · as of {}\n",
        sm.users, sm.enabled_users, sm.privileged_users, report.as_of
    );
    if let Some(g) = gate {
        if g.passed {
            let _ = writeln!(s, "✅ **Gate passed**\n");
        } else {
            let _ = writeln!(s, "❌ **Gate failed**\n");
            for r in &g.reasons {
                let _ = writeln!(s, "- {}", md_text(r));
            }
            s.push('\n');
        }
    }
    let shown: Vec<_> = analysis
        .findings
        .iter()
        .filter(|j| j.status != FindingStatus::Waived)
        .filter(|j| !baseline || j.status == FindingStatus::New)
        .collect();
    if !shown.is_empty() {
        let _ = writeln!(s, "### {}\n", if baseline { "New findings" } else { "Findings" });
        let _ = writeln!(s, "| severity | rule | subject | finding |\n| --- | --- | --- | --- |");
        let footer_room = 4_000;
        let mut written = 0;
        for j in &shown {
            let f = &j.finding;
            let line = format!(
                "| {} | `{}` | {} | {} |\n",
                badge(f.severity),
                f.rule,
                md_text(&f.subject.name),
                md_text(&f.message)
            );
            if s.len() + line.len() + footer_room > MAX_CHARS || written == 200 {
                break;
            }
            s.push_str(&line);
            written += 1;
        }
        if written < shown.len() {
            let _ = writeln!(
                s,
                "\n… and {} more in report.json and findings.csv.",
                shown.len() - written
            );
        }
        s.push('\n');
    }
    let not_evaluated: Vec<_> = analysis
        .rules
        .iter()
        .filter(|r| r.status == RuleStatus::NotEvaluated)
        .collect();
    if !not_evaluated.is_empty() {
        let _ = writeln!(
            s,
            "<details><summary>{} rules not evaluated</summary>\n",
            not_evaluated.len()
        );
        for r in not_evaluated {
            let line = format!("- `{}`: {}\n", r.id, md_text(r.reason.as_deref().unwrap_or_default()));
            if s.len() + line.len() + 200 > MAX_CHARS {
                break;
            }
            s.push_str(&line);
        }
        let _ = writeln!(s, "\n</details>\n");
    }
    let _ = writeln!(
        s,
        "<sub>dvposture {} · {}</sub>",
        report.tool.version, report.generated_at
    );
    if s.len() > MAX_CHARS {
        let mut cut = MAX_CHARS;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::md_text;

    #[test]
    fn export_text_is_inert() {
        assert_eq!(md_text("<script>x</script>"), "&lt;script&gt;x&lt;/script&gt;");
        assert_eq!(md_text("a|b"), "a\\|b");
        assert_eq!(md_text("@admins"), "@\u{200b}admins");
        assert_eq!(md_text("[x](http://evil)"), "\\[x\\](http://evil)");
    }
}
