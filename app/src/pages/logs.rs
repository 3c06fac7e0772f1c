//! `/containers/{node id}/{vmid}/logs?unit=…&lines=…&filter=…`: the last lines of one
//! service's log (a unit discovery found) or of the whole container's, read when the page
//! is asked for. A plain GET form picks the service, the count and a filter, and a
//! download link saves them: all without JavaScript. Hydrated, the filter applies as it
//! is typed, Follow streams new lines (server-sent events) with Pause, and Download saves
//! exactly what is shown, followed lines included.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use model::ids::{NodeId, Vmid};
use model::logs::{DEFAULT_LINES, LogView, MAX_LINES, shows};

use crate::api::services::service_logs;
use crate::components::{LoadFailed, live_marker};
use crate::error::AppError;
use crate::pages::{load_named, route_param};

/// Lines the page keeps at most while following (the oldest go first).
const KEPT_LINES: usize = 10_000;

/// The logs page.
#[component]
pub fn LogsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let node_id = move || route_param::<NodeId>(params, "node");
    let vmid = move || route_param::<Vmid>(params, "vmid");
    let log = crate::resource::new(
        move || {
            let q = query.read();
            (node_id(), vmid(), q.get("unit"), q.get("lines"))
        },
        |(node, vmid, unit, lines)| {
            load_named(node.zip(vmid), async move |(node, vmid)| {
                service_logs(node, vmid, unit, lines).await
            })
        },
    );
    let back = move || match (node_id(), vmid()) {
        (Some(node), Some(vmid)) => format!("/containers/{node}/{vmid}#services"),
        _ => "/".to_owned(),
    };
    view! {
        <Title text="Logs" />
        <Transition fallback=|| view! { <p class="muted">"Reading the log…"</p> }>
            {move || Suspend::new(async move {
                match (log.await, node_id(), vmid()) {
                    (Ok(log), Some(node_id), Some(vmid)) => {
                        let filter = query.read_untracked().get("filter").unwrap_or_default();
                        view! { <LogBody log node_id vmid filter /> }.into_any()
                    }
                    (Err(AppError::NotFound), _, _) | (Ok(_), _, _) => view! {
                        <LoadFailed
                            error=AppError::NotFound
                            what="container"
                            explanation="It does not exist (any more), or its node is not yours."
                            back=("/", "Back to the dashboard")
                        />
                    }.into_any(),
                    (Err(error), _, _) => view! {
                        <section class="card narrow">
                            <h1>"The log cannot be shown"</h1>
                            <p class="error" role="alert" data-testid="log-error">{error.to_string()}</p>
                            <a href=back()>"Back to the container"</a>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn LogBody(log: LogView, node_id: NodeId, vmid: Vmid, filter: String) -> impl IntoView {
    let live = live_marker();
    let title = match &log.unit {
        Some(unit) => format!("Logs of {unit}"),
        None => "Container log".to_owned(),
    };
    let unit = log.unit.clone().unwrap_or_default();
    let base = format!("/containers/{node_id}/{vmid}/logs");
    let back = format!("/containers/{node_id}/{vmid}#services");
    let download = format!(
        "/api/containers/{node_id}/{vmid}/logs/download?unit={unit}&lines={}&filter={}",
        log.requested,
        encode(&filter)
    );
    let options = log
        .units
        .iter()
        .map(|name| {
            let selected = *name == unit;
            view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
        })
        .collect_view();
    let lines = RwSignal::new(log.lines.clone());
    let filter_text = RwSignal::new(filter.clone());
    let shown = move || {
        let filter = filter_text.get();
        lines.with(|all| {
            all.iter()
                .filter(|l| shows(l, &filter))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let count = move || shown().len();
    let follow = Follower::new(format!(
        "/api/containers/{node_id}/{vmid}/logs/follow?unit={unit}"
    ));
    let save = move |_| {
        save_lines(
            &shown(),
            &format!(
                "ct{vmid}-{}.log",
                if unit.is_empty() { "journal" } else { &unit }
            ),
        )
    };
    view! {
        <div class="page-head">
            <h1>{title} " " <span class="muted mono">{format!("CT {vmid}")}</span></h1>
            <a href=back>"Back to the container"</a>
        </div>
        <section class="card" data-testid="logs" data-live=live>
            <form method="get" action=base class="row wrap">
                <label>"Service "
                    <select name="unit">
                        <option value="" selected=log.unit.is_none()>"Whole container"</option>
                        {options}
                    </select>
                </label>
                <label>"Lines "
                    <input type="number" name="lines" min="1" max=MAX_LINES.to_string() value=log.requested.to_string() class="count" />
                </label>
                <label>"Filter "
                    <input type="search" name="filter" value=filter placeholder="text in a line"
                        on:input=move |ev| filter_text.set(event_target_value(&ev)) />
                </label>
                <button type="submit">"Show"</button>
                <a class="button secondary" href=download data-testid="download-link">"Download"</a>
            </form>
            <div class="row toolbar">
                <p class="muted" data-testid="log-source">
                    {format!("From {} · last {} lines asked (default {DEFAULT_LINES}) · ", log.source, log.requested)}
                    {move || format!("{} shown", count())}
                </p>
                <Show when=move || live().is_some() fallback=|| view! {
                    <span class="muted">"Following new lines needs JavaScript; Show reads the newest again."</span>
                }>
                    <button type="button" data-testid="follow" on:click=move |_| follow.toggle(lines)>
                        {move || if follow.running.get() { "Stop following" } else { "Follow" }}
                    </button>
                    <button type="button" class="secondary" data-testid="pause"
                        disabled=move || !follow.running.get()
                        on:click=move |_| follow.pause_or_resume(lines)>
                        {move || if follow.paused.get() { "Resume" } else { "Pause" }}
                    </button>
                    <button type="button" class="secondary" data-testid="save" on:click=save.clone()>"Save shown lines"</button>
                </Show>
            </div>
            <p class="muted" role="status" data-testid="follow-status">{move || follow.status.get()}</p>
            <pre class="log tall" data-testid="log-lines">
                {move || shown().into_iter().map(|line| view! { {line} "\n" }).collect_view()}
            </pre>
        </section>
    }
}

/// `text` for a query string.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The Follow controls' state: running, paused (lines wait), and what the page says.
#[derive(Clone, Copy)]
struct Follower {
    url: StoredValue<String>,
    running: RwSignal<bool>,
    paused: RwSignal<bool>,
    status: RwSignal<String>,
    /// Lines that came while paused.
    waiting: RwSignal<Vec<String>>,
    #[cfg(feature = "hydrate")]
    source: StoredValue<Option<send_wrapper::SendWrapper<web_sys::EventSource>>>,
}

impl Follower {
    fn new(url: String) -> Follower {
        let follower = Follower {
            url: StoredValue::new(url),
            running: RwSignal::new(false),
            paused: RwSignal::new(false),
            status: RwSignal::new(String::new()),
            waiting: RwSignal::new(Vec::new()),
            #[cfg(feature = "hydrate")]
            source: StoredValue::new(None),
        };
        // Leaving the page ends the stream (the server then closes its SSH channel).
        on_cleanup(move || follower.stop(None));
        follower
    }

    fn toggle(self, lines: RwSignal<Vec<String>>) {
        if self.running.get_untracked() {
            self.stop(Some("Stopped following.".into()));
        } else {
            self.start(lines);
        }
    }

    fn pause_or_resume(self, lines: RwSignal<Vec<String>>) {
        if self.paused.get_untracked() {
            self.paused.set(false);
            let waiting = std::mem::take(&mut *self.waiting.write());
            append(lines, waiting);
            self.status.set("Following…".into());
        } else {
            self.paused.set(true);
            self.status
                .set("Paused: new lines wait until Resume.".into());
        }
    }

    fn stop(self, reason: Option<String>) {
        #[cfg(feature = "hydrate")]
        if let Some(Some(source)) = self.source.try_update_value(Option::take) {
            source.close();
        }
        self.running.try_set(false);
        self.paused.try_set(false);
        if let Some(reason) = reason {
            self.status.try_set(reason);
        }
    }

    #[cfg(feature = "hydrate")]
    fn start(self, lines: RwSignal<Vec<String>>) {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        let Ok(source) = web_sys::EventSource::new(&self.url.get_value()) else {
            self.status.set("This browser cannot follow.".into());
            return;
        };
        let on_line = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |message: web_sys::MessageEvent| {
                let Some(line) = message.data().as_string() else {
                    return;
                };
                if self.paused.get_untracked() {
                    self.waiting.update(|w| {
                        w.push(line);
                        if w.len() > KEPT_LINES {
                            w.drain(..w.len() - KEPT_LINES);
                        }
                    });
                    let waiting = self.waiting.with_untracked(Vec::len);
                    self.status
                        .set(format!("Paused: {waiting} new lines wait until Resume."));
                } else {
                    append(lines, vec![line]);
                }
            },
        );
        let on_end = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |message: web_sys::MessageEvent| {
                let reason = message.data().as_string().unwrap_or_default();
                self.stop(Some(reason));
            },
        );
        let closed_source = source.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            // A refused or broken stream the browser will not reopen.
            if closed_source.ready_state() == web_sys::EventSource::CLOSED {
                self.stop(Some("Following stopped: the connection failed.".into()));
            }
        });
        let _ = source.add_event_listener_with_callback("line", on_line.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("end", on_end.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
        on_line.forget();
        on_end.forget();
        on_error.forget();
        self.source
            .set_value(Some(send_wrapper::SendWrapper::new(source)));
        self.running.set(true);
        self.status.set("Following…".into());
    }

    #[cfg(not(feature = "hydrate"))]
    fn start(self, lines: RwSignal<Vec<String>>) {
        let _ = (self.url, lines);
    }
}

/// Adds lines at the end, keeping at most [`KEPT_LINES`].
fn append(lines: RwSignal<Vec<String>>, new: Vec<String>) {
    if new.is_empty() {
        return;
    }
    lines.update(|all| {
        all.extend(new);
        if all.len() > KEPT_LINES {
            all.drain(..all.len() - KEPT_LINES);
        }
    });
}

/// Saves `lines` as a text file named `name` (browser only).
fn save_lines(lines: &[String], name: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;

        let mut text = lines.join("\n");
        text.push('\n');
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(&text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/plain;charset=utf-8");
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
            return;
        };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
            return;
        };
        if let Some(anchor) = document()
            .create_element("a")
            .ok()
            .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        {
            anchor.set_href(&url);
            anchor.set_download(name);
            anchor.click();
        }
        let _ = web_sys::Url::revoke_object_url(&url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (lines, name);
}
