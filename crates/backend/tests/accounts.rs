//! Accounts: setup, sign-in, password changes, administration, rate limits, audit.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use std::time::Duration;

use backend::ServiceError;
use backend::accounts;
use backend::audit::{self, AuditAction};
use backend::login_limit::LoginLimits;
use backend::password::HashPolicy;
use model::ids::UserId;
use support::{CHEAP, PASSWORD, admin, backend, backend_with, secret, setup, user};

#[tokio::test]
async fn setup_creates_one_admin_and_then_is_refused() {
    let backend = backend().await;
    assert!(!accounts::any_user_exists(&backend).await.unwrap());
    let short = setup(&backend, "admin", "short", "short").await;
    assert!(matches!(short, Err(ServiceError::Validation(e)) if e.field == "password"));
    let code = backend.setup_code.issue();
    let without_code = accounts::setup(
        &backend,
        accounts::SetupForm {
            setup_code: "ABCD-EFGH-JKLM",
            username: "mallory",
            password: secret(PASSWORD),
            repeated: secret(PASSWORD),
        },
        None,
    )
    .await;
    assert!(
        matches!(&without_code, Err(ServiceError::Validation(e)) if e.field == "setup_code"),
        "{without_code:?}"
    );
    assert!(!accounts::any_user_exists(&backend).await.unwrap());
    assert!(
        backend.setup_code.matches(&code),
        "a wrong guess does not spend it"
    );
    let admin = admin(&backend).await;
    assert!(admin.is_admin);
    assert!(accounts::any_user_exists(&backend).await.unwrap());
    assert!(!backend.setup_code.matches(&code), "setup spent the code");
    let again = setup(&backend, "mallory", PASSWORD, PASSWORD).await;
    assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
}

#[tokio::test]
async fn concurrent_setups_create_exactly_one_account() {
    let backend = backend().await;
    let attempts = (0..4).map(|i| {
        let backend = backend.clone();
        tokio::spawn(async move { setup(&backend, &format!("admin{i}"), PASSWORD, PASSWORD).await })
    });
    let mut created = 0;
    for attempt in attempts {
        if attempt.await.unwrap().is_ok() {
            created += 1;
        }
    }
    assert_eq!(created, 1);
}

