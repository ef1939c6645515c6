//! A minimal MCAP writer (https://mcap.dev/spec): header, schemas and
//! channels, then the messages in uncompressed chunks, each followed by its
//! message indexes, then a summary (schemas, channels, chunk indexes,
//! statistics) with its offsets, so readers can list topics and counts and
//! seek by time without a scan (Rerun reads only indexed chunks).
//! Deterministic: no wall clock, no compression, no CRCs (0 = not computed,
//! as the spec allows).

use std::collections::BTreeMap;
use std::io::{self, Write};

const MAGIC: &[u8; 8] = b"\x89MCAP0\r\n";

mod op {
    pub const HEADER: u8 = 0x01;
    pub const FOOTER: u8 = 0x02;
    pub const SCHEMA: u8 = 0x03;
    pub const CHANNEL: u8 = 0x04;
    pub const MESSAGE: u8 = 0x05;
    pub const CHUNK: u8 = 0x06;
    pub const MESSAGE_INDEX: u8 = 0x07;
    pub const CHUNK_INDEX: u8 = 0x08;
    pub const STATISTICS: u8 = 0x0B;
    pub const SUMMARY_OFFSET: u8 = 0x0E;
    pub const DATA_END: u8 = 0x0F;
}

fn string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

struct SchemaRecord {
    id: u16,
    name: String,
    encoding: String,
    data: Vec<u8>,
}

struct ChannelRecord {
    id: u16,
    schema_id: u16,
    topic: String,
    message_encoding: String,
}

/// A chunk closes once its records reach this many bytes.
const CHUNK_TARGET_BYTES: usize = 4 << 20;

/// The chunk being filled: its records, time range, and per channel the
/// (log time, offset in `records`) of each message.
#[derive(Default)]
struct OpenChunk {
    records: Vec<u8>,
    time_range: Option<(u64, u64)>,
    index: BTreeMap<u16, Vec<(u64, u64)>>,
}

/// Writes one MCAP stream; `finish` writes the summary and footer.
pub struct McapWriter<W: Write> {
    out: W,
    position: u64,
    schemas: Vec<SchemaRecord>,
    channels: Vec<ChannelRecord>,
    message_counts: BTreeMap<u16, u64>,
    sequence: BTreeMap<u16, u32>,
    time_range: Option<(u64, u64)>,
    chunk: OpenChunk,
    /// The chunk index records of the chunks written.
    chunk_indexes: Vec<Vec<u8>>,
}

fn widen(range: Option<(u64, u64)>, t: u64) -> Option<(u64, u64)> {
    let (lo, hi) = range.unwrap_or((t, t));
    Some((lo.min(t), hi.max(t)))
}

impl<W: Write> McapWriter<W> {
    pub fn new(mut out: W, library: &str) -> io::Result<McapWriter<W>> {
        out.write_all(MAGIC)?;
        let mut w = McapWriter {
            out,
            position: MAGIC.len() as u64,
            schemas: Vec::new(),
            channels: Vec::new(),
            message_counts: BTreeMap::new(),
            sequence: BTreeMap::new(),
            time_range: None,
            chunk: OpenChunk::default(),
            chunk_indexes: Vec::new(),
        };
        let mut header = Vec::new();
        string(&mut header, ""); // profile: none (not ROS)
        string(&mut header, library);
        w.record(op::HEADER, &header)?;
        Ok(w)
    }

    fn record(&mut self, opcode: u8, content: &[u8]) -> io::Result<()> {
        self.out.write_all(&[opcode])?;
        self.out.write_all(&(content.len() as u64).to_le_bytes())?;
        self.out.write_all(content)?;
        self.position += 9 + content.len() as u64;
        Ok(())
    }

    fn schema_bytes(s: &SchemaRecord) -> Vec<u8> {
        let mut c = Vec::new();
        c.extend_from_slice(&s.id.to_le_bytes());
        string(&mut c, &s.name);
        string(&mut c, &s.encoding);
        c.extend_from_slice(&(s.data.len() as u32).to_le_bytes());
        c.extend_from_slice(&s.data);
        c
    }

