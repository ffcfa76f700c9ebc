//! Page and email templates (minijinja). `.html` templates escape every value.

use minijinja::Environment;
use serde::Serialize;

use crate::domain::brand::Brand;
use crate::i18n::{self, Language};

macro_rules! embedded {
    ($($name:literal),+ $(,)?) => {
        [$(($name, include_str!(concat!("../templates/", $name)))),+]
    };
}

const TEMPLATES: &[(&str, &str)] = &embedded!(
    "pages/base.html",
    "pages/error_summary.html",
    "pages/code_timer.html",
    "pages/login.html",
    "pages/sign_in.html",
    "pages/register.html",
    "pages/verify_email.html",
    "pages/other_ways.html",
    "pages/verify_app.html",
    "pages/enrol_app.html",
    "pages/verified.html",
    "pages/continue.html",
    "pages/change_password.html",
    "pages/oidc_logout.html",
    "pages/oidc_signed_out.html",
    "pages/verify_phone.html",
    "pages/calling.html",
    "pages/forgot.html",
    "pages/forgot_code.html",
    "pages/new_password.html",
    "pages/reset.html",
    "pages/trouble.html",
    "pages/help.html",
    "pages/admin.html",
    "pages/admin_nav.html",
    "pages/admin_rollout.html",
    "pages/sessions.html",
    "pages/verify_again.html",
    "pages/account.html",
    "pages/admin_terms.html",
    "pages/admin_mail.html",
    "pages/admin_clients.html",
    "pages/admin_client.html",
    "pages/admin_client_secret.html",
    "pages/admin_apps.html",
    "pages/admin_providers.html",
    "pages/admin_provider.html",
    "pages/admin_provider_fields.html",
    "pages/audit.html",
    "pages/terms.html",
    "pages/home.html",
    "pages/no_access.html",
    "pages/no_access_redirect.html",
    "pages/return_bounced.html",
    "pages/staff_redirect.html",
    "pages/staff_route.html",
    "pages/message.html",
    "pages/outbox.html",
    "pages/account_passkeys.html",
    "pages/verify_passkey.html",
    "pages/other_ways.html",
    "email/invitation.txt",
    "email/invitation.html",
    "email/rollout_imported.txt",
    "email/rollout_imported.html",
    "email/code.txt",
    "email/code.html",
    "email/reset_code.txt",
    "email/reset_code.html",
    "email/registration_link.txt",
    "email/registration_link.html",
    "email/password_changed.txt",
    "email/password_changed.html",
    "email/account_changed.txt",
    "email/account_changed.html",
    "pages/account_recovery_codes.html",
    "pages/recovery_codes.html",
    "pages/verify_recovery_code.html",
    "email/recovery_codes.txt",
    "email/recovery_codes.html",
);

/// The templates are compiled into the binary, so they are loaded once, on first use; a
/// template that does not parse is a build defect, caught by the test below.
static ENVIRONMENT: std::sync::LazyLock<Environment<'static>> = std::sync::LazyLock::new(|| {
    let mut env = Environment::new();
    // Lifetimes and waits in words ("10 minutes", "30 seconds"), as the messages say them.
    env.add_filter("duration", duration);
    env.add_function("field_aria", field_aria);
    // `t("message-id", name=value, …)`: a message of `locales/` in the page's language.
    env.add_function("t", translate);
    // `t_code(…)`: the same, each argument shown as code (a file's column names and values, a
    // command); `t_names(…)`: each a name not to translate (products). Neither is a word of the
    // page's language.
    env.add_function("t_code", |state: &minijinja::State, id: &str, kwargs| {
        translate_marked(state, id, kwargs, ("<code>", "</code>"))
    });
    env.add_function("t_names", |state: &minijinja::State, id: &str, kwargs| {
        translate_marked(state, id, kwargs, ("<span translate=\"no\">", "</span>"))
    });
    // The language switch offers each language in its own name.
    env.add_global(
        "languages",
        minijinja::Value::from_iter(
            Language::ALL.map(|l| minijinja::Value::from_iter([l.as_str(), l.own_name()])),
        ),
    );
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            panic!("embedded template {name} does not parse: {e}");
        }
    }
    env
});

/// A form field's ARIA attributes: described by its hint (`hint`, an element id), and, when
/// the page's problem concerns it (its id in `error_fields`), marked invalid and described by
/// the problem too (`pages/error_summary.html`).
fn field_aria(state: &minijinja::State, id: &str, hint: Option<&str>) -> minijinja::Value {
    let shown = state.lookup("error").is_some_and(|e| e.is_true());
    let concerned = state
        .lookup("error_fields")
        .and_then(|fields| {
            fields
                .try_iter()
                .ok()
                .map(|mut f| f.any(|v| v.as_str() == Some(id)))
        })
        .unwrap_or(false);
    let ids: Vec<&str> = hint
        .into_iter()
        .chain((shown && concerned).then_some("error-message"))
        .collect();
    let mut attrs = String::new();
    if !ids.is_empty() {
        attrs.push_str(&format!(" aria-describedby=\"{}\"", escape(&ids.join(" "))));
    }
    if shown && concerned {
        attrs.push_str(" aria-invalid=\"true\"");
    }
    minijinja::Value::from_safe_string(attrs)
}

