//! The record service over the in-memory store: round trips, the clear/sealed split, paging, counts, quota and damage.

use chrono::{DateTime, Duration, TimeZone, Utc};
use jangkau::crypto::IdentityCipher;
use jangkau::model::answer::AnswerValue;
use jangkau::model::builtin;
use jangkau::model::consent::{Consent, Purpose};
use jangkau::model::form::FormKind;
use jangkau::model::language::Language;
use jangkau::model::participant_code::ParticipantCode;
use jangkau::model::record::{Record, RecordStatus, WITHDRAWAL_FORM};
use jangkau::storage::memory::MemoryStore;
use jangkau::storage::{
    ListQuery, RecordStore, Records, StorageError, META_LAST_SENT, RECORD_SHAPE,
};
use pollster::block_on;
use uuid::Uuid;

mod support;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap()
}

fn service() -> Records<MemoryStore, IdentityCipher> {
    Records::new(MemoryStore::new(), IdentityCipher)
}

fn site_visit(n: u128, minutes: i64, site: &str) -> Record {
    support::site_visit(n, t0() + Duration::minutes(minutes), site)
}

fn assessment(n: u128) -> Record {
    let form = builtin::form(FormKind::NeedsAssessment).unwrap();
    let text = builtin::consent_text().unwrap();
    let consent = Consent::record(
        &text,
        Language::Indonesian,
        [Purpose::Assessment].into(),
        "Pendamping Sari",
        t0(),
    )
    .unwrap();
    let mut r = Record::new_draft(Uuid::from_u128(n), &form, Some(consent), t0()).unwrap();
    let code = ParticipantCode::from_random([9, 8, 7, 6, 5, 4]);
    r.set_answer(
        &form,
        "participant_code",
        Some(AnswerValue::Code(code.to_string())),
        t0(),
    )
    .unwrap();
    r.set_answer(
        &form,
        "notes",
        Some(AnswerValue::Text("Ibu Wulan ingin usaha katering".into())),
        t0(),
    )
    .unwrap();
    r
}

#[test]
fn a_record_round_trips() {
    let records = service();
    let r = assessment(1);
    block_on(records.save(&r)).unwrap();
    assert_eq!(block_on(records.load(r.id)).unwrap(), Some(r));
    assert_eq!(block_on(records.load(Uuid::from_u128(999))).unwrap(), None);
}

#[test]
fn identifying_data_lives_only_in_the_sealed_payload() {
    let records = service();
    let r = assessment(2);
    block_on(records.save(&r)).unwrap();
    let stored = block_on(records.store().get(&r.id.to_string()))
        .unwrap()
        .unwrap();
    let mut clear = stored.clone();
    clear.sealed.clear();
    let clear = serde_json::to_string(&clear).unwrap();
    for secret in [
        "Wulan",
        "katering",
        "Sari",
        &r.answers.values["participant_code"].clone().as_code(),
    ] {
        assert!(
            !clear.contains(secret),
            "{secret:?} is in the clear fields: {clear}"
        );
    }
    assert!(
        String::from_utf8_lossy(&stored.sealed).contains("Wulan"),
        "identity cipher: payload is the JSON"
    );
    assert_eq!(stored.shape, RECORD_SHAPE);
    assert_eq!(stored.cipher, "none");
}

trait AsCode {
    fn as_code(&self) -> String;
}
impl AsCode for AnswerValue {
    fn as_code(&self) -> String {
        match self {
            AnswerValue::Code(c) => c.clone(),
            other => panic!("not a code: {other:?}"),
        }
    }
}

#[test]
fn lists_page_newest_first_and_filter() {
    let records = service();
    for n in 0..25u128 {
        let site = if n % 2 == 0 {
            "KDR-CERME"
        } else {
            "KDR-SUMBERJO"
        };
        block_on(records.save(&site_visit(n, n as i64, site))).unwrap();
    }
    let page = |q: ListQuery| block_on(records.list(&q)).unwrap();
    let first = page(ListQuery {
        limit: 10,
        ..Default::default()
    });
    assert_eq!(first.len(), 10);
    assert_eq!(first[0].id, Uuid::from_u128(24).to_string());
    assert!(first.windows(2).all(|w| w[0].updated_at >= w[1].updated_at));
    let third = page(ListQuery {
        limit: 10,
        offset: 20,
        ..Default::default()
    });
    assert_eq!(third.len(), 5);
    let cerme = page(ListQuery {
        site: Some("KDR-CERME".into()),
        limit: 100,
        ..Default::default()
    });
    assert_eq!(cerme.len(), 13);
    assert!(cerme.iter().all(|s| s.site.as_deref() == Some("KDR-CERME")));
    let finals = page(ListQuery {
        status: Some(RecordStatus::Final),
        limit: 100,
        ..Default::default()
    });
    assert!(finals.is_empty());
}

