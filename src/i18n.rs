//! Every string the app shows, in English and Korean, from one place.
//!
//! `Texts` is a struct with one field per string, so a translation that is
//! missing in either language is a compile error, not a blank in production.
//! Korean is chosen when the browser prefers it; the user can switch, and the
//! choice is remembered.

use leptos::prelude::*;

use crate::storage;

const STORAGE_KEY: &str = "moodchat.locale";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locale {
    En,
    Ko,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Ko];

    /// BCP 47 tag, for `<html lang>` and for storage.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ko => "ko",
        }
    }

    /// The language's own name, as shown in the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Ko => "한국어",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "ko" => Some(Locale::Ko),
            _ => None,
        }
    }

    /// The first of the browser's preferred languages that we speak,
    /// English otherwise.
    pub fn negotiate<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Locale {
        preferred.into_iter().find_map(Locale::from_tag).unwrap_or(Locale::En)
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Locale::En => &EN,
            Locale::Ko => &KO,
        }
    }

    /// One function reads the sign-in texts, so they stay with it in the
    /// sign-in pages' shared chunk (inlined, every page would hold them).
    #[inline(never)]
    pub fn auth_texts(self) -> &'static AuthTexts {
        match self {
            Locale::En => &EN_AUTH,
            Locale::Ko => &KO_AUTH,
        }
    }
}

/// The reactive locale, shared through context.
#[derive(Clone, Copy)]
pub struct I18n {
    pub locale: RwSignal<Locale>,
}

impl I18n {
    /// The texts of the current locale; reading it subscribes to changes.
    pub fn t(&self) -> &'static Texts {
        self.locale.get().texts()
    }

    pub fn auth(&self) -> &'static AuthTexts {
        self.locale.get().auth_texts()
    }

    pub fn set(&self, locale: Locale) {
        storage::set(STORAGE_KEY, locale.tag());
        set_document_lang(locale);
        self.locale.set(locale);
    }
}

pub fn provide_i18n() -> I18n {
    let locale = storage::get(STORAGE_KEY)
        .and_then(|tag| Locale::from_tag(&tag))
        .unwrap_or_else(|| Locale::negotiate(browser_languages().iter().map(String::as_str)));
    set_document_lang(locale);
    let i18n = I18n { locale: RwSignal::new(locale) };
    provide_context(i18n);
    i18n
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// A reactive translated string: `{tr(|t| t.rooms_title)}` in a view.
///
/// Every call returns the same closure type (a locale signal and a function
/// pointer), so Leptos' rendering code is instantiated once for all texts
/// rather than once per text: a real saving in the wasm bundle.
pub fn tr(text: fn(&Texts) -> &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let locale = use_i18n().locale;
    move || text(locale.get().texts())
}

/// `tr` for the sign-in pages' texts.
pub fn tr_auth(text: fn(&AuthTexts) -> &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let locale = use_i18n().locale;
    move || text(locale.get().auth_texts())
}

fn browser_languages() -> Vec<String> {
    let Some(navigator) = web_sys::window().map(|window| window.navigator()) else {
        return Vec::new();
    };
    let mut languages: Vec<String> =
        navigator.languages().iter().filter_map(|value| value.as_string()).collect();
    if languages.is_empty() {
        languages.extend(navigator.language());
    }
    languages
}

fn set_document_lang(locale: Locale) {
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", locale.tag());
    }
}

