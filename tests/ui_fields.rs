//! Pages never write a form field themselves: every `<input>`, `<textarea>` and `<select>` comes from ui/components/field.rs, which keeps the browser from saving its state to disk.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Raw field tags in `text`: `<input`, `<textarea`, `<select` followed by
/// a space, `/`, `>` or a line end.
fn raw_fields(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for tag in ["<input", "<textarea", "<select"] {
            let mut rest = line;
            while let Some(at) = rest.find(tag) {
                let after = rest[at + tag.len()..].chars().next();
                if after.is_none_or(|c| c.is_whitespace() || c == '/' || c == '>') {
                    found.push((n + 1, line.trim().to_owned()));
                }
                rest = &rest[at + tag.len()..];
            }
        }
    }
    found
}

#[test]
fn every_field_comes_from_the_private_field_components() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let mut files = Vec::new();
    rust_files(&ui, &mut files);
    assert!(files.len() > 10, "the ui folder was not found");
    let fields = ui.join("components/field.rs");
    let mut offenders = Vec::new();
    for file in files.iter().filter(|f| **f != fields) {
        let text = fs::read_to_string(file).unwrap();
        for (line, code) in raw_fields(&text) {
            offenders.push(format!("{}:{line}: {code}", file.display()));
        }
    }
    assert!(
        offenders.is_empty(),
        "use PrivateInput / PrivateTextArea / PrivateSelect instead:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_field_components_opt_out_of_form_state_and_spelling() {
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui/components/field.rs"),
    )
    .unwrap();
    let code: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect();
    let tags: Vec<&&str> = code.iter().filter(|l| !raw_fields(l).is_empty()).collect();
    assert_eq!(
        tags.len(),
        3,
        "one input, one textarea, one select: {tags:?}"
    );
    for line in tags {
        assert!(line.contains(r#"autocomplete="off""#), "{line}");
    }
}

#[test]
fn the_scanner_finds_raw_fields() {
    // The check above must be able to fail.
    assert_eq!(raw_fields(r#"<input type="text" />"#).len(), 1);
    assert_eq!(raw_fields("<textarea>x</textarea>").len(), 1);
    assert_eq!(raw_fields("<select\n").len(), 1);
    assert!(raw_fields("<PrivateInput {..} />").is_empty());
    assert!(raw_fields("<inputs>").is_empty());
}
