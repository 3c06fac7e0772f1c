//! Forms that check themselves as the user types (the wizard's steps, the template
//! form): the form's fields
//! are read back into the model's form type and checked with the model's own code, and
//! each touched field's error shows under it ([`super::FieldError`] reads
//! [`LiveFieldErrors`]). Without JavaScript nothing here runs; the server checks again.

use std::collections::HashSet;

use leptos::prelude::*;
use model::provision::{ContainerForm, Step};

/// Errors found in the browser while the user types (provided by a form that checks
/// itself); each [`super::FieldError`] inside shows the one for its field.
#[derive(Clone, Copy)]
pub struct LiveFieldErrors(pub RwSignal<Vec<model::FieldError>>);

/// The model's name of a form input: `form[hostname]` → `hostname`,
/// `form[scripts][0][name]` → `scripts[0][name]`; `None` for inputs outside `form[…]`.
pub fn field_of(input_name: &str) -> Option<String> {
    let rest = input_name.strip_prefix("form[")?;
    let (head, tail) = rest.split_once(']')?;
    Some(format!("{head}{tail}"))
}

/// The most entries of one list a page posts (template scripts and files: 50); a
/// hostile index must not grow a vector.
const MAX_SLOTS: usize = 64;

/// A form type from a form's `(input name, value)` pairs, as the server would read the
/// same post: `form[x]` fields, `form[list][i][part]` entries and `form[list][]` values;
/// anything else is left out.
pub fn decode<'a, T: serde::de::DeserializeOwned + Default>(
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> T {
    use serde_json::{Map, Value};
    let mut fields = Map::new();
    let mut lists: Vec<(String, Vec<Map<String, Value>>)> = Vec::new();
    let mut arrays: Vec<(String, Vec<Value>)> = Vec::new();
    for (key, value) in entries {
        let Some(field) = field_of(key) else {
            continue;
        };
        if let Some((list, index, part)) = list_part(&field) {
            let at = match lists.iter().position(|(name, _)| name == list) {
                Some(at) => at,
                None => {
                    lists.push((list.to_owned(), Vec::new()));
                    lists.len() - 1
                }
            };
            let items = &mut lists[at].1;
            if items.len() <= index {
                items.resize(index + 1, Map::new());
            }
            items[index].insert(part.to_owned(), value.into());
        } else if let Some(list) = field.strip_suffix("[]") {
            match arrays.iter_mut().find(|(name, _)| name == list) {
                Some((_, values)) => values.push(value.into()),
                None => arrays.push((list.to_owned(), vec![value.into()])),
            }
        } else if !field.contains('[') {
            fields.insert(field, value.into());
        }
    }
    for (name, items) in lists {
        fields.insert(name, items.into_iter().map(Value::Object).collect());
    }
    for (name, values) in arrays {
        fields.insert(name, Value::Array(values));
    }
    // Read back from bytes rather than with `from_value`: the form types' deserializers
    // for `from_slice` are in the wasm already (server functions return them), a third
    // reader would compile them all once more.
    serde_json::to_vec(&Value::Object(fields))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// The wizard's form from a form's `(input name, value)` pairs (see [`decode`]).
pub fn container_form<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> ContainerForm {
    decode(entries)
}

/// `scripts[2][name]` → `("scripts", 2, "name")`, for indexes up to [`MAX_SLOTS`].
fn list_part(field: &str) -> Option<(&str, usize, &str)> {
    let (list, rest) = field.split_once('[')?;
    let (index, part) = rest.split_once("][")?;
    let index = index.parse::<usize>().ok()?;
    let part = part.strip_suffix(']')?;
    (index <= MAX_SLOTS && !part.contains('[')).then_some((list, index, part))
}

/// Browser only: every `(input name, value)` pair a form would post now.
#[cfg(feature = "hydrate")]
pub fn form_pairs(form: &web_sys::HtmlFormElement) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let Ok(data) = web_sys::FormData::new_with_form(form) else {
        return pairs;
    };
    if let Ok(Some(entries)) = js_sys::try_iter(&data.entries()) {
        for entry in entries.flatten() {
            let pair = js_sys::Array::from(&entry);
            if let (Some(key), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                pairs.push((key, value));
            }
        }
    }
    pairs
}

