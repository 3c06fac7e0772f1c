//! Request parameters and PVE's schema checks (`additionalProperties => 0`, booleans as
//! `1`/`0`, integer bounds), with PVE's wording.

use std::collections::BTreeMap;

use super::reply::ApiError;

/// The type a parameter must have.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// `1`/`0` in forms (JSON bodies may use true/false).
    Bool,
    Int {
        min: i64,
        max: i64,
    },
    Number,
    /// A VM id: 100 … 999999999.
    Vmid,
    Text {
        max: usize,
    },
    OneOf(&'static [&'static str]),
}

/// One parameter of an endpoint's schema.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

/// An optional parameter.
pub const fn opt(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
    }
}

/// A required parameter.
pub const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

/// Shorthand kinds.
pub const BOOL: Kind = Kind::Bool;
pub const TEXT: Kind = Kind::Text { max: 4096 };
/// A non-negative integer (offsets, limits, timeouts, epochs).
pub const COUNT: Kind = Kind::Int {
    min: 0,
    max: i64::MAX,
};

/// The parameters of one request: query string plus form or JSON body.
#[derive(Debug, Default, Clone)]
pub struct Params {
    values: BTreeMap<String, String>,
    /// Keys whose value came as a JSON boolean (allowed there).
    json_booleans: Vec<String>,
}

impl Params {
    /// Merges query and body; `_dc` (the cache-buster) is dropped as PVE does.
    pub fn parse(query: Option<&str>, body: &[u8], json: bool) -> Result<Params, ApiError> {
        let mut params = Params::default();
        for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            params.values.insert(key.into_owned(), value.into_owned());
        }
        if json && !body.is_empty() {
            let object: BTreeMap<String, serde_json::Value> = serde_json::from_slice(body)
                .map_err(|e| ApiError::new(400, format!("unable to parse JSON body: {e}")))?;
            for (key, value) in object {
                let text = match value {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Bool(b) => {
                        params.json_booleans.push(key.clone());
                        u8::from(b).to_string()
                    }
                    other => other.to_string(),
                };
                params.values.insert(key, text);
            }
        } else {
            for (key, value) in url::form_urlencoded::parse(body) {
                params.values.insert(key.into_owned(), value.into_owned());
            }
        }
        params.values.remove("_dc");
        Ok(params)
    }

    /// Checks every parameter against `schema`; all problems are reported at once.
    pub fn check(&self, schema: &[Field]) -> Result<(), ApiError> {
        let mut errors = BTreeMap::new();
        for key in self.values.keys() {
            if !schema.iter().any(|f| f.name == key) {
                errors.insert(
                    key.clone(),
                    "property is not defined in schema and the schema does not allow additional properties".to_owned(),
                );
            }
        }
        for field in schema {
            match self.values.get(field.name) {
                None if field.required => {
                    errors.insert(
                        field.name.to_owned(),
                        "property is missing and it is not optional".to_owned(),
                    );
                }
                None => {}
                Some(value) => {
                    if let Err(message) = self.check_value(field, value) {
                        errors.insert(field.name.to_owned(), message);
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::params(errors))
        }
    }

    fn check_value(&self, field: &Field, value: &str) -> Result<(), String> {
        match field.kind {
            Kind::Bool => {
                let json_bool = self.json_booleans.iter().any(|k| k == field.name);
                if value == "1" || value == "0" || json_bool {
                    Ok(())
                } else {
                    Err(format!("type check ('boolean') failed - got '{value}'"))
                }
            }
            Kind::Int { min, max } => {
                let number: i64 = value
                    .parse()
                    .map_err(|_| format!("type check ('integer') failed - got '{value}'"))?;
                if number < min {
                    Err(format!("value must have a minimum value of {min}"))
                } else if number > max {
                    Err(format!("value must have a maximum value of {max}"))
                } else {
                    Ok(())
                }
            }
            Kind::Number => value
                .parse::<f64>()
                .map(|_| ())
                .map_err(|_| format!("type check ('number') failed - got '{value}'")),
            Kind::Vmid => {
                let valid = value.len() >= 3
                    && value.len() <= 9
                    && value.bytes().all(|b| b.is_ascii_digit())
                    && !value.starts_with('0');
                if valid {
                    Ok(())
                } else {
                    Err("invalid format - value does not look like a valid VM ID".to_owned())
                }
            }
            Kind::Text { max } => {
                if value.len() > max {
                    Err(format!("value may only be {max} characters long"))
                } else {
                    Ok(())
                }
            }
            Kind::OneOf(choices) => {
                if choices.contains(&value) {
                    Ok(())
                } else {
                    Err(format!(
                        "value '{value}' does not have a value in the enumeration '{}'",
                        choices.join(", ")
                    ))
                }
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// A boolean that passed [`Params::check`].
    pub fn flag(&self, name: &str) -> bool {
        self.get(name) == Some("1")
    }

    /// A number that passed [`Params::check`].
    pub fn number<T: std::str::FromStr>(&self, name: &str) -> Option<T> {
        self.get(name).and_then(|v| v.parse().ok())
    }

    /// `start` and `limit` of a paged list (PVE's default limit is 50; 0 means no limit),
    /// applied to `items`.
    pub fn page<T>(&self, items: impl Iterator<Item = T>) -> impl Iterator<Item = T> {
        let start = self.number::<usize>("start").unwrap_or(0);
        let limit = self.number::<usize>("limit").unwrap_or(50);
        items
            .skip(start)
            .take(if limit == 0 { usize::MAX } else { limit })
    }

    /// Every key/value, for config-like endpoints.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}