/// One field per user-visible string.
pub struct Texts {
    pub app_name: &'static str,
    pub skip_to_content: &'static str,
    pub nav_rooms: &'static str,
    pub nav_sign_in: &'static str,
    pub language: &'static str,
    pub theme: &'static str,
    pub theme_system: &'static str,
    pub theme_light: &'static str,
    pub theme_dark: &'static str,
    pub connection_label: &'static str,
    pub connection_idle: &'static str,
    pub connection_connecting: &'static str,
    pub connection_connected: &'static str,
    pub connection_polling: &'static str,
    pub connection_reconnecting: &'static str,
    pub connection_offline: &'static str,
    pub loading: &'static str,
    pub config_error_title: &'static str,
    pub config_error_body: &'static str,
    pub config_error_network: &'static str,
    pub config_error_status: &'static str,
    pub config_error_invalid: &'static str,
    pub retry: &'static str,
    pub rooms_title: &'static str,
    pub rooms_intro: &'static str,
    pub lobby_name: &'static str,
    pub room_title: &'static str,
    pub room_empty: &'static str,
    pub back_to_rooms: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub go_home: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    // Chat (src/chat).
    pub chat_pick_room: &'static str,
    pub chat_new_room: &'static str,
    pub chat_new_room_label: &'static str,
    pub chat_create_room: &'static str,
    pub chat_action_failed: &'static str,
    pub chat_find_people: &'static str,
    pub chat_find_people_label: &'static str,
    pub chat_no_people: &'static str,
    pub chat_unread: &'static str,
    pub chat_messages_label: &'static str,
    pub chat_composer_label: &'static str,
    pub chat_composer_hint: &'static str,
    pub chat_too_long: &'static str,
    pub chat_send: &'static str,
    pub chat_sending: &'static str,
    pub chat_failed: &'static str,
    pub chat_retry: &'static str,
    pub chat_online: &'static str,
    pub chat_typing: &'static str,
    pub chat_seen_by: &'static str,
    pub chat_more: &'static str,
    pub chat_loading_older: &'static str,
    pub chat_new_message: &'static str,
    pub chat_mood: &'static str,
    pub chat_mood_positive: &'static str,
    pub chat_mood_neutral: &'static str,
    pub chat_mood_negative: &'static str,
    pub chat_image_alt: &'static str,
    pub image_attach: &'static str,
    pub image_remove: &'static str,
    pub image_preview_alt: &'static str,
    pub image_uploading: &'static str,
    pub image_cancel: &'static str,
    pub image_wrong_type: &'static str,
    pub image_too_large: &'static str,
    pub image_empty: &'static str,
    pub image_forbidden: &'static str,
    pub image_throttled: &'static str,
    pub image_failed: &'static str,
    pub image_cancelled: &'static str,
    pub image_open_full: &'static str,
    pub image_viewer_label: &'static str,
    pub image_close: &'static str,
}

