//! `/audit`: the audit log, newest first, 50 per page (`?page=N`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::audit::{AuditOutcome, AuditPage};

use crate::api::audit::list_audit;
use crate::system::short_utc;

/// Your own entries; administrators see everyone's.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query = use_query_map();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(1)
            .max(1)
    };
    let entries = crate::resource::new(page, list_audit);
    view! {
        <Title text="Audit log" />
        <div class="page-head">
            <h1>"Audit log"</h1>
        </div>
        <section class="card">
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(page) => view! { <AuditTable page /> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AuditTable(page: AuditPage) -> impl IntoView {
    let pages = page.pages();
    let current = page.page;
    let total = page.total;
    let rows = page
        .entries
        .into_iter()
        .map(|entry| {
            let outcome_class = match entry.outcome {
                AuditOutcome::Ok => "badge ok",
                AuditOutcome::Failed | AuditOutcome::Denied => "badge bad",
            };
            view! {
                <tr>
                    <td class="mono">{short_utc(&entry.at)}</td>
                    <td>{entry.actor}</td>
                    <td class="mono">{entry.action.as_str()}</td>
                    <td>{entry.target}</td>
                    <td><span class=outcome_class>{entry.outcome.as_str()}</span></td>
                    <td class="muted">{entry.detail.unwrap_or_default()}</td>
                    <td class="mono muted">{entry.client.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" data-testid="audit-table">
            <thead>
                <tr>
                    <th>"When"</th><th>"Who"</th><th>"Action"</th><th>"Target"</th>
                    <th>"Outcome"</th><th>"Detail"</th><th>"Client"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pager" aria-label="Pages">
            <span class="muted">{format!("{total} entries · page {current} of {pages}")}</span>
            {(current > 1).then(|| view! { <a href=format!("/audit?page={}", current - 1)>"← Newer"</a> })}
            {(current < pages).then(|| view! { <a href=format!("/audit?page={}", current + 1)>"Older →"</a> })}
        </nav>
    }
}
