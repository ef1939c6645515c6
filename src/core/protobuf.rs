//! Protocol Buffers, as far as the MCAP recording needs them: read the
//! message types out of a serialized `FileDescriptorSet` (the schema data
//! of a `protobuf` MCAP channel) and encode a JSON value as one of those
//! messages, field by field as the descriptor says (proto3: repeated
//! scalars packed). A JSON key the descriptor lacks is an error, so a
//! message can only be written in the schema it claims.

use anyhow::{Result, anyhow, bail};
use serde_json::Value;
use std::collections::BTreeMap;

/// A field of a message type.
#[derive(Clone, Debug)]
struct Field {
    name: String,
    number: u32,
    repeated: bool,
    /// `FieldDescriptorProto.Type`: 1 double, 2 float, 3 int64, ... 18 sint64.
    kind: u32,
    /// The message or enum type, fully qualified (".foxglove.Pose").
    type_name: String,
}

/// The message types of a descriptor set, by fully qualified name.
#[derive(Debug, Default)]
pub struct Descriptors {
    messages: BTreeMap<String, Vec<Field>>,
}

/// One protobuf record: field number, wire type, and its bytes (varint or
/// fixed values as read, length-delimited ones without the length).
struct Record<'a> {
    number: u32,
    payload: Payload<'a>,
}

enum Payload<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Other,
}

fn read_varint(buf: &[u8], at: &mut usize) -> Result<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*at).ok_or_else(|| anyhow!("truncated varint"))?;
        *at += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    bail!("varint longer than 10 bytes")
}

/// The records of one message.
fn records(buf: &[u8]) -> Result<Vec<Record<'_>>> {
    let mut at = 0;
    let mut out = Vec::new();
    while at < buf.len() {
        let key = read_varint(buf, &mut at)?;
        let number = (key >> 3) as u32;
        let payload = match key & 7 {
            0 => Payload::Varint(read_varint(buf, &mut at)?),
            1 | 5 => {
                at += if key & 7 == 1 { 8 } else { 4 };
                Payload::Other
            }
            2 => {
                let len = read_varint(buf, &mut at)? as usize;
                let end = at
                    .checked_add(len)
                    .filter(|&e| e <= buf.len())
                    .ok_or_else(|| anyhow!("length past the end"))?;
                let bytes = &buf[at..end];
                at = end;
                Payload::Bytes(bytes)
            }
            w => bail!("unsupported wire type {w}"),
        };
        out.push(Record { number, payload });
    }
    if at > buf.len() {
        bail!("truncated message");
    }
    Ok(out)
}

fn text(bytes: &[u8]) -> Result<String> {
    Ok(std::str::from_utf8(bytes)?.to_string())
}

impl Descriptors {
    /// The message types of a serialized `FileDescriptorSet`.
    pub fn parse(descriptor_set: &[u8]) -> Result<Descriptors> {
        let mut d = Descriptors::default();
        d.add_set(descriptor_set)?;
        Ok(d)
    }

    /// Add the message types of a serialized `FileDescriptorSet` (types
    /// already known are replaced by the same definition).
    pub fn add_set(&mut self, descriptor_set: &[u8]) -> Result<()> {
        let d = self;
        for file in records(descriptor_set)? {
            let (1, Payload::Bytes(file)) = (file.number, file.payload) else {
                continue;
            };
            let mut package = String::new();
            let mut types = Vec::new();
            for r in records(file)? {
                match (r.number, r.payload) {
                    (2, Payload::Bytes(b)) => package = text(b)?,
                    (4, Payload::Bytes(b)) => types.push(b),
                    _ => {}
                }
            }
            for t in types {
                d.add_message(&format!(".{package}"), t)?;
            }
        }
        Ok(())
    }

    /// A `DescriptorProto` (and its nested types) under `scope`.
    fn add_message(&mut self, scope: &str, bytes: &[u8]) -> Result<()> {
        let mut name = String::new();
        let mut fields = Vec::new();
        let mut nested = Vec::new();
        for r in records(bytes)? {
            match (r.number, r.payload) {
                (1, Payload::Bytes(b)) => name = text(b)?,
                (2, Payload::Bytes(b)) => fields.push(parse_field(b)?),
                (3, Payload::Bytes(b)) => nested.push(b),
                _ => {}
            }
        }
        let full = format!("{scope}.{name}");
        for n in nested {
            self.add_message(&full, n)?;
        }
        self.messages.insert(full, fields);
        Ok(())
    }

