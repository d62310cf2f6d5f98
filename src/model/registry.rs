//! The forms and consent statements a phone holds: every version ever used, which ones are current, and the rules for taking in new ones.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::builtin;
use super::consent::ConsentText;
use super::form::{FormDef, FormKind, FormProblem};
use super::text::Text;

/// A form or consent file larger than this is refused unread.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// An index or bundle may list at most this many forms (and as many consents).
pub const MAX_ENTRIES: usize = 200;
/// The `schema` of a forms index or bundle.
pub const INDEX_SCHEMA: &str = "jangkau.forms/1";

/// Forms or consent statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Form,
    Consent,
}

/// Why one form or statement was not taken. Each names what to change.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EntryProblem {
    #[error(
        "this version already exists with other questions — give the new one a higher version"
    )]
    VersionTaken,
    #[error(
        "the file does not match its sha256 in the index (changed after the index was written?)"
    )]
    HashMismatch,
    #[error("the index gives no valid sha256 (64 hexadecimal characters)")]
    BadHash,
    #[error("the file is larger than {} KB", MAX_FILE_BYTES / 1024)]
    TooLarge,
    #[error("the file says it is {found}, the index says {expected}")]
    WrongId { expected: String, found: String },
    #[error("the file could not be fetched ({0})")]
    Fetch(String),
    #[error("the entry has neither a url nor a definition")]
    NoSource,
    #[error(
        "the form needs consent statement {0:?}, which is neither on this phone nor in the index"
    )]
    ConsentMissing(String),
    #[error("{}", problems_text(.0))]
    Invalid(Vec<FormProblem>),
}

fn problems_text(problems: &[FormProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A whole index or bundle that cannot be used: nothing in it is taken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IndexError {
    #[error("this is not a forms file: {0}")]
    Syntax(String),
    #[error("the schema must be \"{INDEX_SCHEMA}\", not {0:?}")]
    Schema(String),
    #[error("at most {MAX_ENTRIES} forms and {MAX_ENTRIES} consent statements")]
    TooMany,
    #[error("the file is larger than {} KB", MAX_FILE_BYTES / 1024)]
    TooLarge,
}

/// One line of an index (`url` + `sha256`) or of a bundle (`definition`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexEntry {
    pub id: String,
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<serde_json::Value>,
}

/// A programme's forms index (or a bundle: the same, with definitions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    pub schema: String,
    #[serde(default)]
    pub forms: Vec<IndexEntry>,
    #[serde(default)]
    pub consents: Vec<IndexEntry>,
}

impl Index {
    /// Reads and checks an index or bundle.
    ///
    /// # Errors
    /// An [`IndexError`] when it cannot be used at all.
    pub fn parse(bytes: &[u8]) -> Result<Index, IndexError> {
        if bytes.len() > MAX_FILE_BYTES * 4 {
            return Err(IndexError::TooLarge);
        }
        let index: Index =
            serde_json::from_slice(bytes).map_err(|e| IndexError::Syntax(e.to_string()))?;
        if index.schema != INDEX_SCHEMA {
            return Err(IndexError::Schema(index.schema));
        }
        if index.forms.len() > MAX_ENTRIES || index.consents.len() > MAX_ENTRIES {
            return Err(IndexError::TooMany);
        }
        Ok(index)
    }

    /// Every entry with what it is.
    pub fn entries(&self) -> impl Iterator<Item = (Part, &IndexEntry)> {
        self.consents
            .iter()
            .map(|e| (Part::Consent, e))
            .chain(self.forms.iter().map(|e| (Part::Form, e)))
    }
}

/// Lowercase hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The index's `sha256`, checked to be 64 hex digits, in lowercase.
///
/// # Errors
/// [`EntryProblem::BadHash`].
pub fn expected_hash(entry: &IndexEntry) -> Result<String, EntryProblem> {
    match &entry.sha256 {
        Some(h) if h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()) => {
            Ok(h.to_ascii_lowercase())
        }
        _ => Err(EntryProblem::BadHash),
    }
}

/// A form or consent statement, parsed and checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Definition {
    Form(Rc<FormDef>),
    Consent(Rc<ConsentText>),
}

impl Definition {
    pub fn part(&self) -> Part {
        match self {
            Definition::Form(_) => Part::Form,
            Definition::Consent(_) => Part::Consent,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Definition::Form(f) => &f.id,
            Definition::Consent(c) => &c.id,
        }
    }

