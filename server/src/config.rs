//! Command-line flags and `CORRAL_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// How Corral is configured: every flag has an environment variable twin.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "corral",
    version,
    about = "Corral: a dashboard for LXC containers on Proxmox VE"
)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "CORRAL_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// The URL users reach Corral at (e.g. https://corral.example.net), when it differs
    /// from the listen address because of a reverse proxy.
    #[arg(long, env = "CORRAL_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

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
    pub database_password: Option<String>,

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
