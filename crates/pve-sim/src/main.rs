//! `pve-sim`: a simulated Proxmox VE cluster for demos, end-to-end tests and benchmarks.
//! Prints one JSON line once ready (API URL, nodes, token, fingerprint), then serves
//! until killed.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use pve_sim::{ErrorStyle, SimConfig, Simulator, Speed};

#[derive(Debug, Parser)]
#[command(name = "pve-sim", version, about = "A simulated Proxmox VE cluster")]
struct Args {
    /// Address of the first node's API; further nodes take free ports on the same host.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Address of the first node's SSH server; further nodes take free ports.
    #[arg(long, default_value = "127.0.0.1:0")]
    ssh_listen: SocketAddr,
    /// Number of nodes (pve, pve2, …).
    #[arg(long, default_value_t = 1)]
    nodes: usize,
    /// Containers to create at start, spread over the nodes.
    #[arg(long, default_value_t = 6)]
    containers: usize,
    /// Latency added to every API request.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// How long tasks take.
    #[arg(long, value_enum, default_value_t = SpeedArg::Realistic)]
    speed: SpeedArg,
    /// Seed for names, addresses and load figures.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Error bodies of PVE before (`old`) or after (`new`) pve-http-server 5.2.
    #[arg(long, value_enum, default_value_t = StyleArg::New)]
    error_style: StyleArg,
    /// Delay of every 401, like PVE's 3 s.
    #[arg(long, default_value_t = 3000)]
    auth_delay_ms: u64,
    /// How often running cron and Grafana services log a line (0: never).
    #[arg(long, default_value_t = 30)]
    journal_activity_seconds: u64,
    /// A public key (OpenSSH format, in this file) root may log in with, as
    /// `~/.ssh/authorized_keys` on the nodes; repeatable.
    #[arg(long)]
    authorized_key_file: Vec<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SpeedArg {
    Instant,
    Realistic,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StyleArg {
    Old,
    New,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let config = SimConfig {
        nodes: args.nodes,
        containers: args.containers,
        seed: args.seed,
        speed: match args.speed {
            SpeedArg::Instant => Speed::Instant,
            SpeedArg::Realistic => Speed::Realistic,
        },
        error_style: match args.error_style {
            StyleArg::Old => ErrorStyle::Old,
            StyleArg::New => ErrorStyle::New,
        },
        latency: Duration::from_millis(args.latency_ms),
        auth_failure_delay: Duration::from_millis(args.auth_delay_ms),
        host: args.listen.ip().to_string(),
        api_port: args.listen.port(),
        ssh_port: args.ssh_listen.port(),
        journal_activity: Some(Duration::from_secs(args.journal_activity_seconds)),
    };
    let simulator = match Simulator::start(config).await {
        Ok(simulator) => simulator,
        Err(error) => {
            eprintln!("pve-sim: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Some(reason) = simulator.commands_refused() {
        eprintln!("{reason}");
    }
    for file in &args.authorized_key_file {
        let authorized = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|key| {
                simulator
                    .authorize_key(key.trim())
                    .map_err(|e| e.to_string())
            });
        if let Err(error) = authorized {
            eprintln!("pve-sim: {}: {error}", file.display());
            return std::process::ExitCode::FAILURE;
        }
    }
    println!("{}", simulator.ready_line());
    // Interrupted or terminated, the simulator is dropped: its files are removed.
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        Some(()) = async { terminate.as_mut()?.recv().await } => {}
    }
    drop(simulator);
    std::process::ExitCode::SUCCESS
}
