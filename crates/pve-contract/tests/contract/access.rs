//! Who may call: API tokens (wrong, revoked, limited) and password tickets with their CSRF token.

use std::time::Duration;

use pve::{Auth, Client, ClientConfig, PowerAction, PveError, Secret};
use pve_sim::SimConfig;

use super::support::*;

#[tokio::test]
async fn tokens_that_are_wrong_revoked_or_limited_are_refused() {
    let sim = simulator(SimConfig::default()).await;
    let wrong = Auth::Token {
        id: "root@pam!corral".into(),
        secret: Secret::new("not-the-secret"),
    };
    let client_wrong = client_for(sim.api_url(), wrong, pin(&sim, "pve"));
    let error = client_wrong.version().await.unwrap_err();
    assert_eq!(
        error,
        PveError::Unauthorized {
            message: "Authentication failed!".into()
        }
    );
    assert!(!error.to_string().contains("not-the-secret"));

    let client = client(&sim);
    sim.set_token_revoked("root@pam!corral", true);
    assert!(matches!(
        client.version().await,
        Err(PveError::Unauthorized { .. })
    ));
    sim.set_token_revoked("root@pam!corral", false);
    client.version().await.unwrap();

    let secret = sim.add_token("root@pam!readonly", &["VM.Audit"]);
    let limited = Auth::Token {
        id: "root@pam!readonly".into(),
        secret: Secret::new(secret),
    };
    let readonly = client_for(sim.api_url(), limited, pin(&sim, "pve"));
    assert!(!readonly.lxc_list("pve").await.unwrap().is_empty());
    let Err(PveError::Forbidden { permission, .. }) =
        readonly.lxc_power("pve", 100, &PowerAction::Stop).await
    else {
        panic!("a read-only token cannot stop containers");
    };
    assert_eq!(permission.as_deref(), Some("/vms/100, VM.PowerMgmt"));
}

#[tokio::test]
async fn password_login_uses_a_ticket_and_csrf_token() {
    let sim = simulator(SimConfig::default()).await;
    let auth = Auth::Password {
        username: "root@pam".into(),
        password: Secret::new(sim.root_password()),
    };
    let client = client_for(sim.api_url(), auth, pin(&sim, "pve"));
    assert_eq!(client.version().await.unwrap().version, "9.1.6");
    // A write needs the CSRF token; the task is attributed to the user, not a token.
    let upid = client
        .lxc_power("pve", 103, &PowerAction::Start)
        .await
        .unwrap();
    assert_eq!(upid.user, "root@pam");
    let wrong = Auth::Password {
        username: "root@pam".into(),
        password: Secret::new("guess"),
    };
    let refused = client_for(sim.api_url(), wrong, pin(&sim, "pve"))
        .version()
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        PveError::Unauthorized {
            message: "authentication failure".into()
        }
    );
}

#[tokio::test]
async fn an_old_ticket_is_renewed_with_itself_not_the_password() {
    let sim = simulator(SimConfig::default()).await;
    let auth = Auth::Password {
        username: "root@pam".into(),
        password: Secret::new(sim.root_password()),
    };
    let mut config = ClientConfig::new(sim.api_url(), auth, pin(&sim, "pve"));
    config.ticket_renew_after = Duration::ZERO;
    let client = Client::new(config).unwrap();
    client.version().await.unwrap();
    assert_eq!(sim.tickets_issued(), 1);
    // Were the password used again, this change would make the renewal fail.
    sim.set_root_password("changed-meanwhile");
    client.version().await.unwrap();
    assert_eq!(
        sim.tickets_issued(),
        2,
        "the second call renewed the ticket"
    );
}
