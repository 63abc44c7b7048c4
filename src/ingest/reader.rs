//! The one reader for every table: OData JSON (paged or single-entity), bare JSON arrays, NDJSON and CSV,
//! each optionally gzip-compressed. It hands typed rows to the table's code and turns every problem into a
//! positioned [`Problem`].

// A whole-file failure is returned once per file: its size does not matter.
#![allow(clippy::result_large_err)]

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::fmt;
use std::io::BufRead;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::problem::{Problem, ProblemKind, ProblemLog};
use super::row::{Cell, Row, RowError, RowResult, Schema, Value};
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
    log.seen = vec![false; schema.len()];
    for (i, file) in files.iter().enumerate() {
        log.files.push(file.name.clone());
        let is_last = i + 1 == files.len();
        let mut reading = Reading {
            schema,
            file: &file.name,
            log,
            on_row,
        };
        let outcome = match file.format {
            Format::Json => read_json_file(file, &mut reading, is_last),
            Format::NdJson => read_ndjson_file(file, &mut reading),
            Format::Csv => read_csv_file(file, &mut reading),
        };
        if let Err(p) = outcome {
            log.problems.push(p.clone());
            log.unreadable = Some(p);
            return;
        }
    }
    finish(schema, log);
}

fn finish(schema: &Schema, log: &mut TableLog) {
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
    unreadable(
        file,
        Some(e.line() as u64),
        Some(e.column() as u64),
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

fn read_json_file(file: &SourceFile, r: &mut Reading, is_last: bool) -> Result<(), Problem> {
    let decoded = text::read_whole(&file.path, file.gzip).map_err(|e| unreadable(&file.name, None, None, e))?;
    if let Some(note) = decoded.note {
        r.log.push(Problem::file_level(&file.name, ProblemKind::Note, note));
    }
    let bytes = decoded.bytes.as_slice();
    let lines = Lines::new(bytes, 1);
    let base = bytes.as_ptr() as usize;
    let mut cache = fast::KeyCache::default();
    if let Some(page) = std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| fast::page(text, r.schema, &mut cache))
    {
        page_notes(file, r, is_last, page.has_next_link, page.total);
        let width = r.schema.len();
        for (i, &row_offset) in page.rows.iter().enumerate() {
            let place = Place::Json {
                lines: &lines,
                base,
                row_offset: base + row_offset,
                path: RowPath::Item(page.prefix, i),
            };
            r.deliver(&place, page.cells.get(i * width..(i + 1) * width).unwrap_or(&[]));
        }
        return Ok(());
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
            Err(msg) => {
                r.log.rows_in_files += 1;
                let p = r.problem_at(&place, &[], RowError::row(ProblemKind::SkippedRow, msg));
                r.log.push(p);
            }
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

/// Collects the schema's columns from one JSON object. Cells borrow from `text`, and their offsets are
/// absolute addresses (the caller subtracts the buffer's base).
fn parse_object<'a>(text: &'a str, schema: &Schema, cells: &mut Vec<Option<Cell<'a>>>) -> Result<(), String> {
    struct RowVisitor<'s, 'c, 'a> {
        schema: &'s Schema,
        cells: &'c mut Vec<Option<Cell<'a>>>,
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
                            if slot.is_none()
                                || matches!(
                                    slot,
                                    Some(Cell {
                                        value: Value::Json("null"),
                                        ..
                                    })
                                )
                            {
                                *slot = Some(Cell {
                                    value: Value::Json(raw),
                                    offset: raw.as_ptr() as usize,
                                });
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
    let mut de = serde_json::Deserializer::from_str(text);
    RowVisitor { schema, cells }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| {
            let msg = e.to_string();
            msg.split(" at line ").next().unwrap_or(&msg).to_string()
        })
}

fn read_ndjson_file(file: &SourceFile, r: &mut Reading) -> Result<(), Problem> {
    let (mut reader, note) =
        text::open_stream(&file.path, file.gzip).map_err(|e| unreadable(&file.name, None, None, e))?;
    if let Some(note) = note {
        r.log.push(Problem::file_level(&file.name, ProblemKind::Note, note));
    }
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 12);
    let mut line_no: u64 = 0;
    let mut spare: Vec<Option<Cell>> = Vec::with_capacity(r.schema.len());
    let mut cache = fast::KeyCache::default();
    loop {
        buf.clear();
        line_no += 1;
        let too_long = read_line_bounded(&mut reader, &mut buf)
            .map_err(|e| unreadable(&file.name, Some(line_no), None, format!("cannot read the file: {e}")))?;
        let Some(too_long) = too_long else { break };
        if too_long {
            r.log.rows_in_files += 1;
            r.log.push(Problem {
                line: Some(line_no),
                column: Some(1),
                ..Problem::file_level(
                    &file.name,
                    ProblemKind::SkippedRow,
                    format!("line longer than {} MiB skipped", MAX_LINE >> 20),
                )
            });
            continue;
        }
        let trimmed_end = buf.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |p| p + 1);
        if buf[..trimmed_end].iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let line = match std::str::from_utf8(&buf[..trimmed_end]) {
            Ok(s) => s,
            Err(e) => {
                r.log.rows_in_files += 1;
                r.log.push(Problem {
                    line: Some(line_no),
                    column: Some(e.valid_up_to() as u64 + 1),
                    ..Problem::file_level(
                        &file.name,
                        ProblemKind::SkippedRow,
                        "invalid UTF-8; save the file as UTF-8",
                    )
                });
                continue;
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
        let mut cells = recycle(std::mem::take(&mut spare), r.schema.len());
        let parsed = match fast::object(line, r.schema, &mut cache, &mut cells) {
            Some(()) => Ok(()),
            None => {
                cells.iter_mut().for_each(|c| *c = None);
                parse_object(line, r.schema, &mut cells)
            }
        };
        match parsed {
            Ok(()) => r.deliver(&place, &cells),
            Err(msg) => {
                r.log.rows_in_files += 1;
                let p = r.problem_at(&place, &[], RowError::row(ProblemKind::SkippedRow, msg));
                r.log.push(p);
            }
        }
        spare = recycle(cells, 0);
    }
    Ok(())
}

/// Reuses a cell buffer's allocation for the next row, whose cells borrow from another buffer
/// (an in-place collect: the element type is the same size, so no allocation happens).
fn recycle<'b>(mut cells: Vec<Option<Cell<'_>>>, len: usize) -> Vec<Option<Cell<'b>>> {
    cells.clear();
    let mut v: Vec<Option<Cell<'b>>> = cells.into_iter().map(|_| None).collect();
    v.resize(len, None);
    v
}

