//! `surreal`: upstream's SurrealDB server entry point (`surreal start …`, `surreal
//! version`), built with the features in Cargo.toml.

// The server's query engine nests deeply (upstream's binary sets the same).
#![recursion_limit = "256"]

use std::process::ExitCode;

fn main() -> ExitCode {
    surrealdb_server::init(surrealdb_core::CommunityComposer())
}
