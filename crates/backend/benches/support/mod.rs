//! Shared by the benches: a fresh in-memory backend with one account.

use backend::Backend;
use backend::accounts::{self, User};
use backend::login_limit::LoginLimits;
use backend::password::HashPolicy;
use backend::store::{Database, Store};
use backend::vault::KeyRing;
use zeroize::Zeroizing;

/// An in-memory backend (cheap password hashing: the code path is the same) and its
/// first account, `bench`.
pub async fn account() -> (Backend, User) {
    let (store, _) = Store::open(&Database::for_tests()).await.unwrap();
    let cheap = HashPolicy {
        memory_kib: 64,
        passes: 1,
        lanes: 1,
    };
    let backend = Backend::new(store, KeyRing::generate(), LoginLimits::default())
        .with_password_policy(cheap);
    let code = backend.setup_code.issue();
    let password = || Zeroizing::new("a long enough password".to_owned());
    let user = accounts::setup(
        &backend,
        accounts::SetupForm {
            setup_code: &code,
            username: "bench",
            password: password(),
            repeated: password(),
        },
        None,
    )
    .await
    .unwrap();
    (backend, user)
}
