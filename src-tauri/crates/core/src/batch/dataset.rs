//! A batch job's dataset: a CSV file with a header row (RFC 4180: quoted fields, commas, quotes
//! and newlines inside quotes) or JSON Lines (one object per line). Columns become template
//! variables. Every problem is an `invalid_input` error naming the row (and the file's line), so
//! nothing is sent for a file that cannot be read whole.

use std::path::Path;

use serde_json::Value;

use crate::error::{CoreError, Result};

/// The most rows a job may have (Anthropic's Message Batches limit; OpenAI's is split).
pub const MAX_ROWS: usize = 100_000;
/// The largest dataset file read (256 MB, Anthropic's batch limit).
pub const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// How a dataset is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl DataFormat {
    /// By the file's extension (`.jsonl`, `.ndjson`, `.json` → JSON Lines), else by its first
    /// character (`{` → JSON Lines), else CSV.
    pub fn detect(name: &str, bytes: &[u8]) -> DataFormat {
        let lower = name.to_ascii_lowercase();
        if [".jsonl", ".ndjson", ".json"]
            .iter()
            .any(|e| lower.ends_with(e))
        {
            return DataFormat::Jsonl;
        }
        if lower.ends_with(".csv") {
            return DataFormat::Csv;
        }
        match strip_bom(bytes).iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => DataFormat::Jsonl,
            _ => DataFormat::Csv,
        }
    }
}

/// Rows of named values. A cell is `None` when a JSON Lines object lacks the key (or holds
/// `null`); a CSV row always has every column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    /// The file's name, for the job's title.
    pub name: String,
    /// Column names, in order.
    pub columns: Vec<String>,
    /// The rows; `rows[i]` is data row `i + 1`.
    pub rows: Vec<Vec<Option<String>>>,
}

impl Dataset {
    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<Dataset> {
        let io = |source| CoreError::Io {
            action: "cannot read",
            path: path.display().to_string(),
            source,
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > MAX_BYTES {
            return Err(CoreError::invalid(
                "dataset",
                format!(
                    "{} is {} MB; a batch job reads at most {} MB",
                    path.display(),
                    size / 1_048_576,
                    MAX_BYTES / 1_048_576
                ),
            ));
        }
        let bytes = std::fs::read(path).map_err(io)?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        let format = DataFormat::detect(&name, &bytes);
        Dataset::parse(&name, &bytes, format)
    }

    /// Parses `bytes` as `format`.
    pub fn parse(name: &str, bytes: &[u8], format: DataFormat) -> Result<Dataset> {
        let bytes = strip_bom(bytes);
        let (columns, rows) = match format {
            DataFormat::Csv => parse_csv(bytes)?,
            DataFormat::Jsonl => parse_jsonl(bytes)?,
        };
        if rows.is_empty() {
            return Err(CoreError::invalid("dataset", "the file has no data rows"));
        }
        Ok(Dataset {
            name: name.to_string(),
            columns,
            rows,
        })
    }

    /// The cell of data row `row` (1-based) in `column`.
    pub fn cell(&self, row: usize, column: usize) -> Option<&str> {
        self.rows.get(row.checked_sub(1)?)?.get(column)?.as_deref()
    }
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn bad(message: String) -> CoreError {
    CoreError::invalid("dataset", message)
}

fn too_many() -> CoreError {
    bad(format!(
        "the file has more than {} data rows; split it into several jobs",
        thousands(MAX_ROWS)
    ))
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

type Parsed = (Vec<String>, Vec<Vec<Option<String>>>);

fn parse_csv(bytes: &[u8]) -> Result<Parsed> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        None => return Err(bad("the file is empty: it needs a header row".into())),
        Some(r) => r.map_err(|e| bad(format!("the header row cannot be read: {e}")))?,
    };
    let mut columns = Vec::with_capacity(header.len());
    for (i, field) in header.iter().enumerate() {
        let name = std::str::from_utf8(field)
            .map_err(|_| bad(format!("column {} of the header is not valid UTF-8", i + 1)))?
            .trim()
            .to_string();
        columns.push(name);
    }
    check_columns(&columns)?;
    let mut rows = Vec::new();
    for (n, record) in records.enumerate() {
        let row = n + 1;
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            bad(format!("row {row} (line {line}) cannot be read: {e}"))
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() != columns.len() {
            return Err(bad(format!(
                "row {row} (line {line}) has {} field{}; the header has {}",
                record.len(),
                if record.len() == 1 { "" } else { "s" },
                columns.len()
            )));
        }
        let mut cells = Vec::with_capacity(columns.len());
        for (c, field) in record.iter().enumerate() {
            let text = std::str::from_utf8(field).map_err(|_| {
                bad(format!(
                    "row {row} (line {line}), column `{}` is not valid UTF-8",
                    columns[c]
                ))
            })?;
            cells.push(Some(text.to_string()));
        }
        if rows.len() == MAX_ROWS {
            return Err(too_many());
        }
        rows.push(cells);
    }
    Ok((columns, rows))
}

fn check_columns(columns: &[String]) -> Result<()> {
    for (i, c) in columns.iter().enumerate() {
        if c.is_empty() {
            return Err(bad(format!("column {} of the header has no name", i + 1)));
        }
        if columns[..i].contains(c) {
            return Err(bad(format!("the header names column `{c}` twice")));
        }
    }
    Ok(())
}

/// An object's keys, in the order written.
struct Ordered(Vec<String>);

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Ordered, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Ordered, A::Error> {
                let mut keys = Vec::new();
                while let Some((k, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                    keys.push(k);
                }
                Ok(Ordered(keys))
            }
        }
        d.deserialize_map(Keys)
    }
}