/// Reads one line into `buf` (without the newline). `None` at the end of the input; `Some(true)` when the
/// line was longer than [`MAX_LINE`] and was discarded.
fn read_line_bounded(reader: &mut dyn BufRead, buf: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
    let mut any = false;
    let mut too_long = false;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(if any { Some(too_long) } else { None });
        }
        any = true;
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
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
        if done.is_some() {
            return Ok(Some(too_long));
        }
    }
}

fn read_csv_file(file: &SourceFile, r: &mut Reading) -> Result<(), Problem> {
    let (reader, note) = text::open_stream(&file.path, file.gzip).map_err(|e| unreadable(&file.name, None, None, e))?;
    if let Some(note) = note {
        r.log.push(Problem::file_level(&file.name, ProblemKind::Note, note));
    }
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let read = |csv: &mut csv::Reader<_>, record: &mut csv::ByteRecord| {
        csv.read_byte_record(record).map_err(|e| {
            let line = e.position().map(|p| p.line());
            unreadable(&file.name, line, None, format!("malformed CSV: {e}"))
        })
    };
    if !read(&mut csv, &mut record)? {
        return Ok(());
    }
    // Header: column index -> schema column.
    let mut mapping: Vec<Option<usize>> = Vec::with_capacity(record.len());
    for (i, field) in record.iter().enumerate() {
        let name = std::str::from_utf8(field).map_err(|_| {
            unreadable(
                &file.name,
                Some(1),
                Some(i as u64 + 1),
                "the header is not UTF-8; save the file as UTF-8",
            )
        })?;
        let col = r.schema.match_key(name.trim()).map(|c| c.0);
        mapping.push(if col.is_some_and(|c| mapping.contains(&Some(c))) {
            None
        } else {
            col
        });
    }
    let header_len = record.len();
    for (i, spec) in r.schema.cols.iter().enumerate() {
        if spec.required && !mapping.contains(&Some(i)) {
            r.log.push(Problem {
                line: Some(1),
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
    if !r.log.fatal.is_empty() {
        return Ok(());
    }
    let mut spare: Vec<Option<Cell>> = Vec::with_capacity(r.schema.len());
    while read(&mut csv, &mut record)? {
        let line = record.position().map_or(0, |p| p.line());
        if record.len() == 1 && record.get(0).is_some_and(|f| f.iter().all(|b| b.is_ascii_whitespace())) {
            continue;
        }
        let place = Place::Csv { line };
        if record.len() != header_len {
            r.log.rows_in_files += 1;
            let p = r.problem_at(
                &place,
                &[],
                RowError::row(
                    ProblemKind::SkippedRow,
                    format!("expected {header_len} fields as in the header, found {}", record.len()),
                ),
            );
            r.log.push(p);
            continue;
        }
        let mut cells = recycle(std::mem::take(&mut spare), r.schema.len());
        let mut bad_utf8 = None;
        for (i, field) in record.iter().enumerate() {
            if let Some(col) = mapping[i] {
                match std::str::from_utf8(field) {
                    Ok(s) => {
                        cells[col] = Some(Cell {
                            value: Value::Text(s),
                            offset: i,
                        })
                    }
                    Err(_) => bad_utf8 = Some(i),
                }
            }
        }
        if let Some(i) = bad_utf8 {
            r.log.rows_in_files += 1;
            r.log.push(Problem {
                line: Some(line),
                column: Some(i as u64 + 1),
                ..Problem::file_level(
                    &file.name,
                    ProblemKind::SkippedRow,
                    "invalid UTF-8; save the file as UTF-8",
                )
            });
            continue;
        }
        r.deliver(&place, &cells);
        spare = recycle(cells, 0);
    }
    Ok(())
}
