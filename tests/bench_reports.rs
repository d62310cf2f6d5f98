#![cfg(target_arch = "wasm32")]
//! Reports benchmark in headless Chromium (run by bench/reports.sh, not by the tests): 10 000 records, prints timings, asserts none.

use chrono::{Duration, FixedOffset, TimeZone, Utc};
use futures::future::join_all;
use jangkau::crypto::secret::SecretKind;
use jangkau::crypto::web;
use jangkau::model::answer::AnswerValue::{Bool, Choice, Choices, Date, Integer, Scale};
use jangkau::model::builtin;
use jangkau::model::form::FormKind;
use jangkau::model::form::Role;
use jangkau::model::participant_code::ParticipantCode;
use jangkau::model::record::Record;
use jangkau::report::csv::{codebook, form_files};
use jangkau::report::history::{due, history, people};
use jangkau::report::inventory::inventory;
use jangkau::report::transfer::{merge, read_export, select, Selection, Versions};
use jangkau::report::{FormKinds, ASSESSMENT, FOLLOW_UP};
use jangkau::storage::idb::IdbStore;
use jangkau::storage::Records;
use jangkau::sync::wire::{batch_body, hex, Content, Entry, PendingBatch, Sender};
use uuid::Uuid;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

mod support;

wasm_bindgen_test_configure!(run_in_browser);

/// 2 500 women at 40 sites, each with an assessment and three follow-ups.
const WOMEN: u32 = 2_500;

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

fn log(line: String) {
    web_sys::console::log_1(&JsValue::from_str(&format!("BENCH | {line}")));
}

fn report(what: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    let q = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    log(format!(
        "{what} | n={} | p50={:.1} ms | p95={:.1} ms | max={:.1} ms",
        samples.len(),
        q(0.5),
        q(0.95),
        samples[samples.len() - 1]
    ));
}

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = now_ms();
    let out = f();
    (out, now_ms() - t)
}

fn records() -> Vec<Record> {
    let start = Utc.with_ymd_and_hms(2026, 1, 5, 2, 0, 0).unwrap();
    let mut out = Vec::new();
    let mut n = 1u128;
    for w in 0..WOMEN {
        let code = ParticipantCode::from_random([w, w / 31, w / 961, 7, 11, 13]);
        let site = format!("SITE-{}", w % 40);
        let at = start + Duration::hours(i64::from(w));
        let scores = |k: u32| {
            Role::WELLBEING
                .iter()
                .map(move |q| (q.default_id(), Scale(((w + k) % 5 + 1) as u8)))
        };
        let mut a: Vec<_> = scores(0).collect();
        a.extend([
            ("resident", Bool(w % 3 == 0)),
            (
                "wants_change",
                Choice(["yes", "unsure", "no"][(w % 3) as usize].into()),
            ),
            (
                "training_wanted",
                Choices(vec![
                    "catering".into(),
                    ["sewing", "salon", "digital"][(w % 3) as usize].into(),
                ]),
            ),
            ("capital_items", Choices(vec!["stock".into()])),
            (
                "capital_needed",
                Integer(i64::from(500_000 + (w % 10) * 250_000)),
            ),
            ("has_ktp", Bool(w % 4 != 0)),
            ("has_bpjs", Bool(w % 5 != 0)),
            ("has_savings_book", Bool(w % 2 == 0)),
            ("referrals_needed", Choices(vec!["health".into()])),
            (
                "risk_of_returning",
                Choice(["low", "medium", "high"][(w % 3) as usize].into()),
            ),
            ("next_visit", Date((at + Duration::days(30)).date_naive())),
        ]);
        out.push(support::finished(n, ASSESSMENT, &code, &site, at, a));
        n += 1;
        for k in 1..=3 {
            let when = at + Duration::days(30 * i64::from(k));
            let mut f: Vec<_> = scores(k).collect();
            f.extend([
                ("visit_date", Date(when.date_naive())),
                ("contact_kind", Choice("home_visit".into())),
                ("business_started", Bool(true)),
                ("business_state", Choice("running".into())),
                ("risk_of_returning", Choice("low".into())),
                ("next_visit", Date((when + Duration::days(30)).date_naive())),
            ]);
            out.push(support::finished(n, FOLLOW_UP, &code, &site, when, f));
            n += 1;
        }
    }
    out
}

