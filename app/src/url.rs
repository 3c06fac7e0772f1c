//! Text into URLs: a query value percent-encoded (both builds: pages build links, server
//! functions build redirects).

/// Percent-encodes a query value: letters, digits and `-_.~` stay, every other byte is
/// `%XX`.
pub fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_encoded() {
        assert_eq!(super::query_value("a b&c=é"), "a%20b%26c%3D%C3%A9");
        assert_eq!(super::query_value("web-1_x.y~"), "web-1_x.y~");
    }
}
