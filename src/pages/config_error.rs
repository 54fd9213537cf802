use leptos::prelude::*;

use crate::app::describe_config_error;
use crate::config::ConfigError;
use crate::i18n::tr;

/// Shown instead of the app when /config.json cannot be loaded: never a
/// blank page. The technical detail is there for whoever has to fix it.
#[component]
pub fn ConfigErrorPage(error: ConfigError, on_retry: impl Fn() + 'static) -> impl IntoView {
    let detail = error.detail();
    let explanation = {
        let error = error.clone();
        move || describe_config_error(&error)
    };
    view! {
        <section class="page page-error config-error" role="alert">
            <h1>{tr(|t| t.config_error_title)}</h1>
            <p>{tr(|t| t.config_error_body)}</p>
            <p class="error-reason">{explanation}</p>
            <p class="error-detail"><code>{detail}</code></p>
            <button class="button primary" on:click=move |_| on_retry()>
                {tr(|t| t.retry)}
            </button>
        </section>
    }
}
