//! The Packages and Scripts steps: what goes into the container once it runs. A draft
//! made from a template shows the template's buckets and scripts as switches (each
//! posts its name, hidden, and `on` when ticked).

use leptos::prelude::*;
use model::provision::{ContainerForm, ScriptForm};

use crate::pages::templates::packages_by_manager;

use crate::components::Field;
use crate::error::AppError;

/// Extra packages, one per line.
#[component]
pub(super) fn Packages(form: ContainerForm, error: Signal<Option<AppError>>) -> impl IntoView {
    let template = form.template.clone().map(|template| {
        let buckets = template
            .buckets
            .iter()
            .enumerate()
            .map(|(index, bucket)| {
                let groups = packages_by_manager(&bucket.packages)
                    .into_iter()
                    .map(|(manager, names)| format!("{manager}: {names}"))
                    .collect::<Vec<_>>()
                    .join(" · ");
                view! {
                    <label class="check" data-bucket=bucket.name.clone()>
                        <input type="hidden" name=format!("form[bucket_toggles][{index}][name]") value=bucket.name.clone() />
                        <input type="checkbox" name=format!("form[bucket_toggles][{index}][on]") value="on" checked=bucket.enabled />
                        <b>{bucket.name.clone()}</b> " " <span class="muted mono">{groups}</span>
                    </label>
                }
            })
            .collect_view();
        let own = packages_by_manager(&template.packages)
            .into_iter()
            .map(|(manager, names)| view! { <dt>{manager}</dt><dd class="mono">{names}</dd> })
            .collect_view();
        view! {
            <fieldset class="buckets" data-testid="template-buckets">
                <legend>{format!("From template {}", template.name)}</legend>
                <p class="muted">"Each bucket installs with its manager: the container's own (apt, apk or dnf) first, then pip and npm. Untick a bucket to leave it out."</p>
                {buckets}
                {(!template.packages.is_empty()).then(|| view! { <p>"Always installed:"</p><dl class="facts">{own}</dl> })}
            </fieldset>
        }
    });
    view! {
        <h2>"Packages"</h2>
        {template}
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
    let template = form.template.clone().map(|template| {
        let switches = template
            .scripts
            .iter()
            .enumerate()
            .map(|(index, script)| {
                view! {
                    <div class="script-choice" data-script=script.name.clone()>
                        <label class="check">
                            <input type="hidden" name=format!("form[script_toggles][{index}][name]") value=script.name.clone() />
                            <input type="checkbox" name=format!("form[script_toggles][{index}][on]") value="on" checked=script.enabled />
                            <b>{format!("{}. {}", index + 1, script.name)}</b> " " <span class="muted">{script.description.clone()}</span>
                        </label>
                        <details><summary>"Show the script"</summary><pre class="log">{script.content.clone()}</pre></details>
                    </div>
                }
            })
            .collect_view();
        view! {
            <fieldset class="scripts-choice" data-testid="template-scripts">
                <legend>{format!("From template {}", template.name)}</legend>
                <p class="muted">"Run in this order, before your own scripts below. Untick one to skip it."</p>
                {switches}
            </fieldset>
        }
    });
    view! {
        <h2>"Scripts"</h2>
        {template}
        <p class="muted">"Your own scripts, optional. Each runs after the packages are installed; a script that fails stops the job. Leave name and script empty to remove one."</p>
        {items}
        <button type="submit" name="go" value="stay" class="secondary">"Save and add another script"</button>
    }
}
