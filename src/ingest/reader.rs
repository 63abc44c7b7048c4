//! The one reader for every table: OData JSON (paged or single-entity), bare JSON arrays, NDJSON and CSV,
//! each optionally gzip-compressed. It hands typed rows to the table's code and turns every problem into a
//! positioned [`Problem`].

// A whole-file failure is returned once per file: its size does not matter.
#![allow(clippy::result_large_err)]

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::fmt;
use std::io::{BufRead, Seek};

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::problem::{Problem, ProblemKind, ProblemLog};
use super::row::{Cell, Col, Row, RowError, RowResult, Schema, Value};
use super::source::{Format, SourceFile};
use super::{fast, text};

/// The longest NDJSON line read; a longer one is skipped and reported (memory stays bounded).
pub const MAX_LINE: usize = 64 << 20;

/// What reading one table gave, apart from the rows themselves.
#[derive(Debug, Default)]
pub struct TableLog {
    pub table: &'static str,
    pub files: Vec<String>,
    /// Rows accepted.
    pub rows: u64,
    /// Rows seen in the files, accepted or not (compared with `totalrecordcount`).
    pub rows_in_files: u64,
    /// Malformed rows skipped plus identical duplicates dropped.
    pub skipped: u64,
    pub problems: ProblemLog,
    /// Problems that stop the run (exit code 2).
    pub fatal: Vec<Problem>,
    /// A file that could not be read at all: the whole table is dropped.
    pub unreadable: Option<Problem>,
    /// Columns seen in at least one row or header.
    seen: Vec<bool>,
    reported_total: Option<(String, i64)>,
    /// Problems that stop the run were found before this log's rows (a piece read on its own: see
    /// [`TableLog::absorb`]).
    fatal_before: bool,
}

impl TableLog {
    pub fn new(table: &'static str) -> TableLog {
        TableLog {
            table,
            ..Default::default()
        }
    }

    pub fn push(&mut self, p: Problem) {
        match p.kind {
            ProblemKind::SkippedRow | ProblemKind::DuplicateRow => self.skipped += 1,
            ProblemKind::Fatal => self.fatal.push(p.clone()),
            _ => {}
        }
        self.problems.push(p);
    }

    pub fn is_present(&self) -> bool {
        !self.files.is_empty() && self.unreadable.is_none()
    }

    /// Before the first file of a table.
    pub(super) fn begin(&mut self, schema: &Schema) {
        self.seen = vec![false; schema.len()];
    }

    /// The log of one piece of a table read on its own, to be absorbed into the table's log in reading order.
    pub(super) fn piece(table: &'static str, schema: &Schema, fatal_before: bool) -> TableLog {
        TableLog {
            table,
            seen: vec![false; schema.len()],
            fatal_before,
            ..Default::default()
        }
    }

    /// Adds what a piece's log says after what this log says, as if the piece had been read into this log;
    /// `line_offset` is how many lines of the piece's file precede the piece (its lines are numbered from 1).
    pub(super) fn absorb(&mut self, piece: TableLog, line_offset: u64) {
        let shift = |mut p: Problem| {
            if let Some(line) = p.line.as_mut() {
                *line += line_offset;
            }
            p
        };
        self.rows += piece.rows;
        self.rows_in_files += piece.rows_in_files;
        self.skipped += piece.skipped;
        self.problems.count += piece.problems.count;
        let room = super::problem::KEPT_PROBLEMS.saturating_sub(self.problems.kept.len());
        self.problems
            .kept
            .extend(piece.problems.kept.into_iter().take(room).map(shift));
        self.fatal.extend(piece.fatal.into_iter().map(shift));
        for (mine, seen) in self.seen.iter_mut().zip(piece.seen) {
            *mine |= seen;
        }
        if self.reported_total.is_none() {
            self.reported_total = piece.reported_total;
        }
        if let Some(p) = piece.unreadable {
            self.unreadable = Some(shift(p));
        }
    }
}

/// Buffers reused from file to file and row to row by one reading thread.
#[derive(Default)]
pub(super) struct Buffers {
    /// A whole JSON file.
    text: Vec<u8>,
    /// An NDJSON line that did not fit in the read buffer.
    line: Vec<u8>,
    rows: Vec<usize>,
    tokens: Vec<fast::Token>,
    cells: Vec<Option<Cell<'static>>>,
    cache: fast::KeyCache,
}

/// A part of a table's files that is read on its own: a whole file, or the lines of a plain NDJSON file that
/// start in a byte range.
#[derive(Clone, Copy, Debug)]
pub(super) struct Piece {
    /// Index in the table's files.
    pub file: usize,
    pub range: Option<ByteRange>,
}

/// The lines that start at `start..end` of a file; the line at `start` when `first` (the start of the text),
/// else the first one after a line break at `start - 1` or later.
#[derive(Clone, Copy, Debug)]
pub(super) struct ByteRange {
    pub start: u64,
    pub end: u64,
    pub first: bool,
}

