//! `principalobjectaccessset`: record shares, read into the compact share table. The files are read on every
//! core and their rows put together in file order, so that tables and principals are numbered as reading the
//! files one after the other numbers them.

use crate::id::Guid;
use crate::ingest::parallel::read_table_parallel;
use crate::ingest::problem::{Problem, ProblemKind};
use crate::ingest::reader::TableLog;
use crate::ingest::row::{Row, RowError, Schema};
use crate::ingest::source::SourceFile;
use crate::model::{PrincipalKind, Share, Shares, RIGHTS_MASK};

/// One share row as a reading thread keeps it until the rows before it are in: its principal is interned in
/// reading order, when the rows are put together.
struct PieceShare {
    object: Guid,
    principal: Guid,
    kind: PrincipalKind,
    table: u32,
    rights: u32,
    inherited: u32,
}

/// What a reading thread collected from one piece of the files.
#[derive(Default)]
struct Piece {
    rows: Vec<PieceShare>,
    /// Table names, interned in the piece (few, and looked up on every row).
    tables: Shares,
    without_rights: u64,
}

pub fn shares(files: &[SourceFile], log: &mut TableLog) -> Shares {
    let mut s = Schema::new("principalobjectaccessset");
    let object = s.required("objectid");
    let table = s.required("objecttypecode");
    let principal = s.required("principalid");
    let kind = s.required("principaltypecode");
    let rights = s.col("accessrightsmask");
    let inherited = s.col("inheritedaccessrightsmask");
    let on_row = |piece: &mut Piece, row: &Row| {
        let object_id: Guid = row.required_guid(object)?;
        let principal_id: Guid = row.required_guid(principal)?;
        let kind_text = row.required_str(kind)?;
        let principal_kind = match &*kind_text {
            k if k.eq_ignore_ascii_case("systemuser") || k == "8" => PrincipalKind::User,
            k if k.eq_ignore_ascii_case("team") || k == "9" => PrincipalKind::Team,
            other => {
                return Err(RowError::field(
                    kind,
                    format!(
                        "expected systemuser, team, 8 or 9, found {:?}",
                        other.to_ascii_lowercase().chars().take(40).collect::<String>()
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
            piece.without_rights += 1;
            return Ok(());
        }
        let table_name = row.required_str(table)?;
        let table_index = if table_name.bytes().any(|b| b.is_ascii_uppercase()) {
            piece.tables.intern_table(&table_name.to_ascii_lowercase())
        } else {
            piece.tables.intern_table(&table_name)
        };
        let share = PieceShare {
            object: object_id,
            principal: principal_id,
            kind: principal_kind,
            table: table_index,
            rights: direct,
            inherited: cascaded,
        };
        piece.rows.push(share);
        Ok(())
    };
    let mut out = Shares::default();
    let mut without_rights = 0u64;
    read_table_parallel(
        files,
        &s,
        log,
        Piece::default,
        on_row,
        std::mem::take,
        |piece: Piece| {
            let tables: Vec<u32> = piece.tables.tables.iter().map(|t| out.intern_table(t)).collect();
            out.rows.reserve(piece.rows.len());
            // (The principal of a row a few rows on is fetched while this one is interned.)
            for (i, r) in piece.rows.iter().enumerate() {
                if let Some(ahead) = piece.rows.get(i + 8) {
                    out.prefetch_principal(ahead.principal);
                }
                let share = Share {
                    object: r.object,
                    table: tables.get(r.table as usize).copied().unwrap_or_default(),
                    principal: out.intern_principal(r.principal, r.kind),
                    rights: r.rights,
                    inherited: r.inherited,
                };
                out.rows.push(share);
            }
            without_rights += piece.without_rights;
        },
    );
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
