//! `/templates/new` and `/templates/{id}/edit`: one form for all of a template, a plain
//! form post with or without JavaScript. Every button posts the whole form: Save stores
//! it, the others (add, remove, move a script or a file) change the lists and show the
//! form again; what was typed is kept in a draft (`?draft=…`), so nothing is lost. A
//! refused save comes back with the field and message in the URL. Hydrated, the form
//! checks itself with the model's code as it is typed.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use model::ids::{TemplateDraftId, TemplateId};
use model::template::{BucketView, FilePolicy, TemplateFileForm, TemplateForm, TemplateScriptForm};

use crate::api::templates::{get_template, get_template_draft, list_buckets};
use crate::components::live_form::{LiveFieldErrors, check_typed};
use crate::components::{Field, FormError, LoadFailed, live_marker};
use crate::error::AppError;
use crate::pages::route_param;

/// The error a refused save left in the URL (`?field=…&error=…`).
fn url_error() -> Signal<Option<AppError>> {
    let query = use_query_map();
    Signal::derive(move || {
        let q = query.read();
        q.get("error").map(|message| AppError::Validation {
            field: q.get("field").unwrap_or_default(),
            message,
        })
    })
}

/// The draft named in the URL, if any.
fn url_draft() -> impl Fn() -> Option<TemplateDraftId> + Copy {
    let query = use_query_map();
    move || query.read().get("draft").and_then(|d| d.parse().ok())
}

/// A new template.
#[component]
pub fn NewTemplatePage() -> impl IntoView {
    let draft = url_draft();
    let form = crate::resource::new(draft, |draft| async move {
        match draft {
            Some(id) => get_template_draft(id).await.map(|d| d.form),
            None => Ok(TemplateForm::new_template()),
        }
    });
    view! {
        <Title text="New template" />
        <div class="page-head"><h1>"New template"</h1><a href="/templates">"Cancel"</a></div>
        <FormLoader form draft template=None />
    }
}

/// A template's changes.
#[component]
pub fn EditTemplatePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || route_param::<TemplateId>(params, "id");
    let draft = url_draft();
    let form = crate::resource::new(
        move || (id(), draft()),
        |(id, draft)| async move {
            match (id, draft) {
                (None, _) => Err(AppError::NotFound),
                (Some(_), Some(draft)) => get_template_draft(draft).await.map(|d| d.form),
                (Some(id), None) => get_template(id)
                    .await
                    .map(|t| TemplateForm::from_content(&t.content)),
            }
        },
    );
    let cancel =
        move || id().map_or_else(|| "/templates".to_owned(), |id| format!("/templates/{id}"));
    view! {
        <Title text="Edit template" />
        <div class="page-head"><h1>"Edit template"</h1><a href=cancel>"Cancel"</a></div>
        {move || view! { <FormLoader form draft template=id() /> }}
    }
}