#[tokio::test]
async fn sign_in_says_only_wrong_username_or_password() {
    let backend = backend().await;
    let admin = admin(&backend).await;
    let bob = user(&backend, &admin, "bob").await;
    let ok = accounts::login(&backend, "bob", secret(PASSWORD), Some("10.0.0.9".into()))
        .await
        .unwrap();
    assert_eq!(ok.id, bob.id);
    let wrong = accounts::login(&backend, "bob", secret("not the password"), None).await;
    let unknown = accounts::login(&backend, "nobody", secret(PASSWORD), None).await;
    for outcome in [&wrong, &unknown] {
        let Err(error) = outcome else {
            panic!("must fail")
        };
        assert_eq!(error.to_string(), "wrong username or password");
    }
    accounts::set_disabled(&backend, &admin, &bob.id, true)
        .await
        .unwrap();
    let disabled = accounts::login(&backend, "bob", secret(PASSWORD), None).await;
    assert!(matches!(disabled, Err(ServiceError::BadCredentials)));

    let log = audit::list(&backend, &admin, 1, 50).await.unwrap();
    let logins: Vec<(&str, &str)> = log
        .entries
        .iter()
        .filter(|e| e.action == AuditAction::Login)
        .map(|e| (e.actor.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        logins,
        [
            ("bob", "failed"),
            ("nobody", "failed"),
            ("bob", "failed"),
            ("bob", "ok")
        ],
        "newest first"
    );
    assert!(
        log.entries
            .iter()
            .any(|e| e.client.as_deref() == Some("10.0.0.9"))
    );
}

#[tokio::test]
async fn outdated_hashes_are_replaced_at_sign_in() {
    let backend = backend().await;
    admin(&backend).await;
    let stronger = HashPolicy {
        memory_kib: 128,
        ..CHEAP
    };
    let upgraded = backend.clone().with_password_policy(stronger);
    accounts::login(&upgraded, "admin", secret(PASSWORD), None)
        .await
        .unwrap();
    let stored: Option<String> = backend
        .store
        .db()
        .query("SELECT VALUE password_hash FROM ONLY user WHERE username = 'admin' LIMIT 1")
        .await
        .unwrap()
        .take(0)
        .unwrap();
    assert!(stronger.matches(&stored.unwrap()));
    accounts::login(&upgraded, "admin", secret(PASSWORD), None)
        .await
        .unwrap();
}

#[tokio::test]
async fn attempts_are_limited_per_username_even_with_the_right_password() {
    let backend = backend_with(LoginLimits {
        per_username_burst: 2,
        per_username_period: Duration::from_secs(600),
        ..LoginLimits::default()
    })
    .await;
    admin(&backend).await;
    for _ in 0..2 {
        let _ = accounts::login(&backend, "admin", secret("guess guess guess"), None).await;
    }
    let limited = accounts::login(&backend, "admin", secret(PASSWORD), None).await;
    assert!(
        matches!(limited, Err(ServiceError::RateLimited { .. })),
        "{limited:?}"
    );
    // Unknown names are limited the same way: the limit says nothing about accounts.
    for _ in 0..2 {
        let _ = accounts::login(&backend, "ghost", secret("x"), None).await;
    }
    let ghost = accounts::login(&backend, "ghost", secret("x"), None).await;
    assert!(matches!(ghost, Err(ServiceError::RateLimited { .. })));
}

#[tokio::test]
async fn refused_sign_ins_write_one_entry_and_a_summary_not_one_row_each() {
    let backend = backend_with(LoginLimits {
        per_username_burst: 1,
        per_username_period: Duration::from_secs(600),
        per_address_burst: 1000,
        ..LoginLimits::default()
    })
    .await;
    let admin = admin(&backend).await;
    for _ in 0..200 {
        let _ = accounts::login(
            &backend,
            "admin",
            secret("guess guess"),
            Some("10.1.1.1".into()),
        )
        .await;
    }
    let login_rows = |log: &model::audit::AuditPage| -> Vec<String> {
        log.entries
            .iter()
            .filter(|e| e.action == AuditAction::Login)
            .map(|e| e.detail.clone().unwrap_or_default())
            .collect()
    };
    let log = audit::list(&backend, &admin, 1, 50).await.unwrap();
    assert_eq!(login_rows(&log).len(), 2, "one wrong password, one refusal");
    backend::housekeeping::run_once(
        &backend,
        std::time::Instant::now() + backend::login_limit::REFUSAL_WINDOW,
        &backend::housekeeping::Retention::default(),
    )
    .await;
    let log = audit::list(&backend, &admin, 1, 50).await.unwrap();
    let rows = login_rows(&log);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows[0].contains("198 more attempts refused"), "{rows:?}");
    assert_eq!(log.entries[0].client.as_deref(), Some("10.1.1.1"));
}

