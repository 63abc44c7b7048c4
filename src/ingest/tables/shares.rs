//! `principalobjectaccessset`: record shares, read into the compact share table.

use crate::id::Guid;
use crate::ingest::problem::{Problem, ProblemKind};
use crate::ingest::reader::{read_table, TableLog};
use crate::ingest::row::{RowError, Schema};
use crate::ingest::source::SourceFile;
use crate::model::{PrincipalKind, Share, Shares, RIGHTS_MASK};

pub fn shares(files: &[SourceFile], log: &mut TableLog) -> Shares {
    let mut s = Schema::new("principalobjectaccessset");
    let object = s.required("objectid");
    let table = s.required("objecttypecode");
    let principal = s.required("principalid");
    let kind = s.required("principaltypecode");
    let rights = s.col("accessrightsmask");
    let inherited = s.col("inheritedaccessrightsmask");
    let mut out = Shares::default();
    let mut without_rights = 0u64;
    read_table(files, &s, log, &mut |row| {
        let object_id: Guid = row.required_guid(object)?;
        let principal_id: Guid = row.required_guid(principal)?;
        let kind_text = row.required_text(kind)?;
        let principal_kind = match kind_text.to_ascii_lowercase().as_str() {
            "systemuser" | "8" => PrincipalKind::User,
            "team" | "9" => PrincipalKind::Team,
            other => {
                return Err(RowError::field(
                    kind,
                    format!(
                        "expected systemuser, team, 8 or 9, found {:?}",
                        other.chars().take(40).collect::<String>()
                    ),
                ))
            }
        };
        let mask = |c| -> Result<u32, RowError> {
            match row.int(c)? {
                None => Ok(0),
                Some(m) if (0..=u32::MAX as i64).contains(&m) => Ok(m as u32 & RIGHTS_MASK),
                // Masks are stored as signed 32-bit integers; a high flag bit makes them negative.
                Some(m) if (i32::MIN as i64..0).contains(&m) => Ok(m as i32 as u32 & RIGHTS_MASK),
                Some(m) => Err(RowError::field(c, format!("access rights mask {m} is out of range"))),
            }
        };
        let direct = mask(rights)?;
        let cascaded = mask(inherited)?;
        if direct == 0 && cascaded == 0 {
            without_rights += 1;
            return Ok(());
        }
        let table_name = row.required_text(table)?.to_ascii_lowercase();
        let share = Share {
            object: object_id,
            table: out.intern_table(&table_name),
            principal: out.intern_principal(principal_id, principal_kind),
            rights: direct,
            inherited: cascaded,
        };
        out.rows.push(share);
        Ok(())
    });
    let file = log.files.first().cloned().unwrap_or_default();
    let duplicates = out.dedup();
    if duplicates > 0 {
        log.rows -= duplicates;
        log.skipped += duplicates;
        log.problems.push(Problem::file_level(
            &file,
            ProblemKind::DuplicateRow,
            format!("{duplicates} identical share rows dropped (overlapping pages?)"),
        ));
        log.problems.count += duplicates - 1;
    }
    if without_rights > 0 {
        log.push(Problem::file_level(
            &file,
            ProblemKind::Note,
            format!("{without_rights} rows carry no access right after masking with 0xD0037 and are not shares"),
        ));
    }
    out
}
