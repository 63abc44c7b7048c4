//! The commands: load, analyze, render, and map outcomes to exit codes. Nothing here decides posture.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::access::explain::print_user;
use crate::access::hierarchy::Hierarchy;
use crate::access::lookup::{self, Candidate};
use crate::access::shares::ShareIndex;
use crate::access::Engine;
use crate::cli::{
    AccessArgs, AnalyzeArgs, Cli, Command, DiffArgs, DiffFormat, ReportFormat, RulesArgs, RulesCommand, SampleArgs,
    ValidateArgs,
};
use crate::config::Config;
use crate::finding::Severity;
use crate::ingest::{self, Export, InputStatus, LoadOptions};
use crate::policy;
use crate::report;
use crate::rules::{self, RuleStatus};
use crate::time::Timestamp;

/// Exit codes (CLI.md).
pub const EXIT_OK: i32 = 0;
pub const EXIT_GATE: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// A spinner on stderr, only when stderr is a terminal and `--quiet` is off. It also times each step, and
/// prints the times when `DVPOSTURE_TIMINGS` is set (for benchmarks).
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    /// Each step's name, start, and the processor time used before it.
    steps: std::cell::RefCell<Vec<(String, Instant, Duration)>>,
}

/// The processor time (user and system, every thread) the process has used so far (Linux; zero elsewhere).
fn processor_time() -> Duration {
    #[cfg(target_os = "linux")]
    {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage writes a `rusage` into the pointer it is given, which points to one.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) } == 0 {
            // SAFETY: initialized by the successful call (and zeroed before it).
            let usage = unsafe { usage.assume_init() };
            let time = |t: libc::timeval| {
                Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
            };
            return time(usage.ru_utime) + time(usage.ru_stime);
        }
    }
    Duration::ZERO
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            steps: Default::default(),
        }
    }

    pub fn step(&self, message: &str) {
        if std::env::var_os("DVPOSTURE_TIMINGS").is_some() {
            // Peak memory so far, at each step (Linux).
            if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
                if let Some(hwm) = status.lines().find(|l| l.starts_with("VmHWM:")) {
                    eprintln!(
                        "detail: peak memory {} before {message}",
                        hwm.trim_start_matches("VmHWM:").trim()
                    );
                }
            }
        }
        self.steps
            .borrow_mut()
            .push((message.to_string(), Instant::now(), processor_time()));
        if let Some(b) = &self.bar {
            b.set_message(message.to_string());
        }
    }

    /// A figure for benchmarks, printed with the timings.
    pub fn detail(&self, text: &str) {
        if std::env::var_os("DVPOSTURE_TIMINGS").is_some() {
            eprintln!("detail: {text}");
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        let steps = self.steps.borrow();
        if std::env::var_os("DVPOSTURE_TIMINGS").is_some() && !steps.is_empty() {
            let (end, end_cpu) = (Instant::now(), processor_time());
            for (i, (name, start, cpu)) in steps.iter().enumerate() {
                let (until, until_cpu) = steps.get(i + 1).map_or((end, end_cpu), |s| (s.1, s.2));
                eprintln!(
                    "timing: {:>9.3}s  {name} ({:.1} processor-seconds)",
                    (until - *start).as_secs_f64(),
                    until_cpu.saturating_sub(*cpu).as_secs_f64()
                );
            }
        }
    }
}

pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Analyze(args) => analyze(&args, cli.quiet),
        Command::Validate(args) => validate(&args, cli.quiet),
        Command::Access(args) => access(&args, cli.quiet),
        Command::Rules(args) => rules_command(&args),
        Command::Diff(args) => diff_command(&args),
        Command::Sample(args) => sample(&args, cli.quiet),
    }
}

/// Loads an export, printing every fatal problem; `None` when the export cannot be analyzed.
fn load_usable(dir: &Path, options: &LoadOptions, progress: &Progress) -> Result<Option<Export>> {
    progress.step(&format!("reading {}", dir.display()));
    let export = ingest::load(dir, options)?;
    if export.is_usable() {
        return Ok(Some(export));
    }
    tell_unusable(&export, progress)?;
    Ok(None)
}

/// The problems that make an export unusable, on stderr.
fn tell_unusable(export: &Export, progress: &Progress) -> Result<()> {
    progress.finish();
    let mut err = std::io::stderr().lock();
    for p in &export.fatal {
        writeln!(err, "error: {p}")?;
    }
    writeln!(
        err,
        "error: the export cannot be analyzed ({} problems above); `dvposture validate {}` lists everything it found",
        export.fatal.len(),
        export.dir.display()
    )?;
    Ok(())
}

