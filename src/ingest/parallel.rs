//! Reading a big table on every core: its files, and the lines of a large NDJSON file in byte ranges, are
//! pieces read on their own, each into a log of its own; the logs (and what the table's code collected from
//! each piece) are put together in reading order, so that the outcome is what reading the files one after
//! the other gives: the same rows, counts, problems and positions.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::reader::{finish, read_piece, Buffers, ByteRange, Piece, TableLog};
use super::row::{Row, RowResult, Schema};
use super::source::{Format, SourceFile};
use super::text;

/// The bytes of NDJSON text a piece covers.
pub const RANGE: u64 = 32 << 20;

/// The pieces of a table's files, in reading order: a byte range of `range` bytes of a plain UTF-8 NDJSON file,
/// a whole file otherwise (a compressed or UTF-16 file is read whole and in order, as are JSON and CSV files).
fn pieces(files: &[SourceFile], range: u64) -> Vec<Piece> {
    let mut out = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let plain = (file.format == Format::NdJson && !file.gzip)
            .then(|| text_span(file))
            .flatten();
        let Some((start, len)) = plain else {
            out.push(Piece { file: i, range: None });
            continue;
        };
        let mut at = start;
        loop {
            let end = at.saturating_add(range).min(len);
            out.push(Piece {
                file: i,
                range: Some(ByteRange {
                    start: at,
                    end,
                    first: at == start,
                }),
            });
            if end >= len {
                break;
            }
            at = end;
        }
    }
    out
}

/// Where the UTF-8 text of a plain file starts (after its byte-order mark), and its size; `None` when the
/// file is not UTF-8 text or cannot be read (the whole-file reader says why).
fn text_span(file: &SourceFile) -> Option<(u64, u64)> {
    let mut f = std::fs::File::open(&file.path).ok()?;
    let len = f.metadata().ok()?.len();
    let mut head = Vec::with_capacity(512);
    (&mut f).take(512).read_to_end(&mut head).ok()?;
    Some((text::utf8_start(&head)?, len))
}

/// The pieces read so far, put together in reading order.
struct Assembly<'a, P, M> {
    files: &'a [SourceFile],
    log: &'a mut TableLog,
    merge: M,
    /// The next piece to put in.
    next: usize,
    /// Pieces read before one that precedes them.
    waiting: BTreeMap<usize, (Piece, TableLog, u64, P)>,
    /// The file of the last piece put in, and how many of its lines were in the pieces so far.
    file: Option<usize>,
    lines: u64,
    /// A file could not be read: the pieces after it are not (the reader stops there).
    stopped: bool,
}

impl<P, M: FnMut(P)> Assembly<'_, P, M> {
    fn put(&mut self, index: usize, piece: Piece, log: TableLog, lines: u64, part: P) {
        self.waiting.insert(index, (piece, log, lines, part));
        while let Some((piece, log, lines, part)) = self.waiting.remove(&self.next) {
            self.next += 1;
            if self.stopped {
                continue;
            }
            if self.file != Some(piece.file) {
                self.file = Some(piece.file);
                self.lines = 0;
                if let Some(f) = self.files.get(piece.file) {
                    self.log.files.push(f.name.clone());
                }
            }
            self.stopped = log.unreadable.is_some();
            self.log.absorb(log, self.lines);
            self.lines += lines;
            (self.merge)(part);
        }
    }
}

/// Reads a table's files in pieces on every core, with what [`super::reader::read_table`] does for each row
/// and file. Each reading thread has a worker (`new_worker`) that `on_row` gives the rows to; after each piece
/// `end_piece` takes what the worker collected from it, and `merge` is given that in reading order. Returns the
/// workers. A table with CSV files is read one piece after the other (a CSV file whose header lacks a required
/// column makes the files after it be read without their rows).
pub fn read_table_parallel<W: Send, P: Send>(
    files: &[SourceFile],
    schema: &Schema,
    log: &mut TableLog,
    new_worker: impl Fn() -> W + Sync,
    on_row: impl Fn(&mut W, &Row) -> RowResult<()> + Sync,
    end_piece: impl Fn(&mut W) -> P + Sync,
    merge: impl FnMut(P) + Send,
) -> Vec<W> {
    read_pieces(files, schema, log, RANGE, new_worker, on_row, end_piece, merge)
}