pub static EN: Texts = Texts {
    app_name: "moodchat",
    skip_to_content: "Skip to content",
    nav_rooms: "Rooms",
    nav_sign_in: "Sign in",
    language: "Language",
    theme: "Theme",
    theme_system: "System",
    theme_light: "Light",
    theme_dark: "Dark",
    connection_label: "Connection",
    connection_idle: "Not connected",
    connection_connecting: "Connecting…",
    connection_connected: "Connected",
    connection_polling: "Connected (polling)",
    connection_reconnecting: "Reconnecting…",
    connection_offline: "Offline",
    loading: "Loading…",
    config_error_title: "moodchat can't start",
    config_error_body: "The app could not load its configuration from the server. Check your connection and try again.",
    config_error_network: "The server could not be reached.",
    config_error_status: "The server answered with an error",
    config_error_invalid: "The configuration the server sent is not valid.",
    retry: "Try again",
    rooms_title: "Rooms",
    rooms_intro: "Your rooms and direct conversations.",
    lobby_name: "Lobby",
    room_title: "Room",
    room_empty: "No messages yet.",
    back_to_rooms: "Back to rooms",
    not_found_title: "Page not found",
    not_found_body: "There is nothing at this address.",
    go_home: "Go to your rooms",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",
    // Chat.
    chat_pick_room: "Pick a room, or start a conversation.",
    chat_new_room: "New room",
    chat_new_room_label: "Room name",
    chat_create_room: "Create",
    chat_action_failed: "That didn't work. Please try again.",
    chat_find_people: "Message someone",
    chat_find_people_label: "Name or username",
    chat_no_people: "No one by that name.",
    chat_unread: "unread",
    chat_messages_label: "Messages",
    chat_composer_label: "Write a message",
    chat_composer_hint: "Enter sends · Shift+Enter adds a line",
    chat_too_long: "This message is too long (4,000 characters at most).",
    chat_send: "Send",
    chat_sending: "Sending…",
    chat_failed: "Not sent.",
    chat_retry: "Retry",
    chat_online: "online",
    chat_typing: "typing…",
    chat_seen_by: "Seen by",
    chat_more: "more",
    chat_loading_older: "Loading earlier messages…",
    chat_new_message: "New message",
    chat_mood: "Mood",
    chat_mood_positive: "positive",
    chat_mood_neutral: "neutral",
    chat_mood_negative: "negative",
    chat_image_alt: "Shared image",
    image_attach: "Attach an image",
    image_remove: "Remove image",
    image_preview_alt: "Image to send",
    image_uploading: "Uploading image",
    image_cancel: "Cancel upload",
    image_wrong_type: "Only JPEG, PNG, GIF or WebP images can be sent.",
    image_too_large: "That image is over 10 MB; choose a smaller one.",
    image_empty: "That file is empty.",
    image_forbidden: "You cannot share images in this room (or the upload expired). Send again to retry.",
    image_throttled: "Too many images right now. Wait a moment, then send again.",
    image_failed: "The image could not be uploaded. Send again to retry.",
    image_cancelled: "Upload cancelled. Send again to retry.",
    image_open_full: "Open the full-size image",
    image_viewer_label: "Full-size image",
    image_close: "Close the image",
};

pub static KO: Texts = Texts {
    app_name: "무드챗",
    skip_to_content: "본문으로 건너뛰기",
    nav_rooms: "대화방",
    nav_sign_in: "로그인",
    language: "언어",
    theme: "테마",
    theme_system: "시스템",
    theme_light: "밝게",
    theme_dark: "어둡게",
    connection_label: "연결 상태",
    connection_idle: "연결 안 됨",
    connection_connecting: "연결 중…",
    connection_connected: "연결됨",
    connection_polling: "연결됨 (폴링)",
    connection_reconnecting: "다시 연결 중…",
    connection_offline: "오프라인",
    loading: "불러오는 중…",
    config_error_title: "무드챗을 시작할 수 없습니다",
    config_error_body: "서버에서 설정을 불러오지 못했습니다. 연결을 확인하고 다시 시도해 주세요.",
    config_error_network: "서버에 연결할 수 없습니다.",
    config_error_status: "서버가 오류로 응답했습니다",
    config_error_invalid: "서버가 보낸 설정이 올바르지 않습니다.",
    retry: "다시 시도",
    rooms_title: "대화방",
    rooms_intro: "내 대화방과 1:1 대화입니다.",
    lobby_name: "로비",
    room_title: "대화방",
    room_empty: "아직 메시지가 없습니다.",
    back_to_rooms: "대화방 목록으로",
    not_found_title: "페이지를 찾을 수 없습니다",
    not_found_body: "이 주소에는 아무것도 없습니다.",
    go_home: "내 대화방으로 가기",
    sign_out: "로그아웃",
    signed_in_as: "로그인한 사용자",
    // Chat.
    chat_pick_room: "대화방을 고르거나 새 대화를 시작하세요.",
    chat_new_room: "새 대화방",
    chat_new_room_label: "대화방 이름",
    chat_create_room: "만들기",
    chat_action_failed: "처리하지 못했습니다. 다시 시도해 주세요.",
    chat_find_people: "1:1 대화 시작",
    chat_find_people_label: "이름 또는 사용자 이름",
    chat_no_people: "그런 이름의 사용자가 없습니다.",
    chat_unread: "읽지 않음",
    chat_messages_label: "메시지",
    chat_composer_label: "메시지 입력",
    chat_composer_hint: "Enter: 보내기 · Shift+Enter: 줄 바꿈",
    chat_too_long: "메시지가 너무 깁니다 (최대 4,000자).",
    chat_send: "보내기",
    chat_sending: "보내는 중…",
    chat_failed: "보내지 못했습니다.",
    chat_retry: "다시 보내기",
    chat_online: "명 접속 중",
    chat_typing: "입력 중…",
    chat_seen_by: "읽음:",
    chat_more: "명 더",
    chat_loading_older: "이전 메시지를 불러오는 중…",
    chat_new_message: "새 메시지",
    chat_mood: "기분",
    chat_mood_positive: "긍정",
    chat_mood_neutral: "중립",
    chat_mood_negative: "부정",
    chat_image_alt: "공유된 이미지",
    image_attach: "이미지 첨부",
    image_remove: "이미지 빼기",
    image_preview_alt: "보낼 이미지",
    image_uploading: "이미지 올리는 중",
    image_cancel: "올리기 취소",
    image_wrong_type: "JPEG, PNG, GIF, WebP 이미지만 보낼 수 있어요.",
    image_too_large: "10MB가 넘는 이미지예요. 더 작은 이미지를 골라 주세요.",
    image_empty: "빈 파일이에요.",
    image_forbidden: "이 방에는 이미지를 올릴 수 없어요(또는 올리기 시간이 지났어요). 다시 보내면 재시도해요.",
    image_throttled: "지금은 이미지가 너무 많아요. 잠시 후 다시 보내 주세요.",
    image_failed: "이미지를 올리지 못했어요. 다시 보내면 재시도해요.",
    image_cancelled: "올리기를 취소했어요. 다시 보내면 재시도해요.",
    image_open_full: "원본 크기로 보기",
    image_viewer_label: "원본 크기 이미지",
    image_close: "이미지 닫기",
};