/// The export directory's own name (`contoso` for `samples/contoso`; for `.`, the current directory's).
fn export_dir_name(dir: &std::path::Path) -> String {
    let named = |p: &std::path::Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    named(dir)
        .or_else(|| dir.canonicalize().ok().as_deref().and_then(named))
        .unwrap_or_else(|| dir.display().to_string())
}

fn analyze(args: &AnalyzeArgs, quiet: bool) -> Result<i32> {
    if args.only_new && args.baseline.is_none() {
        eprintln!("error: --only-new needs --baseline (the report the findings are new against)");
        return Ok(EXIT_ERROR);
    }
    let gate = policy::Gate {
        fail_on: args.fail_on,
        only_new: args.only_new,
        require_rules: match args.require_rules.as_deref().map(str::trim) {
            None => None,
            Some("all") => Some(policy::RequiredRules::All),
            Some(list) => {
                let ids: Vec<String> = list
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                if let Some(unknown) = ids.iter().find(|id| rules::meta(id).is_none()) {
                    eprintln!(
                        "error: --require-rules names an unknown rule {unknown:?} (`dvposture rules list` lists them)"
                    );
                    return Ok(EXIT_ERROR);
                }
                Some(policy::RequiredRules::These(ids))
            }
        },
    };
    let baseline = match &args.baseline {
        None => None,
        Some(path) => match policy::Baseline::load(path) {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(EXIT_ERROR);
            }
        },
    };
    let (config, warnings) = match Config::discover(args.config.as_deref(), &args.export_dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let progress = Progress::new(quiet);
    // The shares and the audit log, most of an export's bytes, are read while the effective access is computed
    // from the other tables (and effective-access.csv written): nothing in it depends on them.
    progress.step(&format!("reading {}", args.export_dir.display()));
    let mut loading = ingest::Loading::start(&args.export_dir, &LoadOptions::default())?;
    let late = loading.late();
    // On threads of their own: the global pool's threads are left to the rest, or they would be taken by the
    // reading until it ends (a thread finishes the work it has before it takes new work).
    let nice = args.wants(ReportFormat::Access);
    let late = std::thread::spawn(move || {
        let pool = rayon::ThreadPoolBuilder::new().start_handler(move |_| {
            if nice {
                yield_to_the_access_writer_here();
            }
        });
        on_pool_of_its_own(pool, || late.read())
    });
    let export = loading.read_core();
    let finish_reading = |export: &Export| -> Result<()> {
        let late = late
            .join()
            .map_err(|_| anyhow::anyhow!("the reading of the shares and the audit log stopped"))?;
        loading.finish(export, late);
        Ok(())
    };
    if !export.is_usable() {
        finish_reading(&export)?;
        tell_unusable(&export, &progress)?;
        return Ok(EXIT_ERROR);
    }
    progress.step("computing effective access");
    let engine = Engine::build(&export.tenant);
    progress.detail(&format!(
        "{} distinct grant sets for {} enabled users",
        engine.grant_sets.len(),
        engine.user_grant_set.iter().filter(|s| s.is_some()).count()
    ));
    if let Some(b) = &baseline {
        let this = export
            .tenant
            .environment
            .as_ref()
            .and_then(|e| e.name.clone())
            .or_else(|| {
                export
                    .tenant
                    .organization
                    .as_ref()
                    .and_then(|o| o.id)
                    .map(|g| g.to_string())
            });
        if let (Some(a), Some(b)) = (this.map(|s| s.to_ascii_lowercase()), &b.environment) {
            if &a != b {
                progress.finish();
                eprintln!("error: the baseline is a report of another environment ({b}, this one is {a})");
                return Ok(EXIT_ERROR);
            }
        }
    }
    let now = Timestamp::now();
    let ctx = report::json::ReportContext {
        generated_at: now,
        as_of: args.as_of.unwrap_or(now.date()),
    };
    let out_existed = args.out.is_dir();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create the output directory {}", args.out.display()))?;
    let access_path = args.out.join("effective-access.csv");
    let verdict = Verdict::default();
    let code = std::thread::scope(|scope| {
        // effective-access.csv needs only the engine: it is written while the shares and the audit log are read,
        // the rules run and the other reports are written (its writing is bound by the disk, the rest by the
        // processor). It is rendered by threads of its own, so that the rest never leaves the disk waiting: the
        // system shares the cores. It is kept only once the export has turned out usable.
        let access = args.wants(ReportFormat::Access).then(|| {
            yield_to_the_access_writer();
            scope.spawn(|| {
                let render = |w: &mut (dyn report::Render + Send)| {
                    let mut w = UnlessRefused {
                        out: w,
                        verdict: &verdict,
                    };
                    on_pool_of_its_own(rayon::ThreadPoolBuilder::new(), || {
                        engine.write_effective_access(&mut w)
                    })?;
                    match verdict.wait() {
                        true => Ok(()),
                        false => Err(std::io::Error::other(REFUSED)),
                    }
                };
                report::write_large_atomically(&access_path, render)
            })
        });
        let code = (|| {
            progress.step("reading the shares and the audit log");
            finish_reading(&export)?;
            if !export.is_usable() {
                verdict.tell(false);
                tell_unusable(&export, &progress)?;
                return Ok(None);
            }
            verdict.tell(true);
            analyze_and_report(
                args,
                quiet,
                &progress,
                &export,
                &engine,
                &config,
                &gate,
                baseline.as_ref(),
                &ctx,
            )
            .map(Some)
        })();
        // (Refused when it was not told already: an error stopped the analysis.)
        verdict.tell(false);
        let code = match code? {
            Some(code) => code,
            None => {
                if let Some(handle) = access {
                    let _ = handle.join();
                }
                if !out_existed {
                    // (Only when empty.)
                    let _ = std::fs::remove_dir(&args.out);
                }
                return Ok(EXIT_ERROR);
            }
        };
        if let Some(handle) = access {
            progress.step("writing effective-access.csv");
            let written = handle
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the effective-access.csv writer stopped")));
            written.with_context(|| format!("cannot write {}", access_path.display()))?;
        }
        progress.finish();
        Ok(code)
    });
    left_to_the_exit(engine);
    left_to_the_exit(export);
    code
}

