//! The Playground's other operations — Embed, Image, Transcribe, Speak — as two commands: the
//! estimate while the form is filled, and the run (recorded by the core before it returns),
//! plus the native pickers for an audio file and a folder. Generated images and speech are
//! saved where the user says (by default `Pictures/PromptLedger` and `Music/PromptLedger`);
//! the ledger keeps counts and the bill, never the vectors, images or audio.

use base64::Engine;
use promptledger_core::ledger::budgets::BudgetCheck;
use promptledger_core::providers::operations::{
    EmbedRequest, ImageRequest, OperationRequest, SpeechRequest, TranscribeRequest,
};
use promptledger_core::runner::TargetRequest;
use promptledger_core::runner::operation::{OperationEstimate, OperationRunRequest};
use promptledger_core::runner::view::RunView;
use promptledger_core::{CoreError, ErrorCode, Operation};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tauri::{AppHandle, Manager, State};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::error::{CmdResult, UiError};
use crate::state::AppState;

/// The Playground form in one of its non-chat modes.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OperationInput {
    /// Client-chosen id, used to cancel (`run_cancel`).
    run_token: String,
    operation: Operation,
    provider: String,
    key_id: Option<String>,
    model: String,
    tag: Option<String>,
    #[serde(default)]
    override_budget: bool,
    /// Embed: one input per non-empty line.
    #[serde(default)]
    text: String,
    /// Embed: output dimensions.
    dimensions: Option<u32>,
    /// Image: how many.
    n: Option<u32>,
    /// Image: `1024x1024`…
    size: Option<String>,
    /// Image: `low`, `medium`, `high`, `standard`, `hd`.
    quality: Option<String>,
    /// Transcribe: the audio file.
    file: Option<String>,
    /// Transcribe: the spoken language.
    language: Option<String>,
    /// Speak: voice.
    voice: Option<String>,
    /// Speak: `mp3`, `wav`…
    format: Option<String>,
    /// Image: the folder images are saved in; Speak: the folder the audio is saved in.
    save_dir: Option<String>,
}

/// The estimate and the budgets its worst case counts against.
#[derive(Debug, Serialize, TS)]
pub struct OperationEstimateView {
    estimate: OperationEstimate,
    budgets: Vec<BudgetCheck>,
}

/// A finished operation: the recorded run and what it produced.
#[derive(Debug, Serialize, TS)]
pub struct OperationResult {
    run: RunView,
    /// Files written (images, audio).
    files: Vec<String>,
    /// Generated images as `data:` URLs, to show them.
    images: Vec<String>,
    /// A transcription's text.
    transcript: Option<String>,
    /// Embeddings: how many vectors and of how many dimensions.
    vectors: Option<(usize, usize)>,
}

fn default_dir(app: &AppHandle, op: Operation) -> PathBuf {
    let p = app.path();
    let base = match op {
        Operation::Speech => p.audio_dir(),
        _ => p.picture_dir(),
    };
    base.or_else(|_| p.download_dir())
        .or_else(|_| p.home_dir())
        .unwrap_or_else(|_| std::env::temp_dir())
        .join("PromptLedger")
}

impl OperationInput {
    fn save_dir(&self, app: &AppHandle) -> PathBuf {
        match self
            .save_dir
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            Some(d) => PathBuf::from(d),
            None => default_dir(app, self.operation),
        }
    }

    /// What the user asked for (a transcription's audio file is read here: its length is the
    /// estimate).
    pub fn request(&self) -> CmdResult<OperationRunRequest> {
        let model = self.model.trim().to_string();
        let request = match self.operation {
            Operation::Chat => {
                return Err(UiError::new(
                    ErrorCode::InvalidInput,
                    "chat runs go through run_start",
                ));
            }
            Operation::Embedding => OperationRequest::Embed(EmbedRequest {
                model,
                inputs: EmbedRequest::inputs_from_lines(&self.text),
                dimensions: self.dimensions,
            }),
            Operation::Image => OperationRequest::Image(ImageRequest {
                model,
                prompt: self.text.clone(),
                n: self.n.unwrap_or(1),
                size: self.size.clone().filter(|s| !s.is_empty()),
                quality: self.quality.clone().filter(|q| !q.is_empty()),
            }),
            Operation::Transcription => {
                let path = self
                    .file
                    .as_deref()
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .ok_or_else(|| CoreError::invalid("file", "choose an audio file"))?;
                let audio = std::fs::read(path)
                    .map_err(|e| CoreError::invalid("file", format!("cannot read {path}: {e}")))?;
                OperationRequest::Transcribe(TranscribeRequest {
                    model,
                    file_name: Path::new(path)
                        .file_name()
                        .map_or_else(|| "audio".into(), |n| n.to_string_lossy().to_string()),
                    audio,
                    language: self.language.clone().filter(|l| !l.trim().is_empty()),
                })
            }
            Operation::Speech => OperationRequest::Speak(SpeechRequest {
                model,
                input: self.text.clone(),
                voice: self.voice.clone().unwrap_or_else(|| "alloy".into()),
                format: self.format.clone().unwrap_or_else(|| "mp3".into()),
            }),
        };
        Ok(OperationRunRequest {
            target: TargetRequest {
                key_id: self.key_id.clone(),
                ..TargetRequest::new(self.provider.parse()?, self.model.clone())
            },
            request,
            tag: self.tag.clone(),
            override_budget: self.override_budget,
        })
    }
}

