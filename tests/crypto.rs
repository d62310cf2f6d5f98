#![cfg(target_arch = "wasm32")]
//! WebCrypto protection in headless Chromium: round trip, wrong PIN, tampering, no plaintext in the raw store, re-wrap on PIN change, and the phone's profiles over real IndexedDB (the single-user upgrade, a second profile's own key).

use chrono::{TimeZone, Utc};
use jangkau::crypto::keyfile::{KeyFile, MIN_ITERATIONS};
use jangkau::crypto::secret::SecretKind;
use jangkau::crypto::web::{self, AesGcmCipher};
use jangkau::crypto::{Cipher, CryptoError, IdentityCipher};
use jangkau::model::answer::AnswerValue;
use jangkau::model::builtin;
use jangkau::model::consent::{Consent, Purpose};
use jangkau::model::form::FormKind;
use jangkau::model::language::Language;
use jangkau::model::participant_code::ParticipantCode;
use jangkau::model::record::Record;
use jangkau::storage::idb::{IdbStore, DB_VERSION};
use jangkau::storage::{RecordStore, Records, StorageError};
use js_sys::{Object, Uint8Array};
use rexie::{ObjectStore, Rexie, TransactionMode};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PIN: &str = "482915";
/// Tests use the lowest work factor the app accepts, to stay quick.
const ITERATIONS: u32 = MIN_ITERATIONS;

const SECRET_ANSWER: &str = "Ingin usaha katering bersama Bu Wati";
const ASKED_BY: &str = "Pendamping Sulastri";

fn code() -> ParticipantCode {
    ParticipantCode::from_random([3, 14, 15, 9, 26, 5])
}

/// A needs assessment with a participant code, consent (naming who asked)
/// and a free-text answer: everything that must never be readable at rest.
fn assessment(n: u128) -> Record {
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let form = builtin::form(FormKind::NeedsAssessment).unwrap();
    let text = builtin::consent_text().unwrap();
    let consent = Consent::record(
        &text,
        Language::Indonesian,
        [Purpose::Assessment].into(),
        ASKED_BY,
        at,
    )
    .unwrap();
    let mut r = Record::new_draft(Uuid::from_u128(n), &form, Some(consent), at).unwrap();
    r.set_answer(
        &form,
        "participant_code",
        Some(AnswerValue::Code(code().to_string())),
        at,
    )
    .unwrap();
    r.set_answer(
        &form,
        "notes",
        Some(AnswerValue::Text(SECRET_ANSWER.into())),
        at,
    )
    .unwrap();
    r
}

/// Every string and byte array in a stored value, as text.
fn texts(value: &JsValue, out: &mut Vec<String>) {
    if let Some(s) = value.as_string() {
        out.push(s);
    } else if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        out.push(String::from_utf8_lossy(&bytes.to_vec()).into_owned());
    } else if let Some(buffer) = value.dyn_ref::<js_sys::ArrayBuffer>() {
        out.push(String::from_utf8_lossy(&Uint8Array::new(buffer).to_vec()).into_owned());
    } else if value.is_object() {
        for entry in Object::entries(value.unchecked_ref()).iter() {
            let pair: js_sys::Array = entry.unchecked_into();
            texts(&pair.get(0), out);
            texts(&pair.get(1), out);
        }
    }
}

/// Everything in both object stores, straight from IndexedDB.
async fn raw_text(name: &str) -> String {
    let db = Rexie::builder(name)
        .version(DB_VERSION)
        .add_object_store(ObjectStore::new("records"))
        .add_object_store(ObjectStore::new("meta"))
        .build()
        .await
        .unwrap();
    let mut out = Vec::new();
    for store in ["records", "meta"] {
        let tx = db.transaction(&[store], TransactionMode::ReadOnly).unwrap();
        for value in tx.store(store).unwrap().get_all(None, None).await.unwrap() {
            texts(&value, &mut out);
        }
    }
    db.close();
    out.join("\n")
}

fn leaks(raw: &str) -> Vec<&'static str> {
    let code = code().to_string();
    let code: &'static str = Box::leak(code.into_boxed_str());
    [SECRET_ANSWER, "katering", ASKED_BY, "Sulastri", code, PIN]
        .into_iter()
        .filter(|needle| raw.contains(needle))
        .collect()
}

