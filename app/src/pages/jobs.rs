//! `/jobs`: the job history, newest first — the caller's creation jobs (an
//! administrator's: everyone's) with their state, node, template and times, each linking
//! to its progress page and full log. A plain GET form filters by state, node, template
//! and days; pages of 50. Works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::job::{JobHistory, JobState};

use crate::api::jobs::job_history;
use crate::system::short_utc;
use crate::url::query_value;

const STATES: [JobState; 5] = [
    JobState::Queued,
    JobState::Running,
    JobState::Succeeded,
    JobState::Failed,
    JobState::Cancelled,
];

/// The job history page.
#[component]
pub fn JobsPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let history = crate::resource::new(
        move || {
            (
                param("state"),
                param("node"),
                param("template"),
                param("from"),
                param("to"),
                param("page"),
            )
        },
        |(state, node, template, from, to, page)| {
            job_history(
                Some(state),
                Some(node),
                Some(template),
                Some(from),
                Some(to),
                Some(page),
            )
        },
    );
    view! {
        <Title text="Jobs" />
        <div class="page-head"><h1>"Jobs"</h1></div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let current = (
                    param("state"),
                    param("node"),
                    param("template"),
                    param("from"),
                    param("to"),
                );
                match history.await {
                    Ok(history) => view! { <History history current /> }.into_any(),
                    Err(error) => view! {
                        <p class="error" role="alert" data-testid="jobs-error">{error.to_string()}</p>
                        <a href="/jobs">"All jobs"</a>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn History(
    history: JobHistory,
    current: (String, String, String, String, String),
) -> impl IntoView {
    let (state, node, template, from, to) = current;
    let state_options = STATES
        .into_iter()
        .map(|s| view! { <option value=s.as_str() selected=state == s.as_str()>{s.as_str()}</option> })
        .collect_view();
    let node_options = history
        .nodes
        .iter()
        .map(|(id, name)| {
            let selected = node == id.as_str();
            view! { <option value=id.to_string() selected=selected>{name.clone()}</option> }
        })
        .collect_view();
    let everyone = history.everyone;
    let rows = history
        .rows
        .iter()
        .map(|row| {
            let job = &row.job;
            let badge = match job.state {
                JobState::Succeeded => "badge ok",
                JobState::Failed => "badge bad",
                JobState::Running | JobState::Queued => "badge warn",
                JobState::Cancelled => "badge",
            };
            view! {
                <tr data-job=job.id.to_string()>
                    <td class="mono">{short_utc(&job.created_at)}</td>
                    <td><a href=format!("/jobs/{}", job.id)>{format!("CT {} ({})", job.vmid, job.hostname)}</a></td>
                    <td>{job.node_name.clone()}</td>
                    <td>{job.template.as_ref().map(|t| t.name.clone()).unwrap_or_else(|| "—".into())}</td>
                    <td><span class=badge>{job.state.as_str()}</span></td>
                    <td class="mono">{job.finished_at.as_deref().map(short_utc).unwrap_or_default()}</td>
                    {everyone.then(|| view! { <td>{row.owner.clone()}</td> })}
                </tr>
            }
        })
        .collect_view();
    let pages = history
        .total
        .div_ceil(u64::from(model::job::JobFilter::PER_PAGE))
        .max(1);
    let link = {
        let (state, node, template, from, to) = (
            state.clone(),
            node.clone(),
            template.clone(),
            from.clone(),
            to.clone(),
        );
        move |page: u64| {
            format!(
                "/jobs?state={}&node={}&template={}&from={}&to={}&page={page}",
                query_value(&state),
                query_value(&node),
                query_value(&template),
                query_value(&from),
                query_value(&to)
            )
        }
    };
    let page = u64::from(history.page);
    let previous = (page > 1)
        .then(|| view! { <a class="button small secondary" href=link(page - 1)>"Newer"</a> });
    let next = (page < pages)
        .then(|| view! { <a class="button small secondary" href=link(page + 1)>"Older"</a> });
    view! {
        <form method="get" action="/jobs" class="card row wrap" data-testid="job-filters">
            <label>"State" <select name="state"><option value="">"any"</option>{state_options}</select></label>
            <label>"Node" <select name="node"><option value="">"any"</option>{node_options}</select></label>
            <label>"Template" <input name="template" value=template placeholder="part of its name" /></label>
            <label>"From" <input type="date" name="from" value=from /></label>
            <label>"To" <input type="date" name="to" value=to /></label>
            <button type="submit">"Filter"</button>
            <a href="/jobs">"Clear"</a>
        </form>
        <p class="muted" data-testid="job-count">
            {format!("{} job{}", history.total, if history.total == 1 { "" } else { "s" })}
            {everyone.then_some(" (every user's: you are an administrator)")}
            " · finished jobs are kept for the retention period (90 days unless set otherwise)."
        </p>
        {if history.rows.is_empty() {
            view! { <section class="card empty-state"><p>"No jobs match."</p></section> }.into_any()
        } else {
            view! {
                <table class="grid" data-testid="jobs">
                    <thead><tr>
                        <th>"Created"</th><th>"Container"</th><th>"Node"</th><th>"Template"</th><th>"State"</th><th>"Finished"</th>
                        {everyone.then(|| view! { <th>"User"</th> })}
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }.into_any()
        }}
        <div class="row">{previous} {format!("Page {page} of {pages}")} {next}</div>
    }
}
