//! Small SVG charts for the reports: labelled bars and a dot-and-line trend, each with its numbers as text for screen readers and small screens.

use leptos::prelude::*;

/// One bar: what it counts, its value, and the value as shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
}

/// Horizontal bars scaled to the largest (or to `max` when given). Each row
/// reads as text ("Menjahit 4"); the SVG only draws it.
#[component]
pub fn Bars(
    bars: Vec<Bar>,
    #[prop(optional)] max: Option<f64>,
    testid: &'static str,
) -> impl IntoView {
    let top = max.unwrap_or_else(|| bars.iter().map(|b| b.value).fold(0.0, f64::max));
    let rows = bars
        .into_iter()
        .map(|b| {
            let width = if top > 0.0 { (b.value / top * 100.0).clamp(0.0, 100.0) } else { 0.0 };
            let (label, shown) = (b.label.clone(), b.shown.clone());
            view! {
                <li class="bar-row" data-label=label data-value=shown>
                    <span class="bar-label">{b.label}</span>
                    <svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true" focusable="false">
                        <rect class="bar-track" x="0" y="0" width="100" height="8" rx="2"></rect>
                        <rect class="bar-fill" x="0" y="0" width=format!("{width:.1}") height="8" rx="2"></rect>
                    </svg>
                    <span class="bar-value">{b.shown}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="bars" data-testid=testid>{rows}</ul> }
}

/// Scores over visits on a fixed scale (`low`–`high`), one dot per visit,
/// evenly spaced; the scores are also written out in order.
#[component]
pub fn Trend(
    label: String,
    points: Vec<(String, f64)>,
    low: f64,
    high: f64,
    testid: String,
) -> impl IntoView {
    let (w, h, pad) = (120.0, 32.0, 4.0);
    let span = (high - low).max(1.0);
    let n = points.len();
    let xy: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| {
            let x = if n > 1 {
                pad + (w - 2.0 * pad) * i as f64 / (n - 1) as f64
            } else {
                w / 2.0
            };
            let y = h - pad - (h - 2.0 * pad) * ((v - low) / span).clamp(0.0, 1.0);
            (x, y)
        })
        .collect();
    let line = xy
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    let dots = xy
        .iter()
        .map(|(x, y)| view! { <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="2.5"></circle> })
        .collect_view();
    let words = points
        .iter()
        .map(|(day, v)| format!("{v} ({day})"))
        .collect::<Vec<_>>()
        .join(" → ");
    let scores = points
        .iter()
        .map(|(_, v)| v.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <li class="trend" data-testid=testid data-scores=scores>
            <span class="trend-label">{label}</span>
            <svg class="trend-chart" viewBox=format!("0 0 {w} {h}") aria-hidden="true" focusable="false">
                <polyline points=line fill="none"></polyline>
                {dots}
            </svg>
            <span class="trend-values">{words}</span>
        </li>
    }
}
