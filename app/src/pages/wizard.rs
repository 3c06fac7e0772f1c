//! `/containers/new` and `/containers/new/{draft}/{step}`: the creation wizard. Every
//! step is a server-rendered form saved into the draft (id in the URL) and works as a
//! plain form post; hydrated, it checks the VMID and hostname as they are typed and loads
//! the chosen node's templates, storages and bridges at once.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use model::provision::{ContainerForm, NodeChoices, ScriptForm, Step};

use crate::api::jobs::{
    CreateFromDraft, SaveWizardStep, StartWizard, check_vmid, fetch_node_choices, get_draft,
};
use crate::api::nodes::list_nodes;
use crate::components::{FieldError, FormError, LiveFieldErrors, action_error, live_marker};
use crate::error::AppError;

/// Step 1: how to start.
#[component]
pub fn WizardStartPage() -> impl IntoView {
    let start = ServerAction::<StartWizard>::new();
    let error = Signal::derive(move || action_error(start.value().get()));
    let nodes = Resource::new(|| (), |_| list_nodes());
    view! {
        <Title text="New container" />
        <div class="page-head"><h1>"New container"</h1></div>
        <Stepper current=Step::Template draft=None />
        <FormError error />
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match nodes.await {
                    Ok(nodes) if nodes.is_empty() => view! {
                        <section class="card empty-state">
                            <h2>"Add a node first"</h2>
                            <p>"Containers are created on one of your Proxmox nodes."</p>
                            <a class="button" href="/settings/nodes/new">"Add a node"</a>
                        </section>
                    }.into_any(),
                    Ok(_) => view! {
                        <section class="card narrow">
                            <h2>"Start from scratch"</h2>
                            <p class="muted">"Choose the node, the OS template and the resources yourself."</p>
                            <form method="post" action="/api/wizard/start">
                                <button type="submit" class="primary">"Start from scratch"</button>
                            </form>
                        </section>
                    }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The wizard's step indicator; finished steps link back (when there is a draft).
#[component]
fn Stepper(current: Step, draft: Option<String>) -> impl IntoView {
    let at = Step::ALL
        .iter()
        .position(|(s, ..)| *s == current)
        .unwrap_or(0);
    let items = Step::ALL
        .iter()
        .enumerate()
        .map(|(index, (step, word, title))| {
            let class = if index < at {
                "done"
            } else if index == at {
                "current"
            } else {
                ""
            };
            let link = draft
                .clone()
                .filter(|_| index < at && *step != Step::Template)
                .map(|d| format!("/containers/new/{d}/{word}"));
            let label = format!("{}. {title}", index + 1);
            view! {
                <li class=class aria-current=(index == at).then_some("step")>
                    {match link {
                        Some(href) => view! { <a href=href>{label}</a> }.into_any(),
                        None => view! { <span>{label}</span> }.into_any(),
                    }}
                </li>
            }
        })
        .collect_view();
    view! { <ol class="stepper" data-testid="wizard-steps">{items}</ol> }
}

/// One step of a draft.
#[component]
pub fn WizardPage() -> impl IntoView {
    let params = use_params_map();
    let draft_id = move || params.read().get("draft").unwrap_or_default();
    let step = move || params.read().get("step").and_then(|s| Step::parse(&s));
    let save = ServerAction::<SaveWizardStep>::new();
    let create = ServerAction::<CreateFromDraft>::new();
    let draft = Resource::new(
        move || (draft_id(), save.version().get()),
        |(id, _)| get_draft(id),
    );
    let error = Signal::derive(move || {
        action_error(save.value().get()).or_else(|| action_error(create.value().get()))
    });
    view! {
        <Title text="New container" />
        <div class="page-head">
            <h1>"New container"</h1>
            <a href="/">"Cancel"</a>
        </div>
        {move || step().map(|current| view! { <Stepper current draft=Some(draft_id()) /> })}
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let form = draft.await;
                match (form, step()) {
                    (Ok(form), Some(step)) if step != Step::Template => {
                        let id = draft_id();
                        match step {
                            Step::Review => view! { <Review id form error /> }.into_any(),
                            _ => view! { <StepForm id step form error /> }.into_any(),
                        }
                    }
                    (Err(AppError::NotFound), _) | (_, None) | (Ok(_), Some(_)) => view! {
                        <section class="card empty-state">
                            <h2>"No such draft"</h2>
                            <p>"Drafts are kept for a day after their last change."</p>
                            <a class="button" href="/containers/new">"Start again"</a>
                        </section>
                    }.into_any(),
                    (Err(error), _) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The form of Configure, Packages or Scripts, with Back and Next.
#[component]
fn StepForm(
    id: String,
    step: Step,
    form: ContainerForm,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    // Hydrated, the form checks itself as the user types, with the model's code; each
    // field's error shows under it once the field has been touched.
    let live_errors = LiveFieldErrors(RwSignal::new(Vec::new()));
    provide_context(live_errors);
    let touched = RwSignal::new(std::collections::HashSet::<String>::new());
    let check = move |ev: leptos::ev::Event| check_as_typed(&ev, step, touched, live_errors.0);
    let fields = match step {
        Step::Configure => view! { <Configure form error /> }.into_any(),
        Step::Packages => view! { <Packages form error /> }.into_any(),
        _ => view! { <Scripts form error /> }.into_any(),
    };
    // Plain forms: each step is a full page (rendered by the server, then hydrated),
    // with or without JavaScript. `data-live` says the live checks are running.
    let live = live_marker();
    view! {
        <form
            method="post"
            action="/api/wizard/save"
            class="card wizard stack"
            data-testid="wizard-form"
            data-live=live
            on:input=check
            on:change=check
        >
            <input type="hidden" name="draft" value=id />
            <input type="hidden" name="step" value=step.word() />
            <FormError error />
            {fields}
            <div class="row actions">
                {(step != Step::Configure).then(|| view! {
                    <button type="submit" name="go" value="back" class="secondary">"Back"</button>
                })}
                <button type="submit" name="go" value="next" class="primary">"Next"</button>
            </div>
        </form>
    }
}

fn selected(current: &str, value: &str) -> bool {
    current == value
}

/// `<option>`s whose value is also their label (storage and bridge names), `current`
/// selected.
fn same_name_options(names: &[String], current: &str) -> impl IntoView {
    names
        .iter()
        .map(|name| {
            view! { <option value=name.clone() selected=selected(current, name)>{name.clone()}</option> }
        })
        .collect_view()
}

/// Node, template, resources, network, features, tags, keys.
#[component]
fn Configure(form: ContainerForm, error: Signal<Option<AppError>>) -> impl IntoView {
    let node = RwSignal::new(form.node_id.clone());
    let vmid = RwSignal::new(form.vmid.clone());
    let nodes = Resource::new(|| (), |_| list_nodes());
    let choices = Resource::new(
        move || node.get(),
        |node| async move {
            if node.is_empty() {
                Ok(NodeChoices::default())
            } else {
                fetch_node_choices(node).await
            }
        },
    );
    // Live checks (the server checks everything again on Next).
    let vmid_state = Resource::new(
        move || (node.get(), vmid.get()),
        |(node, vmid)| async move {
            if node.is_empty() || vmid.trim().is_empty() {
                return None;
            }
            Some(check_vmid(node, vmid).await)
        },
    );
    let f = form.clone();
    let node_select = move || {
        let current = f.node_id.clone();
        Suspend::new(async move {
            let list = nodes.await.unwrap_or_default();
            view! {
                <select name="form[node_id]" on:change=move |ev| node.set(event_target_value(&ev))>
                    {list.into_iter().map(|n| {
                        let is = selected(&current, &n.id);
                        view! { <option value=n.id.clone() selected=is>{n.name.clone()}</option> }
                    }).collect_view()}
                </select>
            }
        })
    };
    let f = form.clone();
    let node_dependent = move || {
        let (template, storage, bridge) = (
            f.ostemplate.clone(),
            f.rootfs_storage.clone(),
            f.bridge.clone(),
        );
        Suspend::new(async move {
            match choices.await {
                Ok(choices) => view! {
                    <label>
                        "OS template"
                        <select name="form[ostemplate]" required>
                            <option value="">"Choose…"</option>
                            {choices.templates.iter().map(|t| {
                                let label = t.rsplit('/').next().unwrap_or(t).to_owned();
                                view! { <option value=t.clone() selected=selected(&template, t)>{label}</option> }
                            }).collect_view()}
                        </select>
                        <FieldError error field="ostemplate" />
                    </label>
                    <div class="row">
                        <label>
                            "Root disk storage"
                            <select name="form[rootfs_storage]" required>
                                {same_name_options(&choices.storages, &storage)}
                            </select>
                            <FieldError error field="rootfs_storage" />
                        </label>
                        <label>
                            "Bridge"
                            <select name="form[bridge]" required>
                                {same_name_options(&choices.bridges, &bridge)}
                            </select>
                            <FieldError error field="bridge" />
                        </label>
                    </div>
                }.into_any(),
                Err(error) => view! {
                    <p class="error" role="alert">{format!("Cannot read this node's templates and storages: {error}")}</p>
                }.into_any(),
            }
        })
    };
    let checkbox = |name: &'static str, label: &'static str, value: &str| {
        let ticked = value == "on";
        view! {
            <label class="check">
                <input type="checkbox" name=format!("form[{name}]") value="on" checked=ticked />
                {label}
            </label>
        }
    };
    view! {
        <h2>"Configure"</h2>
        <div class="row">
            <label>
                "Node"
                <Suspense fallback=|| view! { <span class="muted">"…"</span> }>{node_select}</Suspense>
                <FieldError error field="node_id" />
            </label>
            <button type="submit" name="go" value="stay" class="secondary" formnovalidate=true>
                "Load this node's choices"
            </button>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Reading the node…"</p> }>{node_dependent}</Suspense>
        <div class="row">
            <label>
                "Hostname"
                <input name="form[hostname]" required value=form.hostname.clone() />
                <FieldError error field="hostname" />
            </label>
            <label>
                "VMID"
                <input name="form[vmid]" inputmode="numeric" required value=form.vmid.clone()
                    on:input=move |ev| vmid.set(event_target_value(&ev)) />
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match vmid_state.await {
                            Some(Ok(true)) => view! { <span class="ok-text" data-testid="vmid-state">"free"</span> }.into_any(),
                            Some(Ok(false)) => view! { <span class="field-error" data-testid="vmid-state">"taken"</span> }.into_any(),
                            Some(Err(error)) => view! { <span class="field-error" data-testid="vmid-state">{error.to_string()}</span> }.into_any(),
                            None => ().into_any(),
                        }
                    })}
                </Transition>
                <FieldError error field="vmid" />
            </label>
        </div>
        <div class="row">
            <label>"Cores" <input name="form[cores]" inputmode="numeric" value=form.cores.clone() /> <FieldError error field="cores" /></label>
            <label>"Memory (MiB)" <input name="form[memory]" inputmode="numeric" value=form.memory.clone() /> <FieldError error field="memory" /></label>
            <label>"Swap (MiB)" <input name="form[swap]" inputmode="numeric" value=form.swap.clone() /> <FieldError error field="swap" /></label>
            <label>"Root disk (GiB)" <input name="form[rootfs_size]" inputmode="numeric" value=form.rootfs_size.clone() /> <FieldError error field="rootfs_size" /></label>
        </div>
        <fieldset>
            <legend>"IPv4"</legend>
            <label class="check"><input type="radio" name="form[ipv4_mode]" value="dhcp" checked=form.ipv4_mode != "static" />"DHCP"</label>
            <label class="check"><input type="radio" name="form[ipv4_mode]" value="static" checked=form.ipv4_mode == "static" />"Static"</label>
            <div class="row">
                <label>"Address/prefix" <input name="form[ipv4]" placeholder="192.0.2.10/24" value=form.ipv4.clone() /> <FieldError error field="ipv4" /></label>
                <label>"Gateway" <input name="form[gateway4]" placeholder="192.0.2.1" value=form.gateway4.clone() /> <FieldError error field="gateway4" /></label>
            </div>
        </fieldset>
        <fieldset>
            <legend>"IPv6"</legend>
            <select name="form[ipv6_mode]" aria-label="IPv6 mode">
                {[("none", "None"), ("auto", "SLAAC"), ("dhcp", "DHCPv6"), ("static", "Static")].into_iter().map(|(v, l)| view! {
                    <option value=v selected=form.ipv6_mode == v>{l}</option>
                }).collect_view()}
            </select>
            <div class="row">
                <label>"Address/prefix" <input name="form[ipv6]" placeholder="2001:db8::10/64" value=form.ipv6.clone() /> <FieldError error field="ipv6" /></label>
                <label>"Gateway" <input name="form[gateway6]" value=form.gateway6.clone() /> <FieldError error field="gateway6" /></label>
            </div>
        </fieldset>
        <div class="row">
            <label>"DNS servers" <input name="form[nameservers]" placeholder="blank: the node's" value=form.nameservers.clone() /> <FieldError error field="nameservers" /></label>
            <label>"Search domain" <input name="form[searchdomain]" value=form.searchdomain.clone() /> <FieldError error field="searchdomain" /></label>
        </div>
        <div class="row checks">
            {checkbox("unprivileged", "Unprivileged", &form.unprivileged)}
            {checkbox("nesting", "Nesting", &form.nesting)}
            {checkbox("keyctl", "keyctl", &form.keyctl)}
            {checkbox("fuse", "FUSE", &form.fuse)}
        </div>
        <label>"Tags" <input name="form[tags]" placeholder="web, prod" value=form.tags.clone() /> <FieldError error field="tags" /></label>
        <label>
            "SSH public keys for root (one per line)"
            <textarea name="form[ssh_keys]" rows="3" placeholder="ssh-ed25519 AAAA… you@laptop">{form.ssh_keys.clone()}</textarea>
            <FieldError error field="ssh_keys" />
        </label>
        <p class="muted">"No root password to type: Corral generates one and shows it once when the container is ready."</p>
    }
}

#[component]
fn Packages(form: ContainerForm, error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <h2>"Packages"</h2>
        <p class="muted">"Installed with the container's own package manager (apt, apk or dnf), one name per line."</p>
        <label>
            "Extra packages"
            <textarea name="form[packages]" rows="8" placeholder="nginx\ncurl">{form.packages.clone()}</textarea>
            <FieldError error field="packages" />
        </label>
    }
}

#[component]
fn Scripts(form: ContainerForm, error: Signal<Option<AppError>>) -> impl IntoView {
    // The saved scripts plus one empty slot for the next.
    let mut slots = form.scripts.clone();
    slots.push(ScriptForm::default());
    let items = slots
        .into_iter()
        .enumerate()
        .map(|(index, script)| {
            let name_field = format!("scripts[{index}][name]");
            let content_field = format!("scripts[{index}][content]");
            view! {
                <fieldset class="script" data-testid="script-slot">
                    <legend>{format!("Script {}", index + 1)}</legend>
                    <label>
                        "Name"
                        <input name=format!("form[scripts][{index}][name]") value=script.name.clone() />
                        <FieldError error field=name_field />
                    </label>
                    <label>
                        "Shell script (runs as root with sh, in order)"
                        <textarea class="mono" name=format!("form[scripts][{index}][content]") rows="6">{script.content.clone()}</textarea>
                        <FieldError error field=content_field />
                    </label>
                </fieldset>
            }
        })
        .collect_view();
    view! {
        <h2>"Scripts"</h2>
        <p class="muted">"Optional. Each runs after the packages are installed; a script that fails stops the job. Leave name and script empty to remove one."</p>
        {items}
        <button type="submit" name="go" value="stay" class="secondary">"Save and add another script"</button>
    }
}

/// Everything that will be sent, then Create.
#[component]
fn Review(id: String, form: ContainerForm, error: Signal<Option<AppError>>) -> impl IntoView {
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
                ("Packages", listed(&spec.packages)),
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
                <input type="hidden" name="draft" value=id.clone() />
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
    let nodes = Resource::new(|| (), |_| list_nodes());
    view! {
        <Suspense fallback=|| "…">
            {move || {
                let id = id.clone();
                Suspend::new(async move {
                    nodes
                        .await
                        .unwrap_or_default()
                        .into_iter()
                        .find(|n| n.id == id)
                        .map_or_else(|| "(no such node)".to_owned(), |n| n.name)
                })
            }}
        </Suspense>
    }
}

/// Browser only: reads the whole form, checks the step with the model's code and keeps
/// the errors of the fields touched so far.
fn check_as_typed(
    event: &leptos::ev::Event,
    step: Step,
    touched: RwSignal<std::collections::HashSet<String>>,
    errors: RwSignal<Vec<model::FieldError>>,
) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;

        /// The model's name of a form input: `form[hostname]` → `hostname`,
        /// `form[scripts][0][name]` → `scripts[0][name]`.
        fn field_of(input_name: &str) -> Option<String> {
            let rest = input_name.strip_prefix("form[")?;
            let (head, tail) = rest.split_once(']')?;
            Some(format!("{head}{tail}"))
        }

        let name = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.get_attribute("name"));
        if let Some(field) = name.as_deref().and_then(field_of) {
            touched.update(|seen| {
                seen.insert(field);
            });
        }
        let Some(form) = event
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
        else {
            return;
        };
        let Ok(data) = web_sys::FormData::new_with_form(&form) else {
            return;
        };
        let mut fields = serde_json::Map::new();
        let mut scripts: Vec<serde_json::Map<String, serde_json::Value>> = Vec::new();
        if let Ok(Some(entries)) = js_sys::try_iter(&data.entries()) {
            for entry in entries.flatten() {
                let pair = js_sys::Array::from(&entry);
                let (Some(key), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string())
                else {
                    continue;
                };
                let Some(field) = field_of(&key) else {
                    continue;
                };
                if let Some(rest) = field.strip_prefix("scripts[") {
                    let Some((index, part)) = rest.split_once("][") else {
                        continue;
                    };
                    let (Ok(index), Some(part)) = (index.parse::<usize>(), part.strip_suffix(']'))
                    else {
                        continue;
                    };
                    if scripts.len() <= index {
                        scripts.resize(index + 1, serde_json::Map::new());
                    }
                    scripts[index].insert(part.to_owned(), value.into());
                } else {
                    fields.insert(field, value.into());
                }
            }
        }
        if !scripts.is_empty() {
            fields.insert(
                "scripts".into(),
                scripts.into_iter().map(serde_json::Value::Object).collect(),
            );
        }
        let typed: ContainerForm =
            serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or_default();
        let seen = touched.get_untracked();
        errors.set(
            typed
                .errors(step)
                .into_iter()
                .filter(|e| seen.contains(&e.field))
                .collect(),
        );
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (event, step, touched, errors);
}
