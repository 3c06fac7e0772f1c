//! Redirects after a server function, that cannot panic: leptos_axum's `redirect` panics
//! on a `Location` that is not a valid header value, so every byte outside visible ASCII
//! is percent-encoded first (server builds only).

/// Sends the browser to `path` after this server function (a 302 for plain forms).
pub fn to(path: &str) {
    leptos_axum::redirect(&header_safe(path));
}

/// Sends a plain form post (no JavaScript) to `path` — a section of the page it came from
/// (`…#snapshots`). A hydrated page's call is left alone: it updates in place, and a
/// long action must not take the browser back to the page once the user went elsewhere.
pub fn to_section(path: &str) {
    let plain_form = leptos::prelude::use_context::<axum::http::request::Parts>()
        .is_some_and(|parts| crate::action::is_html_form(&parts.headers));
    if plain_form {
        to(path);
    }
}

/// `path` with every byte outside visible ASCII percent-encoded.
pub fn header_safe(path: &str) -> String {
    let mut safe = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_graphic() {
            safe.push(char::from(byte));
        } else {
            safe.push_str(&format!("%{byte:02X}"));
        }
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::header_safe;

    #[test]
    fn every_location_is_a_valid_header_value() {
        for path in ["/users?created=bob", "/x y", "/é\u{0}\r\n", "/\u{2028}"] {
            let safe = header_safe(path);
            assert!(
                axum::http::HeaderValue::from_str(&safe).is_ok(),
                "{path:?} → {safe}"
            );
        }
        assert_eq!(header_safe("/x y/é"), "/x%20y/%C3%A9");
    }
}
