//! JSON through the browser's own parser and serializer (`JSON.parse`,
//! `JSON.stringify`) instead of serde_json::Value: the identity provider's
//! documents are small and read member by member, and this keeps JSON code
//! out of the main bundle (serde_json's Value, its number parsing and
//! formatting, and the `json!` expansions cost several KB of wasm).

use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::JsValue;

/// `{name: value, ...}`.
pub fn object(members: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (name, value) in members {
        let _ = Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object.into()
}

/// A string as a JSON value.
pub fn string(value: &str) -> JsValue {
    JsValue::from_str(value)
}

/// The member `name` of an object, `undefined` when absent (or not an object).
pub fn member(value: &JsValue, name: &str) -> JsValue {
    if value.is_object() {
        Reflect::get(value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// The string member `name`, if it is one.
pub fn text(value: &JsValue, name: &str) -> Option<String> {
    member(value, name).as_string()
}

/// Parses a document; `null` when it is not JSON (an HTML error page...).
pub fn parse(text: &str) -> JsValue {
    JSON::parse(text).unwrap_or(JsValue::NULL)
}

pub fn stringify(value: &JsValue) -> String {
    JSON::stringify(value).map(String::from).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn builds_reads_and_round_trips_documents() {
        let document = object(&[("ClientId", string("web")), ("AuthParameters", object(&[("USERNAME", string("민지@example.com"))]))]);
        let text = stringify(&document);
        assert_eq!(text, r#"{"ClientId":"web","AuthParameters":{"USERNAME":"민지@example.com"}}"#);
        let back = parse(&text);
        assert_eq!(super::text(&member(&back, "AuthParameters"), "USERNAME").as_deref(), Some("민지@example.com"));
        assert_eq!(super::text(&back, "Missing"), None);
        assert!(member(&parse("<html>"), "x").is_undefined(), "not JSON: every member is absent");
    }
}