fn parse_jsonl(bytes: &[u8]) -> Result<Parsed> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        bad(format!("line {line} is not valid UTF-8"))
    })?;
    let mut columns: Vec<String> = Vec::new();
    let mut objects = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row = objects.len() + 1;
        let value: Value = serde_json::from_str(line)
            .map_err(|e| bad(format!("row {row} (line {}) is not JSON: {e}", n + 1)))?;
        let Value::Object(mut map) = value else {
            return Err(bad(format!(
                "row {row} (line {}) is not a JSON object",
                n + 1
            )));
        };
        // Columns in the order the file writes them (a JSON map sorts its keys).
        let ordered: Ordered = serde_json::from_str(line)
            .map_err(|e| bad(format!("row {row} (line {}) is not JSON: {e}", n + 1)))?;
        for k in ordered.0 {
            if !columns.contains(&k) {
                columns.push(k);
            }
        }
        map.retain(|_, v| !v.is_null());
        if objects.len() == MAX_ROWS {
            return Err(too_many());
        }
        objects.push(map);
    }
    check_columns(&columns)?;
    let rows = objects
        .into_iter()
        .map(|mut map| {
            columns
                .iter()
                .map(|c| match map.remove(c) {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s),
                    Some(other) => Some(other.to_string()),
                })
                .collect()
        })
        .collect();
    Ok((columns, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_keeps_quotes_commas_newlines_and_non_ascii_in_cells() {
        let text =
            "\u{feff}id,text\r\n1,\"Hello, \"\"world\"\"\nsecond line\"\r\n2,Ünïcödé 東京 🚀\r\n";
        let d = Dataset::parse("t.csv", text.as_bytes(), DataFormat::Csv).unwrap();
        assert_eq!(d.columns, ["id", "text"]);
        assert_eq!(d.cell(1, 1), Some("Hello, \"world\"\nsecond line"));
        assert_eq!(d.cell(2, 1), Some("Ünïcödé 東京 🚀"));
    }

    #[test]
    fn csv_problems_name_the_row() {
        let e = Dataset::parse("t.csv", b"a,b\n1,2\n3\n", DataFormat::Csv).unwrap_err();
        assert!(
            e.to_string()
                .contains("row 2 (line 3) has 1 field; the header has 2"),
            "{e}"
        );
        let e = Dataset::parse("t.csv", b"a,a\n1,2\n", DataFormat::Csv).unwrap_err();
        assert!(e.to_string().contains("names column `a` twice"), "{e}");
        let e = Dataset::parse("t.csv", b"a\n\xff\n", DataFormat::Csv).unwrap_err();
        assert!(
            e.to_string()
                .contains("row 1 (line 2), column `a` is not valid UTF-8"),
            "{e}"
        );
        let e = Dataset::parse("t.csv", b"a,b\n", DataFormat::Csv).unwrap_err();
        assert!(e.to_string().contains("no data rows"), "{e}");
    }

    #[test]
    fn jsonl_columns_are_the_keys_and_values_become_text() {
        let text = "{\"q\":\"hi\",\"n\":3}\n\n{\"q\":\"yo\",\"extra\":[1,2],\"n\":null}\n";
        let d = Dataset::parse("t.jsonl", text.as_bytes(), DataFormat::Jsonl).unwrap();
        assert_eq!(d.columns, ["q", "n", "extra"]);
        assert_eq!(d.cell(1, 1), Some("3"));
        assert_eq!(d.cell(2, 1), None);
        assert_eq!(d.cell(2, 2), Some("[1,2]"));
        let e = Dataset::parse("t.jsonl", b"{\"a\":1}\n[1]\n", DataFormat::Jsonl).unwrap_err();
        assert!(
            e.to_string()
                .contains("row 2 (line 2) is not a JSON object"),
            "{e}"
        );
    }

    #[test]
    fn the_format_follows_the_extension_then_the_content() {
        assert_eq!(DataFormat::detect("a.JSONL", b"x"), DataFormat::Jsonl);
        assert_eq!(DataFormat::detect("a.csv", b"{"), DataFormat::Csv);
        assert_eq!(
            DataFormat::detect("data", b"  {\"a\":1}"),
            DataFormat::Jsonl
        );
        assert_eq!(DataFormat::detect("data", b"a,b"), DataFormat::Csv);
    }
}
