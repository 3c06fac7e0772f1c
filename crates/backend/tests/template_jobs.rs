//! A container made from a template on the simulator: its enabled scripts run in order
//! with the CORRAL_* variables and save_credential, its files are deployed with each
//! policy (observed in the guest's file system), and apt, pip and npm packages are
//! installed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use backend::templates::{self, buckets};
use model::job::JobState;
use model::provision::TemplateChoice;
use model::template::{TemplateFileForm, TemplateForm, TemplateScriptForm};
use pve_sim::Speed;
use support::lab::{lab, script};

fn file(name: &str, dir: &str, policy: &str, content: &str) -> TemplateFileForm {
    TemplateFileForm {
        name: name.into(),
        target_dir: dir.into(),
        policy: policy.into(),
        mode: "600".into(),
        content: content.into(),
    }
}

fn step(name: &str, content: &str, enabled: bool) -> TemplateScriptForm {
    TemplateScriptForm {
        name: name.into(),
        content: content.into(),
        enabled: if enabled { "on".into() } else { String::new() },
        ..TemplateScriptForm::default()
    }
}

#[tokio::test]
async fn a_template_job_runs_scripts_deploys_files_and_installs_packages() {
    let lab = lab(Speed::Instant).await;
    let (backend, admin) = (&lab.backend, &lab.admin);
    let tools = buckets::create(backend, admin, "tools", "").await.unwrap();
    buckets::import_list(backend, admin, &tools, "apt", "curl\njq\n")
        .await
        .unwrap();
    buckets::import_list(backend, admin, &tools, "apk", "curl\n")
        .await
        .unwrap();
    let unused = buckets::create(backend, admin, "unused", "").await.unwrap();
    buckets::import_list(backend, admin, &unused, "apt", "htop\n")
        .await
        .unwrap();
    let mut form = TemplateForm::new_template();
    form.name = "App".into();
    form.buckets = vec![tools.to_string(), unused.to_string()];
    form.packages = "pip requests==2.31.0\nnpm pm2\n".into();
    form.files = vec![
        file("app.conf", "/opt/app/conf", "replace", "port=8080\n"),
        file("resolv.conf", "/etc", "default", "nameserver 9.9.9.9\n"),
        file("hosts", "/etc", "backup", "127.0.0.1 localhost app\n"),
        file("hostname", "/etc", "replace", "app\n"),
    ];
    form.scripts = vec![
        step("first", "echo one >> /root/order\n", true),
        step("skipped", "echo two >> /root/order\n", false),
        step(
            "third",
            "set -eu\necho \"three $CORRAL_HOSTNAME $CORRAL_VMID $CORRAL_NODE\" >> /root/order\n\
             save_credential app password 's3cr3t w0rd'\nsave_credential app user admin\n\
             save_credential app password \"$(cat /root/order | wc -l)\"\n",
            true,
        ),
    ];
    let id = templates::create(backend, admin, &form).await.unwrap();
    let view = templates::get(backend, admin, &id).await.unwrap();

    let mut wizard = lab.form(170);
    let mut choice = TemplateChoice::of(&view);
    choice.buckets[1].enabled = false;
    wizard.template = Some(choice);
    wizard.scripts = vec![script("mine", "echo four >> /root/order\n")];
    let before_hosts = {
        let _runner = lab.runner("r1");
        let (job_id, job) = lab.run(&wizard).await;
        assert_eq!(job.state, JobState::Succeeded, "{:?}", job.error);
        let log: Vec<String> = lab
            .log(&job_id)
            .await
            .into_iter()
            .map(|e| e.message)
            .collect();
        let has = |words: &str| log.iter().any(|line| line.contains(words));
        assert!(
            has("/opt/app/conf/app.conf: written (new, mode 0600)"),
            "{log:#?}"
        );
        assert!(
            has("/etc/resolv.conf: kept as it was (policy default)"),
            "{log:#?}"
        );
        assert!(
            has("/etc/hosts: old file moved to /etc/hosts.backup-"),
            "{log:#?}"
        );
        assert!(
            has("Skipped 1 package for another distribution"),
            "{log:#?}"
        );
        assert!(!has("htop"), "the unticked bucket is not installed");
        job_id
    };
    let _ = before_hosts;
    let read =
        |path: &str| String::from_utf8(lab.sim.guest_file(170, path).unwrap_or_default()).unwrap();
    assert_eq!(read("/root/order"), "one\nthree web-170 170 pve\nfour\n");
    assert_eq!(read("/opt/app/conf/app.conf"), "port=8080\n");
    assert!(
        !read("/etc/resolv.conf").contains("9.9.9.9"),
        "default keeps the old file"
    );
    assert_eq!(read("/etc/hosts"), "127.0.0.1 localhost app\n");
    assert_eq!(read("/etc/hostname"), "app\n");
    let root = lab.sim.guest_root(170).unwrap();
    let backups: Vec<String> = std::fs::read_dir(root.join("etc"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("hosts.backup-"))
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(root.join("opt/app/conf/app.conf"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(
        read("/etc/corral/credentials/app"),
        "user=admin\npassword=2\n"
    );
    let packages = lab.sim.guest_packages(170);
    for wanted in ["curl", "jq", "python3-pip", "npm"] {
        assert!(
            packages.iter().any(|p| p == wanted),
            "{wanted} in {packages:?}"
        );
    }
    assert!(!packages.iter().any(|p| p == "htop"));
    assert!(read("/var/lib/pve-sim/pip").contains("requests"));
    assert_eq!(read("/var/lib/pve-sim/npm"), "pm2\n");
    let job = backend::jobs::get(backend, admin, &before_hosts)
        .await
        .unwrap();
    let made_from = job.template.unwrap();
    assert_eq!((made_from.name.as_str(), made_from.revision), ("App", 1));
}

#[tokio::test]
async fn a_new_container_joins_its_nodes_pool() {
    let sim = pve_sim::Simulator::start(pve_sim::SimConfig::default())
        .await
        .unwrap();
    sim.add_pool("lab");
    let backend = support::backend().await;
    let admin = support::admin(&backend).await;
    let mut node = support::form(&sim, "pve");
    node.pool = "lab".into();
    let node = backend::nodes::create(&backend, &admin, &node)
        .await
        .unwrap();
    let lab = support::lab::Lab {
        sim,
        backend,
        admin,
        node_id: node.id,
    };
    let _runner = lab.runner("r1");
    let (_, job) = lab.run(&lab.form(171)).await;
    assert_eq!(job.state, JobState::Succeeded, "{:?}", job.error);
    assert_eq!(lab.sim.pool_of(171).as_deref(), Some("lab"));
}

/// Adds starter `slug` for the lab's admin and makes a container from it on `ostemplate`.
async fn from_starter(
    lab: &support::lab::Lab,
    slug: &str,
    vmid: u32,
    ostemplate: &str,
) -> (model::job::JobView, Vec<String>) {
    let report = templates::starters::add(&lab.backend, &lab.admin, slug)
        .await
        .unwrap();
    let view = templates::get(&lab.backend, &lab.admin, &report.templates[0].id)
        .await
        .unwrap();
    let mut form = lab.form(vmid);
    form.ostemplate = ostemplate.to_owned();
    form.template = Some(TemplateChoice::of(&view));
    let (job_id, job) = lab.run(&form).await;
    let log = lab
        .log(&job_id)
        .await
        .into_iter()
        .map(|e| e.message)
        .collect();
    (job, log)
}

const DEBIAN: &str = "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst";
const ALPINE: &str = "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz";

#[tokio::test]
async fn the_starters_run_where_they_claim_to() {
    let lab = lab(Speed::Instant).await;
    let _runner = lab.runner("r1");
    let read = |vmid: u32, path: &str| {
        String::from_utf8(lab.sim.guest_file(vmid, path).unwrap_or_default()).unwrap()
    };

    let (job, log) = from_starter(&lab, "debian-base", 180, DEBIAN).await;
    assert_eq!(job.state, JobState::Succeeded, "{:?}\n{log:#?}", job.error);
    assert!(read(180, "/etc/passwd").contains("admin:x:1000:"));
    assert!(read(180, "/etc/group").contains("sudo:x:27:admin"));
    assert_eq!(
        read(180, "/etc/sudoers.d/90-admin"),
        "admin ALL=(ALL) NOPASSWD:ALL\n"
    );
    assert!(read(180, "/etc/apt/apt.conf.d/20auto-upgrades").contains("Unattended-Upgrade \"1\""));
    assert!(read(180, "/var/lib/pve-sim/services/unattended-upgrades").contains("ACTIVE=active"));

    let (job, log) = from_starter(&lab, "nginx", 181, DEBIAN).await;
    assert_eq!(job.state, JobState::Succeeded, "{:?}\n{log:#?}", job.error);
    assert!(read(181, "/var/www/html/index.html").contains("It works"));
    assert!(read(181, "/var/lib/pve-sim/services/nginx").contains("ENABLED=enabled"));

    let (job, log) = from_starter(&lab, "nginx", 182, ALPINE).await;
    assert_eq!(job.state, JobState::Succeeded, "{:?}\n{log:#?}", job.error);
    assert!(
        log.iter()
            .any(|l| l.contains("Skipped 1 package for another distribution"))
    );
    assert!(read(182, "/etc/nginx/http.d/default.conf").contains("root /var/www/html;"));
    assert!(read(182, "/var/lib/pve-sim/services/nginx").contains("ACTIVE=active"));

    let (job, log) = from_starter(&lab, "postgresql", 183, DEBIAN).await;
    assert_eq!(job.state, JobState::Succeeded, "{:?}\n{log:#?}", job.error);
    let credentials = read(183, "/etc/corral/credentials/postgresql");
    assert!(
        credentials.starts_with("username=postgres\npassword="),
        "{credentials}"
    );
    assert!(credentials.ends_with("port=5432\n"));
    assert!(log.iter().any(|l| l.contains("ALTER ROLE")), "{log:#?}");

    let (job, log) = from_starter(&lab, "docker-host", 184, DEBIAN).await;
    assert_eq!(job.state, JobState::Succeeded, "{:?}\n{log:#?}", job.error);
    assert!(
        log.iter()
            .any(|l| l.contains("Docker 20.10.24 is running.")),
        "{log:#?}"
    );
}

#[tokio::test]
async fn drafts_start_from_templates_with_the_next_free_vmid() {
    use backend::drafts;
    let lab = lab(Speed::Instant).await;
    let (backend, admin) = (&lab.backend, &lab.admin);
    let mut form = TemplateForm::new_template();
    form.name = "Sized".into();
    form.os_hint = "debian-12".into();
    form.cores = "4".into();
    form.storage = "local-lvm".into();
    form.bridge = "vmbr9".into();
    form.tags = "db".into();
    let id = templates::create(backend, admin, &form).await.unwrap();

    // The simulator's six containers are 100–105: the next free VMID is 106.
    let draft = drafts::start(backend, admin, Some(&id)).await.unwrap();
    let started = drafts::get(backend, admin, &draft).await.unwrap();
    assert_eq!(started.vmid, "106");
    assert_eq!(started.cores, "4");
    assert_eq!(started.tags, "db");
    assert_eq!(
        started.ostemplate, DEBIAN,
        "the node's matching OS template"
    );
    assert_eq!(started.rootfs_storage, "local-lvm");
    assert_eq!(
        started.bridge, "vmbr0",
        "a bridge the node lacks is not taken"
    );
    assert_eq!(started.template.as_ref().unwrap().name, "Sized");

    // A queued job's VMID is skipped.
    let mut queued = lab.form(106);
    queued.template = None;
    backend::jobs::submit(backend, admin, &queued)
        .await
        .unwrap();
    let next = drafts::start(backend, admin, None).await.unwrap();
    assert_eq!(
        drafts::get(backend, admin, &next).await.unwrap().vmid,
        "107"
    );

    // Switching templates asks first once the draft holds edits.
    let mut edited = started.clone();
    edited.hostname = "typed".into();
    drafts::save(backend, admin, &draft, &edited).await.unwrap();
    assert!(
        !drafts::choose_template(backend, admin, &draft, None, false)
            .await
            .unwrap()
    );
    assert!(
        drafts::get(backend, admin, &draft)
            .await
            .unwrap()
            .template
            .is_some()
    );
    assert!(
        drafts::choose_template(backend, admin, &draft, None, true)
            .await
            .unwrap()
    );
    assert!(
        drafts::get(backend, admin, &draft)
            .await
            .unwrap()
            .template
            .is_none()
    );
    assert!(
        drafts::choose_template(backend, admin, &draft, Some(&id), true)
            .await
            .unwrap()
    );

    // A template deleted while a draft uses it: refused at create, naming it.
    let mut ready = drafts::get(backend, admin, &draft).await.unwrap();
    ready.hostname = "sized-1".into();
    ready.vmid = "190".into();
    drafts::save(backend, admin, &draft, &ready).await.unwrap();
    templates::delete(backend, admin, &id, "Sized")
        .await
        .unwrap();
    let refused = backend::jobs::create_from_draft(backend, admin, &draft, false)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, backend::ServiceError::Validation(e) if e.field == "template" && e.message.contains("Sized was deleted")),
        "{refused:?}"
    );
}
