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
        let bytes = inner.as_bytes();
        let valid_shape = match bytes.len() {
            36 => [8, 13, 18, 23].iter().all(|&i| bytes[i] == b'-'),
            32 => true,
            _ => false,
        };
        if !valid_shape {
            return Err("expected a GUID".to_string());
        }
        let mut value: u128 = 0;
        for &b in bytes {
            if b == b'-' && bytes.len() == 36 {
                continue;
            }
            let digit = (b as char).to_digit(16).ok_or("expected a GUID")?;
            value = (value << 4) | digit as u128;
        }
        Ok(if value == 0 { None } else { Some(Guid(value)) })
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            (v >> 96) as u32,
            (v >> 80) as u16,
            (v >> 64) as u16,
            (v >> 48) as u16,
            v & 0xffff_ffff_ffff
        )
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
