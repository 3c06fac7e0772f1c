//! Request parameters: booleans as `1`/`0`, form or query encoding, in a stable order.

/// An ordered list of request parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// No parameters.
    pub fn new() -> Params {
        Params::default()
    }
    /// Adds `key=value`.
    pub fn text(mut self, key: &str, value: impl Into<String>) -> Params {
        self.0.push((key.to_owned(), value.into()));
        self
    }
    /// Adds `key=value` when there is a value.
    pub fn opt_text(self, key: &str, value: Option<impl Into<String>>) -> Params {
        match value {
            Some(value) => self.text(key, value),
            None => self,
        }
    }
    /// Adds a number.
    pub fn number(self, key: &str, value: impl ToString) -> Params {
        self.text(key, value.to_string())
    }
    /// Adds a number when there is one.
    pub fn opt_number(self, key: &str, value: Option<impl ToString>) -> Params {
        match value {
            Some(value) => self.number(key, value),
            None => self,
        }
    }
    /// Adds a boolean the way PVE requires it: `1` or `0`.
    pub fn flag(self, key: &str, on: bool) -> Params {
        self.text(key, if on { "1" } else { "0" })
    }
    /// Adds a boolean when set.
    pub fn opt_flag(self, key: &str, on: Option<bool>) -> Params {
        match on {
            Some(on) => self.flag(key, on),
            None => self,
        }
    }
    /// The pairs, in insertion order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
    /// `application/x-www-form-urlencoded` text.
    pub fn form_encoded(&self) -> String {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.0 {
            form.append_pair(key, value);
        }
        form.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::Params;

    #[test]
    fn booleans_are_one_and_zero_and_values_are_escaped() {
        let params = Params::new()
            .flag("unprivileged", true)
            .flag("onboot", false)
            .text("net0", "name=eth0,bridge=vmbr0,ip=dhcp")
            .opt_text("pool", None::<String>)
            .opt_number("cores", Some(2));
        assert_eq!(
            params.form_encoded(),
            "unprivileged=1&onboot=0&net0=name%3Deth0%2Cbridge%3Dvmbr0%2Cip%3Ddhcp&cores=2"
        );
    }
}
