//! A resource chart drawn as SVG on the server, readable without JavaScript: the scale
//! with its unit, the first and last sample times, each series a line that breaks where
//! Proxmox has no value (a stopped container), and a legend. Hydrated, a readout follows
//! the pointer: the time and each series' value there.

use leptos::prelude::*;
use model::history::{Chart, Timeframe};

/// The drawing's size (the SVG scales to its box).
const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 170.0;
/// The plot area inside it.
const LEFT: f64 = 70.0;
const RIGHT: f64 = 590.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 145.0;

/// `18:05` within a day, `12-01` beyond, from Unix seconds (UTC).
fn time_label(time: u64, timeframe: Timeframe) -> String {
    let text = model::time::rfc3339(time);
    match timeframe {
        Timeframe::Hour | Timeframe::Day => text[11..16].to_owned(),
        _ => text[5..10].to_owned(),
    }
}

/// The top of the scale: the chart's ceiling, else a little above the largest value.
fn scale_top(chart: &Chart) -> f64 {
    if let Some(ceiling) = chart.ceiling.filter(|c| *c > 0.0) {
        return ceiling;
    }
    let largest = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0_f64, |a, b| a.max(*b));
    if largest > 0.0 { largest * 1.1 } else { 1.0 }
}

/// An SVG path through `values`, lifting the pen over gaps.
fn path(values: &[Option<f64>], top: f64) -> String {
    let step = (RIGHT - LEFT) / (values.len().max(2) - 1) as f64;
    let mut d = String::new();
    let mut drawing = false;
    for (i, value) in values.iter().enumerate() {
        match value {
            Some(v) => {
                let x = LEFT + i as f64 * step;
                let y = BOTTOM - (v / top).clamp(0.0, 1.0) * (BOTTOM - TOP);
                d.push_str(&format!(
                    "{}{x:.1},{y:.1} ",
                    if drawing { "L" } else { "M" }
                ));
                drawing = true;
            }
            None => drawing = false,
        }
    }
    d
}

/// One chart of a history.
#[component]
pub fn HistoryChart(chart: Chart, times: Vec<u64>, timeframe: Timeframe) -> impl IntoView {
    let top = scale_top(&chart);
    let unit = chart.unit;
    let lines = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| view! { <path class=format!("line series-{i}") d=path(&s.values, top) /> })
        .collect_view();
    let legend = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| view! { <span class=format!("legend series-{i}")>{s.label.clone()}</span> })
        .collect_view();
    let ticks = [0.0, 0.5, 1.0]
        .into_iter()
        .map(|f| {
            let y = BOTTOM - f * (BOTTOM - TOP);
            view! {
                <line class="grid-line" x1=LEFT y1=y x2=RIGHT y2=y />
                <text class="tick" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">{unit.format(top * f)}</text>
            }
        })
        .collect_view();
    let (first, last) = (
        times
            .first()
            .map(|t| time_label(*t, timeframe))
            .unwrap_or_default(),
        times
            .last()
            .map(|t| time_label(*t, timeframe))
            .unwrap_or_default(),
    );
    let empty = chart
        .series
        .iter()
        .all(|s| s.values.iter().all(Option::is_none));
    let hovered = RwSignal::new(None::<usize>);
    let count = times.len();
    let pointer = move |event: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            // Where the pointer is across the drawing, whatever element it is over.
            let Some(bounds) = event
                .current_target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .map(|svg| svg.get_bounding_client_rect())
            else {
                return;
            };
            let x = (f64::from(event.client_x()) - bounds.left()) / bounds.width().max(1.0) * WIDTH;
            let step = (RIGHT - LEFT) / (count.max(2) - 1) as f64;
            // The nearest sample; the margins count as the ends.
            let index = ((x - LEFT) / step)
                .round()
                .clamp(0.0, count.saturating_sub(1) as f64);
            hovered.set((count > 0).then_some(index as usize));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (event, count);
    };
    let marker = move || {
        hovered.get().map(|i| {
            let step = (RIGHT - LEFT) / (count.max(2) - 1) as f64;
            let x = LEFT + i as f64 * step;
            view! { <line class="cursor" x1=x y1=TOP x2=x y2=BOTTOM /> }
        })
    };
    let series = chart.series.clone();
    let readout = move || {
        hovered.get().and_then(|i| {
            let at = times.get(i)?;
            let values = series
                .iter()
                .map(|s| {
                    let value = s.values.get(i).copied().flatten();
                    format!(
                        "{} {}",
                        s.label,
                        value.map_or("—".to_owned(), |v| unit.format(v))
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            Some(format!(
                "{} — {values}",
                crate::system::short_utc(&model::time::rfc3339(*at))
            ))
        })
    };
    view! {
        <figure class="chart" data-chart=chart.title.clone()>
            <figcaption><b>{chart.title.clone()}</b> " " {legend}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=format!("{} over time", chart.title)
                on:mousemove=pointer on:mouseleave=move |_| hovered.set(None)>
                {ticks}
                <line class="axis" x1=LEFT y1=BOTTOM x2=RIGHT y2=BOTTOM />
                <text class="tick" x=LEFT y=HEIGHT - 6.0>{first}</text>
                <text class="tick" x=RIGHT y=HEIGHT - 6.0 text-anchor="end">{last}</text>
                {lines}
                {marker}
                {empty.then(|| view! { <text class="tick" x=(LEFT + RIGHT) / 2.0 y=(TOP + BOTTOM) / 2.0 text-anchor="middle">"no data in this period"</text> })}
            </svg>
            <p class="muted readout" data-testid="readout">{readout}</p>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_over_gaps() {
        let d = path(&[Some(0.0), Some(50.0), None, Some(100.0)], 100.0);
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('L').count(), 1, "{d}");
        assert!(path(&[None, None], 1.0).is_empty());
    }
}
