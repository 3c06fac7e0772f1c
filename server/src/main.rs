//! `corral`: the dashboard's server binary.

use clap::Parser;
use server::config::Config;

/// Stack of each runtime thread. Deep futures (a job runner's pipeline awaiting SSH and
/// the embedded database) outgrow tokio's 2 MiB default in debug builds; 8 MiB is what
/// the main thread has, and untouched stack costs no memory.
const THREAD_STACK_BYTES: usize = 8 * 1024 * 1024;

/// Threads of the embedded database's blocking pool unless the operator says otherwise
/// (`SURREAL_KVS_THREADPOOL_SIZE`; SurrealDB's default is 16 on small hosts, its minimum
/// 4). A dashboard's storage work is small; 12 idle threads fewer.
const KVS_THREADS: &str = "4";

fn main() -> std::process::ExitCode {
    if std::env::var_os("SURREAL_KVS_THREADPOOL_SIZE").is_none() {
        // SAFETY: the first statement of `main`; no other thread exists yet to read the
        // environment concurrently.
        unsafe { std::env::set_var("SURREAL_KVS_THREADPOOL_SIZE", KVS_THREADS) };
    }
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
