//! Pure parts of the protection: PIN rules, the wrong-PIN delay, the key file, sealed-blob framing, auto-lock, and resealing old records.

use std::rc::Rc;

use chrono::{TimeZone, Utc};
use jangkau::crypto::blob::{self, IV_LEN, TAG_LEN};
use jangkau::crypto::keyfile::{self, KeyFile, MAX_ITERATIONS, MIN_ITERATIONS};
use jangkau::crypto::secret::{self, SecretError, SecretKind, Throttle};
use jangkau::crypto::{Cipher, CryptoError, IdentityCipher};
use jangkau::model::autolock::{AutoLock, LockReason};
use jangkau::model::record::RecordStatus;
use jangkau::storage::memory::MemoryStore;
use jangkau::storage::{unsent, RecordStore, Records, StorageError};
use pollster::block_on;

mod support;

#[test]
fn pins_need_six_to_twelve_digits_and_not_an_obvious_run() {
    use SecretKind::Pin;
    assert_eq!(secret::check(Pin, "482915"), Ok(()));
    assert_eq!(secret::check(Pin, "482915730461"), Ok(()));
    assert_eq!(secret::check(Pin, ""), Err(SecretError::Empty));
    assert_eq!(secret::check(Pin, "      "), Err(SecretError::OnlySpaces));
    assert_eq!(
        secret::check(Pin, "48291"),
        Err(SecretError::TooShort { min: 6 })
    );
    assert_eq!(
        secret::check(Pin, "4829157304612"),
        Err(SecretError::TooLong { max: 12 })
    );
    assert_eq!(secret::check(Pin, "4829l5"), Err(SecretError::NotDigits));
    assert_eq!(secret::check(Pin, "48 915"), Err(SecretError::NotDigits));
    // Arabic-Indic digits are digits to Unicode, not to a PIN pad.
    assert_eq!(secret::check(Pin, "٤٨٢٩١٥"), Err(SecretError::NotDigits));
    for run in ["000000", "111111", "123456", "654321", "890123", "3210987"] {
        assert_eq!(
            secret::check(Pin, run),
            Err(SecretError::TooSimple),
            "{run}"
        );
    }
    assert_eq!(secret::check(Pin, "121212"), Ok(()));
}

#[test]
fn passphrases_need_eight_characters_counted_as_characters() {
    use SecretKind::Passphrase;
    assert_eq!(secret::check(Passphrase, "kopi susu pagi"), Ok(()));
    assert_eq!(
        secret::check(Passphrase, "kopi"),
        Err(SecretError::TooShort { min: 8 })
    );
    // Eight characters, more than eight bytes.
    assert_eq!(
        secret::check(Passphrase, "ééééééé"),
        Err(SecretError::TooShort { min: 8 })
    );
    assert_eq!(secret::check(Passphrase, "éééééééé"), Ok(()));
    assert_eq!(
        secret::check(Passphrase, &" ".repeat(40)),
        Err(SecretError::OnlySpaces)
    );
    assert_eq!(
        secret::check(Passphrase, &"a".repeat(10_000)),
        Err(SecretError::TooLong { max: 256 })
    );
    assert_eq!(secret::check(Passphrase, &"a".repeat(256)), Ok(()));
    assert_eq!(
        secret::confirm(Passphrase, "kopi susu pagi", "kopi susu pagi "),
        Err(SecretError::Mismatch)
    );
    assert_eq!(
        secret::confirm(Passphrase, "kopi susu pagi", "kopi susu pagi"),
        Ok(())
    );
    // The rule is checked before the match, so the message names it.
    assert_eq!(
        secret::confirm(SecretKind::Pin, "123456", "123456"),
        Err(SecretError::TooSimple)
    );
}

