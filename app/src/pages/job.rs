//! `/jobs/{id}`: a provisioning job's progress — the phases as a stepper, a progress bar,
//! each script's status and the live log. The first render comes from the stored events
//! (the newest page of them; `?before=N` reads further back, page by page, and the page
//! is useful without JavaScript); hydrated, it follows `GET /api/jobs/{id}/events`
//! (server-sent events), keeping at most [`SHOWN_LINES`] lines in the browser.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use model::ids::JobId;
use model::job::{JobEvent, JobPage, JobState, JobView, Level, Phase, ScriptStatus};

use crate::api::jobs::{CancelJob, RevealRootPassword, get_job};
use crate::components::{FormError, LoadFailed, action_error};
use crate::pages::{load_named, route_param};
use crate::system::{js_now, parse_utc};

/// Log lines the live page keeps; older ones are a click away (`?before=`).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const SHOWN_LINES: usize = 2000;

/// The progress page.
#[component]
pub fn JobProgressPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || route_param::<JobId>(params, "id");
    let before = move || {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<u64>().ok())
    };
    let page = crate::resource::new(
        move || (id(), before()),
        |(id, before)| load_named(id, async move |id| get_job(id, before).await),
    );
    view! {
        <Title text="Creating a container" />
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <Progress page reading_back=before().is_some() /> }.into_any(),
                    Err(error) => view! {
                        <LoadFailed
                            error
                            what="job"
                            explanation="It does not exist, or it is not yours."
                            back=("/", "Back to the dashboard")
                        />
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The job and one page of its log; `reading_back`: an older page (`?before=`), to which
/// no live lines are appended.
#[component]
fn Progress(page: JobPage, reading_back: bool) -> impl IntoView {
    let job_id = page.job.id.clone();
    let earlier = page.earlier;
    let first_shown = page.events.first().map_or(1, |e| e.seq);
    let job = RwSignal::new(page.job);
    let events = RwSignal::new(page.events);
    let filter = RwSignal::new(String::new());
    let cancel = ServerAction::<CancelJob>::new();
    let error = Signal::derive(move || action_error(cancel.value().get()));
    Effect::new(move |_| {
        if let Some(Ok(view)) = cancel.value().get() {
            job.set(view);
        }
    });
    if !reading_back {
        follow(job_id.clone(), job, events);
    }
    let paging = {
        let id = job_id.to_string();
        move || {
            let back = (earlier > 0).then(|| {
                view! {
                    <a href=format!("/jobs/{id}?before={first_shown}") data-testid="earlier-lines">
                        {format!("{earlier} earlier lines")}
                    </a>
                }
            });
            let newest = reading_back
                .then(|| view! { " · " <a href=format!("/jobs/{id}")>"Newest lines"</a> });
            (earlier > 0 || reading_back).then(|| view! { <p class="muted">{back}{newest}</p> })
        }
    };
    let title = move || {
        let j = job.get();
        format!("CT {} ({}) on {}", j.vmid, j.hostname, j.node_name)
    };
    let state_badge = move || {
        let state = job.get().state;
        let (class, word) = match state {
            JobState::Queued => ("badge", "queued"),
            JobState::Running => ("badge warn", "running"),
            JobState::Succeeded => ("badge ok", "succeeded"),
            JobState::Failed => ("badge bad", "failed"),
            JobState::Cancelled => ("badge", "cancelled"),
        };
        view! { <span class=class data-testid="job-state">{word}</span> }
    };
    let steps = move || {
        let j = job.get();
        let current = j.phase;
        let at = Phase::PIPELINE.iter().position(|p| *p == current);
        Phase::PIPELINE
            .iter()
            .enumerate()
            .map(|(index, phase)| {
                let class = if j.failed_phase == Some(*phase) {
                    "failed"
                } else if j.state == JobState::Succeeded || at.is_some_and(|a| index < a) {
                    "done"
                } else if Some(index) == at && !j.state.finished() {
                    "current"
                } else {
                    ""
                };
                view! { <li class=class>{phase.title()}</li> }
            })
            .collect_view()
    };
    let scripts = move || {
        let list = job.get().scripts;
        (!list.is_empty()).then(|| {
            view! {
                <ul class="scripts" data-testid="scripts">
                    {list.into_iter().map(|(name, status)| {
                        let word = match status {
                            ScriptStatus::Pending => "pending",
                            ScriptStatus::Running => "running",
                            ScriptStatus::Succeeded => "succeeded",
                            ScriptStatus::Failed => "failed",
                            ScriptStatus::Skipped => "not run",
                        };
                        view! { <li data-script=name.clone()><span class="mono">{name.clone()}</span> " " <span class="muted">{word}</span></li> }
                    }).collect_view()}
                </ul>
            }
        })
    };
    let script_names = move || {
        job.get()
            .scripts
            .into_iter()
            .map(|(name, _)| name)
            .collect::<Vec<_>>()
    };
    // Keyed by sequence number: a new event adds one line, it does not redraw the log.
    let shown = move || {
        let wanted = filter.get();
        events
            .get()
            .into_iter()
            .filter(|e| wanted.is_empty() || e.script.as_deref() == Some(wanted.as_str()))
            .collect::<Vec<_>>()
    };
    let line = |e: JobEvent| {
        let class = match e.level {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Output => "output",
        };
        view! { <div class=class data-seq=e.seq>{e.message}</div> }
    };
    let job_for_end = job_id.clone();
    // The ending is drawn once per change of the final view, and the reveal action lives
    // out here so that its answer (shown once) survives any redraw.
    let ending = Memo::new(move |_| {
        let view = job.get();
        view.state.finished().then_some(view)
    });
    let reveal = ServerAction::<RevealRootPassword>::new();
    // Without JavaScript the page reloads itself while the job runs.
    let refresh = (!job.get_untracked().state.finished())
        .then(|| view! { <noscript><meta http-equiv="refresh" content="5" /></noscript> });
    view! {
        {refresh}
        <div class="page-head">
            <h1>"Creating " {title}</h1>
            {state_badge}
        </div>
        <FormError error />
        {job.get_untracked().template.map(|t| {
            let href = format!("/templates/{}", t.id);
            view! {
                <p class="muted" data-testid="job-template">
                    "From template " <a href=href>{t.name}</a> {format!(" (revision {})", t.revision)}
                </p>
            }
        })}
        <section class="card">
            <ol class="stepper phases" data-testid="phases">{steps}</ol>
            <div class="progress-line">
                <progress max="100" value=move || job.get().percent data-testid="progress"></progress>
                <span class="mono">{move || format!("{} %", job.get().percent)}</span>
                <Elapsed job />
            </div>
            {scripts}
            {move || (!job.get().state.finished()).then(|| {
                let id = job_id.to_string();
                view! {
                    <details class="confirm">
                        <summary>{move || if job.get().cancel_requested { "Cancelling at the next safe point…" } else { "Cancel…" }}</summary>
                        <p class="muted">
                            "The job stops at its next safe point; a container it already created is stopped and destroyed, unless you asked to keep it."
                        </p>
                        <ActionForm action=cancel>
                            <input type="hidden" name="id" value=id />
                            <button type="submit" class="danger" disabled=move || job.get().cancel_requested>"Cancel the job"</button>
                        </ActionForm>
                    </details>
                }
            })}
        </section>
        {move || ending.get().map(|job| view! { <Ending job id=job_for_end.clone() reveal /> })}
        <section class="card">
            <div class="page-head">
                <h2>"Log"</h2>
                <select aria-label="Show" on:change=move |ev| filter.set(event_target_value(&ev))>
                    <option value="">"Everything"</option>
                    {move || script_names().into_iter().map(|n| view! { <option value=n.clone()>{format!("Script {n}")}</option> }).collect_view()}
                </select>
            </div>
            {paging}
            <div class="log mono" data-testid="log" node_ref=log_follower()><For each=shown key=|e| e.seq children=line /></div>
        </section>
    }
}

/// How the job ended, with what to do next.
#[component]
fn Ending(job: JobView, id: JobId, reveal: ServerAction<RevealRootPassword>) -> impl IntoView {
    let container = format!("/containers/{}/{}", job.node_id, job.vmid);
    let available = job.password_available;
    let reveal_id = id.clone();
    match job.state {
        JobState::Succeeded => view! {
            <section class="card notice-ok" data-testid="job-done">
                <h2>"Ready"</h2>
                <div class="row actions">
                    <a class="button primary" href=container>"Open container"</a>
                    <form method="post" action="/api/wizard/start"><button type="submit" class="secondary">"Create another"</button></form>
                </div>
                {move || {
                    let job_id = reveal_id.to_string();
                    (available && reveal.value().get().is_none()).then(move || view! {
                    <ActionForm action=reveal attr:class="row">
                        <input type="hidden" name="id" value=job_id />
                        <button type="submit" class="secondary">"Show the root password (once)"</button>
                    </ActionForm>
                })}}
                {move || match reveal.value().get() {
                    Some(Ok(Some(password))) => view! {
                        <p>"Root password: " <code class="mono" data-testid="root-password">{password}</code>
                        " — store it now; Corral has erased its copy."</p>
                    }.into_any(),
                    Some(Ok(None)) => view! { <p class="muted">"The password was already shown once and is no longer stored."</p> }.into_any(),
                    Some(Err(error)) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
                    None => ().into_any(),
                }}
            </section>
        }.into_any(),
        _ => view! {
            <section class="card notice-bad" data-testid="job-failed" role="alert">
                <h2>{if job.state == JobState::Cancelled { "Cancelled" } else { "Failed" }}</h2>
                {job.failed_phase.map(|p| view! { <p>"In phase: " <b>{p.title()}</b></p> })}
                <p class="mono">{job.error.clone().unwrap_or_default()}</p>
                <p data-testid="cleanup">{job.cleanup.clone().unwrap_or_default()}</p>
                <div class="row actions">
                    <form method="post" action="/api/wizard/start"><button type="submit">"Create another"</button></form>
                    <a class="button secondary" href="/">"Dashboard"</a>
                </div>
            </section>
        }.into_any(),
    }
}

/// Time since the job started (ticking in the browser while it runs).
#[component]
fn Elapsed(job: RwSignal<JobView>) -> impl IntoView {
    // Unknown while rendering (server and hydration agree), then the browser's clock.
    let now = RwSignal::new(None);
    Effect::new(move |_| {
        now.set(js_now());
        if let Ok(handle) =
            set_interval_with_handle(move || now.set(js_now()), std::time::Duration::from_secs(1))
        {
            on_cleanup(move || handle.clear());
        }
    });
    let text = move || {
        let j = job.get();
        let start = j.started_at.as_deref().and_then(parse_utc)?;
        let end = j
            .finished_at
            .as_deref()
            .and_then(parse_utc)
            .or_else(|| now.get())?;
        let seconds = end.saturating_sub(start);
        Some(format!("{}:{:02}", seconds / 60, seconds % 60))
    };
    view! { <span class="muted" data-testid="elapsed">{text}</span> }
}

/// Keeps the log scrolled to the newest line while the reader is at the bottom.
fn log_follower() -> NodeRef<leptos::html::Div> {
    let node = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(element) = node.get() {
            let observer_target = element.clone();
            let scroll = move || {
                observer_target.set_scroll_top(observer_target.scroll_height());
            };
            scroll();
            let callback = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(scroll);
            if let Ok(observer) = web_sys::MutationObserver::new(callback.as_ref().unchecked_ref())
            {
                let options = web_sys::MutationObserverInit::new();
                options.set_child_list(true);
                let _ = observer.observe_with_options(&element, &options);
            }
            callback.forget();
        }
    });
    node
}