    /// `value` (a JSON object) encoded as the message type `type_name`
    /// (fully qualified, e.g. ".foxglove.CompressedImage"). Bytes fields
    /// take base64 text.
    pub fn encode(&self, type_name: &str, value: &Value) -> Result<Vec<u8>> {
        let fields = self
            .messages
            .get(type_name)
            .ok_or_else(|| anyhow!("no message type {type_name}"))?;
        let object = value
            .as_object()
            .ok_or_else(|| anyhow!("{type_name}: not a JSON object"))?;
        if let Some(k) = object.keys().find(|k| fields.iter().all(|f| &f.name != *k)) {
            bail!("{type_name} has no field {k:?}");
        }
        let mut out = Vec::new();
        // in the descriptor's order: the same bytes for the same value
        for f in fields {
            let Some(v) = object.get(&f.name).filter(|v| !v.is_null()) else {
                continue;
            };
            let at = |e: anyhow::Error| anyhow!("{type_name}.{}: {e}", f.name);
            if f.repeated {
                let items = v
                    .as_array()
                    .ok_or_else(|| anyhow!("{type_name}.{}: not an array", f.name))?;
                self.encode_repeated(f, items, &mut out).map_err(at)?;
            } else {
                self.encode_one(f, v, &mut out).map_err(at)?;
            }
        }
        Ok(out)
    }

    fn encode_repeated(&self, f: &Field, items: &[Value], out: &mut Vec<u8>) -> Result<()> {
        if is_packable(f.kind) {
            // proto3 packs repeated scalars into one length-delimited record
            let mut packed = Vec::new();
            for v in items {
                scalar(f.kind, v, &mut packed)?;
            }
            if !items.is_empty() {
                key(f.number, 2, out);
                varint(packed.len() as u64, out);
                out.extend_from_slice(&packed);
            }
            return Ok(());
        }
        for v in items {
            self.encode_one(f, v, out)?;
        }
        Ok(())
    }

    fn encode_one(&self, f: &Field, v: &Value, out: &mut Vec<u8>) -> Result<()> {
        match f.kind {
            // string, bytes (base64 in JSON), message
            9 | 12 | 11 => {
                let bytes = match f.kind {
                    9 => v
                        .as_str()
                        .ok_or_else(|| anyhow!("not a string"))?
                        .as_bytes()
                        .to_vec(),
                    12 => super::mcap::unbase64(v.as_str().ok_or_else(|| anyhow!("not base64"))?)?,
                    _ => self.encode(&f.type_name, v)?,
                };
                key(f.number, 2, out);
                varint(bytes.len() as u64, out);
                out.extend_from_slice(&bytes);
            }
            kind => {
                key(f.number, wire_type(kind), out);
                scalar(kind, v, out)?;
            }
        }
        Ok(())
    }
}

fn parse_field(bytes: &[u8]) -> Result<Field> {
    let mut f = Field {
        name: String::new(),
        number: 0,
        repeated: false,
        kind: 0,
        type_name: String::new(),
    };
    for r in records(bytes)? {
        match (r.number, r.payload) {
            (1, Payload::Bytes(b)) => f.name = text(b)?,
            (3, Payload::Varint(n)) => f.number = n as u32,
            (4, Payload::Varint(label)) => f.repeated = label == 3,
            (5, Payload::Varint(kind)) => f.kind = kind as u32,
            (6, Payload::Bytes(b)) => f.type_name = text(b)?,
            _ => {}
        }
    }
    Ok(f)
}

/// Numbers, bools and enums (not strings, bytes or messages).
fn is_packable(kind: u32) -> bool {
    !matches!(kind, 9..=12)
}

fn wire_type(kind: u32) -> u8 {
    match kind {
        1 | 6 | 16 => 1,
        2 | 7 | 15 => 5,
        _ => 0,
    }
}

