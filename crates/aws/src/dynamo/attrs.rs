//! Attribute values: building them, reading them, and JSON values (the
//! nested maps of a message: image, sentiment, author mood) to and from them.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Number, Value};

use super::Item;

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|value| value.as_s().ok()).map(String::as_str)
}

pub fn number<T: std::str::FromStr>(item: &Item, name: &str) -> Option<T> {
    item.get(name).and_then(|value| value.as_n().ok()).and_then(|value| value.parse().ok())
}

/// A JSON value as an attribute value (null, bool, number, string, list, map).
pub fn from_json(value: &Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(number) => AttributeValue::N(number.to_string()),
        Value::String(text) => AttributeValue::S(text.clone()),
        Value::Array(items) => AttributeValue::L(items.iter().map(from_json).collect()),
        Value::Object(fields) => {
            AttributeValue::M(fields.iter().map(|(name, value)| (name.clone(), from_json(value))).collect())
        }
    }
}

/// The JSON value an attribute value holds (sets become lists; binary is
/// not used by this table and reads as null).
pub fn to_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(text) => Value::String(text.clone()),
        AttributeValue::N(number) => number_value(number),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::L(items) => Value::Array(items.iter().map(to_json).collect()),
        AttributeValue::M(fields) => map_to_json(fields),
        AttributeValue::Ss(texts) => Value::Array(texts.iter().cloned().map(Value::String).collect()),
        AttributeValue::Ns(numbers) => Value::Array(numbers.iter().map(|n| number_value(n)).collect()),
        _ => Value::Null,
    }
}

pub fn map_to_json(fields: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(fields.iter().map(|(name, value)| (name.clone(), to_json(value))).collect::<Map<_, _>>())
}

fn number_value(number: &str) -> Value {
    if let Ok(integer) = number.parse::<i64>() {
        return Value::Number(integer.into());
    }
    if let Ok(integer) = number.parse::<u64>() {
        return Value::Number(integer.into());
    }
    number.parse::<f64>().ok().and_then(Number::from_f64).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_round_trips_through_attribute_values() {
        let value = json!({"label": "positive", "score": 0.75, "n": -3, "big": u64::MAX, "ok": true, "list": [1, "a", null]});
        assert_eq!(to_json(&from_json(&value)), value);
    }
}
