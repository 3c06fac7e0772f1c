//! A container's Resources section (on its page): cores, CPU limit, memory, swap, start
//! at boot and its order, tags and notes in one form checked with the model's bounds as
//! typed (and again on the server), the changes Proxmox keeps for the next start, and
//! growing the root disk with the new size stated before it is confirmed. Plain forms:
//! everything works without JavaScript.

use leptos::prelude::*;
use model::container::ContainerDetail;
use model::resources::{ResourcesForm, grow_to};

use crate::api::containers::{EditContainer, GrowDisk};
use crate::components::live_form::{LiveFieldErrors, check_typed};
use crate::components::{Field, FormError, action_error};

/// The Resources section; the page owns the actions (its data reloads after each).
#[component]
pub fn ResourcesSection(
    detail: ContainerDetail,
    edit: ServerAction<EditContainer>,
    grow: ServerAction<GrowDisk>,
) -> impl IntoView {
    let error = Signal::derive(move || {
        action_error(edit.value().get()).or_else(|| action_error(grow.value().get()))
    });
    let live_errors = RwSignal::new(Vec::<model::FieldError>::new());
    provide_context(LiveFieldErrors(live_errors));
    let touched = RwSignal::new(std::collections::HashSet::<String>::new());
    let check = move |ev: leptos::ev::Event| {
        check_typed(&ev, touched, live_errors, |form: &ResourcesForm| {
            form.errors()
        });
    };
    let form = ResourcesForm::from_current(&detail.resources());
    let running = detail.status.is_running();
    let current_gib = detail.rootfs_gib().unwrap_or(0);
    let typed_size = RwSignal::new(String::new());
    let grow_label = move || match grow_to(current_gib, &typed_size.get()) {
        Ok(wanted) => format!(
            " Grow the root disk from {current_gib} GiB to {wanted} GiB (it cannot shrink again)"
        ),
        Err(_) => format!(
            " Grow the root disk from {current_gib} GiB to the size above (it cannot shrink again)"
        ),
    };
    let pending = (!detail.pending.is_empty()).then(|| {
        let rows = detail
            .pending
            .iter()
            .map(|change| {
                view! {
                    <tr>
                        <td class="mono">{change.key.clone()}</td>
                        <td class="mono">{change.now.clone().unwrap_or_else(|| "—".into())}</td>
                        <td class="mono">{change.then.clone().unwrap_or_else(|| "(removed)".into())}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="notice" data-testid="pending">
                <b>"Waiting for the next start: "</b>
                "Proxmox keeps these changes until the container starts again."
                <table class="grid"><thead><tr><th>"Key"</th><th>"Now"</th><th>"After a restart"</th></tr></thead><tbody>{rows}</tbody></table>
            </div>
        }
    });
    let node_text = detail.node_id.to_string();
    let vmid_text = detail.vmid.to_string();
    let (node_grow, vmid_grow) = (node_text.clone(), vmid_text.clone());
    view! {
        <section class="card" id="resources" data-testid="resources">
            <h2>"Resources and options"</h2>
            <FormError error />
            {pending}
            <ActionForm action=edit attr:class="stack" on:input=check on:change=check>
                <input type="hidden" name="node_id" value=node_text.clone() />
                <input type="hidden" name="vmid" value=vmid_text.clone() />
                <input type="hidden" name="digest" value=detail.digest.clone() />
                <div class="row">
                    <Field label="Cores" field="cores" error>
                        <input name="form[cores]" type="number" min="1" max="128" value=form.cores.clone() />
                    </Field>
                    <Field label="CPU limit (cores, empty: none)" field="cpulimit" error>
                        <input name="form[cpulimit]" inputmode="decimal" value=form.cpulimit.clone() placeholder="unlimited" />
                    </Field>
                    <Field label="Memory (MiB)" field="memory" error>
                        <input name="form[memory]" type="number" min="16" value=form.memory.clone() />
                    </Field>
                    <Field label="Swap (MiB)" field="swap" error>
                        <input name="form[swap]" type="number" min="0" value=form.swap.clone() />
                    </Field>
                </div>
                <div class="row">
                    <label class="check">
                        <input type="checkbox" name="form[onboot]" value="on" checked=form.onboot.is_some() />
                        " Start at boot"
                    </label>
                    <Field label="Start-up order (empty: default)" field="order" error>
                        <input name="form[order]" type="number" min="0" max="9999" value=form.order.clone() />
                    </Field>
                    <Field label="Tags" field="tags" error>
                        <input name="form[tags]" value=form.tags.clone() placeholder="web, prod" />
                    </Field>
                </div>
                <Field label="Notes (Proxmox's description)" field="notes" error>
                    <textarea name="form[notes]" rows="3">{form.notes.clone()}</textarea>
                </Field>
                <p class="muted">
                    {if running {
                        "It runs: cores, CPU limit, memory and swap change at once; Proxmox keeps anything it cannot change live for the next start (listed above)."
                    } else {
                        "It is stopped: the changes apply when it starts."
                    }}
                </p>
                <button type="submit" class="primary" disabled=move || edit.pending().get()>
                    {move || if edit.pending().get() { "Saving…" } else { "Save changes" }}
                </button>
            </ActionForm>
            <h3>"Root disk"</h3>
            <ActionForm action=grow attr:class="row wrap">
                <input type="hidden" name="node_id" value=node_grow.clone() />
                <input type="hidden" name="vmid" value=vmid_grow.clone() />
                <Field label=format!("New size in GiB (now {current_gib} GiB)") field="size" error>
                    <input name="size" type="number" min=(current_gib + 1).to_string() required
                        on:input=move |ev| typed_size.set(event_target_value(&ev)) />
                </Field>
                <label class="check">
                    <input type="checkbox" name="confirm" value="on" required />
                    <span data-testid="grow-label">{grow_label}</span>
                </label>
                <button type="submit" disabled=move || grow.pending().get()>
                    {move || if grow.pending().get() { "Growing…" } else { "Grow disk" }}
                </button>
            </ActionForm>
        </section>
    }
}