/// Reads one piece into `log` (the piece's own, see [`TableLog::piece`]); returns how many lines of its file
/// the piece spans (for the pieces of an NDJSON file that follow it). A file that cannot be read sets
/// `log.unreadable`.
pub(super) fn read_piece(
    files: &[SourceFile],
    piece: Piece,
    schema: &Schema,
    log: &mut TableLog,
    on_row: &mut dyn FnMut(&Row) -> RowResult<()>,
    buffers: &mut Buffers,
) -> u64 {
    let Some(file) = files.get(piece.file) else { return 0 };
    let mut reading = Reading {
        schema,
        file: &file.name,
        log,
        on_row,
    };
    let outcome = match (piece.range, file.format) {
        (Some(range), _) => read_ndjson_range(file, range, &mut reading, buffers),
        (None, Format::Json) => read_json_file(file, &mut reading, piece.file + 1 == files.len(), buffers).map(|()| 0),
        (None, Format::NdJson) => read_ndjson_file(file, &mut reading, buffers),
        (None, Format::Csv) => read_csv_file(file, &mut reading).map(|()| 0),
    };
    match outcome {
        Ok(lines) => lines,
        Err(p) => {
            log.problems.push(p.clone());
            log.unreadable = Some(p);
            0
        }
    }
}

/// Byte offset -> (line, column), both 1-based, computed only when a problem needs it.
struct Lines<'a> {
    text: &'a [u8],
    starts: OnceCell<Vec<usize>>,
    first_line: u64,
}

impl<'a> Lines<'a> {
    fn new(text: &'a [u8], first_line: u64) -> Lines<'a> {
        Lines {
            text,
            starts: OnceCell::new(),
            first_line,
        }
    }

    fn position(&self, offset: usize) -> (u64, u64) {
        let starts = self.starts.get_or_init(|| {
            std::iter::once(0)
                .chain(
                    self.text
                        .iter()
                        .enumerate()
                        .filter(|(_, &b)| b == b'\n')
                        .map(|(i, _)| i + 1),
                )
                .collect()
        });
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let col = offset - starts[line - 1] + 1;
        (self.first_line + line as u64 - 1, col as u64)
    }
}

/// The JSON path of a row, formatted only when a problem needs it.
#[derive(Clone, Copy)]
enum RowPath {
    /// An NDJSON line.
    Line,
    /// A single-entity response.
    Root,
    /// Item `i` of the array at the prefix (`$` or `$.value`).
    Item(&'static str, usize),
}

impl RowPath {
    fn render(self) -> Option<String> {
        match self {
            RowPath::Line => None,
            RowPath::Root => Some("$".to_string()),
            RowPath::Item(prefix, i) => Some(format!("{prefix}[{i}]")),
        }
    }
}

/// Where the row being read is, to position its problems.
enum Place<'a> {
    Json {
        lines: &'a Lines<'a>,
        base: usize,
        row_offset: usize,
        path: RowPath,
    },
    Csv {
        line: u64,
    },
}

struct Reading<'a, 'f> {
    schema: &'a Schema,
    file: &'a str,
    log: &'a mut TableLog,
    on_row: &'a mut (dyn FnMut(&Row) -> RowResult<()> + 'f),
}

impl Reading<'_, '_> {
    fn problem_at(&self, place: &Place, cells: &[Option<Cell>], e: RowError) -> Problem {
        let field = e.col.map(|c| self.schema.name(c).to_string());
        let cell = e.col.and_then(|c| cells.get(c.0).copied().flatten());
        let (line, column, json_path) = match place {
            Place::Json {
                lines,
                base,
                row_offset,
                path,
            } => {
                let offset = cell.map(|c| c.offset).unwrap_or(*row_offset);
                let (l, c) = lines.position(offset.saturating_sub(*base));
                (l, c, path.render())
            }
            Place::Csv { line } => (*line, cell.map(|c| c.offset as u64 + 1).unwrap_or(1), None),
        };
        Problem {
            file: self.file.to_string(),
            line: Some(line),
            column: Some(column),
            json_path,
            field,
            kind: e.kind,
            message: e.message,
        }
    }

    /// Counts and reports a JSON row that could not be read, at the error's position when it has one.
    fn skip_object(&mut self, place: &Place, e: ObjectError) {
        self.log.rows_in_files += 1;
        let moved;
        let place = match (place, e.at) {
            (Place::Json { lines, base, path, .. }, Some(at)) => {
                moved = Place::Json {
                    lines,
                    base: *base,
                    row_offset: at,
                    path: *path,
                };
                &moved
            }
            _ => place,
        };
        let error = RowError {
            col: e.col,
            kind: ProblemKind::SkippedRow,
            message: e.message,
        };
        let p = self.problem_at(place, &[], error);
        self.log.push(p);
    }

    /// Hands one row to the table's code; records what it said.
    fn deliver(&mut self, place: &Place, cells: &[Option<Cell>]) {
        self.log.rows_in_files += 1;
        for (i, c) in cells.iter().enumerate() {
            if c.is_some() {
                self.log.seen[i] = true;
            }
        }
        let mut result = Ok(());
        for (i, spec) in self.schema.cols.iter().enumerate() {
            let empty = match cells[i].map(|c| c.value) {
                None => true,
                Some(Value::Text(t)) => t.trim().is_empty(),
                Some(Value::Json(raw)) => raw == "null" || raw == "\"\"",
            };
            if spec.required && empty {
                result = Err(RowError::field(super::row::Col(i), "required value is missing"));
                break;
            }
        }
        let row = Row {
            schema: self.schema,
            cells,
            notes: RefCell::new(Vec::new()),
        };
        if result.is_ok() {
            result = (self.on_row)(&row);
        }
        let notes = row.notes.into_inner();
        match result {
            Ok(()) => self.log.rows += 1,
            Err(e) => {
                let p = self.problem_at(place, cells, e);
                self.log.push(p);
            }
        }
        for n in notes {
            let p = self.problem_at(place, cells, n);
            self.log.push(p);
        }
    }
}

