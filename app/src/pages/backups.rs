//! A container's Backups section (on its page): how old the newest backup is, "Back up
//! now" (storage, mode, notes, protection), and per backup a restore — into a new VMID,
//! or over this container once it is stopped and its name typed — and a delete behind
//! the backup's typed name (protected backups cannot be deleted). Plain forms.

use leptos::prelude::*;
use model::backup::{BackupView, Backups};
use model::ids::{NodeId, Vmid};

use crate::api::backups::{
    CreateBackup, DeleteBackup, RestoreBackupNew, RestoreBackupOver, list_backups,
};
use crate::components::{
    ContainerFields, FieldError, FormError, FormTarget, Notice, TypedConfirmation, action_error,
    latest_outcome, outcome_of,
};
use crate::pages::dashboard::bytes;
use crate::system::{Ago, short_utc};

#[derive(Clone, Copy)]
struct Actions {
    create: ServerAction<CreateBackup>,
    restore_new: ServerAction<RestoreBackupNew>,
    restore_over: ServerAction<RestoreBackupOver>,
    delete: ServerAction<DeleteBackup>,
}

impl Actions {
    fn pending(self) -> bool {
        self.create.pending().get()
            || self.restore_new.pending().get()
            || self.restore_over.pending().get()
            || self.delete.pending().get()
    }
}

fn options(names: &[String]) -> impl IntoView + use<> {
    names
        .iter()
        .map(|name| view! { <option value=name.clone()>{name.clone()}</option> })
        .collect_view()
}

