//! Command-line flags and `CORRAL_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use backend::store::{Database, DatabaseCredentials};
use clap::{Parser, Subcommand, ValueEnum};

/// How Corral is configured: every flag has an environment variable twin.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "corral",
    version,
    about = "Corral: a dashboard for LXC containers on Proxmox VE"
)]
pub struct Config {
    /// Something other than serving (maintenance commands).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address and port to listen on.
    #[arg(long, env = "CORRAL_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// The URL users reach Corral at (e.g. https://corral.example.net), when it differs
    /// from the listen address because of a reverse proxy.
    #[arg(long, env = "CORRAL_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// Reverse proxies in front of Corral (`10.0.0.0/8,192.0.2.7`): from these peers only,
    /// `X-Forwarded-For` / `Forwarded` name the client for rate limits and the audit log.
    /// Without it the TCP peer is the client (behind a proxy: the proxy, for everyone).
    #[arg(long, env = "CORRAL_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: crate::client_address::TrustedProxies,

    /// Address ranges nodes may be added in (`10.0.0.0/8,192.168.1.0/24`); probing or
    /// adding a node elsewhere is refused. Overrides the administrator's setting in
    /// Settings; without either, nodes may be anywhere.
    #[arg(long, env = "CORRAL_NODE_ADDRESS_RANGES")]
    pub node_address_ranges: Option<backend::net::AddressRanges>,

    /// Directory for the embedded database and the key file.
    #[arg(long, env = "CORRAL_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Database URL: surrealkv://<path> (default: <data-dir>/db), mem:// (nothing kept),
    /// or ws://host:port for a SurrealDB server.
    #[arg(long, env = "CORRAL_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Root user for a SurrealDB server (ws:// only).
    #[arg(long, env = "CORRAL_DATABASE_USER", requires = "database_password")]
    pub database_user: Option<String>,

    /// Password of that user; prefer the environment variable over the flag.
    #[arg(long, env = "CORRAL_DATABASE_PASSWORD", hide_env_values = true)]
    pub database_password: Option<Hidden>,

    /// Namespace inside the database (several installs can share one SurrealDB server).
    #[arg(long, env = "CORRAL_DATABASE_NAMESPACE", default_value = "corral")]
    pub database_namespace: String,

    /// Database name inside that namespace.
    #[arg(long, env = "CORRAL_DATABASE_NAME", default_value = "corral")]
    pub database_name: String,

    /// Key file with the master keys for stored secrets (default: <data-dir>/master.key,
    /// generated on the first start).
    #[arg(long, env = "CORRAL_KEY_FILE")]
    pub key_file: Option<PathBuf>,

    /// The master keys themselves (`<id>:<base64>`, comma-separated), instead of a file.
    #[arg(
        long = "master-key",
        env = "CORRAL_MASTER_KEY",
        hide_env_values = true,
        hide = true
    )]
    pub master_key: Option<Hidden>,

    /// Also start a simulated Proxmox VE cluster in this process, offered as a
    /// one-click "demo" node. For trying Corral out; never for production.
    #[arg(long, env = "CORRAL_DEMO")]
    pub demo: bool,

    /// Hours of inactivity after which a session ends.
    #[arg(long, env = "CORRAL_SESSION_IDLE_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=720))]
    pub session_idle_hours: u32,

    /// Days after which a session ends even when in use.
    #[arg(long, env = "CORRAL_SESSION_MAX_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=90))]
    pub session_max_days: u32,

    /// Sign-in attempts allowed per username before one more is allowed every 12 s.
    #[arg(long, env = "CORRAL_LOGIN_ATTEMPTS_PER_USER", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_attempts_per_user: u32,

    /// Sign-in attempts allowed per client address before one more is allowed every 3 s.
    #[arg(long, env = "CORRAL_LOGIN_ATTEMPTS_PER_ADDRESS", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_attempts_per_address: u32,

    /// Seconds a shutdown waits for running jobs to reach a safe point and hand their
    /// leases back (the next start resumes them at once).
    #[arg(long, env = "CORRAL_SHUTDOWN_GRACE_SECS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=600))]
    pub shutdown_grace_secs: u32,

    /// Seconds a job's claim lasts without renewal (renewed every third of it): how long
    /// a job whose process died (kill -9, a lost host) waits before another process
    /// sharing the database takes it over.
    #[arg(long, env = "CORRAL_JOB_LEASE_SECS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(3..=600))]
    pub job_lease_secs: u32,

    /// Minutes after which a container's discovered services are read again in the
    /// background (a few containers at a time per node); 0 turns that off.
    #[arg(long, env = "CORRAL_DISCOVERY_REFRESH_MINUTES", default_value_t = 15, value_parser = clap::value_parser!(u32).range(0..=1440))]
    pub discovery_refresh_minutes: u32,

    /// Days finished jobs and their logs are kept.
    #[arg(long, env = "CORRAL_RETAIN_JOBS_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub retain_jobs_days: u32,

    /// Days a new container's root password waits to be revealed after its job ended.
    #[arg(long, env = "CORRAL_RETAIN_PASSWORDS_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=365))]
    pub retain_passwords_days: u32,

    /// Days audit entries are kept.
    #[arg(long, env = "CORRAL_RETAIN_AUDIT_DAYS", default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub retain_audit_days: u32,

    /// Log filter, e.g. `info` or `info,server=debug` (the database engine is quiet by default).
    #[arg(
        long,
        env = "CORRAL_LOG",
        default_value = "info,surrealdb=warn,surrealkv=warn"
    )]
    pub log: String,

    /// Log line format.
    #[arg(long, env = "CORRAL_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// A secret given on the command line or in the environment: `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Hidden(String);

