//! Issue 17's problems on the guide's journeys, in Chromium, checked as a person would: what
//! the page says and marks, where focus lands, what the buttons are.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::browser::{chrome, click, field, type_into, wait_for_text};
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_backends;

const PASSWORD: &str = "harbour lantern quiet meadow";

/// The page's title, as the tab (and a screen reader, on load) reads it.
async fn title(c: &Client) -> String {
    c.title().await.unwrap()
}

/// An attribute of the input labelled `label`.
async fn attr_of(c: &Client, label: &str, name: &str) -> Option<String> {
    c.find(Locator::XPath(&field(label)))
        .await
        .unwrap_or_else(|e| panic!("no field labelled {label}: {e}"))
        .attr(name)
        .await
        .unwrap()
}

async fn value_of(c: &Client, label: &str) -> String {
    c.find(Locator::XPath(&field(label)))
        .await
        .unwrap_or_else(|e| panic!("no field labelled {label}: {e}"))
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The field is marked invalid and described by a message on the page that says `says`.
async fn assert_marked(c: &Client, label: &str, says: &str) {
    assert_eq!(
        attr_of(c, label, "aria-invalid").await.as_deref(),
        Some("true"),
        "{label} is not marked invalid"
    );
    let ids = attr_of(c, label, "aria-describedby")
        .await
        .unwrap_or_else(|| panic!("{label} is described by nothing"));
    let mut described = String::new();
    for id in ids.split_whitespace() {
        let text = c
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("{label} is described by #{id}, which is missing: {e}"))
            .text()
            .await
            .unwrap();
        described.push_str(&text);
    }
    assert!(
        described.contains(says),
        "{label} is described by {described:?}, not by {says:?}"
    );
}

/// Focus is on the error summary, which says `says`.
async fn assert_focus_on_summary(c: &Client, says: &str) {
    let mut focused = (String::new(), String::new());
    for _ in 0..30 {
        let active = c.active_element().await.unwrap();
        focused = (
            active.attr("class").await.unwrap().unwrap_or_default(),
            active.text().await.unwrap(),
        );
        if focused.0.contains("error-summary") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        focused.0.contains("error-summary") && focused.1.contains(says),
        "focus is on {focused:?}, not on an error summary saying {says:?}"
    );
}