#[allow(clippy::too_many_arguments)]
fn read_pieces<W: Send, P: Send>(
    files: &[SourceFile],
    schema: &Schema,
    log: &mut TableLog,
    range: u64,
    new_worker: impl Fn() -> W + Sync,
    on_row: impl Fn(&mut W, &Row) -> RowResult<()> + Sync,
    end_piece: impl Fn(&mut W) -> P + Sync,
    merge: impl FnMut(P) + Send,
) -> Vec<W> {
    log.begin(schema);
    let table = log.table;
    let pieces = pieces(files, range);
    let in_order = files.iter().any(|f| f.format == Format::Csv);
    let threads = if in_order { 1 } else { rayon::current_num_threads() };
    let next = AtomicUsize::new(0);
    // The first piece that could not be read: no piece after it is read.
    let last = AtomicUsize::new(usize::MAX);
    let assembly = Mutex::new(Assembly {
        files,
        log,
        merge,
        next: 0,
        waiting: BTreeMap::new(),
        file: None,
        lines: 0,
        stopped: false,
    });
    let workers = Mutex::new(Vec::new());
    rayon::scope(|s| {
        for _ in 0..threads.clamp(1, pieces.len().max(1)) {
            s.spawn(|_| {
                let mut worker = new_worker();
                let mut buffers = Buffers::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&piece) = pieces.get(i) else { break };
                    if i > last.load(Ordering::Relaxed) {
                        break;
                    }
                    // Pieces are put together as soon as they are read, so in order, the log says whether a
                    // problem that stops the run precedes this piece.
                    let fatal_before = in_order && !lock(&assembly).log.fatal.is_empty();
                    let mut piece_log = TableLog::piece(table, schema, fatal_before);
                    let lines = read_piece(
                        files,
                        piece,
                        schema,
                        &mut piece_log,
                        &mut |row| on_row(&mut worker, row),
                        &mut buffers,
                    );
                    if piece_log.unreadable.is_some() {
                        last.fetch_min(i, Ordering::Relaxed);
                    }
                    let part = end_piece(&mut worker);
                    lock(&assembly).put(i, piece, piece_log, lines, part);
                }
                lock(&workers).push(worker);
            });
        }
    });
    let assembly = assembly.into_inner().unwrap_or_else(|e| e.into_inner());
    if !assembly.stopped {
        finish(schema, assembly.log);
    }
    workers.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// A lock that a panic on another thread (which rayon passes on) does not make unusable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::reader::read_table;
    use crate::ingest::row::Col;

    fn schema() -> Schema {
        let mut s = Schema::new("audits");
        s.required("createdon");
        s.col("action");
        s.defaulted("isdefault", "false");
        s
    }

    /// A row as the table code sees it.
    fn describe(row: &Row) -> RowResult<String> {
        let created = row.required_text(Col(0))?;
        let action = row.int(Col(1))?;
        Ok(format!("{created}/{action:?}"))
    }

    fn file(dir: &std::path::Path, name: &str, bytes: &[u8], page: u32) -> SourceFile {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        SourceFile {
            path,
            name: name.to_string(),
            format: if name.contains(".ndjson") {
                Format::NdJson
            } else {
                Format::Json
            },
            gzip: false,
            page,
        }
    }

    /// What a table's log says, to compare.
    fn summary(log: &TableLog) -> String {
        format!(
            "{:?} rows={} in_files={} skipped={} count={} kept={:#?} fatal={:?} unreadable={:?}",
            log.files,
            log.rows,
            log.rows_in_files,
            log.skipped,
            log.problems.count,
            log.problems.kept,
            log.fatal,
            log.unreadable
        )
    }

    /// Reads `files` one after the other and in pieces of `range` bytes, and checks that both give the same.
    fn same_as_in_order(files: &[SourceFile], range: u64) {
        let s = schema();
        let mut expected_rows = Vec::new();
        let mut expected = TableLog::new("audits");
        read_table(files, &s, &mut expected, &mut |row| {
            expected_rows.push(describe(row)?);
            Ok(())
        });
        let mut rows = Vec::new();
        let mut log = TableLog::new("audits");
        let workers = read_pieces(
            files,
            &s,
            &mut log,
            range,
            Vec::new,
            |w: &mut Vec<String>, row| {
                w.push(describe(row)?);
                Ok(())
            },
            std::mem::take,
            |part| rows.extend(part),
        );
        assert!(workers.iter().all(Vec::is_empty));
        assert_eq!(rows, expected_rows, "range {range}");
        assert_eq!(summary(&log), summary(&expected), "range {range}");
    }

    const LINES: &[&str] = &[
        r#"{"createdon":"2024-01-01T00:00:00Z","action":1}"#,
        r#"  {"createdon":"2024-01-02","action":"x"}  "#,
        r#"{"action":3}"#,
        "",
        "   ",
        "{not json",
        "\u{FEFF}{\"createdon\":\"a\"}",
        "{\"createdon\":\"\\u00e9\",\"action\":2}",
        "{\"createdon\":\"b\",\"action\":2,\"action\":3}",
        "[1]",
        "{\"createdon\":\"c\",\"isdefault\":true}\r",
    ];

    fn ndjson(picks: &[usize], bom: bool, final_newline: bool, bad_utf8_at: Option<usize>) -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend_from_slice(b"\xEF\xBB\xBF");
        }
        for (k, &i) in picks.iter().enumerate() {
            if k > 0 {
                out.push(b'\n');
            }
            if bad_utf8_at == Some(k) {
                out.extend_from_slice(b"{\"createdon\":\"\xFF\"}");
            }
            out.extend_from_slice(LINES[i % LINES.len()].as_bytes());
        }
        if final_newline {
            out.push(b'\n');
        }
        out
    }

    #[test]
    fn ndjson_in_byte_ranges_reads_as_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let picks: Vec<usize> = (0..60).map(|i| (i * 7 + i / 3) % LINES.len()).collect();
        let files = [
            file(dir.path(), "audits.ndjson", &ndjson(&picks, true, false, Some(5)), 1),
            file(
                dir.path(),
                "audits.2.ndjson",
                &ndjson(&picks[..13], false, true, None),
                2,
            ),
            file(dir.path(), "audits.3.ndjson", b"", 3),
            file(dir.path(), "audits.4.ndjson", b"\n\n\n", 4),
        ];
        for range in [1, 2, 3, 5, 17, 50, 64, 100, 1000, RANGE] {
            same_as_in_order(&files, range);
        }
    }

    #[test]
    fn a_file_that_cannot_be_read_stops_the_table_as_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let picks: Vec<usize> = (0..20).collect();
        let page = r#"{"value":[{"createdon":"p","action":5},{"createdon":"q","action":"z"}],"@odata.nextLink":"n"}"#;
        let files = [
            file(dir.path(), "audits.ndjson", &ndjson(&picks, false, true, None), 1),
            file(dir.path(), "audits.2.json", page.as_bytes(), 2),
            file(dir.path(), "audits.3.json", b"{\"value\": [", 3),
            file(dir.path(), "audits.4.ndjson", &ndjson(&picks, false, true, None), 4),
        ];
        for range in [4, 40, RANGE] {
            same_as_in_order(&files, range);
            same_as_in_order(&files[..2], range);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_ndjson_in_any_ranges_reads_as_in_order(
            picks in proptest::collection::vec(0..LINES.len(), 0..40),
            bom: bool,
            final_newline: bool,
            bad in proptest::option::of(0..40usize),
            range in 1..200u64,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let files = [file(dir.path(), "audits.ndjson", &ndjson(&picks, bom, final_newline, bad), 1)];
            same_as_in_order(&files, range);
        }
    }
}
