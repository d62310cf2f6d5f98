//! Reading a workbook file (.xlsx, .xls, .ods) into sheets of text with calamine.

use std::io::Cursor;

use calamine::{open_workbook_auto_from_rs, Data, Reader};

use super::table::{Sheet, Workbook};

/// Reads the sheets Jangkau needs (`survey`, `choices`, `settings`).
///
/// # Errors
/// The reader's reason, for a file that is not a workbook it can read.
pub fn workbook(bytes: &[u8]) -> Result<Workbook, String> {
    let mut book =
        open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|e| e.to_string())?;
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let wanted = ["survey", "choices", "settings"]
            .iter()
            .any(|w| name.trim().eq_ignore_ascii_case(w));
        if !wanted {
            continue;
        }
        let range = book.worksheet_range(&name).map_err(|e| e.to_string())?;
        // A cell formatted far down the sheet makes a huge, empty range:
        // refuse it before building it.
        let (height, width) = range.get_size();
        if height > super::MAX_ROWS || width > 500 {
            return Err(format!(
                "the sheet \"{name}\" is {height} rows by {width} columns; at most {} by 500 are read",
                super::MAX_ROWS
            ));
        }
        // Cells are placed by their real position, so a sheet whose first
        // used cell is not A1 keeps its rows and columns.
        let (top, left) = range.start().unwrap_or((0, 0));
        let mut rows: Vec<Vec<String>> = vec![Vec::new(); top as usize];
        for r in range.rows() {
            let mut cells = vec![String::new(); left as usize];
            cells.extend(r.iter().map(cell_text));
            rows.push(cells);
        }
        sheets.push(Sheet { name, rows });
    }
    Ok(Workbook { sheets })
}

/// A cell as the text a person typed: whole numbers without `.0`, dates as
/// `YYYY-MM-DD`, a formula's last value.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Data::DateTime(d) => excel_date(d.as_f64()).unwrap_or_else(|| d.to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// An Excel serial date (days since 1899-12-30) as `YYYY-MM-DD`, with the
/// time of day when it has one.
fn excel_date(serial: f64) -> Option<String> {
    if !serial.is_finite() || !(0.0..3_000_000.0).contains(&serial) {
        return None;
    }
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    let t = base + chrono::Duration::milliseconds((serial * 86_400_000.0).round() as i64);
    Some(if t.time() == chrono::NaiveTime::MIN {
        t.date().to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S").to_string()
    })
}