impl Hidden {
    /// The secret itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Hidden {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Hidden(value.to_owned()))
    }
}

impl std::fmt::Debug for Hidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Maintenance commands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Re-encrypt every stored secret under a new master key, then drop the old key.
    /// Run it with the server stopped; the key file is rewritten in place.
    RotateKey,
    /// Show the one-time code that first-run setup asks for (while no account exists).
    SetupCode,
    /// Import the template folders under DIR (each with a template.conf, in the layout
    /// the earlier dashboard used) into an account's templates; a template the account
    /// already has (by name) is updated, package lists merge into its buckets.
    ImportTemplates {
        /// The folder holding one or many template folders.
        dir: std::path::PathBuf,
        /// The account's username.
        #[arg(long)]
        user: String,
    },
}

/// How log lines are written to standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

impl Config {
    /// The database URL in force: the flag, or the embedded file engine in the data dir.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("surrealkv://{}", self.data_dir.join("db").display()),
        }
    }

    /// The database in force: [`Self::effective_database_url`] with the credentials,
    /// namespace and name configured.
    pub fn database(&self) -> Database {
        let credentials = match (&self.database_user, &self.database_password) {
            (Some(username), Some(password)) => Some(DatabaseCredentials {
                username: username.clone(),
                password: password.expose().to_owned(),
            }),
            _ => None,
        };
        Database::at(self.effective_database_url())
            .with_credentials(credentials)
            .named(&self.database_namespace, &self.database_name)
    }

    /// Whether the session cookie must be `Secure` (Corral is reached over https).
    pub fn serves_https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    }

    /// How long finished work is kept.
    pub fn retention(&self) -> backend::housekeeping::Retention {
        backend::housekeeping::Retention {
            jobs_days: self.retain_jobs_days,
            passwords_days: self.retain_passwords_days,
            audit_days: self.retain_audit_days,
        }
    }

    /// How this process's job runner claims and runs jobs.
    pub fn runner(&self) -> backend::jobs::runner::RunnerConfig {
        backend::jobs::runner::RunnerConfig {
            lease: std::time::Duration::from_secs(self.job_lease_secs.into()),
            ..backend::jobs::runner::RunnerConfig::default()
        }
    }

    /// How discoveries are kept fresh; `None` when that is turned off.
    pub fn discovery_refresh(&self) -> Option<backend::discovery::refresher::RefreshPolicy> {
        (self.discovery_refresh_minutes > 0).then(|| backend::discovery::refresher::RefreshPolicy {
            max_age: std::time::Duration::from_secs(u64::from(self.discovery_refresh_minutes) * 60),
            ..backend::discovery::refresher::RefreshPolicy::default()
        })
    }

    /// The origin users reach Corral at: the public URL, or the listen address.
    pub fn effective_public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }
}

fn parse_public_url(value: &str) -> Result<String, String> {
    let trimmed = value.trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    if rest.is_empty() || rest.contains(['/', '?', '#', ' ']) {
        return Err("must be an origin such as https://corral.example.net (no path)".into());
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        Config::try_parse_from(std::iter::once("corral").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_listen_locally_with_the_embedded_database() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(config.effective_database_url(), "surrealkv://./data/db");
        assert_eq!(config.effective_public_url(), "http://127.0.0.1:3000");
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(
            (config.session_idle_hours, config.session_max_days),
            (12, 7)
        );
        assert!(!config.demo && !config.serves_https() && config.command.is_none());
    }

    #[test]
    fn https_public_urls_make_cookies_secure_and_rotate_key_is_a_command() {
        let config = parse(&["--public-url", "https://corral.example.net", "rotate-key"]).unwrap();
        assert!(config.serves_https());
        assert_eq!(config.command, Some(Command::RotateKey));
        assert!(parse(&["--session-idle-hours", "0"]).is_err());
    }

    #[test]
    fn flags_override_defaults() {
        let config = parse(&[
            "--listen",
            "0.0.0.0:8080",
            "--data-dir",
            "/var/lib/corral",
            "--public-url",
            "https://corral.example.net/",
            "--log-format",
            "json",
        ])
        .unwrap();
        assert_eq!(config.listen.port(), 8080);
        assert_eq!(
            config.effective_database_url(),
            "surrealkv:///var/lib/corral/db"
        );
        assert_eq!(config.effective_public_url(), "https://corral.example.net");
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn debug_output_hides_the_secrets() {
        let config = parse(&[
            "--database-user",
            "root",
            "--database-password",
            "hunter2-db",
            "--master-key",
            "1:c2VjcmV0LWtleQ==",
        ])
        .unwrap();
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("hunter2-db") && !shown.contains("c2VjcmV0"),
            "{shown}"
        );
        assert_eq!(config.database_password.unwrap().expose(), "hunter2-db");
    }

    #[test]
    fn an_explicit_database_url_wins() {
        let config = parse(&["--database-url", "mem://"]).unwrap();
        assert_eq!(config.effective_database_url(), "mem://");
    }

    #[test]
    fn bad_values_are_refused_with_a_reason() {
        let error = parse(&["--public-url", "corral.example.net"]).unwrap_err();
        assert!(
            error.to_string().contains("must start with http"),
            "{error}"
        );
        let error = parse(&["--public-url", "https://x.example/app"]).unwrap_err();
        assert!(error.to_string().contains("no path"), "{error}");
        assert!(parse(&["--listen", "nowhere"]).is_err());
        assert!(
            parse(&["--database-user", "root"]).is_err(),
            "user needs a password"
        );
    }
}