#[test]
fn counts_feed_the_status_strip() {
    let records = service();
    let form = builtin::form(FormKind::SiteVisit).unwrap();
    let mut done = site_visit(1, 0, "A");
    done.finalize(&form, t0().date_naive(), t0()).unwrap();
    block_on(records.save(&done)).unwrap();
    block_on(records.save(&site_visit(2, 1, "A"))).unwrap();
    block_on(
        records
            .store()
            .set_meta(META_LAST_SENT, "2026-11-22T10:00:00Z"),
    )
    .unwrap();
    let s = block_on(records.summary()).unwrap();
    assert_eq!((s.on_phone, s.waiting_to_send), (2, 1));
    assert_eq!(
        s.last_sent,
        Some(Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap())
    );
}

#[test]
fn a_full_disk_is_reported_and_damages_nothing() {
    let records = service();
    let mut r = site_visit(1, 0, "A");
    block_on(records.save(&r)).unwrap();
    let form = builtin::form(FormKind::SiteVisit).unwrap();
    r.set_answer(&form, "rooms_count", Some(AnswerValue::Integer(9)), t0())
        .unwrap();
    records.store().full.set(true);
    assert_eq!(block_on(records.save(&r)), Err(StorageError::QuotaExceeded));
    records.store().full.set(false);
    let kept = block_on(records.load(r.id)).unwrap().unwrap();
    assert_eq!(
        kept.answers.values.get("rooms_count"),
        None,
        "the stored version is the last good one"
    );
    assert_eq!(
        r.answers.values.get("rooms_count"),
        Some(&AnswerValue::Integer(9)),
        "the caller still has the new answer"
    );
}

#[test]
fn damaged_or_newer_records_are_reported_not_dropped() {
    let records = service();
    let r = site_visit(1, 0, "A");
    block_on(records.save(&r)).unwrap();
    let mut stored = block_on(records.store().get(&r.id.to_string()))
        .unwrap()
        .unwrap();

    stored.sealed = b"{not json".to_vec();
    records.store().put_raw(stored.clone());
    assert!(matches!(
        block_on(records.load(r.id)),
        Err(StorageError::Corrupt(_))
    ));

    stored.shape = RECORD_SHAPE + 1;
    records.store().put_raw(stored.clone());
    assert_eq!(
        block_on(records.load(r.id)),
        Err(StorageError::NewerData {
            shape: RECORD_SHAPE + 1
        })
    );
    assert_eq!(records.store().len(), 1, "nothing was deleted");
}

#[test]
fn only_deletable_records_can_be_deleted() {
    let records = service();
    let form = builtin::form(FormKind::SiteVisit).unwrap();
    let draft = site_visit(1, 0, "A");
    let mut done = site_visit(2, 0, "A");
    done.finalize(&form, t0().date_naive(), t0()).unwrap();
    block_on(records.save(&draft)).unwrap();
    block_on(records.save(&done)).unwrap();
    assert_eq!(
        block_on(records.delete(done.id)),
        Err(StorageError::NotDeletable)
    );
    block_on(records.delete(draft.id)).unwrap();
    assert_eq!(records.store().len(), 1);
}