async fn choose_method(c: &Client, method: &str) {
    c.find(Locator::XPath(&format!(
        "//label[normalize-space()='{method}']/input[@type='radio']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
}

/// Invited, the link opened in Chromium, and the registration form submitted with `method`.
async fn register_in_chromium(c: &Client, app: &TestApp, email: &str, name: &str, method: &str) {
    let link = app.invite(email, name).await;
    c.goto(&link).await.unwrap();
    wait_for_text(c, "Create a New Account").await;
    type_into(c, "New Password", PASSWORD).await;
    type_into(c, "Confirm Password", PASSWORD).await;
    choose_method(c, method).await;
    click(c, "Submit").await;
    wait_for_text(c, "Your password is set.").await;
}

/// Problem 1: after Submit with Phone, the next page is the guide's Phone Verification sign-in
/// ("Enter the email address and newly created password, then click sign in"), with the
/// address filled in; an Email registrant's is Login With Email, also filled in.
async fn a_phone_registrant_signs_in_to_verify_their_phone(backend: Backend) {
    let app = spawn_app(backend).await;
    let chrome = chrome().await;
    let c = &chrome.client;

    register_in_chromium(c, &app, "ada@example.org", "Ada Lovelace", "Phone").await;
    let heading = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Login With Phone");
    assert!(title(c).await.starts_with("Login With Phone"));
    let body = c
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("verify your phone number"), "{body}");
    assert!(!body.contains("verify your email address"), "{body}");
    assert_eq!(value_of(c, "Email address").await, "ada@example.org");
    type_into(c, "Password", PASSWORD).await;
    click(c, "Sign in").await;
    wait_for_text(c, "Phone Verification").await;

    c.delete_all_cookies().await.unwrap();
    register_in_chromium(c, &app, "grace@example.org", "Grace Hopper", "Email").await;
    let heading = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Login With Email");
    assert_eq!(value_of(c, "Email address").await, "grace@example.org");
    type_into(c, "Password", PASSWORD).await;
    click(c, "Sign in").await;
    wait_for_text(c, "Email Verification").await;
    chrome.client.clone().close().await.unwrap();
}

on_both_backends!(a_phone_registrant_signs_in_to_verify_their_phone);

/// Problem 2: an error after a submit takes focus to a summary, the title says "Error:", and
/// each field in error is marked and described (both boxes of a password mismatch; the code
/// after a wrong code on Phone Verification; the address and password at sign-in).
async fn errors_take_focus_and_mark_their_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    let chrome = chrome().await;
    let c = &chrome.client;

    let link = app.invite("ada@example.org", "Ada Lovelace").await;
    c.goto(&link).await.unwrap();
    wait_for_text(c, "Create a New Account").await;
    type_into(c, "New Password", PASSWORD).await;
    type_into(c, "Confirm Password", "something else entirely").await;
    choose_method(c, "Phone").await;
    click(c, "Submit").await;
    wait_for_text(c, "The passwords do not match").await;
    assert!(
        title(c).await.starts_with("Error: Create a New Account"),
        "{}",
        title(c).await
    );
    assert_focus_on_summary(c, "The passwords do not match").await;
    assert_marked(c, "New Password", "The passwords do not match").await;
    assert_marked(c, "Confirm Password", "The passwords do not match").await;
    assert_eq!(attr_of(c, "Display Name", "aria-invalid").await, None);

    type_into(c, "New Password", PASSWORD).await;
    type_into(c, "Confirm Password", PASSWORD).await;
    click(c, "Submit").await;
    wait_for_text(c, "Your password is set.").await;

    // A wrong password at sign-in.
    c.find(Locator::XPath(&field("Email address")))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    type_into(c, "Email address", "ada@example.org").await;
    type_into(c, "Password", "not the password at all").await;
    click(c, "Sign in").await;
    wait_for_text(c, "The email address or password is not right").await;
    assert!(title(c).await.starts_with("Error: Login With Phone"));
    assert_focus_on_summary(c, "The email address or password is not right").await;
    assert_marked(c, "Password", "The email address or password is not right").await;

    // A wrong code on Phone Verification.
    type_into(c, "Password", PASSWORD).await;
    click(c, "Sign in").await;
    wait_for_text(c, "Phone Verification").await;
    type_into(c, "Phone number", "415 555 0188").await;
    click(c, "Send Code").await;
    wait_for_text(c, "We sent a verification code").await;
    type_into(c, "Verification code", "000000").await;
    click(c, "Verify Code").await;
    wait_for_text(c, "That code is not right").await;
    assert!(title(c).await.starts_with("Error: Phone Verification"));
    assert_focus_on_summary(c, "That code is not right").await;
    assert_marked(c, "Verification code", "That code is not right").await;
    assert_eq!(attr_of(c, "Phone number", "aria-invalid").await, None);
    chrome.client.clone().close().await.unwrap();
}

on_both_backends!(errors_take_focus_and_mark_their_fields);

/// The text of the code's polite live region (visually hidden, so its text content: what a
/// screen reader is given).
async fn announced(c: &Client) -> String {
    c.find(Locator::Css("[aria-live=polite][data-announce]"))
        .await
        .expect("a polite live region for the code's time")
        .prop("textContent")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Problem 3: the 30-second code says its lifetime before the person leaves for the mailbox,
/// counts down on the page, announces the time left now and then (not every second), and a
/// new code may be asked for as soon as the old one expired (WCAG 2.2.1).
async fn the_thirty_second_code_counts_down_and_can_be_renewed_at_once(backend: Backend) {
    let app = crate::helpers::spawn_app_with(
        backend,
        crate::helpers::Options {
            // The longest cool-down allowed: longer than the code's 30 seconds.
            configure: |config| config.policy.code_resend_cooldown_secs = 60,
            ..Default::default()
        },
    )
    .await;
    app.active_user("liz@example.org", "Liz Bennet", PASSWORD)
        .await;
    app.clock.advance(61);
    let chrome = chrome().await;
    let c = &chrome.client;

    c.goto(&format!("{}/login/email", app.url)).await.unwrap();
    type_into(c, "Email address", "liz@example.org").await;
    type_into(c, "Password", PASSWORD).await;
    click(c, "Sign in").await;
    wait_for_text(c, "Email Verification").await;
    wait_for_text(c, "The code will expire 30 seconds after it is sent").await;
    click(c, "Send Verification Code").await;
    wait_for_text(c, "We sent a verification code").await;
    // Without script, the server's words say the time left; with it, they count down.
    wait_for_text(c, "It expires in 30 seconds").await;
    let first = announced(c).await;
    assert!(!first.contains("seconds left"), "{first}");
    let mut seen = String::new();
    for _ in 0..150 {
        seen = announced(c).await;
        if seen.contains("20 seconds") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen.contains("20 seconds"), "announced {seen:?}");
    let visible = c
        .find(Locator::Css("[data-countdown]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        visible.contains("seconds") && !visible.contains("30 seconds"),
        "{visible}"
    );

    // The code expired (the portal's clock): the page says so, and a new one goes at once.
    app.clock.advance(30);
    c.refresh().await.unwrap();
    wait_for_text(c, "It has expired").await;
    assert!(
        !c.find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("You can ask for another code in")
    );
    let before = app.mail.messages_to("liz@example.org").await.len();
    click(c, "Send Verification Code").await;
    wait_for_text(c, "It expires in 30 seconds").await;
    let renewed = app.mail.message_to("liz@example.org", before).await;
    assert!(renewed.subject.starts_with("Your verification code"));
    chrome.client.clone().close().await.unwrap();
}

on_both_backends!(the_thirty_second_code_counts_down_and_can_be_renewed_at_once);

/// Problems 3 and 9 on the other code pages, without script: the time left in human units and
/// a polite live region (Phone Verification, Forgot your password, Confirm it is you).
async fn every_code_page_says_its_time_left_in_words(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = app
        .registered_for_phone("tom@example.org", "Tom Sawyer", PASSWORD)
        .await;
    browser
        .post(
            "/verify/phone/send",
            &[
                ("country_code", "+1"),
                ("phone", "415 555 0190"),
                ("action", "sms"),
            ],
        )
        .await;
    let page = browser.get("/verify/phone").await;
    page.assert_shows("It expires in 10 minutes");
    assert!(page.lacks("600 seconds"), "{page}");
    assert!(
        page.has_element("[aria-live=polite][data-announce]"),
        "{page}"
    );

    let liz = app
        .active_user("liz@example.org", "Liz Bennet", PASSWORD)
        .await;
    let page = liz.get("/verify/again").await;
    page.assert_shows("30 seconds after it is sent");
    liz.post("/verify/again/send", &[("next", "/")]).await;
    let page = liz.get("/verify/again").await;
    page.assert_shows("It expires in 30 seconds");
    assert!(
        page.has_element("[aria-live=polite][data-announce]"),
        "{page}"
    );

    let stranger = app.new_browser();
    stranger.get("/password/forgot").await;
    stranger
        .post("/password/forgot", &[("email", "liz@example.org")])
        .await;
    let page = stranger.get("/password/forgot/code").await;
    page.assert_shows("It expires in 10 minutes");
    assert!(page.lacks("600 seconds"), "{page}");
    assert!(
        page.has_element("[aria-live=polite][data-announce]"),
        "{page}"
    );
}

on_both_backends!(every_code_page_says_its_time_left_in_words);

/// Problem 4: a new registrant sees the number they typed in full, and a wrong code keeps it
/// in the number field (it is needed to send again).
async fn a_wrong_code_keeps_the_number_a_registrant_typed(backend: Backend) {
    let app = spawn_app(backend).await;
    let chrome = chrome().await;
    let c = &chrome.client;

    register_in_chromium(c, &app, "ada@example.org", "Ada Lovelace", "Phone").await;
    type_into(c, "Password", PASSWORD).await;
    click(c, "Sign in").await;
    wait_for_text(c, "Phone Verification").await;
    type_into(c, "Phone number", "(415) 555-0188").await;
    click(c, "Send Code").await;
    wait_for_text(c, "We sent a verification code").await;
    wait_for_text(c, "(415) 555-0188").await;
    type_into(c, "Verification code", "000000").await;
    click(c, "Verify Code").await;
    wait_for_text(c, "That code is not right").await;
    let kept = value_of(c, "Phone number").await;
    assert_eq!(
        kept.chars()
            .filter(char::is_ascii_digit)
            .collect::<String>(),
        "4155550188",
        "{kept}"
    );
    assert_eq!(value_of(c, "Country code").await, "+1");
    chrome.client.clone().close().await.unwrap();
}

on_both_backends!(a_wrong_code_keeps_the_number_a_registrant_typed);

/// Problem 5: the call-waiting page names the number called (masked), offers Cancel and Text
/// me instead, and after the time-out says the call ended and offers to call again or text.
async fn the_call_page_names_the_number_and_ends_plainly(backend: Backend) {
    let app = spawn_app(backend).await;
    app.active_phone_user("tom@example.org", "Tom Sawyer", PASSWORD, "415 555 0190")
        .await;
    let chrome = chrome().await;
    let c = &chrome.client;

    c.goto(&format!("{}/login/phone", app.url)).await.unwrap();
    type_into(c, "Email address", "tom@example.org").await;
    type_into(c, "Password", PASSWORD).await;
    click(c, "Sign in").await;
    wait_for_text(c, "Phone Verification").await;
    click(c, "Call Me").await;
    wait_for_text(c, "We are calling you now").await;
    wait_for_text(c, "+1 (***) ***-0190").await;
    c.find(Locator::XPath(
        "//*[self::a or self::button][normalize-space()='Cancel']",
    ))
    .await
    .expect("a Cancel");
    c.find(Locator::XPath(
        "//button[normalize-space()='Text me instead']",
    ))
    .await
    .expect("a Text me instead button");

    // No key press in time: the page no longer says it is calling.
    app.clock
        .advance(app.app.config.policy.call_timeout_secs + 1);
    wait_for_text(c, "The call ended").await;
    let heading = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!heading.contains("Calling your phone"), "{heading}");
    assert!(!title(c).await.contains("Calling your phone"));
    c.find(Locator::XPath(
        "//button[normalize-space()='Call me again']",
    ))
    .await
    .expect("a Call me again button");
    click(c, "Text me instead").await;
    wait_for_text(c, "We sent a verification code by text message").await;
    chrome.client.clone().close().await.unwrap();
}

on_both_backends!(the_call_page_names_the_number_and_ends_plainly);

/// Problem 8: a used or expired registration link's page makes Reset (the guide's step) the
/// primary button and the way to the sign-in page secondary.
async fn an_expired_link_offers_reset_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let link = app.invite("ada@example.org", "Ada Lovelace").await;
    app.clock
        .advance(app.app.config.policy.registration_link_ttl_secs + 1);
    let chrome = chrome().await;
    let c = &chrome.client;
    c.goto(&link).await.unwrap();
    wait_for_text(c, "Registration error").await;
    let reset = c
        .find(Locator::XPath("//button[normalize-space()='Reset']"))
        .await
        .expect("a Reset button");
    assert!(
        reset
            .attr("class")
            .await
            .unwrap()
            .unwrap_or_default()
            .contains("primary"),
        "Reset is not the primary button"
    );
    let sign_in = c
        .find(Locator::XPath(
            "//*[self::a or self::button][normalize-space()='Go to the sign-in page']",
        ))
        .await
        .unwrap();
    let class = sign_in.attr("class").await.unwrap().unwrap_or_default();
    assert!(
        class.contains("secondary") && !class.contains("primary"),
        "the sign-in page's way is {class:?}"
    );
    click(c, "Reset").await;
    wait_for_text(c, "Reset registration").await;
    chrome.client.clone().close().await.unwrap();
}

on_both_backends!(an_expired_link_offers_reset_first);
