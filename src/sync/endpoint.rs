//! Where finished records go: the endpoint settings, their checks, and whether this build's security policy lets the app reach them.

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub const DEFAULT_BATCH_SIZE: u32 = 50;
pub const MAX_BATCH_SIZE: u32 = 500;
pub const DEFAULT_TIMEOUT_SECONDS: u32 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointKind {
    /// `POST` of a `jangkau.batch/1` body (docs/endpoint.md).
    #[default]
    JangkauBatch,
    /// A CouchDB database (or Cloudant, pouchdb-server): `_bulk_docs`.
    CouchDb,
}

impl EndpointKind {
    pub fn code(self) -> &'static str {
        match self {
            EndpointKind::JangkauBatch => "jangkau_batch",
            EndpointKind::CouchDb => "couch_db",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Credentials {
    #[default]
    None,
    Bearer {
        token: String,
    },
    Basic {
        user: String,
        password: String,
    },
}

/// A checked endpoint. Stored sealed on the phone (it may hold a password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub url: String,
    pub kind: EndpointKind,
    #[serde(default)]
    pub credentials: Credentials,
    pub batch_size: u32,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
}

fn default_timeout() -> u32 {
    DEFAULT_TIMEOUT_SECONDS
}

/// What a programme may ship beside the app (`config.json`): never
/// credentials, since the file is public.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeploymentDefaults {
    #[serde(default)]
    pub endpoint_url: Option<String>,
    #[serde(default)]
    pub endpoint_kind: Option<EndpointKind>,
    #[serde(default)]
    pub batch_size: Option<u32>,
    #[serde(default)]
    pub timeout_seconds: Option<u32>,
    /// The programme's forms index (docs/forms.md).
    #[serde(default)]
    pub forms_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EndpointError {
    #[error("no address given")]
    Empty,
    #[error("the address must start with https://")]
    NoScheme,
    #[error("only https:// addresses are allowed (http only for localhost)")]
    NotHttps,
    #[error("this is not a usable web address")]
    BadUrl,
    #[error("put the user name and password in their own fields, not in the address")]
    CredentialsInUrl,
    #[error("the batch size must be between 1 and {MAX_BATCH_SIZE}")]
    BatchSize,
    #[error("the waiting time must be between 5 and 300 seconds")]
    Timeout,
    #[error("the user name is missing")]
    UserMissing,
    #[error("the password is missing")]
    PasswordMissing,
    #[error("this app was built to connect only to its own server; {origin} is not allowed")]
    NotAllowedByBuild { origin: String },
    #[error("the settings file is not valid: {0}")]
    BadDefaults(String),
    /// Browsers send only Latin-1 in a header, and tokens are ASCII: a
    /// token with other characters (often a copy-paste accident) would
    /// fail every request as if the server refused the app.
    #[error("a token holds only letters, digits and punctuation, with no spaces")]
    BadToken,
}

/// A web address split into the parts the checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    pub host: String,
    pub port: Option<u16>,
    /// Path, query and all, starting with `/` (or empty).
    pub rest: String,
}

impl Url {
    /// Splits and checks `text`. Only `https`, or `http` on this device
    /// (localhost, 127.0.0.1, [::1]) for development.
    ///
    /// # Errors
    /// An [`EndpointError`] naming what is wrong.
    pub fn parse(text: &str) -> Result<Url, EndpointError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(EndpointError::Empty);
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EndpointError::BadUrl);
        }
        let Some((scheme, after)) = text.split_once("://") else {
            return Err(EndpointError::NoScheme);
        };
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return Err(EndpointError::NotHttps);
        }
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let (authority, rest) = after.split_at(end);
        if authority.contains('@') {
            return Err(EndpointError::CredentialsInUrl);
        }
        if rest.contains('#') {
            return Err(EndpointError::BadUrl);
        }
        let (host, port) = split_port(authority)?;
        let host = host.to_lowercase();
        if !valid_host(&host) {
            return Err(EndpointError::BadUrl);
        }
        if scheme == "http" && !is_loopback(&host) {
            return Err(EndpointError::NotHttps);
        }
        let port = match (scheme.as_str(), port) {
            ("https", Some(443)) | ("http", Some(80)) => None,
            (_, p) => p,
        };
        Ok(Url {
            scheme,
            host,
            port,
            rest: rest.to_owned(),
        })
    }

    /// `scheme://host[:port]`, as browsers write an origin.
    pub fn origin(&self) -> String {
        match self.port {
            Some(p) => format!("{}://{}:{p}", self.scheme, self.host),
            None => format!("{}://{}", self.scheme, self.host),
        }
    }

    /// The address written back in a normal form, without a trailing `/`
    /// when there is no path.
    pub fn normalised(&self) -> String {
        let rest = if self.rest == "/" { "" } else { &self.rest };
        format!("{}{rest}", self.origin())
    }
}

fn split_port(authority: &str) -> Result<(&str, Option<u16>), EndpointError> {
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        // An IPv6 literal: [::1]:8080
        let close = inner.find(']').ok_or(EndpointError::BadUrl)?;
        let after = &inner[close + 1..];
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(EndpointError::BadUrl)?),
        };
        (&authority[..close + 2], port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.chars().all(|c| c.is_ascii_digit()) => Some(n),
            _ => return Err(EndpointError::BadUrl),
        },
    };
    Ok((host, port))
}

