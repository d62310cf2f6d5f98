//! Several volunteers on one phone, as a plain-Rust service over in-memory databases: a profile each, records only its owner opens, shared settings, credit, removal, and the upgrade of a single-user phone.
#![cfg(not(target_arch = "wasm32"))]

use std::rc::Rc;

use chrono::{TimeZone, Utc};
use jangkau::crypto::secret::SecretKind;
use jangkau::crypto::{CryptoError, IdentityCipher};
use jangkau::model::profile::{NameError, Profile, FIRST_DB};
use jangkau::model::record::{Record, RecordStatus};
use jangkau::service::phone::{
    Phone, ProfileError, Removed, META_PROFILES, META_SHARED_KEY, PHONE_DB,
};
use jangkau::service::vault::{Start, Vault};
use jangkau::storage::memory::{MemoryDatabases, MemoryStore};
use jangkau::storage::{ListQuery, RecordStore, Records, StorageError};
use jangkau::sync::engine::{META_ENDPOINT, META_OUTBOX, META_RELAY};
use pollster::block_on;
use support::keys::{NativeCipher, TestKeys};

mod support;

const PIN_A: &str = "482915";
const PIN_B: &str = "739164";
const T: f64 = 1_800_000_000_000.0;

type Recs = Records<Rc<MemoryStore>, NativeCipher>;

fn draft(n: u128) -> Record {
    support::site_visit(
        n,
        Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap(),
        "KDR-CERME",
    )
}

fn finished(n: u128) -> Record {
    let mut r = draft(n);
    r.status = RecordStatus::Final;
    r
}

fn phone(dbs: &MemoryDatabases) -> Phone<MemoryDatabases, TestKeys> {
    block_on(Phone::open(dbs.clone(), TestKeys)).unwrap()
}

/// Sets the PIN of a profile that has none and opens its records.
fn set_up(phone: &Phone<MemoryDatabases, TestKeys>, profile: &Profile, pin: &str) -> Recs {
    let vault = block_on(phone.vault(profile)).unwrap();
    block_on(phone.set_up(&vault, profile, pin, SecretKind::Pin))
        .unwrap()
        .expect("set up")
}

/// A new phone: its first profile set up with PIN A.
fn first(phone: &Phone<MemoryDatabases, TestKeys>) -> (Profile, Recs) {
    let directory = block_on(phone.directory(|| "a".into())).unwrap();
    let profile = directory.profiles[0].clone();
    let records = set_up(phone, &profile, PIN_A);
    (profile, records)
}

