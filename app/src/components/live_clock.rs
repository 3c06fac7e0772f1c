//! A clock that only runs in the browser: proof that the page is hydrated.

use std::time::Duration;

use leptos::prelude::*;

/// Shows "JavaScript off" when served without WebAssembly; once hydrated, it shows
/// the browser's UTC time ticking every second and how long the page has been live.
#[component]
pub fn LiveClock() -> impl IntoView {
    let hydrated = RwSignal::new(false);
    let now = RwSignal::new(None::<String>);
    let live_seconds = RwSignal::new(0_u64);

    // Effects run only in the browser, after hydration.
    Effect::new(move |_| {
        hydrated.set(true);
        now.set(Some(utc_clock_now()));
        let handle = set_interval_with_handle(
            move || {
                now.set(Some(utc_clock_now()));
                live_seconds.update(|s| *s += 1);
            },
            Duration::from_secs(1),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });

    view! {
        <dl class="facts" data-testid="live-clock">
            <dt>"Interactivity"</dt>
            <dd>
                <span
                    class=move || if hydrated.get() { "badge ok" } else { "badge muted" }
                    data-testid="hydration-state"
                >
                    {move || if hydrated.get() { "live" } else { "JavaScript off" }}
                </span>
            </dd>
            <dt>"Browser clock (UTC)"</dt>
            <dd class="mono" data-testid="clock">{move || now.get().unwrap_or_else(|| "—".into())}</dd>
            <dt>"Live for"</dt>
            <dd data-testid="live-seconds">{move || format!("{} s", live_seconds.get())}</dd>
        </dl>
    }
}

/// The browser's current time as `HH:MM:SS` in UTC.
fn utc_clock_now() -> String {
    let date = js_sys::Date::new_0();
    format!(
        "{:02}:{:02}:{:02}",
        date.get_utc_hours(),
        date.get_utc_minutes(),
        date.get_utc_seconds()
    )
}
