//! How a fuzz input becomes an export directory and a call of the public API. Shared by the fuzz targets
//! (`fuzz/src/lib.rs`) and by `tests/it/fuzz_regressions.rs`, which includes this file with `#[path]`, so that
//! a saved crash is replayed exactly as the fuzzer ran it. Only `dvposture`'s public API, `flate2` and `std`.
//!
//! Reader targets: the first byte of the input chooses the file name (table, page, spelling; for `gzip`, the
//! format and whether the rest is already a gzip stream); the rest is the file's content. The three required
//! tables are written beside it (tiny and valid) unless the fuzzed file is one of them, so that `load` resolves a
//! real tenant around the fuzzed table.

use std::io::Write;
use std::path::Path;

use dvposture::config::{Config, ConfigError};
use dvposture::ingest::source::TABLES;
use dvposture::ingest::{load, Export, LoadError, LoadOptions};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    OdataJson,
    Ndjson,
    Csv,
    Gzip,
}

impl Target {
    pub const READERS: [Target; 4] = [Target::OdataJson, Target::Ndjson, Target::Csv, Target::Gzip];

    /// The fuzz target's name (`cargo fuzz run <name>`, `fuzz/seeds/<name>/`, `tests/fixtures/fuzz/<name>/`).
    pub fn name(self) -> &'static str {
        match self {
            Target::OdataJson => "odata_json",
            Target::Ndjson => "ndjson",
            Target::Csv => "csv",
            Target::Gzip => "gzip",
        }
    }
}

/// The required tables, one row each, forming a valid tenant (one root business unit, a user and a role in it).
pub const BASE: [(&str, &str); 3] = [
    (
        "businessunits",
        r#"{"value":[{"businessunitid":"a0000000-0000-0000-0000-000000000001","name":"Root","_parentbusinessunitid_value":null}]}"#,
    ),
    (
        "systemusers",
        r#"{"value":[{"systemuserid":"b0000000-0000-0000-0000-000000000001","fullname":"Base User","_businessunitid_value":"a0000000-0000-0000-0000-000000000001"}]}"#,
    ),
    (
        "roles",
        r#"{"value":[{"roleid":"c0000000-0000-0000-0000-000000000001","name":"Base Role","_businessunitid_value":"a0000000-0000-0000-0000-000000000001"}]}"#,
    ),
];

/// One fuzz input, decoded: which file it becomes and what it holds.
#[derive(Clone, Debug)]
pub struct Case {
    /// The canonical table (as in `Export::inputs`).
    pub table: &'static str,
    pub file_name: String,
    pub contents: Vec<u8>,
    /// The base file of `table` stays beside the fuzzed one (the fuzzed file is its page 2, same format).
    pub keeps_base_page: bool,
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("compressing in memory");
    enc.finish().expect("compressing in memory")
}

/// Decodes a reader target's input: byte 0 chooses the name, the rest is the file.
pub fn case(target: Target, data: &[u8]) -> Case {
    let (selector, rest) = match data.split_first() {
        Some((&b, rest)) => (b as usize, rest),
        None => (0, data),
    };
    let table = TABLES[selector % TABLES.len()];
    let high = selector / TABLES.len();
    if target == Target::Gzip {
        // 3 formats x (raw gzip stream | plain text the harness compresses).
        let ext = ["json", "ndjson", "csv"][high % 3];
        let compress = (high / 3) % 2 == 1;
        return Case {
            table,
            file_name: format!("{table}.{ext}.gz"),
            contents: if compress { gzip(rest) } else { rest.to_vec() },
            keeps_base_page: false,
        };
    }
    let ext = match target {
        Target::OdataJson => "json",
        Target::Ndjson => "ndjson",
        _ => "csv",
    };
    // Variants: NAME.ext, NAME.1.ext, NAME.2.ext (page 2), and another spelling of the name.
    let file_name = match high % 4 {
        0 => format!("{table}.{ext}"),
        1 => format!("{table}.1.{ext}"),
        2 => format!("{table}.2.{ext}"),
        _ if table == "privilegeobjecttypecodesset" => format!("privilegeobjecttypecodescollection.{ext}"),
        _ if target == Target::Ndjson => format!("{table}.jsonl"),
        _ => format!("{table}.{ext}").to_ascii_uppercase(),
    };
    Case {
        table,
        file_name,
        contents: rest.to_vec(),
        keeps_base_page: high % 4 == 2 && target == Target::OdataJson,
    }
}

/// Empties `dir` and writes the base tables and the fuzzed file into it.
pub fn prepare(dir: &Path, case: &Case) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        std::fs::remove_file(entry?.path())?;
    }
    for (table, text) in BASE {
        if table != case.table || case.keeps_base_page {
            std::fs::write(dir.join(format!("{table}.json")), text)?;
        }
    }
    std::fs::write(dir.join(&case.file_name), &case.contents)
}

/// What a reader target does with one input in `dir` (an empty directory of its own): whatever `load` says is
/// fine, as long as it returns. Problems are formatted too (their `Display` runs on every message).
pub fn run_reader(dir: &Path, target: Target, data: &[u8]) -> (Case, Result<Export, LoadError>) {
    let case = case(target, data);
    prepare(dir, &case).expect("writing the export directory");
    let result = load(dir, &LoadOptions::default());
    if let Ok(export) = &result {
        for input in &export.inputs {
            for p in &input.problems {
                std::hint::black_box(p.to_string());
            }
        }
    }
    (case, result)
}

/// What the `config` target does with one input.
pub fn run_config(data: &[u8]) -> Result<Config, ConfigError> {
    let text = String::from_utf8_lossy(data);
    let result = Config::parse("dvposture.toml", &text);
    if let Err(e) = &result {
        std::hint::black_box(e.to_string());
    }
    result
}