    fn channel_bytes(ch: &ChannelRecord) -> Vec<u8> {
        let mut c = Vec::new();
        c.extend_from_slice(&ch.id.to_le_bytes());
        c.extend_from_slice(&ch.schema_id.to_le_bytes());
        string(&mut c, &ch.topic);
        string(&mut c, &ch.message_encoding);
        c.extend_from_slice(&0u32.to_le_bytes()); // metadata: empty map
        c
    }

    /// Register a schema (ids from 1); returns its id.
    pub fn add_schema(&mut self, name: &str, encoding: &str, data: &[u8]) -> io::Result<u16> {
        let s = SchemaRecord {
            id: self.schemas.len() as u16 + 1,
            name: name.into(),
            encoding: encoding.into(),
            data: data.to_vec(),
        };
        self.record(op::SCHEMA, &Self::schema_bytes(&s))?;
        let id = s.id;
        self.schemas.push(s);
        Ok(id)
    }

    /// Register a channel (ids from 0); returns its id.
    pub fn add_channel(
        &mut self,
        schema_id: u16,
        topic: &str,
        message_encoding: &str,
    ) -> io::Result<u16> {
        let ch = ChannelRecord {
            id: self.channels.len() as u16,
            schema_id,
            topic: topic.into(),
            message_encoding: message_encoding.into(),
        };
        self.record(op::CHANNEL, &Self::channel_bytes(&ch))?;
        let id = ch.id;
        self.channels.push(ch);
        Ok(id)
    }

    /// One message at `log_time_ns` (also its publish time).
    pub fn message(&mut self, channel: u16, log_time_ns: u64, data: &[u8]) -> io::Result<()> {
        let seq = self.sequence.entry(channel).or_default();
        let mut c = Vec::with_capacity(22 + data.len());
        c.extend_from_slice(&channel.to_le_bytes());
        c.extend_from_slice(&seq.to_le_bytes());
        c.extend_from_slice(&log_time_ns.to_le_bytes());
        c.extend_from_slice(&log_time_ns.to_le_bytes());
        c.extend_from_slice(data);
        *seq += 1;
        *self.message_counts.entry(channel).or_default() += 1;
        self.time_range = widen(self.time_range, log_time_ns);
        let chunk = &mut self.chunk;
        let offset = chunk.records.len() as u64;
        chunk.records.push(op::MESSAGE);
        chunk
            .records
            .extend_from_slice(&(c.len() as u64).to_le_bytes());
        chunk.records.extend_from_slice(&c);
        chunk.time_range = widen(chunk.time_range, log_time_ns);
        chunk
            .index
            .entry(channel)
            .or_default()
            .push((log_time_ns, offset));
        if chunk.records.len() >= CHUNK_TARGET_BYTES {
            self.close_chunk()?;
        }
        Ok(())
    }

