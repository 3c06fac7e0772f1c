//! `corral`: the dashboard's server binary.

use clap::Parser;
use server::config::Config;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    if let Err(error) = server::telemetry::init(&config) {
        eprintln!("corral: {error}");
        return std::process::ExitCode::FAILURE;
    }
    match server::main(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            eprintln!("corral: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
