//! The fuzz targets' inputs, replayed through their own harness (`fuzz/harness.rs`): the committed seed corpus
//! (`fuzz/seeds/<target>/`) must load and actually be read, and every input a fuzzer found a bug with
//! (`tests/fixtures/fuzz/<target>/`) must give a result, never a panic.

#[path = "../../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

use dvposture::ingest::problem::ProblemKind;
use dvposture::ingest::{Export, TableInput};
use harness::{run_config, run_reader, Case, Target, BASE};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The files of a folder, sorted; none when it does not exist.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// Replays one reader input in a directory of its own, as the fuzz target does; `load` must return.
fn replay(target: Target, file: &Path) -> (Case, Export) {
    let data = std::fs::read(file).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (case, result) = run_reader(dir.path(), target, &data);
    let export = result.unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    (case, export)
}

/// The fuzzed table's input, which must list the fuzzed file: it was found and read, not ignored.
fn fuzzed_input<'a>(case: &Case, export: &'a Export, file: &Path) -> &'a TableInput {
    let input = export.input(case.table).unwrap();
    assert!(
        input.files.contains(&case.file_name),
        "{}: {} was not read as `{}` (files: {:?}, ignored: {:?})",
        file.display(),
        case.file_name,
        case.table,
        input.files,
        export.ignored_files
    );
    input
}

#[test]
fn every_reader_seed_is_read_with_rows() {
    let mut count = 0;
    for target in Target::READERS {
        let seeds = inputs(&root().join("fuzz/seeds").join(target.name()));
        assert!(!seeds.is_empty(), "no seeds for {}", target.name());
        for file in seeds {
            let (case, export) = replay(target, &file);
            let input = fuzzed_input(&case, &export, &file);
            assert!(input.rows > 0, "{}: no row read: {:?}", file.display(), input.problems);
            assert!(
                input.problems.iter().all(|p| p.kind != ProblemKind::UnreadableFile),
                "{}: {:?}",
                file.display(),
                input.problems
            );
            count += 1;
        }
    }
    assert!(count >= 20, "{count} seeds");
}

#[test]
fn the_base_tables_make_a_usable_export_around_the_fuzzed_file() {
    // A valid file of a table outside the base leaves the export usable, with the base tables read.
    let seed = root().join("fuzz/seeds/odata_json/roleprivilegescollection");
    let (_, export) = replay(Target::OdataJson, &seed);
    assert!(export.is_usable(), "{:?}", export.fatal);
    for (table, _) in BASE {
        assert_eq!(export.input(table).unwrap().rows, 1, "{table}");
    }
    // Page 2 of a base table is read after the base file, its page 1.
    let seed = root().join("fuzz/seeds/odata_json/systemusers-webapi-page2");
    let (case, export) = replay(Target::OdataJson, &seed);
    assert_eq!(case.file_name, "systemusers.2.json");
    let input = fuzzed_input(&case, &export, &seed);
    assert_eq!(input.files, ["systemusers.json", "systemusers.2.json"]);
    assert!(input.rows >= 2);
}

#[test]
fn every_config_seed_parses() {
    let seeds = inputs(&root().join("fuzz/seeds/config"));
    assert!(!seeds.is_empty());
    for file in seeds {
        let config = run_config(&std::fs::read(&file).unwrap());
        assert!(config.is_ok(), "{}: {}", file.display(), config.unwrap_err());
    }
}

/// Every input kept for a target (`tests/fixtures/fuzz/<target>/`: the fuzzer's findings, none so far, and
/// hand-made broken inputs in the targets' encoding): `load` returns, the fuzzed file is read, and what was wrong with it is
/// reported as a problem of its table; a config input gives a positioned error. Refine the expectation per file
/// when a finding needs another one.
#[test]
fn every_fuzz_finding_is_reported_not_a_panic() {
    for target in Target::READERS {
        for file in inputs(&root().join("tests/fixtures/fuzz").join(target.name())) {
            let (case, export) = replay(target, &file);
            let input = fuzzed_input(&case, &export, &file);
            assert!(input.problem_count > 0, "{}: no problem reported", file.display());
        }
    }
    for file in inputs(&root().join("tests/fixtures/fuzz/config")) {
        let error = run_config(&std::fs::read(&file).unwrap()).expect_err("a bad config is an error");
        assert!(error.line > 0, "{}: {error}", file.display());
    }
}
