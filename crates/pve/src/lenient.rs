//! Deserializers for Proxmox's loose JSON (Perl emits numbers as strings when it likes).
//!
//! Use them with `#[serde(default, deserialize_with = "lenient::…")]` on every numeric or
//! boolean field: they accept JSON numbers, numeric strings, `0`/`1`, `true`/`false`,
//! `""` (as absent) and `null`.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// Any scalar PVE may send where a number or boolean is expected.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    Null,
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, a boolean, a numeric string or null")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        i64::try_from(v)
            .map(Scalar::Int)
            .or(Ok(Scalar::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_owned()))
    }
    fn visit_none<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

fn to_f64<E: de::Error>(value: Scalar) -> Result<Option<f64>, E> {
    match value {
        Scalar::Int(i) => Ok(Some(i as f64)),
        Scalar::Float(f) => Ok(Some(f)),
        Scalar::Bool(b) => Ok(Some(if b { 1.0 } else { 0.0 })),
        Scalar::Null => Ok(None),
        Scalar::Text(t) if t.trim().is_empty() => Ok(None),
        Scalar::Text(t) => t
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| E::custom(format!("expected a number, got {t:?}"))),
    }
}

fn to_i64<E: de::Error>(value: Scalar) -> Result<Option<i64>, E> {
    match value {
        Scalar::Int(i) => Ok(Some(i)),
        Scalar::Text(t)
            if !t.trim().is_empty()
                && t.trim().bytes().all(|b| b.is_ascii_digit() || b == b'-') =>
        {
            t.trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| E::custom(format!("expected an integer, got {t:?}")))
        }
        other => match to_f64::<E>(other)? {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
            Some(f) => Err(E::custom(format!("expected an integer, got {f}"))),
            None => Ok(None),
        },
    }
}

fn to_bool<E: de::Error>(value: Scalar) -> Result<Option<bool>, E> {
    match value {
        Scalar::Bool(b) => Ok(Some(b)),
        Scalar::Int(i) => Ok(Some(i != 0)),
        Scalar::Float(f) => Ok(Some(f != 0.0)),
        Scalar::Null => Ok(None),
        Scalar::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "1" | "true" | "yes" | "on" => Ok(Some(true)),
            "0" | "false" | "no" | "off" => Ok(Some(false)),
            _ => Err(E::custom(format!("expected a boolean, got {t:?}"))),
        },
    }
}

/// A float; absent, `null` and `""` read as 0.
pub fn f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(to_f64(scalar(d)?)?.unwrap_or_default())
}

/// An optional float.
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    to_f64(scalar(d)?)
}

/// An unsigned integer; absent, `null` and `""` read as 0; a negative value is an error.
pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(opt_u64(d)?.unwrap_or_default())
}

/// An optional unsigned integer.
pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match to_i64::<D::Error>(scalar(d)?)? {
        Some(i) => u64::try_from(i)
            .map(Some)
            .map_err(|_| de::Error::custom(format!("expected a non-negative integer, got {i}"))),
        None => Ok(None),
    }
}

/// A signed integer; absent, `null` and `""` read as 0.
pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(to_i64(scalar(d)?)?.unwrap_or_default())
}

/// A virtual machine id (`100`, `"100"`).
pub fn vmid<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let value = opt_u64(d)?.ok_or_else(|| de::Error::custom("missing vmid"))?;
    u32::try_from(value).map_err(|_| de::Error::custom(format!("vmid {value} out of range")))
}

/// A boolean from `0`/`1`, `"0"`/`"1"`, `true`/`false`, `"yes"`…; absent reads as false.
pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(to_bool(scalar(d)?)?.unwrap_or_default())
}

/// An optional boolean.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    to_bool(scalar(d)?)
}

/// A string that PVE may also send as a number; `null` and `""` read as `None`.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Text(t) if t.is_empty() => None,
        Scalar::Text(t) => Some(t),
        Scalar::Int(i) => Some(i.to_string()),
        Scalar::Float(f) => Some(f.to_string()),
        Scalar::Bool(b) => Some(u8::from(b).to_string()),
        Scalar::Null => None,
    })
}

/// A tag list as PVE stores it (`a;b`) or accepts it (`a,b`, `a b`): split, trimmed,
/// empty entries dropped. Absent or `""` is an empty list.
pub fn tags<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(opt_string(d)?.map(|t| split_tags(&t)).unwrap_or_default())
}

/// A list of numbers that may arrive as strings (`loadavg: ["0.12","0.30","0.25"]`).
pub fn f64_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Item(#[serde(deserialize_with = "f64")] f64);
    let items: Option<Vec<Item>> = serde::Deserialize::deserialize(d)?;
    Ok(items
        .unwrap_or_default()
        .into_iter()
        .map(|item| item.0)
        .collect())
}

/// Splits a tag list on `;`, `,` and whitespace.
pub fn split_tags(text: &str) -> Vec<String> {
    text.split([';', ',', ' ', '\t', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq, Default)]
    struct Sample {
        #[serde(default, deserialize_with = "super::u64")]
        count: u64,
        #[serde(default, deserialize_with = "super::f64")]
        load: f64,
        #[serde(default, deserialize_with = "super::bool")]
        flag: bool,
        #[serde(default, deserialize_with = "super::opt_u64")]
        maybe: Option<u64>,
        #[serde(default, deserialize_with = "super::tags")]
        tags: Vec<String>,
        #[serde(default, deserialize_with = "super::opt_string")]
        port: Option<String>,
    }

    fn parse(json: &str) -> Sample {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn numbers_arrive_as_numbers_or_strings() {
        let a = parse(r#"{"count": 5, "load": 0.25, "maybe": 7}"#);
        let b = parse(r#"{"count": "5", "load": "0.25", "maybe": "7"}"#);
        assert_eq!(a, b);
        assert_eq!(a.count, 5);
        assert_eq!(parse(r#"{"count": 5.0}"#).count, 5);
    }

    #[test]
    fn empty_strings_and_nulls_and_missing_fields_are_absent() {
        assert_eq!(
            parse(r#"{"count": "", "maybe": null, "load": null}"#),
            Sample::default()
        );
        assert_eq!(parse("{}"), Sample::default());
        assert_eq!(parse(r#"{"port": ""}"#).port, None);
    }

    #[test]
    fn booleans_come_in_every_spelling() {
        for yes in [r#"1"#, r#""1""#, "true", r#""yes""#, r#""on""#] {
            assert!(parse(&format!(r#"{{"flag": {yes}}}"#)).flag, "{yes}");
        }
        for no in [r#"0"#, r#""0""#, "false", r#""""#, "null"] {
            assert!(!parse(&format!(r#"{{"flag": {no}}}"#)).flag, "{no}");
        }
    }

    #[test]
    fn tags_split_on_semicolons_commas_and_spaces() {
        assert_eq!(parse(r#"{"tags": "prod;web"}"#).tags, ["prod", "web"]);
        assert_eq!(parse(r#"{"tags": "prod, web"}"#).tags, ["prod", "web"]);
        assert_eq!(parse(r#"{"tags": ""}"#).tags, Vec::<String>::new());
    }

    #[test]
    fn numbers_where_strings_are_expected_are_kept_as_text() {
        assert_eq!(parse(r#"{"port": 5900}"#).port.as_deref(), Some("5900"));
        assert_eq!(parse(r#"{"port": "5900"}"#).port.as_deref(), Some("5900"));
    }

    #[test]
    fn garbage_is_an_error_not_a_zero() {
        assert!(serde_json::from_str::<Sample>(r#"{"count": "many"}"#).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"count": -3}"#).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"flag": "maybe"}"#).is_err());
    }
}
