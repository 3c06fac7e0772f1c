//! The job history (`/jobs`): a user's creation jobs (an administrator's: everyone's),
//! newest first, filtered by state, node, template and the day they were made, a page at
//! a time. Finished jobs go after the retention (`--retain-jobs-days`, 90 by default).

use model::ids::NodeId;
use model::job::{JobFilter, JobHistory, JobRow};
use surrealdb::types::SurrealValue;

use super::record::{JOB_VALUE, StoredJob};
use crate::Backend;
use crate::accounts::User;
use crate::error::ServiceResult;
use crate::nodes;

#[derive(SurrealValue)]
struct Counted {
    total: i64,
}

#[derive(SurrealValue)]
struct Named {
    node_name: Option<String>,
    owner_name: Option<String>,
}

/// One page of the user's job history (everyone's for an administrator).
pub async fn history(
    backend: &Backend,
    user: &User,
    filter: &JobFilter,
) -> ServiceResult<JobHistory> {
    // Ordered by the stored time (`created_at` is shown to the second, too coarse to
    // order jobs made in the same second).
    let conditions = "($everyone OR owner = type::record('user', $owner))
        AND ($state = NONE OR state = $state)
        AND ($node = NONE OR node = type::record('node', $node))
        AND ($template = NONE OR string::contains(string::lowercase(template_name ?? ''), $template))
        AND ($from = NONE OR created_at >= <datetime> $from)
        AND ($to = NONE OR created_at < <datetime> $to + 1d)";
    let mut response = backend
        .store
        .db()
        .query(format!(
            "SELECT {JOB_VALUE}, created_at AS made_at FROM job
              WHERE {conditions} ORDER BY made_at DESC, id DESC LIMIT $limit START $start;
             SELECT node.name AS node_name, owner.username AS owner_name, created_at AS made_at, id
              FROM job WHERE {conditions} ORDER BY made_at DESC, id DESC LIMIT $limit START $start;
             SELECT count() AS total FROM job WHERE {conditions} GROUP ALL;"
        ))
        .bind(("everyone", user.is_admin))
        .bind(("owner", user.id.to_string()))
        .bind(("state", filter.state.map(|s| s.as_str())))
        .bind(("node", filter.node.as_ref().map(NodeId::to_string)))
        .bind(("template", filter.template.clone()))
        .bind((
            "from",
            filter.from.as_ref().map(|d| format!("{d}T00:00:00Z")),
        ))
        .bind(("to", filter.to.as_ref().map(|d| format!("{d}T00:00:00Z"))))
        .bind(("limit", i64::from(JobFilter::PER_PAGE)))
        .bind((
            "start",
            i64::from((filter.page.max(1) - 1) * JobFilter::PER_PAGE),
        ))
        .await?
        .check()?;
    let jobs: Vec<StoredJob> = response.take(0)?;
    let names: Vec<Named> = response.take(1)?;
    let total: Option<Counted> = response.take(2)?;
    let mut rows = Vec::with_capacity(jobs.len());
    for (job, named) in jobs.iter().zip(names) {
        rows.push(JobRow {
            job: job.view(
                named
                    .node_name
                    .unwrap_or_else(|| "(removed node)".to_owned()),
            )?,
            owner: named
                .owner_name
                .unwrap_or_else(|| "(removed user)".to_owned()),
        });
    }
    let nodes = nodes::list(backend, user)
        .await?
        .into_iter()
        .map(|n| (n.id, n.name))
        .collect();
    Ok(JobHistory {
        rows,
        total: total.map_or(0, |t| u64::try_from(t.total).unwrap_or(0)),
        page: filter.page.max(1),
        everyone: user.is_admin,
        nodes,
    })
}
