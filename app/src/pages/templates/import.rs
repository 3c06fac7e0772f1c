//! `/templates/import`: upload a `.tar.gz` or `.zip` of template folders (the layout the
//! earlier dashboard used). The upload is a plain multipart post to the server's
//! `/api/templates/import` route, which leaves its report in the session and comes back
//! here; the page shows what was imported and what was skipped, and why.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::template::ImportReport;

use crate::api::templates::last_import;

/// The import page.
#[component]
pub fn ImportTemplatesPage() -> impl IntoView {
    let query = use_query_map();
    let refused = move || query.read().get("error");
    let report = crate::resource::new(|| (), |_| last_import());
    view! {
        <Title text="Import templates" />
        <div class="page-head">
            <h1>"Import templates"</h1>
            <a href="/templates">"Templates"</a>
        </div>
        {move || refused().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                report.await.ok().flatten().map(|report| view! { <Report report /> })
            })}
        </Suspense>
        <section class="card narrow">
            <h2>"Upload an archive"</h2>
            <p class="muted">
                "A .tar.gz or .zip of one or many template folders, each with a template.conf and "
                "container-configs/scripts, packages and files. A template you already have (by name) "
                "is updated; package lists become buckets, merged by name. Everything is checked "
                "before anything is saved. At most 6 MiB."
            </p>
            <form method="post" action="/api/templates/import" enctype="multipart/form-data" class="stack" data-testid="import-form">
                <label>"Archive" <input type="file" name="archive" accept=".tar.gz,.tgz,.zip,application/gzip,application/zip" required /></label>
                <button type="submit" class="primary">"Import"</button>
            </form>
            <p class="muted">"On the server: " <code>"corral import-templates DIR --user NAME"</code></p>
        </section>
    }
}

#[component]
fn Report(report: ImportReport) -> impl IntoView {
    let templates = report
        .templates
        .iter()
        .map(|t| {
            let href = format!("/templates/{}", t.id);
            let how = if t.updated { "updated" } else { "new" };
            view! { <li><a href=href>{t.name.clone()}</a> " " <span class="muted">{how}</span></li> }
        })
        .collect_view();
    let buckets = report
        .buckets
        .iter()
        .map(|b| {
            let how = if b.created {
                format!("new, {} packages", b.added)
            } else {
                format!("{} packages added", b.added)
            };
            view! { <li>{b.name.clone()} " " <span class="muted">{how}</span></li> }
        })
        .collect_view();
    let skipped = report
        .skipped
        .iter()
        .map(|s| view! { <li><span class="mono">{s.what.clone()}</span> ": " {s.why.clone()}</li> })
        .collect_view();
    view! {
        <section class="card" data-testid="import-report">
            <h2>{report.describe()}</h2>
            {(!report.templates.is_empty()).then(|| view! { <h3>"Templates"</h3><ul>{templates}</ul> })}
            {(!report.buckets.is_empty()).then(|| view! { <h3>"Buckets"</h3><ul>{buckets}</ul> })}
            {(!report.skipped.is_empty()).then(|| view! { <h3>"Skipped"</h3><ul>{skipped}</ul> })}
        </section>
    }
}
