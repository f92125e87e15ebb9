//! Conversations: each turn is a run linked to its conversation. Deleting a conversation keeps
//! its runs in the ledger (the money was spent); they just stop being a conversation.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::ledger::{Ledger, now_ms};
use crate::money::NanoUsd;
use crate::providers::{Message, Role};

/// A conversation and its running totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConversationRecord {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Turns (runs).
    pub turns: i64,
    /// Cumulative cost, nano-USD.
    pub cost_nano_usd: NanoUsd,
    /// Context tokens of the latest turn (its whole prompt).
    pub last_context_tokens: i64,
    /// Last activity (ms).
    pub updated_at_ms: i64,
}

const SELECT: &str = "SELECT c.id, c.title,
    (SELECT count(*) FROM runs r WHERE r.conversation_id = c.id),
    (SELECT COALESCE(sum(cost_total_nano), 0) FROM runs r WHERE r.conversation_id = c.id),
    COALESCE((SELECT input_tokens + cached_input_tokens + cache_write_tokens + cache_write_1h_tokens
              FROM runs r WHERE r.conversation_id = c.id ORDER BY started_at_ms DESC, id DESC LIMIT 1), 0),
    c.updated_at_ms FROM conversations c";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ConversationRecord> {
    Ok(ConversationRecord {
        id: r.get(0)?,
        title: r.get(1)?,
        turns: r.get(2)?,
        cost_nano_usd: r.get(3)?,
        last_context_tokens: r.get(4)?,
        updated_at_ms: r.get(5)?,
    })
}

fn title_of(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("Conversation");
    let t: String = line.chars().take(80).collect();
    if line.chars().count() > 80 {
        format!("{t}…")
    } else {
        t
    }
}

impl Ledger {
    /// Starts a conversation titled after its first prompt.
    pub fn create_conversation(&mut self, first_prompt: &str) -> Result<i64> {
        let now = now_ms();
        self.conn().execute(
            "INSERT INTO conversations (title, created_at_ms, updated_at_ms) VALUES (?1, ?2, ?2)",
            params![title_of(first_prompt), now],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// One conversation.
    pub fn conversation(&self, id: i64) -> Result<ConversationRecord> {
        self.conn()
            .query_row(&format!("{SELECT} WHERE c.id = ?1"), [id], from_row)
            .optional()?
            .ok_or(CoreError::NotFound {
                what: "conversation",
                id: id.to_string(),
            })
    }

    /// Conversations, most recent first.
    pub fn conversations(&self, limit: usize) -> Result<Vec<ConversationRecord>> {
        let mut stmt = self
            .conn()
            .prepare(&format!("{SELECT} ORDER BY c.updated_at_ms DESC LIMIT ?1"))?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The messages so far, for the next turn: each completed turn's prompt and answer.
    pub fn conversation_messages(&self, id: i64) -> Result<Vec<Message>> {
        self.conversation(id)?;
        let mut stmt = self.conn().prepare(
            "SELECT prompt, output FROM runs WHERE conversation_id = ?1 AND status IN ('ok', 'interrupted')
             AND COALESCE(output, '') <> '' ORDER BY started_at_ms, id",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, Option<String>>(1)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (prompt, output) = row?;
            out.push(Message {
                role: Role::User,
                content: prompt.unwrap_or_default(),
            });
            out.push(Message {
                role: Role::Assistant,
                content: output.unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// Notes activity.
    pub fn touch_conversation(&mut self, id: i64) -> Result<()> {
        self.conn().execute(
            "UPDATE conversations SET updated_at_ms = ?2 WHERE id = ?1",
            params![id, now_ms()],
        )?;
        Ok(())
    }

    /// Renames a conversation.
    pub fn rename_conversation(&mut self, id: i64, title: &str) -> Result<()> {
        let t = title.trim();
        if t.is_empty() || t.chars().count() > 200 {
            return Err(CoreError::invalid(
                "title",
                "give a title of 1 to 200 characters",
            ));
        }
        match self.conn().execute(
            "UPDATE conversations SET title = ?2 WHERE id = ?1",
            params![id, t],
        )? {
            0 => Err(CoreError::NotFound {
                what: "conversation",
                id: id.to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// Deletes a conversation; its runs stay in the ledger.
    pub fn delete_conversation(&mut self, id: i64) -> Result<()> {
        match self
            .conn()
            .execute("DELETE FROM conversations WHERE id = ?1", [id])?
        {
            0 => Err(CoreError::NotFound {
                what: "conversation",
                id: id.to_string(),
            }),
            _ => Ok(()),
        }
    }
}
