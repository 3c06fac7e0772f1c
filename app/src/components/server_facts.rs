//! The server's status as a definition list, rendered on the server.

use leptos::prelude::*;

use model::system::SystemStatus;

use crate::system::{fetch_system_status, human_duration, short_utc};

/// Loads [`SystemStatus`] during server rendering and shows it; works without JavaScript.
#[component]
pub fn ServerFacts() -> impl IntoView {
    let status = crate::resource::blocking(fetch_system_status);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(status) => view! { <FactList status /> }.into_any(),
                    Err(error) => {
                        view! { <p class="error" role="alert">"Status unavailable: " {error.to_string()}</p> }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn FactList(status: SystemStatus) -> impl IntoView {
    let (db_class, db_text) = if status.database_up {
        ("badge ok", "up")
    } else {
        ("badge bad", "down")
    };
    view! {
        <dl class="facts" data-testid="server-facts">
            <dt>"Version"</dt>
            <dd class="mono">{status.version}</dd>
            <dt>"Database"</dt>
            <dd>
                <span class=db_class data-testid="database-state">{db_text}</span>
                " "
                <span class="mono">{status.database_engine}</span>
            </dd>
            <dt>"Schema version"</dt>
            <dd class="mono">{status.schema_version}</dd>
            <dt>"Installed"</dt>
            <dd class="mono">{status.installed_at.as_deref().map_or_else(|| "unknown".into(), short_utc)}</dd>
            <dt>"Server uptime"</dt>
            <dd>{human_duration(status.uptime_seconds)}</dd>
        </dl>
    }
}