/// As if the app died while removing the profile of database `db`: its
/// entry marked, nothing deleted yet.
fn cut_short_removal_of(dbs: &MemoryDatabases, db: &str) {
    let store = dbs.store(PHONE_DB);
    let text = block_on(store.get_meta(META_PROFILES)).unwrap().unwrap();
    let marked = text.replace(
        &format!(r#""db":"{db}""#),
        &format!(r#""db":"{db}","removing":true"#),
    );
    assert_ne!(marked, text);
    block_on(store.set_meta(META_PROFILES, &marked)).unwrap();
}

/// A second volunteer, "Sri" (id `b`, PIN B), added from `from`.
fn sri(phone: &Phone<MemoryDatabases, TestKeys>, from: &Recs) -> (Profile, Recs) {
    block_on(phone.add(from, "Sri", PIN_B, SecretKind::Pin, "b".into())).unwrap()
}

fn unlock(
    phone: &Phone<MemoryDatabases, TestKeys>,
    profile: &Profile,
    pin: &str,
) -> Result<Recs, StorageError> {
    let vault = block_on(phone.vault(profile)).unwrap();
    block_on(phone.unlock(&vault, profile, pin, T))
}

fn ids(records: &Recs) -> Vec<String> {
    block_on(records.store().page(&ListQuery {
        limit: u32::MAX,
        ..Default::default()
    }))
    .unwrap()
    .into_iter()
    .map(|r| r.id)
    .collect()
}

#[test]
fn a_new_phone_has_one_profile_over_the_first_database_and_credits_its_records() {
    let dbs = MemoryDatabases::new();
    let phone = phone(&dbs);
    let (profile, records) = first(&phone);
    assert_eq!(profile.db, FIRST_DB);
    assert_eq!(profile.id, "a");
    block_on(records.save(&draft(1))).unwrap();
    let loaded = block_on(records.load(draft(1).id)).unwrap().unwrap();
    assert_eq!(loaded.collector, Some(profile.collector()));
    // The directory is read again, not made again.
    let again = block_on(phone.directory(|| "other".into())).unwrap();
    assert_eq!(again.profiles, vec![profile]);
}

#[test]
fn each_profile_opens_only_its_own_records_and_only_with_its_own_pin() {
    let dbs = MemoryDatabases::new();
    let phone = phone(&dbs);
    let (a, records_a) = first(&phone);
    block_on(records_a.save(&finished(1))).unwrap();
    let (b, records_b) = sri(&phone, &records_a);
    assert_ne!(b.db, a.db);
    block_on(records_b.save(&finished(2))).unwrap();
    block_on(records_b.save(&draft(3))).unwrap();

    assert_eq!(ids(&records_a), vec![finished(1).id.to_string()]);
    assert_eq!(ids(&records_b).len(), 2);
    let b_loaded = block_on(records_b.load(finished(2).id)).unwrap().unwrap();
    assert_eq!(b_loaded.collector.unwrap().name, "Sri");

    // Neither PIN opens the other's key.
    assert_eq!(
        unlock(&phone, &a, PIN_B).err(),
        Some(StorageError::Crypto(CryptoError::WrongSecret))
    );
    assert_eq!(
        unlock(&phone, &b, PIN_A).err(),
        Some(StorageError::Crypto(CryptoError::WrongSecret))
    );
    // And B's sealed record, copied into A's database, does not open there.
    let stolen = block_on(records_b.store().get(&finished(2).id.to_string()))
        .unwrap()
        .unwrap();
    records_a.store().put_raw(stolen);
    assert_eq!(
        block_on(records_a.load(finished(2).id)).err(),
        Some(StorageError::Crypto(CryptoError::Tampered))
    );
}

#[test]
fn wrong_pins_for_one_profile_never_make_another_wait() {
    let dbs = MemoryDatabases::new();
    let phone = phone(&dbs);
    let (a, records_a) = first(&phone);
    let (b, _) = sri(&phone, &records_a);
    for _ in 0..6 {
        let _ = unlock(&phone, &a, "000000");
    }
    assert!(block_on(block_on(phone.vault(&a)).unwrap().wait_ms(T)).unwrap() > 0.0);
    assert!(unlock(&phone, &b, PIN_B).is_ok());
}

#[test]
fn settings_set_in_one_profile_are_seen_by_every_profile_and_by_no_one_locked() {
    let dbs = MemoryDatabases::new();
    let phone = phone(&dbs);
    let (a, records_a) = first(&phone);
    let (_, records_b) = sri(&phone, &records_a);
    let secret_url = br#"{"url":"https://kirim.example/batch","token":"s3cret"}"#;
    block_on(
        records_b
            .shared()
            .put_sealed_meta(META_ENDPOINT, secret_url),
    )
    .unwrap();

    let again = unlock(&phone, &a, PIN_A).unwrap();
    assert_eq!(
        block_on(again.shared().sealed_meta(META_ENDPOINT)).unwrap(),
        Some(secret_url.to_vec())
    );
    // On disk it is sealed, in the phone's database, not in a profile's.
    let stored = block_on(dbs.store(PHONE_DB).get_meta(META_ENDPOINT))
        .unwrap()
        .unwrap();
    assert!(!stored.contains("kirim"));
    assert!(block_on(records_a.store().get_meta(META_ENDPOINT))
        .unwrap()
        .is_none());
}

#[test]
fn short_names_must_be_given_short_and_unlike_another() {
    let dbs = MemoryDatabases::new();
    let phone = phone(&dbs);
    let (_, records_a) = first(&phone);
    let (_, records_b) = sri(&phone, &records_a);
    for (name, error) in [
        ("  ", NameError::Empty),
        (" sri ", NameError::Taken),
        ("abcdefghijklmnopqrstuvwxy", NameError::TooLong),
    ] {
        assert_eq!(
            block_on(phone.add(&records_a, name, PIN_B, SecretKind::Pin, "c".into())).err(),
            Some(ProfileError::Name(error)),
            "{name:?}"
        );
    }
    // Nothing was added for the refused names.
    let directory = block_on(phone.directory(|| unreachable!())).unwrap();
    assert_eq!(directory.profiles.len(), 2);
    // Renaming to one's own name (other case) is fine; to another's is not.
    assert_eq!(
        block_on(phone.rename(&records_b, "SRI")).unwrap().name,
        "SRI".to_owned()
    );
    assert_eq!(
        block_on(phone.rename(&records_a, "sri")).err(),
        Some(ProfileError::Name(NameError::Taken))
    );
}

#[test]
fn a_profile_with_unsent_records_cannot_be_removed_and_once_sent_goes_without_touching_others() {
    let dbs = MemoryDatabases::new();
    let phone = phone(&dbs);
    let (a, records_a) = first(&phone);
    block_on(records_a.save(&finished(1))).unwrap();
    block_on(records_a.save(&draft(2))).unwrap();
    let (b, records_b) = sri(&phone, &records_a);
    block_on(records_b.save(&finished(3))).unwrap();
    drop(records_b);

    assert_eq!(
        block_on(phone.remove(&a, &unlock(&phone, &a, PIN_A).unwrap(), || {
            panic!("nothing is marked while records are unsent")
        }))
        .err(),
        Some(ProfileError::Unsent { unsent: 2 })
    );
    assert!(dbs.deleted.borrow().is_empty());

    block_on(records_a.delete(draft(2).id)).unwrap();
    let id = finished(1).id.to_string();
    block_on(records_a.set_status(&id, RecordStatus::Final, RecordStatus::Sent)).unwrap();
    // Other tabs are told while her database still exists.
    let told = std::cell::Cell::new(None);
    assert_eq!(
        block_on(phone.remove(&a, &records_a, || {
            told.set(Some(dbs.names().contains(&FIRST_DB.to_owned())))
        }))
        .unwrap(),
        Removed::Profile
    );
    assert_eq!(told.get(), Some(true));
    assert_eq!(*dbs.deleted.borrow(), vec![FIRST_DB.to_owned()]);
    let left = block_on(phone.directory(|| unreachable!())).unwrap();
    assert_eq!(left.profiles, vec![b.clone()]);
    let records_b = unlock(&phone, &b, PIN_B).unwrap();
    assert_eq!(ids(&records_b), vec![finished(3).id.to_string()]);
}

#[test]
fn the_last_profile_takes_the_shared_settings_with_it() {
    let dbs = MemoryDatabases::new();
    let phone = phone(&dbs);
    let (a, records_a) = first(&phone);
    block_on(records_a.shared().put_sealed_meta(META_ENDPOINT, b"{}")).unwrap();
    assert_eq!(
        block_on(phone.remove(&a, &records_a, || {})).unwrap(),
        Removed::Last
    );
    assert!(dbs.names().is_empty(), "{:?}", dbs.names());
}

#[test]
fn a_removal_cut_short_is_finished_at_the_next_start() {
    let dbs = MemoryDatabases::new();
    let phone = phone(&dbs);
    let (_, records_a) = first(&phone);
    let (b, _) = sri(&phone, &records_a);
    cut_short_removal_of(&dbs, &b.db);

    let directory = block_on(phone.directory(|| unreachable!())).unwrap();
    assert_eq!(directory.profiles.len(), 1);
    assert_eq!(*dbs.deleted.borrow(), vec![b.db]);
}

#[test]
fn a_profile_whose_shared_key_is_not_this_phones_is_refused() {
    let dbs = MemoryDatabases::new();
    let phone = phone(&dbs);
    let (a, records_a) = first(&phone);
    let (b, records_b) = sri(&phone, &records_a);
    block_on(records_b.put_sealed_meta(META_SHARED_KEY, &[7u8; 32])).unwrap();
    assert_eq!(
        unlock(&phone, &b, PIN_B).err(),
        Some(StorageError::Crypto(CryptoError::Tampered))
    );
    assert!(unlock(&phone, &a, PIN_A).is_ok());
}

/// The layout every build before profiles left: one database, its key
/// file, records in every state, the server and programme key in its meta,
/// batches waiting in the outbox and the relay.
fn single_user_phone(dbs: &MemoryDatabases) {
    let store = dbs.store(FIRST_DB);
    let vault = Vault::new(Rc::clone(&store), TestKeys);
    let records = block_on(vault.set_up(PIN_A, SecretKind::Pin))
        .unwrap()
        .unwrap();
    block_on(records.save(&draft(1))).unwrap();
    block_on(records.save(&finished(2))).unwrap();
    block_on(records.save(&finished(3))).unwrap();
    block_on(records.put_sealed_meta(META_ENDPOINT, b"{\"url\":\"https://kirim.example\"}"))
        .unwrap();
    block_on(records.put_sealed_meta(META_OUTBOX, b"[\"batch-1\"]")).unwrap();
    block_on(store.set_meta(META_RELAY, "{\"batches\":[]}")).unwrap();
    block_on(store.set_meta("programme_key", "-----BEGIN PUBLIC KEY-----")).unwrap();
    block_on(store.set_meta("device_id", "phone-1")).unwrap();
}

#[test]
fn a_single_user_phone_becomes_the_first_profile_with_nothing_lost() {
    let dbs = MemoryDatabases::new();
    single_user_phone(&dbs);
    let phone = phone(&dbs);
    let directory = block_on(phone.directory(|| "first".into())).unwrap();
    let [profile] = directory.profiles.as_slice() else {
        panic!("{directory:?}")
    };
    assert_eq!((profile.db.as_str(), profile.name.as_str()), (FIRST_DB, ""));
    let vault = block_on(phone.vault(profile)).unwrap();
    assert_eq!(block_on(vault.start()).unwrap(), Start::Locked);
    let records = block_on(phone.unlock(&vault, profile, PIN_A, T)).unwrap();

    assert_eq!(ids(&records).len(), 3);
    let old = block_on(records.load(finished(2).id)).unwrap().unwrap();
    assert_eq!(old.collector, Some(profile.collector()), "credited at load");
    // The server and programme key moved to the shared store, and out.
    assert_eq!(
        block_on(records.shared().sealed_meta(META_ENDPOINT)).unwrap(),
        Some(b"{\"url\":\"https://kirim.example\"}".to_vec())
    );
    assert_eq!(
        block_on(records.shared().store().get_meta("programme_key")).unwrap(),
        Some("-----BEGIN PUBLIC KEY-----".into())
    );
    assert_eq!(
        block_on(records.shared().store().get_meta("device_id")).unwrap(),
        Some("phone-1".into()),
        "the phone keeps its device id"
    );
    assert_eq!(
        block_on(records.store().get_meta(META_ENDPOINT)).unwrap(),
        Some(String::new())
    );
    // What is this profile's own stays where it was.
    assert_eq!(
        block_on(records.sealed_meta(META_OUTBOX)).unwrap(),
        Some(b"[\"batch-1\"]".to_vec())
    );
    assert_eq!(
        block_on(records.store().get_meta(META_RELAY)).unwrap(),
        Some("{\"batches\":[]}".into())
    );
    // And the next unlock finds the same.
    let again = unlock(&phone, profile, PIN_A).unwrap();
    assert!(block_on(again.shared().sealed_meta(META_ENDPOINT))
        .unwrap()
        .is_some());
}

#[test]
fn a_phone_from_before_pins_sets_up_its_first_profile_and_keeps_its_records() {
    let dbs = MemoryDatabases::new();
    let store = dbs.store(FIRST_DB);
    let plain = Records::new(Rc::clone(&store), IdentityCipher);
    block_on(plain.save(&finished(1))).unwrap();
    let phone = phone(&dbs);
    let directory = block_on(phone.directory(|| "first".into())).unwrap();
    let profile = &directory.profiles[0];
    let vault = block_on(phone.vault(profile)).unwrap();
    assert_eq!(
        block_on(vault.start()).unwrap(),
        Start::NeedsSetup { unsent: 1 }
    );
    let records = block_on(phone.set_up(&vault, profile, PIN_A, SecretKind::Pin))
        .unwrap()
        .unwrap();
    let loaded = block_on(records.load(finished(1).id)).unwrap().unwrap();
    assert_eq!(loaded.collector.unwrap().id, "first");
}

#[test]
fn every_record_goes_out_with_the_profile_that_made_it() {
    use jangkau::sync::wire::{batch_body, Entry, PendingBatch, Sender};
    let dbs = MemoryDatabases::new();
    let phone = phone(&dbs);
    let (_, records_a) = first(&phone);
    let (_, records_b) = sri(&phone, &records_a);
    block_on(records_a.save(&finished(1))).unwrap();
    block_on(records_b.save(&finished(2))).unwrap();
    let entries: Vec<Entry> = [(&records_a, 1), (&records_b, 2)]
        .into_iter()
        .map(|(records, n)| {
            let record = block_on(records.load(finished(n).id)).unwrap().unwrap();
            Entry::plain(&record, "00".into())
        })
        .collect();
    let body = batch_body(
        &PendingBatch {
            batch_id: "x".into(),
            entries,
        },
        &Sender {
            device_id: "d".into(),
            app_version: "0".into(),
        },
        Utc.with_ymd_and_hms(2026, 12, 3, 8, 0, 0).unwrap(),
    );
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let credited: Vec<_> = json["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["collector"]["id"].clone(), r["collector"]["name"].clone()))
        .collect();
    assert_eq!(
        credited,
        vec![
            (serde_json::json!("a"), serde_json::json!("")),
            (serde_json::json!("b"), serde_json::json!("Sri")),
        ]
    );
}

#[test]
fn a_lone_profile_whose_database_was_cleared_starts_again_instead_of_being_locked_out() {
    let dbs = MemoryDatabases::new();
    let phone = phone(&dbs);
    let (profile, records) = first(&phone);
    block_on(records.shared().put_sealed_meta(META_ENDPOINT, b"{}")).unwrap();
    drop(records);
    // Its database is gone (cleared outside the app); the phone's is not.
    block_on(jangkau::service::phone::Databases::delete(&dbs, FIRST_DB)).unwrap();
    let vault = block_on(phone.vault(&profile)).unwrap();
    assert_eq!(
        block_on(vault.start()).unwrap(),
        Start::NeedsSetup { unsent: 0 }
    );
    let records = set_up(&phone, &profile, PIN_A);
    assert_eq!(
        block_on(records.shared().sealed_meta(META_ENDPOINT)).unwrap(),
        None
    );
}

#[test]
fn a_last_removal_cut_short_leaves_a_phone_that_starts_as_new() {
    let dbs = MemoryDatabases::new();
    let phone = phone(&dbs);
    let (_, records) = first(&phone);
    block_on(records.shared().put_sealed_meta(META_ENDPOINT, b"{}")).unwrap();
    cut_short_removal_of(&dbs, FIRST_DB);

    let directory = block_on(phone.directory(|| "fresh".into())).unwrap();
    assert_eq!(directory.profiles.len(), 1);
    assert_eq!(directory.profiles[0].id, "fresh");
    let records = set_up(&phone, &directory.profiles[0], PIN_B);
    assert_eq!(
        block_on(records.shared().sealed_meta(META_ENDPOINT)).unwrap(),
        None
    );
}

#[test]
fn a_record_saved_after_a_rename_carries_the_new_name_and_an_earlier_one_the_old() {
    let dbs = MemoryDatabases::new();
    let phone = phone(&dbs);
    let (profile, records) = first(&phone);
    block_on(records.save(&finished(1))).unwrap();
    assert_eq!(
        block_on(phone.rename(&records, "Ani")).unwrap().id,
        profile.id
    );
    block_on(records.save(&finished(2))).unwrap();
    let name = |n| {
        block_on(records.load(finished(n).id))
            .unwrap()
            .unwrap()
            .collector
            .unwrap()
            .name
    };
    assert_eq!((name(1), name(2)), (String::new(), "Ani".to_owned()));
}
