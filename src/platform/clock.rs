//! The browser's clock, ids and randomness behind the services' `Clock`, and the task spawner behind the writer's `Spawn`.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::service::writer::Spawn;
use crate::service::Clock;

/// `Date.now()`, UUID v4 from `crypto.getRandomValues`, `Math.random()`.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserClock;

impl Clock for BrowserClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn new_id(&self) -> Uuid {
        Uuid::new_v4()
    }
    fn random(&self) -> f64 {
        js_sys::Math::random()
    }
}

/// Runs tasks on the page's event loop.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalSpawn;

impl Spawn for LocalSpawn {
    fn spawn(&self, task: Pin<Box<dyn Future<Output = ()>>>) {
        wasm_bindgen_futures::spawn_local(task);
    }
}
