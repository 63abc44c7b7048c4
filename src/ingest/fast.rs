//! The fast path of the JSON reader: one pass over flat rows (every value a string, number, boolean or null),
//! which is what the large tables (shares, audits, role privileges) hold. Anything outside that shape (a nested
//! value, a `\u` escape, a syntax error, a duplicate envelope key) makes it give up, and the caller reads the
//! same text with serde_json, which reports the exact problem. The fast path never accepts a text that
//! serde_json would reject, and gives the same cells.

use super::row::{Cell, Col, Schema, Value};

/// The schema column of each key, remembered by the key's position in the row: exports write every row's keys
/// in the same order, so a row costs one comparison per key.
#[derive(Default)]
pub struct KeyCache {
    slots: Vec<(Vec<u8>, Option<Col>)>,
}

impl KeyCache {
    fn column(&mut self, schema: &Schema, ordinal: usize, key: &str) -> Option<Col> {
        if let Some((cached, col)) = self.slots.get(ordinal) {
            if cached.as_slice() == key.as_bytes() {
                return *col;
            }
        }
        let col = schema.match_key(key);
        if ordinal < self.slots.len() {
            self.slots[ordinal] = (key.as_bytes().to_vec(), col);
        } else if ordinal == self.slots.len() {
            self.slots.push((key.as_bytes().to_vec(), col));
        }
        col
    }
}

/// An OData page (or a bare array of rows) read by the fast path.
pub struct Page {
    /// Byte offset of each row object in the text.
    pub rows: Vec<usize>,
    /// `rows.len() * schema.len()` cells, row after row, as where their tokens are in the text (a page holds
    /// many rows: this is a quarter of the size of [`Cell`]s).
    cells: Vec<Token>,
    /// `"$.value"` for an OData page, `"$"` for a bare array.
    pub prefix: &'static str,
    pub has_next_link: bool,
    pub total: Option<i64>,
}

/// A cell of a page: the token at `start..start + len` of the text; `len` 0 for none (no token is empty).
#[derive(Clone, Copy)]
pub struct Token {
    start: u32,
    len: u32,
}

impl Page {
    /// An empty page whose vectors are reused (they are cleared).
    pub fn new(mut rows: Vec<usize>, mut cells: Vec<Token>) -> Page {
        rows.clear();
        cells.clear();
        Page {
            rows,
            cells,
            prefix: "$",
            has_next_link: false,
            total: None,
        }
    }

    /// The vectors, for the next page.
    pub fn into_parts(self) -> (Vec<usize>, Vec<Token>) {
        (self.rows, self.cells)
    }

    /// The cells of row `i` of the page read from `text`, into `out` (which has the schema's length).
    pub fn row<'a>(&self, text: &'a str, i: usize, out: &mut [Option<Cell<'a>>]) {
        let width = out.len();
        let tokens = self.cells.get(i * width..(i + 1) * width).unwrap_or_default();
        let base = text.as_ptr() as usize;
        for (cell, t) in out.iter_mut().zip(tokens) {
            let start = t.start as usize;
            *cell = text
                .get(start..start + t.len as usize)
                .filter(|_| t.len > 0)
                .map(|token| Cell {
                    value: Value::Json(token),
                    offset: base + start,
                });
        }
    }
}