/// Reads every file of a table in page order. A file that cannot be read at all sets `log.unreadable` and
/// stops: the caller drops what it collected.
pub fn read_table(
    files: &[SourceFile],
    schema: &Schema,
    log: &mut TableLog,
    on_row: &mut dyn FnMut(&Row) -> RowResult<()>,
) {
    log.begin(schema);
    let mut buffers = Buffers::default();
    for (i, file) in files.iter().enumerate() {
        log.files.push(file.name.clone());
        read_piece(files, Piece { file: i, range: None }, schema, log, on_row, &mut buffers);
        if log.unreadable.is_some() {
            return;
        }
    }
    finish(schema, log);
}

/// After the last file: columns no row had, and the row count the export announced.
pub(super) fn finish(schema: &Schema, log: &mut TableLog) {
    if log.rows_in_files > 0 {
        for (i, spec) in schema.cols.iter().enumerate() {
            if log.seen[i] || spec.hidden {
                continue;
            }
            let file = log.files.first().cloned().unwrap_or_default();
            if spec.required {
                log.push(Problem {
                    field: Some(spec.name.clone()),
                    ..Problem::file_level(
                        &file,
                        ProblemKind::Fatal,
                        "required column is missing from every row: add it to the export's $select or header",
                    )
                });
            } else if let Some(default) = spec.default_note {
                log.push(Problem {
                    field: Some(spec.name.clone()),
                    ..Problem::file_level(
                        &file,
                        ProblemKind::Note,
                        format!("column is absent; every row takes the default {default}"),
                    )
                });
            }
        }
    }
    if let Some((file, total)) = log.reported_total.take() {
        if total >= 0 && total as u64 != log.rows_in_files {
            log.push(Problem::file_level(
                &file,
                ProblemKind::Incomplete,
                format!(
                    "the export looks incomplete: @Microsoft.Dynamics.CRM.totalrecordcount says {total} rows, the files hold {}",
                    log.rows_in_files
                ),
            ));
        }
    }
}

fn unreadable(file: &str, line: Option<u64>, column: Option<u64>, message: impl fmt::Display) -> Problem {
    Problem {
        line,
        column,
        ..Problem::file_level(file, ProblemKind::UnreadableFile, message.to_string())
    }
}

fn json_syntax(file: &str, e: &serde_json::Error) -> Problem {
    let msg = e.to_string();
    // serde_json appends " at line L column C"; the position is carried separately.
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    let hint = if e.is_eof() { " (the file is truncated)" } else { "" };
    // serde_json says column 0 for a position at the start of a line (before its first character).
    unreadable(
        file,
        Some(e.line() as u64),
        Some(e.column().max(1) as u64),
        format!("invalid JSON: {msg}{hint}"),
    )
}

#[derive(serde::Deserialize)]
struct ODataPage<'a> {
    #[serde(borrow)]
    value: Option<Vec<&'a RawValue>>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<Cow<'a, str>>,
    #[serde(rename = "@Microsoft.Dynamics.CRM.totalrecordcount")]
    total_record_count: Option<i64>,
    #[serde(rename = "@odata.count")]
    count: Option<i64>,
}

fn read_json_file(file: &SourceFile, r: &mut Reading, is_last: bool, buffers: &mut Buffers) -> Result<(), Problem> {
    let note = text::read_whole_into(&file.path, file.gzip, &mut buffers.text)
        .map_err(|e| unreadable(&file.name, None, None, e))?;
    if let Some(note) = note {
        r.log.push(Problem::file_level(&file.name, ProblemKind::Note, note));
    }
    let bytes = buffers.text.as_slice();
    let lines = Lines::new(bytes, 1);
    let base = bytes.as_ptr() as usize;
    if let Ok(text) = std::str::from_utf8(bytes) {
        let mut page = fast::Page::new(std::mem::take(&mut buffers.rows), std::mem::take(&mut buffers.tokens));
        let read = fast::page(text, r.schema, &mut buffers.cache, &mut page).is_some();
        if read {
            page_notes(file, r, is_last, page.has_next_link, page.total);
            let mut cells = recycle(std::mem::take(&mut buffers.cells), r.schema.len());
            for (i, &row_offset) in page.rows.iter().enumerate() {
                let place = Place::Json {
                    lines: &lines,
                    base,
                    row_offset: base + row_offset,
                    path: RowPath::Item(page.prefix, i),
                };
                page.row(text, i, &mut cells);
                r.deliver(&place, &cells);
            }
            buffers.cells = recycle(cells, 0);
        }
        (buffers.rows, buffers.tokens) = page.into_parts();
        if read {
            return Ok(());
        }
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    let (rows, prefix): (Vec<&RawValue>, Option<&'static str>) = match first {
        Some(b'[') => (
            serde_json::from_slice(bytes).map_err(|e| json_syntax(&file.name, &e))?,
            Some("$"),
        ),
        Some(b'{') => {
            let page: ODataPage = serde_json::from_slice(bytes).map_err(|e| json_syntax(&file.name, &e))?;
            page_notes(
                file,
                r,
                is_last,
                page.next_link.is_some(),
                page.total_record_count.or(page.count),
            );
            match page.value {
                Some(rows) => (rows, Some("$.value")),
                None => (
                    vec![serde_json::from_slice(bytes).map_err(|e| json_syntax(&file.name, &e))?],
                    None,
                ),
            }
        }
        Some(_) => {
            let (l, c) = lines.position(bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0));
            return Err(unreadable(
                &file.name,
                Some(l),
                Some(c),
                "expected a JSON object (an OData response) or array",
            ));
        }
        None => return Ok(()),
    };
    let mut cells: Vec<Option<Cell>> = Vec::with_capacity(r.schema.len());
    for (i, raw) in rows.iter().enumerate() {
        let row_offset = raw.get().as_ptr() as usize;
        let place = Place::Json {
            lines: &lines,
            base,
            row_offset,
            path: prefix.map_or(RowPath::Root, |p| RowPath::Item(p, i)),
        };
        cells.clear();
        cells.resize(r.schema.len(), None);
        match parse_object(raw.get(), r.schema, &mut cells) {
            Ok(()) => r.deliver(&place, &cells),
            Err(e) => r.skip_object(&place, e),
        }
    }
    Ok(())
}

