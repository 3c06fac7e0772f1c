//! Data at rest stays bounded: drafts per user, and the retention sweeps for finished
//! jobs with their logs, unrevealed root passwords and old audit entries.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use backend::housekeeping::{Retention, Swept, sweep};
use backend::{audit, drafts, jobs};
use model::job::JobState;
use model::provision::ContainerForm;
use pve_sim::Speed;
use support::lab::lab;

async fn count(backend: &backend::Backend, query: &str) -> i64 {
    let n: Option<i64> = backend
        .store
        .db()
        .query(query)
        .await
        .unwrap()
        .take(0)
        .unwrap();
    n.unwrap_or(0)
}

#[tokio::test]
async fn a_user_keeps_at_most_fifty_drafts_the_oldest_go_first() {
    let backend = support::backend().await;
    let admin = support::admin(&backend).await;
    let first = drafts::create(&backend, &admin, &ContainerForm::with_defaults())
        .await
        .unwrap();
    for _ in 0..drafts::MAX_PER_USER + 10 {
        drafts::create(&backend, &admin, &ContainerForm::with_defaults())
            .await
            .unwrap();
    }
    let kept = count(&backend, "RETURN count(SELECT id FROM draft)").await;
    assert_eq!(kept, drafts::MAX_PER_USER as i64);
    assert!(
        drafts::get(&backend, &admin, &first).await.is_err(),
        "the oldest went"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_jobs_passwords_and_audit_entries_go_after_their_retention() {
    let lab = lab(Speed::Instant).await;
    let _runner = lab.runner("r1");
    let (done, view) = lab.run(&lab.form(201)).await;
    assert_eq!(view.state, JobState::Succeeded);
    let (recent, _) = lab.run(&lab.form(202)).await;
    assert!(view.password_available, "nobody revealed it yet");
    let backend = &lab.backend;
    let retention = Retention::default();
    assert_eq!(
        sweep(backend, &retention).await.unwrap(),
        Swept::default(),
        "all recent"
    );

    // Age the first job past the password retention: its password goes, the job stays.
    let age = |days: u32, job: &model::ids::JobId| {
        let job = job.to_string();
        async move {
            backend
                .store
                .db()
                .query("UPDATE type::record('job', $id) SET finished_at = time::now() - <duration> $age")
                .bind(("id", job))
                .bind(("age", format!("{days}d")))
                .await
                .unwrap()
                .check()
                .unwrap();
        }
    };
    age(8, &done).await;
    let swept = sweep(backend, &retention).await.unwrap();
    assert_eq!((swept.jobs, swept.passwords), (0, 1));
    let view = jobs::get(backend, &lab.admin, &done).await.unwrap();
    assert!(!view.password_available);

    // Past the job retention: the job and its log go; the recent one stays whole.
    age(91, &done).await;
    let events_before = count(backend, "RETURN count(SELECT id FROM job_event)").await;
    assert_eq!(sweep(backend, &retention).await.unwrap().jobs, 1);
    assert!(jobs::get(backend, &lab.admin, &done).await.is_err());
    assert!(jobs::get(backend, &lab.admin, &recent).await.is_ok());
    let events_after = count(backend, "RETURN count(SELECT id FROM job_event)").await;
    assert!(
        events_after > 0 && events_after < events_before,
        "{events_before} → {events_after}"
    );
    assert_eq!(lab.log(&recent).await.len() as i64, events_after);

    // Old audit entries go too (one written 401 days ago, as a restored backup holds).
    backend
        .store
        .db()
        .query(
            "CREATE audit CONTENT { at: time::now() - 401d, actor_name: 'admin',
                 action: 'login', target: 'user admin', outcome: 'ok' }",
        )
        .await
        .unwrap()
        .check()
        .unwrap();
    let entries = audit::list(backend, &lab.admin, 1, 500)
        .await
        .unwrap()
        .total;
    assert_eq!(sweep(backend, &retention).await.unwrap().audit, 1);
    assert_eq!(
        audit::list(backend, &lab.admin, 1, 500)
            .await
            .unwrap()
            .total,
        entries - 1
    );
}
