//! Evaluating CloudFormation's intrinsic functions against local values: what
//! CloudFormation does at deploy time, with the local stand-ins' names and
//! ARNs in place of the real resources'.

use std::collections::HashMap;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{Map, Value};

/// What `Ref` and `Fn::GetAtt` answer, and which conditions hold.
pub trait Scope {
    /// `Ref` of a parameter, pseudo parameter or resource.
    fn reference(&self, name: &str) -> Option<String>;
    /// `Fn::GetAtt` of a resource's attribute.
    fn attribute(&self, resource: &str, attribute: &str) -> Option<String>;
    fn condition(&self, name: &str) -> Option<bool>;
}

/// `AWS::NoValue` removes the property (or list item) it stands for.
const NO_VALUE: &str = "AWS::NoValue";

/// Evaluates every intrinsic in `value`; `None` when the whole value is
/// `AWS::NoValue`.
pub fn resolve(value: &Value, scope: &dyn Scope) -> Result<Option<Value>> {
    match value {
        Value::Object(object) if object.len() == 1 => {
            let (key, argument) = object.iter().next().expect("one entry");
            if key == "Ref" || key == "Condition" || key.starts_with("Fn::") {
                return function(key, argument, scope);
            }
            resolve_object(object, scope).map(Some)
        }
        Value::Object(object) => resolve_object(object, scope).map(Some),
        Value::Array(items) => {
            let mut resolved = Vec::with_capacity(items.len());
            for item in items {
                if let Some(item) = resolve(item, scope)? {
                    resolved.push(item);
                }
            }
            Ok(Some(Value::Array(resolved)))
        }
        other => Ok(Some(other.clone())),
    }
}

/// Resolves a value that must not be `AWS::NoValue`.
pub fn resolve_required(value: &Value, scope: &dyn Scope) -> Result<Value> {
    resolve(value, scope)?.ok_or_else(|| anyhow!("AWS::NoValue where a value is required"))
}

/// Resolves a value that must end as a string (numbers are stringified).
pub fn resolve_string(value: &Value, scope: &dyn Scope) -> Result<String> {
    match resolve_required(value, scope)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => bail!("expected a string, got {other}"),
    }
}

fn resolve_object(object: &Map<String, Value>, scope: &dyn Scope) -> Result<Value> {
    let mut resolved = Map::new();
    for (key, value) in object {
        if let Some(value) = resolve(value, scope).with_context(|| format!("in {key}"))? {
            resolved.insert(key.clone(), value);
        }
    }
    Ok(Value::Object(resolved))
}

fn function(name: &str, argument: &Value, scope: &dyn Scope) -> Result<Option<Value>> {
    let string = |v: &Value| resolve_string(v, scope);
    Ok(Some(match name {
        "Ref" => {
            let target = argument.as_str().ok_or_else(|| anyhow!("Ref takes a name"))?;
            if target == NO_VALUE {
                return Ok(None);
            }
            Value::String(scope.reference(target).ok_or_else(|| anyhow!("Ref to unknown {target}"))?)
        }
        "Fn::GetAtt" => {
            let (resource, attribute) = match argument.as_array().map(Vec::as_slice) {
                Some([resource, attribute]) => (string(resource)?, string(attribute)?),
                _ => bail!("Fn::GetAtt takes [resource, attribute]"),
            };
            Value::String(
                scope
                    .attribute(&resource, &attribute)
                    .ok_or_else(|| anyhow!("Fn::GetAtt {resource}.{attribute} is not known locally"))?,
            )
        }
        "Fn::Sub" => Value::String(substitute(argument, scope)?),
        "Fn::Join" => {
            let (separator, items) = match argument.as_array().map(Vec::as_slice) {
                Some([separator, items]) => (string(separator)?, resolve_required(items, scope)?),
                _ => bail!("Fn::Join takes [separator, list]"),
            };
            let items = items.as_array().ok_or_else(|| anyhow!("Fn::Join's list is not a list"))?;
            let parts = items.iter().map(string).collect::<Result<Vec<_>>>()?;
            Value::String(parts.join(&separator))
        }
        "Fn::Split" => {
            let (separator, text) = match argument.as_array().map(Vec::as_slice) {
                Some([separator, text]) => (string(separator)?, string(text)?),
                _ => bail!("Fn::Split takes [separator, string]"),
            };
            Value::Array(text.split(separator.as_str()).map(|s| Value::String(s.to_owned())).collect())
        }
        "Fn::Select" => {
            let (index, items) = match argument.as_array().map(Vec::as_slice) {
                Some([index, items]) => (string(index)?, resolve_required(items, scope)?),
                _ => bail!("Fn::Select takes [index, list]"),
            };
            let index: usize = index.parse().context("Fn::Select's index")?;
            let items = items.as_array().ok_or_else(|| anyhow!("Fn::Select's list is not a list"))?;
            items.get(index).cloned().ok_or_else(|| anyhow!("Fn::Select index {index} out of range"))?
        }
        "Fn::If" => {
            let (condition, when_true, when_false) = match argument.as_array().map(Vec::as_slice) {
                Some([condition, when_true, when_false]) => (string(condition)?, when_true, when_false),
                _ => bail!("Fn::If takes [condition, then, else]"),
            };
            let holds = scope.condition(&condition).ok_or_else(|| anyhow!("unknown condition {condition}"))?;
            return resolve(if holds { when_true } else { when_false }, scope);
        }
        "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" | "Condition" => {
            Value::Bool(condition_value(name, argument, scope)?)
        }
        other => bail!("{other} is not supported by the local gateway"),
    }))
}

