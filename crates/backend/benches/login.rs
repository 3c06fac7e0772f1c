//! Sign-in cost with the production Argon2id parameters (64 MiB, t=2, p=1):
//! hashing alone, a full `accounts::login` for an existing user (right and wrong password),
//! and one for a username that does not exist (which must cost the same as a wrong
//! password, so timing reveals nothing).
//!
//! `cargo bench -p backend --bench login`

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use backend::Backend;
use backend::accounts;
use backend::login_limit::LoginLimits;
use backend::password::{self, HashPolicy};
use backend::store::{Database, Store};
use backend::vault::KeyRing;
use criterion::{Criterion, criterion_group, criterion_main};
use zeroize::Zeroizing;

const PASSWORD: &str = "correct horse battery staple";

fn secret(text: &str) -> Zeroizing<String> {
    Zeroizing::new(text.to_owned())
}

fn login(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let backend = runtime.block_on(async {
        let (store, _) = Store::open(&Database::for_tests()).await.unwrap();
        let limits = LoginLimits {
            per_username_burst: u32::MAX,
            per_address_burst: u32::MAX,
            ..LoginLimits::default()
        };
        let backend = Backend::new(store, KeyRing::generate(), limits);
        let code = backend.setup_code.issue();
        let form = accounts::SetupForm {
            setup_code: &code,
            username: "admin",
            password: secret(PASSWORD),
            repeated: secret(PASSWORD),
        };
        accounts::setup(&backend, form, None).await.unwrap();
        backend
    });
    let hasher = password::Hasher::new(HashPolicy::STANDARD);
    let stored = runtime.block_on(hasher.hash(secret(PASSWORD))).unwrap();

    let mut group = c.benchmark_group("login");
    group.sample_size(20);
    group.bench_function("argon2id verify (64 MiB, t=2)", |b| {
        b.to_async(&runtime)
            .iter(|| hasher.verify(stored.clone(), secret(PASSWORD)));
    });
    group.bench_function("login, existing user", |b| {
        b.to_async(&runtime).iter(|| async {
            accounts::login(&backend, "admin", secret(PASSWORD), None)
                .await
                .unwrap()
        });
    });
    // What an attacker compares: a wrong password for a real name vs. a made-up name.
    group.bench_function("login, existing user, wrong password", |b| {
        b.to_async(&runtime).iter(|| async {
            accounts::login(&backend, "admin", secret("wrong password"), None)
                .await
                .unwrap_err()
        });
    });
    group.bench_function("login, unknown user", |b| {
        b.to_async(&runtime).iter(|| async {
            accounts::login(&backend, "nobody", secret(PASSWORD), None)
                .await
                .unwrap_err()
        });
    });
    group.finish();
}

criterion_group!(benches, login);
criterion_main!(benches);