/// The sign-in pages' texts, apart from `Texts`: only the sign-in pages'
/// chunks read them (through `Locale::auth_texts`), so the code splitter
/// keeps them, and their Korean and English sentences, out of the main module.
pub struct AuthTexts {
    pub sign_in_title: &'static str,
    pub sign_in_intro: &'static str,
    pub email_label: &'static str,
    pub password_label: &'static str,
    pub new_password_label: &'static str,
    pub name_label: &'static str,
    pub code_label: &'static str,
    pub working: &'static str,
    pub sign_in_submit: &'static str,
    pub forgot_password_link: &'static str,
    pub no_account: &'static str,
    pub create_account_link: &'static str,
    pub have_account: &'static str,
    pub confirm_account_link: &'static str,
    pub back_to_sign_in: &'static str,
    pub sign_up_title: &'static str,
    pub sign_up_intro: &'static str,
    pub sign_up_submit: &'static str,
    pub password_rules_title: &'static str,
    pub rule_length: &'static str,
    pub rule_lowercase: &'static str,
    pub rule_uppercase: &'static str,
    pub rule_digit: &'static str,
    pub rule_symbol: &'static str,
    pub rule_met: &'static str,
    pub rule_unmet: &'static str,
    pub confirm_title: &'static str,
    pub confirm_intro: &'static str,
    pub confirm_submit: &'static str,
    pub resend_code: &'static str,
    pub code_resent: &'static str,
    pub forgot_title: &'static str,
    pub forgot_intro: &'static str,
    pub forgot_submit: &'static str,
    pub reset_title: &'static str,
    pub reset_intro: &'static str,
    pub reset_submit: &'static str,
    pub notice_confirmed: &'static str,
    pub notice_password_reset: &'static str,
    pub notice_session_expired: &'static str,
    pub error_not_authorized: &'static str,
    pub error_attempts_exceeded: &'static str,
    pub error_user_not_confirmed: &'static str,
    pub error_username_exists: &'static str,
    pub error_alias_exists: &'static str,
    pub error_code_mismatch: &'static str,
    pub error_expired_code: &'static str,
    pub error_invalid_password: &'static str,
    pub error_invalid_parameter: &'static str,
    pub error_too_many_requests: &'static str,
    pub error_user_not_found: &'static str,
    pub error_network: &'static str,
    pub error_unknown: &'static str,
}

