//! Zeek JSON logs (`LogAscii::use_json = T`).
//!
//! The log is named by `_path` when Zeek writes all logs to one stream; a record without it
//! (one file per log, as Zeek writes by default) is recognised by the fields only its log has
//! (`conn_state` for `conn`, `query` for `dns`, `cert_chain_fps` or `server_name` for `ssl`,
//! `fuid` with `seen_bytes` for `files`, `mailfrom` or `helo` for `smtp`, `method` or `uri`
//! for `http`, `note` for `notice`). `ts` may be epoch seconds (Zeek's default) or ISO 8601
//! text (`JSON::TS_ISO8601`).

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, Error, Visitor};

use crate::error::DecodeError;
use crate::eve::{http_url, transport};
use crate::observation::{Certificate, File, Network, Observation};
use crate::text::{Str, address, cow, plain_hex};
use crate::time;

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    _path: Option<Str<'a>>,
    #[serde(borrow)]
    ts: Option<Ts<'a>>,
    #[serde(rename = "id.orig_h", borrow)]
    orig_h: Option<Str<'a>>,
    #[serde(rename = "id.orig_p")]
    orig_p: Option<u16>,
    #[serde(rename = "id.resp_h", borrow)]
    resp_h: Option<Str<'a>>,
    #[serde(rename = "id.resp_p")]
    resp_p: Option<u16>,
    #[serde(borrow)]
    proto: Option<Str<'a>>,
    conn_state: Option<serde::de::IgnoredAny>,
    // dns
    #[serde(borrow)]
    query: Option<Str<'a>>,
    // http
    #[serde(borrow)]
    host: Option<Str<'a>>,
    #[serde(borrow)]
    uri: Option<Str<'a>>,
    method: Option<serde::de::IgnoredAny>,
    // ssl
    #[serde(borrow)]
    server_name: Option<Str<'a>>,
    #[serde(borrow)]
    cert_chain_fps: Option<Vec<Str<'a>>>,
    // files
    fuid: Option<serde::de::IgnoredAny>,
    #[serde(borrow)]
    source: Option<Str<'a>>,
    #[serde(borrow)]
    mime_type: Option<Str<'a>>,
    #[serde(borrow)]
    filename: Option<Str<'a>>,
    seen_bytes: Option<u64>,
    total_bytes: Option<u64>,
    #[serde(borrow)]
    md5: Option<Str<'a>>,
    #[serde(borrow)]
    sha1: Option<Str<'a>>,
    #[serde(borrow)]
    sha256: Option<Str<'a>>,
    // smtp (and ssl's certificate subject, not mapped)
    #[serde(borrow)]
    helo: Option<Str<'a>>,
    #[serde(borrow)]
    mailfrom: Option<Str<'a>>,
    #[serde(borrow)]
    rcptto: Option<Vec<Str<'a>>>,
    #[serde(borrow)]
    subject: Option<Str<'a>>,
    // notice
    note: Option<serde::de::IgnoredAny>,
}

/// `ts`: epoch seconds or ISO 8601 text.
enum Ts<'a> {
    Seconds(f64),
    Text(Cow<'a, str>),
}

struct TsVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TsVisitor<'a> {
    type Value = Ts<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("epoch seconds or an ISO 8601 time")
    }

    fn visit_f64<E: Error>(self, v: f64) -> Result<Ts<'a>, E> {
        Ok(Ts::Seconds(v))
    }

    fn visit_u64<E: Error>(self, v: u64) -> Result<Ts<'a>, E> {
        Ok(Ts::Seconds(v as f64))
    }

    fn visit_i64<E: Error>(self, v: i64) -> Result<Ts<'a>, E> {
        Ok(Ts::Seconds(v as f64))
    }

    fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Ts<'a>, E> {
        Ok(Ts::Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<Ts<'a>, E> {
        Ok(Ts::Text(Cow::Owned(v.to_owned())))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Ts<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TsVisitor(std::marker::PhantomData))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Log {
    Conn,
    Dns,
    Http,
    Ssl,
    Files,
    Smtp,
    Notice,
    Other,
}

impl Log {
    fn of(record: &Record<'_>) -> Log {
        if let Some(Str(path)) = &record._path {
            return match path.as_ref() {
                "conn" => Log::Conn,
                "dns" => Log::Dns,
                "http" => Log::Http,
                "ssl" => Log::Ssl,
                "files" => Log::Files,
                "smtp" => Log::Smtp,
                "notice" => Log::Notice,
                _ => Log::Other,
            };
        }
        if record.conn_state.is_some() {
            Log::Conn
        } else if record.query.is_some() {
            Log::Dns
        } else if record.cert_chain_fps.is_some() || record.server_name.is_some() {
            Log::Ssl
        } else if record.fuid.is_some() && (record.seen_bytes.is_some() || record.md5.is_some()) {
            Log::Files
        } else if record.mailfrom.is_some() || record.helo.is_some() {
            Log::Smtp
        } else if record.method.is_some() || record.uri.is_some() {
            Log::Http
        } else if record.note.is_some() {
            Log::Notice
        } else {
            Log::Other
        }
    }