fn valid_host(host: &str) -> bool {
    if host.starts_with('[') {
        return host.ends_with(']')
            && host.len() > 2
            && host[1..host.len() - 1]
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    }
    !host.is_empty()
        && !host.starts_with(['.', '-'])
        && !host.ends_with('-')
        && !host.contains("..")
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// What the settings form holds, before checking.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EndpointForm {
    pub url: String,
    pub kind: EndpointKind,
    pub token: String,
    pub user: String,
    pub password: String,
    pub batch_size: String,
    pub timeout_seconds: Option<u32>,
}

impl EndpointForm {
    /// Checks the form; the first problem found is reported.
    ///
    /// # Errors
    /// An [`EndpointError`]; nothing is stored then.
    pub fn check(&self) -> Result<Endpoint, EndpointError> {
        let url = Url::parse(&self.url)?;
        let batch_size = match self.batch_size.trim() {
            "" => DEFAULT_BATCH_SIZE,
            n => n.parse::<u32>().map_err(|_| EndpointError::BatchSize)?,
        };
        if !(1..=MAX_BATCH_SIZE).contains(&batch_size) {
            return Err(EndpointError::BatchSize);
        }
        let timeout_seconds = self.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        if !(5..=300).contains(&timeout_seconds) {
            return Err(EndpointError::Timeout);
        }
        let credentials = match self.kind {
            EndpointKind::JangkauBatch => match self.token.trim() {
                "" => Credentials::None,
                t if !t.chars().all(|c| c.is_ascii_graphic()) => {
                    return Err(EndpointError::BadToken)
                }
                t => Credentials::Bearer {
                    token: t.to_owned(),
                },
            },
            EndpointKind::CouchDb => {
                let user = self.user.trim();
                match (user.is_empty(), self.password.is_empty()) {
                    (true, true) => Credentials::None,
                    (true, false) => return Err(EndpointError::UserMissing),
                    (false, true) => return Err(EndpointError::PasswordMissing),
                    (false, false) => Credentials::Basic {
                        user: user.to_owned(),
                        password: self.password.clone(),
                    },
                }
            }
        };
        Ok(Endpoint {
            url: url.normalised(),
            kind: self.kind,
            credentials,
            batch_size,
            timeout_seconds,
        })
    }

    /// The form showing a stored endpoint (secrets included: the fields
    /// are password fields).
    pub fn from_endpoint(e: &Endpoint) -> EndpointForm {
        let (token, user, password) = match &e.credentials {
            Credentials::None => Default::default(),
            Credentials::Bearer { token } => (token.clone(), String::new(), String::new()),
            Credentials::Basic { user, password } => {
                (String::new(), user.clone(), password.clone())
            }
        };
        EndpointForm {
            url: e.url.clone(),
            kind: e.kind,
            token,
            user,
            password,
            batch_size: e.batch_size.to_string(),
            timeout_seconds: Some(e.timeout_seconds),
        }
    }
}

impl DeploymentDefaults {
    /// Reads `config.json`.
    ///
    /// # Errors
    /// `BadDefaults` when it is not the expected JSON.
    pub fn parse(text: &str) -> Result<DeploymentDefaults, EndpointError> {
        serde_json::from_str(text).map_err(|e| EndpointError::BadDefaults(e.to_string()))
    }

    /// The endpoint these defaults describe, if they name one and it checks.
    ///
    /// # Errors
    /// When the shipped address or numbers do not pass the checks.
    pub fn endpoint(&self) -> Result<Option<Endpoint>, EndpointError> {
        let Some(url) = &self.endpoint_url else {
            return Ok(None);
        };
        EndpointForm {
            url: url.clone(),
            kind: self.endpoint_kind.unwrap_or_default(),
            batch_size: self.batch_size.map(|n| n.to_string()).unwrap_or_default(),
            timeout_seconds: self.timeout_seconds,
            ..Default::default()
        }
        .check()
        .map(Some)
    }
}

/// Whether a Content-Security-Policy `connect-src` list (`sources`, as
/// written in the policy) lets a page at `page_origin` connect to `target`.
/// Covers the source forms this app's build writes or a programme would:
/// `'self'`, `*`, a scheme (`https:`), and hosts with optional `*.` prefix
/// and port (`:*` for any).
pub fn connect_allowed(sources: &[&str], page_origin: &str, target: &Url) -> bool {
    let origin = target.origin();
    sources.iter().any(|source| {
        let source = source.trim();
        match source {
            "'self'" => origin == page_origin,
            "*" => target.scheme == "https" || target.scheme == "http",
            s if s.ends_with(':') && !s.contains('/') => {
                s.trim_end_matches(':').eq_ignore_ascii_case(&target.scheme)
            }
            s => host_source_matches(s, target),
        }
    })
}

fn host_source_matches(source: &str, target: &Url) -> bool {
    let (scheme, rest) = match source.split_once("://") {
        Some((s, r)) => (Some(s.to_ascii_lowercase()), r),
        None => (None, source),
    };
    match &scheme {
        Some(s) if *s != target.scheme => return false,
        // A bare host allows the page's scheme; ours is https.
        None if target.scheme != "https" => return false,
        _ => {}
    }
    let authority = rest.split('/').next().unwrap_or("");
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (h, Some(p)),
        _ => (authority, None),
    };
    let host = host.to_lowercase();
    let host_ok = match host.strip_prefix("*.") {
        Some(suffix) => target.host.ends_with(&format!(".{suffix}")),
        None => host == target.host,
    };
    let default_port = if target.scheme == "https" { 443 } else { 80 };
    let target_port = target.port.unwrap_or(default_port);
    let port_ok = match port {
        None => target_port == default_port,
        Some("*") => true,
        Some(p) => p.parse::<u16>() == Ok(target_port),
    };
    host_ok && port_ok
}
