//! Command-line tool for a programme's forms: checks form files exactly as the phone does, and writes the forms index with their hashes.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

/// The tool is native only; this keeps `cargo build --target wasm32` whole.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::collections::BTreeSet;
    use std::fs;
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;

    use jangkau::crypto::native::sha256;
    use jangkau::model::form::FormDef;
    use jangkau::model::registry::{
        hex, read_file, Definition, Delivered, EntryProblem, FileContent, Index, IndexEntry, Part,
        Registry, INDEX_SCHEMA,
    };
    use jangkau::xlsform;

    const USAGE: &str = "\
usage:
  jangkau-forms check FILE...
      checks each form, consent statement or bundle as the phone would
      take it from a file; lists every problem with its place
  jangkau-forms index DIR
      checks every .json file in DIR (but index.json) and writes
      DIR/index.json naming each with its sha256
  jangkau-forms convert FORM.xlsx [-o FORM.json]
      converts an XLSForm workbook (.xlsx, .xls, .ods) to a Jangkau form:
      the form's JSON on stdout (or in FORM.json), what the import left
      out on stderr; exit 1 with every problem on stdout when refused
  jangkau-forms xlsform FORM.json -o FORM.xlsx
      writes a form as an XLSForm workbook, to start a programme's own
      spreadsheet from it

