//! The server's own status (version, database, uptime), and how durations and times read.

use leptos::prelude::*;
use model::system::SystemStatus;

use crate::action::{Call, SignedIn, action};
use crate::error::AppError;

/// Reports the server's version, database state and uptime (signed-in users only).
#[action]
#[server(endpoint = "system/status")]
pub async fn fetch_system_status(call: Call<SignedIn>) -> Result<SystemStatus, AppError> {
    Ok(backend::installation::status(&call.backend().store, call.state().started_at).await)
}

/// "3 d 4 h", "2 h 5 min", "42 s": a duration in its two largest units.
pub fn human_duration(seconds: u64) -> String {
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) => format!("{m} min {} s", seconds % 60),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// "2026-11-26 12:38 UTC" from an RFC 3339 UTC timestamp; anything else is returned as is.
pub fn short_utc(timestamp: &str) -> String {
    match (timestamp.get(..10), timestamp.get(11..16)) {
        (Some(date), Some(time)) if timestamp.as_bytes().get(10) == Some(&b'T') => {
            format!("{date} {time} UTC")
        }
        _ => timestamp.to_owned(),
    }
}

/// Seconds since the epoch from `2026-11-26T17:41:39Z`.
pub fn parse_utc(text: &str) -> Option<u64> {
    let (date, time) = text.trim_end_matches('Z').split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time
        .split(':')
        .map(|p| p.split('.').next().and_then(|p| p.parse::<i64>().ok()));
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    // Days from the civil date (proleptic Gregorian), as in Howard Hinnant's algorithm.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + hh * 3600 + mm * 60 + ss).ok()
}

/// The browser's clock in seconds (none on the server).
pub fn js_now() -> Option<u64> {
    #[cfg(feature = "hydrate")]
    {
        Some((js_sys::Date::now() / 1000.0) as u64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// "just now", "3 min ago", "2 h ago", "4 d ago".
pub fn ago(seconds: u64) -> String {
    match seconds {
        0..60 => "just now".to_owned(),
        60..3_600 => format!("{} min ago", seconds / 60),
        3_600..86_400 => format!("{} h ago", seconds / 3_600),
        _ => format!("{} d ago", seconds / 86_400),
    }
}

/// "3 min ago" from an RFC 3339 UTC timestamp, by the browser's clock; the time itself
/// (`2026-11-26 12:38 UTC`) while rendering on the server and before hydration.
#[component]
pub fn Ago(timestamp: String) -> impl IntoView {
    let now = RwSignal::new(None);
    Effect::new(move |_| {
        now.set(js_now());
        if let Ok(handle) = set_interval_with_handle(
            move || now.set(js_now()),
            std::time::Duration::from_secs(30),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let exact = short_utc(&timestamp);
    let title = exact.clone();
    let text = move || match (now.get(), parse_utc(&timestamp)) {
        (Some(now), Some(then)) => ago(now.saturating_sub(then)),
        _ => exact.clone(),
    };
    view! { <time title=title>{text}</time> }
}

#[cfg(test)]
mod tests {
    use super::{human_duration, short_utc};

    #[test]
    fn timestamps_are_shortened_to_the_minute() {
        assert_eq!(
            short_utc("2026-11-26T12:38:51.936762001Z"),
            "2026-11-26 12:38 UTC"
        );
        assert_eq!(short_utc("yesterday"), "yesterday");
        assert_eq!(short_utc(""), "");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(0), "0 s");
        assert_eq!(human_duration(42), "42 s");
        assert_eq!(human_duration(125), "2 min 5 s");
        assert_eq!(human_duration(7_500), "2 h 5 min");
        assert_eq!(human_duration(3 * 86_400 + 4 * 3_600 + 59), "3 d 4 h");
    }
}