struct Scanner<'a> {
    text: &'a str,
    s: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Scanner<'a> {
        Scanner {
            text,
            s: text.as_bytes(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        self.ws();
        (self.peek() == Some(b)).then(|| self.pos += 1)
    }

    /// A string token at `pos` (which holds the opening quote): the token with its quotes. Gives up on a `\u`
    /// escape (surrogate rules are serde_json's to judge) and on control characters.
    fn string(&mut self) -> Option<&'a str> {
        let start = self.pos;
        self.pos += 1;
        loop {
            let rest = self.s.get(self.pos..)?;
            let i = memchr::memchr2(b'"', b'\\', rest)?;
            if rest[..i].iter().any(|&b| b < 0x20) {
                return None;
            }
            self.pos += i;
            if self.s[self.pos] == b'"' {
                self.pos += 1;
                return self.text.get(start..self.pos);
            }
            match self.s.get(self.pos + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 2,
                _ => return None,
            }
        }
    }

    /// A number token per the JSON grammar.
    fn number(&mut self) -> Option<&'a str> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits();
        }
        self.text.get(start..self.pos)
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &'static str) -> Option<&'a str> {
        let end = self.pos + word.len();
        let token = self.text.get(self.pos..end).filter(|t| *t == word)?;
        self.pos = end;
        Some(token)
    }

    /// A scalar value (the token as written); `None` for a nested value or a syntax error.
    fn scalar(&mut self) -> Option<&'a str> {
        self.ws();
        match self.peek()? {
            b'"' => self.string(),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// A key and its colon. Keys with escapes give up (no export writes them).
    fn key(&mut self) -> Option<&'a str> {
        self.ws();
        if self.peek()? != b'"' {
            return None;
        }
        let token = self.string()?;
        if token.contains('\\') {
            return None;
        }
        self.eat(b':')?;
        token.get(1..token.len() - 1)
    }

    /// One flat row object at `pos` (which holds `{`) into `cells`. A column given twice (a repeated key, both
    /// spellings of a lookup) keeps its first non-null value, as in the serde path; a second, different non-null
    /// value gives up (the serde path skips the row and says where).
    fn row(&mut self, schema: &Schema, cache: &mut KeyCache, cells: &mut [Option<Cell<'a>>]) -> Option<()> {
        self.pos += 1;
        self.ws();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(());
        }
        let base = self.s.as_ptr() as usize;
        let mut ordinal = 0;
        loop {
            let key = self.key()?;
            self.ws();
            let at = self.pos;
            let token = self.scalar()?;
            if let Some(col) = cache.column(schema, ordinal, key) {
                let slot = cells.get_mut(col.0)?;
                match slot {
                    Some(Cell {
                        value: Value::Json(first),
                        ..
                    }) if *first != "null" => {
                        // Another non-null value for the same column: the serde path reports it.
                        if token != "null" && token != *first {
                            return None;
                        }
                    }
                    _ => {
                        *slot = Some(Cell {
                            value: Value::Json(token),
                            offset: base + at,
                        })
                    }
                }
            }
            ordinal += 1;
            if self.closes(b'}')? {
                return Some(());
            }
        }
    }

    /// After an item: `,` (more follow: `false`) or `close` (the end: `true`).
    fn closes(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let b = self.peek()?;
        self.pos += 1;
        match b {
            b',' => Some(false),
            _ if b == close => Some(true),
            _ => None,
        }
    }

    fn at_end(&mut self) -> bool {
        self.ws();
        self.pos == self.s.len()
    }

    /// `[ {row}, ... ]` at `pos`.
    fn rows(&mut self, schema: &Schema, cache: &mut KeyCache, page: &mut Page) -> Option<()> {
        self.eat(b'[')?;
        self.ws();
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(());
        }
        let base = self.s.as_ptr() as usize;
        let mut row = vec![None; schema.len()];
        loop {
            self.ws();
            if self.peek()? != b'{' {
                return None;
            }
            page.rows.push(self.pos);
            row.iter_mut().for_each(|c| *c = None);
            self.row(schema, cache, &mut row)?;
            page.cells.extend(row.iter().map(|c| match c {
                Some(Cell {
                    value: Value::Json(token),
                    offset,
                }) => Token {
                    start: (offset - base) as u32,
                    len: token.len() as u32,
                },
                _ => Token { start: 0, len: 0 },
            }));
            if self.closes(b']')? {
                return Some(());
            }
        }
    }
}

/// Reads a whole JSON table file into an empty `page`: an OData page `{"value": [rows], "@odata.nextLink": ...,
/// ...}` or a bare array of rows. `None` when the text is outside the fast path.
pub fn page(text: &str, schema: &Schema, cache: &mut KeyCache, page: &mut Page) -> Option<()> {
    // Cells are kept as 32-bit offsets.
    if u32::try_from(text.len()).is_err() {
        return None;
    }
    let mut sc = Scanner::new(text);
    sc.ws();
    match sc.peek()? {
        b'[' => {
            sc.rows(schema, cache, page)?;
        }
        b'{' => {
            sc.pos += 1;
            let (mut value, mut next, mut total, mut count) = (false, false, false, false);
            sc.ws();
            if sc.peek()? == b'}' {
                return None;
            }
            loop {
                let key = sc.key()?;
                let seen = match key {
                    "value" => &mut value,
                    "@odata.nextLink" => &mut next,
                    "@Microsoft.Dynamics.CRM.totalrecordcount" => &mut total,
                    "@odata.count" => &mut count,
                    _ => {
                        sc.scalar()?;
                        sc.ws();
                        if sc.eat(b',').is_none() {
                            break;
                        }
                        continue;
                    }
                };
                if std::mem::replace(seen, true) {
                    return None;
                }
                match key {
                    "value" => sc.rows(schema, cache, page)?,
                    "@odata.nextLink" => match sc.scalar()? {
                        "null" => {}
                        t if t.starts_with('"') => page.has_next_link = true,
                        _ => return None,
                    },
                    _ => match sc.scalar()? {
                        "null" => {}
                        t => {
                            let n: i64 = t.parse().ok()?;
                            if key == "@odata.count" {
                                page.total = page.total.or(Some(n));
                            } else {
                                page.total = Some(n);
                            }
                        }
                    },
                }
                if sc.eat(b',').is_none() {
                    break;
                }
            }
            sc.eat(b'}')?;
            if !value {
                return None;
            }
            page.prefix = "$.value";
        }
        _ => return None,
    }
    sc.at_end().then_some(())
}

