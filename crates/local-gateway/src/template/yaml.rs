//! A SAM template in YAML, turned into CloudFormation's JSON form: the short
//! tags (`!Ref X`, `!GetAtt A.B`, `!Sub ...`) become the long forms
//! (`{"Ref": "X"}`, `{"Fn::GetAtt": ["A", "B"]}`, `{"Fn::Sub": ...}`), so the
//! rest of the gateway reads one representation, the one CloudFormation
//! documents.

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};
use serde_norway::Value as Yaml;

/// Parses a template and converts it to CloudFormation JSON.
pub fn parse(text: &str) -> Result<Value> {
    let yaml: Yaml = serde_norway::from_str(text).context("the template is not valid YAML")?;
    to_json(yaml)
}

fn to_json(yaml: Yaml) -> Result<Value> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => serde_json::to_value(n)?,
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect::<Result<_>>()?),
        Yaml::Mapping(mapping) => {
            let mut object = Map::new();
            for (key, value) in mapping {
                let key = match key {
                    Yaml::String(s) => s,
                    // `Yes:`/`123:` keys are not used in templates, but keep them readable.
                    other => serde_norway::to_string(&other)?.trim().to_owned(),
                };
                object.insert(key, to_json(value)?);
            }
            Value::Object(object)
        }
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let value = to_json(tagged.value)?;
            intrinsic(name, value)?
        }
    })
}

/// The long form of one short-form tag.
fn intrinsic(name: &str, value: Value) -> Result<Value> {
    let (key, value) = match name {
        "Ref" => ("Ref".to_owned(), value),
        "Condition" => ("Condition".to_owned(), value),
        // `!GetAtt Resource.Attribute` (a string) or `!GetAtt [Resource, Attribute]`.
        "GetAtt" => {
            let value = match value {
                Value::String(s) => match s.split_once('.') {
                    Some((resource, attribute)) => Value::Array(vec![resource.into(), attribute.into()]),
                    None => bail!("!GetAtt {s}: expected Resource.Attribute"),
                },
                other => other,
            };
            ("Fn::GetAtt".to_owned(), value)
        }
        "Sub" | "Join" | "Select" | "Split" | "If" | "Equals" | "Not" | "And" | "Or" | "FindInMap" | "Base64"
        | "GetAZs" | "ImportValue" | "Cidr" | "Length" | "ToJsonString" => (format!("Fn::{name}"), value),
        other => bail!("unknown CloudFormation tag !{other}"),
    };
    let mut object = Map::new();
    object.insert(key, value);
    Ok(Value::Object(object))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_tags_become_long_forms() {
        let template = parse(
            "A: !Ref Table\nB: !GetAtt Table.Arn\nC: !Sub \"${X}-y\"\nD: !Select [0, !Split [\"/\", !Ref AWS::StackId]]\nE: 3\n",
        )
        .unwrap();
        assert_eq!(
            template,
            json!({
                "A": {"Ref": "Table"},
                "B": {"Fn::GetAtt": ["Table", "Arn"]},
                "C": {"Fn::Sub": "${X}-y"},
                "D": {"Fn::Select": [0, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]},
                "E": 3
            })
        );
    }

    #[test]
    fn unknown_tags_and_bad_getatt_are_errors() {
        assert!(parse("A: !Nope x\n").is_err());
        assert!(parse("A: !GetAtt Table\n").is_err());
    }
}
