//! Step 1, Template: start from scratch or from one of the user's templates (searched
//! and filtered by tag in the URL). On `/containers/new` the choice starts a draft; on a
//! draft's `template` step it switches the draft's template, asking first when that
//! would discard edits (`?replace=…`).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use model::ids::DraftId;
use model::template::{TemplateListing, TemplateSummary};

use crate::api::templates::list_templates;
use crate::pages::templates::{Tags, counts};

/// Where a choice is posted: a new draft, or the switch of draft `draft`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Chooser {
    Start,
    Switch(DraftId),
}

impl Chooser {
    fn action(&self) -> &'static str {
        match self {
            Chooser::Start => "/api/wizard/start",
            Chooser::Switch(_) => "/api/wizard/choose",
        }
    }

    fn page(&self) -> String {
        match self {
            Chooser::Start => "/containers/new".to_owned(),
            Chooser::Switch(draft) => format!("/containers/new/{draft}/template"),
        }
    }

    /// The hidden inputs every choice posts.
    fn hidden(&self, template: &str, confirm: bool) -> impl IntoView {
        let draft = match self {
            Chooser::Switch(draft) => Some(draft.to_string()),
            Chooser::Start => None,
        };
        view! {
            {draft.map(|d| view! { <input type="hidden" name="draft" value=d /> })}
            <input type="hidden" name="template" value=template.to_owned() />
            {confirm.then(|| view! { <input type="hidden" name="confirm" value="on" /> })}
        }
    }
}

/// The choices: from scratch, then the user's templates.
#[component]
pub(super) fn TemplateChoices(chooser: Chooser) -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let tag = move || query.read().get("tag").unwrap_or_default();
    let replace = move || query.read().get("replace");
    let listing = crate::resource::new(
        move || (q(), tag()),
        |(q, tag)| list_templates(Some(q), Some(tag)),
    );
    let confirm_chooser = chooser.clone();
    let confirm = move || {
        replace().map(|word| {
            let chooser = confirm_chooser.clone();
            let back = match &chooser {
                Chooser::Switch(draft) => format!("/containers/new/{draft}/configure"),
                Chooser::Start => "/containers/new".to_owned(),
            };
            view! {
                <section class="card notice-bad" role="alertdialog" data-testid="replace-confirm">
                    <h2>"Replace your edits?"</h2>
                    <p>"This draft already has a template or typed values. Switching fills the form again from the new choice; extra packages and scripts you typed stay."</p>
                    <form method="post" action=chooser.action() class="row-actions">
                        {chooser.hidden(&word, true)}
                        <button type="submit" class="danger">"Replace"</button>
                        <a class="button" href=back>"Keep my edits"</a>
                    </form>
                </section>
            }
        })
    };
    let scratch = chooser.clone();
    view! {
        {confirm}
        <section class="card narrow">
            <h2>"Start from scratch"</h2>
            <p class="muted">"Choose the node, the OS template and the resources yourself."</p>
            <form method="post" action=scratch.action()>
                {scratch.hidden("scratch", false)}
                <button type="submit" class="primary">"Start from scratch"</button>
            </form>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading templates…"</p> }>
            {move || {
                let chooser = chooser.clone();
                Suspend::new(async move {
                    match listing.await {
                        Ok(listing) => view! { <Listed listing chooser q=q() /> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Listed(listing: TemplateListing, chooser: Chooser, q: String) -> impl IntoView {
    if listing.total == 0 {
        return view! {
            <p class="muted">"No templates yet. " <a href="/templates">"Add a starter or make one"</a> " to start containers from a tested recipe."</p>
        }
        .into_any();
    }
    let page = chooser.page();
    let tags = listing
        .tags
        .iter()
        .map(|t| {
            let href = format!("{page}?tag={t}");
            view! { <a class="badge tag" href=href>{t.clone()}</a> " " }
        })
        .collect_view();
    let cards = listing
        .templates
        .into_iter()
        .map(|t| view! { <ChoiceCard template=t chooser=chooser.clone() /> })
        .collect_view();
    view! {
        <section class="card">
            <h2>"From a template"</h2>
            <form method="get" action=page.clone() class="search" role="search">
                <input type="search" name="q" value=q placeholder="Search templates" aria-label="Search templates" />
                <button type="submit">"Search"</button>
            </form>
            <p class="tags">{tags}</p>
            <div class="cards" data-testid="template-choices">{cards}</div>
        </section>
    }
    .into_any()
}

#[component]
fn ChoiceCard(template: TemplateSummary, chooser: Chooser) -> impl IntoView {
    let id = template.id.to_string();
    let (name, label) = (template.name.clone(), template.name.clone());
    view! {
        <article class="card template" data-template=label>
            <h3>{name}</h3>
            <p>{template.description.clone()}</p>
            <p class="muted">{counts(template.scripts, template.packages, template.files)}</p>
            <p><Tags tags=template.tags.clone() /></p>
            <form method="post" action=chooser.action()>
                {chooser.hidden(&id, false)}
                <button type="submit">"Use this template"</button>
            </form>
        </article>
    }
}