/// What a page's envelope says about the export's completeness.
fn page_notes(file: &SourceFile, r: &mut Reading, is_last: bool, has_next_link: bool, total: Option<i64>) {
    if is_last && has_next_link {
        r.log.push(Problem::file_level(
            &file.name,
            ProblemKind::Incomplete,
            "the export looks incomplete: the last page still carries @odata.nextLink; save the following pages as NAME.2.json, NAME.3.json, ...",
        ));
    }
    if let Some(total) = total {
        r.log.reported_total.get_or_insert((file.name.clone(), total));
    }
}

/// What a row whose column is given twice with different values is told (JSON keys and CSV headers alike).
const GIVEN_TWICE: &str =
    "the column is given twice with different values (a repeated name, or both spellings of a lookup): which one is meant is unclear";

/// Why a row object could not be read, and where when that is known: an absolute address in the text (a
/// syntax error, or the second value of a column given twice) and the column.
struct ObjectError {
    message: String,
    at: Option<usize>,
    col: Option<Col>,
}

/// Collects the schema's columns from one JSON object. Cells borrow from `text`, and their offsets are
/// absolute addresses (the caller subtracts the buffer's base). A column given twice keeps its first non-null
/// value; a second, different non-null value is an error (which one is meant is unclear).
fn parse_object<'a>(text: &'a str, schema: &Schema, cells: &mut Vec<Option<Cell<'a>>>) -> Result<(), ObjectError> {
    struct RowVisitor<'s, 'c, 'a> {
        schema: &'s Schema,
        cells: &'c mut Vec<Option<Cell<'a>>>,
        /// The column given twice and the address of its second value.
        twice: &'c mut Option<(Col, usize)>,
    }
    impl<'de, 's, 'c> Visitor<'de> for RowVisitor<'s, 'c, 'de> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object (one row)")
        }
        fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                match self.schema.match_key(&key) {
                    Some(col) => {
                        let raw: &'de RawValue = map.next_value()?;
                        let raw = raw.get();
                        // Both spellings of a lookup may be present; the first non-null one wins.
                        if let Some(slot) = self.cells.get_mut(col.0) {
                            match slot {
                                Some(Cell {
                                    value: Value::Json(first),
                                    ..
                                }) if *first != "null" => {
                                    if raw != "null" && raw != *first {
                                        *self.twice = Some((col, raw.as_ptr() as usize));
                                        return Err(serde::de::Error::custom(GIVEN_TWICE));
                                    }
                                }
                                _ => {
                                    *slot = Some(Cell {
                                        value: Value::Json(raw),
                                        offset: raw.as_ptr() as usize,
                                    })
                                }
                            }
                        }
                    }
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(())
        }
    }
    impl<'de, 's, 'c> DeserializeSeed<'de> for RowVisitor<'s, 'c, 'de> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }
    let mut twice = None;
    let mut de = serde_json::Deserializer::from_str(text);
    let result = RowVisitor {
        schema,
        cells,
        twice: &mut twice,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    let Err(e) = result else { return Ok(()) };
    if let Some((col, at)) = twice {
        return Err(ObjectError {
            message: GIVEN_TWICE.to_string(),
            at: Some(at),
            col: Some(col),
        });
    }
    let msg = e.to_string();
    // A syntax error is where serde_json says (its line and column are within `text`); a value of the wrong
    // type is reported at the start of the row.
    let at = match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            let line_start = match e.line() {
                0 | 1 => 0,
                l => memchr::memchr_iter(b'\n', text.as_bytes())
                    .nth(l - 2)
                    .map_or(text.len(), |p| p + 1),
            };
            Some(text.as_ptr() as usize + (line_start + e.column().max(1) - 1).min(text.len()))
        }
        _ => None,
    };
    Err(ObjectError {
        message: msg.split(" at line ").next().unwrap_or(&msg).to_string(),
        at,
        col: None,
    })
}