/// Runs `work` on a thread pool of its own (on the calling thread's pool when one cannot be made), so that it
/// shares the cores with the global pool's work instead of waiting for its threads or taking them.
fn on_pool_of_its_own<R: Send>(pool: rayon::ThreadPoolBuilder, work: impl FnOnce() -> R + Send) -> R {
    match pool.build() {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

/// Why effective-access.csv is not kept: the export turned out unusable (or the analysis stopped) after its
/// writing began.
const REFUSED: &str = "the export cannot be analyzed";

/// Whether the analysis goes on, as effective-access.csv's writer learns it: it begins before the shares and
/// the audit log are read, which can make the export unusable.
#[derive(Default)]
struct Verdict {
    told: std::sync::Mutex<Option<bool>>,
    changed: std::sync::Condvar,
    refused: std::sync::atomic::AtomicBool,
}

impl Verdict {
    /// Tells the verdict, unless it was told before.
    fn tell(&self, usable: bool) {
        let mut told = self.told.lock().unwrap_or_else(|e| e.into_inner());
        if told.is_none() {
            *told = Some(usable);
            self.refused.store(!usable, std::sync::atomic::Ordering::Relaxed);
            self.changed.notify_all();
        }
    }

    fn wait(&self) -> bool {
        let mut told = self.told.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match *told {
                Some(usable) => return usable,
                None => told = self.changed.wait(told).unwrap_or_else(|e| e.into_inner()),
            }
        }
    }

    fn refused(&self) -> bool {
        self.refused.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// A writer that fails as soon as the verdict is a refusal (the writing stops at once).
struct UnlessRefused<'a> {
    out: &'a mut (dyn report::Render + Send),
    verdict: &'a Verdict,
}

impl UnlessRefused<'_> {
    fn go_on(&self) -> std::io::Result<()> {
        match self.verdict.refused() {
            true => Err(std::io::Error::other(REFUSED)),
            false => Ok(()),
        }
    }
}

impl Write for UnlessRefused<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.go_on()?;
        self.out.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl report::Render for UnlessRefused<'_> {
    fn render(&mut self, len: usize, fill: &mut dyn FnMut(&mut [u8]) -> std::io::Result<()>) -> std::io::Result<()> {
        self.go_on()?;
        self.out.render(len, fill)
    }
}

/// While effective-access.csv is written, the threads that run the rules and the other reports give the writer's
/// threads precedence (a lower priority, Linux): the file is bound by the disk, and a disk left waiting for the
/// next block is time lost, where the rules can use whatever processor time the writer leaves.
fn yield_to_the_access_writer() {
    rayon::broadcast(|_| yield_to_the_access_writer_here());
}

/// [`yield_to_the_access_writer`] for the calling thread.
fn yield_to_the_access_writer_here() {
    // SAFETY: setpriority only reads its arguments; on Linux, `who = 0` is the calling thread.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 5)
    };
}

