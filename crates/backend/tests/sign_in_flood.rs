//! Ten thousand sign-ins with megabyte usernames leave memory flat: nothing is counted,
//! hashed, stored or audited for them. Alone in its test binary: resident memory is the
//! process's, so no other test may run beside it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use backend::ServiceError;
use backend::accounts;
use backend::audit::{self, AuditAction};
use support::lab::rss_kib;
use support::{admin, backend, secret};

#[tokio::test]
async fn ten_thousand_sign_ins_with_megabyte_usernames_leave_memory_flat() {
    let backend = backend().await;
    let admin = admin(&backend).await;
    let huge = "a".repeat(1 << 20);
    // Warm up allocator pools, then measure.
    for _ in 0..100 {
        let _ = accounts::login(&backend, &huge, secret("x"), Some("10.0.0.9".into())).await;
    }
    let before = rss_kib();
    for _ in 0..10_000 {
        let refused = accounts::login(&backend, &huge, secret("x"), Some("10.0.0.9".into())).await;
        assert!(matches!(refused, Err(ServiceError::BadCredentials)));
    }
    let grown = rss_kib().saturating_sub(before);
    eprintln!("10,000 sign-ins with 1 MiB usernames: RSS grew {grown} KiB");
    assert!(grown < 16 * 1024, "RSS grew by {grown} KiB");
    assert_eq!(backend.login_limiter.tracked_keys(), 0, "nothing counted");
    let log = audit::list(&backend, &admin, 1, 50).await.unwrap();
    assert!(
        log.entries.iter().all(|e| e.action != AuditAction::Login),
        "nothing audited"
    );
}