/// The size of the read buffer of NDJSON files.
const NDJSON_BUFFER: usize = 256 << 10;

fn read_ndjson_file(file: &SourceFile, r: &mut Reading, buffers: &mut Buffers) -> Result<u64, Problem> {
    let (mut reader, note) =
        text::open_stream(&file.path, file.gzip).map_err(|e| unreadable(&file.name, None, None, e))?;
    if let Some(note) = note {
        r.log.push(Problem::file_level(&file.name, ProblemKind::Note, note));
    }
    read_ndjson_lines(&mut reader, &file.name, r, u64::MAX, buffers)
}

/// The lines of a plain NDJSON file that start in `range`, numbered from 1.
fn read_ndjson_range(
    file: &SourceFile,
    range: ByteRange,
    r: &mut Reading,
    buffers: &mut Buffers,
) -> Result<u64, Problem> {
    let cannot = |line: Option<u64>, e: std::io::Error| unreadable(&file.name, line, None, text::TextError::Io(e));
    // Unless the range starts the text, the line break before its first line may be the byte before it.
    let mut at = if range.first {
        range.start
    } else {
        range.start.saturating_sub(1)
    };
    let mut f = std::fs::File::open(&file.path).map_err(|e| cannot(None, e))?;
    f.seek(std::io::SeekFrom::Start(at)).map_err(|e| cannot(None, e))?;
    let mut reader = std::io::BufReader::with_capacity(NDJSON_BUFFER, f);
    if !range.first {
        loop {
            let available = reader.fill_buf().map_err(|e| cannot(Some(1), e))?;
            if available.is_empty() || at >= range.end {
                return Ok(0);
            }
            let (used, found) = match memchr::memchr(b'\n', available) {
                Some(p) => (p + 1, true),
                None => (available.len(), false),
            };
            reader.consume(used);
            at += used as u64;
            if found {
                break;
            }
        }
    }
    if at >= range.end {
        return Ok(0);
    }
    read_ndjson_lines(&mut reader, &file.name, r, range.end - at, buffers)
}

/// Reads NDJSON lines until the end of the input or until `limit` bytes have been read (the line that starts
/// before the limit is read whole); returns how many lines were read. Lines are numbered from 1.
fn read_ndjson_lines(
    reader: &mut dyn BufRead,
    file: &str,
    r: &mut Reading,
    limit: u64,
    buffers: &mut Buffers,
) -> Result<u64, Problem> {
    let mut line_no: u64 = 0;
    let mut read: u64 = 0;
    let Buffers {
        line: buf,
        cells,
        cache,
        ..
    } = buffers;
    while read < limit {
        line_no += 1;
        let cannot = |e: std::io::Error| unreadable(file, Some(line_no), None, format!("cannot read the file: {e}"));
        // A line that is whole in the read buffer is read there; one that is not is copied.
        let available = reader.fill_buf().map_err(cannot)?;
        if available.is_empty() {
            return Ok(line_no - 1);
        }
        if let Some(p) = memchr::memchr(b'\n', available).filter(|&p| p <= MAX_LINE) {
            ndjson_line(available.get(..p).unwrap_or_default(), line_no, file, r, cells, cache);
            reader.consume(p + 1);
            read += p as u64 + 1;
            continue;
        }
        buf.clear();
        let Some((too_long, used)) = read_line_bounded(reader, buf).map_err(cannot)? else {
            return Ok(line_no - 1);
        };
        read += used as u64;
        if too_long {
            r.log.rows_in_files += 1;
            r.log.push(Problem {
                line: Some(line_no),
                column: Some(1),
                ..Problem::file_level(
                    file,
                    ProblemKind::SkippedRow,
                    format!("line longer than {} MiB skipped", MAX_LINE >> 20),
                )
            });
            continue;
        }
        ndjson_line(buf, line_no, file, r, cells, cache);
    }
    Ok(line_no)
}

/// One NDJSON line (without its line break).
fn ndjson_line(
    bytes: &[u8],
    line_no: u64,
    file: &str,
    r: &mut Reading,
    spare: &mut Vec<Option<Cell<'static>>>,
    cache: &mut fast::KeyCache,
) {
    let trimmed_end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    let bytes = bytes.get(..trimmed_end).unwrap_or_default();
    if bytes.is_empty() {
        return;
    }
    let line = match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            r.log.rows_in_files += 1;
            r.log.push(Problem {
                line: Some(line_no),
                column: Some(e.valid_up_to() as u64 + 1),
                ..Problem::file_level(file, ProblemKind::SkippedRow, "invalid UTF-8; save the file as UTF-8")
            });
            return;
        }
    };
    let lines = Lines::new(line.as_bytes(), line_no);
    let base = line.as_ptr() as usize;
    let start = line.bytes().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
    let place = Place::Json {
        lines: &lines,
        base,
        row_offset: base + start,
        path: RowPath::Line,
    };
    let mut cells = recycle(std::mem::take(spare), r.schema.len());
    let parsed = match fast::object(line, r.schema, cache, &mut cells) {
        Some(()) => Ok(()),
        None => {
            cells.iter_mut().for_each(|c| *c = None);
            parse_object(line, r.schema, &mut cells)
        }
    };
    match parsed {
        Ok(()) => r.deliver(&place, &cells),
        Err(e) => r.skip_object(&place, e),
    }
    *spare = recycle(cells, 0);
}

