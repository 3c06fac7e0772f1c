//! `corral`: the dashboard's server binary.

use clap::Parser;
use server::config::Config;

/// Stack of each runtime thread. Deep futures (a job runner's pipeline awaiting SSH and
/// the embedded database) outgrow tokio's 2 MiB default in debug builds; 8 MiB is what
/// the main thread has, and untouched stack costs no memory.
const THREAD_STACK_BYTES: usize = 8 * 1024 * 1024;

fn main() -> std::process::ExitCode {
    let config = Config::parse();
    if let Err(error) = server::telemetry::init(&config) {
        eprintln!("corral: {error}");
        return std::process::ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(THREAD_STACK_BYTES)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("corral: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(server::main(config)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            eprintln!("corral: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
