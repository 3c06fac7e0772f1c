//! `/settings/nodes/new`: probe the address, confirm both fingerprints, enter the
//! credentials; Corral tests everything before saving. Works without JavaScript: the
//! probe is a GET form, its findings travel in the URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::node::{ProbeReport, SshAuthKind};

use crate::api::nodes::{CreateNode, probe_node};
use crate::components::{Field, FormError, TestAndSaveButton, TrustCheckbox, action_error};
use crate::error::AppError;

/// The add flow: step 1 (address) and, once probed, step 2 (trust and credentials).
#[component]
pub fn AddNodePage() -> impl IntoView {
    let query = use_query_map();
    let field = move |name: &'static str| move || query.read().get(name).unwrap_or_default();
    let address = move || {
        let q = query.read();
        q.get("host").filter(|h| !h.trim().is_empty()).map(|host| {
            (
                host,
                q.get("port").unwrap_or_default(),
                q.get("ssh_port").unwrap_or_default(),
            )
        })
    };
    let probe = crate::resource::new(address, |address| async move {
        match address {
            Some((host, port, ssh_port)) => probe_node(host, port, ssh_port).await.map(Some),
            None => Ok(None),
        }
    });
    view! {
        <Title text="Add a node" />
        <div class="page-head">
            <h1>"Add a node"</h1>
            <a href="/settings/nodes">"Back to nodes"</a>
        </div>
        <section class="card narrow">
            <h2>"1. Where is it?"</h2>
            <form method="get" action="/settings/nodes/new" class="stack">
                <label>
                    "Host name or IP address"
                    <input name="host" required value=field("host") placeholder="pve1.lan" />
                </label>
                <div class="row">
                    <label>
                        "API port"
                        <input name="port" inputmode="numeric" value=field("port") placeholder="8006" />
                    </label>
                    <label>
                        "SSH port"
                        <input name="ssh_port" inputmode="numeric" value=field("ssh_port") placeholder="22" />
                    </label>
                </div>
                <button type="submit">"Probe"</button>
            </form>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Probing…"</p> }>
            {move || Suspend::new(async move {
                match probe.await {
                    Ok(Some(report)) => view! { <ProbeResult report /> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProbeResult(report: ProbeReport) -> impl IntoView {
    let complete = report.complete();
    let tls_fingerprint = report
        .tls
        .as_ref()
        .map(|c| c.fingerprint.clone())
        .unwrap_or_default();
    let ssh_host_key = report.ssh_host_key.clone().unwrap_or_default();
    let tls = match report.tls.clone() {
        Ok(cert) => view! {
            <dl class="facts">
                <dt>"SHA-256 fingerprint"</dt>
                <dd class="mono fingerprint" data-testid="tls-fingerprint">{cert.fingerprint}</dd>
                <dt>"Subject"</dt><dd class="mono">{cert.subject}</dd>
                <dt>"Issuer"</dt><dd class="mono">{cert.issuer}</dd>
                <dt>"Valid"</dt><dd class="mono">{format!("{} → {}", cert.not_before, cert.not_after)}</dd>
            </dl>
        }
        .into_any(),
        Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
    };
    let ssh = match report.ssh_host_key.clone() {
        Ok(key) => {
            view! { <p class="mono fingerprint" data-testid="ssh-fingerprint">{key}</p> }.into_any()
        }
        Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
    };
    view! {
        <section class="card narrow">
            <h2>"2. Is this your node?"</h2>
            <p class="muted">
                "Compare with the node itself: " <code>"pvenode cert info"</code> " shows the certificate fingerprint, "
                <code>"ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub"</code> " the host key. "
                "Corral pins both and refuses the node if either ever changes."
            </p>
            <h3>"TLS certificate of " <span class="mono">{format!("{}:{}", report.host, report.port)}</span></h3>
            {tls}
            <h3>"SSH host key of " <span class="mono">{format!("{}:{}", report.host, report.ssh_port)}</span></h3>
            {ssh}
        </section>
        {complete.then(|| view! {
            <CredentialsForm
                host=report.host.clone()
                port=report.port
                ssh_port=report.ssh_port
                tls_fingerprint
                ssh_host_key
            />
        })}
    }
}

#[component]
fn CredentialsForm(
    host: String,
    port: u16,
    ssh_port: u16,
    tls_fingerprint: String,
    ssh_host_key: String,
) -> impl IntoView {
    let create = ServerAction::<CreateNode>::new();
    let error: Signal<Option<AppError>> =
        Signal::derive(move || action_error(create.value().get()));
    let pending = create.pending();
    view! {
        <section class="card narrow">
            <h2>"3. Credentials"</h2>
            <ActionForm action=create attr:class="stack" attr:data-testid="node-form">
                <FormError error />
                <input type="hidden" name="form[host]" value=host.clone() />
                <input type="hidden" name="form[port]" value=port.to_string() />
                <input type="hidden" name="form[ssh_port]" value=ssh_port.to_string() />
                <input type="hidden" name="form[tls_fingerprint]" value=tls_fingerprint />
                <input type="hidden" name="form[ssh_host_key]" value=ssh_host_key />
                <TrustCheckbox
                    name="form[confirm]"
                    label="I compared both fingerprints with the node and trust them"
                    error
                />
                <Field label="Display name" field="name" error>
                    <input name="form[name]" required maxlength="64" value=host />
                </Field>
                <Field label="Proxmox node name" hint="blank: discovered" field="pve_node" error>
                    <input name="form[pve_node]" maxlength="64" />
                </Field>
                <Field label="API token id" field="token_id" error>
                    <input name="form[token_id]" required placeholder="root@pam!corral" autocomplete="off" />
                </Field>
                <Field label="API token secret" field="token_secret" error>
                    <input name="form[token_secret]" type="password" required autocomplete="off" />
                </Field>
                <Field label="Resource pool" hint="optional" field="pool" error>
                    <input name="form[pool]" maxlength="64" />
                </Field>
                <SshFields error editing=false ssh_user="root".into() ssh_auth=SshAuthKind::Password />
                <TestAndSaveButton pending />
            </ActionForm>
        </section>
    }
}

/// SSH user, login kind and the secret for it; shared by the add and edit forms.
#[component]
pub fn SshFields(
    error: Signal<Option<AppError>>,
    editing: bool,
    ssh_user: String,
    ssh_auth: SshAuthKind,
) -> impl IntoView {
    let is_key = ssh_auth == SshAuthKind::Key;
    let kept = move |stored: bool| {
        if editing && stored {
            "stored — leave empty to keep"
        } else {
            ""
        }
    };
    view! {
        <fieldset>
            <legend>"SSH (for pct exec and pct push)"</legend>
            <Field label="SSH user" field="ssh_user" error>
                <input name="form[ssh_user]" value=ssh_user maxlength="64" />
            </Field>
            <div class="row">
                <label class="check">
                    <input type="radio" name="form[ssh_auth]" value="password" checked=!is_key />
                    "Password"
                </label>
                <label class="check">
                    <input type="radio" name="form[ssh_auth]" value="key" checked=is_key />
                    "Private key"
                </label>
            </div>
            <Field label="SSH password" field="ssh_password" error>
                <input name="form[ssh_password]" type="password" autocomplete="off" placeholder=kept(!is_key) />
            </Field>
            <Field label="SSH private key (OpenSSH format)" field="ssh_private_key" error>
                <textarea name="form[ssh_private_key]" rows="3" placeholder=kept(is_key)></textarea>
            </Field>
        </fieldset>
    }
}