/// Reuses a cell buffer's allocation for the next row, whose cells borrow from another buffer
/// (an in-place collect: the element type is the same size, so no allocation happens).
fn recycle<'b>(mut cells: Vec<Option<Cell<'_>>>, len: usize) -> Vec<Option<Cell<'b>>> {
    cells.clear();
    let mut v: Vec<Option<Cell<'b>>> = cells.into_iter().map(|_| None).collect();
    v.resize(len, None);
    v
}

/// Reads one line into `buf` (without the newline). `None` at the end of the input; else whether the line was
/// longer than [`MAX_LINE`] (and was discarded) and how many bytes were read, the newline included.
fn read_line_bounded(reader: &mut dyn BufRead, buf: &mut Vec<u8>) -> std::io::Result<Option<(bool, usize)>> {
    let mut any = false;
    let mut too_long = false;
    let mut used = 0;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(any.then_some((too_long, used)));
        }
        any = true;
        let (chunk, done) = match memchr::memchr(b'\n', available) {
            Some(p) => (&available[..p], Some(p + 1)),
            None => (available, None),
        };
        if !too_long {
            if buf.len() + chunk.len() > MAX_LINE {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        let consumed = done.unwrap_or(available.len());
        reader.consume(consumed);
        used += consumed;
        if done.is_some() {
            return Ok(Some((too_long, used)));
        }
    }
}

fn read_csv_file(file: &SourceFile, r: &mut Reading) -> Result<(), Problem> {
    let (reader, note) = text::open_stream(&file.path, file.gzip).map_err(|e| unreadable(&file.name, None, None, e))?;
    if let Some(note) = note {
        r.log.push(Problem::file_level(&file.name, ProblemKind::Note, note));
    }
    let mut csv = CsvRecords::new(reader);
    let read = |csv: &mut CsvRecords<_>| {
        csv.next()
            .map_err(|e| unreadable(&file.name, None, None, format!("malformed CSV: {e}")))
    };
    let too_long = format!("record longer than {} MiB skipped", MAX_LINE >> 20);
    // Header: the first record that is not blank.
    let header_line = loop {
        match read(&mut csv)? {
            CsvRead::End => {
                return Err(unreadable(
                    &file.name,
                    None,
                    None,
                    "the file is empty: expected a header row",
                ))
            }
            CsvRead::TooLong { line } => {
                return Err(unreadable(
                    &file.name,
                    Some(line),
                    Some(1),
                    format!("the header is longer than {} MiB", MAX_LINE >> 20),
                ))
            }
            CsvRead::Record { .. } if csv.is_blank() => continue,
            CsvRead::Record { line } => break line,
        }
    };
    // Header: column index -> schema column. A column named twice (or by both spellings of a lookup) is read
    // from every copy: a row whose copies hold different values is skipped, as in JSON.
    let mut mapping: Vec<Option<usize>> = Vec::with_capacity(csv.len());
    for (i, field) in csv.fields().enumerate() {
        let name = std::str::from_utf8(field).map_err(|_| {
            unreadable(
                &file.name,
                Some(header_line),
                Some(i as u64 + 1),
                "the header is not UTF-8; save the file as UTF-8",
            )
        })?;
        let col = r.schema.match_key(name.trim()).map(|c| c.0);
        if let Some(first) = col.and_then(|c| mapping.iter().position(|&m| m == Some(c))) {
            r.log.push(Problem {
                line: Some(header_line),
                column: Some(i as u64 + 1),
                field: col.map(|c| r.schema.name(Col(c)).to_string()),
                ..Problem::file_level(
                    &file.name,
                    ProblemKind::Note,
                    format!(
                        "the header names this column twice (fields {} and {}): a row whose copies hold different values is skipped",
                        first + 1,
                        i + 1
                    ),
                )
            });
        }
        mapping.push(col);
    }
    // A column in the header is in every row (empty or not), even when every row is skipped.
    for &c in mapping.iter().flatten() {
        r.log.seen[c] = true;
    }
    let header_len = csv.len();
    for (i, spec) in r.schema.cols.iter().enumerate() {
        if spec.required && !mapping.contains(&Some(i)) {
            r.log.push(Problem {
                line: Some(header_line),
                column: Some(1),
                field: Some(spec.name.clone()),
                ..Problem::file_level(
                    &file.name,
                    ProblemKind::Fatal,
                    "required column is missing from the header",
                )
            });
        }
    }
    if !r.log.fatal.is_empty() || r.log.fatal_before {
        return Ok(());
    }
    let mut spare: Vec<Option<Cell>> = Vec::with_capacity(r.schema.len());
    loop {
        let line = match read(&mut csv)? {
            CsvRead::End => break,
            CsvRead::TooLong { line } => {
                r.log.rows_in_files += 1;
                r.log.push(Problem {
                    line: Some(line),
                    column: Some(1),
                    ..Problem::file_level(&file.name, ProblemKind::SkippedRow, too_long.as_str())
                });
                continue;
            }
            CsvRead::Record { line } => line,
        };
        if csv.is_blank() {
            continue;
        }
        let place = Place::Csv { line };
        if csv.len() != header_len {
            r.log.rows_in_files += 1;
            let p = r.problem_at(
                &place,
                &[],
                RowError::row(
                    ProblemKind::SkippedRow,
                    format!("expected {header_len} fields as in the header, found {}", csv.len()),
                ),
            );
            r.log.push(p);
            continue;
        }
        let mut cells = recycle(std::mem::take(&mut spare), r.schema.len());
        // The first bad field: its index, the column to name, what is wrong.
        let mut bad: Option<(usize, Option<Col>, &str)> = None;
        for ((i, field), col) in csv.fields().enumerate().zip(&mapping) {
            let Some(col) = *col else { continue };
            let Ok(s) = std::str::from_utf8(field) else {
                bad = Some((i, None, "invalid UTF-8; save the file as UTF-8"));
                break;
            };
            match cells[col] {
                // An empty field is no value: the first copy with a value wins.
                Some(Cell {
                    value: Value::Text(first),
                    ..
                }) if !first.trim().is_empty() => {
                    if !s.trim().is_empty() && s != first {
                        bad = Some((i, Some(Col(col)), GIVEN_TWICE));
                        break;
                    }
                }
                _ => {
                    cells[col] = Some(Cell {
                        value: Value::Text(s),
                        offset: i,
                    })
                }
            }
        }
        if let Some((i, field, message)) = bad {
            r.log.rows_in_files += 1;
            r.log.push(Problem {
                line: Some(line),
                column: Some(i as u64 + 1),
                field: field.map(|c| r.schema.name(c).to_string()),
                ..Problem::file_level(&file.name, ProblemKind::SkippedRow, message)
            });
            spare = recycle(cells, 0);
            continue;
        }
        r.deliver(&place, &cells);
        spare = recycle(cells, 0);
    }
    Ok(())
}