/// Evaluates a condition expression (the `Conditions` section's functions).
pub fn evaluate_condition(expression: &Value, scope: &dyn Scope) -> Result<bool> {
    match expression.as_object().and_then(|o| o.iter().next()) {
        Some((name, argument)) => condition_value(name, argument, scope),
        None => bail!("a condition must be a function"),
    }
}

fn condition_value(name: &str, argument: &Value, scope: &dyn Scope) -> Result<bool> {
    let list = || argument.as_array().ok_or_else(|| anyhow!("{name} takes a list"));
    Ok(match name {
        "Fn::Equals" => match list()?.as_slice() {
            [a, b] => resolve_required(a, scope)? == resolve_required(b, scope)?,
            _ => bail!("Fn::Equals takes two values"),
        },
        "Fn::Not" => match list()?.as_slice() {
            [inner] => !evaluate_condition(inner, scope)?,
            _ => bail!("Fn::Not takes one condition"),
        },
        "Fn::And" => list()?.iter().map(|c| evaluate_condition(c, scope)).collect::<Result<Vec<_>>>()?.iter().all(|b| *b),
        "Fn::Or" => list()?.iter().map(|c| evaluate_condition(c, scope)).collect::<Result<Vec<_>>>()?.iter().any(|b| *b),
        "Condition" => {
            let condition = argument.as_str().ok_or_else(|| anyhow!("Condition takes a name"))?;
            scope.condition(condition).ok_or_else(|| anyhow!("unknown condition {condition}"))?
        }
        other => bail!("{other} is not a condition function"),
    })
}

/// `Fn::Sub`: `"text ${Name} ${Resource.Attribute}"` or `[text, {variables}]`.
fn substitute(argument: &Value, scope: &dyn Scope) -> Result<String> {
    let (text, variables) = match argument {
        Value::String(text) => (text.as_str(), HashMap::new()),
        Value::Array(items) => match items.as_slice() {
            [Value::String(text), Value::Object(variables)] => {
                let mut resolved = HashMap::new();
                for (name, value) in variables {
                    resolved.insert(name.clone(), resolve_string(value, scope)?);
                }
                (text.as_str(), resolved)
            }
            _ => bail!("Fn::Sub takes a string or [string, variables]"),
        },
        _ => bail!("Fn::Sub takes a string or [string, variables]"),
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        // `${!Literal}` writes `${Literal}`.
        if let Some(literal) = after.strip_prefix('!') {
            let end = literal.find('}').ok_or_else(|| anyhow!("unclosed ${{! in Fn::Sub"))?;
            out.push_str("${");
            out.push_str(&literal[..=end]);
            rest = &literal[end + 1..];
            continue;
        }
        let end = after.find('}').ok_or_else(|| anyhow!("unclosed ${{ in Fn::Sub"))?;
        let name = &after[..end];
        let value = match variables.get(name) {
            Some(value) => value.clone(),
            None => match name.split_once('.') {
                Some((resource, attribute)) if !name.starts_with("AWS::") => scope
                    .attribute(resource, attribute)
                    .ok_or_else(|| anyhow!("${{{name}}} is not known locally"))?,
                _ => scope.reference(name).ok_or_else(|| anyhow!("${{{name}}}: unknown name"))?,
            },
        };
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Fixed;

    impl Scope for Fixed {
        fn reference(&self, name: &str) -> Option<String> {
            match name {
                "AWS::StackId" => Some("arn:aws:cloudformation:r:1:stack/s/11111111-2222-3333-4444-555555555555".into()),
                "AWS::Region" => Some("us-east-1".into()),
                "Table" => Some("stack-Table".into()),
                "Empty" => Some(String::new()),
                _ => None,
            }
        }
        fn attribute(&self, resource: &str, attribute: &str) -> Option<String> {
            (resource == "Table" && attribute == "Arn").then(|| "arn:table".into())
        }
        fn condition(&self, name: &str) -> Option<bool> {
            match name {
                "Yes" => Some(true),
                "No" => Some(false),
                _ => None,
            }
        }
    }

    #[test]
    fn sub_join_select_split_and_getatt() {
        let value = json!({
            "Fn::Sub": ["moodchat-images-${Id}", {"Id": {"Fn::Select": [4, {"Fn::Split": ["-",
                {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}]}]}}]
        });
        assert_eq!(resolve_string(&value, &Fixed).unwrap(), "moodchat-images-555555555555");
        let value = json!({"Fn::Sub": "${Table.Arn}/index/* in ${AWS::Region} ${!Literal}"});
        assert_eq!(resolve_string(&value, &Fixed).unwrap(), "arn:table/index/* in us-east-1 ${Literal}");
        let value = json!({"Fn::Join": [":", ["a", {"Ref": "Table"}]]});
        assert_eq!(resolve_string(&value, &Fixed).unwrap(), "a:stack-Table");
    }

    #[test]
    fn if_and_no_value_drop_items() {
        let value = json!([1, {"Fn::If": ["No", 2, {"Ref": "AWS::NoValue"}]}, {"Fn::If": ["Yes", 3, 4]}]);
        assert_eq!(resolve(&value, &Fixed).unwrap(), Some(json!([1, 3])));
        let condition = json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "Empty"}, ""]}]});
        assert!(!evaluate_condition(&condition, &Fixed).unwrap());
    }

    #[test]
    fn unknown_names_are_errors() {
        assert!(resolve(&json!({"Ref": "Nope"}), &Fixed).is_err());
        assert!(resolve(&json!({"Fn::Sub": "${Nope.Arn}"}), &Fixed).is_err());
        assert!(resolve(&json!({"Fn::Base64": "x"}), &Fixed).is_err());
    }
}