#[tokio::test]
async fn password_changes_are_rate_limited_per_account() {
    let backend = backend_with(LoginLimits {
        per_username_burst: 2,
        per_username_period: Duration::from_secs(600),
        ..LoginLimits::default()
    })
    .await;
    let admin = admin(&backend).await;
    for _ in 0..2 {
        let wrong = accounts::change_password(
            &backend,
            &admin,
            secret("not my password"),
            secret("a brand new password"),
            secret("a brand new password"),
        )
        .await;
        assert!(matches!(wrong, Err(ServiceError::Validation(_))));
    }
    let limited = accounts::change_password(
        &backend,
        &admin,
        secret(PASSWORD),
        secret("a brand new password"),
        secret("a brand new password"),
    )
    .await;
    assert!(
        matches!(limited, Err(ServiceError::RateLimited { .. })),
        "{limited:?}"
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_old_sessions() {
    let backend = backend().await;
    let admin = admin(&backend).await;
    let wrong = accounts::change_password(
        &backend,
        &admin,
        secret("not my password"),
        secret("a brand new password"),
        secret("a brand new password"),
    )
    .await;
    assert!(matches!(wrong, Err(ServiceError::Validation(e)) if e.field == "current_password"));
    let mismatch = accounts::change_password(
        &backend,
        &admin,
        secret(PASSWORD),
        secret("a brand new password"),
        secret("a brand new passwort"),
    )
    .await;
    assert!(
        matches!(mismatch, Err(ServiceError::Validation(e)) if e.field == "new_password_repeat")
    );
    let valid_after = accounts::change_password(
        &backend,
        &admin,
        secret(PASSWORD),
        secret("a brand new password"),
        secret("a brand new password"),
    )
    .await
    .unwrap();
    assert!(valid_after >= admin.sessions_valid_after);
    assert!(
        accounts::login(&backend, "admin", secret(PASSWORD), None)
            .await
            .is_err()
    );
    let again = accounts::login(&backend, "admin", secret("a brand new password"), None)
        .await
        .unwrap();
    assert_eq!(again.sessions_valid_after, valid_after);
}

#[tokio::test]
async fn only_admins_manage_users_and_never_themselves() {
    let backend = backend().await;
    let admin = admin(&backend).await;
    let bob = user(&backend, &admin, "bob").await;
    let by_bob = accounts::create(
        &backend,
        &bob,
        "eve",
        secret(PASSWORD),
        secret(PASSWORD),
        true,
    )
    .await;
    assert!(matches!(by_bob, Err(ServiceError::Forbidden(_))));
    assert!(matches!(
        accounts::list(&backend, &bob).await,
        Err(ServiceError::Forbidden(_))
    ));
    let taken = accounts::create(
        &backend,
        &admin,
        "bob",
        secret(PASSWORD),
        secret(PASSWORD),
        false,
    )
    .await;
    assert!(
        matches!(&taken, Err(ServiceError::Validation(e)) if e.field == "username"),
        "{taken:?}"
    );
    assert!(matches!(
        accounts::delete(&backend, &admin, &admin.id, "admin").await,
        Err(ServiceError::Conflict(_))
    ));
    assert!(matches!(
        accounts::set_disabled(&backend, &admin, &admin.id, true).await,
        Err(ServiceError::Conflict(_))
    ));
    let nobody = UserId::parse("nosuchuser").unwrap();
    assert!(matches!(
        accounts::delete(&backend, &admin, &nobody, "nosuchuser").await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        accounts::delete(&backend, &admin, &bob.id, "not bob").await,
        Err(ServiceError::Validation(e)) if e.field == "confirm"
    ));
    accounts::delete(&backend, &admin, &bob.id, "bob")
        .await
        .unwrap();
    let names: Vec<String> = accounts::list(&backend, &admin)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["admin"]);
}

#[tokio::test]
async fn users_see_their_own_audit_entries_and_admins_all_paginated() {
    let backend = backend().await;
    let admin = admin(&backend).await;
    let bob = user(&backend, &admin, "bob").await;
    for _ in 0..3 {
        accounts::login(&backend, "bob", secret(PASSWORD), None)
            .await
            .unwrap();
    }
    let own = audit::list(&backend, &bob, 1, 2).await.unwrap();
    assert_eq!((own.total, own.entries.len(), own.pages()), (3, 2, 2));
    assert!(own.entries.iter().all(|e| e.actor == "bob"));
    let second = audit::list(&backend, &bob, 2, 2).await.unwrap();
    assert_eq!(second.entries.len(), 1);
    assert!(own.entries[0].at >= own.entries[1].at && own.entries[1].at >= second.entries[0].at);
    let all = audit::list(&backend, &admin, 1, 50).await.unwrap();
    assert_eq!(all.total, 5, "setup, user.create and three logins");
}
