//! The `random` provider's values, made by the simulator when such a resource is created.

use serde_json::{Value as Json, json};

use crate::backend::BackendError;

/// Upper bound for a random number below `n` (n > 0), from the operating system's generator.
fn below(n: u64) -> Result<u64, BackendError> {
    let x = getrandom::u64().map_err(|e| BackendError::new("RandomUnavailable", e.to_string()))?;
    Ok(x % n)
}

fn number(attrs: &Json, key: &str) -> u64 {
    attrs
        .get(key)
        .and_then(Json::as_f64)
        .map_or(0, |n| n.max(0.0) as u64)
}

fn flag(attrs: &Json, key: &str) -> bool {
    attrs.get(key).and_then(Json::as_bool).unwrap_or(true)
}

fn set(attrs: &mut Json, key: &str, value: Json) {
    if let Some(map) = attrs.as_object_mut() {
        map.insert(key.to_owned(), value);
    }
}

/// Fills the computed attributes (and the id) of a new `random_*` object.
pub(super) fn generate(resource_type: &str, mut attrs: Json) -> Result<Json, BackendError> {
    let id = match resource_type {
        "random_password" | "random_string" => {
            let result = characters(&attrs)?;
            set(&mut attrs, "result", json!(result));
            uuid::Uuid::new_v4().to_string()
        }
        "random_integer" => {
            let (min, max) = (number(&attrs, "min"), number(&attrs, "max"));
            if max < min {
                return Err(BackendError::new(
                    "InvalidArgument",
                    format!("min ({min}) is greater than max ({max})"),
                ));
            }
            let span = max - min + 1;
            let pick = match attrs.get("seed").and_then(Json::as_str) {
                Some(seed) => {
                    u64::from(
                        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, seed.as_bytes()).as_u128()
                            as u32,
                    ) % span
                }
                None => below(span)?,
            };
            set(&mut attrs, "result", json!(min + pick));
            uuid::Uuid::new_v4().to_string()
        }
        "random_id" => {
            let mut bytes = vec![0u8; number(&attrs, "byte_length").max(1) as usize];
            getrandom::fill(&mut bytes)
                .map_err(|e| BackendError::new("RandomUnavailable", e.to_string()))?;
            let prefix = attrs
                .get("prefix")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned();
            let url =
                base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &bytes);
            let std = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &bytes);
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            set(&mut attrs, "b64_url", json!(format!("{prefix}{url}")));
            set(&mut attrs, "b64_std", json!(format!("{prefix}{std}")));
            set(&mut attrs, "hex", json!(format!("{prefix}{hex}")));
            set(
                &mut attrs,
                "dec",
                json!(format!("{prefix}{}", decimal(&bytes))),
            );
            url
        }
        "random_pet" => pet(&attrs)?,
        other => {
            return Err(BackendError::new(
                "UnsupportedResourceType",
                format!("{other} is not a random resource"),
            ));
        }
    };
    set(&mut attrs, "id", json!(id));
    Ok(attrs)
}

const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const NUMERIC: &str = "0123456789";
/// The random provider's default special characters.
const SPECIAL: &str = "!@#$%&*()-_=+[]{}<>:?";

/// A string of `length` characters from the enabled classes, with at least `min_*` of each.
fn characters(attrs: &Json) -> Result<String, BackendError> {
    let special = attrs
        .get("override_special")
        .and_then(Json::as_str)
        .unwrap_or(SPECIAL)
        .to_owned();
    let classes: Vec<(&str, bool, u64)> = vec![
        (UPPER, flag(attrs, "upper"), number(attrs, "min_upper")),
        (LOWER, flag(attrs, "lower"), number(attrs, "min_lower")),
        (
            NUMERIC,
            flag(attrs, "numeric"),
            number(attrs, "min_numeric"),
        ),
        (
            special.as_str(),
            flag(attrs, "special"),
            number(attrs, "min_special"),
        ),
    ];
    let pool: Vec<char> = classes
        .iter()
        .filter(|(_, on, _)| *on)
        .flat_map(|(chars, _, _)| chars.chars())
        .collect();
    if pool.is_empty() {
        return Err(BackendError::new(
            "InvalidArgument",
            "every character class is disabled",
        ));
    }
    let length = number(attrs, "length");
    let mut out: Vec<char> = Vec::new();
    for (chars, on, min) in &classes {
        let chars: Vec<char> = chars.chars().collect();
        for _ in 0..if *on { *min } else { 0 } {
            out.push(chars[below(chars.len() as u64)? as usize]);
        }
    }
    while (out.len() as u64) < length {
        out.push(pool[below(pool.len() as u64)? as usize]);
    }
    for i in (1..out.len()).rev() {
        let j = below(i as u64 + 1)? as usize;
        out.swap(i, j);
    }
    Ok(out.into_iter().collect())
}