    pub fn version(&self) -> u32 {
        match self {
            Definition::Form(f) => f.version,
            Definition::Consent(c) => c.version,
        }
    }

    /// Parses `bytes` as a `part`, checked fully.
    ///
    /// # Errors
    /// `TooLarge`, or `Invalid` with every problem and its path.
    pub fn parse(part: Part, bytes: &[u8]) -> Result<Definition, EntryProblem> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(EntryProblem::TooLarge);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| {
            EntryProblem::Invalid(vec![FormProblem {
                path: "(file)".into(),
                problem: "not UTF-8 text".into(),
            }])
        })?;
        match part {
            Part::Form => FormDef::parse(text)
                .map(|f| Definition::Form(Rc::new(f)))
                .map_err(|e| EntryProblem::Invalid(e.problems())),
            Part::Consent => {
                let consent: ConsentText = serde_json::from_str(text).map_err(|e| {
                    EntryProblem::Invalid(vec![FormProblem {
                        path: format!("line {} column {}", e.line(), e.column()),
                        problem: e.to_string(),
                    }])
                })?;
                let problems = consent.check();
                if problems.is_empty() {
                    Ok(Definition::Consent(Rc::new(consent)))
                } else {
                    Err(EntryProblem::Invalid(
                        problems
                            .into_iter()
                            .map(|p| {
                                let (path, problem) = p.split_once(": ").unwrap_or(("(top)", &p));
                                FormProblem {
                                    path: path.into(),
                                    problem: problem.into(),
                                }
                            })
                            .collect(),
                    ))
                }
            }
        }
    }

    /// The definition as JSON, as it is kept on the phone.
    pub fn to_json(&self) -> serde_json::Value {
        // Serialising these plain structs cannot fail (string keys only).
        match self {
            Definition::Form(f) => serde_json::to_value(&**f),
            Definition::Consent(c) => serde_json::to_value(&**c),
        }
        .unwrap_or_default()
    }
}

/// What a file picked on the phone holds.
#[derive(Debug, Clone, PartialEq)]
pub enum FileContent {
    One(Part, Vec<u8>),
    Bundle(Index),
}

/// Tells a single form, a single consent statement and a bundle apart.
///
/// # Errors
/// An [`IndexError`] when it is none of them.
pub fn read_file(bytes: &[u8]) -> Result<FileContent, IndexError> {
    if bytes.len() > MAX_FILE_BYTES * 4 {
        return Err(IndexError::TooLarge);
    }
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| IndexError::Syntax(e.to_string()))?;
    let has = |key: &str| value.get(key).is_some();
    if has("schema") {
        Index::parse(bytes).map(FileContent::Bundle)
    } else if has("sections") {
        Ok(FileContent::One(Part::Form, bytes.to_vec()))
    } else if has("purposes") {
        Ok(FileContent::One(Part::Consent, bytes.to_vec()))
    } else {
        Err(IndexError::Syntax(
            "neither a form, a consent statement nor a bundle".into(),
        ))
    }
}

/// One entry as it arrived: checked and parsed (with the hash it came
/// with), or refused.
pub type Delivered = (
    Part,
    IndexEntry,
    Result<(Definition, Option<String>), EntryProblem>,
);

/// What happened to one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub part: Part,
    pub id: String,
    pub version: u32,
    pub result: Result<Taken, EntryProblem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// New to this phone.
    Added,
    /// Already held, unchanged.
    Held,
}

/// Where the current forms came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The forms that ship with the app: no programme has published any.
    #[default]
    BuiltIn,
    /// A programme's forms index.
    Index,
    /// Files loaded on the phone.
    File,
}

#[derive(Debug, Clone, PartialEq)]
struct Held {
    def: Definition,
    /// SHA-256 of the file it came from, when it came from an index.
    sha256: Option<String>,
}

/// Every form and consent statement this phone holds, by (id, version), and
/// which version of each is current. Versions are never removed: a draft
/// or record always finds the version it was made with.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Registry {
    held: BTreeMap<(Part, String, u32), Held>,
    /// The version new records use, per id; forms not listed are no longer
    /// offered for new records.
    current: BTreeMap<(Part, String), u32>,
    /// The order the programme lists its current forms in.
    order: Vec<String>,
    pub source: Source,
    /// Stored versions this build could not read (written by a newer
    /// Jangkau?): kept as they are, never dropped.
    unreadable: Vec<serde_json::Value>,
}

