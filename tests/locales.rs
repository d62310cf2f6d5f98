//! Every translation key exists in both locales, with the same placeholders and no empty text.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

const LOCALES: [&str; 2] = ["id", "en"];

fn load(locale: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(format!("{locale}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Flattens nested objects into dotted keys → text.
fn flatten(value: &Value, prefix: &str, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(v, &key, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => panic!("{prefix}: expected text, found {other}"),
    }
}

fn keys_of(locale: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    flatten(&load(locale), "", &mut out);
    out
}

/// The `{{ name }}` placeholders in a text.
fn placeholders(text: &str) -> BTreeSet<String> {
    text.split("{{")
        .skip(1)
        .filter_map(|rest| {
            rest.split_once("}}")
                .map(|(name, _)| name.trim().to_owned())
        })
        .collect()
}

/// Differences between two key sets, as readable lines.
fn missing(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<String> {
    a.keys().filter(|k| !b.contains_key(*k)).cloned().collect()
}

#[test]
fn both_locales_have_the_same_keys() {
    let id = keys_of("id");
    let en = keys_of("en");
    let only_id = missing(&id, &en);
    let only_en = missing(&en, &id);
    assert!(
        only_id.is_empty() && only_en.is_empty(),
        "keys only in id.json: {only_id:?}; keys only in en.json: {only_en:?}"
    );
}

#[test]
fn placeholders_match_between_locales() {
    let id = keys_of("id");
    let en = keys_of("en");
    let mismatched: Vec<_> = id
        .iter()
        .filter_map(|(k, v)| en.get(k).map(|e| (k, placeholders(v), placeholders(e))))
        .filter(|(_, a, b)| a != b)
        .collect();
    assert!(mismatched.is_empty(), "placeholders differ: {mismatched:?}");
}

#[test]
fn no_text_is_empty() {
    for locale in LOCALES {
        let empty: Vec<_> = keys_of(locale)
            .into_iter()
            .filter(|(_, v)| v.trim().is_empty())
            .map(|(k, _)| k)
            .collect();
        assert!(empty.is_empty(), "{locale}.json has empty texts: {empty:?}");
    }
}

#[test]
fn helpers_detect_what_they_should() {
    // The checks above are only as good as these helpers.
    let a: BTreeMap<_, _> = [
        ("x".to_owned(), String::new()),
        ("y".to_owned(), String::new()),
    ]
    .into();
    let b: BTreeMap<_, _> = [("x".to_owned(), String::new())].into();
    assert_eq!(missing(&a, &b), vec!["y".to_owned()]);
    assert_eq!(
        placeholders("{{ n }} menit, {{kind}}"),
        BTreeSet::from(["n".to_owned(), "kind".to_owned()])
    );
    let mut flat = BTreeMap::new();
    flatten(&serde_json::json!({"a": {"b": "t"}}), "", &mut flat);
    assert_eq!(flat.get("a.b").map(String::as_str), Some("t"));
}

#[test]
fn words_that_stigmatise_are_never_used() {
    // DOMAIN.md: some sources use moralising terms; Jangkau never does.
    const BANNED: [&str; 4] = ["maksiat", "tuna susila", "psk", "pelacur"];
    for locale in LOCALES {
        for (key, text) in keys_of(locale) {
            // Whole words only: " psk " but not inside another word.
            let words: Vec<_> = text
                .to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect();
            let padded = format!(" {} ", words.join(" "));
            for word in BANNED {
                let hit = padded.contains(&format!(" {word} "));
                assert!(!hit, "{locale}.json {key} uses {word:?}");
            }
        }
    }
}
