//! Templates and buckets: ownership, the form's checks on the server, import of archives
//! (good folders written, bad ones reported, nothing half-written), re-import, and the
//! export → import round trip.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use backend::ServiceError;
use backend::templates::{self, ArchiveLimits, TemplateQuery, buckets, import};
use model::template::{TemplateFileForm, TemplateForm, TemplateScriptForm, TemplateSource};

fn web_form(name: &str) -> TemplateForm {
    let mut form = TemplateForm::new_template();
    form.name = name.into();
    form.description = "nginx with a site".into();
    form.tags = "web nginx".into();
    form.os_hint = "debian-12".into();
    form.scripts = vec![
        TemplateScriptForm {
            name: "install".into(),
            content: "#!/bin/sh\n# Installs nginx\napt-get install -y nginx\n".into(),
            enabled: "on".into(),
            ..TemplateScriptForm::default()
        },
        TemplateScriptForm {
            name: "tune".into(),
            description: "optional tuning".into(),
            content: "echo tune\n".into(),
            enabled: String::new(),
        },
    ];
    form.files = vec![TemplateFileForm {
        name: "site.conf".into(),
        target_dir: "/etc/nginx/conf.d".into(),
        policy: "backup".into(),
        mode: "600".into(),
        content: "server { listen 80; }\n".into(),
    }];
    form.packages = "apt curl\npip requests==2.31.0\n".into();
    form
}

