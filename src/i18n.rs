//! What Tessera says, in the person's language: English (the guide's words, exactly) and
//! Spanish, from Mozilla Fluent message files (`locales/LANG/*.ftl`) compiled into the binary.
//!
//! A request is answered in one language ([`speaking`] scopes it, `web::language` chooses it);
//! what is sent to a person (emails, texts, calls) is in their own recorded language, given
//! explicitly ([`say_in`]). Outside a request (the CLI, background sends) it is English.

use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language Tessera speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Language {
    English,
    Spanish,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::English, Language::Spanish];

    /// Its BCP 47 tag, as pages (`<html lang>`), cookies and the database store it.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Spanish => "es",
        }
    }

    pub fn parse(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.as_str() == code)
    }

    /// Its name in itself, as the language switch offers it.
    pub fn own_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Spanish => "Español",
        }
    }

    /// The `language` of TwiML's `<Say>` (Twilio's voices for it).
    pub fn voice(self) -> &'static str {
        match self {
            Language::English => "en-US",
            Language::Spanish => "es-MX",
        }
    }

    /// The language an `Accept-Language` header prefers among ours (q-values honoured); none
    /// when it names neither.
    pub fn preferred_by(accept_language: &str) -> Option<Language> {
        let requested = fluent_langneg::accepted_languages::parse(accept_language);
        let available: Vec<LanguageIdentifier> =
            Language::ALL.iter().map(|l| identifier(*l)).collect();
        let chosen = fluent_langneg::negotiate_languages(
            &requested,
            &available,
            None,
            fluent_langneg::NegotiationStrategy::Lookup,
        );
        chosen
            .first()
            .and_then(|id| Language::parse(id.language.as_str()))
    }
}

fn identifier(language: Language) -> LanguageIdentifier {
    // Our codes are valid tags; were one not, the root locale's rules would apply.
    language.as_str().parse().unwrap_or_default()
}

tokio::task_local! {
    static SPEAKING: Language;
}

/// Runs `work` (a request's handling) in `language`: what it says through [`say`] and the
/// pages it renders are in that language.
pub async fn speaking<F: Future>(language: Language, work: F) -> F::Output {
    SPEAKING.scope(language, work).await
}

/// Runs blocking `work` (a file checked off the async runtime, where the request's language
/// is not known) in `language`.
pub fn speaking_blocking<R>(language: Language, work: impl FnOnce() -> R) -> R {
    SPEAKING.sync_scope(language, work)
}

/// The language of the request being answered; English outside one.
pub fn current() -> Language {
    SPEAKING.try_with(|l| *l).unwrap_or(Language::English)
}

/// The language to send a person something in: the one they picked, else the request's (the
/// page they act from), else English.
pub fn of_person(picked: Option<Language>) -> Language {
    picked.unwrap_or_else(current)
}

/// The message `id` in the current language.
pub fn say(id: &str) -> String {
    say_in(current(), id, &[])
}

/// The message `id` in the current language, with its arguments.
pub fn say_with(id: &str, args: &[(&str, Arg)]) -> String {
    say_in(current(), id, args)
}

/// An argument of a message: a number chooses plural forms; text is put in as it is.
#[derive(Debug, Clone)]
pub enum Arg {
    Number(i64),
    Text(String),
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Arg::Text(text.to_string())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Arg::Text(text)
    }
}

/// The message `id` in `language`. A message Spanish lacks is said in English (the catalogue
/// test keeps the two complete); an unknown id is a defect, logged and shown as the id.
pub fn say_in(language: Language, id: &str, args: &[(&str, Arg)]) -> String {
    let catalogue = &*CATALOGUE;
    let bundle = &catalogue[&language];
    let (bundle, message) = match bundle.get_message(id).and_then(|m| m.value()) {
        Some(pattern) => (bundle, pattern),
        None => {
            let english = &catalogue[&Language::English];
            match english.get_message(id).and_then(|m| m.value()) {
                Some(pattern) => (english, pattern),
                None => {
                    tracing::error!(id, "no such message in locales/");
                    return id.to_string();
                }
            }
        }
    };
    let mut fluent_args = FluentArgs::new();
    // Every message may name the portal: the operator's brand (`TESSERA_BRAND_NAME`).
    fluent_args.set("brand", FluentValue::from(crate::templates::brand_name()));
    for (name, value) in args {
        let value = match value {
            Arg::Number(n) => FluentValue::from(*n),
            Arg::Text(t) => FluentValue::from(t.clone()),
        };
        fluent_args.set(*name, value);
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(message, Some(&fluent_args), &mut errors);
    if !errors.is_empty() {
        tracing::error!(id, ?errors, "message formatted with errors");
    }
    text.into_owned()
}

macro_rules! message_files {
    ($($name:literal),+ $(,)?) => {
        &[$(
            ($name, include_str!(concat!("../locales/en/", $name)), include_str!(concat!("../locales/es/", $name)))
        ),+]
    };
}

/// Every message file, in English and Spanish: each area of the portal has its own.
const MESSAGE_FILES: &[(&str, &str, &str)] = message_files!(
    "portal.ftl",
    "sign-in.ftl",
    "second-step.ftl",
    "sign-in-problems.ftl",
    "registration.ftl",
    "recovery.ftl",
    "account.ftl",
    "emails.ftl",
    "ops.ftl",
    "admin.ftl",
);

type Catalogue = HashMap<Language, FluentBundle<FluentResource>>;

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    Language::ALL
        .into_iter()
        .map(|language| (language, bundle_of(language)))
        .collect()
});

