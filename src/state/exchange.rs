//! Building export files (CSV or JSON, encrypted to the programme key when one is set) from the opened records, and importing another phone's JSON export.

use std::rc::Rc;

use chrono::{DateTime, Datelike, Local, Timelike, Utc};
use futures::future::join_all;

use crate::crypto::web;
use crate::crypto::CryptoError;
use crate::model::form::FormDef;
use crate::model::record::Record;
use crate::platform::share::{yield_now, OutFile};
use crate::report::csv::{codebook, form_files};
use crate::report::transfer::{
    self, merge, select, EntryProblem, ImportError, Selection, Versions,
};
use crate::state::{local_offset, RecordsContext, ReportsContext};
use crate::storage::StorageError;
use crate::sync::wire::{batch_body, hex, Content, Entry, PendingBatch};

/// Records hashed (JSON) or written (CSV) between two paints.
const CHUNK: usize = 250;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExchangeError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The records are not opened yet.
    #[error("the records are not opened yet")]
    NotReady,
    #[error(transparent)]
    Import(#[from] ImportError),
}

impl From<CryptoError> for ExchangeError {
    fn from(e: CryptoError) -> Self {
        ExchangeError::Storage(e.into())
    }
}

/// What an export made.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    pub files: Vec<OutFile>,
    pub records: usize,
    pub encrypted: bool,
}

/// `jangkau-YYYYMMDD-HHMM-` on the phone's clock: says when, never who or
/// where. Formatted by hand (chrono's formatter adds to the download).
fn prefix(now: DateTime<Utc>) -> String {
    let t = now.with_timezone(&Local);
    format!(
        "jangkau-{:04}{:02}{:02}-{:02}{:02}-",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// Builds the export files. `progress(done, total)` counts records.
///
/// # Errors
/// When the records are not opened yet, or hashing, encryption or storage fails.
pub async fn build_export(
    records: RecordsContext,
    reports: ReportsContext,
    forms: &[Rc<FormDef>],
    selection: &Selection,
    format: Format,
    now: DateTime<Utc>,
    progress: impl Fn(usize, usize),
) -> Result<Built, ExchangeError> {
    let service = records.records().ok_or(ExchangeError::NotReady)?;
    let versions = match format {
        Format::Csv => Versions::Newest,
        Format::Json => Versions::All,
    };
    // Sending may have moved statuses since the records were opened.
    let statuses = service.statuses().await?;
    let mut chosen: Vec<Record> = reports
        .with(|all| {
            select(all, selection, versions, local_offset())
                .into_iter()
                .cloned()
                .collect()
        })
        .ok_or(ExchangeError::NotReady)?;
    for r in &mut chosen {
        if let Some(status) = statuses.get(&r.id) {
            r.status = *status;
        }
    }
    let total = chosen.len();
    progress(0, total);
    let name = prefix(now);
    let mut files = Vec::new();
    match format {
        Format::Csv => {
            let mut done = 0;
            let mut exported: Vec<&FormDef> = Vec::new();
            // One set of files per form id, over every version held.
            let mut ids: Vec<&str> = forms.iter().map(|f| f.id.as_str()).collect();
            ids.dedup();
            for id in ids {
                let versions: Vec<&FormDef> =
                    forms.iter().filter(|f| f.id == id).map(|f| &**f).collect();
                let Some(form) = versions.last().copied() else {
                    continue;
                };
                let of_form: Vec<&Record> =
                    chosen.iter().filter(|r| r.form_id == form.id).collect();
                if of_form.is_empty() {
                    continue;
                }
                for file in form_files(&versions, &of_form) {
                    files.push(OutFile {
                        name: format!("{name}{}", file.name),
                        mime: "text/csv",
                        bytes: file.bytes,
                    });
                }
                done += of_form.len();
                progress(done, total);
                yield_now().await;
                exported.extend(versions);
            }
            if !exported.is_empty() {
                let book = codebook(&exported);
                files.push(OutFile {
                    name: format!("{name}{}", book.name),
                    mime: "text/csv",
                    bytes: book.bytes,
                });
            }
        }
        Format::Json => {
            let mut entries = Vec::with_capacity(total);
            for chunk in chosen.chunks(CHUNK) {
                let hashed = join_all(chunk.iter().map(|r| async move {
                    let digest = web::sha256(&Content::of(r).to_bytes()).await?;
                    Ok::<Entry, CryptoError>(Entry::plain(r, hex(&digest)))
                }))
                .await;
                for entry in hashed {
                    entries.push(entry?);
                }
                progress(entries.len(), total);
                yield_now().await;
            }
            if !entries.is_empty() {
                let sender = crate::state::sync::sender(&service).await?;
                let batch = PendingBatch {
                    batch_id: format!("export-{}", uuid::Uuid::new_v4()),
                    entries,
                };
                files.push(OutFile {
                    name: format!("{name}records.json"),
                    mime: "application/json",
                    bytes: batch_body(&batch, &sender, now),
                });
            }
        }
    }
    let key = records.programme_key().await?;
    let encrypted = key.is_some();
    if let Some(key) = key {
        for file in &mut files {
            let envelope = web::seal_for_programme(&key, &file.bytes).await?;
            file.bytes = envelope.to_json().into_bytes();
            file.name.push_str(".jangkau.json");
            file.mime = "application/json";
            yield_now().await;
        }
    }
    Ok(Built {
        files,
        records: total,
        encrypted,
    })
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Imported {
    pub added: u32,
    pub already: u32,
    pub refused: Vec<(usize, EntryProblem)>,
}

/// Reads another phone's JSON export and stores the records new to this
/// phone. `progress(done, total)` counts records stored.
///
/// # Errors
/// When the file is not an export this phone can read, or storage fails
/// (records stored before it stay).
pub async fn import(
    records: RecordsContext,
    forms: &[FormDef],
    bytes: &[u8],
    progress: impl Fn(usize, usize),
) -> Result<Imported, ExchangeError> {
    let service = records.records().ok_or(ExchangeError::NotReady)?;
    let statuses = service.statuses().await?;
    let own = |id: &uuid::Uuid| {
        statuses
            .get(id)
            .is_some_and(|s| *s != crate::model::record::RecordStatus::Imported)
    };
    let incoming = transfer::read_export(bytes, forms, own).map_err(ExchangeError::Import)?;
    let have = statuses.keys().copied().collect();
    let plan = merge(&have, incoming.records);
    let total = plan.add.len();
    progress(0, total);
    let added = records
        .import(&plan.add, |done| progress(done, total))
        .await?;
    Ok(Imported {
        added,
        already: plan.already,
        refused: incoming.refused,
    })
}
