//! The History section of a container's or a node's page: charts for the timeframe in
//! the URL (`?history=day&cf=max`), links to the others. Drawn on the server as SVG, so
//! it reads without JavaScript; the links are plain links.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use model::history::{Consolidation, History, Timeframe};
use model::ids::{NodeId, Vmid};

use crate::api::history::{container_history, node_history};
use crate::components::HistoryChart;
use crate::error::AppError;

/// Whose history.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    Container(NodeId, Vmid),
    Node(NodeId),
}

/// The History section; `path` is the page's own path (the links keep it).
#[component]
pub fn HistorySection(subject: Subject, path: String) -> impl IntoView {
    let query = use_query_map();
    // An unknown value in the URL shows the default: the last hour's averages.
    let timeframe = move || {
        Timeframe::parse(&query.read().get("history").unwrap_or_default())
            .unwrap_or(Timeframe::Hour)
    };
    let cf = move || {
        Consolidation::parse(&query.read().get("cf").unwrap_or_default())
            .unwrap_or(Consolidation::Average)
    };
    let history = crate::resource::new(
        move || (timeframe(), cf()),
        move |(timeframe, cf)| {
            let subject = subject.clone();
            async move {
                let cf_text = if cf == Consolidation::Max {
                    "max"
                } else {
                    "average"
                }
                .to_owned();
                let result: Result<History, AppError> = match subject {
                    Subject::Container(node, vmid) => {
                        container_history(node, vmid, timeframe.as_str().to_owned(), cf_text).await
                    }
                    Subject::Node(node) => {
                        node_history(node, timeframe.as_str().to_owned(), cf_text).await
                    }
                };
                result
            }
        },
    );
    let links = move || {
        let (now, cf_now) = (timeframe(), cf());
        let cf_word = if cf_now == Consolidation::Max {
            "max"
        } else {
            "average"
        };
        let frames = Timeframe::ALL
            .into_iter()
            .map(|t| {
                let href = format!("{path}?history={}&cf={cf_word}#history", t.as_str());
                let class = if t == now {
                    "button small primary"
                } else {
                    "button small secondary"
                };
                view! { <a class=class href=href>{t.as_str()}</a> }
            })
            .collect_view();
        let (other, label) = if cf_now == Consolidation::Max {
            ("average", "Show averages")
        } else {
            ("max", "Show peaks")
        };
        let flip = format!("{path}?history={}&cf={other}#history", now.as_str());
        view! { {frames} <a class="button small secondary" href=flip>{label}</a> }
    };
    view! {
        <section class="card" id="history" data-testid="history">
            <h2>"History"</h2>
            <div class="row">{links}</div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match history.await {
                        Ok(history) => {
                            let timeframe = history.timeframe;
                            let times = history.times.clone();
                            let charts = history
                                .charts
                                .into_iter()
                                .map(|chart| view! { <HistoryChart chart times=times.clone() timeframe /> })
                                .collect_view();
                            view! { <div class="charts">{charts}</div> }.into_any()
                        }
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
