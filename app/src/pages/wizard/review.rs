//! The Review step: everything that will be sent, then Create (which queues the job and
//! opens its progress page).

use leptos::prelude::*;
use model::ids::DraftId;
use model::provision::{ContainerForm, Step};

use crate::api::nodes::list_nodes;
use crate::components::FormError;
use crate::error::AppError;

/// Everything that will be sent, then Create.
#[component]
pub(super) fn Review(
    id: DraftId,
    form: ContainerForm,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let check = form.validate();
    let problem = check.as_ref().err().cloned();
    let back = format!("/containers/new/{id}/scripts");
    let rows = match &check {
        Ok(spec) => {
            let network = match spec.ipv4 {
                model::provision::Ipv4Config::Dhcp => "IPv4 by DHCP".to_owned(),
                model::provision::Ipv4Config::Static {
                    address,
                    prefix,
                    gateway,
                } => format!(
                    "{address}/{prefix}{}",
                    gateway.map(|g| format!(" via {g}")).unwrap_or_default()
                ),
            };
            let listed = |items: &[String]| {
                if items.is_empty() {
                    "—".to_owned()
                } else {
                    items.join(", ")
                }
            };
            let facts = vec![
                ("OS template", spec.ostemplate.clone()),
                ("Hostname", spec.hostname.clone()),
                ("VMID", spec.vmid.to_string()),
                ("Cores", spec.cores.to_string()),
                (
                    "Memory",
                    format!("{} MiB (swap {} MiB)", spec.memory_mib, spec.swap_mib),
                ),
                (
                    "Root disk",
                    format!("{}:{} GiB", spec.rootfs_storage, spec.rootfs_gib),
                ),
                (
                    "Network",
                    format!("eth0 on {}, {network}, IPv6 {:?}", spec.bridge, spec.ipv6),
                ),
                (
                    "DNS",
                    format!(
                        "{} {}",
                        listed(&spec.nameservers),
                        spec.searchdomain.clone().unwrap_or_default()
                    ),
                ),
                (
                    "Features",
                    format!(
                        "{}{}{}{}",
                        if spec.unprivileged {
                            "unprivileged "
                        } else {
                            "privileged "
                        },
                        if spec.nesting { "nesting " } else { "" },
                        if spec.keyctl { "keyctl " } else { "" },
                        if spec.fuse { "fuse" } else { "" }
                    ),
                ),
                ("Tags", listed(&spec.tags)),
                ("SSH keys", format!("{}", spec.ssh_keys.len())),
                (
                    "Template",
                    spec.template.as_ref().map_or_else(
                        || "none (from scratch)".to_owned(),
                        |t| format!("{} (revision {})", t.name, t.revision),
                    ),
                ),
                ("Packages", listed(&spec.packages)),
                (
                    "Template packages",
                    listed(
                        &spec
                            .template_packages
                            .iter()
                            .map(|p| format!("{} {}", p.manager, p.spec()))
                            .collect::<Vec<_>>(),
                    ),
                ),
                (
                    "Files",
                    listed(
                        &spec
                            .files
                            .iter()
                            .map(|f| format!("{} ({})", f.target_path(), f.policy.as_str()))
                            .collect::<Vec<_>>(),
                    ),
                ),
                (
                    "Scripts",
                    listed(
                        &spec
                            .scripts
                            .iter()
                            .map(|s| s.name.clone())
                            .collect::<Vec<_>>(),
                    ),
                ),
            ];
            facts
                .into_iter()
                .map(|(k, v)| view! { <dt>{k}</dt><dd class="mono">{v}</dd> })
                .collect_view()
                .into_any()
        }
        Err(_) => ().into_any(),
    };
    view! {
        <section class="card wizard">
            <h2>"Review"</h2>
            {problem.map(|e| {
                let step = Step::of_field(&e.field);
                let href = format!("/containers/new/{id}/{}", step.word());
                view! {
                    <p class="error" role="alert">
                        {format!("{}: {}. ", e.field, e.message)}
                        <a href=href>{format!("Fix it in {}", step.word())}</a>
                    </p>
                }
            })}
            <dl class="facts" data-testid="review">
                <dt>"Node"</dt><dd><NodeName id=form.node_id.clone() /></dd>
                {rows}
            </dl>
            <form method="post" action="/api/wizard/create" class="stack">
                <input type="hidden" name="draft" value=id.to_string() />
                <FormError error />
                <label class="check">
                    <input type="checkbox" name="keep_on_failure" value="on" checked=form.keep_on_failure == "on" />
                    "Keep the container if provisioning fails (for debugging)"
                </label>
                <div class="row actions">
                    <a class="button secondary" href=back>"Back"</a>
                    <button type="submit" class="primary">"Create container"</button>
                </div>
            </form>
        </section>
    }
}

/// A node's display name, looked up among the caller's nodes.
#[component]
fn NodeName(id: String) -> impl IntoView {
    let nodes = crate::resource::new(|| (), |_| list_nodes());
    view! {
        <Suspense fallback=|| "…">
            {move || {
                let id = id.clone();
                Suspend::new(async move {
                    nodes
                        .await
                        .unwrap_or_default()
                        .into_iter()
                        .find(|n| n.id.as_str() == id)
                        .map_or_else(|| "(no such node)".to_owned(), |n| n.name)
                })
            }}
        </Suspense>
    }
}