pub static EN_AUTH: AuthTexts = AuthTexts {
    sign_in_title: "Sign in",
    sign_in_intro: "Chat in real time and see the mood of every message.",
    email_label: "Email",
    password_label: "Password",
    new_password_label: "New password",
    name_label: "Display name",
    code_label: "Code from the email",
    working: "Please wait…",
    sign_in_submit: "Sign in",
    forgot_password_link: "Forgot your password?",
    no_account: "New to moodchat?",
    create_account_link: "Create an account",
    have_account: "Already have an account?",
    confirm_account_link: "Confirm your account",
    back_to_sign_in: "Back to sign in",
    sign_up_title: "Create an account",
    sign_up_intro: "We will email you a code to confirm your address.",
    sign_up_submit: "Create account",
    password_rules_title: "Your password needs:",
    rule_length: "at least 8 characters",
    rule_lowercase: "a lowercase letter (a–z)",
    rule_uppercase: "an uppercase letter (A–Z)",
    rule_digit: "a number (0–9)",
    rule_symbol: "a symbol such as ! @ # $ %",
    rule_met: "(done)",
    rule_unmet: "(missing)",
    confirm_title: "Confirm your email",
    confirm_intro: "Enter the 6-digit code we sent to your email address.",
    confirm_submit: "Confirm",
    resend_code: "Send a new code",
    code_resent: "A new code is on its way to your email.",
    forgot_title: "Reset your password",
    forgot_intro: "Enter your email and we will send you a code to choose a new password.",
    forgot_submit: "Send code",
    reset_title: "Choose a new password",
    reset_intro: "Enter the code from the email and your new password.",
    reset_submit: "Change password",
    notice_confirmed: "Your email is confirmed. Sign in to start chatting.",
    notice_password_reset: "Your password was changed. Sign in with the new one.",
    notice_session_expired: "Your session has ended. Sign in again; what you were typing is kept.",
    error_not_authorized: "The email or password is not right.",
    error_attempts_exceeded: "Too many wrong passwords. Wait a moment and try again.",
    error_user_not_confirmed: "This account is not confirmed yet. Enter the code we emailed you.",
    error_username_exists: "An account with this email already exists. Sign in instead.",
    error_alias_exists: "Another account already uses this email.",
    error_code_mismatch: "That code is not right. Check the email and try again.",
    error_expired_code: "That code has expired. Ask for a new one.",
    error_invalid_password: "The password does not meet the requirements below.",
    error_invalid_parameter: "Something in the form is not valid. Check each field.",
    error_too_many_requests: "Too many attempts. Wait a few minutes and try again.",
    error_user_not_found: "There is no account with this email.",
    error_network: "The sign-in service could not be reached. Check your connection and try again.",
    error_unknown: "Something went wrong",
};