/// The registry as it is kept, sealed, on the phone.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stored {
    #[serde(default)]
    pub forms: Vec<StoredEntry>,
    #[serde(default)]
    pub consents: Vec<StoredEntry>,
    #[serde(default)]
    pub current_forms: Vec<(String, u32)>,
    #[serde(default)]
    pub current_consents: Vec<(String, u32)>,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub unreadable: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredEntry {
    pub definition: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl Registry {
    /// The forms and statement that ship with the app, all current.
    pub fn built_in() -> Registry {
        let mut r = Registry::default();
        r.take_built_in();
        r
    }

    /// Adds this build's own forms; they become current while no programme
    /// index decides. A built-in version already held with other content
    /// keeps the held one (records were made with it).
    fn take_built_in(&mut self) {
        let defs = builtin::forms()
            .into_iter()
            .map(|f| Definition::Form(Rc::new(f)))
            .chain(
                builtin::consent_text()
                    .ok()
                    .map(|c| Definition::Consent(Rc::new(c))),
            );
        for def in defs {
            let (part, id, version) = (def.part(), def.id().to_owned(), def.version());
            // A conflict keeps what is held (see above): nothing to report.
            let _ = self.add(def, None);
            // Built-in forms follow the build unless a programme's index
            // decides; beside files, a newer built-in version takes over.
            let key = (part, id);
            let follow = match self.source {
                Source::BuiltIn => true,
                Source::File => self.current.get(&key).is_none_or(|v| *v < version),
                Source::Index => false,
            };
            if follow {
                if key.0 == Part::Form && !self.order.contains(&key.1) {
                    self.order.push(key.1.clone());
                }
                self.current.insert(key, version);
            }
        }
    }

    /// Opens the stored registry and adds this build's forms. Returns the
    /// registry and how many stored versions could not be read (they are
    /// kept, to be written back unchanged).
    pub fn restore(stored: Stored) -> (Registry, usize) {
        let mut r = Registry {
            source: stored.source,
            unreadable: stored.unreadable,
            ..Registry::default()
        };
        let entries = stored
            .forms
            .into_iter()
            .map(|e| (Part::Form, e))
            .chain(stored.consents.into_iter().map(|e| (Part::Consent, e)));
        for (part, entry) in entries {
            let bytes = serde_json::to_vec(&entry.definition).unwrap_or_default();
            match Definition::parse(part, &bytes) {
                Ok(def) => {
                    let _ = r.add(def, entry.sha256);
                }
                Err(_) => r.unreadable.push(entry.definition),
            }
        }
        for (id, v) in stored.current_forms {
            if r.form(&id, v).is_some() {
                r.order.push(id.clone());
                r.current.insert((Part::Form, id), v);
            }
        }
        for (id, v) in stored.current_consents {
            if r.consent(&id, v).is_some() {
                r.current.insert((Part::Consent, id), v);
            }
        }
        if r.source == Source::BuiltIn {
            r.order.clear();
            r.current.clear();
        }
        // With built-in forms only, this also puts them back in their order.
        r.take_built_in();
        let unreadable = r.unreadable.len();
        (r, unreadable)
    }

    /// What to store.
    pub fn to_stored(&self) -> Stored {
        let mut s = Stored {
            source: self.source,
            unreadable: self.unreadable.clone(),
            ..Stored::default()
        };
        for ((part, _, _), held) in &self.held {
            let entry = StoredEntry {
                definition: held.def.to_json(),
                sha256: held.sha256.clone(),
            };
            match part {
                Part::Form => s.forms.push(entry),
                Part::Consent => s.consents.push(entry),
            }
        }
        for id in &self.order {
            if let Some(v) = self.current.get(&(Part::Form, id.clone())) {
                s.current_forms.push((id.clone(), *v));
            }
        }
        for ((part, id), v) in &self.current {
            if *part == Part::Consent {
                s.current_consents.push((id.clone(), *v));
            }
        }
        s
    }

    /// Takes a checked definition. The same content again is `Held`.
    ///
    /// # Errors
    /// `VersionTaken` when this (id, version) is held with other content.
    pub fn add(&mut self, def: Definition, sha256: Option<String>) -> Result<Taken, EntryProblem> {
        let key = (def.part(), def.id().to_owned(), def.version());
        match self.held.get_mut(&key) {
            Some(held) if held.def == def => {
                if held.sha256.is_none() {
                    held.sha256 = sha256;
                }
                Ok(Taken::Held)
            }
            Some(_) => Err(EntryProblem::VersionTaken),
            None => {
                self.held.insert(key, Held { def, sha256 });
                Ok(Taken::Added)
            }
        }
    }

    /// Whether (id, version) is held, and the sha256 it came with.
    pub fn held_hash(&self, part: Part, id: &str, version: u32) -> Option<Option<&str>> {
        self.held
            .get(&(part, id.to_owned(), version))
            .map(|h| h.sha256.as_deref())
    }

    /// The form a record names, whatever its version.
    pub fn form(&self, id: &str, version: u32) -> Option<Rc<FormDef>> {
        match &self.held.get(&(Part::Form, id.to_owned(), version))?.def {
            Definition::Form(f) => Some(Rc::clone(f)),
            Definition::Consent(_) => None,
        }
    }

    pub fn consent(&self, id: &str, version: u32) -> Option<Rc<ConsentText>> {
        match &self.held.get(&(Part::Consent, id.to_owned(), version))?.def {
            Definition::Consent(c) => Some(Rc::clone(c)),
            Definition::Form(_) => None,
        }
    }

    /// The version of `id` new records use; `None` when it is no longer offered.
    pub fn current_version(&self, part: Part, id: &str) -> Option<u32> {
        self.current.get(&(part, id.to_owned())).copied()
    }

    /// The current version of a form.
    pub fn current_form(&self, id: &str) -> Option<Rc<FormDef>> {
        self.form(id, self.current_version(Part::Form, id)?)
    }

    /// The statement read before `form` starts, if it needs one.
    pub fn consent_for(&self, form: &FormDef) -> Option<Rc<ConsentText>> {
        let id = form.consent_id()?;
        self.consent(id, self.current_version(Part::Consent, id)?)
    }

    /// The forms offered for new records, in the programme's order.
    pub fn published(&self) -> Vec<Rc<FormDef>> {
        self.order
            .iter()
            .filter_map(|id| self.current_form(id))
            .collect()
    }

    /// The offered form a "new record" address names (see [`route_key`]).
    pub fn by_route_key(&self, key: &str) -> Option<Rc<FormDef>> {
        self.published()
            .into_iter()
            .find(|f| route_key(&f.id) == key)
    }

    /// What a form id is called: its current version's title, else the
    /// newest version held.
    pub fn title(&self, form_id: &str) -> Option<Text> {
        let form = self.current_form(form_id).or_else(|| {
            self.held
                .range(
                    (Part::Form, form_id.to_owned(), 0)
                        ..=(Part::Form, form_id.to_owned(), u32::MAX),
                )
                .next_back()
                .and_then(|(_, h)| match &h.def {
                    Definition::Form(f) => Some(Rc::clone(f)),
                    Definition::Consent(_) => None,
                })
        })?;
        Some(form.title.clone())
    }

    /// The first current form of a kind (the people and site pages use it).
    pub fn current_of_kind(&self, kind: FormKind) -> Option<Rc<FormDef>> {
        self.published().into_iter().find(|f| f.kind == kind)
    }

    /// Every form version held, oldest first within each id.
    pub fn all_forms(&self) -> Vec<Rc<FormDef>> {
        self.held
            .values()
            .filter_map(|h| match &h.def {
                Definition::Form(f) => Some(Rc::clone(f)),
                Definition::Consent(_) => None,
            })
            .collect()
    }

    /// Every form id held, with its versions, in id order.
    pub fn form_ids(&self) -> Vec<(String, Vec<u32>)> {
        let mut out: Vec<(String, Vec<u32>)> = Vec::new();
        for (part, id, v) in self.held.keys() {
            if *part != Part::Form {
                continue;
            }
            match out.last_mut() {
                Some((last, versions)) if last == id => versions.push(*v),
                _ => out.push((id.clone(), vec![*v])),
            }
        }
        out
    }

    /// A newer current version than `version`, for a draft's "newer version" note.
    pub fn newer_than(&self, id: &str, version: u32) -> Option<u32> {
        self.current_version(Part::Form, id)
            .filter(|current| *current > version)
    }

    /// Takes a delivered index's definitions (each already fetched, hashed
    /// and parsed, or refused) and makes the index's forms the current ones.
    /// A refused entry changes nothing: a form it would have replaced stays
    /// current at its held version. Forms the index no longer lists stop
    /// being offered; their versions stay.
    pub fn apply_index(&mut self, delivered: Vec<Delivered>) -> Vec<Outcome> {
        let outcomes = self.take(delivered);
        let mut current: BTreeMap<(Part, String), u32> = self
            .current
            .iter()
            .filter(|((part, _), _)| *part == Part::Consent)
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let mut order = Vec::new();
        let listed_consents = outcomes.iter().any(|o| o.part == Part::Consent);
        if listed_consents {
            current.clear();
        }
        for o in &outcomes {
            let key = (o.part, o.id.clone());
            let version = if o.result.is_ok() {
                Some(o.version)
            } else {
                // Refused: what was current for this id stays so.
                self.current.get(&key).copied()
            };
            if let Some(v) = version {
                let slot = current.entry(key).or_insert(v);
                *slot = (*slot).max(v);
                if o.part == Part::Form && !order.contains(&o.id) {
                    order.push(o.id.clone());
                }
            }
        }
        self.current = current;
        self.order = order;
        self.source = Source::Index;
        outcomes
    }

    /// Takes definitions from a file picked on the phone: each becomes
    /// current unless a higher version of its id already is. Nothing else
    /// changes.
    pub fn apply_file(&mut self, delivered: Vec<Delivered>) -> Vec<Outcome> {
        let outcomes = self.take(delivered);
        let mut any = false;
        for o in outcomes.iter().filter(|o| o.result.is_ok()) {
            any = true;
            let key = (o.part, o.id.clone());
            let slot = self.current.entry(key).or_insert(o.version);
            *slot = (*slot).max(o.version);
            if o.part == Part::Form && !self.order.contains(&o.id) {
                self.order.push(o.id.clone());
            }
        }
        if any && self.source == Source::BuiltIn {
            self.source = Source::File;
        }
        outcomes
    }

    fn take(&mut self, delivered: Vec<Delivered>) -> Vec<Outcome> {
        // Statements first: a form in the same delivery may need one.
        let mut delivered = delivered;
        delivered.sort_by_key(|(part, _, _)| *part == Part::Form);
        let mut outcomes = Vec::new();
        for (part, entry, result) in delivered {
            let result = result.and_then(|(def, sha)| {
                if def.part() != part || def.id() != entry.id || def.version() != entry.version {
                    return Err(EntryProblem::WrongId {
                        expected: format!("{} version {}", entry.id, entry.version),
                        found: format!("{} version {}", def.id(), def.version()),
                    });
                }
                if let Definition::Form(f) = &def {
                    if let Some(consent) = f.consent_id() {
                        let known = self
                            .held
                            .keys()
                            .any(|(p, id, _)| *p == Part::Consent && id == consent);
                        if !known {
                            return Err(EntryProblem::ConsentMissing(consent.to_owned()));
                        }
                    }
                }
                self.add(def, sha)
            });
            outcomes.push(Outcome {
                part,
                id: entry.id,
                version: entry.version,
                result,
            });
        }
        outcomes
    }
}

/// The part of a "new record" address that names a form: a hash of its id
/// (FNV-1a, 64 bits, hex), stable across reloads. Addresses end up in the
/// browser's history, on disk; a programme's form id ("karaoke_outreach")
/// would say there what the app is for.
pub fn route_key(form_id: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in form_id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Resolves an index entry's `url` against the index's own address, as a
/// browser would for a relative link (`a.json`, `../b.json`, `/c.json`, or
/// a whole `https://` address).
pub fn resolve(index_url: &str, url: &str) -> String {
    if url.contains("://") {
        return url.to_owned();
    }
    let (origin, path) = match index_url.find("://") {
        Some(i) => {
            let after = &index_url[i + 3..];
            let slash = after.find('/').map_or(index_url.len(), |j| i + 3 + j);
            (&index_url[..slash], &index_url[slash..])
        }
        None => ("", index_url),
    };
    if let Some(absolute) = url.strip_prefix('/') {
        return format!("{origin}/{absolute}");
    }
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    for segment in url.split('/') {
        match segment {
            "." => {}
            ".." => {
                if parts.len() > 1 || (origin.is_empty() && !parts.is_empty()) {
                    parts.pop();
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    if origin.is_empty() {
        joined.trim_start_matches('/').to_owned()
    } else if joined.starts_with('/') {
        format!("{origin}{joined}")
    } else {
        format!("{origin}/{joined}")
    }
}