/// The rules, the gate and every report but effective-access.csv; the exit code.
#[allow(clippy::too_many_arguments)]
fn analyze_and_report(
    args: &AnalyzeArgs,
    quiet: bool,
    progress: &Progress,
    export: &Export,
    engine: &Engine,
    config: &Config,
    gate: &policy::Gate,
    baseline: Option<&policy::Baseline>,
    ctx: &report::json::ReportContext,
) -> Result<i32> {
    let hierarchy = Hierarchy::build(&export.tenant);
    progress.step("applying the rules");
    let (excluded, unmatched_exclusions) = rules::resolve_excluded(&export.tenant, &config.exclude);
    for e in &unmatched_exclusions {
        eprintln!("warning: excluded principal {e:?} matches no user in the export");
    }
    let shared = rules::Shared {
        tenant: &export.tenant,
        engine,
        hierarchy: hierarchy.as_ref(),
        as_of: ctx.as_of,
        excluded,
        details: [
            ReportFormat::Json,
            ReportFormat::Html,
            ReportFormat::Sarif,
            ReportFormat::Md,
            ReportFormat::Csv,
        ]
        .iter()
        .any(|&f| args.wants(f)),
    };
    // The report that report.json is, and the page, the SARIF log and the summary are made from: its inventory
    // is computed while the rules run.
    let page_formats = [
        ReportFormat::Json,
        ReportFormat::Html,
        ReportFormat::Sarif,
        ReportFormat::Md,
    ];
    let (results, inventory) = rayon::join(
        || rules::run(&shared, config),
        || {
            page_formats
                .iter()
                .any(|&f| args.wants(f))
                .then(|| report::json::inventory(&export.tenant, engine))
        },
    );
    for r in results.iter().filter(|r| r.elapsed.as_millis() >= 50) {
        progress.detail(&format!("rule {} took {:.3}s", r.id, r.elapsed.as_secs_f64()));
    }
    // access-review.csv reads only the effective access: it is written while the findings are judged and the
    // report is put together.
    std::thread::scope(|scope| {
        let review = scope.spawn(|| -> Result<Option<Written>> {
            if !args.wants(ReportFormat::Csv) {
                return Ok(None);
            }
            Ok(Some(write_report(args, "access-review.csv", Instant::now(), |w| {
                report::csv::write_access_review(w, engine)
            })?))
        });
        let mut analysis = policy::apply(results, config, ctx.as_of);
        for w in &analysis.expired_waivers {
            eprintln!(
                "warning: the waiver of {} on line {} expired on {}; it no longer applies",
                w.rule,
                w.line,
                w.expires.map(|d| d.to_string()).unwrap_or_default()
            );
        }
        if let Some(b) = &baseline {
            analysis.mark_against(b);
        }
        let verdict = gate.is_set().then(|| gate.judge(&analysis));
        let mut written = Vec::new();
        let mut report = inventory.map(|inventory| {
            let mut report = report::json::build_with(export, engine, &analysis, ctx, inventory);
            report.gate = verdict.as_ref();
            report
        });
        // report.json's frame (all but its findings) is made while the report can still be changed.
        let json_started = Instant::now();
        let frame = match report.as_mut().filter(|_| args.wants(ReportFormat::Json)) {
            Some(report) => Some(
                report::json::Frame::of(report)
                    .with_context(|| format!("cannot write {}", args.out.join("report.json").display()))?,
            ),
            None => None,
        };
        let owned = report;
        let report = owned.as_ref();
        // Every report at once, each written to the disk as it is rendered: report.json, and the page with the
        // small reports, on threads of their own; the CSV files beside them. The findings of report.json and the
        // CSV files are rendered on every core.
        progress.step("writing the reports");
        let (json, pages, tables) = std::thread::scope(|scope| {
            let json = scope.spawn(|| -> Result<Option<Written>> {
                let (Some(frame), Some(report)) = (&frame, report) else {
                    return Ok(None);
                };
                Ok(Some(write_report(args, "report.json", json_started, |w| {
                    frame.write(w, report)
                })?))
            });
            let pages = scope.spawn(|| -> Result<Vec<Written>> {
                let mut written = Vec::new();
                let Some(report) = report else {
                    return Ok(written);
                };
                if args.wants(ReportFormat::Html) {
                    let started = Instant::now();
                    let extras = report::html::extras(export, engine);
                    let page = report::html::render(report, &extras)?;
                    written.push(write_report(args, "report.html", started, |w| {
                        w.write_all(page.as_bytes())
                    })?);
                }
                if args.wants(ReportFormat::Sarif) {
                    let started = Instant::now();
                    let sarif = report::sarif::render(&analysis, report, &export_dir_name(&args.export_dir));
                    written.push(write_report(args, "report.sarif", started, |w| {
                        serde_json::to_writer_pretty(&mut *w, &sarif)?;
                        w.write_all(b"\n")
                    })?);
                }
                if args.wants(ReportFormat::Md) {
                    let started = Instant::now();
                    let md = report::markdown::render(report, &analysis, verdict.as_ref(), baseline.is_some());
                    written.push(write_report(args, "summary.md", started, |w| {
                        w.write_all(md.as_bytes())
                    })?);
                }
                Ok(written)
            });
            let tables = || -> Result<Vec<Written>> {
                if !args.wants(ReportFormat::Csv) {
                    return Ok(Vec::new());
                }
                Ok(vec![write_report(args, "findings.csv", Instant::now(), |w| {
                    report::csv::write_findings(w, &analysis)
                })?])
            };
            let tables = tables();
            let stopped = || anyhow::anyhow!("writing the reports stopped");
            let json = json.join().unwrap_or_else(|_| Err(stopped()));
            let pages = pages.join().unwrap_or_else(|_| Err(stopped()));
            (json, pages, tables)
        });
        let review = review
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("writing the reports stopped")));
        let tables = tables.and_then(|mut tables| {
            tables.extend(review?);
            Ok(tables)
        });
        for w in json?.into_iter().chain(pages?).chain(tables?) {
            progress.detail(&format!("wrote {} in {:.3}s", w.name, w.seconds));
            written.push(w);
        }
        if !quiet {
            let t = &export.tenant;
            let enabled = t.users.iter().filter(|u| t.is_enabled(u)).count();
            eprintln!(
                "{}: {} users ({} enabled), {} teams, {} roles, {} business units",
                export.dir.display(),
                t.users.len(),
                enabled,
                t.teams.len(),
                t.roles.len(),
                t.business_units.len()
            );
            let evaluated = analysis
                .rules
                .iter()
                .filter(|r| matches!(r.status, RuleStatus::Passed | RuleStatus::Failed | RuleStatus::Waived))
                .count();
            eprintln!(
                "{} rules evaluated ({} failed); findings: {} critical, {} high, {} medium, {} low, {} info, {} waived; score {}",
                evaluated,
                analysis.rules.iter().filter(|r| r.status == RuleStatus::Failed).count(),
                analysis.count(Severity::Critical),
                analysis.count(Severity::High),
                analysis.count(Severity::Medium),
                analysis.count(Severity::Low),
                analysis.count(Severity::Info),
                analysis.waived(),
                analysis.score
            );
            let problems: u64 = export.inputs.iter().map(|i| i.problem_count).sum();
            if problems > 0 {
                eprintln!("{problems} input problems (see `inputs` in report.json, or run `dvposture validate`)");
            }
            for w in &written {
                eprintln!("wrote {}", w.path.display());
            }
        }
        let code = match &verdict {
            Some(v) if !v.passed => {
                for r in &v.reasons {
                    eprintln!("gate failed: {r}");
                }
                Ok(EXIT_GATE)
            }
            Some(_) => {
                if !quiet {
                    eprintln!("gate passed");
                }
                Ok(EXIT_OK)
            }
            None => Ok(EXIT_OK),
        };
        left_to_the_exit(owned);
        left_to_the_exit(analysis);
        code
    })
}

