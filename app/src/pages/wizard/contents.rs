//! The Packages and Scripts steps: what goes into the container once it runs.

use leptos::prelude::*;
use model::provision::{ContainerForm, ScriptForm};

use crate::components::Field;
use crate::error::AppError;

/// Extra packages, one per line.
#[component]
pub(super) fn Packages(form: ContainerForm, error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <h2>"Packages"</h2>
        <p class="muted">"Installed with the container's own package manager (apt, apk or dnf), one name per line."</p>
        <Field label="Extra packages" field="packages" error>
            <textarea name="form[packages]" rows="8" placeholder="nginx\ncurl">{form.packages.clone()}</textarea>
        </Field>
    }
}

/// The scripts in order, plus one empty slot for the next.
#[component]
pub(super) fn Scripts(form: ContainerForm, error: Signal<Option<AppError>>) -> impl IntoView {
    let mut slots = form.scripts.clone();
    slots.push(ScriptForm::default());
    let items = slots
        .into_iter()
        .enumerate()
        .map(|(index, script)| {
            view! {
                <fieldset class="script" data-testid="script-slot">
                    <legend>{format!("Script {}", index + 1)}</legend>
                    <Field label="Name" field=format!("scripts[{index}][name]") error>
                        <input name=format!("form[scripts][{index}][name]") value=script.name.clone() />
                    </Field>
                    <Field
                        label="Shell script (runs as root with sh, in order)"
                        field=format!("scripts[{index}][content]")
                        error
                    >
                        <textarea class="mono" name=format!("form[scripts][{index}][content]") rows="6">{script.content.clone()}</textarea>
                    </Field>
                </fieldset>
            }
        })
        .collect_view();
    view! {
        <h2>"Scripts"</h2>
        <p class="muted">"Optional. Each runs after the packages are installed; a script that fails stops the job. Leave name and script empty to remove one."</p>
        {items}
        <button type="submit" name="go" value="stay" class="secondary">"Save and add another script"</button>
    }
}