fn key(number: u32, wire: u8, out: &mut Vec<u8>) {
    varint((u64::from(number) << 3) | u64::from(wire), out);
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// One scalar's bytes (no key).
fn scalar(kind: u32, v: &Value, out: &mut Vec<u8>) -> Result<()> {
    let float = || v.as_f64().ok_or_else(|| anyhow!("not a number: {v}"));
    let int = || {
        v.as_i64()
            .or_else(|| v.as_u64().map(|u| u as i64))
            .ok_or_else(|| anyhow!("not an integer: {v}"))
    };
    match kind {
        1 => out.extend_from_slice(&float()?.to_le_bytes()),
        2 => out.extend_from_slice(&(float()? as f32).to_le_bytes()),
        // int64, uint64, int32 (negative: ten bytes), uint32, enum
        3 | 4 | 5 | 13 | 14 => varint(int()? as u64, out),
        8 => varint(
            u64::from(v.as_bool().ok_or_else(|| anyhow!("not a bool"))?),
            out,
        ),
        6 | 16 => out.extend_from_slice(&int()?.to_le_bytes()),
        7 | 15 => out.extend_from_slice(&(int()? as i32).to_le_bytes()),
        17 | 18 => {
            let n = int()?;
            varint(((n << 1) ^ (n >> 63)) as u64, out);
        }
        k => bail!("unsupported field type {k}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A descriptor set, built by hand: package `t`, message `Inner`
    /// (double x = 1) and `Outer` (string name = 1, repeated double v = 2,
    /// Inner inner = 3, repeated Inner items = 4, int32 n = 5, bytes b = 6).
    fn descriptor_set() -> Vec<u8> {
        fn ld(number: u32, bytes: &[u8]) -> Vec<u8> {
            let mut out = Vec::new();
            key(number, 2, &mut out);
            varint(bytes.len() as u64, &mut out);
            out.extend_from_slice(bytes);
            out
        }
        fn vi(number: u32, v: u64) -> Vec<u8> {
            let mut out = Vec::new();
            key(number, 0, &mut out);
            varint(v, &mut out);
            out
        }
        let field = |name: &str, number: u64, label: u64, kind: u64, type_name: &str| {
            [
                ld(1, name.as_bytes()),
                vi(3, number),
                vi(4, label),
                vi(5, kind),
                ld(6, type_name.as_bytes()),
            ]
            .concat()
        };
        let inner = [ld(1, b"Inner"), ld(2, &field("x", 1, 1, 1, ""))].concat();
        let outer = [
            ld(1, b"Outer"),
            ld(2, &field("name", 1, 1, 9, "")),
            ld(2, &field("v", 2, 3, 1, "")),
            ld(2, &field("inner", 3, 1, 11, ".t.Inner")),
            ld(2, &field("items", 4, 3, 11, ".t.Inner")),
            ld(2, &field("n", 5, 1, 5, "")),
            ld(2, &field("b", 6, 1, 12, "")),
        ]
        .concat();
        let file = [ld(1, b"t.proto"), ld(2, b"t"), ld(4, &inner), ld(4, &outer)].concat();
        ld(1, &file)
    }

    #[test]
    fn encodes_as_protoc_would() {
        let d = Descriptors::parse(&descriptor_set()).unwrap();
        let bytes = d
            .encode(
                ".t.Outer",
                &json!({"name": "ab", "v": [1.0, 2.0], "inner": {"x": 0.5},
                        "items": [{"x": 1.0}, {}], "n": -1, "b": "AAE="}),
            )
            .unwrap();
        let mut want = vec![0x0a, 2, b'a', b'b'];
        // packed doubles: key 2|2, 16 bytes
        want.extend([0x12, 16]);
        want.extend(1.0f64.to_le_bytes());
        want.extend(2.0f64.to_le_bytes());
        want.extend([0x1a, 9, 0x09]);
        want.extend(0.5f64.to_le_bytes());
        want.extend([0x22, 9, 0x09]);
        want.extend(1.0f64.to_le_bytes());
        want.extend([0x22, 0]);
        // int32 -1: ten bytes
        want.extend([
            0x28, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ]);
        want.extend([0x32, 2, 0, 1]);
        assert_eq!(bytes, want);
        // what it encodes decodes back field by field
        let back = records(&bytes).unwrap();
        assert_eq!(back.len(), 7);
        assert!(matches!(back[5].payload, Payload::Varint(u64::MAX)));
    }

    #[test]
    fn refuses_what_the_schema_lacks() {
        let d = Descriptors::parse(&descriptor_set()).unwrap();
        let err = d.encode(".t.Outer", &json!({"nam": "x"})).unwrap_err();
        assert!(err.to_string().contains("no field \"nam\""), "{err}");
        assert!(d.encode(".t.Missing", &json!({})).is_err());
        assert!(d.encode(".t.Outer", &json!({"v": 3})).is_err());
        assert!(Descriptors::parse(&[0x0a, 50, 1]).is_err());
    }
}
