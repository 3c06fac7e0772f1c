//! A Copy button: puts a value on the clipboard. It appears once the page is hydrated
//! (without JavaScript a page cannot reach the clipboard; the value stays selectable).

use leptos::prelude::*;

/// Copies `value` when pressed; says "Copied" afterwards.
#[component]
pub fn CopyButton(value: String) -> impl IntoView {
    let live = RwSignal::new(false);
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| live.set(true));
    let copied = RwSignal::new(false);
    let value = StoredValue::new(value);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let clipboard = window().navigator().clipboard();
            let _ = clipboard.write_text(&value.get_value());
            copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (value, copied);
    };
    view! {
        <Show when=move || live.get()>
            <button type="button" class="secondary small" on:click=copy data-testid="copy">
                {move || if copied.get() { "Copied" } else { "Copy" }}
            </button>
        </Show>
    }
}
