//! Writes small XLSForm workbooks for the tests: each cell a string, or `#n:` a number, `#f:` a formula with its value, `#d:` a date cell.

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

pub type Rows<'a> = &'a [&'a [&'a str]];

/// An .xlsx file with these sheets, in order.
pub fn xlsx(sheets: &[(&str, Rows<'_>)]) -> Vec<u8> {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                if cell.is_empty() {
                    continue;
                }
                if let Some(n) = cell.strip_prefix("#n:") {
                    sheet.write_number(r, c, n.parse::<f64>().unwrap()).unwrap();
                } else if let Some(f) = cell.strip_prefix("#f:") {
                    let (formula, value) = f.split_once('|').unwrap();
                    sheet
                        .write_formula(r, c, Formula::new(formula).set_result(value))
                        .unwrap();
                } else if let Some(d) = cell.strip_prefix("#d:") {
                    let d = ExcelDateTime::parse_from_str(d).unwrap();
                    sheet.write_datetime_with_format(r, c, &d, &date).unwrap();
                } else {
                    sheet.write_string(r, c, *cell).unwrap();
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// The usual three sheets.
pub fn form(survey: Rows<'_>, choices: Rows<'_>, settings: Rows<'_>) -> Vec<u8> {
    xlsx(&[
        ("survey", survey),
        ("choices", choices),
        ("settings", settings),
    ])
}