fn bundle_of(language: Language) -> FluentBundle<FluentResource> {
    let mut bundle = FluentBundle::new_concurrent(vec![identifier(language)]);
    // Fluent wraps arguments in Unicode isolation marks for right-to-left text; neither of
    // our languages needs them, and they would sit invisibly inside addresses and codes.
    bundle.set_use_isolating(false);
    for (name, english, spanish) in MESSAGE_FILES {
        let source = match language {
            Language::English => english,
            Language::Spanish => spanish,
        };
        let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(_, errors)| {
            panic!(
                "locales/{}/{name} does not parse: {errors:?}",
                language.as_str()
            )
        });
        if let Err(errors) = bundle.add_resource(resource) {
            panic!(
                "locales/{}/{name} repeats a message: {errors:?}",
                language.as_str()
            );
        }
    }
    bundle
}

/// Every message id of a language, with the names of the arguments its text uses.
pub fn messages_of(language: Language) -> Vec<(String, Vec<String>)> {
    let mut ids = Vec::new();
    for (_, english, spanish) in MESSAGE_FILES {
        let source = match language {
            Language::English => english,
            Language::Spanish => spanish,
        };
        // A file that does not parse stops the catalogue itself (`bundle_of`).
        let Ok(resource) = FluentResource::try_new(source.to_string()) else {
            continue;
        };
        for entry in resource.entries() {
            if let fluent_syntax::ast::Entry::Message(message) = entry {
                let mut args = Vec::new();
                if let Some(value) = &message.value {
                    arguments_of(value, &mut args);
                }
                args.sort();
                args.dedup();
                ids.push((message.id.name.to_string(), args));
            }
        }
    }
    ids
}

fn arguments_of(pattern: &fluent_syntax::ast::Pattern<&str>, into: &mut Vec<String>) {
    use fluent_syntax::ast::{Expression, InlineExpression, PatternElement};
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            let inline = match expression {
                Expression::Inline(inline) => inline,
                Expression::Select { selector, variants } => {
                    for variant in variants {
                        arguments_of(&variant.value, into);
                    }
                    selector
                }
            };
            if let InlineExpression::VariableReference { id } = inline {
                into.push(id.name.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_message_with_the_same_arguments() {
        let english = messages_of(Language::English);
        let spanish: HashMap<_, _> = messages_of(Language::Spanish).into_iter().collect();
        assert_eq!(english.len(), spanish.len(), "the same number of messages");
        for (id, args) in english {
            assert_eq!(
                spanish.get(&id),
                Some(&args),
                "{id}: Spanish lacks it or uses other arguments"
            );
        }
    }

    #[test]
    fn every_audit_event_has_a_name_in_each_language() {
        let english: HashMap<_, _> = messages_of(Language::English).into_iter().collect();
        for event in crate::audit::EVENTS {
            assert!(
                english.contains_key(&format!("audit-event-{event}")),
                "audit-event-{event} is missing: the audit log's event filter shows its id"
            );
        }
    }

    #[test]
    fn accept_language_chooses_by_preference() {
        assert_eq!(
            Language::preferred_by("es-MX,es;q=0.9,en;q=0.5"),
            Some(Language::Spanish)
        );
        assert_eq!(
            Language::preferred_by("en-US,en;q=0.9,es;q=0.8"),
            Some(Language::English)
        );
        assert_eq!(
            Language::preferred_by("fr-FR, es;q=0.5"),
            Some(Language::Spanish)
        );
        assert_eq!(Language::preferred_by("fr-FR"), None);
        assert_eq!(Language::preferred_by(""), None);
    }

    #[test]
    fn plural_forms_follow_the_language() {
        let said = |language, n: i64| say_in(language, "duration-seconds", &[("n", n.into())]);
        assert_eq!(said(Language::English, 1), "1 second");
        assert_eq!(said(Language::English, 30), "30 seconds");
        assert_eq!(said(Language::Spanish, 1), "1 segundo");
        assert_eq!(said(Language::Spanish, 30), "30 segundos");
    }

    #[tokio::test]
    async fn a_request_is_answered_in_its_language_and_english_outside_one() {
        assert_eq!(current(), Language::English);
        let inside = speaking(Language::Spanish, async { current() }).await;
        assert_eq!(inside, Language::Spanish);
    }
}