/// The Backups section of a container's page.
#[component]
pub fn BackupsSection(node_id: NodeId, vmid: Vmid, name: String) -> impl IntoView {
    let actions = Actions {
        create: ServerAction::new(),
        restore_new: ServerAction::new(),
        restore_over: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let latest = latest_outcome([
        outcome_of(actions.create),
        outcome_of(actions.restore_new),
        outcome_of(actions.restore_over),
        outcome_of(actions.delete),
    ]);
    let error = Signal::derive(move || action_error(latest.get()));
    let node = node_id.clone();
    let backups = crate::resource::new(
        move || {
            (
                actions.create.version().get(),
                actions.restore_new.version().get(),
                actions.restore_over.version().get(),
                actions.delete.version().get(),
            )
        },
        move |_| list_backups(node.clone(), vmid),
    );
    let target = FormTarget {
        node_id: node_id.to_string(),
        vmid: vmid.to_string(),
    };
    view! {
        <section class="card" id="backups" data-testid="backups">
            <h2>"Backups"</h2>
            {move || latest.get().and_then(Result::ok).map(|message| view! { <Notice>{message}</Notice> })}
            {move || actions.pending().then(|| view! {
                <p class="muted" role="status">"Proxmox is working on it (a backup or restore takes a while)…"</p>
            })}
            <FormError error />
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    let (target, name) = (target.clone(), name.clone());
                    Suspend::new(async move {
                        match backups.await {
                            Ok(backups) => view! { <List backups actions target name error /> }.into_any(),
                            Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn List(
    backups: Backups,
    actions: Actions,
    target: FormTarget,
    name: String,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let newest = backups.list.first().and_then(|b| b.created_at.clone());
    let age = match newest {
        Some(at) => view! { "Newest backup: " <Ago timestamp=at /> "." }.into_any(),
        None => view! { <b>"No backup yet."</b> }.into_any(),
    };
    let storages = backups.storages.clone();
    let create_target = target.clone();
    let rows = backups
        .list
        .iter()
        .map(|backup| {
            view! {
                <Row backup=backup.clone() actions target=target.clone() name=name.clone()
                    rootfs_storages=backups.rootfs_storages.clone() error />
            }
        })
        .collect_view();
    view! {
        <p data-testid="newest-backup">{age}</p>
        <ActionForm action=actions.create attr:class="row wrap">
            <ContainerFields target=create_target.clone() />
            <label>"Storage" <select name="storage">{options(&storages)}</select></label>
            <label>"Mode"
                <select name="mode">
                    <option value="snapshot">"snapshot (keeps running)"</option>
                    <option value="suspend">"suspend"</option>
                    <option value="stop">"stop, then start again"</option>
                </select>
            </label>
            <label>"Notes" <input name="notes" placeholder="before the upgrade" /></label>
            <label class="check"><input type="checkbox" name="protected" value="on" />" Protected"</label>
            <button type="submit" class="primary" disabled=move || actions.pending()>"Back up now"</button>
        </ActionForm>
        {(!backups.list.is_empty()).then(|| view! {
            <table class="grid" data-testid="backup-list">
                <thead><tr><th>"Taken"</th><th>"Storage"</th><th>"Size"</th><th>"Notes"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        })}
    }
}

#[component]
fn Row(
    backup: BackupView,
    actions: Actions,
    target: FormTarget,
    name: String,
    rootfs_storages: Vec<String>,
    error: Signal<Option<crate::error::AppError>>,
) -> impl IntoView {
    let file = backup.file_name().to_owned();
    let (new_target, over_target, delete_target) = (target.clone(), target.clone(), target);
    let (volid_new, volid_over, volid_delete) = (
        backup.volid.clone(),
        backup.volid.clone(),
        backup.volid.clone(),
    );
    let (storages_new, storages_over) = (rootfs_storages.clone(), rootfs_storages);
    let delete = if backup.protected {
        view! { <span class="muted">"Protected: cannot be deleted."</span> }.into_any()
    } else {
        let file = file.clone();
        view! {
            <details class="confirm">
                <summary>"Delete…"</summary>
                <ActionForm action=actions.delete>
                    <ContainerFields target=delete_target.clone() />
                    <input type="hidden" name="volid" value=volid_delete.clone() />
                    <TypedConfirmation name=file.clone() purpose="to delete this backup" />
                    <button type="submit" class="danger">"Delete backup"</button>
                </ActionForm>
            </details>
        }
        .into_any()
    };
    view! {
        <tr data-backup=file.clone()>
            <td class="mono">{backup.created_at.as_deref().map(short_utc)}</td>
            <td>{backup.storage.clone()}</td>
            <td class="num">{bytes(backup.size)} " " <span class="muted">{backup.format.clone()}</span></td>
            <td>
                {backup.notes.clone()}
                {backup.protected.then(|| view! { " " <span class="badge">"protected"</span> })}
            </td>
            <td>
                <div class="row-actions">
                    <details class="confirm">
                        <summary>"Restore…"</summary>
                        <ActionForm action=actions.restore_new>
                            <ContainerFields target=new_target.clone() />
                            <input type="hidden" name="volid" value=volid_new.clone() />
                            <label>"Into the new container (VMID)"
                                <input name="new_vmid" inputmode="numeric" required placeholder="e.g. 150" />
                                <FieldError error field="new_vmid" />
                            </label>
                            <label>"Root disk on" <select name="storage">{options(&storages_new)}</select></label>
                            <label class="check"><input type="checkbox" name="start" value="on" />" Start it"</label>
                            <button type="submit">"Restore as a new container"</button>
                        </ActionForm>
                        <ActionForm action=actions.restore_over>
                            <ContainerFields target=over_target.clone() />
                            <input type="hidden" name="volid" value=volid_over.clone() />
                            <p class="warning">"Or over this container: everything it holds now is replaced. It must be stopped."</p>
                            <label>"Root disk on" <select name="storage">{options(&storages_over)}</select></label>
                            <TypedConfirmation name=name.clone() purpose="to replace it with this backup" />
                            <button type="submit" class="danger">"Restore over this container"</button>
                        </ActionForm>
                    </details>
                    {delete}
                </div>
            </td>
        </tr>
    }
}
