//! One GPS fix from `navigator.geolocation`, as a future.

use std::cell::RefCell;
use std::rc::Rc;

use futures_channel::oneshot;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::model::answer::GeoPoint;

/// Asks for the current position (high accuracy, up to 30 s). `None` when
/// refused, unavailable or timed out — the UI says so and lets the user retry.
pub async fn current_position() -> Option<GeoPoint> {
    let geolocation = web_sys::window()?.navigator().geolocation().ok()?;
    let (tx, rx) = oneshot::channel::<Option<GeoPoint>>();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let send = move |value: Option<GeoPoint>| {
        if let Some(tx) = tx.borrow_mut().take() {
            let _ = tx.send(value);
        }
    };
    let on_ok = {
        let send = send.clone();
        Closure::once(move |position: web_sys::Position| {
            let c = position.coords();
            send(Some(GeoPoint {
                lat: c.latitude(),
                lon: c.longitude(),
                accuracy_m: c.accuracy(),
            }));
        })
    };
    let on_err = Closure::once(move |_: JsValue| send(None));
    let options = web_sys::PositionOptions::new();
    options.set_enable_high_accuracy(true);
    options.set_timeout(30_000);
    options.set_maximum_age(0);
    geolocation
        .get_current_position_with_error_callback_and_options(
            on_ok.as_ref().unchecked_ref(),
            Some(on_err.as_ref().unchecked_ref()),
            &options,
        )
        .ok()?;
    let result = rx.await.ok().flatten();
    drop((on_ok, on_err));
    result
}