    /// Write the open chunk (uncompressed), its message indexes (entries
    /// in log-time order, as the spec asks), and keep its chunk index.
    fn close_chunk(&mut self) -> io::Result<()> {
        let chunk = std::mem::take(&mut self.chunk);
        let Some((start, end)) = chunk.time_range else {
            return Ok(());
        };
        let size = chunk.records.len() as u64;
        let mut c = Vec::with_capacity(chunk.records.len() + 40);
        c.extend_from_slice(&start.to_le_bytes());
        c.extend_from_slice(&end.to_le_bytes());
        c.extend_from_slice(&size.to_le_bytes());
        c.extend_from_slice(&0u32.to_le_bytes()); // no CRC
        string(&mut c, ""); // no compression
        c.extend_from_slice(&size.to_le_bytes());
        c.extend_from_slice(&chunk.records);
        let chunk_start = self.position;
        self.record(op::CHUNK, &c)?;
        let chunk_length = self.position - chunk_start;
        let mut index_offsets = Vec::new();
        for (channel, mut entries) in chunk.index {
            entries.sort();
            let mut m = Vec::with_capacity(6 + 16 * entries.len());
            m.extend_from_slice(&channel.to_le_bytes());
            m.extend_from_slice(&((entries.len() * 16) as u32).to_le_bytes());
            for (t, offset) in entries {
                m.extend_from_slice(&t.to_le_bytes());
                m.extend_from_slice(&offset.to_le_bytes());
            }
            index_offsets.push((channel, self.position));
            self.record(op::MESSAGE_INDEX, &m)?;
        }
        let index_length = self.position - chunk_start - chunk_length;
        let mut ci = Vec::new();
        ci.extend_from_slice(&start.to_le_bytes());
        ci.extend_from_slice(&end.to_le_bytes());
        ci.extend_from_slice(&chunk_start.to_le_bytes());
        ci.extend_from_slice(&chunk_length.to_le_bytes());
        ci.extend_from_slice(&((index_offsets.len() * 10) as u32).to_le_bytes());
        for (channel, offset) in index_offsets {
            ci.extend_from_slice(&channel.to_le_bytes());
            ci.extend_from_slice(&offset.to_le_bytes());
        }
        ci.extend_from_slice(&index_length.to_le_bytes());
        string(&mut ci, "");
        ci.extend_from_slice(&size.to_le_bytes()); // compressed size
        ci.extend_from_slice(&size.to_le_bytes()); // uncompressed size
        self.chunk_indexes.push(ci);
        Ok(())
    }

    /// Data end, the summary section, the summary offsets, the footer.
    pub fn finish(mut self) -> io::Result<W> {
        self.close_chunk()?;
        self.record(op::DATA_END, &0u32.to_le_bytes())?;
        let summary_start = self.position;
        let mut groups = Vec::new();
        let schemas: Vec<Vec<u8>> = self.schemas.iter().map(Self::schema_bytes).collect();
        let channels: Vec<Vec<u8>> = self.channels.iter().map(Self::channel_bytes).collect();
        let chunk_indexes = std::mem::take(&mut self.chunk_indexes);
        let chunk_count = chunk_indexes.len() as u32;
        for (opcode, records) in [
            (op::SCHEMA, schemas),
            (op::CHANNEL, channels),
            (op::CHUNK_INDEX, chunk_indexes),
        ] {
            if records.is_empty() {
                continue;
            }
            let start = self.position;
            for r in &records {
                self.record(opcode, r)?;
            }
            groups.push((opcode, start, self.position - start));
        }
        let (start, end) = self.time_range.unwrap_or((0, 0));
        let mut stats = Vec::new();
        stats.extend_from_slice(&self.message_counts.values().sum::<u64>().to_le_bytes());
        stats.extend_from_slice(&(self.schemas.len() as u16).to_le_bytes());
        stats.extend_from_slice(&(self.channels.len() as u32).to_le_bytes());
        stats.extend_from_slice(&0u32.to_le_bytes()); // attachments
        stats.extend_from_slice(&0u32.to_le_bytes()); // metadata
        stats.extend_from_slice(&chunk_count.to_le_bytes());
        stats.extend_from_slice(&start.to_le_bytes());
        stats.extend_from_slice(&end.to_le_bytes());
        stats.extend_from_slice(&((self.message_counts.len() * 10) as u32).to_le_bytes());
        let counts: Vec<(u16, u64)> = self.message_counts.iter().map(|(k, v)| (*k, *v)).collect();
        for (channel, count) in counts {
            stats.extend_from_slice(&channel.to_le_bytes());
            stats.extend_from_slice(&count.to_le_bytes());
        }
        let stats_start = self.position;
        self.record(op::STATISTICS, &stats)?;
        groups.push((op::STATISTICS, stats_start, self.position - stats_start));
        let offsets_start = self.position;
        for (opcode, start, length) in groups {
            let mut c = vec![opcode];
            c.extend_from_slice(&start.to_le_bytes());
            c.extend_from_slice(&length.to_le_bytes());
            self.record(op::SUMMARY_OFFSET, &c)?;
        }
        let mut footer = Vec::new();
        footer.extend_from_slice(&summary_start.to_le_bytes());
        footer.extend_from_slice(&offsets_start.to_le_bytes());
        footer.extend_from_slice(&0u32.to_le_bytes());
        self.record(op::FOOTER, &footer)?;
        self.out.write_all(MAGIC)?;
        Ok(self.out)
    }
}

