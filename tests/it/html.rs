//! `report.html`: the sample's page, hostile names, the size bound on a generated tenant, and the page in a
//! real browser (headless Chromium: the script runs without errors and fills in the findings).

use std::path::{Path, PathBuf};
use std::process::Command;

use dvposture::access::hierarchy::Hierarchy;
use dvposture::access::Engine;
use dvposture::config::Config;
use dvposture::report::html::{self, MAX_FINDINGS_IN_PAGE, MAX_FINDINGS_PER_RULE_IN_PAGE, MAX_PAGE_BYTES};
use dvposture::report::json::{self, ReportContext};
use dvposture::time::{Date, Timestamp};
use dvposture::{policy, rules};
use serde_json::Value;

use crate::common::copy_fixture;

const AS_OF: &str = "2026-11-23";

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/contoso")
}

/// The pipeline of `analyze`, then the page; also returns report.json's findings (as JSON) to compare.
fn render_with(dir: &Path, config: &Config) -> (String, Vec<Value>) {
    let export = dvposture::ingest::load(dir, &Default::default()).unwrap();
    assert!(export.is_usable(), "{:?}", export.fatal);
    let engine = Engine::build(&export.tenant);
    let hierarchy = Hierarchy::build(&export.tenant);
    let as_of = Date::parse(AS_OF).unwrap();
    let shared = rules::Shared {
        tenant: &export.tenant,
        engine: &engine,
        hierarchy: hierarchy.as_ref(),
        as_of,
        excluded: rules::resolve_excluded(&export.tenant, &config.exclude).0,
        details: true,
    };
    let analysis = policy::apply(rules::run(&shared, config), config, as_of);
    let ctx = ReportContext {
        generated_at: Timestamp::parse("2026-11-23T12:00:00Z").unwrap(),
        as_of,
    };
    let report = json::build(&export, &engine, &analysis, &ctx);
    let extras = html::extras(&export, &engine);
    let page = html::render(&report, &extras).unwrap();
    let findings = serde_json::to_value(&report.findings).unwrap();
    (page, findings.as_array().unwrap().clone())
}

fn render(dir: &Path) -> (String, Vec<Value>) {
    render_with(dir, &Config::default())
}

/// The tenant's text as tera writes it (`&`, `<`, `>`, `"`, `'`, `/` escaped).
fn tera_escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2F;")
}