#[tokio::test]
async fn templates_and_buckets_belong_to_their_user() {
    let backend = support::backend().await;
    let admin = support::admin(&backend).await;
    let bob = support::user(&backend, &admin, "bob").await;

    let bucket = buckets::create(&backend, &admin, "web", "web tools")
        .await
        .unwrap();
    let report = buckets::import_list(
        &backend,
        &admin,
        &bucket,
        "apt",
        "# tools\nnginx\ncurl\nnginx\n\n",
    )
    .await
    .unwrap();
    assert_eq!(
        report.describe(),
        "Imported 2 packages, 1 duplicate skipped"
    );
    let refused = buckets::import_list(&backend, &admin, &bucket, "apt", "htop\nbad name\n").await;
    assert!(matches!(refused, Err(ServiceError::Validation(e)) if e.message.contains("line 2")));
    assert_eq!(
        buckets::get(&backend, &admin, &bucket)
            .await
            .unwrap()
            .packages
            .len(),
        2,
        "nothing partial"
    );

    let mut form = web_form("Web");
    form.buckets = vec![bucket.to_string()];
    let id = templates::create(&backend, &admin, &form).await.unwrap();
    let view = templates::get(&backend, &admin, &id).await.unwrap();
    assert_eq!(view.content, form.validate().unwrap());
    assert_eq!(view.buckets[0].name, "web");
    assert_eq!(view.revision, 1);
    assert_eq!(view.source, TemplateSource::User);
    let listed = templates::list(&backend, &admin, &TemplateQuery::default())
        .await
        .unwrap();
    assert_eq!(
        (listed[0].scripts, listed[0].packages, listed[0].files),
        (2, 4, 1)
    );

    // Bob sees nothing of it and can change nothing.
    assert!(matches!(
        templates::get(&backend, &bob, &id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(
        templates::list(&backend, &bob, &TemplateQuery::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        templates::update(&backend, &bob, &id, &form).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        templates::delete(&backend, &bob, &id, "Web").await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        templates::duplicate(&backend, &bob, &id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        buckets::get(&backend, &bob, &bucket).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        buckets::add_package(&backend, &bob, &bucket, "apt", "htop").await,
        Err(ServiceError::NotFound)
    ));
    // Bob cannot select the admin's bucket in his own template.
    let mut stolen = web_form("Mine");
    stolen.buckets = vec![bucket.to_string()];
    let error = templates::create(&backend, &bob, &stolen)
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Validation(e) if e.field == "buckets"));
    assert!(
        templates::list(&backend, &bob, &TemplateQuery::default())
            .await
            .unwrap()
            .is_empty()
    );
    // The same name is fine for another user, not twice for one.
    templates::create(&backend, &bob, &web_form("Web"))
        .await
        .unwrap();
    let twice = templates::create(&backend, &admin, &web_form("Web"))
        .await
        .unwrap_err();
    assert!(matches!(twice, ServiceError::Validation(e) if e.field == "name"));

    // A bucket in use says by whom; deleting asks for the name.
    let in_use = buckets::delete(&backend, &admin, &bucket)
        .await
        .unwrap_err();
    assert!(in_use.to_string().contains("Web"), "{in_use}");
    let copy = templates::duplicate(&backend, &admin, &id).await.unwrap();
    assert_eq!(
        templates::get(&backend, &admin, &copy)
            .await
            .unwrap()
            .content
            .name,
        "Copy of Web"
    );
    let wrong = templates::delete(&backend, &admin, &id, "web")
        .await
        .unwrap_err();
    assert!(matches!(wrong, ServiceError::Validation(e) if e.field == "confirm"));
    templates::delete(&backend, &admin, &id, "Web")
        .await
        .unwrap();
    templates::delete(&backend, &admin, &copy, "Copy of Web")
        .await
        .unwrap();
    buckets::delete(&backend, &admin, &bucket).await.unwrap();
    assert!(buckets::list(&backend, &admin).await.unwrap().is_empty());

    // Edits count the revision up; search and tags filter.
    let id = templates::create(&backend, &admin, &web_form("Web"))
        .await
        .unwrap();
    let mut edited = web_form("Web");
    edited.scripts.remove(1);
    templates::update(&backend, &admin, &id, &edited)
        .await
        .unwrap();
    let view = templates::get(&backend, &admin, &id).await.unwrap();
    assert_eq!((view.revision, view.content.scripts.len()), (2, 1));
    let query = |q: &str, tag: &str| TemplateQuery {
        q: q.into(),
        tag: tag.into(),
    };
    assert_eq!(
        templates::list(&backend, &admin, &query("NGINX site", ""))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        templates::list(&backend, &admin, &query("", "web"))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        templates::list(&backend, &admin, &query("postgres", ""))
            .await
            .unwrap()
            .is_empty()
    );
    let listing = templates::listing(&backend, &admin, &TemplateQuery::default())
        .await
        .unwrap();
    assert_eq!(listing.tags, ["nginx", "web"]);
    assert_eq!(listing.total, 1);
}

#[tokio::test]
async fn export_then_import_gives_the_same_template() {
    let backend = support::backend().await;
    let admin = support::admin(&backend).await;
    let bob = support::user(&backend, &admin, "bob").await;
    let bucket = buckets::create(&backend, &admin, "base", "").await.unwrap();
    buckets::import_list(&backend, &admin, &bucket, "apt", "curl\nhtop=3.2.2-2\n")
        .await
        .unwrap();
    buckets::import_list(&backend, &admin, &bucket, "npm", "@vue/cli@5\npm2\n")
        .await
        .unwrap();
    let mut form = web_form("Round trip (v2)");
    form.description = "It's \"quoted\" $HOME `x` \\n".into();
    form.buckets = vec![bucket.to_string()];
    let id = templates::create(&backend, &admin, &form).await.unwrap();
    let original = templates::get(&backend, &admin, &id).await.unwrap();
    let (name, bytes) = import::export(&backend, &admin, &id).await.unwrap();
    assert_eq!(name, "round-trip-v2.tar.gz");

    // Into another account: the same template, its bucket made there.
    let report = import::import_archive(&backend, &bob, &bytes, ArchiveLimits::default())
        .await
        .unwrap();
    assert_eq!(report.skipped, []);
    assert_eq!(report.describe(), "Imported 1 template");
    let copy = templates::get(&backend, &bob, &report.templates[0].id)
        .await
        .unwrap();
    let mut expected = original.content.clone();
    expected.buckets = copy.content.buckets.clone();
    assert_eq!(copy.content, expected);
    assert_eq!(copy.buckets[0].packages, original.buckets[0].packages);
    assert_eq!(copy.source, TemplateSource::Import);

    // Again into the same account: updated in place, the bucket gains nothing.
    let again = import::import_archive(&backend, &admin, &bytes, ArchiveLimits::default())
        .await
        .unwrap();
    assert_eq!(again.describe(), "Imported 1 template (1 updated)");
    assert_eq!(again.templates[0].id, id);
    assert_eq!(again.buckets, []);
    let after = templates::get(&backend, &admin, &id).await.unwrap();
    assert_eq!(after.content, original.content);
    assert_eq!(after.revision, 2);
}

/// A `.tar.gz` of `files` (path, content).
fn tar_gz(files: &[(&str, &str)]) -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut archive = tar::Builder::new(encoder);
    for (path, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        archive
            .append_data(&mut header, path, content.as_bytes())
            .unwrap();
    }
    archive.into_inner().unwrap().finish().unwrap()
}

const GOOD_CONF: &str = "TEMPLATE_APP=\"Web\"\nTEMPLATE_TAGS=\"web;nginx\"\nTEMPLATE_CPU=\"${TEMPLATE_CPU:-2}\"\nTEMPLATE_RAM=1024\nTEMPLATE_DISK=10\nTEMPLATE_OS=debian\nTEMPLATE_VERSION=12\nTEMPLATE_KEYCTL=1\nTEMPLATE_CONFIG_PATH=\"infra/x\"\n";

#[tokio::test]
async fn an_archive_imports_its_good_templates_and_reports_the_rest() {
    let backend = support::backend().await;
    let admin = support::admin(&backend).await;
    let archive = tar_gz(&[
        ("repo/README.md", "templates"),
        ("repo/web/template.conf", GOOD_CONF),
        (
            "repo/web/container-configs/scripts/10-site.sh",
            "echo site\n",
        ),
        (
            "repo/web/container-configs/scripts/02-install.sh",
            "#!/bin/bash\n# Install nginx\napt-get install -y nginx\n",
        ),
        ("repo/web/container-configs/scripts/notes.txt", "ignored"),
        (
            "repo/web/container-configs/packages/base.apt",
            "curl\n# comment\nnginx\n",
        ),
        ("repo/web/container-configs/packages/base.pip", "requests\n"),
        ("repo/web/container-configs/files/site.conf", "server {}\n"),
        (
            "repo/web/container-configs/files/site.conf.path",
            "/etc/nginx/conf.d\n",
        ),
        (
            "repo/web/container-configs/files/site.conf.policy",
            "default\n",
        ),
        (
            "repo/db/template.conf",
            "TEMPLATE_APP=Db\nTEMPLATE_OS=alpine\nTEMPLATE_VERSION=3.20\n",
        ),
        (
            "repo/db/container-configs/packages/base.apk",
            "postgresql16\n",
        ),
        ("repo/shell/template.conf", "source ../common.conf\n"),
        ("repo/policy/template.conf", "TEMPLATE_APP=Policy\n"),
        ("repo/policy/container-configs/files/a", "x"),
        ("repo/policy/container-configs/files/a.path", "/etc"),
        ("repo/policy/container-configs/files/a.policy", "merge"),
        ("repo/nopath/template.conf", "TEMPLATE_APP=NoPath\n"),
        ("repo/nopath/container-configs/files/a", "x"),
        ("repo/climb/template.conf", "TEMPLATE_APP=Climb\n"),
        ("repo/climb/container-configs/files/a", "x"),
        ("repo/climb/container-configs/files/a.path", "/etc/../root"),
        ("repo/evil/template.conf", "TEMPLATE_APP=Evil\n"),
        ("repo/evil/container-configs/scripts/01-a;b.sh", "echo\n"),
        ("repo/pkg/template.conf", "TEMPLATE_APP=Pkg\n"),
        (
            "repo/pkg/container-configs/packages/x.apt",
            "ok\n--force-yes\n",
        ),
        ("repo/zz-twin/template.conf", "TEMPLATE_APP=Web\n"),
    ]);
    let report = import::import_archive(&backend, &admin, &archive, ArchiveLimits::default())
        .await
        .unwrap();
    let names: Vec<&str> = report.templates.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Db", "Web"]);
    let why = |what: &str| {
        report
            .skipped
            .iter()
            .find(|s| s.what == what)
            .map(|s| s.why.clone())
            .unwrap_or_else(|| panic!("{what} not reported: {:?}", report.skipped))
    };
    assert!(why("repo/shell").contains("line 1: not an assignment"));
    assert!(
        why("repo/policy").contains("files/a")
            && why("repo/policy").contains("replace, default or backup")
    );
    assert!(why("repo/nopath").contains("a.path"));
    assert!(why("repo/climb").contains("target"));
    assert!(why("repo/evil").contains("scripts/01-a;b.sh"));
    assert!(why("repo/pkg").contains("x.apt line 2"));
    assert!(why("repo/zz-twin").contains("another folder"));
    assert!(why("repo/README.md").contains("not inside a template folder"));
    assert!(why("repo/web/container-configs/scripts/notes.txt").contains("not part"));

    let web = templates::get(&backend, &admin, &report.templates[1].id)
        .await
        .unwrap();
    let c = &web.content;
    assert_eq!(
        (c.cores, c.memory_mib, c.disk_gib, c.keyctl, c.nesting),
        (2, 1024, 10, true, true)
    );
    assert_eq!(c.os_hint.as_deref(), Some("debian-12"));
    assert_eq!(c.tags, ["web", "nginx"]);
    let scripts: Vec<(&str, &str)> = c
        .scripts
        .iter()
        .map(|s| (s.name.as_str(), s.description.as_str()))
        .collect();
    assert_eq!(scripts, [("install", "Install nginx"), ("site", "")]);
    assert_eq!(c.files[0].target_path(), "/etc/nginx/conf.d/site.conf");
    assert_eq!(web.buckets.len(), 1);
    assert_eq!(
        web.buckets[0].packages.len(),
        4,
        "apt, pip (web) and apk (db) lists merge into bucket base"
    );
    let db = templates::get(&backend, &admin, &report.templates[0].id)
        .await
        .unwrap();
    assert_eq!(
        db.content.buckets, web.content.buckets,
        "one bucket base, merged by name"
    );
    assert_eq!(
        buckets::list(&backend, &admin).await.unwrap()[0]
            .packages
            .len(),
        4
    );

    // Archive-level faults refuse everything.
    let before = templates::list(&backend, &admin, &TemplateQuery::default())
        .await
        .unwrap();
    for (bytes, words) in [
        (b"not an archive".to_vec(), "not a .tar.gz or .zip"),
        (tar_gz(&[("x/README", "no conf")]), "no template folder"),
    ] {
        let error = import::import_archive(&backend, &admin, &bytes, ArchiveLimits::default())
            .await
            .unwrap_err();
        assert!(error.to_string().contains(words), "{error}");
    }
    let small = ArchiveLimits {
        max_archive_bytes: 10,
        ..ArchiveLimits::default()
    };
    assert!(
        import::import_archive(&backend, &admin, &archive, small)
            .await
            .is_err()
    );
    let after = templates::list(&backend, &admin, &TemplateQuery::default())
        .await
        .unwrap();
    assert_eq!(before, after);
}

#[tokio::test]
async fn zip_archives_and_folders_import_too() {
    let backend = support::backend().await;
    let admin = support::admin(&backend).await;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("web/template.conf", options).unwrap();
    std::io::Write::write_all(&mut zip, GOOD_CONF.as_bytes()).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    let report = import::import_archive(&backend, &admin, &bytes, ArchiveLimits::default())
        .await
        .unwrap();
    assert_eq!(report.describe(), "Imported 1 template");

    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("db/container-configs/scripts");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(dir.path().join("db/template.conf"), "TEMPLATE_APP=Db\n").unwrap();
    std::fs::write(folder.join("01-init.sh"), "echo init\n").unwrap();
    let report = import::import_dir(&backend, &admin, dir.path())
        .await
        .unwrap();
    assert_eq!(report.templates[0].name, "Db");
    std::os::unix::fs::symlink("/etc/passwd", folder.join("02-link.sh")).unwrap();
    let error = import::import_dir(&backend, &admin, dir.path())
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("links are not followed"),
        "{error}"
    );
}