#[wasm_bindgen_test]
async fn nothing_readable_is_left_in_the_raw_store() {
    let name = format!("jangkau-test-raw-{}", Uuid::new_v4());
    let (file, cipher) = web::create(PIN, SecretKind::Pin, ITERATIONS).await.unwrap();
    let store = IdbStore::open(&name).await.unwrap();
    store.set_meta("keyfile", &file.to_json()).await.unwrap();
    let records = Records::new(store, cipher);
    for n in 1..=3 {
        records.save(&assessment(n)).await.unwrap();
    }
    assert_eq!(
        records.load(Uuid::from_u128(2)).await.unwrap(),
        Some(assessment(2))
    );
    records.store().close();

    let raw = raw_text(&name).await;
    // The inspection sees the clear fields, so it is really reading records…
    assert!(
        raw.contains("needs_assessment"),
        "raw store read: {raw:.200}"
    );
    // …and none of the sensitive ones.
    assert_eq!(leaks(&raw), Vec::<&str>::new());

    // The same inspection does find them without encryption: it can fail.
    let plain_name = format!("jangkau-test-raw-plain-{}", Uuid::new_v4());
    let plain = Records::new(IdbStore::open(&plain_name).await.unwrap(), IdentityCipher);
    plain.save(&assessment(1)).await.unwrap();
    plain.store().close();
    let found = leaks(&raw_text(&plain_name).await);
    assert!(
        found.contains(&SECRET_ANSWER) && found.contains(&ASKED_BY),
        "{found:?}"
    );

    IdbStore::delete_database(&name).await.unwrap();
    IdbStore::delete_database(&plain_name).await.unwrap();
}

#[wasm_bindgen_test]
async fn seal_open_round_trip_with_fresh_ivs() {
    let (_, cipher) = web::create(PIN, SecretKind::Pin, ITERATIONS).await.unwrap();
    let aad = b"jangkau/record/1/abc";
    let a = cipher.seal(aad, b"data").await.unwrap();
    let b = cipher.seal(aad, b"data").await.unwrap();
    assert_ne!(a, b, "a fresh IV per write");
    assert_eq!(a.len(), 1 + 12 + 4 + 16);
    assert_eq!(cipher.open(aad, &a).await.unwrap(), b"data");
    assert_eq!(cipher.open(aad, &b).await.unwrap(), b"data");
    assert_eq!(
        cipher
            .open(aad, &cipher.seal(aad, b"").await.unwrap())
            .await
            .unwrap(),
        b""
    );
}

#[wasm_bindgen_test]
async fn tampered_moved_or_truncated_payloads_are_refused() {
    let (_, cipher) = web::create(PIN, SecretKind::Pin, ITERATIONS).await.unwrap();
    let aad = b"jangkau/record/1/abc";
    let sealed = cipher.seal(aad, b"Ingin usaha salon").await.unwrap();
    for i in [1, 13, sealed.len() / 2, sealed.len() - 1] {
        let mut flipped = sealed.clone();
        flipped[i] ^= 0x01;
        assert_eq!(
            cipher.open(aad, &flipped).await,
            Err(CryptoError::Tampered),
            "bit at {i}"
        );
    }
    assert_eq!(
        cipher.open(b"jangkau/record/1/xyz", &sealed).await,
        Err(CryptoError::Tampered)
    );
    for cut in [0, 5, 20, sealed.len() - 1] {
        assert_eq!(
            cipher.open(aad, &sealed[..cut]).await,
            Err(CryptoError::Tampered),
            "cut {cut}"
        );
    }
    // Another phone's key (same PIN, different data key) opens nothing.
    let (_, other) = web::create(PIN, SecretKind::Pin, ITERATIONS).await.unwrap();
    assert_eq!(other.open(aad, &sealed).await, Err(CryptoError::Tampered));
}

