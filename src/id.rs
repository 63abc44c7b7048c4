//! GUIDs as Dataverse writes them, normalized, and typed ids for each kind of record.

use std::fmt;

/// A Dataverse GUID: compared case-insensitively, with or without braces (INPUT.md).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid(pub u128);

impl Guid {
    /// Parses a GUID. `Ok(None)` for the spellings of "no value": empty, `null`, all zeros.
    pub fn parse(text: &str) -> Result<Option<Guid>, String> {
        let t = text.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("null") {
            return Ok(None);
        }
        let inner = t.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(t);
        let value = decode_hex_guid(inner.as_bytes()).ok_or_else(|| "expected a GUID".to_string())?;
        Ok(if value == 0 { None } else { Some(Guid(value)) })
    }
}

/// Lower-case hex digits, by value.
pub const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Hex digit values; 0xFF for a byte that is not one.
const HEX: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Positions of the 32 hex digits of a dashed GUID.
const DASHED: [usize; 32] = [
    0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
    35,
];

/// 32 hex digits, bare or dashed 8-4-4-4-12.
fn decode_hex_guid(bytes: &[u8]) -> Option<u128> {
    let positions: [usize; 32] = match bytes.len() {
        36 if [8, 13, 18, 23].iter().all(|&i| bytes.get(i) == Some(&b'-')) => DASHED,
        32 => std::array::from_fn(|i| i),
        _ => return None,
    };
    let (mut hi, mut lo, mut bad) = (0u64, 0u64, 0u8);
    for (k, &i) in positions.iter().enumerate() {
        let d = HEX[bytes.get(i).copied().unwrap_or(0) as usize];
        bad |= d;
        let half = if k < 16 { &mut hi } else { &mut lo };
        *half = (*half << 4) | u64::from(d & 0xF);
    }
    (bad & 0xF0 == 0).then_some((u128::from(hi) << 64) | u128::from(lo))
}

impl Guid {
    /// The lower-case dashed form, without allocating.
    pub fn to_dashed(self) -> [u8; 36] {
        let mut out = [b'-'; 36];
        for (k, &i) in DASHED.iter().enumerate() {
            let nibble = (self.0 >> (124 - 4 * k)) & 0xF;
            out[i] = HEX_DIGITS[nibble as usize];
        }
        out
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dashed = self.to_dashed();
        // The buffer holds only ASCII hex digits and dashes.
        f.pad(std::str::from_utf8(&dashed).unwrap_or_default())
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for Guid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(pub Guid);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl From<Guid> for $name {
            fn from(g: Guid) -> Self {
                $name(g)
            }
        }
    };
}

id_type!(/// `businessunitid`
    BusinessUnitId);
id_type!(/// `systemuserid`
    UserId);
id_type!(/// `teamid`
    TeamId);
id_type!(/// `roleid`
    RoleId);
id_type!(/// `privilegeid`
    PrivilegeId);
id_type!(/// `fieldsecurityprofileid`
    ProfileId);
id_type!(/// `positionid`
    PositionId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling_of_the_same_guid() {
        let a = Guid::parse("1360FDCB-B6E1-EE11-904C-002248DAD9C1").unwrap();
        let b = Guid::parse("{1360fdcb-b6e1-ee11-904c-002248dad9c1}").unwrap();
        let c = Guid::parse("1360fdcbb6e1ee11904c002248dad9c1").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.unwrap().to_string(), "1360fdcb-b6e1-ee11-904c-002248dad9c1");
    }

    #[test]
    fn no_value_spellings() {
        for s in ["", "  ", "null", "00000000-0000-0000-0000-000000000000"] {
            assert_eq!(Guid::parse(s), Ok(None), "{s:?}");
        }
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "1360fdcb",
            "1360fdcb-b6e1-ee11-904c-002248dad9cz",
            "1360fdcb_b6e1_ee11_904c_002248dad9c1",
            "{1360fdcb-b6e1-ee11-904c-002248dad9c1",
        ] {
            assert!(Guid::parse(s).is_err(), "{s:?}");
        }
    }
}