#[test]
fn wrong_attempts_wait_longer_and_longer_but_never_forever() {
    let delays: Vec<u32> = (0..=12).map(Throttle::delay_s).collect();
    assert_eq!(
        delays,
        [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900, 900]
    );
    assert_eq!(Throttle::delay_s(u32::MAX), 900);

    let now = 1_000_000.0;
    let mut t = Throttle::default();
    for _ in 0..3 {
        t = t.failed(now);
        assert_eq!(t.wait_ms(now), 0.0);
    }
    t = t.failed(now);
    assert_eq!(t.failures, 4);
    assert_eq!(t.wait_ms(now), 30_000.0);
    assert_eq!(t.wait_ms(now + 10_000.0), 20_000.0);
    assert_eq!(t.wait_ms(now + 31_000.0), 0.0);
    // The phone's clock set back a day does not lengthen the wait.
    assert_eq!(t.wait_ms(now - 86_400_000.0), 30_000.0);
    // It survives being stored.
    let stored = serde_json::to_string(&t).unwrap();
    assert_eq!(serde_json::from_str::<Throttle>(&stored).unwrap(), t);
}

fn key_file() -> KeyFile {
    KeyFile {
        v: 1,
        kind: SecretKind::Pin,
        kdf: "PBKDF2-SHA-256".into(),
        iterations: 310_000,
        salt: vec![7; 16],
        iv: vec![9; 12],
        wrapped: vec![1; 48],
    }
}

#[test]
fn key_files_round_trip_and_refuse_anything_incomplete() {
    let file = key_file();
    let json = file.to_json();
    assert!(json.contains("\"kind\":\"pin\""), "{json}");
    assert_eq!(KeyFile::parse(&json).unwrap(), file);

    let broken = [
        json.replace("\"v\":1", "\"v\":2"),
        json.replace("PBKDF2-SHA-256", "PBKDF2-SHA-1"),
        json.replace("310000", "1000"),
        json.replace("310000", "99000000"),
        serde_json::to_string(&KeyFile {
            salt: vec![7; 8],
            ..file.clone()
        })
        .unwrap(),
        serde_json::to_string(&KeyFile {
            iv: vec![9; 16],
            ..file.clone()
        })
        .unwrap(),
        serde_json::to_string(&KeyFile {
            wrapped: vec![1; 47],
            ..file.clone()
        })
        .unwrap(),
        json.replace("\"salt\":\"", "\"salt\":\"!!"),
        json[..json.len() / 2].to_owned(),
        String::new(),
    ];
    for text in broken {
        assert!(
            matches!(KeyFile::parse(&text), Err(CryptoError::BadKeyFile(_))),
            "accepted {text}"
        );
    }
}

#[test]
fn the_wrap_is_bound_to_kind_work_factor_and_salt() {
    let file = key_file();
    let aad = file.wrap_aad();
    assert_ne!(
        aad,
        KeyFile {
            kind: SecretKind::Passphrase,
            ..file.clone()
        }
        .wrap_aad()
    );
    assert_ne!(
        aad,
        KeyFile {
            iterations: 320_000,
            ..file.clone()
        }
        .wrap_aad()
    );
    assert_ne!(
        aad,
        KeyFile {
            salt: vec![8; 16],
            ..file.clone()
        }
        .wrap_aad()
    );
    // The IV and the wrapped bytes are not part of it (they are the wrap).
    assert_eq!(
        aad,
        KeyFile {
            iv: vec![0; 12],
            ..file
        }
        .wrap_aad()
    );
}

#[test]
fn the_work_factor_scales_to_the_phone_within_bounds() {
    // 100 000 iterations in 100 ms: 750 ms buys 750 000.
    assert_eq!(keyfile::iterations_for(100_000, 100.0, 750.0), 750_000);
    // Rounded to 10 000.
    assert_eq!(keyfile::iterations_for(100_000, 130.0, 750.0), 580_000);
    // A very slow phone still gets the floor, a very fast one the ceiling.
    assert_eq!(
        keyfile::iterations_for(100_000, 5_000.0, 750.0),
        MIN_ITERATIONS
    );
    assert_eq!(keyfile::iterations_for(100_000, 1.0, 750.0), MAX_ITERATIONS);
    // A broken measurement never means few iterations.
    for ms in [0.0, -3.0, f64::NAN, f64::INFINITY] {
        assert_eq!(keyfile::iterations_for(100_000, ms, 750.0), MIN_ITERATIONS);
    }
}