/// A report written: where, and how long making it took.
struct Written {
    name: &'static str,
    path: PathBuf,
    seconds: f64,
}

/// Writes one report of `analyze` into the output directory, atomically; in large blocks past the page cache,
/// as its largest reports (hundreds of megabytes on a large tenant) are best written. `started`: when making the
/// report began.
fn write_report(
    args: &AnalyzeArgs,
    name: &'static str,
    started: Instant,
    write: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> Result<Written> {
    let path = args.out.join(name);
    report::write_large_atomically(&path, |w| write(w)).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Written {
        name,
        path,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Hands a large value to the process's exit instead of dropping it: `analyze` ends right after, and the
/// system takes the memory back at once, where dropping millions of allocations one by one takes seconds.
fn left_to_the_exit<T>(value: T) {
    std::mem::forget(value);
}

fn access(args: &AccessArgs, quiet: bool) -> Result<i32> {
    let progress = Progress::new(quiet);
    // Only what the query needs: never the audit log, the share pages only with --shares.
    let mut options = LoadOptions::default();
    options.skip.insert("audits");
    if !args.shares {
        options.skip.insert("principalobjectaccessset");
    }
    if args.user.is_none() {
        // "Who can" questions need principals, roles and privileges only.
        for table in [
            "fieldsecurityprofiles",
            "fieldpermissions",
            "systemuserprofilescollection",
            "teamprofilescollection",
            "positions",
            "customerinsights",
            "environment",
            "organizations",
            "attributedefinitions",
        ] {
            options.skip.insert(table);
        }
    }
    let Some(export) = load_usable(&args.export_dir, &options, &progress)? else {
        return Ok(EXIT_ERROR);
    };
    let t = &export.tenant;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let fail = |progress: &Progress, e: lookup::LookupError| {
        progress.finish();
        eprintln!("error: {e}");
        Ok(EXIT_ERROR)
    };
    if let Some(query) = &args.user {
        let candidates: Vec<Candidate> = t
            .users
            .iter()
            .map(|u| Candidate {
                id: u.id.0,
                names: u
                    .domain_name
                    .iter()
                    .chain(u.full_name.iter())
                    .chain(u.email.iter())
                    .cloned()
                    .collect(),
                label: match (&u.domain_name, &u.full_name) {
                    (Some(d), Some(f)) => format!("{d} ({f}, {})", u.id),
                    _ => format!("{} ({})", u.display_name(), u.id),
                },
            })
            .collect();
        let user = match lookup::find("user", query, &candidates) {
            Ok(u) => u,
            Err(e) => return fail(&progress, e),
        };
        progress.step("computing effective access");
        let engine = Engine::build_scoped(
            t,
            &crate::access::Scope {
                users: Some(vec![user]),
                privileges: None,
            },
        );
        let shares = args.shares.then(|| ShareIndex::build(&engine));
        let hierarchy = Hierarchy::build(t);
        let explained = engine.explain_user(user, args.table.as_deref(), shares.as_ref(), hierarchy.as_ref());
        progress.finish();
        if args.json {
            serde_json::to_writer_pretty(&mut out, &explained)?;
            writeln!(out)?;
        } else {
            print_user(&mut out, &engine, &explained, args.all)?;
        }
        return Ok(EXIT_OK);
    }
    if args.privilege.is_some() || args.table.is_some() {
        let catalog = crate::access::catalog::build(t).0;
        let (question, wanted): (String, Vec<u32>) = if let Some(query) = &args.privilege {
            let candidates: Vec<Candidate> = t
                .privileges
                .iter()
                .map(|p| Candidate {
                    id: p.id.0,
                    names: vec![p.name.clone()],
                    label: p.name.clone(),
                })
                .collect();
            match lookup::find("privilege", query, &candidates) {
                Ok(p) => (format!("Who holds {}", t.privileges[p].name), vec![p as u32]),
                Err(e) => return fail(&progress, e),
            }
        } else {
            let table = args.table.as_deref().unwrap_or_default().trim().to_ascii_lowercase();
            let wanted: Vec<u32> = (0..catalog.len() as u32)
                .filter(|&p| {
                    catalog[p as usize].covers(&table)
                        && args.right.is_none_or(|r| catalog[p as usize].right == Some(r))
                })
                .collect();
            if wanted.is_empty() {
                let mut tables: Vec<&str> = catalog
                    .iter()
                    .flat_map(|c| c.tables.iter().map(String::as_str))
                    .collect();
                tables.sort_unstable();
                tables.dedup();
                let candidates: Vec<Candidate> = tables
                    .iter()
                    .map(|n| Candidate {
                        id: crate::id::Guid(0),
                        names: vec![n.to_string()],
                        label: n.to_string(),
                    })
                    .collect();
                let e = lookup::find("table", &table, &candidates)
                    .err()
                    .unwrap_or(lookup::LookupError::Unknown {
                        what: "privilege",
                        query: format!("{} on {table}", args.right.map_or("any right", |r| r.name())),
                        candidates: Vec::new(),
                    });
                return fail(&progress, e);
            }
            let right = args
                .right
                .map_or_else(|| "any right".to_string(), |r| r.name().to_string());
            (format!("Who holds {right} on {table}"), wanted)
        };
        progress.step("computing effective access");
        let scope = crate::access::Scope {
            users: None,
            privileges: Some(wanted.iter().copied().collect()),
        };
        let engine = Engine::build_scoped(t, &scope);
        let answer = engine.who_holds(question, &wanted, args.min_depth);
        progress.finish();
        if args.json {
            serde_json::to_writer_pretty(&mut out, &answer)?;
            writeln!(out)?;
        } else {
            crate::access::reverse::print_who_can(&mut out, &answer, args.all)?;
        }
        return Ok(EXIT_OK);
    }
    if let Some(query) = &args.role {
        // A role is found by its name or the id of the role or any copy; the answer is about its root.
        let roots: Vec<&crate::model::Role> = t.roles.iter().filter(|r| t.privilege_source(r) == r.id).collect();
        let candidates: Vec<Candidate> = t
            .roles
            .iter()
            .map(|r| Candidate {
                id: r.id.0,
                names: vec![r.name.clone()],
                label: format!("{} ({})", r.name, t.privilege_source(r)),
            })
            .collect();
        let found = match lookup::find("role", query, &candidates) {
            Ok(i) => Some(i),
            // Copies share their root's name: a name is ambiguous only among root roles.
            Err(lookup::LookupError::Ambiguous { .. }) => {
                let matching: Vec<&&crate::model::Role> = roots
                    .iter()
                    .filter(|r| r.name.eq_ignore_ascii_case(query.trim()))
                    .collect();
                if matching.len() == 1 {
                    t.index.roles.get(&matching[0].id).copied()
                } else {
                    let mut c: Vec<String> = matching.iter().map(|r| format!("{} ({})", r.name, r.id)).collect();
                    c.sort();
                    return fail(
                        &progress,
                        lookup::LookupError::Ambiguous {
                            what: "role",
                            query: query.clone(),
                            candidates: c,
                        },
                    );
                }
            }
            Err(e) => return fail(&progress, e),
        };
        let role = &t.roles[found.unwrap_or_default()];
        let root = t.root_role(role);
        progress.step("computing effective access");
        let engine = Engine::build_scoped(
            t,
            &crate::access::Scope {
                users: Some(Vec::new()),
                privileges: Some(Default::default()),
            },
        );
        let report = engine.role_report(root);
        progress.finish();
        if args.json {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        } else {
            crate::access::reverse::print_role(&mut out, &report, args.all)?;
        }
        return Ok(EXIT_OK);
    }
    if let Some(query) = &args.team {
        let candidates: Vec<Candidate> = t
            .teams
            .iter()
            .map(|x| Candidate {
                id: x.id.0,
                names: vec![x.name.clone()],
                label: format!("{} ({})", x.name, x.id),
            })
            .collect();
        let team = match lookup::find("team", query, &candidates) {
            Ok(i) => &t.teams[i],
            Err(e) => return fail(&progress, e),
        };
        let engine = Engine::build_scoped(
            t,
            &crate::access::Scope {
                users: Some(Vec::new()),
                privileges: Some(Default::default()),
            },
        );
        let report = engine.team_report(team);
        progress.finish();
        if args.json {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        } else {
            crate::access::reverse::print_team(&mut out, &report, args.all)?;
        }
        return Ok(EXIT_OK);
    }
    progress.finish();
    eprintln!("error: ask a question: --user, --privilege, --table, --role or --team");
    Ok(EXIT_ERROR)
}

fn validate(args: &ValidateArgs, quiet: bool) -> Result<i32> {
    let progress = Progress::new(quiet);
    progress.step(&format!("reading {}", args.export_dir.display()));
    let export = ingest::load(&args.export_dir, &LoadOptions::default())?;
    progress.finish();
    let code = if export.is_usable() { EXIT_OK } else { EXIT_ERROR };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        #[derive(serde::Serialize)]
        struct Validation<'a> {
            usable: bool,
            fatal: &'a [ingest::problem::Problem],
            inputs: &'a [ingest::TableInput],
            dangling_references: &'a [crate::model::DanglingReference],
            ignored_files: &'a [String],
        }
        serde_json::to_writer_pretty(
            &mut out,
            &Validation {
                usable: export.is_usable(),
                fatal: &export.fatal,
                inputs: &export.inputs,
                dangling_references: &export.tenant.dangling,
                ignored_files: &export.ignored_files,
            },
        )?;
        writeln!(out)?;
        return Ok(code);
    }
    print_validation(&mut out, &export)?;
    Ok(code)
}

fn print_validation(out: &mut dyn Write, export: &Export) -> std::io::Result<()> {
    writeln!(out, "{}", export.dir.display())?;
    writeln!(
        out,
        "  {:<30} {:<8} {:>5} {:>10} {:>8} {:>9}",
        "table", "status", "files", "rows", "skipped", "problems"
    )?;
    for i in &export.inputs {
        let status = match i.status {
            InputStatus::Read => "read",
            InputStatus::Partial => "partial",
            InputStatus::Missing => "missing",
        };
        writeln!(
            out,
            "  {:<30} {:<8} {:>5} {:>10} {:>8} {:>9}",
            i.table,
            status,
            i.files.len(),
            i.rows,
            i.skipped,
            i.problem_count
        )?;
    }
    let with_problems: Vec<_> = export.inputs.iter().filter(|i| i.problem_count > 0).collect();
    if !with_problems.is_empty() {
        writeln!(out, "\nproblems (the first ten of each table):")?;
        for i in with_problems {
            for p in &i.problems {
                writeln!(out, "  {p}")?;
            }
            let more = i.problem_count.saturating_sub(i.problems.len() as u64);
            if more > 0 {
                writeln!(out, "  ... and {more} more in {}", i.table)?;
            }
        }
    }
    let dangling = &export.tenant.dangling;
    if !dangling.is_empty() {
        writeln!(out, "\nreferences to ids not in the export ({}):", dangling.len())?;
        for d in dangling.iter().take(20) {
            writeln!(
                out,
                "  {}.{} -> {} {} ({} rows)",
                d.table, d.column, d.target, d.missing_id, d.rows
            )?;
        }
        if dangling.len() > 20 {
            writeln!(out, "  ... and {} more", dangling.len() - 20)?;
        }
    }
    if !export.ignored_files.is_empty() {
        writeln!(
            out,
            "\nignored (not a table of the export format): {}",
            export.ignored_files.join(", ")
        )?;
    }
    if export.is_usable() {
        writeln!(out, "\nusable: the export can be analyzed")?;
    } else {
        writeln!(out, "\nNOT usable ({} fatal problems):", export.fatal.len())?;
        for p in &export.fatal {
            writeln!(out, "  {p}")?;
        }
    }
    Ok(())
}

fn rules_command(args: &RulesArgs) -> Result<i32> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match &args.command {
        None | Some(RulesCommand::List) => {
            for (group, heading) in rules::meta::GROUPS {
                writeln!(out, "{heading}")?;
                for m in rules::metas().iter().filter(|m| m.group == group) {
                    writeln!(out, "  {:<42} {:<8} {}", m.id, m.severity.name(), m.title)?;
                }
            }
            Ok(EXIT_OK)
        }
        Some(RulesCommand::Explain { rule_id }) => {
            let Some(m) = rules::meta(rule_id) else {
                let candidates: Vec<Candidate> = rules::metas()
                    .iter()
                    .map(|m| Candidate {
                        id: crate::id::Guid(0),
                        names: vec![m.id.clone(), m.title.clone()],
                        label: m.id.clone(),
                    })
                    .collect();
                let e = lookup::find("rule", rule_id, &candidates).err();
                eprintln!(
                    "error: {}",
                    e.map_or_else(|| format!("no rule {rule_id:?}"), |e| e.to_string())
                );
                return Ok(EXIT_ERROR);
            };
            writeln!(out, "{} ({})\n", m.title, m.id)?;
            writeln!(
                out,
                "severity: {}   confidence: {:?}   one finding per: {}",
                m.severity.name(),
                m.confidence,
                m.per
            )?;
            writeln!(
                out,
                "needs: {}",
                if m.inputs.is_empty() {
                    "nothing beyond the required tables".to_string()
                } else {
                    m.inputs.join(", ")
                }
            )?;
            writeln!(out, "\nFires when\n  {}", m.fires_when.trim())?;
            writeln!(out, "\nWhy it matters\n  {}", m.rationale.trim().replace('\n', "\n  "))?;
            writeln!(out, "\nWhat to do\n  {}", m.remediation.trim().replace('\n', "\n  "))?;
            if !m.thresholds.is_empty() {
                writeln!(out, "\nThresholds (dvposture.toml: [rules.{}])", m.id)?;
                for (k, v) in &m.thresholds {
                    writeln!(out, "  {k} = {v}")?;
                }
            }
            writeln!(out, "\nReferences")?;
            for r in &m.references {
                writeln!(out, "  {}: {}", r.title, r.location())?;
            }
            Ok(EXIT_OK)
        }
    }
}

