//! `/users`: administrators create, disable and delete accounts.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::account::UserView;

use crate::api::users::{CreateUser, DeleteUser, SetUserDisabled, list_users};
use crate::components::{
    Field, FieldError, FormError, NewPasswordFields, Notice, TypedConfirmation, action_error,
};
use crate::system::short_utc;

/// The account list with the actions for each row, and the create form.
#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let toggle = ServerAction::<SetUserDisabled>::new();
    let delete = ServerAction::<DeleteUser>::new();
    let users = crate::resource::new(
        move || {
            (
                create.version().get(),
                toggle.version().get(),
                delete.version().get(),
            )
        },
        |_| list_users(),
    );
    let create_error = Signal::derive(move || action_error(create.value().get()));
    let row_error = Signal::derive(move || {
        action_error(toggle.value().get()).or_else(|| action_error(delete.value().get()))
    });
    let query = use_query_map();
    let created = move || query.read().get("created");
    view! {
        <Title text="Users" />
        <div class="page-head">
            <h1>"Users"</h1>
        </div>
        <section class="card">
            <FormError error=row_error />
            <FieldError error=row_error field="confirm" />
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(users) => view! { <UserTable users toggle delete /> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="card narrow">
            <h2>"Create a user"</h2>
            {move || created().map(|name| view! { <Notice>"Created " {name} "."</Notice> })}
            <ActionForm action=create attr:class="stack">
                <FormError error=create_error />
                <Field label="Username" field="username" error=create_error>
                    <input name="username" required maxlength="64" autocomplete="off" />
                </Field>
                <NewPasswordFields error=create_error name="password" repeat_name="password_repeat" label="Password" />
                <label class="check">
                    <input name="is_admin" type="checkbox" />
                    "Administrator"
                </label>
                <button type="submit" class="primary">"Create user"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn UserTable(
    users: Vec<UserView>,
    toggle: ServerAction<SetUserDisabled>,
    delete: ServerAction<DeleteUser>,
) -> impl IntoView {
    let rows = users
        .into_iter()
        .map(|user| {
            let status = if user.disabled { "disabled" } else { "active" };
            let role = if user.is_admin { "administrator" } else { "user" };
            let toggle_label = if user.disabled { "Enable" } else { "Disable" };
            let next_disabled = (!user.disabled).to_string();
            let (toggle_id, delete_id) = (user.id.to_string(), user.id.to_string());
            let (name, confirm_name) = (user.username.clone(), user.username.clone());
            view! {
                <tr data-user=user.username.clone()>
                    <td>{name}</td>
                    <td>{role}</td>
                    <td><span class=if user.disabled { "badge bad" } else { "badge ok" }>{status}</span></td>
                    <td class="mono">{short_utc(&user.created_at)}</td>
                    <td><div class="row-actions">
                        <ActionForm action=toggle attr:class="inline">
                            <input type="hidden" name="id" value=toggle_id />
                            <input type="hidden" name="disabled" value=next_disabled />
                            <button type="submit">{toggle_label}</button>
                        </ActionForm>
                        <details class="confirm">
                            <summary>"Delete…"</summary>
                            <ActionForm action=delete attr:class="inline">
                                <input type="hidden" name="id" value=delete_id />
                                <TypedConfirmation name=confirm_name purpose="to delete this account and its nodes" />
                                <button type="submit" class="danger">"Delete"</button>
                            </ActionForm>
                        </details>
                    </div></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid">
            <thead>
                <tr><th>"Username"</th><th>"Role"</th><th>"Status"</th><th>"Created"</th><th></th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
