//! The words of the members panel and of browsing rooms, in their chunk
//! rather than in the main module's `Texts` (nobody needs them before
//! opening one).

use crate::i18n::Locale;

pub struct PeopleTexts {
    pub open: &'static str,
    pub close: &'static str,
    /// "{}" is the number of members.
    pub title: &'static str,
    pub online: &'static str,
    pub you: &'static str,
    pub invite: &'static str,
    pub invite_label: &'static str,
    pub invite_button: &'static str,
    /// "{}" is the name of the person invited.
    pub invited: &'static str,
    pub no_people: &'static str,
    pub leave: &'static str,
    pub leave_confirm: &'static str,
    pub cancel: &'static str,
    pub failed: &'static str,
    pub too_many: &'static str,
    pub browse: &'static str,
    pub browse_list: &'static str,
    pub browse_none: &'static str,
    pub join: &'static str,
    pub loading: &'static str,
    pub mute: &'static str,
    pub mute_hint: &'static str,
}

pub fn people_texts(locale: Locale) -> &'static PeopleTexts {
    match locale {
        Locale::En => &EN,
        Locale::Ko => &KO,
    }
}

const EN: PeopleTexts = PeopleTexts {
    open: "Members",
    close: "Close members",
    title: "Members ({})",
    online: "online",
    you: "(you)",
    invite: "Invite someone",
    invite_label: "Name or username",
    invite_button: "Invite",
    invited: "{} is in the room now.",
    no_people: "No one by that name.",
    leave: "Leave room",
    leave_confirm: "Leave this room? You can find it and join again later.",
    cancel: "Cancel",
    failed: "That didn't work. Please try again.",
    too_many: "Too many invitations for now. Try again later.",
    browse: "Browse rooms",
    browse_list: "Rooms you can join",
    browse_none: "No other rooms to join yet.",
    join: "Join",
    loading: "Loading…",
    mute: "Mute this room",
    mute_hint: "Unread messages still count, but it never sends you a notification.",
};

const KO: PeopleTexts = PeopleTexts {
    open: "참여자",
    close: "참여자 닫기",
    title: "참여자 ({}명)",
    online: "접속 중",
    you: "(나)",
    invite: "초대하기",
    invite_label: "이름 또는 사용자 이름",
    invite_button: "초대",
    invited: "{}님이 대화방에 들어왔습니다.",
    no_people: "그런 이름의 사용자가 없습니다.",
    leave: "대화방 나가기",
    leave_confirm: "이 대화방에서 나갈까요? 나중에 다시 찾아 참여할 수 있습니다.",
    cancel: "취소",
    failed: "처리하지 못했습니다. 다시 시도해 주세요.",
    too_many: "지금은 초대를 더 할 수 없습니다. 잠시 후 다시 시도해 주세요.",
    browse: "대화방 둘러보기",
    browse_list: "참여할 수 있는 대화방",
    browse_none: "아직 참여할 다른 대화방이 없습니다.",
    join: "참여",
    loading: "불러오는 중…",
    mute: "이 대화방 알림 끄기",
    mute_hint: "읽지 않은 메시지 수는 그대로 보이지만 알림은 오지 않습니다.",
};