check accepts .xlsx (.xls, .ods) files too, converted as by convert.
Exit status: 0 done, 1 refused (the problems are listed), 2 usage,
3 a file could not be read or written.";

    pub fn main() -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            ["check", ref files @ ..] if !files.is_empty() => check(files),
            ["index", dir] => index(Path::new(dir)),
            ["convert", file] => convert(file, None),
            ["convert", file, "-o", out] => convert(file, Some(out)),
            ["xlsform", file, "-o", out] => xlsform(file, out),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        };
        match result {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => {
                eprintln!("jangkau-forms: {e}");
                ExitCode::from(3)
            }
        }
    }

    fn is_workbook(name: &str) -> bool {
        let lower = name.to_lowercase();
        [".xlsx", ".xlsm", ".xls", ".ods"]
            .iter()
            .any(|x| lower.ends_with(x))
    }

    /// A workbook's form as JSON, or its problems (in English) to print.
    fn workbook_form(bytes: &[u8]) -> Result<(String, Vec<String>), Vec<String>> {
        let report = xlsform::import(bytes);
        let english = |texts: Vec<jangkau::model::text::Text>| -> Vec<String> {
            texts.into_iter().map(|t| t.en).collect()
        };
        match report.form {
            Some(json) => Ok((json, english(report.notes))),
            None => Err(english(report.problems)),
        }
    }

    fn convert(file: &str, out: Option<&str>) -> Result<bool, String> {
        let bytes = fs::read(file).map_err(|e| format!("{file}: {e}"))?;
        match workbook_form(&bytes) {
            Ok((json, notes)) => {
                for n in notes {
                    eprintln!("{file}: note: {n}");
                }
                match out {
                    Some(path) => fs::write(path, json).map_err(|e| format!("{path}: {e}"))?,
                    None => print!("{json}"),
                }
                Ok(true)
            }
            Err(problems) => {
                for p in problems {
                    println!("{file}: {p}");
                }
                Ok(false)
            }
        }
    }

    fn xlsform(file: &str, out: &str) -> Result<bool, String> {
        let text = fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
        let form = match FormDef::parse(&text) {
            Ok(f) => f,
            Err(e) => {
                for p in e.problems() {
                    println!("{file}: {p}");
                }
                return Ok(false);
            }
        };
        let bytes = write_xlsx(&xlsform::export::workbook(&form)).map_err(|e| e.to_string())?;
        fs::write(out, bytes).map_err(|e| format!("{out}: {e}"))?;
        Ok(true)
    }

    /// Sheets of text as an .xlsx file, byte for byte the same for the
    /// same sheets (a fixed creation date), so a regenerated copy diffs clean.
    fn write_xlsx(book: &xlsform::Workbook) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format};
        let mut out = rust_xlsxwriter::Workbook::new();
        let created = ExcelDateTime::from_ymd(2026, 1, 1)?;
        out.set_properties(&DocProperties::new().set_creation_datetime(&created));
        let bold = Format::new().set_bold();
        for sheet in &book.sheets {
            let ws = out.add_worksheet();
            ws.set_name(&sheet.name)?;
            for (r, row) in sheet.rows.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    if cell.is_empty() {
                        continue;
                    }
                    if r == 0 {
                        ws.write_string_with_format(r as u32, c as u16, cell, &bold)?;
                    } else {
                        ws.write_string(r as u32, c as u16, cell)?;
                    }
                }
            }
            ws.set_freeze_panes(1, 0)?;
        }
        out.save_to_buffer()
    }

    /// Prints one problem per line under the file's name; true when none.
    fn report(name: &str, id: &str, version: u32, problem: &EntryProblem) {
        match problem {
            EntryProblem::Invalid(problems) => {
                for p in problems {
                    println!("{name}: {id} version {version}: {}: {}", p.path, p.problem);
                }
            }
            other => println!("{name}: {id} version {version}: {other}"),
        }
    }

    /// What a file delivers, as the phone reads a file picked on it.
    fn delivered(bytes: &[u8]) -> Result<Vec<Delivered>, String> {
        let entry = |id: String, version: u32| IndexEntry {
            id,
            version,
            url: None,
            sha256: None,
            definition: None,
        };
        Ok(match read_file(bytes).map_err(|e| e.to_string())? {
            FileContent::One(part, bytes) => {
                let result = Definition::parse(part, &bytes);
                let (id, version) = match &result {
                    Ok(d) => (d.id().to_owned(), d.version()),
                    Err(_) => ("(file)".to_owned(), 0),
                };
                vec![(part, entry(id, version), result.map(|d| (d, None)))]
            }
            FileContent::Bundle(index) => index
                .entries()
                .map(|(part, e)| {
                    let result = match &e.definition {
                        None => Err(EntryProblem::NoSource),
                        Some(def) => {
                            Definition::parse(part, &serde_json::to_vec(def).unwrap_or_default())
                                .map(|d| (d, None))
                        }
                    };
                    (part, e.clone(), result)
                })
                .collect(),
        })
    }

    fn check(files: &[&str]) -> Result<bool, String> {
        let mut all_ok = true;
        // All files together, as if loaded one after another on a phone
        // with the built-in forms: a form may need a statement given in
        // another file.
        let mut registry = Registry::built_in();
        let mut pending = Vec::new();
        for name in files {
            let mut bytes = fs::read(name).map_err(|e| format!("{name}: {e}"))?;
            if is_workbook(name) {
                match workbook_form(&bytes) {
                    Ok((json, _)) => bytes = json.into_bytes(),
                    Err(problems) => {
                        for p in problems {
                            println!("{name}: {p}");
                        }
                        all_ok = false;
                        continue;
                    }
                }
            }
            match delivered(&bytes) {
                Ok(d) => pending.push((name, d)),
                Err(e) => {
                    println!("{name}: {e}");
                    all_ok = false;
                }
            }
        }
        // Statements first, from every file.
        pending.sort_by_key(|(_, d)| d.iter().any(|(part, _, _)| *part == Part::Form));
        for (name, d) in pending {
            for o in registry.apply_file(d) {
                match &o.result {
                    Ok(_) => println!("{name}: {} version {}: ok", o.id, o.version),
                    Err(p) => {
                        all_ok = false;
                        report(name, &o.id, o.version, p);
                    }
                }
            }
        }
        Ok(all_ok)
    }

    fn index(dir: &Path) -> Result<bool, String> {
        let mut paths: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|x| x == "json")
                    && p.file_name().is_some_and(|n| n != "index.json")
            })
            .collect();
        paths.sort();
        let mut forms = Vec::new();
        let mut consents = Vec::new();
        let mut seen = BTreeSet::new();
        let mut registry = Registry::built_in();
        let mut all_ok = true;
        let mut parsed = Vec::new();
        for path in &paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bytes = fs::read(path).map_err(|e| format!("{name}: {e}"))?;
            let part = match read_file(&bytes) {
                Ok(FileContent::One(part, _)) => part,
                Ok(FileContent::Bundle(_)) => {
                    println!("{name}: a bundle cannot be listed in an index; give each form its own file");
                    all_ok = false;
                    continue;
                }
                Err(e) => {
                    println!("{name}: {e}");
                    all_ok = false;
                    continue;
                }
            };
            match Definition::parse(part, &bytes) {
                Ok(def) => parsed.push((name, part, def, hex(&sha256(&bytes)))),
                Err(p) => {
                    report(&name, "(file)", 0, &p);
                    all_ok = false;
                }
            }
        }
        // Statements first, so the forms that need them check.
        parsed.sort_by_key(|(_, part, _, _)| *part == Part::Form);
        for (name, part, def, hash) in parsed {
            let (id, version) = (def.id().to_owned(), def.version());
            if !seen.insert((part, id.clone(), version)) {
                println!("{name}: {id} version {version} is given by another file too");
                all_ok = false;
                continue;
            }
            let entry = IndexEntry {
                id: id.clone(),
                version,
                url: Some(name.clone()),
                sha256: Some(hash.clone()),
                definition: None,
            };
            let outcome = registry.apply_file(vec![(part, entry.clone(), Ok((def, Some(hash))))]);
            if let Some(Err(p)) = outcome.first().map(|o| &o.result) {
                report(&name, &id, version, p);
                all_ok = false;
                continue;
            }
            match part {
                Part::Form => forms.push(entry),
                Part::Consent => consents.push(entry),
            }
        }
        if !all_ok {
            println!("index.json not written: fix the files above first");
            return Ok(false);
        }
        let index = Index {
            schema: INDEX_SCHEMA.to_owned(),
            forms,
            consents,
        };
        let json = serde_json::to_string_pretty(&index).map_err(|e| e.to_string())?;
        let out = dir.join("index.json");
        fs::write(&out, json + "\n").map_err(|e| format!("{}: {e}", out.display()))?;
        println!(
            "{}: {} forms, {} consent statements",
            out.display(),
            index.forms.len(),
            index.consents.len()
        );
        Ok(true)
    }
}