#[test]
fn blobs_frame_and_refuse_truncation_and_unknown_versions() {
    let iv = [3u8; IV_LEN];
    let ct = vec![5u8; TAG_LEN + 10];
    let framed = blob::frame(&iv, &ct);
    assert_eq!(framed.len(), 1 + IV_LEN + TAG_LEN + 10);
    let (got_iv, got_ct) = blob::unframe(&framed).unwrap();
    assert_eq!((got_iv, got_ct), (iv, &ct[..]));
    // An empty plaintext still has its tag.
    assert!(blob::unframe(&blob::frame(&iv, &[0; TAG_LEN])).is_ok());
    for cut in 0..(1 + IV_LEN + TAG_LEN) {
        assert_eq!(
            blob::unframe(&framed[..cut]),
            Err(CryptoError::Tampered),
            "cut {cut}"
        );
    }
    let mut other = framed.clone();
    other[0] = 2;
    assert_eq!(blob::unframe(&other), Err(CryptoError::Tampered));
}

#[test]
fn auto_lock_after_idle_time_or_a_minute_out_of_sight() {
    let lock = AutoLock::default();
    assert_eq!(lock.idle_min(), 5);
    let t = 10_000_000.0;
    assert_eq!(lock.due(t, t - 4.9 * 60_000.0, None), None);
    assert_eq!(
        lock.due(t, t - 5.0 * 60_000.0, None),
        Some(LockReason::Idle)
    );
    assert_eq!(lock.due(t, t, Some(t - 59_000.0)), None);
    assert_eq!(lock.due(t, t, Some(t - 60_000.0)), Some(LockReason::Hidden));
    assert_eq!(
        AutoLock::new(1).due(t, t - 61_000.0, None),
        Some(LockReason::Idle)
    );
    // Settings that were never offered fall back to five minutes, not "never".
    assert_eq!(AutoLock::new(0).idle_min(), 5);
    assert_eq!(AutoLock::new(600).idle_min(), 5);
    assert_eq!(AutoLock::parse(Some("15")).idle_min(), 15);
    assert_eq!(AutoLock::parse(Some("never")).idle_min(), 5);
    assert_eq!(AutoLock::parse(None).idle_min(), 5);
}

/// A stand-in cipher that really changes the bytes and checks the
/// additional data, so resealing is observable without a browser.
struct Reversing;

impl Cipher for Reversing {
    fn name(&self) -> &'static str {
        "reversing"
    }
    async fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut out = aad.to_vec();
        out.push(0);
        out.extend(plaintext.iter().rev());
        Ok(out)
    }
    async fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let rest = sealed
            .strip_prefix(aad)
            .and_then(|r| r.strip_prefix(&[0]))
            .ok_or(CryptoError::Tampered)?;
        Ok(rest.iter().rev().copied().collect())
    }
}

