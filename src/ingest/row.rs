//! One row of any table, whatever file format it came from, with typed and positioned access to its columns.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::borrow::Cow;
use std::cell::RefCell;

use super::problem::{show_value, ProblemKind};
use crate::id::Guid;
use crate::time::Timestamp;

/// A column of a table's schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Col(pub(crate) usize);

#[derive(Clone, Debug)]
pub(crate) struct ColSpec {
    /// Lower-case name; lookups are matched as `_name_value` and `name`.
    pub name: String,
    pub required: bool,
    /// Listed once in the input problems when the column is absent from a whole table.
    pub default_note: Option<&'static str>,
    /// An expanded relationship (JSON array), whose `name@odata.nextLink` is kept in `next_link_slot`.
    pub next_link_slot: Option<usize>,
    /// Not a real column: the `@odata.nextLink` of a navigation column.
    pub hidden: bool,
}

/// The columns a table reader wants; everything else in a row is ignored.
#[derive(Clone, Debug)]
pub struct Schema {
    pub table: &'static str,
    pub(crate) cols: Vec<ColSpec>,
}

impl Schema {
    pub fn new(table: &'static str) -> Schema {
        Schema {
            table,
            cols: Vec::new(),
        }
    }

    fn add(&mut self, name: &str, required: bool, default_note: Option<&'static str>) -> Col {
        self.cols.push(ColSpec {
            name: name.to_ascii_lowercase(),
            required,
            default_note,
            next_link_slot: None,
            hidden: false,
        });
        Col(self.cols.len() - 1)
    }

    /// An optional column (lookups are accepted in both spellings, `_x_value` and `x`).
    pub fn col(&mut self, name: &str) -> Col {
        self.add(name, false, None)
    }

    /// A column every row must have; a CSV header without it stops the run.
    pub fn required(&mut self, name: &str) -> Col {
        self.add(name, true, None)
    }

    /// An optional column with a default that INPUT.md wants noted once when the column is absent.
    pub fn defaulted(&mut self, name: &str, default: &'static str) -> Col {
        self.add(name, false, Some(default))
    }

    /// An expanded relationship such as `systemuserroles_association` (JSON only).
    pub fn expansion(&mut self, name: &str) -> Col {
        let col = self.add(name, false, None);
        let link = self.add(&format!("{name}@odata.nextlink"), false, None);
        if let Some(spec) = self.cols.get_mut(link.0) {
            spec.hidden = true;
        }
        if let Some(spec) = self.cols.get_mut(col.0) {
            spec.next_link_slot = Some(link.0);
        }
        col
    }

    pub fn name(&self, col: Col) -> &str {
        self.cols.get(col.0).map_or("", |c| c.name.as_str())
    }

    pub(crate) fn len(&self) -> usize {
        self.cols.len()
    }

    /// The column a JSON key or CSV header names, if any. Annotations (`x@OData...`) are ignored, except the
    /// next link of an expansion.
    pub fn match_key(&self, key: &str) -> Option<Col> {
        if let Some(at) = key.find('@') {
            let (nav, annotation) = key.split_at(at);
            if !annotation.eq_ignore_ascii_case("@odata.nextLink") {
                return None;
            }
            let nav = self.match_key(nav)?;
            return self.cols.get(nav.0)?.next_link_slot.map(Col);
        }
        let bare = strip_lookup(key);
        self.cols
            .iter()
            .position(|c| !c.hidden && (c.name.eq_ignore_ascii_case(bare) || c.name.eq_ignore_ascii_case(key)))
            .map(Col)
    }
}

/// `_businessunitid_value` -> `businessunitid`.
fn strip_lookup(key: &str) -> &str {
    if key.len() <= 7 {
        return key;
    }
    match (key.strip_prefix('_'), key.get(key.len() - 6..)) {
        (Some(rest), Some(suffix)) if suffix.eq_ignore_ascii_case("_value") => {
            rest.get(..rest.len() - 6).unwrap_or(key)
        }
        _ => key,
    }
}

/// A value as it was in the file.
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    /// A JSON value as written (a string keeps its quotes and escapes).
    Json(&'a str),
    /// A CSV field; empty means no value.
    Text(&'a str),
}

/// A value and where it was: a byte offset in the JSON text, or a CSV field index.
#[derive(Clone, Copy, Debug)]
pub struct Cell<'a> {
    pub value: Value<'a>,
    pub offset: usize,
}

/// What is wrong with a row, or what to note about it.
#[derive(Clone, Debug)]
pub struct RowError {
    pub col: Option<Col>,
    pub kind: ProblemKind,
    pub message: String,
}

impl RowError {
    pub fn field(col: Col, message: impl Into<String>) -> RowError {
        RowError {
            col: Some(col),
            kind: ProblemKind::SkippedRow,
            message: message.into(),
        }
    }
    pub fn row(kind: ProblemKind, message: impl Into<String>) -> RowError {
        RowError {
            col: None,
            kind,
            message: message.into(),
        }
    }
    pub fn at(col: Col, kind: ProblemKind, message: impl Into<String>) -> RowError {
        RowError {
            col: Some(col),
            kind,
            message: message.into(),
        }
    }
}

