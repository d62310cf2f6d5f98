#![cfg(target_arch = "wasm32")]
//! IndexedDB store in headless Chromium: round trip, paging and counts, and an upgrade from layout v1 that loses nothing.

use chrono::{Duration, TimeZone, Utc};
use jangkau::crypto::IdentityCipher;
use jangkau::model::answer::AnswerValue;
use jangkau::model::builtin;
use jangkau::model::form::FormKind;
use jangkau::model::record::{Record, RecordStatus};
use jangkau::storage::idb::{IdbStore, DB_VERSION};
use jangkau::storage::{ListQuery, RecordStore, Records, StorageError, RECORD_SHAPE};
use uuid::Uuid;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

mod support;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh database per test, so tests never see each other's data.
fn db_name(test: &str) -> String {
    format!("jangkau-test-{test}-{}", Uuid::new_v4())
}

fn record(n: u128, minutes: i64, site: &str, finalize: bool) -> Record {
    let form = builtin::form(FormKind::SiteVisit).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap() + Duration::minutes(minutes);
    let mut r = support::site_visit(n, at, site);
    r.set_answer(
        &form,
        "notes",
        Some(AnswerValue::Text("<b>catatan</b> 🙂 \"kutip\"".into())),
        at,
    )
    .unwrap();
    if finalize {
        r.finalize(&form, at.date_naive(), at).unwrap();
    }
    r
}

