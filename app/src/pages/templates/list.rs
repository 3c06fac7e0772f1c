//! `/templates`: the user's templates as cards, searched and filtered by tag in the URL
//! (`?q=`, `?tag=`), with the built-in starters on offer.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::template::{StarterSummary, TemplateListing, TemplateSummary};

use super::{Tags, counts};
use crate::api::templates::{AddStarter, list_templates};
use crate::components::{FormError, Notice, action_error};

/// The list page.
#[component]
pub fn TemplatesPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let tag = move || query.read().get("tag").unwrap_or_default();
    let deleted = move || query.read().get("deleted").is_some();
    let add = ServerAction::<AddStarter>::new();
    let error = Signal::derive(move || action_error(add.value().get()));
    let listing = crate::resource::new(
        move || (q(), tag()),
        |(q, tag)| list_templates(Some(q), Some(tag)),
    );
    view! {
        <Title text="Templates" />
        <div class="page-head">
            <h1>"Templates"</h1>
            <div class="row-actions">
                <a class="button primary" href="/templates/new">"New template"</a>
                <a class="button" href="/templates/import">"Import"</a>
                <a class="button" href="/templates/buckets">"Package buckets"</a>
            </div>
        </div>
        {move || deleted().then(|| view! { <Notice>"Template deleted."</Notice> })}
        <FormError error />
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match listing.await {
                    Ok(listing) => view! { <Listing listing q=q() tag=tag() add /> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Listing(
    listing: TemplateListing,
    q: String,
    tag: String,
    add: ServerAction<AddStarter>,
) -> impl IntoView {
    let TemplateListing {
        templates,
        tags,
        starters,
        total,
    } = listing;
    let filtered = !q.is_empty() || !tag.is_empty();
    let body = if total == 0 {
        view! {
            <section class="card empty-state">
                <h2>"No templates yet"</h2>
                <p>
                    "A template bundles a container's size, features, packages, scripts and "
                    "configuration files, so a new service is one click away. Start from one "
                    "of the starters below, import a folder of templates, or make your own."
                </p>
                <div class="row-actions">
                    <a class="button primary" href="/templates/new">"New template"</a>
                    <a class="button" href="/templates/import">"Import templates"</a>
                </div>
            </section>
        }
        .into_any()
    } else if templates.is_empty() {
        view! { <p class="muted">"No template matches this search. " <a href="/templates">"Show all"</a></p> }.into_any()
    } else {
        let cards = templates
            .into_iter()
            .map(|t| view! { <TemplateCard template=t /> })
            .collect_view();
        view! { <div class="cards" data-testid="template-cards">{cards}</div> }.into_any()
    };
    let tag_links = tags
        .into_iter()
        .map(|t| {
            let class = if t == tag {
                "badge tag current"
            } else {
                "badge tag"
            };
            let href = format!("/templates?tag={t}");
            view! { <a class=class href=href>{t}</a> " " }
        })
        .collect_view();
    view! {
        {(total > 0).then(|| view! {
            <form method="get" action="/templates" class="search" role="search">
                <input type="search" name="q" value=q.clone() placeholder="Search templates" aria-label="Search templates" />
                {(!tag.is_empty()).then(|| view! { <input type="hidden" name="tag" value=tag.clone() /> })}
                <button type="submit">"Search"</button>
                {filtered.then(|| view! { <a class="button" href="/templates">"Clear"</a> })}
            </form>
            <p class="tags">"Tags: " {tag_links}</p>
        })}
        {body}
        <section class="card">
            <h2>"Starter templates"</h2>
            <p class="muted">"Built in and tested: adding one copies it into your templates, then it is yours to change."</p>
            <div class="cards">
                {starters.into_iter().map(|s| view! { <StarterCard starter=s add /> }).collect_view()}
            </div>
        </section>
    }
}

#[component]
fn TemplateCard(template: TemplateSummary) -> impl IntoView {
    let href = format!("/templates/{}", template.id);
    let use_id = template.id.to_string();
    view! {
        <article class="card template" data-template=template.name.clone()>
            <h2><a href=href>{template.name.clone()}</a></h2>
            <p>{template.description.clone()}</p>
            <p class="muted">
                {template.os_hint.clone().map(|os| format!("{os} · "))}
                {counts(template.scripts, template.packages, template.files)}
            </p>
            <p><Tags tags=template.tags.clone() /></p>
            <form method="post" action="/api/wizard/start">
                <input type="hidden" name="template" value=use_id />
                <button type="submit">"Use in a new container"</button>
            </form>
        </article>
    }
}

#[component]
fn StarterCard(starter: StarterSummary, add: ServerAction<AddStarter>) -> impl IntoView {
    let slug = starter.slug.clone();
    view! {
        <article class="card starter" data-starter=slug>
            <h3>{starter.name.clone()}</h3>
            <p>{starter.description.clone()}</p>
            <p class="muted">
                {starter.os_hint.clone().map(|os| format!("{os} · "))}
                {counts(starter.scripts, starter.packages, starter.files)}
            </p>
            <ActionForm action=add>
                <input type="hidden" name="slug" value=starter.slug.clone() />
                <button type="submit">"Add to my templates"</button>
            </ActionForm>
        </article>
    }
}