/// Big-endian bytes as a decimal number of any size.
fn decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = vec![0];
    for &byte in bytes {
        let mut carry = u32::from(byte);
        for d in digits.iter_mut() {
            let v = u32::from(*d) * 256 + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

const ADVERBS: &[&str] = &[
    "quickly", "gently", "boldly", "calmly", "deeply", "eagerly", "firmly", "freely", "gladly",
    "kindly", "neatly", "openly", "proudly", "quietly", "rapidly", "slowly", "smoothly", "softly",
    "warmly", "wisely",
];
const ADJECTIVES: &[&str] = &[
    "able", "brave", "bright", "calm", "clever", "cosmic", "daring", "eager", "fair", "fancy",
    "gentle", "golden", "happy", "honest", "jolly", "keen", "lively", "lucky", "merry", "noble",
    "polite", "proud", "quick", "rapid", "royal", "sharp", "shiny", "smart", "steady", "sunny",
    "swift", "tidy", "vivid", "witty", "young", "zesty",
];
const ANIMALS: &[&str] = &[
    "badger", "beaver", "bison", "condor", "crane", "dingo", "dolphin", "eagle", "falcon",
    "ferret", "gecko", "gibbon", "heron", "ibex", "jackal", "koala", "lemur", "lynx", "marten",
    "moose", "narwhal", "ocelot", "otter", "panda", "puffin", "quail", "raven", "salmon", "seal",
    "tapir", "toucan", "walrus", "weasel", "yak", "zebra",
];

/// `length` words: adverbs, then an adjective, then an animal, joined by `separator`.
fn pet(attrs: &Json) -> Result<String, BackendError> {
    let length = number(attrs, "length").max(1);
    let separator = attrs.get("separator").and_then(Json::as_str).unwrap_or("-");
    let pick = |words: &[&'static str]| -> Result<&'static str, BackendError> {
        Ok(words[below(words.len() as u64)? as usize])
    };
    let mut words = Vec::new();
    if let Some(prefix) = attrs.get("prefix").and_then(Json::as_str) {
        words.push(prefix.to_owned());
    }
    for i in 1..length {
        words.push(pick(if i + 1 == length { ADJECTIVES } else { ADVERBS })?.to_owned());
    }
    words.push(pick(ANIMALS)?.to_owned());
    Ok(words.join(separator))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_honour_length_and_minimums() {
        let attrs = json!({"length": 24, "special": true, "upper": true, "lower": true, "numeric": true,
            "min_special": 3, "min_numeric": 4, "min_upper": 0, "min_lower": 0});
        let out = generate("random_password", attrs).unwrap();
        let result = out["result"].as_str().unwrap();
        assert_eq!(result.chars().count(), 24);
        assert!(result.chars().filter(|c| SPECIAL.contains(*c)).count() >= 3);
        assert!(result.chars().filter(char::is_ascii_digit).count() >= 4);
        let no_special =
            generate("random_string", json!({"length": 40, "special": false})).unwrap();
        assert!(
            no_special["result"]
                .as_str()
                .unwrap()
                .chars()
                .all(char::is_alphanumeric)
        );
    }

    #[test]
    fn ids_integers_and_pets_have_their_shapes() {
        let id = generate("random_id", json!({"byte_length": 9, "prefix": "gw-"})).unwrap();
        assert_eq!(id["hex"].as_str().unwrap().len(), 3 + 18);
        assert_eq!(decimal(&[0x01, 0x00]), "256");
        assert_eq!(decimal(&[0xff; 9]), "4722366482869645213695");
        let n = generate(
            "random_integer",
            json!({"min": 64512, "max": 65514, "seed": "hub"}),
        )
        .unwrap();
        let again = generate(
            "random_integer",
            json!({"min": 64512, "max": 65514, "seed": "hub"}),
        )
        .unwrap();
        assert!((64512..=65514).contains(&n["result"].as_u64().unwrap()));
        assert_eq!(
            n["result"], again["result"],
            "a seed makes the result repeatable"
        );
        let pet = generate("random_pet", json!({"length": 3, "separator": "_"})).unwrap();
        assert_eq!(pet["id"].as_str().unwrap().split('_').count(), 3);
    }
}