pub type RowResult<T> = Result<T, RowError>;

/// One row: the cells of the schema's columns.
pub struct Row<'a> {
    pub(crate) schema: &'a Schema,
    pub(crate) cells: &'a [Option<Cell<'a>>],
    pub(crate) notes: RefCell<Vec<RowError>>,
}

fn kind_of(raw: &str) -> u8 {
    raw.as_bytes().first().copied().unwrap_or(b'n')
}

impl<'a> Row<'a> {
    pub fn schema(&self) -> &Schema {
        self.schema
    }

    pub fn cell(&self, col: Col) -> Option<Cell<'a>> {
        self.cells.get(col.0).copied().flatten()
    }

    /// Records a problem about this row that does not skip it (a truncated expansion, say).
    pub fn note(&self, problem: RowError) {
        self.notes.borrow_mut().push(problem);
    }

    fn wrong(&self, col: Col, expected: &str, found: &str) -> RowError {
        RowError::field(
            col,
            format!(
                "expected {expected}, found {}",
                show_value(self.schema.name(col), found)
            ),
        )
    }

    /// The text of a column; JSON numbers and booleans are given as their text. `None` for null or absent.
    pub fn str(&self, col: Col) -> RowResult<Option<Cow<'a, str>>> {
        self.scalar(col, "a text value")
    }

    /// The text of a column that holds one value of the kind `expected` (said when it is a JSON object or array).
    pub fn scalar(&self, col: Col, expected: &str) -> RowResult<Option<Cow<'a, str>>> {
        self.scalar_or(col, || expected.to_string())
    }

    fn scalar_or(&self, col: Col, expected: impl FnOnce() -> String) -> RowResult<Option<Cow<'a, str>>> {
        match self.cell(col).map(|c| c.value) {
            None => Ok(None),
            Some(Value::Text(t)) => Ok(Some(Cow::Borrowed(t))),
            Some(Value::Json(raw)) => match kind_of(raw) {
                b'n' => Ok(None),
                b'"' => match raw.get(1..raw.len().saturating_sub(1)) {
                    Some(inner) if raw.len() >= 2 && !super::fast::has_backslash(inner.as_bytes()) => {
                        Ok(Some(Cow::Borrowed(inner)))
                    }
                    _ => serde_json::from_str::<Cow<'a, str>>(raw)
                        .map(Some)
                        .map_err(|e| RowError::field(col, format!("malformed string: {e}"))),
                },
                b'{' | b'[' => Err(self.wrong(col, &expected(), raw)),
                _ => Ok(Some(Cow::Borrowed(raw))),
            },
        }
    }

    /// Text with surrounding spaces removed; empty text is no value.
    pub fn text(&self, col: Col) -> RowResult<Option<String>> {
        Ok(self.str(col)?.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
    }

    pub fn required_text(&self, col: Col) -> RowResult<String> {
        self.required_str(col).map(Cow::into_owned)
    }

    /// [`Row::required_text`], not copied unless it has an escape.
    pub fn required_str(&self, col: Col) -> RowResult<Cow<'a, str>> {
        let text = match self.str(col)? {
            Some(Cow::Borrowed(s)) => Cow::Borrowed(s.trim()),
            Some(Cow::Owned(s)) => Cow::Owned(s.trim().to_string()),
            None => return Err(self.missing(col)),
        };
        if text.is_empty() {
            return Err(self.missing(col));
        }
        Ok(text)
    }

    pub fn missing(&self, col: Col) -> RowError {
        RowError::field(col, "required value is missing")
    }

    pub fn guid(&self, col: Col) -> RowResult<Option<Guid>> {
        match self.scalar(col, "a GUID")? {
            None => Ok(None),
            Some(s) => Guid::parse(&s).map_err(|_| self.wrong(col, "a GUID", &s)),
        }
    }

    pub fn required_guid(&self, col: Col) -> RowResult<Guid> {
        self.guid(col)?.ok_or_else(|| self.missing(col))
    }

    /// `true/false`, `1/0`, `yes/no` in any case, or a ManagedProperty object `{"Value": bool}`.
    pub fn bool(&self, col: Col) -> RowResult<Option<bool>> {
        if let Some(Cell {
            value: Value::Json(raw),
            ..
        }) = self.cell(col)
        {
            match kind_of(raw) {
                b't' => return Ok(Some(true)),
                b'f' => return Ok(Some(false)),
                b'{' => {
                    #[derive(serde::Deserialize)]
                    struct Managed {
                        #[serde(rename = "Value", alias = "value")]
                        value: Option<bool>,
                    }
                    return serde_json::from_str::<Managed>(raw)
                        .map(|m| m.value)
                        .map_err(|_| self.wrong(col, "a boolean or {\"Value\": boolean}", raw));
                }
                _ => {}
            }
        }
        match self.scalar(col, "a boolean")? {
            None => Ok(None),
            Some(s) => match s.trim().to_ascii_lowercase().as_str() {
                "" => Ok(None),
                "true" | "1" | "yes" => Ok(Some(true)),
                "false" | "0" | "no" => Ok(Some(false)),
                _ => Err(self.wrong(col, "a boolean", &s)),
            },
        }
    }

    pub fn int(&self, col: Col) -> RowResult<Option<i64>> {
        match self.scalar(col, "an integer")? {
            None => Ok(None),
            Some(s) => {
                let t = s.trim();
                if t.is_empty() {
                    return Ok(None);
                }
                t.parse::<i64>()
                    .map(Some)
                    .map_err(|_| self.wrong(col, "an integer", &s))
            }
        }
    }

    /// An option-set column: its integer value, or one of its labels (trimmed, case-insensitive).
    pub fn option(&self, col: Col, labels: &[(&str, i64)]) -> RowResult<Option<i64>> {
        let expected = || {
            let names: Vec<&str> = labels.iter().map(|(l, _)| *l).collect();
            format!("a number or one of {}", names.join(", "))
        };
        match self.scalar_or(col, expected)? {
            None => Ok(None),
            Some(s) => {
                let t = s.trim();
                if t.is_empty() {
                    return Ok(None);
                }
                if let Ok(n) = t.parse::<i64>() {
                    return Ok(Some(n));
                }
                labels
                    .iter()
                    .find(|(l, _)| l.eq_ignore_ascii_case(t))
                    .map(|(_, v)| Some(*v))
                    .ok_or_else(|| self.wrong(col, &expected(), &s))
            }
        }
    }

    pub fn timestamp(&self, col: Col) -> RowResult<Option<Timestamp>> {
        match self.scalar(col, "an ISO 8601 date and time")? {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => Timestamp::parse(&s)
                .map(Some)
                .ok_or_else(|| self.wrong(col, "an ISO 8601 date and time", &s)),
        }
    }

    /// An expanded relationship: the objects of its array (`None` when absent or null).
    pub fn expansion(&self, col: Col) -> RowResult<Option<Vec<serde_json::Map<String, serde_json::Value>>>> {
        match self.cell(col).map(|c| c.value) {
            None => Ok(None),
            Some(Value::Text(t)) if t.trim().is_empty() => Ok(None),
            Some(Value::Text(t)) => Err(self.wrong(col, "an expanded JSON array (JSON exports only)", t)),
            Some(Value::Json(raw)) if kind_of(raw) == b'n' => Ok(None),
            Some(Value::Json(raw)) => serde_json::from_str(raw)
                .map(Some)
                .map_err(|_| self.wrong(col, "an array of objects", raw)),
        }
    }

    /// The `@odata.nextLink` of an expansion, when the export carries one.
    pub fn expansion_next_link(&self, col: Col) -> RowResult<Option<String>> {
        match self.schema.cols.get(col.0).and_then(|c| c.next_link_slot) {
            Some(slot) => self.text(Col(slot)),
            None => Ok(None),
        }
    }

    /// Raw JSON of a column (for nested objects such as `Attributes`).
    pub fn raw_json(&self, col: Col) -> Option<&'a str> {
        match self.cell(col)?.value {
            Value::Json(raw) if kind_of(raw) != b'n' => Some(raw),
            _ => None,
        }
    }
}