#[wasm_bindgen_test]
async fn reports_with_ten_thousand_records() {
    let all = records();
    let offset = FixedOffset::east_opt(7 * 3600).unwrap();
    let assessment = builtin::form(FormKind::NeedsAssessment).unwrap();
    let follow_up = builtin::form(FormKind::FollowUp).unwrap();
    log(format!("records | {}", all.len()));

    // Cold: what the app does once per unlock, in the background.
    let iterations = web::calibrate().await.unwrap();
    let (_, cipher) = web::create("482915", SecretKind::Pin, iterations)
        .await
        .unwrap();
    let name = format!("jangkau-bench-{}", Uuid::new_v4());
    let store = Records::new(IdbStore::open(&name).await.unwrap(), cipher);
    let t = now_ms();
    store.import(&all, |_| ()).await.unwrap();
    log(format!(
        "import (seal + store) 10 000 records | {:.0} ms",
        now_ms() - t
    ));
    let mut opening = Vec::new();
    for _ in 0..3 {
        let t = now_ms();
        let opened = store.open_finished(|_, _| ()).await.unwrap();
        opening.push(now_ms() - t);
        assert_eq!(opened.records.len(), all.len());
    }
    report(
        "open every finished record (once per unlock, in the background)",
        opening,
    );
    IdbStore::delete_database(&name).await.unwrap();

    // Warm: what each page computes from the opened records.
    let mut samples = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let code = all[0].participant_code.clone().unwrap();
    for _ in 0..20 {
        samples
            .0
            .push(time(|| inventory(&all, &FormKinds::default(), None, &assessment, offset)).1);
        samples.1.push(
            time(|| {
                inventory(
                    &all,
                    &FormKinds::default(),
                    Some("SITE-7"),
                    &assessment,
                    offset,
                )
            })
            .1,
        );
        samples.2.push(
            time(|| {
                let p = people(&all, &FormKinds::default(), offset);
                due(&p, Utc::now().date_naive()).len()
            })
            .1,
        );
        samples
            .3
            .push(time(|| history(&all, &FormKinds::default(), &code, offset)).1);
    }
    report("site needs, all sites (compute)", samples.0);
    report("site needs, one site (compute)", samples.1);
    report("people + due list (compute)", samples.2);
    report("one participant's history (compute)", samples.3);

    // Export.
    let everything = Selection {
        forms: [ASSESSMENT, FOLLOW_UP]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        ..Default::default()
    };
    let mut csv = Vec::new();
    let mut longest = Vec::new();
    for _ in 0..5 {
        let t = now_ms();
        let chosen = select(&all, &everything, Versions::Newest, offset);
        let mut steps = Vec::new();
        let mut bytes = 0;
        for form in [&assessment, &follow_up] {
            let of: Vec<&Record> = chosen
                .iter()
                .copied()
                .filter(|r| r.form_id == form.id)
                .collect();
            let (files, ms) = time(|| form_files(&[form], &of));
            steps.push(ms);
            bytes += files.iter().map(|f| f.bytes.len()).sum::<usize>();
        }
        bytes += codebook(&[&assessment, &follow_up]).bytes.len();
        csv.push(now_ms() - t);
        longest.push(steps.into_iter().fold(0.0, f64::max));
        if csv.len() == 1 {
            log(format!("CSV size | {:.1} MB", bytes as f64 / 1e6));
        }
    }
    report("CSV export, 10 000 records (total)", csv);
    report("CSV export, longest step without a paint", longest);

    let t = now_ms();
    let mut entries = Vec::new();
    let mut slowest_chunk: f64 = 0.0;
    for chunk in all.chunks(250) {
        let c = now_ms();
        let hashed = join_all(chunk.iter().map(|r| async move {
            let digest = web::sha256(&Content::of(r).to_bytes()).await.unwrap();
            Entry::plain(r, hex(&digest))
        }))
        .await;
        entries.extend(hashed);
        slowest_chunk = slowest_chunk.max(now_ms() - c);
    }
    let sender = Sender {
        device_id: "bench".into(),
        app_version: "bench".into(),
    };
    let body = batch_body(
        &PendingBatch {
            batch_id: "b".into(),
            entries,
        },
        &sender,
        Utc::now(),
    );
    log(format!(
        "JSON export, 10 000 records | {:.0} ms | {:.1} MB | slowest 250-record chunk {:.0} ms",
        now_ms() - t,
        body.len() as f64 / 1e6,
        slowest_chunk
    ));
    let (incoming, ms) = time(|| read_export(&body, &builtin::forms(), |_| false).unwrap());
    let (plan, merge_ms) = time(|| merge(&Default::default(), incoming.records));
    log(format!(
        "import: read 10 000 records {:.0} ms, merge {:.0} ms ({} new)",
        ms,
        merge_ms,
        plan.add.len()
    ));
}
