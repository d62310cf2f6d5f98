//! The form registry: immutable versions, versions never dropped, the programme's index fetched and checked entry by entry, files from the phone, limits, and the registry sealed at rest.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::cell::RefCell;
use std::collections::BTreeMap;

use jangkau::crypto::native::{sha256, NativeDigest};
use jangkau::model::builtin;
use jangkau::model::form::{FormDef, FormKind};
use jangkau::model::registry::{
    hex, resolve, EntryProblem, IndexError, Part, Registry, Source, Taken, MAX_ENTRIES,
    MAX_FILE_BYTES,
};
use jangkau::service::forms::{FormsError, FormsService, FormsSettings, Reach};
use jangkau::storage::memory::MemoryStore;
use jangkau::storage::{RecordStore, Records};
use jangkau::sync::engine::{Transport, TransportError};
use jangkau::sync::wire::{HttpRequest, HttpResponse};
use serde_json::json;
use support::keys::NativeCipher;

const INDEX: &str = "https://forms.example.org/opsi/index.json";

/// A static web host: a file per address, and every address asked for.
#[derive(Default)]
struct Host {
    files: RefCell<BTreeMap<String, Vec<u8>>>,
    asked: RefCell<Vec<String>>,
    offline: bool,
}

impl Host {
    fn put(&self, url: &str, bytes: Vec<u8>) {
        self.files.borrow_mut().insert(url.to_owned(), bytes);
    }

    fn asked(&self, url: &str) -> usize {
        self.asked.borrow().iter().filter(|u| *u == url).count()
    }
}

impl Transport for Host {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        if self.offline {
            return Err(TransportError::Offline);
        }
        self.asked.borrow_mut().push(request.url.clone());
        Ok(match self.files.borrow().get(&request.url) {
            Some(body) => HttpResponse {
                status: 200,
                retry_after: None,
                accept_encoding: None,
                body: body.clone(),
            },
            None => HttpResponse {
                status: 404,
                ..HttpResponse::default()
            },
        })
    }
}

/// A programme's own form: karaoke outreach, version `version`, with one
/// question whose label says which version it is.
fn karaoke(version: u32, label: &str) -> Vec<u8> {
    serde_json::to_vec_pretty(&json!({
        "id": "karaoke_outreach",
        "version": version,
        "kind": "needs_assessment",
        "title": {"id": "Penjangkauan karaoke", "en": "Karaoke outreach"},
        "requires_consent": true,
        "sections": [{
            "id": "skills",
            "title": {"id": "Keterampilan", "en": "Skills"},
            "questions": [
                {"id": "participant_code", "type": "participant_code",
                 "label": {"id": "Kode", "en": "Code"}, "required": true},
                {"id": "skill", "type": "text", "label": {"id": label, "en": label}}
            ]
        }]
    }))
    .unwrap()
}

fn entry(id: &str, version: u32, file: &str, bytes: &[u8]) -> serde_json::Value {
    json!({"id": id, "version": version, "url": file, "sha256": hex(&sha256(bytes))})
}

fn index(forms: Vec<serde_json::Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({"schema": "jangkau.forms/1", "forms": forms})).unwrap()
}

/// Publishes karaoke_outreach version 1 (`label` on its question) alone in the index.
fn publish_v1(host: &Host, label: &str) -> Vec<u8> {
    let v1 = karaoke(1, label);
    host.put("https://forms.example.org/opsi/karaoke.v1.json", v1.clone());
    host.put(
        INDEX,
        index(vec![entry("karaoke_outreach", 1, "karaoke.v1.json", &v1)]),
    );
    v1
}

fn records() -> Records<MemoryStore, NativeCipher> {
    Records::new(MemoryStore::new(), NativeCipher::random())
}

async fn with_address(records: &Records<MemoryStore, NativeCipher>) {
    FormsService { records }
        .set_address(Some(INDEX))
        .await
        .unwrap();
}

async fn check(
    records: &Records<MemoryStore, NativeCipher>,
    registry: &Registry,
    host: &Host,
) -> Result<(Registry, Vec<jangkau::model::registry::Outcome>), FormsError> {
    FormsService { records }
        .check(
            registry,
            &Reach {
                transport: host,
                digest: &NativeDigest,
                sources: None,
                page_origin: "https://app.example.org",
            },
            1.0,
        )
        .await
}

