//! Reports: they render what the analysis decided; they never decide.

pub mod charts;
pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;
pub mod sarif;
mod write;

pub use write::{write_atomically, write_large_atomically};

use std::borrow::Cow;

/// A text value for a CSV cell: one that a spreadsheet would evaluate as a formula (it begins with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) gets a leading `'`.
pub fn neutralize_formula(text: &str) -> Cow<'_, str> {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::neutralize_formula;

    #[test]
    fn formulas_are_neutralized() {
        assert_eq!(neutralize_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for s in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralize_formula(s).starts_with('\''), "{s:?}");
        }
        assert_eq!(neutralize_formula("alice@contoso.com"), "alice@contoso.com");
        assert_eq!(neutralize_formula(""), "");
    }
}