fn data_block(page: &str) -> Value {
    let start = page.find(r#"<script type="application/json" id="dvp-data">"#).unwrap();
    let rest = &page[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find("</script>").unwrap();
    serde_json::from_str(&rest[open..close]).unwrap()
}

#[test]
fn the_sample_page_has_the_summary_the_findings_and_every_section() {
    let (page, findings) = render(&sample_dir());
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.len() < MAX_PAGE_BYTES, "{} bytes", page.len());

    // Summary: environment, score and its formula, counts by severity, population, audit window.
    assert!(page.contains("<title>Security posture: Contoso Production</title>"));
    assert!(page.contains("Posture score"));
    assert!(page.contains("critical 25, high 10, medium 4, low 1, info 0"));
    assert!(page.contains(r##"<a class="topscore band-poor" href="#score" aria-label="Posture score 0 out of 100">"##));
    for (sev, n) in [("critical", 1), ("high", 10), ("medium", 19), ("low", 12), ("info", 13)] {
        let tile = format!(r#"<li class="sev-{sev}"><span class="n">{n}</span>"#);
        assert!(page.contains(&tile), "{tile}");
    }
    assert!(page.contains("<dt>Type (SKU)</dt><dd>Production</dd>"));
    assert!(page.contains("<dt>Audit window</dt><dd>2026-07-18T05:52:09Z to 2026-11-15T21:47:12Z</dd>"));
    assert!(page.contains("<dt>Enabled users</dt><dd>56</dd>"));

    // Every finding of report.json is in the page (55 < MAX_FINDINGS_IN_PAGE), grouped by rule, most severe first.
    assert!(findings.len() < MAX_FINDINGS_IN_PAGE);
    assert_eq!(page.matches(r#"<li class="finding" "#).count(), findings.len());
    // Rules in the order of their first finding.
    let mut rule_ids: Vec<&str> = Vec::new();
    for f in &findings {
        let id = f["rule"].as_str().unwrap();
        if !rule_ids.contains(&id) {
            rule_ids.push(id);
        }
    }
    let mut last = 0;
    for id in &rule_ids {
        let at = page
            .find(&format!(r#"id="rule-{id}""#))
            .unwrap_or_else(|| panic!("no card for {id}"));
        assert!(at > last, "{id} out of report order");
        last = at;
    }
    assert!(page.contains("Journeys service user D365 Sms Channel is disabled: the feature it serves stops working."));
    // Rationale, remediation and references from the rule's metadata.
    let meta = rules::meta("too-many-system-administrators").unwrap();
    assert!(page.contains(&tera_escaped(meta.references[1].url.as_deref().unwrap())));
    assert!(page.contains("<h4>How to fix it</h4>"));
    // Evidence as a compact key/value list.
    assert!(page.contains("<dt>max system administrators</dt><dd>5</dd>"));

    // Charts: inline SVG, drawn by plotters, with a data table each.
    for id in [
        "chart-severity",
        "chart-groups",
        "chart-depth",
        "chart-bu",
        "chart-shares",
        "chart-audit-tables",
        "chart-audit-days",
    ] {
        let at = page.find(&format!(r#"<figure class="card chart" id="{id}">"#)).unwrap();
        assert!(
            page[at..].find("<svg class=\"chart-svg\" role=\"img\"").unwrap() < 2000,
            "{id}"
        );
    }
    assert!(
        page.contains(">\nCustomer Insights - Journeys\n</text>"),
        "the group chart names the groups"
    );

    // Privileged users, rules not evaluated or not applicable, inputs.
    for section in ["summary", "charts", "findings", "privileged", "rules", "inputs"] {
        assert!(page.contains(&format!(r#"<section id="{section}""#)), "{section}");
    }
    let privileged = &page[page.find(r#"<section id="privileged""#).unwrap()..];
    assert!(privileged.contains("olivia.grant@contoso.com"));
    assert!(privileged.contains("System Administrator"));
    assert!(page.contains("systemusers.2.json"));
    assert!(page.contains(r#"<span class="status in-missing">missing</span>"#));

    // Self-contained: nothing is fetched, and the script's data parses.
    for external in ["<link", " src=", "@import", "url(", "<iframe", "<img"] {
        assert!(!page.contains(external), "{external}");
    }
    let data = data_block(&page);
    assert_eq!(data["findings_total"], findings.len());
    assert_eq!(data["findings_in_page"], findings.len());

    // Deterministic (the clock is passed in).
    assert_eq!(page, render(&sample_dir()).0);
}

#[test]
fn rules_that_did_not_run_are_listed_with_their_reason_and_waived_findings_with_their_waiver() {
    let dir = copy_fixture("mini");
    let config = Config::parse(
        "dvposture.toml",
        "[[waivers]]\nrule = \"too-many-system-administrators\"\nreason = \"Approved <b>by</b> CAB-1\"\n",
    )
    .unwrap();
    let (page, _) = render_with(dir.path(), &config);
    let rules_section = &page[page.find(r#"<section id="rules""#).unwrap()..];
    assert!(rules_section.contains("Not evaluated or not applicable"));
    assert!(rules_section.contains(r#"<span class="status st-not_evaluated">not evaluated</span>"#));
    assert!(rules_section.contains("the export has no "));
    // The waiver matched nothing in this tenant: listed for review, its reason escaped.
    assert!(rules_section.contains("matched nothing"));
    assert!(rules_section.contains("Approved &lt;b&gt;by&lt;&#x2F;b&gt; CAB-1"));
    assert!(page.contains("No findings: every rule that could be evaluated passed."));
}

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";
const FORMULA: &str = "=HYPERLINK(\"http://x\",\"y\")";

fn rename(dir: &Path, file: &str, id_key: &str, id: &str, fields: &[(&str, &str)]) {
    let path = dir.join(file);
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let row = doc["value"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r[id_key] == id)
        .unwrap();
    for (k, v) in fields {
        row[*k] = Value::String(v.to_string());
    }
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
}

#[test]
fn hostile_names_are_escaped_everywhere() {
    let dir = copy_fixture("mini");
    let d = dir.path();
    // Alice (System Administrator, hence privileged) gets the script name, and joins the team whose roles
    // then show in her row; the team and its role get the other two.
    rename(
        d,
        "systemusers.json",
        "systemuserid",
        "b0000000-0000-0000-0000-000000000001",
        &[("fullname", SCRIPT), ("domainname", SCRIPT)],
    );
    rename(
        d,
        "teams.json",
        "teamid",
        "d0000000-0000-0000-0000-000000000002",
        &[("name", IMG)],
    );
    rename(
        d,
        "roles.json",
        "roleid",
        "c0000000-0000-0000-0000-000000000002",
        &[("name", FORMULA)],
    );
    rename(
        d,
        "businessunits.json",
        "businessunitid",
        "a0000000-0000-0000-0000-000000000002",
        &[("name", SCRIPT)],
    );
    let memberships = d.join("teammemberships.csv");
    let mut csv = std::fs::read_to_string(&memberships).unwrap();
    csv.push_str("d0000000-0000-0000-0000-000000000002,b0000000-0000-0000-0000-000000000001\n");
    std::fs::write(&memberships, csv).unwrap();

    let (page, _) = render(d);
    assert!(!page.contains("<script>alert"), "raw script tag in the page");
    assert!(!page.contains("<img"), "raw img tag in the page");
    assert!(!page.contains(FORMULA), "raw quotes of the formula in the page");
    assert!(!page.contains("onerror=alert(1)>"));
    // Escaped, and shown: in the privileged users' table (HTML) and in the business-unit tree (SVG text).
    let privileged =
        &page[page.find(r#"<section id="privileged""#).unwrap()..page.find(r#"<section id="rules""#).unwrap()];
    assert!(privileged.contains(&tera_escaped(SCRIPT)), "{privileged}");
    assert!(
        privileged.contains(&tera_escaped(IMG)),
        "the team, in the path of the role it grants"
    );
    assert!(privileged.contains(&tera_escaped(FORMULA)), "the role");
    let tree = &page[page.find(r#"id="chart-bu""#).unwrap()..];
    assert!(tree.contains(">\n&lt;script&gt;alert(1)&lt;/script&gt;\n</text>"));
    // Whatever the names, the page has exactly its own two script elements.
    assert_eq!(page.matches("<script").count(), 2);
}

#[test]
fn the_page_stays_small_on_a_generated_tenant() {
    let dir = tempfile::tempdir().unwrap();
    dvposture::sample::write_sample(dir.path(), &dvposture::sample::SampleOptions { users: 2_000, seed: 7 }).unwrap();
    let (page, findings) = render(dir.path());
    eprintln!(
        "report.html for 2,000 users: {} bytes, {} findings in report.json",
        page.len(),
        findings.len()
    );
    assert!(page.len() < MAX_PAGE_BYTES, "{} bytes", page.len());
    // The page's selection: report order, at most MAX_FINDINGS_PER_RULE_IN_PAGE per rule, MAX_FINDINGS_IN_PAGE in all.
    let mut per_rule = std::collections::HashMap::new();
    let mut expected = 0;
    for f in &findings {
        let n = per_rule.entry(f["rule"].as_str().unwrap().to_string()).or_insert(0);
        *n += 1;
        if *n <= MAX_FINDINGS_PER_RULE_IN_PAGE && expected < MAX_FINDINGS_IN_PAGE {
            expected += 1;
        }
    }
    let shown = page.matches(r#"<li class="finding" "#).count();
    assert_eq!(shown, expected);
    if findings.len() > shown {
        assert!(
            page.contains("This page shows the"),
            "the page says it shows the top findings only"
        );
    }
    assert_eq!(data_block(&page)["findings_total"], findings.len());
}

/// Headless Chromium on the sample's page: the script ran (`data-ready`, the count filled in), no error.
#[test]
fn the_page_renders_in_headless_chromium_without_script_errors() {
    let chromium = Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        if std::env::var_os("CI").is_some() {
            panic!("/usr/bin/chromium is missing: run scripts/install-test-deps.sh (as root) before the tests");
        }
        eprintln!("skipped: /usr/bin/chromium is missing (scripts/install-test-deps.sh installs it)");
        return;
    }
    let (page, findings) = render(&sample_dir());
    let dir = tempfile::tempdir().unwrap();
    let html_path = dir.path().join("report.html");
    std::fs::write(&html_path, &page).unwrap();
    let url = format!("file://{}", html_path.display());
    let profile = dir.path().join("profile");
    let run = |extra: &[String]| {
        let out = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--enable-logging=stderr",
                "--v=0",
                "--window-size=1400,2000",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(&url)
            .output()
            .expect("cannot run /usr/bin/chromium");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "chromium failed: {stderr}");
        assert!(!stderr.contains("Uncaught"), "a script error: {stderr}");
        assert!(
            !stderr.contains("Content Security Policy"),
            "blocked by the page's CSP: {stderr}"
        );
        (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
    };

    let (dom, _) = run(&["--dump-dom".to_string()]);
    let body = &dom[dom.find("<body").expect("no body in the dumped DOM")..];
    let body_tag = &body[..body.find('>').unwrap()];
    assert!(
        body_tag.contains(r#"data-ready="1""#),
        "the script did not finish: {body_tag}"
    );
    assert!(!body_tag.contains("data-error"), "the script failed: {body_tag}");
    let count = format!(r#"<strong id="shown-count">{}</strong>"#, findings.len());
    assert!(dom.contains(&count), "the script did not count the findings ({count})");
    assert!(
        dom.contains(r#"<form class="filters" id="filters" aria-label="Filter and sort findings">"#),
        "the script did not show the filters"
    );
    assert_eq!(dom.matches(r#"<li class="finding" "#).count(), findings.len());

    let shot = dir.path().join("report.png");
    run(&[format!("--screenshot={}", shot.display())]);
    let png = std::fs::read(&shot).expect("no screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    // For a person to look at: <target dir>/report-screenshot.png (the test binary is <target>/<profile>/deps/it-*).
    let exe = std::env::current_exe().unwrap();
    if let Some(target) = exe.ancestors().nth(3) {
        std::fs::write(target.join("report-screenshot.png"), &png).unwrap();
    }
    // A page without content would compress to almost nothing.
    assert!(png.len() > 50_000, "the screenshot looks empty ({} bytes)", png.len());
}

#[test]
fn analyze_writes_report_html_with_format_html() {
    let out = tempfile::tempdir().unwrap();
    let r = crate::common::dvposture(&[
        "analyze",
        sample_dir().to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        "--format",
        "html",
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["report.html"]);
    let page = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(page.len() < MAX_PAGE_BYTES);
    assert!(page.contains("<title>Security posture: Contoso Production</title>"));
}

/// The "who can" section: the high-risk privileges with how many enabled users hold them and the first holders.
#[test]
fn the_page_says_who_can_do_the_high_risk_things() {
    let out = tempfile::tempdir().unwrap();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/contoso");
    let r = crate::common::dvposture(&[
        "analyze",
        sample,
        "--out",
        out.path().to_str().unwrap(),
        "--format",
        "html",
        "--quiet",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    let start = page.find("id=\"who-can\"").expect("a who-can section");
    let section = &page[start..start + page[start..].find("</section>").unwrap()];
    // The same count as `access --privilege prvDeleteAccount --min-depth Global`.
    let who = crate::common::dvposture(&[
        "access",
        sample,
        "--privilege",
        "prvDeleteAccount",
        "--min-depth",
        "Global",
        "--json",
    ]);
    let users = serde_json::from_str::<serde_json::Value>(&who.stdout).unwrap()["users"]
        .as_u64()
        .unwrap();
    let row = section
        .split("<tr>")
        .find(|r| r.contains("<code>prvDeleteAccount</code>"))
        .expect("a row for prvDeleteAccount");
    assert!(row.contains(&format!("<td class=\"num\">{users}</td>")), "{row}");
    assert!(
        row.contains("marek.dvorak@contoso.com") || row.contains("more"),
        "{row}"
    );
    assert!(
        section.contains("prvActOnBehalfOfAnotherUser"),
        "impersonation is listed at any depth"
    );
}