/// Finds a key case-insensitively in an expanded object and reads it as a GUID.
pub fn object_guid(obj: &serde_json::Map<String, serde_json::Value>, key: &str) -> Result<Option<Guid>, String> {
    let value = obj
        .iter()
        .find(|(k, _)| strip_lookup(k).eq_ignore_ascii_case(key))
        .map(|(_, v)| v);
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => {
            Guid::parse(s).map_err(|_| format!("expected a GUID in `{key}`, found {}", show_value(key, s)))
        }
        Some(other) => Err(format!(
            "expected a GUID in `{key}`, found {}",
            show_value(key, &other.to_string())
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn matches_both_lookup_spellings_and_ignores_annotations() {
        let mut s = Schema::new("systemusers");
        let bu = s.col("businessunitid");
        let roles = s.expansion("systemuserroles_association");
        assert_eq!(s.match_key("_businessunitid_value"), Some(bu));
        assert_eq!(s.match_key("BusinessUnitId"), Some(bu));
        assert_eq!(
            s.match_key("_businessunitid_value@OData.Community.Display.V1.FormattedValue"),
            None
        );
        assert_eq!(
            s.match_key("_businessunitid_value@Microsoft.Dynamics.CRM.lookuplogicalname"),
            None
        );
        assert_eq!(s.match_key("systemuserroles_association"), Some(roles));
        assert_eq!(
            s.match_key("systemuserroles_association@odata.nextLink"),
            Some(Col(roles.0 + 1))
        );
        assert_eq!(s.match_key("_value"), None);
        assert_eq!(s.match_key("ownerid"), None);
    }
}