#[cfg(feature = "hydrate")]
use wasm_bindgen::JsCast;

/// Browser only: follows the job's event stream, appending new lines and refreshing the
/// job's summary as phases change; closes at the `end` event.
fn follow(id: JobId, job: RwSignal<JobView>, events: RwSignal<Vec<JobEvent>>) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::closure::Closure;

        if job.get_untracked().state.finished() {
            return;
        }
        let after = events.get_untracked().last().map_or(0, |e| e.seq);
        let Ok(source) = web_sys::EventSource::new(&format!("/api/jobs/{id}/events?after={after}"))
        else {
            return;
        };
        let refresh = {
            let id = id.clone();
            move || {
                let id = id.clone();
                leptos::task::spawn_local(async move {
                    // Only the summary: the lines before line 1 are none.
                    if let Ok(page) = get_job(id, Some(1)).await {
                        job.set(page.job);
                    }
                });
            }
        };
        // Lines arriving in a burst are drawn once per frame, not once each: the log is
        // updated with everything that came since the last frame.
        let pending: std::rc::Rc<std::cell::RefCell<Vec<JobEvent>>> = Default::default();
        let on_progress = {
            let refresh = refresh.clone();
            let pending = pending.clone();
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |message: web_sys::MessageEvent| {
                    let Some(text) = message.data().as_string() else {
                        return;
                    };
                    let Ok(event) = serde_json::from_str::<JobEvent>(&text) else {
                        return;
                    };
                    let phase_changed = job.get_untracked().phase != event.phase;
                    let about_script = event.script.is_some() && event.level != Level::Output;
                    let first_of_frame = {
                        let mut waiting = pending.borrow_mut();
                        waiting.push(event);
                        waiting.len() == 1
                    };
                    if first_of_frame {
                        let pending = pending.clone();
                        request_animation_frame(move || {
                            let arrived = std::mem::take(&mut *pending.borrow_mut());
                            let percent = arrived.iter().map(|e| e.percent).max().unwrap_or(0);
                            events.update(|list| {
                                for event in arrived {
                                    if list.last().is_none_or(|last| event.seq > last.seq) {
                                        list.push(event);
                                    }
                                }
                                if list.len() > SHOWN_LINES {
                                    list.drain(..list.len() - SHOWN_LINES);
                                }
                            });
                            if percent > job.get_untracked().percent {
                                job.update(|j| j.percent = percent);
                            }
                        });
                    }
                    if phase_changed || about_script {
                        refresh();
                    }
                },
            )
        };
        let on_end = {
            let source = source.clone();
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| {
                source.close();
                refresh();
            })
        };
        let _ = source
            .add_event_listener_with_callback("progress", on_progress.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("end", on_end.as_ref().unchecked_ref());
        on_progress.forget();
        on_end.forget();
        let closing = send_wrapper::SendWrapper::new(source);
        on_cleanup(move || closing.close());
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (id, job, events);
}
