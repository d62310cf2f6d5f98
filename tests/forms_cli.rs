//! `jangkau-forms`: checking form files as the phone does, and writing an index whose hashes the phone accepts.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::Path;
use std::process::Command;

use jangkau::crypto::native::{sha256, NativeDigest};
use jangkau::model::builtin;
use jangkau::model::form::FormKind;
use jangkau::model::registry::{hex, Index, Registry, Taken};

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jangkau-forms"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("jangkau-forms-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn programme_form(version: u32) -> String {
    let mut form = builtin::form(FormKind::FollowUp).unwrap();
    form.id = "karaoke_follow_up".into();
    form.version = version;
    serde_json::to_string_pretty(&form).unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn check_lists_every_problem_with_its_place_and_passes_good_files() {
    let d = dir("check");
    let good = d.join("good.json");
    fs::write(&good, programme_form(1)).unwrap();
    let (ok, out) = run(&["check", path(&good)]);
    assert!(ok, "{out}");
    assert!(out.contains("karaoke_follow_up version 1: ok"), "{out}");

    let mut broken: serde_json::Value = serde_json::from_str(&programme_form(2)).unwrap();
    broken["sections"][0]["questions"][0]["type"] = "single_choice".into();
    broken["sections"][1]["id"] = broken["sections"][0]["id"].clone();
    let bad = d.join("bad.json");
    fs::write(&bad, serde_json::to_string(&broken).unwrap()).unwrap();
    let junk = d.join("junk.json");
    fs::write(&junk, "PK\u{3}\u{4} not json").unwrap();
    let (ok, out) = run(&["check", path(&good), path(&bad), path(&junk)]);
    assert!(!ok, "{out}");
    assert!(out.contains("sections[0].questions[0]"), "{out}");
    assert!(out.contains("duplicate section id"), "{out}");
    assert!(out.contains("junk.json: this is not a forms file"), "{out}");

    let (ok, out) = run(&[]);
    assert!(!ok && out.contains("usage"), "{out}");
}

#[test]
fn index_writes_hashes_the_phone_accepts_and_refuses_to_write_over_a_broken_form() {
    let d = dir("index");
    fs::write(d.join("karaoke.v1.json"), programme_form(1)).unwrap();
    fs::write(d.join("karaoke.v2.json"), programme_form(2)).unwrap();
    let mut consent = serde_json::to_value(builtin::consent_text().unwrap()).unwrap();
    consent["version"] = 2.into();
    fs::write(
        d.join("consent.v2.json"),
        serde_json::to_string(&consent).unwrap(),
    )
    .unwrap();
    let (ok, out) = run(&["index", path(&d)]);
    assert!(ok, "{out}");
    let written = fs::read(d.join("index.json")).unwrap();
    let index = Index::parse(&written).unwrap();
    assert_eq!(index.forms.len(), 2);
    assert_eq!(index.consents.len(), 1);
    for e in &index.forms {
        let bytes = fs::read(d.join(e.url.as_deref().unwrap())).unwrap();
        assert_eq!(e.sha256.as_deref(), Some(hex(&sha256(&bytes)).as_str()));
    }

    // The phone takes that index as written.
    let records = jangkau::storage::Records::new(
        jangkau::storage::memory::MemoryStore::new(),
        jangkau::crypto::IdentityCipher,
    );
    let host = DirHost(d.clone());
    let (registry, outcomes) = pollster::block_on(async {
        let forms = jangkau::service::forms::FormsService { records: &records };
        forms
            .set_address(Some("http://127.0.0.1/f/index.json"))
            .await
            .unwrap();
        forms
            .check(
                &Registry::built_in(),
                &jangkau::service::forms::Reach {
                    transport: &host,
                    digest: &NativeDigest,
                    sources: None,
                    page_origin: "http://127.0.0.1",
                },
                0.0,
            )
            .await
            .unwrap()
    });
    assert!(
        outcomes.iter().all(|o| o.result == Ok(Taken::Added)),
        "{outcomes:?}"
    );
    assert_eq!(registry.published().len(), 1);

    // A broken file: nothing is written over the good index.
    fs::write(
        d.join("broken.json"),
        "{\"id\": \"x\", \"version\": 1, \"sections\": []}",
    )
    .unwrap();
    let (ok, out) = run(&["index", path(&d)]);
    assert!(!ok, "{out}");
    assert!(out.contains("not written"), "{out}");
    assert_eq!(fs::read(d.join("index.json")).unwrap(), written);
}

/// Serves a directory at http://127.0.0.1/f/.
struct DirHost(std::path::PathBuf);

impl jangkau::sync::engine::Transport for DirHost {
    async fn send(
        &self,
        request: &jangkau::sync::wire::HttpRequest,
    ) -> Result<jangkau::sync::wire::HttpResponse, jangkau::sync::engine::TransportError> {
        let name = request.url.trim_start_matches("http://127.0.0.1/f/");
        Ok(match fs::read(self.0.join(name)) {
            Ok(body) => jangkau::sync::wire::HttpResponse {
                status: 200,
                retry_after: None,
                accept_encoding: None,
                body,
            },
            Err(_) => jangkau::sync::wire::HttpResponse {
                status: 404,
                ..Default::default()
            },
        })
    }
}