/// The errors of `step` in `form` for the fields the user has touched.
pub fn touched_errors(
    form: &ContainerForm,
    step: Step,
    touched: &HashSet<String>,
) -> Vec<model::FieldError> {
    form.errors(step)
        .into_iter()
        .filter(|error| touched.contains(&error.field))
        .collect()
}

/// Browser only: on an `input` or `change` event of a wizard form, remembers the touched
/// field, reads the whole form and keeps the errors of the touched fields.
pub fn check_as_typed(
    event: &leptos::ev::Event,
    step: Step,
    touched: RwSignal<HashSet<String>>,
    errors: RwSignal<Vec<model::FieldError>>,
) {
    check_typed(event, touched, errors, |form: &ContainerForm| {
        form.errors(step)
    });
}

/// Browser only: on an `input` or `change` event of a form of type `F`, remembers the
/// touched field, reads the whole form and keeps the errors `errors_of` finds in the
/// touched fields.
pub fn check_typed<F: serde::de::DeserializeOwned + Default>(
    event: &leptos::ev::Event,
    touched: RwSignal<HashSet<String>>,
    errors: RwSignal<Vec<model::FieldError>>,
    errors_of: impl Fn(&F) -> Vec<model::FieldError>,
) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;

        let name = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.get_attribute("name"));
        if let Some(field) = name.as_deref().and_then(field_of) {
            touched.update(|seen| {
                seen.insert(field);
            });
        }
        let Some(form) = event
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
        else {
            return;
        };
        let pairs = form_pairs(&form);
        let typed: F = decode(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let seen = touched.get_untracked();
        errors.set(
            errors_of(&typed)
                .into_iter()
                .filter(|error| seen.contains(&error.field))
                .collect(),
        );
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (event, touched, errors, errors_of);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_names_map_to_model_fields() {
        assert_eq!(field_of("form[hostname]").as_deref(), Some("hostname"));
        assert_eq!(
            field_of("form[scripts][0][name]").as_deref(),
            Some("scripts[0][name]")
        );
        assert_eq!(field_of("draft"), None);
        assert_eq!(field_of("form[broken"), None);
    }

    #[test]
    fn a_posted_form_reads_back_as_the_model() {
        let form = container_form([
            ("draft", "abc"),
            ("form[hostname]", "web-1"),
            ("form[vmid]", "120"),
            ("form[scripts][1][name]", "second"),
            ("form[scripts][0][name]", "first"),
            ("form[scripts][0][content]", "echo 1"),
            ("form[scripts][999][name]", "too far"),
            ("form[bucket_toggles][0][name]", "base"),
            ("form[scripts][x][name]", "not a slot"),
        ]);
        assert_eq!(form.hostname, "web-1");
        assert_eq!(form.vmid, "120");
        assert_eq!(form.scripts.len(), 2);
        assert_eq!(
            (
                form.scripts[0].name.as_str(),
                form.scripts[0].content.as_str()
            ),
            ("first", "echo 1")
        );
        assert_eq!(form.scripts[1].name, "second");
        assert_eq!(form.nesting, "", "an unticked checkbox is absent");
        assert_eq!(form.bucket_toggles[0].name, "base");
        let template: model::template::TemplateForm = decode([
            ("form[buckets][]", "b1"),
            ("form[buckets][]", "b2"),
            ("form[files][0][name]", "a.conf"),
        ]);
        assert_eq!(template.buckets, ["b1", "b2"]);
        assert_eq!(template.files[0].name, "a.conf");
    }

    #[test]
    fn only_touched_fields_show_their_errors() {
        let form = container_form([("form[hostname]", "-bad"), ("form[vmid]", "1")]);
        let touched: HashSet<String> = ["hostname".to_owned()].into();
        let errors = touched_errors(&form, Step::Configure, &touched);
        assert_eq!(
            errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["hostname"]
        );
    }
}