#[wasm_bindgen_test]
async fn records_round_trip_page_and_count() {
    let name = db_name("roundtrip");
    let records = Records::new(IdbStore::open(&name).await.unwrap(), IdentityCipher);
    for n in 0..30u128 {
        records
            .save(&record(
                n,
                n as i64,
                if n % 3 == 0 { "A" } else { "B" },
                n % 2 == 0,
            ))
            .await
            .unwrap();
    }
    let r7 = record(7, 7, "B", false);
    assert_eq!(records.load(r7.id).await.unwrap(), Some(r7));
    assert_eq!(records.load(Uuid::from_u128(999)).await.unwrap(), None);

    let first = records
        .list(&ListQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(first.len(), 10);
    assert_eq!(first[0].id, Uuid::from_u128(29).to_string(), "newest first");
    let last = records
        .list(&ListQuery {
            limit: 10,
            offset: 25,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(last.len(), 5);
    assert_eq!(last[4].id, Uuid::from_u128(0).to_string());

    let finals = records
        .list(&ListQuery {
            status: Some(RecordStatus::Final),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(finals.len(), 15);
    assert!(finals.iter().all(|s| s.status == RecordStatus::Final));
    let site_a = records
        .list(&ListQuery {
            site: Some("A".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(site_a.len(), 10);

    let summary = records.summary().await.unwrap();
    assert_eq!((summary.on_phone, summary.waiting_to_send), (30, 15));

    records.delete(Uuid::from_u128(1)).await.unwrap();
    assert_eq!(
        records.delete(Uuid::from_u128(0)).await,
        Err(StorageError::NotDeletable)
    );
    assert_eq!(records.store().count(None).await.unwrap(), 29);

    records.store().close();
    IdbStore::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn upgrading_a_v1_database_keeps_every_record() {
    let name = db_name("upgrade");
    let saved: Vec<Record> = (0..5u128)
        .map(|n| record(n, n as i64, "A", n == 4))
        .collect();
    {
        // A phone that ran the first layout (no indexes yet) has records.
        let v1 = Records::new(IdbStore::open_at(&name, 1).await.unwrap(), IdentityCipher);
        for r in &saved {
            v1.save(r).await.unwrap();
        }
        v1.store()
            .set_meta("last_sent", "2026-11-22T10:00:00Z")
            .await
            .unwrap();
        v1.store().close();
    }
    const { assert!(DB_VERSION > 1) };
    let current = Records::new(IdbStore::open(&name).await.unwrap(), IdentityCipher);
    for r in &saved {
        assert_eq!(
            current.load(r.id).await.unwrap().as_ref(),
            Some(r),
            "record {} survived",
            r.id
        );
    }
    // The new indexes cover the old data.
    let page = current
        .list(&ListQuery {
            limit: 3,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.len(), 3);
    assert_eq!(page[0].id, saved[4].id.to_string());
    let summary = current.summary().await.unwrap();
    assert_eq!((summary.on_phone, summary.waiting_to_send), (5, 1));
    assert!(summary.last_sent.is_some(), "meta survived too");
    current.store().close();
    IdbStore::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_record_from_a_newer_build_is_reported_not_lost() {
    let name = db_name("newer");
    let records = Records::new(IdbStore::open(&name).await.unwrap(), IdentityCipher);
    let r = record(1, 0, "A", false);
    records.save(&r).await.unwrap();
    let mut stored = records
        .store()
        .get(&r.id.to_string())
        .await
        .unwrap()
        .unwrap();
    stored.shape = RECORD_SHAPE + 1;
    records.store().put(&stored).await.unwrap();
    assert_eq!(
        records.load(r.id).await,
        Err(StorageError::NewerData {
            shape: RECORD_SHAPE + 1
        })
    );
    assert_eq!(records.store().count(None).await.unwrap(), 1);
    records.store().close();
    IdbStore::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_connection_comes_back_after_it_is_closed() {
    let name = db_name("reconnect");
    let store = IdbStore::open(&name).await.unwrap();
    store.set_meta("k", "v").await.unwrap();
    store.close();
    assert_eq!(store.get_meta("k").await.unwrap().as_deref(), Some("v"));
    store.close();
    IdbStore::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_store_reconnects_when_the_browser_closes_its_connection() {
    let name = db_name("closed-under-us");
    let store = IdbStore::open(&name).await.unwrap();
    store.set_meta("before", "1").await.unwrap();
    // Another tab (or the browser under storage pressure) deletes or upgrades
    // the database: IndexedDB closes this connection under the store's feet.
    IdbStore::delete_database(&name).await.unwrap();
    store.set_meta("after", "2").await.unwrap();
    assert_eq!(store.get_meta("after").await.unwrap().as_deref(), Some("2"));
    store.close();
    IdbStore::delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_send_queue_reads_oldest_first_and_marks_a_batch_in_one_write() {
    let name = db_name("queue");
    let records = Records::new(IdbStore::open(&name).await.unwrap(), IdentityCipher);
    // Saved newest first; the queue must still come out oldest first.
    for n in (1..=4u128).rev() {
        records.save(&record(n, n as i64, "A", true)).await.unwrap();
    }
    records.save(&record(9, 0, "A", false)).await.unwrap();
    let store = records.store();
    let ids = store.oldest_ids(RecordStatus::Final, 3).await.unwrap();
    let expected: Vec<String> = (1..=3u128)
        .map(|n| Uuid::from_u128(n).to_string())
        .collect();
    assert_eq!(ids, expected);

    let mut asked = ids.clone();
    asked.push(Uuid::from_u128(404).to_string());
    let got = store.get_many(&asked).await.unwrap();
    assert_eq!(got.iter().filter(|r| r.is_some()).count(), 3);
    assert!(got[3].is_none());

    // Two of them, a missing id and a draft: only the two finals move.
    let marking = vec![
        ids[0].clone(),
        ids[1].clone(),
        Uuid::from_u128(404).to_string(),
        Uuid::from_u128(9).to_string(),
    ];
    let moved = store
        .set_statuses(&marking, RecordStatus::Final, RecordStatus::Sent)
        .await
        .unwrap();
    assert_eq!(moved, 2);
    assert_eq!(store.count(Some(RecordStatus::Sent)).await.unwrap(), 2);
    assert_eq!(store.count(Some(RecordStatus::Draft)).await.unwrap(), 1);
    assert_eq!(
        store.oldest_ids(RecordStatus::Final, 10).await.unwrap(),
        vec![
            Uuid::from_u128(3).to_string(),
            Uuid::from_u128(4).to_string()
        ]
    );
    // Opened records are unchanged apart from their status.
    let opened = records.load_many(&ids[..1]).await.unwrap();
    let first = opened[0].1.clone().unwrap().unwrap();
    assert_eq!(first.status, RecordStatus::Sent);
    assert_eq!(first.answers, record(1, 1, "A", true).answers);
    IdbStore::delete_database(&name).await.unwrap();
}

/// What another build might do: add a field to a stored record, and maybe
/// give it a newer shape, straight in IndexedDB.
async fn patch(name: &str, id: &str, shape: Option<u32>) {
    let db = jangkau::storage::idb::layout(name, DB_VERSION)
        .build()
        .await
        .unwrap();
    let tx = db
        .transaction(&["records"], rexie::TransactionMode::ReadWrite)
        .unwrap();
    let os = tx.store("records").unwrap();
    let value = os.get(JsValue::from_str(id)).await.unwrap().unwrap();
    js_sys::Reflect::set(&value, &"added_later".into(), &"keep me".into()).unwrap();
    if let Some(shape) = shape {
        js_sys::Reflect::set(&value, &"shape".into(), &shape.into()).unwrap();
    }
    os.put(&value, None).await.unwrap();
    tx.done().await.unwrap();
    db.close();
}

/// Issue 12: a status change must never rewrite a record a newer build
/// wrote (its fields would be dropped); fields it does not know survive.
#[wasm_bindgen_test]
async fn a_status_change_keeps_unknown_fields_and_leaves_newer_records_alone() {
    let name = format!("jangkau-test-newer-{}", Uuid::new_v4());
    let store = IdbStore::open(&name).await.unwrap();
    let records = Records::new(store, IdentityCipher);
    let mut r1 = record(1, 1, "A", true);
    r1.status = RecordStatus::Final;
    let mut r2 = record(2, 2, "A", true);
    r2.status = RecordStatus::Final;
    records.save(&r1).await.unwrap();
    records.save(&r2).await.unwrap();
    records.store().close();
    let (id1, id2) = (r1.id.to_string(), r2.id.to_string());
    patch(&name, &id1, None).await;
    patch(&name, &id2, Some(RECORD_SHAPE + 1)).await;
    let moved = records
        .store()
        .set_statuses(
            &[id1.clone(), id2.clone()],
            RecordStatus::Final,
            RecordStatus::Sent,
        )
        .await
        .unwrap();
    assert_eq!(moved, 1, "the newer record was changed");
    records.store().close();
    let db = jangkau::storage::idb::layout(&name, DB_VERSION)
        .build()
        .await
        .unwrap();
    let tx = db
        .transaction(&["records"], rexie::TransactionMode::ReadOnly)
        .unwrap();
    let os = tx.store("records").unwrap();
    for (id, status) in [(id1, "sent"), (id2, "final")] {
        let value = os.get(JsValue::from_str(&id)).await.unwrap().unwrap();
        let get = |k: &str| js_sys::Reflect::get(&value, &k.into()).unwrap().as_string();
        assert_eq!(get("status").as_deref(), Some(status));
        assert_eq!(
            get("added_later").as_deref(),
            Some("keep me"),
            "a field was dropped"
        );
    }
    db.close();
    IdbStore::delete_database(&name).await.unwrap();
}