    fn name(self) -> &'static str {
        match self {
            Log::Conn => "conn",
            Log::Dns => "dns",
            Log::Http => "http",
            Log::Ssl => "ssl",
            Log::Files => "files",
            Log::Smtp => "smtp",
            Log::Notice => "notice",
            Log::Other => "",
        }
    }
}

fn is_certificate(source: Option<&str>, mime: Option<&str>) -> bool {
    mime.is_some_and(|m| m.starts_with("application/x-x509") || m == "application/pkix-cert")
        || (source == Some("SSL") && mime.is_none())
}

/// Decodes one Zeek JSON log entry.
pub(crate) fn decode(line: &[u8]) -> Result<Observation<'_>, DecodeError> {
    let record: Record<'_> = serde_json::from_slice(line).map_err(DecodeError::json)?;
    let log = Log::of(&record);
    let time = match record.ts {
        Some(Ts::Seconds(s)) => {
            time::from_epoch_seconds(s).ok_or_else(|| DecodeError::BadTime {
                field: "ts",
                value: s.to_string(),
            })?
        }
        Some(Ts::Text(text)) => time::parse_iso8601(&text).ok_or_else(|| DecodeError::BadTime {
            field: "ts",
            value: text.chars().take(64).collect(),
        })?,
        None => return Err(DecodeError::MissingField { field: "ts" }),
    };
    let src = address("id.orig_h", record.orig_h.as_ref().map(|s| s.0.as_ref()))?;
    let dst = address("id.resp_h", record.resp_h.as_ref().map(|s| s.0.as_ref()))?;
    let mut obs = Observation {
        kind: match (&record._path, log) {
            (Some(Str(path)), Log::Other) => path.clone(),
            _ => Cow::Borrowed(log.name()),
        },
        time,
        ..Observation::default()
    };
    let source = cow(record.source);
    let mime = cow(record.mime_type);
    let certificate_file = log == Log::Files && is_certificate(source.as_deref(), mime.as_deref());

    // The TCP-only analysers leave `proto` out of their logs.
    let tcp_only = matches!(
        log,
        Log::Http | Log::Ssl | Log::Smtp | Log::Files | Log::Notice
    );
    let transport = match cow(record.proto) {
        Some(proto) => Some(transport(proto)),
        None if tcp_only => Some(Cow::Borrowed("tcp")),
        None => None,
    };
    let application = match log {
        Log::Dns => Some("dns"),
        Log::Http => Some("http"),
        Log::Ssl => Some("tls"),
        Log::Smtp => Some("smtp"),
        Log::Files => match source.as_deref() {
            Some("HTTP") => Some("http"),
            Some("SSL") => Some("tls"),
            Some("SMTP") => Some("smtp"),
            Some("FTP_DATA" | "FTP") => Some("ftp"),
            _ => None,
        },
        Log::Conn | Log::Notice | Log::Other => None,
    };
    obs.network = Network::new(
        src,
        dst,
        (record.orig_p, record.resp_p),
        transport,
        application.map(Cow::Borrowed),
    );

    match log {
        Log::Dns => {
            if let Some(Str(query)) = record.query {
                obs.add_domain(query);
            }
        }
        Log::Http => {
            if let Some(Str(host)) = record.host {
                if let Some(Str(uri)) = record.uri {
                    obs.add_url(http_url(&host, None, uri));
                }
                obs.add_domain(host);
            }
        }
        Log::Ssl => {
            if let Some(Str(name)) = record.server_name {
                obs.add_domain(name);
            }
            if let Some(first) = record.cert_chain_fps.and_then(|fps| fps.into_iter().next()) {
                obs.add_certificate(Certificate {
                    sha256: Some(plain_hex(first.into_cow())),
                    ..Certificate::default()
                });
            }
        }
        Log::Files if certificate_file => {
            obs.add_certificate(Certificate {
                sha1: cow(record.sha1).map(plain_hex),
                sha256: cow(record.sha256).map(plain_hex),
                ..Certificate::default()
            });
        }
        Log::Files => {
            let file = File {
                md5: cow(record.md5).map(plain_hex),
                sha1: cow(record.sha1).map(plain_hex),
                sha256: cow(record.sha256).map(plain_hex),
                name: cow(record.filename),
                size: record.total_bytes.or(record.seen_bytes),
            };
            obs.add_file(file);
        }
        Log::Smtp => {
            if let Some(Str(helo)) = record.helo {
                obs.add_domain(helo);
            }
            obs.set_email(
                cow(record.mailfrom),
                record
                    .rcptto
                    .unwrap_or_default()
                    .into_iter()
                    .map(Str::into_cow),
                cow(record.subject),
            );
        }
        Log::Conn | Log::Notice | Log::Other => {}
    }
    Ok(obs)
}