fn problem_of(
    outcomes: &[jangkau::model::registry::Outcome],
    id: &str,
    version: u32,
) -> EntryProblem {
    outcomes
        .iter()
        .find(|o| o.id == id && o.version == version)
        .unwrap_or_else(|| panic!("no outcome for {id} v{version}"))
        .result
        .clone()
        .unwrap_err()
}

#[test]
fn a_published_form_is_taken_and_offered_and_the_built_in_ones_stay_for_their_records() {
    pollster::block_on(async {
        let records = records();
        with_address(&records).await;
        let host = Host::default();
        publish_v1(&host, "Keahlian v1");

        let before = Registry::built_in();
        assert_eq!(before.published().len(), 3);
        let (after, outcomes) = check(&records, &before, &host).await.unwrap();
        assert_eq!(outcomes.len(), 1);
        assert_eq!(outcomes[0].result, Ok(Taken::Added));
        let published: Vec<String> = after.published().iter().map(|f| f.id.clone()).collect();
        assert_eq!(published, ["karaoke_outreach"]);
        assert_eq!(after.source, Source::Index);
        // The built-in forms are no longer offered, but their records still open.
        assert!(after.form("site_visit", 1).is_some());
        assert_eq!(after.current_version(Part::Form, "site_visit"), None);
        // The built-in consent stays current (the index lists none), so the
        // programme's assessment can start.
        let form = after.current_form("karaoke_outreach").unwrap();
        assert_eq!(after.consent_for(&form).unwrap().version, 1);
        assert_eq!(
            after.current_of_kind(FormKind::NeedsAssessment).unwrap().id,
            "karaoke_outreach"
        );

        // Stored: the next unlock opens the same registry.
        let opened = FormsService { records: &records }.open().await.unwrap();
        assert_eq!(opened.registry, after);
        assert!(opened.settings.checked_at_ms.is_some());
    });
}

#[test]
fn a_held_version_is_not_fetched_again_and_a_new_one_keeps_the_old() {
    pollster::block_on(async {
        let records = records();
        with_address(&records).await;
        let host = Host::default();
        let v1 = karaoke(1, "Keahlian v1");
        let v2 = karaoke(2, "Keahlian v2");
        let v1_url = "https://forms.example.org/opsi/karaoke.v1.json";
        host.put(v1_url, v1.clone());
        host.put(
            INDEX,
            index(vec![entry("karaoke_outreach", 1, "karaoke.v1.json", &v1)]),
        );
        let (r1, _) = check(&records, &Registry::built_in(), &host).await.unwrap();

        // Version 2 published beside version 1.
        host.put("https://forms.example.org/opsi/karaoke.v2.json", v2.clone());
        host.put(
            INDEX,
            index(vec![
                entry("karaoke_outreach", 1, "karaoke.v1.json", &v1),
                entry("karaoke_outreach", 2, "karaoke.v2.json", &v2),
            ]),
        );
        let (r2, outcomes) = check(&records, &r1, &host).await.unwrap();
        assert_eq!(
            host.asked(v1_url),
            1,
            "a held version is never fetched twice"
        );
        assert_eq!(outcomes[0].result, Ok(Taken::Held));
        assert_eq!(outcomes[1].result, Ok(Taken::Added));
        assert_eq!(r2.current_version(Part::Form, "karaoke_outreach"), Some(2));
        assert_eq!(r2.newer_than("karaoke_outreach", 1), Some(2));

        // Then the index lists only version 2: version 1 stays for its drafts.
        host.put(
            INDEX,
            index(vec![entry("karaoke_outreach", 2, "karaoke.v2.json", &v2)]),
        );
        let (r3, _) = check(&records, &r2, &host).await.unwrap();
        assert!(r3.form("karaoke_outreach", 1).is_some());
        // And an index without the form: it is no longer offered, yet held.
        host.put(INDEX, index(vec![]));
        let (r4, _) = check(&records, &r3, &host).await.unwrap();
        assert!(r4.published().is_empty());
        assert!(r4.form("karaoke_outreach", 1).is_some());
        assert!(r4.form("karaoke_outreach", 2).is_some());
    });
}