#[component]
fn FormLoader(
    form: crate::resource::PageResource<Result<TemplateForm, AppError>>,
    draft: impl Fn() -> Option<TemplateDraftId> + Copy + Send + Sync + 'static,
    template: Option<TemplateId>,
) -> impl IntoView {
    let buckets = crate::resource::new(|| (), |_| list_buckets());
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let template = template.clone();
                Suspend::new(async move {
                    match (form.await, buckets.await) {
                        (Ok(form), Ok(buckets)) => view! {
                            <TemplateFormView form buckets draft=draft() template />
                        }.into_any(),
                        (Err(error), _) | (_, Err(error)) => view! {
                            <LoadFailed
                                error
                                what="template"
                                explanation="It may have been deleted, or the draft expired (drafts are kept for a day)."
                                back=("/templates", "All templates")
                                nested=true
                            />
                        }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn TemplateFormView(
    form: TemplateForm,
    buckets: Vec<BucketView>,
    draft: Option<TemplateDraftId>,
    template: Option<TemplateId>,
) -> impl IntoView {
    let error = url_error();
    let live = live_marker();
    let live_errors = RwSignal::new(Vec::<model::FieldError>::new());
    provide_context(LiveFieldErrors(live_errors));
    let touched = RwSignal::new(std::collections::HashSet::<String>::new());
    let check = move |ev: leptos::ev::Event| {
        check_typed(&ev, touched, live_errors, |form: &TemplateForm| {
            form.errors()
        });
    };
    let checkbox = |name: &'static str, label: &'static str, on: &str| {
        let checked = !on.is_empty();
        view! { <label class="check"><input type="checkbox" name=format!("form[{name}]") checked=checked prop:checked=checked />{label}</label> }
    };
    let bucket_boxes = buckets
        .iter()
        .map(|bucket| {
            let checked = form.buckets.iter().any(|b| *b == bucket.id.to_string());
            let summary = super::packages_by_manager(&bucket.packages)
                .into_iter()
                .map(|(m, names)| format!("{m}: {names}"))
                .collect::<Vec<_>>()
                .join(" · ");
            view! {
                <label class="check">
                    <input type="checkbox" name="form[buckets][]" value=bucket.id.to_string() checked=checked prop:checked=checked />
                    <b>{bucket.name.clone()}</b> " " <span class="muted">{summary}</span>
                </label>
            }
        })
        .collect_view();
    let no_buckets = buckets.is_empty().then(|| {
        view! { <p class="muted">"No buckets yet. " <a href="/templates/buckets">"Make one"</a> " to reuse package lists."</p> }
    });
    let script_count = form.scripts.len();
    let file_count = form.files.len();
    let scripts = form
        .scripts
        .iter()
        .enumerate()
        .map(|(i, s)| view! { <ScriptFields index=i script=s.clone() last=script_count - 1 error /> })
        .collect_view();
    let files = form
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| view! { <FileFields index=i file=f.clone() last=file_count - 1 error /> })
        .collect_view();
    view! {
        <form method="post" action="/api/templates/edit" class="card stack template-form" data-live=live data-testid="template-form" on:input=check on:change=check>
            <input type="hidden" name="draft" value=draft.map(|d| d.to_string()).unwrap_or_default() />
            <input type="hidden" name="template" value=template.map(|t| t.to_string()).unwrap_or_default() />
            // Enter in a field presses the form's first submit button: this one, so it saves
            // (never removes or moves an item).
            <button type="submit" name="op" value="save" class="visually-hidden" tabindex="-1" aria-hidden="true">"Save"</button>
            <FormError error />
            <h2>"About"</h2>
            <Field label="Name" field="name" error>
                <input name="form[name]" value=form.name.clone() prop:value=form.name.clone() required maxlength="64" />
            </Field>
            <Field label="Description" field="description" error hint="optional">
                <textarea name="form[description]" rows="2" prop:value=form.description.clone()>{form.description.clone()}</textarea>
            </Field>
            <Field label="Tags" field="tags" error hint="separated by spaces">
                <input name="form[tags]" value=form.tags.clone() prop:value=form.tags.clone() />
            </Field>
            <h2>"Configuration"</h2>
            <div class="row">
                <Field label="OS template" field="os_hint" error hint="start of its name, e.g. debian-12">
                    <input name="form[os_hint]" value=form.os_hint.clone() prop:value=form.os_hint.clone() />
                </Field>
                <Field label="Cores" field="cores" error>
                    <input name="form[cores]" inputmode="numeric" value=form.cores.clone() prop:value=form.cores.clone() />
                </Field>
                <Field label="Memory (MiB)" field="memory" error>
                    <input name="form[memory]" inputmode="numeric" value=form.memory.clone() prop:value=form.memory.clone() />
                </Field>
                <Field label="Swap (MiB)" field="swap" error>
                    <input name="form[swap]" inputmode="numeric" value=form.swap.clone() prop:value=form.swap.clone() />
                </Field>
                <Field label="Disk (GiB)" field="disk" error>
                    <input name="form[disk]" inputmode="numeric" value=form.disk.clone() prop:value=form.disk.clone() />
                </Field>
            </div>
            <div class="row">
                <Field label="Storage" field="storage" error hint="optional">
                    <input name="form[storage]" value=form.storage.clone() prop:value=form.storage.clone() placeholder="local-lvm" />
                </Field>
                <Field label="Bridge" field="bridge" error hint="optional">
                    <input name="form[bridge]" value=form.bridge.clone() prop:value=form.bridge.clone() placeholder="vmbr0" />
                </Field>
            </div>
            <div class="row">
                {checkbox("unprivileged", "Unprivileged", &form.unprivileged)}
                {checkbox("nesting", "Nesting", &form.nesting)}
                {checkbox("keyctl", "keyctl", &form.keyctl)}
                {checkbox("fuse", "FUSE", &form.fuse)}
            </div>
            <h2 id="packages">"Packages"</h2>
            <fieldset class="buckets">
                <legend>"Package buckets"</legend>
                {bucket_boxes}
                {no_buckets}
            </fieldset>
            <Field label="Its own packages" field="packages" error hint="one per line: manager, then package, e.g. apt nginx or pip requests==2.31">
                <textarea name="form[packages]" rows="4" prop:value=form.packages.clone()>{form.packages.clone()}</textarea>
            </Field>
            <h2 id="scripts">"Scripts"</h2>
            <p class="muted">"Run in order with sh as root, after the packages. CORRAL_HOSTNAME, CORRAL_VMID, CORRAL_NODE and CORRAL_IP are set; save_credential SERVICE KEY VALUE keeps a credential for discovery."</p>
            {scripts}
            <button type="submit" name="op" value="add_script" class="secondary">"Add a script"</button>
            <h2 id="files">"Files"</h2>
            {files}
            <button type="submit" name="op" value="add_file" class="secondary">"Add a file"</button>
            <div class="row actions">
                <button type="submit" name="op" value="save" class="primary">"Save template"</button>
            </div>
        </form>
    }
}

/// The buttons that move or remove item `index` of a list (`script` or `file`).
#[component]
fn ItemButtons(what: &'static str, index: usize, last: usize) -> impl IntoView {
    view! {
        <div class="row-actions">
            {(index > 0).then(|| view! { <button type="submit" name="op" value=format!("{what}_up:{index}")>"Move up"</button> })}
            {(index < last).then(|| view! { <button type="submit" name="op" value=format!("{what}_down:{index}")>"Move down"</button> })}
            <button type="submit" name="op" value=format!("remove_{what}:{index}") class="danger">"Remove"</button>
        </div>
    }
}

#[component]
fn ScriptFields(
    index: usize,
    script: TemplateScriptForm,
    last: usize,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let name = move |part: &str| format!("form[scripts][{index}][{part}]");
    let field = move |part: &str| format!("scripts[{index}][{part}]");
    view! {
        <fieldset class="script" id=format!("script-{index}") data-testid="template-script">
            <legend>{format!("Script {}", index + 1)}</legend>
            <div class="row">
                <Field label="Name" field=field("name") error>
                    <input name=name("name") value=script.name.clone() prop:value=script.name.clone() />
                </Field>
                <Field label="Description" field=field("description") error hint="optional">
                    <input name=name("description") value=script.description.clone() prop:value=script.description.clone() />
                </Field>
            </div>
            <label class="check">
                <input type="checkbox" name=name("enabled") checked=!script.enabled.is_empty() prop:checked=!script.enabled.is_empty() />
                "On by default in the wizard"
            </label>
            <Field label="Shell script" field=field("content") error>
                <textarea class="mono" name=name("content") rows="6" prop:value=script.content.clone()>{script.content.clone()}</textarea>
            </Field>
            <ItemButtons what="script" index last />
        </fieldset>
    }
}

#[component]
fn FileFields(
    index: usize,
    file: TemplateFileForm,
    last: usize,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let name = move |part: &str| format!("form[files][{index}][{part}]");
    let field = move |part: &str| format!("files[{index}][{part}]");
    let policies = FilePolicy::ALL
        .iter()
        .map(|(policy, words)| {
            let word = policy.as_str();
            view! { <option value=word selected=file.policy == word>{*words}</option> }
        })
        .collect_view();
    view! {
        <fieldset class="file" id=format!("file-{index}") data-testid="template-file">
            <legend>{format!("File {}", index + 1)}</legend>
            <div class="row">
                <Field label="Name" field=field("name") error>
                    <input name=name("name") value=file.name.clone() prop:value=file.name.clone() placeholder="site.conf" />
                </Field>
                <Field label="Target directory" field=field("target_dir") error>
                    <input name=name("target_dir") value=file.target_dir.clone() prop:value=file.target_dir.clone() placeholder="/etc/nginx/conf.d" />
                </Field>
                <Field label="Mode" field=field("mode") error>
                    <input name=name("mode") value=file.mode.clone() prop:value=file.mode.clone() inputmode="numeric" placeholder="644" />
                </Field>
                <Field label="When it exists" field=field("policy") error>
                    <select name=name("policy") prop:value=file.policy.clone()>{policies}</select>
                </Field>
            </div>
            <Field label="Content" field=field("content") error>
                <textarea class="mono" name=name("content") rows="6" prop:value=file.content.clone()>{file.content.clone()}</textarea>
            </Field>
            <ItemButtons what="file" index last />
        </fieldset>
    }
}