#[wasm_bindgen_test]
async fn a_tampered_record_is_reported_and_kept_and_others_still_open() {
    let name = format!("jangkau-test-tamper-{}", Uuid::new_v4());
    let (_, cipher) = web::create(PIN, SecretKind::Pin, ITERATIONS).await.unwrap();
    let records = Records::new(IdbStore::open(&name).await.unwrap(), cipher);
    records.save(&assessment(1)).await.unwrap();
    records.save(&assessment(2)).await.unwrap();
    let id = Uuid::from_u128(1).to_string();
    let mut stored = records.store().get(&id).await.unwrap().unwrap();
    let last = stored.sealed.len() - 1;
    stored.sealed[last] ^= 0x80;
    records.store().put(&stored).await.unwrap();
    assert_eq!(
        records.load(Uuid::from_u128(1)).await,
        Err(StorageError::Crypto(CryptoError::Tampered))
    );
    assert!(
        records.store().get(&id).await.unwrap().is_some(),
        "kept, not deleted"
    );
    assert_eq!(
        records.load(Uuid::from_u128(2)).await.unwrap(),
        Some(assessment(2))
    );
    records.store().close();
    IdbStore::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn wrong_pin_is_refused_and_the_key_file_holds_no_key() {
    let (file, cipher) = web::create(PIN, SecretKind::Pin, ITERATIONS).await.unwrap();
    let sealed = cipher.seal(b"x", b"secret").await.unwrap();
    let file = KeyFile::parse(&file.to_json()).unwrap();
    for wrong in ["482916", "", "4829150", "482915 "] {
        assert!(
            matches!(
                web::unlock(&file, wrong).await,
                Err(CryptoError::WrongSecret)
            ),
            "{wrong:?} opened the key"
        );
    }
    let again = web::unlock(&file, PIN).await.unwrap();
    assert_eq!(again.open(b"x", &sealed).await.unwrap(), b"secret");

    // Lowering the work factor in storage does not help a guesser: the
    // wrap is bound to it, so even the right PIN no longer opens it.
    let weakened = KeyFile {
        iterations: ITERATIONS + 10_000,
        ..file.clone()
    };
    assert!(matches!(
        web::unlock(&weakened, PIN).await,
        Err(CryptoError::WrongSecret)
    ));
}

#[wasm_bindgen_test]
async fn changing_the_pin_rewraps_the_same_key() {
    let (file, cipher) = web::create(PIN, SecretKind::Pin, ITERATIONS).await.unwrap();
    let sealed = cipher
        .seal(b"x", b"sealed under the first PIN")
        .await
        .unwrap();
    let long = "kalimat panjang ".repeat(16);
    let changed = web::rewrap(&file, PIN, &long, SecretKind::Passphrase, ITERATIONS)
        .await
        .unwrap();
    assert_ne!(changed.salt, file.salt);
    assert_eq!(changed.kind, SecretKind::Passphrase);
    assert!(matches!(
        web::unlock(&changed, PIN).await,
        Err(CryptoError::WrongSecret)
    ));
    let opened: AesGcmCipher = web::unlock(&changed, &long).await.unwrap();
    assert_eq!(
        opened.open(b"x", &sealed).await.unwrap(),
        b"sealed under the first PIN"
    );
    // The old PIN is required to change it.
    assert!(matches!(
        web::rewrap(&file, "000001", "999999", SecretKind::Pin, ITERATIONS).await,
        Err(CryptoError::WrongSecret)
    ));
}

#[wasm_bindgen_test]
async fn records_from_before_the_pin_are_resealed_in_indexeddb() {
    let name = format!("jangkau-test-reseal-{}", Uuid::new_v4());
    let store = std::rc::Rc::new(IdbStore::open(&name).await.unwrap());
    let old = Records::new(std::rc::Rc::clone(&store), IdentityCipher);
    old.save(&assessment(1)).await.unwrap();
    let (_, cipher) = web::create(PIN, SecretKind::Pin, ITERATIONS).await.unwrap();
    let new = Records::new(std::rc::Rc::clone(&store), cipher);
    assert_eq!(new.reseal_from(&IdentityCipher).await.unwrap(), 1);
    assert_eq!(
        new.load(Uuid::from_u128(1)).await.unwrap(),
        Some(assessment(1))
    );
    store.close();
    assert_eq!(leaks(&raw_text(&name).await), Vec::<&str>::new());
    IdbStore::delete_database(&name).await.unwrap();
}

/// The browser's databases under a prefix of their own, so the phone's
/// fixed names (`jangkau`, `jangkau-phone`) do not meet another test's.
#[derive(Clone)]
struct Prefixed(String);

impl jangkau::service::phone::Databases for Prefixed {
    type Store = std::rc::Rc<IdbStore>;

    async fn open(&self, name: &str) -> Result<Self::Store, StorageError> {
        Ok(std::rc::Rc::new(
            IdbStore::open(&format!("{}{name}", self.0)).await?,
        ))
    }

    fn close(&self, store: &Self::Store) {
        store.close();
    }

    async fn delete(&self, name: &str) -> Result<(), StorageError> {
        IdbStore::delete_database(&format!("{}{name}", self.0)).await
    }
}

/// WebCrypto keys at the lowest work factor, to keep the test quick.
#[derive(Clone, Copy)]
struct QuickKeys;

impl jangkau::crypto::KeyMaker for QuickKeys {
    type Cipher = AesGcmCipher;
    async fn calibrate(&self) -> Result<u32, CryptoError> {
        Ok(ITERATIONS)
    }
    async fn create(
        &self,
        secret: &str,
        kind: SecretKind,
        iterations: u32,
    ) -> Result<(KeyFile, AesGcmCipher), CryptoError> {
        web::WebKeys.create(secret, kind, iterations).await
    }
    async fn unlock(&self, file: &KeyFile, secret: &str) -> Result<AesGcmCipher, CryptoError> {
        web::WebKeys.unlock(file, secret).await
    }
    async fn rewrap(
        &self,
        file: &KeyFile,
        old: &str,
        new: &str,
        kind: SecretKind,
        iterations: u32,
    ) -> Result<KeyFile, CryptoError> {
        web::WebKeys.rewrap(file, old, new, kind, iterations).await
    }
    async fn new_shared(&self) -> Result<(Vec<u8>, AesGcmCipher), CryptoError> {
        web::WebKeys.new_shared().await
    }
    async fn shared_cipher(&self, raw: &[u8]) -> Result<AesGcmCipher, CryptoError> {
        web::WebKeys.shared_cipher(raw).await
    }
}

#[wasm_bindgen_test]
async fn a_single_user_database_becomes_the_first_profile_and_a_second_profile_opens_only_its_own()
{
    use jangkau::model::profile::FIRST_DB;
    use jangkau::service::phone::{Databases as _, Phone, PHONE_DB};
    use jangkau::service::vault::{Start, Vault};
    let prefix = format!("jangkau-test-profiles-{}-", Uuid::new_v4());
    let dbs = Prefixed(prefix.clone());
    {
        // The layout every build before profiles left: one database with
        // its key, records, the server, the outbox and the relay.
        let store = dbs.open(FIRST_DB).await.unwrap();
        let vault = Vault::new(std::rc::Rc::clone(&store), QuickKeys);
        let old = vault.set_up(PIN, SecretKind::Pin).await.unwrap().unwrap();
        old.save(&assessment(1)).await.unwrap();
        old.put_sealed_meta("endpoint", b"{\"url\":\"https://kirim.example\"}")
            .await
            .unwrap();
        old.put_sealed_meta("outbox", b"[]").await.unwrap();
        store.set_meta("relay", "{\"batches\":[]}").await.unwrap();
        store.close();
    }
    let phone = Phone::open(dbs.clone(), QuickKeys).await.unwrap();
    let first = phone.directory(|| "first".into()).await.unwrap().profiles[0].clone();
    assert_eq!(first.db, FIRST_DB);
    let vault = phone.vault(&first).await.unwrap();
    assert_eq!(vault.start().await.unwrap(), Start::Locked);
    let records = phone.unlock(&vault, &first, PIN, 0.0).await.unwrap();
    let mine = records.load(Uuid::from_u128(1)).await.unwrap().unwrap();
    assert_eq!(mine.answers, assessment(1).answers);
    assert_eq!(mine.collector.map(|c| c.id), Some("first".to_owned()));
    assert_eq!(
        records.shared().sealed_meta("endpoint").await.unwrap(),
        Some(b"{\"url\":\"https://kirim.example\"}".to_vec())
    );
    assert_eq!(
        records.store().get_meta("relay").await.unwrap().as_deref(),
        Some("{\"batches\":[]}")
    );

    // A second volunteer: her own database, her own PIN, the same server.
    let (second, hers) = phone
        .add(&records, "Sri", "739164", SecretKind::Pin, "second".into())
        .await
        .unwrap();
    assert!(hers.load(Uuid::from_u128(1)).await.unwrap().is_none());
    assert!(hers
        .shared()
        .sealed_meta("endpoint")
        .await
        .unwrap()
        .is_some());
    let her_vault = phone.vault(&second).await.unwrap();
    assert_eq!(
        phone.unlock(&her_vault, &second, PIN, 0.0).await.err(),
        Some(StorageError::Crypto(CryptoError::WrongSecret))
    );
    // In clear in the phone's database: the directory, not the server.
    let phone_text = raw_text(&format!("{prefix}{PHONE_DB}")).await;
    assert!(phone_text.contains("Sri"));
    assert!(!phone_text.contains("kirim.example"));
    // Left for the browser profile to go with: the phone and each vault
    // hold connections, and a delete would wait for them.
}