#[test]
fn a_version_changed_after_publishing_is_refused_and_the_rest_of_the_index_is_taken() {
    pollster::block_on(async {
        let records = records();
        with_address(&records).await;
        let host = Host::default();
        publish_v1(&host, "Keahlian v1");
        let (r1, _) = check(&records, &Registry::built_in(), &host).await.unwrap();

        // The programme edits version 1 in place and adds another form.
        let edited = karaoke(1, "Keahlian diubah");
        let other = serde_json::to_vec(&{
            let mut f = builtin::form(FormKind::SiteVisit).unwrap();
            f.id = "street_outreach".into();
            f
        })
        .unwrap();
        host.put(
            "https://forms.example.org/opsi/karaoke.v1.json",
            edited.clone(),
        );
        host.put(
            "https://forms.example.org/opsi/street.v1.json",
            other.clone(),
        );
        host.put(
            INDEX,
            index(vec![
                entry("karaoke_outreach", 1, "karaoke.v1.json", &edited),
                entry("street_outreach", 1, "street.v1.json", &other),
            ]),
        );
        let (r2, outcomes) = check(&records, &r1, &host).await.unwrap();
        assert_eq!(
            problem_of(&outcomes, "karaoke_outreach", 1),
            EntryProblem::VersionTaken
        );
        assert!(EntryProblem::VersionTaken
            .to_string()
            .contains("higher version"));
        let kept = r2.form("karaoke_outreach", 1).unwrap();
        assert_eq!(kept.sections[0].questions[1].label.id, "Keahlian v1");
        // Still offered, at the version it had.
        assert_eq!(r2.current_version(Part::Form, "karaoke_outreach"), Some(1));
        assert!(r2.current_form("street_outreach").is_some());

        // The same through a file on the phone.
        let (r3, outcomes) = FormsService { records: &records }
            .take_file(&r2, &edited)
            .await
            .unwrap();
        assert_eq!(outcomes[0].result, Err(EntryProblem::VersionTaken));
        assert_eq!(r3, r2);
    });
}

