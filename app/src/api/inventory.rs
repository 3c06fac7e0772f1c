//! The dashboard's data: the signed-in user's containers on all their nodes.

use leptos::prelude::*;
use model::inventory::Dashboard;

use crate::error::AppError;

/// Every container of the caller's nodes matching `search` (`status:`, `node:`, `tag:`,
/// words), sorted by `sort` (`name`, `-cpu`, …), with each node's outcome.
#[server(endpoint = "inventory/dashboard")]
pub async fn fetch_dashboard(search: String, sort: String) -> Result<Dashboard, AppError> {
    use backend::inventory::{DEFAULT_NODE_TIMEOUT, for_user};
    use model::inventory::{Search, SortKey};

    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    let (snapshot, jobs) = tokio::try_join!(
        for_user(&state.backend, &user, DEFAULT_NODE_TIMEOUT),
        backend::jobs::active(&state.backend, &user),
    )?;
    let total = snapshot.containers.len();
    let running = snapshot
        .containers
        .iter()
        .filter(|c| c.status == "running")
        .count();
    let search = Search::parse(&search);
    let mut containers: Vec<_> = snapshot
        .containers
        .into_iter()
        .filter(|c| search.matches(c))
        .collect();
    let (key, descending) = SortKey::parse(&sort);
    key.sort(&mut containers, descending);
    Ok(Dashboard {
        nodes: snapshot.nodes,
        containers,
        total,
        running,
        stopped: total - running,
        jobs,
    })
}
