//! Set-up and unlock as a plain-Rust service over the memory store and a native key maker: first run, a key never replaced, growing waits, PIN change, resealing records from before the PIN.
#![cfg(not(target_arch = "wasm32"))]

use std::rc::Rc;

use chrono::{TimeZone, Utc};
use jangkau::crypto::secret::SecretKind;
use jangkau::crypto::{CryptoError, IdentityCipher};
use jangkau::model::record::RecordStatus;
use jangkau::service::vault::{Start, Vault, META_KEYFILE};
use jangkau::storage::memory::MemoryStore;
use jangkau::storage::{RecordStore, Records, StorageError};
use pollster::block_on;
use support::keys::TestKeys;

mod support;

const PIN: &str = "482915";
const T: f64 = 1_800_000_000_000.0;

fn visit(n: u128) -> jangkau::model::record::Record {
    support::site_visit(
        n,
        Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap(),
        "KDR-CERME",
    )
}

fn vault() -> Vault<Rc<MemoryStore>, TestKeys> {
    Vault::new(Rc::new(MemoryStore::new()), TestKeys)
}

#[test]
fn a_new_phone_asks_for_a_pin_then_opens_records_with_it() {
    let vault = vault();
    assert_eq!(
        block_on(vault.start()).unwrap(),
        Start::NeedsSetup { unsent: 0 }
    );
    let records = block_on(vault.set_up(PIN, SecretKind::Pin))
        .unwrap()
        .expect("set up");
    block_on(records.save(&visit(1))).unwrap();
    assert_eq!(block_on(vault.start()).unwrap(), Start::Locked);
    let again = block_on(vault.unlock(PIN, T)).unwrap();
    assert!(block_on(again.load(visit(1).id)).unwrap().is_some());
    assert_eq!(block_on(vault.secret_kind()).unwrap(), SecretKind::Pin);
}

#[test]
fn a_pin_set_in_another_tab_is_never_replaced() {
    let vault = vault();
    block_on(vault.set_up(PIN, SecretKind::Pin))
        .unwrap()
        .unwrap();
    let file = block_on(vault.store().get_meta(META_KEYFILE)).unwrap();
    assert!(block_on(vault.set_up("739164", SecretKind::Pin))
        .unwrap()
        .is_none());
    assert_eq!(
        block_on(vault.store().get_meta(META_KEYFILE)).unwrap(),
        file
    );
    assert!(block_on(vault.unlock(PIN, T)).is_ok());
}

#[test]
fn a_damaged_key_file_is_reported_and_kept() {
    let vault = vault();
    block_on(vault.store().set_meta(META_KEYFILE, "{\"v\":1,")).unwrap();
    assert!(matches!(
        block_on(vault.start()),
        Err(StorageError::Crypto(CryptoError::BadKeyFile(_)))
    ));
    assert!(block_on(vault.set_up(PIN, SecretKind::Pin))
        .unwrap()
        .is_none());
    assert_eq!(
        block_on(vault.store().get_meta(META_KEYFILE))
            .unwrap()
            .as_deref(),
        Some("{\"v\":1,")
    );
}

#[test]
fn wrong_pins_make_a_growing_wait_during_which_even_the_right_pin_is_not_tried() {
    let vault = vault();
    block_on(vault.set_up(PIN, SecretKind::Pin))
        .unwrap()
        .unwrap();
    for attempt in 1..=3 {
        assert_eq!(
            block_on(vault.unlock("000001", T)).err(),
            Some(CryptoError::WrongSecret.into()),
            "attempt {attempt}"
        );
        assert_eq!(block_on(vault.wait_ms(T)).unwrap(), 0.0);
    }
    assert!(block_on(vault.unlock("000001", T)).is_err());
    assert_eq!(block_on(vault.wait_ms(T)).unwrap(), 30_000.0);
    assert_eq!(
        block_on(vault.unlock(PIN, T + 1_000.0)).err(),
        Some(CryptoError::Locked.into())
    );
    assert!(block_on(vault.unlock(PIN, T + 30_000.0)).is_ok());
    // The right PIN starts the count afresh.
    assert!(block_on(vault.unlock("000001", T + 31_000.0)).is_err());
    assert_eq!(block_on(vault.wait_ms(T + 31_000.0)).unwrap(), 0.0);
}

#[test]
fn a_new_pin_opens_the_same_records_and_the_old_one_no_longer_does() {
    let vault = vault();
    let records = block_on(vault.set_up(PIN, SecretKind::Pin))
        .unwrap()
        .unwrap();
    block_on(records.save(&visit(1))).unwrap();
    assert_eq!(
        block_on(vault.change_secret("000001", "kopi susu pagi", SecretKind::Passphrase)),
        Err(CryptoError::WrongSecret.into())
    );
    block_on(vault.change_secret(PIN, "kopi susu pagi", SecretKind::Passphrase)).unwrap();
    assert_eq!(
        block_on(vault.unlock(PIN, T)).err(),
        Some(CryptoError::WrongSecret.into())
    );
    let records = block_on(vault.unlock("kopi susu pagi", T)).unwrap();
    assert!(block_on(records.load(visit(1).id)).unwrap().is_some());
    assert_eq!(
        block_on(vault.secret_kind()).unwrap(),
        SecretKind::Passphrase
    );
}

#[test]
fn records_from_before_the_pin_are_resealed_at_set_up() {
    let vault = vault();
    let before = Records::new(Rc::clone(vault.store()), IdentityCipher);
    let mut finished = visit(1);
    finished.status = RecordStatus::Final;
    block_on(before.save(&finished)).unwrap();
    block_on(before.save(&visit(2))).unwrap();
    assert_eq!(
        block_on(vault.start()).unwrap(),
        Start::NeedsSetup { unsent: 2 }
    );
    let records = block_on(vault.set_up(PIN, SecretKind::Pin))
        .unwrap()
        .unwrap();
    for id in [visit(1).id, visit(2).id] {
        let stored = block_on(vault.store().get(&id.to_string()))
            .unwrap()
            .unwrap();
        assert_eq!(stored.cipher, "aes-256-gcm");
        assert!(block_on(records.load(id)).unwrap().is_some());
    }
}