#[test]
fn a_tampered_file_an_oversized_one_and_a_broken_form_are_refused_each_with_its_reason() {
    pollster::block_on(async {
        let records = records();
        with_address(&records).await;
        let host = Host::default();
        let good = karaoke(1, "Keahlian");
        let tampered = karaoke(1, "Keahlian!");
        let mut broken: serde_json::Value = serde_json::from_slice(&karaoke(1, "x")).unwrap();
        broken["id"] = json!("broken_form");
        broken["sections"][0]["questions"][1]["type"] = json!("single_choice");
        let broken = serde_json::to_vec(&broken).unwrap();
        let huge = vec![b' '; MAX_FILE_BYTES + 1];
        host.put("https://forms.example.org/opsi/k.json", tampered);
        host.put("https://forms.example.org/opsi/b.json", broken.clone());
        host.put("https://forms.example.org/opsi/h.json", huge.clone());
        host.put(
            INDEX,
            index(vec![
                entry("karaoke_outreach", 1, "k.json", &good),
                entry("broken_form", 1, "b.json", &broken),
                entry("huge_form", 1, "h.json", &huge),
                json!({"id": "no_hash", "version": 1, "url": "k.json", "sha256": "abc"}),
                entry("missing_form", 1, "gone.json", &good),
            ]),
        );
        let before = Registry::built_in();
        let (after, outcomes) = check(&records, &before, &host).await.unwrap();
        assert_eq!(
            problem_of(&outcomes, "karaoke_outreach", 1),
            EntryProblem::HashMismatch
        );
        match problem_of(&outcomes, "broken_form", 1) {
            EntryProblem::Invalid(problems) => {
                assert!(
                    problems.iter().any(|p| p.path.contains("questions[1]")),
                    "{problems:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            problem_of(&outcomes, "huge_form", 1),
            EntryProblem::TooLarge
        );
        assert_eq!(problem_of(&outcomes, "no_hash", 1), EntryProblem::BadHash);
        assert!(
            matches!(problem_of(&outcomes, "missing_form", 1), EntryProblem::Fetch(m) if m.contains("404"))
        );
        assert!(after.form("karaoke_outreach", 1).is_none());
        assert!(after.form("broken_form", 1).is_none());
        assert_eq!(after.all_forms().len(), before.all_forms().len());
    });
}

#[test]
fn a_broken_index_changes_nothing_and_offline_the_phone_keeps_what_it_has() {
    pollster::block_on(async {
        let records = records();
        with_address(&records).await;
        let host = Host::default();
        publish_v1(&host, "Keahlian");
        let (r1, _) = check(&records, &Registry::built_in(), &host).await.unwrap();
        let stored = records.store().get_meta("forms").await.unwrap();

        for (body, expected) in [
            (b"<html>login</html>".to_vec(), "not a forms file"),
            (
                serde_json::to_vec(&json!({"schema": "jangkau.forms/9", "forms": []})).unwrap(),
                "schema",
            ),
            (
                index(
                    (0..=MAX_ENTRIES)
                        .map(|i| entry(&format!("f{i}"), 1, "x", b""))
                        .collect(),
                ),
                "at most",
            ),
        ] {
            host.put(INDEX, body);
            let e = check(&records, &r1, &host).await.unwrap_err();
            assert!(matches!(e, FormsError::Index(_)), "{e:?}");
            assert!(e.to_string().contains(expected), "{e}");
        }
        assert_eq!(records.store().get_meta("forms").await.unwrap(), stored);

        let offline = Host {
            offline: true,
            ..Host::default()
        };
        assert_eq!(
            check(&records, &r1, &offline).await.unwrap_err(),
            FormsError::Offline
        );
        let opened = FormsService { records: &records }.open().await.unwrap();
        assert_eq!(opened.registry, r1);
    });
}

#[test]
fn a_form_or_a_bundle_from_a_file_is_taken_and_a_form_without_its_consent_is_refused() {
    pollster::block_on(async {
        let records = records();
        let forms = FormsService { records: &records };
        let start = Registry::built_in();

        let (r1, outcomes) = forms
            .take_file(&start, &karaoke(1, "Keahlian"))
            .await
            .unwrap();
        assert_eq!(outcomes[0].result, Ok(Taken::Added));
        assert_eq!(r1.source, Source::File);
        // Added beside the built-in forms, which stay offered.
        assert_eq!(r1.published().len(), 4);

        let mut needs_other: serde_json::Value = serde_json::from_slice(&karaoke(1, "x")).unwrap();
        needs_other["id"] = json!("street_outreach");
        needs_other["consent"] = json!("street_consent");
        let mut consent = serde_json::to_value(builtin::consent_text().unwrap()).unwrap();
        consent["id"] = json!("street_consent");
        let bundle = serde_json::to_vec(&json!({
            "schema": "jangkau.forms/1",
            "forms": [
                {"id": "street_outreach", "version": 1, "definition": needs_other},
                {"id": "karaoke_outreach", "version": 2, "definition":
                    serde_json::from_slice::<serde_json::Value>(&karaoke(2, "v2")).unwrap()},
                {"id": "no_definition", "version": 1}
            ]
        }))
        .unwrap();
        // Without the statement it names, the street form cannot be taken.
        let (r2, outcomes) = forms.take_file(&r1, &bundle).await.unwrap();
        assert_eq!(
            problem_of(&outcomes, "street_outreach", 1),
            EntryProblem::ConsentMissing("street_consent".into())
        );
        assert_eq!(
            problem_of(&outcomes, "no_definition", 1),
            EntryProblem::NoSource
        );
        assert_eq!(r2.current_version(Part::Form, "karaoke_outreach"), Some(2));

        // With it in the same bundle, it is.
        let bundle = serde_json::to_vec(&json!({
            "schema": "jangkau.forms/1",
            "forms": [{"id": "street_outreach", "version": 1, "definition": needs_other}],
            "consents": [{"id": "street_consent", "version": 1, "definition": consent}]
        }))
        .unwrap();
        let (r3, outcomes) = forms.take_file(&r2, &bundle).await.unwrap();
        assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
        let street = r3.current_form("street_outreach").unwrap();
        assert_eq!(r3.consent_for(&street).unwrap().id, "street_consent");

        // Not a forms file at all: nothing changes.
        let e = forms.take_file(&r3, b"PK\x03\x04").await.unwrap_err();
        assert!(matches!(e, FormsError::Index(IndexError::Syntax(_))));
    });
}

#[test]
fn the_registry_is_sealed_at_rest_and_its_titles_never_stored_in_clear() {
    pollster::block_on(async {
        let records = records();
        let forms = FormsService { records: &records };
        let (r1, _) = forms
            .take_file(&Registry::built_in(), &karaoke(1, "Keahlian"))
            .await
            .unwrap();
        forms.set_address(Some(INDEX)).await.unwrap();
        for key in ["forms", "forms_settings"] {
            let raw = records.store().get_meta(key).await.unwrap().unwrap();
            for secret in ["karaoke", "Karaoke", "Kunjungan", "forms.example.org"] {
                assert!(!raw.contains(secret), "{key} holds {secret:?} in clear");
            }
        }
        assert_eq!(forms.open().await.unwrap().registry, r1);
    });
}

#[test]
fn after_an_update_the_versions_older_records_use_are_still_there() {
    // A phone whose registry holds a site visit version the new build no
    // longer ships (the build moved on to another version).
    let mut old = builtin::form(FormKind::SiteVisit).unwrap();
    old.version = 7;
    old.sections[0].title.en = "Old first section".into();
    let mut stored = Registry::built_in().to_stored();
    stored.forms.push(jangkau::model::registry::StoredEntry {
        definition: serde_json::to_value(&old).unwrap(),
        sha256: None,
    });
    // And one this build cannot read (a newer Jangkau's question type).
    let mut newer = serde_json::to_value(builtin::form(FormKind::FollowUp).unwrap()).unwrap();
    newer["version"] = json!(99);
    newer["sections"][0]["questions"][0]["type"] = json!("signature");
    stored.forms.push(jangkau::model::registry::StoredEntry {
        definition: newer.clone(),
        sha256: None,
    });

    let (restored, unreadable) = Registry::restore(stored);
    assert_eq!(unreadable, 1);
    assert_eq!(
        restored.form("site_visit", 7).unwrap().sections[0].title.en,
        "Old first section"
    );
    // New records use the build's version.
    assert_eq!(restored.current_version(Part::Form, "site_visit"), Some(1));
    // What could not be read is written back as it was.
    assert!(restored.to_stored().unreadable.contains(&newer));
}

#[test]
fn the_built_in_forms_are_replaced_only_by_a_higher_version_or_another_id() {
    let mut r = Registry::built_in();
    let mut changed: FormDef = builtin::form(FormKind::SiteVisit).unwrap();
    changed.sections[0].title.en = "Changed".into();
    let def = jangkau::model::registry::Definition::Form(std::rc::Rc::new(changed.clone()));
    assert_eq!(r.add(def, None), Err(EntryProblem::VersionTaken));
    changed.version = 2;
    let def = jangkau::model::registry::Definition::Form(std::rc::Rc::new(changed));
    assert_eq!(r.add(def, None), Ok(Taken::Added));
}

#[test]
fn the_forms_address_comes_from_the_deployment_once() {
    pollster::block_on(async {
        let records = records();
        let forms = FormsService { records: &records };
        let host = Host::default();
        host.put(
            "config.json",
            serde_json::to_vec(&json!({"forms_url": "forms/index.json"})).unwrap(),
        );
        let settings = forms.adopt_defaults(&host).await.unwrap();
        assert_eq!(settings.url.as_deref(), Some("forms/index.json"));
        // Removed by the user: the deployment's address does not come back.
        forms.set_address(None).await.unwrap();
        let settings = forms.adopt_defaults(&host).await.unwrap();
        assert_eq!(
            settings,
            FormsSettings {
                url: None,
                defaults_read: true,
                checked_at_ms: None
            }
        );
        assert!(forms.set_address(Some("ftp://x")).await.is_err());
    });
}

#[test]
fn entry_addresses_resolve_against_the_index() {
    assert_eq!(
        resolve(INDEX, "a.json"),
        "https://forms.example.org/opsi/a.json"
    );
    assert_eq!(
        resolve(INDEX, "v2/a.json"),
        "https://forms.example.org/opsi/v2/a.json"
    );
    assert_eq!(
        resolve(INDEX, "../a.json"),
        "https://forms.example.org/a.json"
    );
    assert_eq!(
        resolve(INDEX, "/x/a.json"),
        "https://forms.example.org/x/a.json"
    );
    assert_eq!(
        resolve(INDEX, "https://cdn.example.org/a.json"),
        "https://cdn.example.org/a.json"
    );
    assert_eq!(resolve("forms/index.json", "a.json"), "forms/a.json");
    assert_eq!(resolve("index.json?v=2", "a.json"), "a.json");
    assert_eq!(
        resolve("https://h.example.org", "a.json"),
        "https://h.example.org/a.json"
    );
}

/// A host whose index answer arrives after the user changed the address.
struct MovedMeanwhile<'a> {
    host: Host,
    records: &'a Records<MemoryStore, NativeCipher>,
}

impl Transport for MovedMeanwhile<'_> {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        if request.url == INDEX {
            FormsService {
                records: self.records,
            }
            .set_address(Some("https://other.example.org/index.json"))
            .await
            .unwrap();
        }
        self.host.send(request).await
    }
}

