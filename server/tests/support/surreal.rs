//! A SurrealDB server for the tests that run several `corral` processes on one database:
//! the suite's (`CORRAL_TEST_DATABASE`, see scripts/with-surreal.sh) when there is one,
//! else one started for the test from `CORRAL_SURREAL_BIN` (scripts/tools.sh --surreal
//! builds it) and stopped with it.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use backend::store::Database;

pub struct SurrealServer {
    child: Option<Child>,
    pub url: String,
    pub user: String,
    pub password: String,
}

impl SurrealServer {
    /// The suite's server, or a new one in memory on a free port.
    pub async fn shared_or_own() -> SurrealServer {
        let shared = Database::for_tests();
        if let (true, Some(credentials)) = (shared.url.starts_with("ws"), shared.credentials) {
            return SurrealServer {
                child: None,
                url: shared.url,
                user: credentials.username,
                password: credentials.password,
            };
        }
        let bin = std::env::var("CORRAL_SURREAL_BIN").unwrap_or_else(|_| {
            format!(
                "{}/.cache/corral/surreal/bin/surreal",
                std::env::var("HOME").unwrap_or_default()
            )
        });
        let port = super::process::free_port();
        let password = backend::ids::random_token();
        let child = Command::new(&bin)
            .args(["start", "--no-banner", "--log", "warn"])
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .args(["--user", "root", "--pass", &password, "memory"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {bin} (scripts/tools.sh --surreal builds it): {e}")
            });
        let server = SurrealServer {
            child: Some(child),
            url: format!("ws://127.0.0.1:{port}"),
            user: "root".into(),
            password,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "the SurrealDB server never listened"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    /// `corral`'s arguments for database `name` (namespace `corral_test`) on this server.
    pub fn corral_args(&self, name: &str) -> Vec<String> {
        [
            "--database-url",
            &self.url,
            "--database-user",
            &self.user,
            "--database-password",
            &self.password,
            "--database-namespace",
            "corral_test",
            "--database-name",
            name,
        ]
        .map(str::to_owned)
        .to_vec()
    }
}

impl Drop for SurrealServer {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