fn sample(args: &SampleArgs, quiet: bool) -> Result<i32> {
    let progress = Progress::new(quiet);
    progress.step(&format!("writing a {}-user export", args.users));
    let summary = crate::sample::write_sample(
        &args.out_dir,
        &crate::sample::SampleOptions {
            users: args.users,
            seed: args.seed,
        },
    )?;
    progress.finish();
    if !quiet {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for (file, rows) in &summary.files {
            writeln!(out, "{rows:>10}  {file}")?;
        }
        writeln!(out, "wrote {}", args.out_dir.display())?;
    }
    Ok(EXIT_OK)
}

fn diff_command(args: &DiffArgs) -> Result<i32> {
    let read = |p: &Path| -> Result<serde_json::Value, String> {
        let bytes = std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}:{}:{}: not a report.json: {e}", p.display(), e.line(), e.column()))
    };
    let (old, new) = match (read(&args.old), read(&args.new)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let d = match crate::diff::diff(&old, &new) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_ERROR);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        DiffFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &d)?;
            writeln!(out)?;
        }
        DiffFormat::Md => out.write_all(d.to_markdown().as_bytes())?,
    }
    if let Some(sev) = args.fail_on {
        let reasons = d.gate(sev);
        if !reasons.is_empty() {
            for r in reasons {
                eprintln!("gate failed: {r}");
            }
            return Ok(EXIT_GATE);
        }
    }
    Ok(EXIT_OK)
}