#[test]
fn an_address_changed_while_a_check_runs_is_kept() {
    pollster::block_on(async {
        let records = records();
        with_address(&records).await;
        let moving = MovedMeanwhile {
            host: Host::default(),
            records: &records,
        };
        publish_v1(&moving.host, "Keahlian");
        FormsService { records: &records }
            .check(
                &Registry::built_in(),
                &Reach {
                    transport: &moving,
                    digest: &NativeDigest,
                    sources: None,
                    page_origin: "https://app.example.org",
                },
                1.0,
            )
            .await
            .unwrap();
        let settings = FormsService { records: &records }.settings().await.unwrap();
        assert_eq!(
            settings.url.as_deref(),
            Some("https://other.example.org/index.json")
        );
        assert_eq!(
            settings.checked_at_ms, None,
            "the new address was never checked"
        );
    });
}

#[test]
fn an_update_of_the_built_in_forms_is_current_beside_files_but_not_beside_an_index() {
    // A phone that loaded a form from a file, then got a build whose site
    // visit is version 2: stored with the site visit at version 1 only.
    let mut with_file = Registry::built_in();
    let extra = karaoke(1, "x");
    let def = jangkau::model::registry::Definition::parse(Part::Form, &extra).unwrap();
    let entry = jangkau::model::registry::IndexEntry {
        id: "karaoke_outreach".into(),
        version: 1,
        url: None,
        sha256: None,
        definition: None,
    };
    with_file.apply_file(vec![(Part::Form, entry, Ok((def, None)))]);
    let mut stored = with_file.to_stored();
    for e in &mut stored.forms {
        if e.definition["id"] == "site_visit" {
            e.definition["version"] = json!(0u32);
        }
    }
    // (Version 0 stands for "older than the build's".)
    stored.current_forms = stored
        .current_forms
        .into_iter()
        .map(|(id, v)| if id == "site_visit" { (id, 0) } else { (id, v) })
        .collect();
    let (restored, unreadable) = Registry::restore(stored.clone());
    // Version 0 does not check, so it is kept unread; the build's version is current.
    assert_eq!(unreadable, 1);
    assert_eq!(restored.current_version(Part::Form, "site_visit"), Some(1));
    assert_eq!(
        restored.current_version(Part::Form, "karaoke_outreach"),
        Some(1)
    );

    // Beside an index, the index decides: a built-in form it does not list stays unoffered.
    stored.source = Source::Index;
    stored
        .current_forms
        .retain(|(id, _)| id == "karaoke_outreach");
    let (restored, _) = Registry::restore(stored);
    assert_eq!(restored.current_version(Part::Form, "site_visit"), None);
}