#[test]
fn withdrawal_deletes_unsent_records_and_marks_sent_ones() {
    let records = service();
    let form = builtin::form(FormKind::NeedsAssessment).unwrap();
    let mut sent = assessment(1);
    sent.answers.values.retain(|k, _| k == "participant_code");
    let code = sent.participant_code.clone().unwrap();
    // A sent copy (from an earlier visit) and an unsent draft of the same person.
    sent.status = RecordStatus::Sent;
    let draft = assessment(2);
    let mut other = assessment(3);
    let other_code = ParticipantCode::from_random([1, 1, 1, 1, 1, 1]);
    other
        .set_answer(
            &form,
            "participant_code",
            Some(AnswerValue::Code(other_code.to_string())),
            t0(),
        )
        .unwrap();
    for r in [&sent, &draft, &other] {
        block_on(records.save(r)).unwrap();
    }
    assert_eq!(
        block_on(records.find_by_participant(&code)).unwrap().len(),
        2
    );

    let message = uuid::Uuid::from_u128(99);
    let done = block_on(records.withdraw(&code, message, t0())).unwrap();
    assert_eq!(
        (done.deleted, done.waiting, done.message),
        (1, 1, Some(message))
    );
    assert_eq!(
        block_on(records.load(draft.id)).unwrap(),
        None,
        "never sent: deleted at once"
    );
    let kept = block_on(records.load(sent.id)).unwrap().unwrap();
    assert!(
        kept.marked_for_deletion,
        "sent: marked until the server is told"
    );
    assert!(kept.consent.unwrap().is_withdrawn());
    assert!(
        !block_on(records.load(other.id))
            .unwrap()
            .unwrap()
            .marked_for_deletion,
        "other people untouched"
    );

    // The withdrawal waits to be sent, naming only the sent record.
    let queued = block_on(records.load(message)).unwrap().unwrap();
    assert_eq!(queued.status, RecordStatus::Final);
    assert_eq!(queued.form_id, WITHDRAWAL_FORM);
    assert_eq!(queued.withdrawn_ids(), vec![sent.id.to_string()]);
    assert_eq!(queued.participant_code.as_ref(), Some(&code));
    // Until the server confirms it, nothing more is deleted.
    assert_eq!(block_on(records.finish_withdrawals()).unwrap(), 0);
    assert!(block_on(records.load(sent.id)).unwrap().is_some());
    // Confirmed: the sent record and the message itself leave the phone.
    block_on(records.set_status(
        &message.to_string(),
        RecordStatus::Final,
        RecordStatus::Sent,
    ))
    .unwrap();
    assert_eq!(block_on(records.finish_withdrawals()).unwrap(), 1);
    assert_eq!(block_on(records.load(sent.id)).unwrap(), None);
    assert_eq!(block_on(records.load(message)).unwrap(), None);
    assert!(block_on(records.load(other.id)).unwrap().is_some());
}

#[test]
fn withdrawing_someone_never_sent_queues_no_message() {
    let records = service();
    let mut finished = assessment(1);
    finished.status = RecordStatus::Final;
    let code = finished.participant_code.clone().unwrap();
    block_on(records.save(&finished)).unwrap();
    let done = block_on(records.withdraw(&code, uuid::Uuid::from_u128(98), t0())).unwrap();
    assert_eq!((done.deleted, done.waiting, done.message), (1, 0, None));
    assert_eq!(records.store().len(), 0);
}

#[test]
fn a_withdrawal_queued_by_an_older_build_is_still_finished_once_confirmed() {
    // Older builds kept no list of waiting withdrawals: the first finish
    // finds them by a scan.
    let records = service();
    let mut sent = assessment(1);
    sent.status = RecordStatus::Sent;
    sent.withdraw_consent(t0());
    let code = sent.participant_code.clone().unwrap();
    let mut message = Record::withdrawal(Uuid::from_u128(7), code, &[sent.id], t0());
    message.status = RecordStatus::Sent;
    block_on(records.save(&sent)).unwrap();
    block_on(records.save(&message)).unwrap();
    assert_eq!(block_on(records.finish_withdrawals()).unwrap(), 1);
    assert!(records.store().is_empty());
}

#[cfg(not(target_arch = "wasm32"))] // the native AES-GCM stand-in
#[test]
fn the_volunteers_name_is_offered_again_and_kept_sealed() {
    let store = std::rc::Rc::new(MemoryStore::new());
    let records = Records::new(store.clone(), support::keys::NativeCipher::random());
    assert_eq!(block_on(records.last_asked_by()).unwrap(), None);
    block_on(records.remember_asked_by("Pendamping Sari")).unwrap();
    assert_eq!(
        block_on(records.last_asked_by()).unwrap().as_deref(),
        Some("Pendamping Sari")
    );
    let raw = block_on(records.store().get_meta(jangkau::storage::META_ASKED_BY))
        .unwrap()
        .unwrap();
    assert!(!raw.contains("Sari"), "stored in clear: {raw}");
    // Another phone's key (or a wrong one) does not open it.
    let other = Records::new(store, support::keys::NativeCipher::random());
    assert!(block_on(other.last_asked_by()).is_err());
}