#[tokio::test]
async fn the_form_is_kept_in_a_draft_until_it_saves() {
    use backend::templates::drafts;
    use model::template::FormEdit;
    let backend = support::backend().await;
    let admin = support::admin(&backend).await;
    let bob = support::user(&backend, &admin, "bob").await;

    // A new template: an added script slot and a refused save keep what was typed.
    let mut form = web_form("");
    FormEdit::AddScript.apply(&mut form);
    let draft = drafts::keep(&backend, &admin, None, None, &form)
        .await
        .unwrap();
    assert_eq!(
        drafts::get(&backend, &admin, &draft).await.unwrap().form,
        form
    );
    assert!(matches!(
        drafts::get(&backend, &bob, &draft).await,
        Err(ServiceError::NotFound)
    ));
    let refused = drafts::submit(&backend, &admin, &draft).await.unwrap_err();
    assert!(matches!(refused, ServiceError::Validation(e) if e.field == "name"));
    form.name = "Drafted".into();
    drafts::keep(&backend, &admin, Some(&draft), None, &form)
        .await
        .unwrap();
    let id = drafts::submit(&backend, &admin, &draft).await.unwrap();
    assert_eq!(
        templates::get(&backend, &admin, &id)
            .await
            .unwrap()
            .content
            .name,
        "Drafted"
    );
    assert!(
        drafts::get(&backend, &admin, &draft).await.is_err(),
        "the draft is gone"
    );

    // Editing: the draft names the template; another user's template cannot be drafted.
    form.description = "edited".into();
    assert!(matches!(
        drafts::keep(&backend, &bob, None, Some(&id), &form).await,
        Err(ServiceError::NotFound)
    ));
    let draft = drafts::keep(&backend, &admin, None, Some(&id), &form)
        .await
        .unwrap();
    assert_eq!(drafts::submit(&backend, &admin, &draft).await.unwrap(), id);
    let view = templates::get(&backend, &admin, &id).await.unwrap();
    assert_eq!(
        (view.content.description.as_str(), view.revision),
        ("edited", 2)
    );
}