/// Standard base64 with padding: how JSON-encoded messages carry bytes
/// (Foxglove's schemas mark such fields `contentEncoding: base64`).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The bytes of standard base64 text with padding (`base64`'s inverse).
pub fn unbase64(text: &str) -> anyhow::Result<Vec<u8>> {
    let value = |c: u8| -> anyhow::Result<u32> {
        Ok(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => anyhow::bail!("not base64: {:?}", c as char),
        } as u32)
    };
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        anyhow::bail!("base64 of {} characters, not a multiple of 4", bytes.len());
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for quad in bytes.chunks(4) {
        let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
        let mut n = 0u32;
        for &c in &quad[..4 - pad] {
            n = (n << 6) | value(c)?;
        }
        n <<= 6 * pad as u32;
        out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unbase64_inverts_base64() {
        for n in 0..40u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(97).wrapping_add(n)).collect();
            assert_eq!(unbase64(&base64(&bytes)).unwrap(), bytes);
        }
        assert!(unbase64("Zm9").is_err() && unbase64("Zm9$").is_err());
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
    }

    #[test]
    fn a_recording_starts_and_ends_with_the_magic_and_points_at_its_summary() {
        let mut w = McapWriter::new(Vec::new(), "test").unwrap();
        let s = w.add_schema("foo", "jsonschema", b"{}").unwrap();
        let c = w.add_channel(s, "/foo", "json").unwrap();
        w.message(c, 5, b"{\"a\":1}").unwrap();
        w.message(c, 7, b"{\"a\":2}").unwrap();
        let bytes = w.finish().unwrap();
        assert_eq!(&bytes[..8], MAGIC);
        assert_eq!(&bytes[bytes.len() - 8..], MAGIC);
        // footer: opcode, length 20, summary start, offsets start, crc
        let footer = bytes.len() - 8 - 29;
        assert_eq!(bytes[footer], op::FOOTER);
        let summary_start = u64::from_le_bytes(bytes[footer + 9..footer + 17].try_into().unwrap());
        // the summary starts with the schema again
        assert_eq!(bytes[summary_start as usize], op::SCHEMA);
        // its chunk index points at the chunk, whose message index points
        // at the messages inside it, in log-time order
        let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
        let mut at = summary_start as usize;
        while bytes[at] != op::CHUNK_INDEX {
            at += 9 + u64_at(at + 1) as usize;
        }
        let content = at + 9;
        let (chunk_start, chunk_len) = (u64_at(content + 16) as usize, u64_at(content + 24));
        assert_eq!((u64_at(content), u64_at(content + 8)), (5, 7));
        assert_eq!(bytes[chunk_start], op::CHUNK);
        assert_eq!(chunk_len, 9 + u64_at(chunk_start + 1));
        let index_at = u64_at(content + 36 + 2) as usize;
        assert_eq!(bytes[index_at], op::MESSAGE_INDEX);
        let records = chunk_start + 9 + 40;
        for k in 0..2 {
            let entry = index_at + 9 + 6 + 16 * k;
            assert_eq!(u64_at(entry), [5, 7][k]);
            assert_eq!(bytes[records + u64_at(entry + 8) as usize], op::MESSAGE);
        }
    }
}