/// The estimate while the form is filled: what it will use, its cost range, and budgets.
#[tauri::command]
#[tracing::instrument(skip(state, input), err(level = "info"))]
pub async fn operation_estimate(
    state: State<'_, AppState>,
    input: OperationInput,
) -> CmdResult<OperationEstimateView> {
    let (estimate, budgets) = state.service()?.estimate_operation(&input.request()?)?;
    Ok(OperationEstimateView { estimate, budgets })
}

fn not_writable(path: &Path, e: &std::io::Error) -> UiError {
    UiError::from(CoreError::NotWritable {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// Runs the operation, records it, and saves what it produced; cancel with `run_cancel`.
#[tauri::command]
#[tracing::instrument(skip(app, state, input), fields(model = %input.model), err(level = "info"))]
pub async fn operation_start(
    app: AppHandle,
    state: State<'_, AppState>,
    input: OperationInput,
) -> CmdResult<OperationResult> {
    let req = input.request()?;
    let dir = input.save_dir(&app);
    if matches!(input.operation, Operation::Image | Operation::Speech) {
        // A folder that cannot be written is refused before anything is paid for.
        std::fs::create_dir_all(&dir).map_err(|e| not_writable(&dir, &e))?;
    }
    let service = state.service()?;
    let prepared = service.prepare_operation(&req)?;
    let cancel = CancellationToken::new();
    state.register_run(&input.run_token, cancel.clone());
    let result = service.run_operation(prepared, &cancel).await;
    state.forget_run(&input.run_token);
    let outcome = result?;
    super::runs::notify(&app, &outcome.alerts);
    let run = RunView::from(&outcome.record);
    let mut out = OperationResult {
        files: Vec::new(),
        images: Vec::new(),
        transcript: None,
        vectors: None,
        run,
    };
    let Some(answer) = outcome.answer else {
        return Ok(out);
    };
    let id = out.run.run_id;
    for (i, img) in answer.images.iter().enumerate() {
        let path = dir.join(img.file_name(id, i));
        std::fs::write(&path, &img.bytes).map_err(|e| not_writable(&path, &e))?;
        out.files.push(path.display().to_string());
        out.images.push(format!(
            "data:image/{};base64,{}",
            img.format,
            base64::engine::general_purpose::STANDARD.encode(&img.bytes)
        ));
    }
    if let (Some(audio), OperationRequest::Speak(speech)) = (&answer.audio, &req.request) {
        let path = dir.join(speech.file_name(id));
        std::fs::write(&path, audio).map_err(|e| not_writable(&path, &e))?;
        out.files.push(path.display().to_string());
    }
    out.transcript = answer.text;
    if !answer.vectors.is_empty() {
        out.vectors = Some((
            answer.vectors.len(),
            answer.vectors.first().map_or(0, Vec::len),
        ));
    }
    Ok(out)
}

/// The native open dialog for an audio file; `None` when cancelled.
#[tauri::command]
#[tracing::instrument(skip(app), err(level = "info"))]
pub async fn operation_pick_audio(app: AppHandle) -> CmdResult<Option<String>> {
    super::analytics::pick_file(
        &app,
        "Audio",
        &[
            "wav", "mp3", "m4a", "flac", "ogg", "webm", "mp4", "mpeg", "mpga",
        ],
    )
    .await
}

/// The native folder dialog for where images or speech are saved; `None` when cancelled.
#[tauri::command]
#[tracing::instrument(skip(app), err(level = "info"))]
pub async fn operation_pick_folder(app: AppHandle) -> CmdResult<Option<String>> {
    use tauri_plugin_dialog::DialogExt;
    let dialog = app.dialog().file();
    let picked = super::analytics::dialog_path(
        move || dialog.blocking_pick_folder(),
        ErrorCode::NotWritable,
        "cannot save there",
    )
    .await?;
    Ok(picked.map(|p| p.display().to_string()))
}

/// The folder results are saved in when the form names none.
#[tauri::command]
pub async fn operation_default_dir(app: AppHandle, operation: Operation) -> CmdResult<String> {
    Ok(default_dir(&app, operation).display().to_string())
}