#[test]
fn records_from_before_the_pin_are_resealed_once_and_lose_nothing() {
    let store = Rc::new(MemoryStore::new());
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    let old = Records::new(Rc::clone(&store), IdentityCipher);
    let mut drafts = Vec::new();
    for n in 1..=5u128 {
        let r = support::site_visit(n, at, "GANG-DOLLY-3");
        block_on(old.save(&r)).unwrap();
        drafts.push(r);
    }
    let before = block_on(store.get(&drafts[0].id.to_string()))
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&before.sealed).contains("GANG-DOLLY-3"));

    let new = Records::new(Rc::clone(&store), Reversing);
    // Before resealing the new service refuses the old records, clearly.
    assert!(matches!(
        block_on(new.load(drafts[0].id)),
        Err(StorageError::Corrupt(_))
    ));
    assert_eq!(block_on(new.reseal_from(&IdentityCipher)).unwrap(), 5);
    assert_eq!(block_on(new.reseal_from(&IdentityCipher)).unwrap(), 0);
    for r in &drafts {
        assert_eq!(block_on(new.load(r.id)).unwrap().as_ref(), Some(r));
        let stored = block_on(store.get(&r.id.to_string())).unwrap().unwrap();
        assert_eq!(stored.cipher, "reversing");
        assert_eq!(
            stored.updated_at, before.updated_at,
            "clear fields untouched"
        );
        assert!(!String::from_utf8_lossy(&stored.sealed).contains("GANG-DOLLY-3"));
    }
    assert_eq!(block_on(unsent(&store)).unwrap(), 5);
}

#[test]
fn a_payload_moved_to_another_record_does_not_open() {
    let store = Rc::new(MemoryStore::new());
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    let records = Records::new(Rc::clone(&store), Reversing);
    let a = support::site_visit(1, at, "A");
    let b = support::site_visit(2, at, "B");
    block_on(records.save(&a)).unwrap();
    block_on(records.save(&b)).unwrap();
    let mut stored_b = block_on(store.get(&b.id.to_string())).unwrap().unwrap();
    stored_b.sealed = block_on(store.get(&a.id.to_string()))
        .unwrap()
        .unwrap()
        .sealed;
    block_on(store.put(&stored_b)).unwrap();
    assert_eq!(
        block_on(records.load(b.id)),
        Err(StorageError::Crypto(CryptoError::Tampered))
    );
    // The other record is untouched, and the damaged one is still there.
    assert_eq!(block_on(records.load(a.id)).unwrap(), Some(a));
    assert_eq!(block_on(store.count(Some(RecordStatus::Draft))).unwrap(), 2);
}

#[test]
fn opening_every_finished_record_skips_drafts_and_counts_the_damaged_ones() {
    let store = Rc::new(MemoryStore::new());
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    let records = Records::new(Rc::clone(&store), Reversing);
    let form = jangkau::model::builtin::form(jangkau::model::form::FormKind::SiteVisit).unwrap();
    for n in 1..=4u128 {
        let mut r = support::site_visit(n, at, "KDR-EXPORT");
        if n != 4 {
            r.finalize(&form, at.date_naive(), at).unwrap();
        }
        block_on(records.save(&r)).unwrap();
    }
    let mut broken = block_on(store.get(&uuid::Uuid::from_u128(2).to_string()))
        .unwrap()
        .unwrap();
    broken.sealed.push(1);
    block_on(store.put(&broken)).unwrap();

    let mut heard = Vec::new();
    let opened = block_on(records.open_finished(|done, total| heard.push((done, total)))).unwrap();
    assert_eq!(opened.damaged, 1);
    let mut ids: Vec<u128> = opened.records.iter().map(|r| r.id.as_u128()).collect();
    ids.sort();
    assert_eq!(
        ids,
        vec![1, 3],
        "drafts stay out, the damaged one is counted"
    );
    assert_eq!(heard.last(), Some(&(3, 3)));
    // Nothing was deleted: the damaged record is still there to be looked at.
    assert_eq!(block_on(store.count(None)).unwrap(), 4);
    // Statuses come from the clear fields, damaged record included.
    let statuses = block_on(records.statuses()).unwrap();
    assert_eq!(statuses.len(), 4);
    assert_eq!(
        statuses[&uuid::Uuid::from_u128(2)],
        jangkau::model::record::RecordStatus::Final
    );
    assert_eq!(
        statuses[&uuid::Uuid::from_u128(4)],
        jangkau::model::record::RecordStatus::Draft
    );
}