/// Reads one NDJSON line holding a flat row object. `None` when the text is outside the fast path.
pub fn object<'a>(text: &'a str, schema: &Schema, cache: &mut KeyCache, cells: &mut [Option<Cell<'a>>]) -> Option<()> {
    let mut sc = Scanner::new(text);
    sc.ws();
    if sc.peek()? != b'{' {
        return None;
    }
    sc.row(schema, cache, cells)?;
    sc.at_end().then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        let mut s = Schema::new("t");
        s.required("a");
        s.col("b");
        s.col("ownerid");
        s
    }

    /// The page and its cells.
    fn read_page<'a>(text: &'a str, s: &Schema, cache: &mut KeyCache) -> Option<(Page, Vec<Option<Cell<'a>>>)> {
        let mut p = Page::new(Vec::new(), Vec::new());
        page(text, s, cache, &mut p)?;
        let mut cells = vec![None; p.rows.len() * s.len()];
        for (i, row) in cells.chunks_mut(s.len()).enumerate() {
            p.row(text, i, row);
        }
        Some((p, cells))
    }

    fn tokens(cells: &[Option<Cell>]) -> Vec<Option<String>> {
        cells
            .iter()
            .map(|c| {
                c.map(|c| match c.value {
                    Value::Json(t) => t.to_string(),
                    Value::Text(t) => format!("text:{t}"),
                })
            })
            .collect()
    }

    #[test]
    fn reads_pages_and_arrays_of_flat_rows() {
        let s = schema();
        let mut cache = KeyCache::default();
        let text = r#"{"@odata.context":"x","value":[{"a":"1\n2","B":-1.5e3,"x":null,"_ownerid_value":true},
            {"b":null,"a":"q"}],"@odata.nextLink":"n","@Microsoft.Dynamics.CRM.totalrecordcount":2}"#;
        let (p, cells) = read_page(text, &s, &mut cache).unwrap();
        assert_eq!(p.rows.len(), 2);
        assert!(p.has_next_link);
        assert_eq!(p.total, Some(2));
        assert_eq!(p.prefix, "$.value");
        assert_eq!(
            tokens(&cells),
            [
                Some("\"1\\n2\"".into()),
                Some("-1.5e3".into()),
                Some("true".into()),
                Some("\"q\"".into()),
                Some("null".into()),
                None
            ]
        );
        let (p, _) = read_page(r#" [ ] "#, &s, &mut cache).unwrap();
        assert!(p.rows.is_empty());
        assert_eq!(p.prefix, "$");
    }

    #[test]
    fn the_first_non_null_duplicate_wins() {
        let s = schema();
        let mut cells = vec![None; s.len()];
        object(
            r#"{"a":null,"a":"2","a":"2","a":null}"#,
            &s,
            &mut KeyCache::default(),
            &mut cells,
        )
        .unwrap();
        assert_eq!(tokens(&cells)[0], Some("\"2\"".into()));
    }

    #[test]
    fn gives_up_on_a_column_given_twice_with_different_values() {
        let s = schema();
        let mut cache = KeyCache::default();
        for text in [
            r#"{"a":null,"a":"2","a":"3"}"#,
            r#"{"a":"x","_ownerid_value":"1","ownerid":"2"}"#,
            r#"{"a":"x","ownerid":1,"OwnerId":"1"}"#,
        ] {
            let mut cells = vec![None; s.len()];
            assert!(object(text, &s, &mut cache, &mut cells).is_none(), "{text}");
        }
    }

    #[test]
    fn gives_up_on_what_serde_must_judge() {
        let s = schema();
        let mut cache = KeyCache::default();
        for text in [
            r#"{"value":[{"a":{"nested":1}}]}"#,
            r#"{"value":[{"a":"\u00e9"}]}"#,
            r#"{"value":[{"a":"x"}],"value":[]}"#,
            r#"{"value":[{"a":01}]}"#,
            r#"{"value":[{"a":1.}]}"#,
            r#"{"value":[{"a":"x",}]}"#,
            r#"{"value":[{"a":"x"}]} x"#,
            r#"{"value":[{"a":"x"}]"#,
            "{\"value\":[{\"a\":\"tab\there\"}]}",
            r#"{"value":null}"#,
            r#"{"a":"single entity"}"#,
            r#"{"value":[{"a":"x"}],"@odata.count":1.5}"#,
            r#"{"value":[{"a":tru}]}"#,
        ] {
            assert!(read_page(text, &s, &mut cache).is_none(), "{text}");
        }
        let mut cells = vec![None; s.len()];
        assert!(object(r#"{"a":1} {"a":2}"#, &s, &mut cache, &mut cells).is_none());
    }
}