/// What [`CsvRecords::next`] read.
enum CsvRead {
    /// A record (its fields are in the reader), starting on this line.
    Record {
        line: u64,
    },
    /// A record longer than [`MAX_LINE`], skipped.
    TooLong {
        line: u64,
    },
    End,
}

/// Where [`CsvRecords`] is in the text.
#[derive(Clone, Copy)]
enum CsvState {
    /// Between records: line breaks (empty lines) are skipped.
    Between,
    StartField,
    /// In an unquoted field, or after the closing quote of a quoted one (the rest of the field is kept as is).
    InField,
    InQuotes,
    /// A quote inside quotes: another quote follows (an escaped quote), or the quoted part ended.
    QuoteInQuotes,
}

/// CSV records read from a stream, split as the `csv` crate splits them with its default settings (RFC 4180
/// quotes, `""` for a quote inside quotes, a CR, LF or CRLF ends a record, empty lines are skipped, a missing
/// closing quote takes the rest of the file), with what the crate does not give: the line each record starts
/// on, counting CRLF, LF and a lone CR as one line break each (what an editor shows, for CRLF and CR-only files
/// too), and a bound on memory: a record longer than [`MAX_LINE`] is skipped whole.
struct CsvRecords<R> {
    reader: R,
    record: CsvRecord,
}

/// The record being read, and the line count.
struct CsvRecord {
    /// The line at the reader's position, 1-based.
    line: u64,
    /// The last byte read was a CR: an LF after it ends the same line.
    after_cr: bool,
    /// The record's fields' bytes end to end (quotes removed), and where each field ends.
    bytes: Vec<u8>,
    ends: Vec<u32>,
    /// Bytes of the text the record spans so far.
    size: usize,
}

impl<R: BufRead> CsvRecords<R> {
    fn new(reader: R) -> Self {
        CsvRecords {
            reader,
            record: CsvRecord {
                line: 1,
                after_cr: false,
                bytes: Vec::new(),
                ends: Vec::new(),
                size: 0,
            },
        }
    }

    /// Reads the next record.
    fn next(&mut self) -> std::io::Result<CsvRead> {
        let rec = &mut self.record;
        rec.bytes.clear();
        rec.ends.clear();
        rec.size = 0;
        let mut state = CsvState::Between;
        let mut start = rec.line;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                if matches!(state, CsvState::Between) {
                    return Ok(CsvRead::End);
                }
                rec.end_field();
                return Ok(rec.read(start));
            }
            let (used, ended) = rec.scan(chunk, &mut state, &mut start);
            self.reader.consume(used);
            if ended {
                return Ok(rec.read(start));
            }
        }
    }

    fn len(&self) -> usize {
        self.record.ends.len()
    }

    fn fields(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.record.ends.iter().map(move |&end| {
            let field = self.record.bytes.get(start..end as usize).unwrap_or_default();
            start = end as usize;
            field
        })
    }

    /// A record of one blank field: a line of spaces, which is no row.
    fn is_blank(&self) -> bool {
        self.len() == 1 && self.record.bytes.iter().all(|b| b.is_ascii_whitespace())
    }
}

impl CsvRecord {
    fn too_long(&self) -> bool {
        self.size > MAX_LINE
    }

