//! `/templates/{id}`: one template, section by section (configuration, scripts,
//! packages, files), with its actions: use it, edit, duplicate, export, delete.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use model::ids::TemplateId;
use model::template::{TemplateSource, TemplateView};

use super::{Tags, packages_by_manager};
use crate::api::templates::{DeleteTemplate, DuplicateTemplate, get_template};
use crate::components::{
    FieldError, FormError, LoadFailed, Notice, TypedConfirmation, action_error,
};
use crate::pages::{load_named, route_param};
use crate::system::short_utc;

/// The detail page.
#[component]
pub fn TemplatePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || route_param::<TemplateId>(params, "id");
    let query = use_query_map();
    let notice = move || {
        let q = query.read();
        if q.get("saved").is_some() {
            Some("Template saved.")
        } else if q.get("duplicated").is_some() {
            Some("This is the copy; the original is unchanged.")
        } else if q.get("added").is_some() {
            Some("Starter added to your templates.")
        } else {
            None
        }
    };
    let duplicate = ServerAction::<DuplicateTemplate>::new();
    let delete = ServerAction::<DeleteTemplate>::new();
    let error = Signal::derive(move || {
        action_error(duplicate.value().get()).or_else(|| action_error(delete.value().get()))
    });
    let template = crate::resource::new(id, |id| load_named(id, get_template));
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match template.await {
                    Ok(template) => view! {
                        <Title text=template.content.name.clone() />
                        {notice().map(|text| view! { <Notice>{text}</Notice> })}
                        <Detail template duplicate delete error />
                    }.into_any(),
                    Err(error) => view! {
                        <Title text="Template" />
                        <LoadFailed
                            error
                            what="template"
                            explanation="It may have been deleted, or it belongs to another account."
                            back=("/templates", "All templates")
                        />
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Detail(
    template: TemplateView,
    duplicate: ServerAction<DuplicateTemplate>,
    delete: ServerAction<DeleteTemplate>,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let id = template.id.to_string();
    let content = template.content.clone();
    let source = match template.source {
        TemplateSource::User => "made here",
        TemplateSource::Import => "imported",
        TemplateSource::Starter => "from a starter",
    };
    let yes_no = |on: bool| if on { "yes" } else { "no" };
    let features: Vec<&str> = [
        ("nesting", content.nesting),
        ("keyctl", content.keyctl),
        ("fuse", content.fuse),
    ]
    .into_iter()
    .filter_map(|(name, on)| on.then_some(name))
    .collect();
    let scripts = content
        .scripts
        .iter()
        .enumerate()
        .map(|(index, script)| {
            let state = if script.enabled {
                "on by default"
            } else {
                "off by default"
            };
            view! {
                <details class="script" data-script=script.name.clone()>
                    <summary>
                        <b>{format!("{}. {}", index + 1, script.name)}</b>
                        " " <span class="muted">{script.description.clone()} " · " {state}</span>
                    </summary>
                    <pre class="log">{script.content.clone()}</pre>
                </details>
            }
        })
        .collect_view();
    let buckets = template
        .buckets
        .iter()
        .map(|bucket| {
            let groups = packages_by_manager(&bucket.packages)
                .into_iter()
                .map(|(manager, names)| view! { <dt>{manager}</dt><dd class="mono">{names}</dd> })
                .collect_view();
            view! {
                <h3>"Bucket " {bucket.name.clone()}</h3>
                <dl class="facts">{groups}</dl>
            }
        })
        .collect_view();
    let own = packages_by_manager(&content.packages)
        .into_iter()
        .map(|(manager, names)| view! { <dt>{manager}</dt><dd class="mono">{names}</dd> })
        .collect_view();
    let files = content
        .files
        .iter()
        .map(|file| {
            view! {
                <details class="file" data-file=file.name.clone()>
                    <summary>
                        <b class="mono">{file.target_path()}</b>
                        " " <span class="muted">{format!("policy {} · mode {:04o}", file.policy.as_str(), file.mode)}</span>
                    </summary>
                    <pre class="log">{file.content.clone()}</pre>
                </details>
            }
        })
        .collect_view();
    let nothing =
        |empty: bool, what: &'static str| empty.then(|| view! { <p class="muted">{what}</p> });
    let (no_scripts, no_files) = (content.scripts.is_empty(), content.files.is_empty());
    let no_packages = content.packages.is_empty() && template.buckets.is_empty();
    let own_title = (!content.packages.is_empty()).then(|| view! { <h3>"Its own packages"</h3> });
    let export = format!("/api/templates/{id}/export");
    let edit = format!("/templates/{id}/edit");
    let (duplicate_id, delete_id, use_id) = (id.clone(), id.clone(), id.clone());
    view! {
        <div class="page-head">
            <h1>{content.name.clone()}</h1>
            <div class="row-actions">
                <form method="post" action="/api/wizard/start" class="inline">
                    <input type="hidden" name="template" value=use_id />
                    <button type="submit" class="primary">"Use in a new container"</button>
                </form>
                <a class="button" href=edit>"Edit"</a>
                <ActionForm action=duplicate attr:class="inline">
                    <input type="hidden" name="id" value=duplicate_id />
                    <button type="submit">"Duplicate"</button>
                </ActionForm>
                <a class="button" href=export download="">"Export"</a>
            </div>
        </div>
        <FormError error />
        <p>{content.description.clone()}</p>
        <p><Tags tags=content.tags.clone() /></p>
        <section class="card" id="config">
            <h2>"Configuration"</h2>
            <dl class="facts">
                <dt>"OS template"</dt><dd>{content.os_hint.clone().unwrap_or_else(|| "any".into())}</dd>
                <dt>"Cores"</dt><dd>{content.cores}</dd>
                <dt>"Memory"</dt><dd>{format!("{} MiB (swap {} MiB)", content.memory_mib, content.swap_mib)}</dd>
                <dt>"Root disk"</dt><dd>{format!("{} GiB", content.disk_gib)} {content.storage.clone().map(|s| format!(" on {s}"))}</dd>
                <dt>"Bridge"</dt><dd>{content.bridge.clone().unwrap_or_else(|| "the node's default".into())}</dd>
                <dt>"Unprivileged"</dt><dd>{yes_no(content.unprivileged)}</dd>
                <dt>"Features"</dt><dd>{if features.is_empty() { "none".to_owned() } else { features.join(", ") }}</dd>
                <dt>"Revision"</dt><dd>{template.revision} " · " {source} " · changed " {short_utc(&template.updated_at)}</dd>
            </dl>
        </section>
        <section class="card" id="scripts">
            <h2>"Scripts"</h2>
            {nothing(no_scripts, "No scripts.")}
            {scripts}
        </section>
        <section class="card" id="packages">
            <h2>"Packages"</h2>
            {nothing(no_packages, "No packages.")}
            {buckets}
            {own_title}
            <dl class="facts">{own}</dl>
        </section>
        <section class="card" id="files">
            <h2>"Files"</h2>
            {nothing(no_files, "No files.")}
            {files}
        </section>
        <section class="card danger-zone">
            <h2>"Delete"</h2>
            <details class="confirm">
                <summary>"Delete this template…"</summary>
                <ActionForm action=delete attr:class="stack">
                    <input type="hidden" name="id" value=delete_id />
                    <TypedConfirmation name=content.name.clone() purpose="to delete it (containers made from it stay)">
                        <FieldError error field="confirm" />
                    </TypedConfirmation>
                    <button type="submit" class="danger">"Delete template"</button>
                </ActionForm>
            </details>
        </section>
    }
}
