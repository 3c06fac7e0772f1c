//! Forms that check themselves as the user types (the wizard's steps): the form's fields
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

/// The wizard's form from a form's `(input name, value)` pairs, as the server would
/// read the same post: `form[x]` fields and `form[scripts][i][name|content]`; anything
/// else is left out.
pub fn container_form<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> ContainerForm {
    let mut fields = serde_json::Map::new();
    let mut scripts: Vec<serde_json::Map<String, serde_json::Value>> = Vec::new();
    for (key, value) in entries {
        let Some(field) = field_of(key) else {
            continue;
        };
        match script_part(&field) {
            Some((index, part)) => {
                if scripts.len() <= index {
                    scripts.resize(index + 1, serde_json::Map::new());
                }
                scripts[index].insert(part.to_owned(), value.into());
            }
            None if field.starts_with("scripts[") => {}
            None => {
                fields.insert(field, value.into());
            }
        }
    }
    if !scripts.is_empty() {
        fields.insert(
            "scripts".into(),
            scripts.into_iter().map(serde_json::Value::Object).collect(),
        );
    }
    serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or_default()
}

/// `scripts[2][name]` → `(2, "name")`; at most [`model::provision::MAX_SCRIPTS`] slots
/// (more cannot be posted by the page, and a hostile index must not grow a vector).
fn script_part(field: &str) -> Option<(usize, &str)> {
    let rest = field.strip_prefix("scripts[")?;
    let (index, part) = rest.split_once("][")?;
    let index = index.parse::<usize>().ok()?;
    let part = part.strip_suffix(']')?;
    (index <= model::provision::MAX_SCRIPTS).then_some((index, part))
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
        let Ok(data) = web_sys::FormData::new_with_form(&form) else {
            return;
        };
        let mut pairs: Vec<(String, String)> = Vec::new();
        if let Ok(Some(entries)) = js_sys::try_iter(&data.entries()) {
            for entry in entries.flatten() {
                let pair = js_sys::Array::from(&entry);
                if let (Some(key), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string())
                {
                    pairs.push((key, value));
                }
            }
        }
        let typed = container_form(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        errors.set(touched_errors(&typed, step, &touched.get_untracked()));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (event, step, touched, errors);
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