    /// Counts `n` more bytes of the record; past [`MAX_LINE`] its fields are dropped and no more are kept.
    fn grow(&mut self, n: usize) {
        self.size += n;
        if self.too_long() {
            self.bytes.clear();
            self.ends.clear();
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        self.grow(bytes.len());
        if !self.too_long() {
            self.bytes.extend_from_slice(bytes);
        }
    }

    fn end_field(&mut self) {
        if !self.too_long() {
            self.ends.push(self.bytes.len() as u32);
        }
    }

    fn line_break(&mut self, b: u8) {
        if b == b'\r' || !self.after_cr {
            self.line += 1;
        }
        self.after_cr = b == b'\r';
    }

    fn read(&self, line: u64) -> CsvRead {
        if self.too_long() {
            CsvRead::TooLong { line }
        } else {
            CsvRead::Record { line }
        }
    }

    /// Reads `chunk` into the record from `state`; returns the bytes used and whether the record ended. `start`
    /// is set to the line the record starts on.
    fn scan(&mut self, chunk: &[u8], state: &mut CsvState, start: &mut u64) -> (usize, bool) {
        let mut i = 0;
        while let Some(&b) = chunk.get(i) {
            if b != b'\r' && b != b'\n' {
                self.after_cr = false;
            }
            match (*state, b) {
                (CsvState::Between, b'\r' | b'\n') => {
                    self.line_break(b);
                    i += 1;
                }
                (CsvState::Between, _) => {
                    *start = self.line;
                    *state = CsvState::StartField;
                }
                (CsvState::InQuotes, b'"') => {
                    self.grow(1);
                    *state = CsvState::QuoteInQuotes;
                    i += 1;
                }
                (CsvState::InQuotes, b'\r' | b'\n') => {
                    self.push(&[b]);
                    self.line_break(b);
                    i += 1;
                }
                (CsvState::InQuotes, _) => {
                    let rest = &chunk[i..];
                    let n = memchr::memchr3(b'"', b'\r', b'\n', rest).unwrap_or(rest.len());
                    self.push(&rest[..n]);
                    i += n;
                }
                (_, b',') => {
                    self.grow(1);
                    self.end_field();
                    *state = CsvState::StartField;
                    i += 1;
                }
                (_, b'\r' | b'\n') => {
                    self.end_field();
                    self.line_break(b);
                    return (i + 1, true);
                }
                (CsvState::StartField, b'"') => {
                    self.grow(1);
                    *state = CsvState::InQuotes;
                    i += 1;
                }
                (CsvState::QuoteInQuotes, b'"') => {
                    self.push(b"\"");
                    *state = CsvState::InQuotes;
                    i += 1;
                }
                _ => {
                    let rest = &chunk[i..];
                    let n = memchr::memchr3(b',', b'\r', b'\n', rest).unwrap_or(rest.len());
                    self.push(&rest[..n]);
                    *state = CsvState::InField;
                    i += n;
                }
            }
        }
        (i, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The records (fields) and their lines, as [`CsvRecords`] reads them.
    fn ours(text: &[u8]) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut csv = CsvRecords::new(text);
        let mut out = Vec::new();
        while let CsvRead::Record { line } = csv.next().unwrap() {
            out.push((line, csv.fields().map(<[u8]>::to_vec).collect()));
        }
        out
    }

    /// The records as the `csv` crate reads them.
    fn crate_csv(text: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while csv.read_byte_record(&mut record).unwrap() {
            out.push(record.iter().map(<[u8]>::to_vec).collect());
        }
        out
    }

    fn fields(records: Vec<(u64, Vec<Vec<u8>>)>) -> Vec<Vec<Vec<u8>>> {
        records.into_iter().map(|r| r.1).collect()
    }

    #[test]
    fn csv_records_are_split_as_the_csv_crate_splits_them() {
        for text in [
            &b"a,b\nc,d"[..],
            b"a,\"b\"\"c\",\"d\ne\"\r\n\r\n\nf",
            b"\"a\"x\"y,b\n",
            b"\"unterminated,\nrest",
            b"a,b\r\rc\r\n\n\rd,",
            b"",
            b"\n\r\n",
            b",\n,,",
        ] {
            assert_eq!(fields(ours(text)), crate_csv(text), "{text:?}");
        }
    }

    #[test]
    fn csv_lines_count_crlf_lf_and_cr() {
        let lines = |text: &[u8]| ours(text).into_iter().map(|r| r.0).collect::<Vec<_>>();
        assert_eq!(lines(b"h\r\na\r\n\"b\r\nc\"\r\nd\r\n"), [1, 2, 3, 5]);
        assert_eq!(lines(b"h\ra\r\r\"b\rc\"\rd"), [1, 2, 4, 6]);
        assert_eq!(lines(b"h\na\n\n\"b\nc\"\nd\n"), [1, 2, 4, 6]);
    }

    proptest::proptest! {
        #[test]
        fn csv_records_match_the_csv_crate(text in proptest::collection::vec(
            proptest::sample::select(b"ab ,\"\r\n".to_vec()), 0..60)
        ) {
            // (The crate's line numbers are not compared: after empty lines they name the first of them.)
            proptest::prop_assert_eq!(fields(ours(&text)), crate_csv(&text));
        }
    }
}
