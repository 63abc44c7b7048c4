//! `dvposture sample`: a synthetic Dataverse export in the format of INPUT.md.
//!
//! The tenant is built in memory from the seed (business units, users, teams, roles, privileges,
//! metadata...), then written as Web API responses: paged OData JSON (5,000 rows a page; the
//! record shares 50,000), `teammemberships.csv`, `audits.ndjson`, `organizations.json` and
//! `environment.json`. The two huge tables (100 shares and 100 audit rows per user) are never held
//! in memory: each row is a pure function of the seed and its position, formatted straight into
//! large buffers, in parallel, and written in a fixed order.
//!
//! The output is byte-identical for a seed: the randomness is a hand-written SplitMix64 /
//! xoshiro256** with integer arithmetic only, GUIDs are an injective function of (table, index),
//! and nothing depends on the clock, the platform, thread scheduling or hash-map order.
//!
//! What the data exercises (see RULES.md): a business-unit tree of depth up to 5 with a disabled
//! unit and an empty one; role copies in child units; System Administrator held directly, through
//! an Entra group team and by application users; impersonation, bulk delete and role-editing
//! roles; a stale custom copy of Salesperson and a near-copy of System Administrator; roles edited
//! through audit actions 57/58/59; dormant administrators; people using only the Web API; a burst
//! of share operations by an application user; an audit-log deletion; hub principals with more
//! than 5,000 shared records; records shared with many principals; cascaded shares; Customer
//! Insights - Journeys users, roles and field security profiles (100 users and more) with one
//! service user and one profile missing; and, from 1,000 users, two memberships of a missing user
//! and three shares to a missing team (dangling references, on purpose).

mod audits;
mod model;
mod names;
mod out;
mod rng;
mod shares;
mod tables;
#[cfg(test)]
mod tests;

use std::path::Path;

use anyhow::{bail, Context, Result};

/// What to generate.
#[derive(Clone, Debug)]
pub struct SampleOptions {
    /// Number of `systemusers` rows (built-in, application and people), at least 10.
    pub users: usize,
    /// Seed: the same seed and size give the same bytes.
    pub seed: u64,
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct SampleSummary {
    /// File name (relative to the output directory) and the rows it holds, in a fixed order.
    pub files: Vec<(String, u64)>,
}

/// Smallest tenant `write_sample` accepts.
pub const MIN_USERS: usize = 10;

/// Write a synthetic export of `opts.users` users into `out` (created if needed).
///
/// Files of the export's tables left in `out` by an earlier run (for instance pages beyond the
/// new last page) are removed first, so that the directory holds one consistent export; other
/// files are left alone.
pub fn write_sample(out: &Path, opts: &SampleOptions) -> Result<SampleSummary> {
    if opts.users < MIN_USERS {
        bail!("--users must be at least {MIN_USERS} (got {})", opts.users);
    }
    if opts.users > 100_000_000 {
        bail!("--users must be at most 100000000 (got {})", opts.users);
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    clear_previous(out)?;

    let tenant = model::build(opts.users, opts.seed);
    let (small, (shares, audits)) = rayon::join(
        || tables::write_all(out, &tenant),
        || rayon::join(|| shares::write(out, &tenant), || audits::write(out, &tenant)),
    );
    let mut files = small?;
    files.extend(shares?);
    files.extend(audits?);
    Ok(SampleSummary { files })
}

/// Remove `TABLE.json`, `TABLE.N.json`, `.ndjson`, `.csv` (and `.gz`) files of our tables.
fn clear_previous(out: &Path) -> Result<()> {
    let entries = std::fs::read_dir(out).with_context(|| format!("cannot read {}", out.display()))?;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_table_file(name) && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path()).with_context(|| format!("cannot remove {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// A file of one of the export's tables (any format, page or compression), as the reader names them.
fn is_table_file(name: &str) -> bool {
    crate::ingest::source::table_of(name).is_some()
}
