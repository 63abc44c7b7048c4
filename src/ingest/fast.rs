//! The fast path of the JSON reader: one pass over flat rows (every value a string, number, boolean or null),
//! which is what the large tables (shares, audits, role privileges) hold. Anything outside that shape (a nested
//! value, a `\u` escape, a syntax error, a duplicate envelope key) makes it give up, and the caller reads the
//! same text with serde_json, which reports the exact problem. The fast path never accepts a text that
//! serde_json would reject, and gives the same cells.

use super::row::{Cell, Col, Schema, Value};

/// The schema column of each key, remembered by the key's position in the row: exports write every row's keys
/// in the same order, so a row's key is recognized by comparing the text with the key that was at its position
/// in the row before (without scanning it as a string).
#[derive(Default)]
pub struct KeyCache {
    /// The key as written (a string token without escapes, with its quotes), and its column.
    slots: Vec<(Vec<u8>, Option<Col>)>,
}

impl KeyCache {
    /// The key at the start of `text` when it is the one that was at this position before: its length and its
    /// column.
    fn known(&self, ordinal: usize, text: &[u8]) -> Option<(usize, Option<Col>)> {
        let (key, col) = self.slots.get(ordinal)?;
        starts_with(text, key).then_some((key.len(), *col))
    }

    /// The column of a key token (with its quotes, without escapes), remembered for this position.
    fn column(&mut self, schema: &Schema, ordinal: usize, token: &str) -> Option<Col> {
        let col = schema.match_key(token.get(1..token.len() - 1)?);
        let slot = (token.as_bytes().to_vec(), col);
        if ordinal < self.slots.len() {
            self.slots[ordinal] = slot;
        } else if ordinal == self.slots.len() {
            self.slots.push(slot);
        }
        col
    }
}

/// `text.starts_with(prefix)`, eight bytes at a time (keys are short: a call to `memcmp` costs more).
fn starts_with(text: &[u8], prefix: &[u8]) -> bool {
    let Some(text) = text.get(..prefix.len()) else {
        return false;
    };
    let mut a = text.chunks_exact(8);
    let mut b = prefix.chunks_exact(8);
    (&mut a).zip(&mut b).all(|(x, y)| word(x) == word(y)) && tail(a.remainder()) == tail(b.remainder())
}

/// Eight bytes as a little-endian word (`bytes` has eight).
fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(bytes);
    u64::from_le_bytes(w)
}

/// Fewer than eight bytes as a word.
fn tail(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0, |w, &b| (w << 8) | u64::from(b))
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Bit 7 set in the bytes of `x` that are 0, and maybe in some after the first of them: a byte is found by
/// the borrow it sets in a word subtraction, and the lowest byte found is always a true one.
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// Whether `s` holds a backslash (strings are short: eight bytes at a time beats a call to `memchr`).
pub(super) fn has_backslash(s: &[u8]) -> bool {
    let mut chunks = s.chunks_exact(8);
    chunks.any(|c| zero_bytes(word(c) ^ (ONES * u64::from(b'\\'))) != 0) || chunks.remainder().contains(&b'\\')
}

/// Where the plain run of a JSON string's characters that starts `s` stops: at a quote, a backslash or a
/// control character; eight bytes at a time. (These are also the characters a JSON writer escapes.)
pub(crate) fn string_stop(s: &[u8]) -> Option<usize> {
    let mut chunks = s.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let x = word(chunk);
        // (Bytes below 0x20 set a borrow in `x - 0x20` per byte, as 0 does in `x - 1`.)
        let found = zero_bytes(x ^ (ONES * u64::from(b'"')))
            | zero_bytes(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGHS);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = chunks.remainder();
    rest.iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
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
        self.string_escaped().map(|(token, _)| token)
    }

    /// [`Scanner::string`], and whether the token has an escape.
    fn string_escaped(&mut self) -> Option<(&'a str, bool)> {
        let start = self.pos;
        self.pos += 1;
        let mut escaped = false;
        loop {
            self.pos += string_stop(self.s.get(self.pos..)?)?;
            match self.s.get(self.pos)? {
                b'"' => {
                    self.pos += 1;
                    return Some((self.text.get(start..self.pos)?, escaped));
                }
                b'\\' => {}
                _ => return None,
            }
            escaped = true;
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

    /// A key token (with its quotes). Keys with escapes give up (no export writes them).
    fn key(&mut self) -> Option<&'a str> {
        self.ws();
        if self.peek()? != b'"' {
            return None;
        }
        match self.string_escaped()? {
            (_, true) => None,
            (token, false) => Some(token),
        }
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
            self.ws();
            let col = match cache.known(ordinal, self.s.get(self.pos..)?) {
                Some((len, col)) => {
                    self.pos += len;
                    col
                }
                None => {
                    let key = self.key()?;
                    cache.column(schema, ordinal, key)
                }
            };
            self.eat(b':')?;
            self.ws();
            let at = self.pos;
            let token = self.scalar()?;
            if let Some(col) = col {
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
                let token = sc.key()?;
                sc.eat(b':')?;
                let key = token.get(1..token.len() - 1)?;
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
    fn string_stops_at_quotes_backslashes_and_control_characters() {
        for text in [&b""[..], b"abc", b"0123456789abcdef0123", "é\u{7f}ÿ".as_bytes()] {
            assert_eq!(string_stop(text), None, "{text:?}");
            for stop in [b'"', b'\\', 0, b'\n', 0x1F] {
                for at in 0..=text.len() {
                    let mut t = text.to_vec();
                    t.insert(at, stop);
                    t.extend_from_slice(b"\"x\\");
                    assert_eq!(string_stop(&t), Some(at), "{t:?}");
                }
            }
        }
        assert_eq!(string_stop(b" !#[]~\x7f\x80\xff0123456789"), None);
        for text in [&b""[..], b"a", b"abcdefgh", b"abcdefghijklmnopq", "é\u{7f}ÿ".as_bytes()] {
            assert!(!has_backslash(text));
            for at in 0..=text.len() {
                let mut t = text.to_vec();
                t.insert(at, b'\\');
                assert!(has_backslash(&t), "{t:?}");
            }
        }
    }

    #[test]
    fn keys_are_recognized_at_their_position_only_when_they_are_the_same() {
        let s = schema();
        let mut cache = KeyCache::default();
        let mut cells = vec![None; s.len()];
        for (text, a) in [
            (r#"{"a":"1","b":2}"#, "\"1\""),
            (r#"{"ab":"x","a":"2"}"#, "\"2\""),
            (r#"{ "a" : "3" }"#, "\"3\""),
            (r#"{"a\"":"x","a":"4"}"#, ""),
            (r#"{"abcdefghij":"x","a":"5"}"#, "\"5\""),
            (r#"{"abcdefghi":"x","a":"6"}"#, "\"6\""),
        ] {
            cells.iter_mut().for_each(|c| *c = None);
            match object(text, &s, &mut cache, &mut cells) {
                Some(()) => assert_eq!(tokens(&cells)[0].as_deref(), Some(a), "{text}"),
                None => assert_eq!(a, "", "{text}"),
            }
        }
        assert!(starts_with(b"abcdefghij", b"abcdefghi"));
        assert!(!starts_with(b"abcdefgh", b"abcdefghi"));
        assert!(!starts_with(b"abcdefghij", b"abcdefgxi"));
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
