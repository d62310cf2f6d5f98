#![cfg(target_arch = "wasm32")]
//! Shared-phone benchmark in headless Chromium (run by bench/profiles.sh, not by the tests): unlock and start-up with five profiles of 2 000 records each against one profile of 10 000; prints timings, asserts none.

use jangkau::crypto::secret::SecretKind;
use jangkau::crypto::web::WebKeys;
use jangkau::model::record::Record;
use jangkau::service::phone::{Databases, Phone};
use jangkau::storage::idb::{IdbDatabases, IdbStore};
use jangkau::storage::ListQuery;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

mod support;

wasm_bindgen_test_configure!(run_in_browser);

const PIN: &str = "482915";
const RUNS: usize = 5;

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

fn report(what: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    let line = format!(
        "BENCH | {what} | n={} | p50={:.1} ms | max={:.1} ms",
        samples.len(),
        samples[samples.len() / 2],
        samples[samples.len() - 1]
    );
    web_sys::console::log_1(&JsValue::from_str(&line));
}

/// The browser's databases under a prefix, so each set-up starts on a phone
/// of its own in the same browser.
#[derive(Clone)]
struct Prefixed(&'static str, IdbDatabases);

impl Databases for Prefixed {
    type Store = Rc<IdbStore>;

    async fn open(&self, name: &str) -> Result<Rc<IdbStore>, jangkau::storage::StorageError> {
        self.1.open(&format!("{}{name}", self.0)).await
    }

    fn close(&self, store: &Rc<IdbStore>) {
        self.1.close(store);
    }

    async fn delete(&self, name: &str) -> Result<(), jangkau::storage::StorageError> {
        self.1.delete(&format!("{}{name}", self.0)).await
    }
}

fn batch(profile: usize, count: u128) -> Vec<Record> {
    (0..count)
        .map(|n| support::bench_site_visit(profile as u128 * 1_000_000 + n))
        .collect()
}

/// `profiles` profiles of `each` records; then, `RUNS` times, what a start
/// of the app does before home shows: open the phone and its directory,
/// choose the last profile, unlock it, count its records and read the first
/// page of its list.
async fn phone_of(prefix: &'static str, profiles: usize, each: u128) {
    let dbs = Prefixed(prefix, IdbDatabases::default());
    let phone = Phone::open(dbs.clone(), WebKeys).await.unwrap();
    let first = phone.directory(|| "p0".into()).await.unwrap().profiles[0].clone();
    let vault = phone.vault(&first).await.unwrap();
    let records = phone
        .set_up(&vault, &first, PIN, SecretKind::Pin)
        .await
        .unwrap()
        .unwrap();
    let started = now_ms();
    records.import(&batch(0, each), |_| {}).await.unwrap();
    for p in 1..profiles {
        let (_, added) = phone
            .add(
                &records,
                &format!("V{p}"),
                PIN,
                SecretKind::Pin,
                format!("p{p}"),
            )
            .await
            .unwrap();
        added.import(&batch(p, each), |_| {}).await.unwrap();
    }
    web_sys::console::log_1(&JsValue::from_str(&format!(
        "BENCH | [{profiles} × {each}] seeded | {:.0} ms",
        now_ms() - started
    )));
    drop((records, vault, phone));

    let (mut unlock, mut start) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let t = now_ms();
        let phone = Phone::open(dbs.clone(), WebKeys).await.unwrap();
        let directory = phone.directory(|| unreachable!()).await.unwrap();
        let last = directory.profiles.last().unwrap().clone();
        let vault = phone.vault(&last).await.unwrap();
        vault.start().await.unwrap();
        let records = phone.unlock(&vault, &last, PIN, 0.0).await.unwrap();
        unlock.push(now_ms() - t);
        let t = now_ms();
        records.summary().await.unwrap();
        let page = records
            .list(&ListQuery {
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.len(), 50);
        start.push(now_ms() - t);
    }
    report(
        &format!("[{profiles} × {each}] unlock (directory, key, shared key)"),
        unlock,
    );
    report(
        &format!("[{profiles} × {each}] start-up after unlock (counts, first 50 of the list)"),
        start,
    );
}

#[wasm_bindgen_test]
async fn five_profiles_against_one() {
    phone_of("bench-one-", 1, 10_000).await;
    phone_of("bench-five-", 5, 2_000).await;
}