pub static KO_AUTH: AuthTexts = AuthTexts {
    sign_in_title: "로그인",
    sign_in_intro: "실시간으로 대화하고 메시지마다 기분을 확인하세요.",
    email_label: "이메일",
    password_label: "비밀번호",
    new_password_label: "새 비밀번호",
    name_label: "표시 이름",
    code_label: "이메일로 받은 코드",
    working: "잠시만 기다려 주세요…",
    sign_in_submit: "로그인",
    forgot_password_link: "비밀번호를 잊으셨나요?",
    no_account: "무드챗이 처음이신가요?",
    create_account_link: "계정 만들기",
    have_account: "이미 계정이 있으신가요?",
    confirm_account_link: "계정 확인하기",
    back_to_sign_in: "로그인으로 돌아가기",
    sign_up_title: "계정 만들기",
    sign_up_intro: "이메일 주소 확인을 위해 코드를 보내 드립니다.",
    sign_up_submit: "계정 만들기",
    password_rules_title: "비밀번호 조건:",
    rule_length: "8자 이상",
    rule_lowercase: "영문 소문자 (a–z)",
    rule_uppercase: "영문 대문자 (A–Z)",
    rule_digit: "숫자 (0–9)",
    rule_symbol: "! @ # $ % 같은 기호",
    rule_met: "(충족)",
    rule_unmet: "(미충족)",
    confirm_title: "이메일 확인",
    confirm_intro: "이메일로 보내 드린 6자리 코드를 입력하세요.",
    confirm_submit: "확인",
    resend_code: "코드 다시 받기",
    code_resent: "새 코드를 이메일로 보냈습니다.",
    forgot_title: "비밀번호 재설정",
    forgot_intro: "이메일을 입력하시면 새 비밀번호를 정할 수 있는 코드를 보내 드립니다.",
    forgot_submit: "코드 보내기",
    reset_title: "새 비밀번호 정하기",
    reset_intro: "이메일로 받은 코드와 새 비밀번호를 입력하세요.",
    reset_submit: "비밀번호 변경",
    notice_confirmed: "이메일이 확인되었습니다. 로그인하고 대화를 시작하세요.",
    notice_password_reset: "비밀번호가 변경되었습니다. 새 비밀번호로 로그인하세요.",
    notice_session_expired: "세션이 만료되었습니다. 다시 로그인해 주세요. 작성 중이던 내용은 그대로 있습니다.",
    error_not_authorized: "이메일 또는 비밀번호가 올바르지 않습니다.",
    error_attempts_exceeded: "비밀번호를 너무 많이 틀렸습니다. 잠시 후 다시 시도해 주세요.",
    error_user_not_confirmed: "아직 확인되지 않은 계정입니다. 이메일로 받은 코드를 입력해 주세요.",
    error_username_exists: "이 이메일로 만든 계정이 이미 있습니다. 로그인해 주세요.",
    error_alias_exists: "다른 계정이 이미 이 이메일을 사용하고 있습니다.",
    error_code_mismatch: "코드가 올바르지 않습니다. 이메일을 확인하고 다시 시도해 주세요.",
    error_expired_code: "코드가 만료되었습니다. 새 코드를 받아 주세요.",
    error_invalid_password: "비밀번호가 아래 조건을 충족하지 않습니다.",
    error_invalid_parameter: "입력한 내용 중 올바르지 않은 항목이 있습니다. 각 항목을 확인해 주세요.",
    error_too_many_requests: "시도 횟수가 너무 많습니다. 몇 분 후 다시 시도해 주세요.",
    error_user_not_found: "이 이메일로 만든 계정이 없습니다.",
    error_network: "로그인 서비스에 연결할 수 없습니다. 연결을 확인하고 다시 시도해 주세요.",
    error_unknown: "문제가 발생했습니다",
};

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn korean_when_the_browser_prefers_it() {
        assert_eq!(Locale::negotiate(["ko-KR", "en-US"]), Locale::Ko);
        assert_eq!(Locale::negotiate(["fr-FR", "ko"]), Locale::Ko);
        assert_eq!(Locale::negotiate(["en-GB", "ko-KR"]), Locale::En);
    }

    #[test]
    fn english_when_nothing_matches() {
        assert_eq!(Locale::negotiate(["fr-FR", "de"]), Locale::En);
        assert_eq!(Locale::negotiate([]), Locale::En);
    }

    #[test]
    fn tags_round_trip() {
        for locale in Locale::ALL {
            assert_eq!(Locale::from_tag(locale.tag()), Some(locale));
        }
        assert_eq!(Locale::from_tag("KO_kr"), Some(Locale::Ko));
        assert_eq!(Locale::from_tag(""), None);
    }
}
