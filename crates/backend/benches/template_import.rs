//! Importing a large template archive: 50 template folders, each with 10 scripts, 5 files
//! and 3 package lists (buckets shared between templates, as in real repositories), into
//! an empty account and again (every template updated). Prints the median of 5 runs of
//! each, the archive's size, and the process's peak resident memory before and after.
//!
//! `cargo bench -p backend --bench template_import`

#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench fails loudly

use std::time::{Duration, Instant};

mod support;

use backend::templates::{ArchiveLimits, import};
use support::account;

const TEMPLATES: usize = 50;
const RUNS: usize = 5;

/// The archive: `repo/tNN/…` folders in the import layout.
fn archive() -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(encoder);
    let mut add = |path: String, content: String| {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        tar.append_data(&mut header, path, content.as_bytes())
            .unwrap();
    };
    for t in 0..TEMPLATES {
        let root = format!("repo/t{t:02}");
        add(
            format!("{root}/template.conf"),
            format!(
                "TEMPLATE_APP=\"Service {t}\"\nTEMPLATE_DESCRIPTION=\"Template number {t}\"\n\
                 TEMPLATE_TAGS=\"bench;group{}\"\nTEMPLATE_CPU=\"${{TEMPLATE_CPU:-2}}\"\n\
                 TEMPLATE_RAM=2048\nTEMPLATE_DISK=16\nTEMPLATE_OS=debian\nTEMPLATE_VERSION=12\n",
                t % 5
            ),
        );
        for s in 0..10 {
            let body: String = (0..40)
                .map(|line| format!("echo \"template {t} script {s} step {line}\"\n"))
                .collect();
            add(
                format!("{root}/container-configs/scripts/{s:02}-step{s}.sh"),
                format!("#!/bin/sh\n# Step {s}\nset -eu\n{body}"),
            );
        }
        for f in 0..5 {
            let file = format!("{root}/container-configs/files/app{f}.conf");
            add(file.clone(), "key = value\n".repeat(80));
            add(format!("{file}.path"), format!("/etc/app{t}\n"));
            add(format!("{file}.policy"), "backup\n".into());
        }
        for b in 0..3 {
            let packages: String = (0..20).map(|p| format!("pkg-{b}-{p}\n")).collect();
            add(
                format!(
                    "{root}/container-configs/packages/bucket{}.apt",
                    (t + b) % 10
                ),
                packages,
            );
        }
    }
    tar.into_inner().unwrap().finish().unwrap()
}

/// The process's peak resident memory (VmHWM), in KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let bytes = archive();
    let limits = ArchiveLimits::default();
    let peak_before = peak_kib();
    let (mut first, mut again) = (Vec::new(), Vec::new());
    let (mut peak_first, mut peak_account) = (0, 0);
    for run in 0..RUNS {
        runtime.block_on(async {
            let (backend, user) = account().await;
            if run == 0 {
                peak_account = peak_kib();
            }
            let started = Instant::now();
            let report = import::import_archive(&backend, &user, &bytes, limits)
                .await
                .unwrap();
            first.push(started.elapsed());
            if run == 0 {
                peak_first = peak_kib();
            }
            assert_eq!(report.templates.len(), TEMPLATES);
            assert!(report.skipped.is_empty(), "{:?}", report.skipped);
            let started = Instant::now();
            let report = import::import_archive(&backend, &user, &bytes, limits)
                .await
                .unwrap();
            again.push(started.elapsed());
            assert!(report.templates.iter().all(|t| t.updated));
        });
    }
    let peak_after = peak_kib();
    println!(
        "template import: {TEMPLATES} templates (10 scripts, 5 files, 3 buckets each), archive {} KiB",
        bytes.len() / 1024
    );
    println!(
        "  into an empty account   {:>8.1} ms (median of {RUNS})",
        median(first).as_secs_f64() * 1e3
    );
    println!(
        "  again (all updated)     {:>8.1} ms (median of {RUNS})",
        median(again).as_secs_f64() * 1e3
    );
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "  peak RSS                {:>8.1} MiB at start, {:.1} MiB with an empty account, {:.1} MiB after the first import, {:.1} MiB after all {} imports",
        mib(peak_before),
        mib(peak_account),
        mib(peak_first),
        mib(peak_after),
        RUNS * 2
    );
}