/// The language a template is rendered in: its `lang` (an email, in its recipient's
/// language), else the request's.
fn language_of(state: &minijinja::State) -> Language {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Language::parse))
        .unwrap_or_else(i18n::current)
}

fn translate(
    state: &minijinja::State,
    id: &str,
    kwargs: minijinja::value::Kwargs,
) -> Result<String, minijinja::Error> {
    let mut args = Vec::new();
    for name in kwargs.args() {
        let value: minijinja::Value = kwargs.get(name)?;
        let arg = match value.as_i64() {
            Some(n) if value.kind() == minijinja::value::ValueKind::Number => i18n::Arg::Number(n),
            _ => i18n::Arg::Text(value.to_string()),
        };
        args.push((name, arg));
    }
    kwargs.assert_all_used()?;
    Ok(i18n::say_in(language_of(state), id, &args))
}

/// The message with each argument put inside `tags`, the rest escaped: the arguments go in as
/// placeholders no message contains, which are swapped for the marked, escaped values.
fn translate_marked(
    state: &minijinja::State,
    id: &str,
    kwargs: minijinja::value::Kwargs,
    (open, close): (&str, &str),
) -> Result<minijinja::Value, minijinja::Error> {
    let placeholder = |i: usize| format!("\u{E000}{i}\u{E001}");
    let mut args = Vec::new();
    let mut values = Vec::new();
    for (i, name) in kwargs.args().enumerate() {
        let value: minijinja::Value = kwargs.get(name)?;
        values.push(value.to_string());
        args.push((name, i18n::Arg::Text(placeholder(i))));
    }
    kwargs.assert_all_used()?;
    let text = i18n::say_in(language_of(state), id, &args);
    let mut html = minijinja::HtmlEscape(&text).to_string();
    for (i, value) in values.iter().enumerate() {
        let marked = format!("{open}{}{close}", minijinja::HtmlEscape(value));
        html = html.replace(&placeholder(i), &marked);
    }
    Ok(minijinja::Value::from_safe_string(html))
}

fn duration(state: &minijinja::State, secs: i64) -> String {
    crate::flows::human_duration_in(language_of(state), secs)
}

/// An id from a template, made safe inside an attribute.
fn escape(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .collect()
}

tokio::task_local! {
    static BRAND: std::sync::Arc<Brand>;
}

/// Runs `work` (a request's handling, the mail worker's round) with the operator's brand:
/// what it renders bears it.
pub async fn branded<F: Future>(brand: std::sync::Arc<Brand>, work: F) -> F::Output {
    BRAND.scope(brand, work).await
}

/// The brand as templates read it (`brand.name`, `brand.logo`, `brand.support`); Tessera's
/// own outside a request.
fn brand() -> minijinja::Value {
    let shown = |b: &Brand| {
        minijinja::context! {
            name => b.name.clone(), logo => b.logo.is_some(), support => b.support.clone(),
        }
    };
    BRAND
        .try_with(|b| shown(b))
        .unwrap_or_else(|_| shown(&Brand::default()))
}

/// The portal's name as the operator brands it; Tessera outside a request.
pub fn brand_name() -> String {
    BRAND
        .try_with(|b| b.name.clone())
        .unwrap_or_else(|_| Brand::default().name)
}

/// Renders `name` with `context`; in the request's language unless the context gives its
/// own `lang` (what is sent to a person is in theirs).
pub fn render(name: &str, context: impl Serialize) -> Result<String, minijinja::Error> {
    let context = minijinja::Value::from(minijinja::value::Serde(&context));
    let language = minijinja::context! { lang => i18n::current().as_str(), brand => brand() };
    ENVIRONMENT
        .get_template(name)?
        .render(minijinja::context! { ..context, ..language })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_and_html_escapes_values() {
        for (name, _) in TEMPLATES {
            ENVIRONMENT.get_template(name).unwrap();
        }
        let page = render(
            "pages/message.html",
            minijinja::context! { title => "<b>x</b>", message => "<script>" },
        )
        .unwrap();
        assert!(page.contains("&lt;script&gt;"));
        assert!(!page.contains("<script>"));
    }

    #[test]
    fn fields_in_error_are_marked_and_described() {
        let page = |error: &str| {
            ENVIRONMENT
                .render_str(
                    "<input{{ field_aria('code') }}><input{{ field_aria('phone', 'phone-hint') }}>",
                    minijinja::context! { error, error_fields => ["code"] },
                )
                .unwrap()
        };
        assert_eq!(
            page("Wrong"),
            r#"<input aria-describedby="error-message" aria-invalid="true"><input aria-describedby="phone-hint">"#
        );
        assert_eq!(page(""), r#"<input><input aria-describedby="phone-hint">"#);
    }

    #[test]
    fn lifetimes_read_in_words() {
        let env = &*ENVIRONMENT;
        let said = |secs: i64| {
            env.render_str("{{ s|duration }}", minijinja::context! { s => secs })
                .unwrap()
        };
        assert_eq!(said(600), "10 minutes");
        assert_eq!(said(30), "30 seconds");
        assert_eq!(said(1), "1 second");
    }
}
