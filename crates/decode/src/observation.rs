//! One decoded sensor event: the observables it carries, as facts for the matcher and, on
//! demand, as STIX 2.1 observed-data with its SCOs.

use std::borrow::Cow;
use std::net::IpAddr;

use phalanx_matcher::{FactValue, Facts, well_known};
use serde_json::{Map, Value, json};
use smallvec::SmallVec;

use crate::paths::Paths;
use crate::time;

/// A string of the event: borrowed from the input line where it needs no change.
pub type Text<'a> = Cow<'a, str>;

/// The connection an event belongs to (`network-traffic` with its two address objects).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Network<'a> {
    /// Source address.
    pub src: Option<IpAddr>,
    /// Destination address.
    pub dst: Option<IpAddr>,
    /// Source port.
    pub src_port: Option<u16>,
    /// Destination port.
    pub dst_port: Option<u16>,
    /// Protocols from the network layer up, lower case (`ipv4`, `tcp`, `http`).
    pub protocols: SmallVec<[Text<'a>; 3]>,
}

impl<'a> Network<'a> {
    /// The connection between `src` and `dst` (`None` when neither is known), with
    /// `protocols` from the network layer up: `ipv4`/`ipv6` (by the first known address),
    /// then `transport` and `application` (lower case) when given, each once.
    pub fn new(
        src: Option<IpAddr>,
        dst: Option<IpAddr>,
        ports: (Option<u16>, Option<u16>),
        transport: Option<Text<'a>>,
        application: Option<Text<'a>>,
    ) -> Option<Network<'a>> {
        let first = src.or(dst)?;
        let mut protocols: SmallVec<[Text<'a>; 3]> = SmallVec::new();
        protocols.push(Cow::Borrowed(if first.is_ipv6() { "ipv6" } else { "ipv4" }));
        for protocol in [transport, application].into_iter().flatten() {
            if !protocols.contains(&protocol) {
                protocols.push(protocol);
            }
        }
        Some(Network {
            src,
            dst,
            src_port: ports.0,
            dst_port: ports.1,
            protocols,
        })
    }
}

/// A transferred file (`file`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct File<'a> {
    /// `hashes.MD5`, lower-case hex.
    pub md5: Option<Text<'a>>,
    /// `hashes.'SHA-1'`, lower-case hex.
    pub sha1: Option<Text<'a>>,
    /// `hashes.'SHA-256'`, lower-case hex.
    pub sha256: Option<Text<'a>>,
    /// `name`.
    pub name: Option<Text<'a>>,
    /// `size` in bytes.
    pub size: Option<u64>,
}

/// A certificate seen in a TLS handshake or transferred (`x509-certificate`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Certificate<'a> {
    /// `hashes.'SHA-1'`, lower-case hex without separators.
    pub sha1: Option<Text<'a>>,
    /// `hashes.'SHA-256'`, lower-case hex without separators.
    pub sha256: Option<Text<'a>>,
    /// `serial_number`, as the sensor writes it.
    pub serial_number: Option<Text<'a>>,
    /// `subject` distinguished name.
    pub subject: Option<Text<'a>>,
    /// `issuer` distinguished name.
    pub issuer: Option<Text<'a>>,
}

impl Certificate<'_> {
    fn is_empty(&self) -> bool {
        self.sha1.is_none()
            && self.sha256.is_none()
            && self.serial_number.is_none()
            && self.subject.is_none()
            && self.issuer.is_none()
    }
}

/// An e-mail transaction (`email-message` with `email-addr` objects for its envelope).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Email<'a> {
    /// Envelope sender (`from_ref`), without angle brackets.
    pub from: Option<Text<'a>>,
    /// Envelope recipients (`to_refs`), without angle brackets.
    pub to: SmallVec<[Text<'a>; 1]>,
    /// `subject`.
    pub subject: Option<Text<'a>>,
}

/// One decoded event.
///
/// Decoders fill it from one telemetry record; [`Observation::facts`] describes it to the
/// matcher without building any JSON, and [`Observation::to_stix`] builds the observed-data
/// and SCOs only when an alert, a sighting or the exact evaluator needs them. Both follow the
/// same table (see the crate docs), so the facts are exactly the flattened STIX.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observation<'a> {
    /// The record's kind as the sensor names it (`dns`, `conn`, `alert`, …).
    pub kind: Text<'a>,
    /// When the event happened, nanoseconds since the Unix epoch.
    pub time: i64,
    /// The connection, when the record names one.
    pub network: Option<Network<'a>>,
    /// Domain names: DNS queries, HTTP hosts, TLS server names, SMTP HELO names.
    pub domains: SmallVec<[Text<'a>; 2]>,
    /// URLs, as `http://host/path` for HTTP transactions.
    pub urls: SmallVec<[Text<'a>; 1]>,
    /// Transferred files.
    pub files: SmallVec<[File<'a>; 1]>,
    /// Certificates.
    pub certificates: SmallVec<[Certificate<'a>; 1]>,
    /// The e-mail transaction of an SMTP record.
    pub email: Option<Email<'a>>,
}

fn address_value(ip: IpAddr) -> FactValue<'static> {
    match ip {
        IpAddr::V4(v4) => FactValue::Ipv4(u32::from(v4)),
        IpAddr::V6(v6) => FactValue::Ipv6(u128::from(v6)),
    }
}

fn address_type(ip: IpAddr) -> &'static str {
    if ip.is_ipv4() {
        "ipv4-addr"
    } else {
        "ipv6-addr"
    }
}

fn push_unique<'a>(list: &mut SmallVec<[Text<'a>; 2]>, value: Text<'a>) {
    if !list.contains(&value) {
        list.push(value);
    }
}

impl<'a> Observation<'a> {
    /// Adds a domain name unless it is already there or empty.
    pub fn add_domain(&mut self, name: Text<'a>) {
        if !name.is_empty() {
            push_unique(&mut self.domains, name);
        }
    }

    /// Adds a URL unless it is already there or empty.
    pub fn add_url(&mut self, url: Text<'a>) {
        if !url.is_empty() && !self.urls.contains(&url) {
            self.urls.push(url);
        }
    }

    /// Adds a file unless it carries nothing.
    pub fn add_file(&mut self, file: File<'a>) {
        if file != File::default() {
            self.files.push(file);
        }
    }

    /// Sets the e-mail transaction from its envelope (addresses with or without angle
    /// brackets) and subject, unless it names no address.
    pub fn set_email(
        &mut self,
        from: Option<Text<'a>>,
        to: impl IntoIterator<Item = Text<'a>>,
        subject: Option<Text<'a>>,
    ) {
        let email = Email {
            from: from.map(crate::text::strip_angle),
            to: to.into_iter().map(crate::text::strip_angle).collect(),
            subject,
        };
        if email.from.is_some() || !email.to.is_empty() {
            self.email = Some(email);
        }
    }

    /// Adds a certificate unless it carries nothing.
    pub fn add_certificate(&mut self, certificate: Certificate<'a>) {
        if !certificate.is_empty() && !self.certificates.contains(&certificate) {
            self.certificates.push(certificate);
        }
    }

    /// The e-mail addresses of the envelope, each once, sender first.
    fn email_addresses(&self) -> SmallVec<[&str; 2]> {
        let mut out: SmallVec<[&str; 2]> = SmallVec::new();
        if let Some(email) = &self.email {
            for address in email.from.iter().chain(email.to.iter()) {
                if !address.is_empty() && !out.contains(&address.as_ref()) {
                    out.push(address);
                }
            }
        }
        out
    }

    /// Describes the observation as facts (see `phalanx_matcher::facts` for the contract):
    /// one per property of every SCO [`Observation::to_stix`] would build, `id` and
    /// `spec_version` excepted, values through one reference under the referencing type.
    /// `start` is the `network-traffic:start` text ([`Observation::start_text`]), kept by the
    /// caller so that the facts can borrow it.
    pub fn facts<'s>(&'s self, paths: &Paths, start: &'s str, out: &mut Facts<'s>) {
        use well_known as w;
        out.set_observed(self.time, self.time, 1);
        if let Some(net) = &self.network {
            let mut seen_src = None;
            for ip in [net.src, net.dst].into_iter().flatten() {
                if seen_src == Some(ip) {
                    continue;
                }
                seen_src = Some(ip);
                let (type_path, value_path) = match ip {
                    IpAddr::V4(_) => (w::IPV4_TYPE, w::IPV4_VALUE),
                    IpAddr::V6(_) => (w::IPV6_TYPE, w::IPV6_VALUE),
                };
                out.push(type_path, FactValue::Str(address_type(ip)));
                out.push(value_path, address_value(ip));
            }
            out.push(w::NT_TYPE, FactValue::Str("network-traffic"));
            if let Some(ip) = net.src {
                out.push(w::NT_SRC_TYPE, FactValue::Str(address_type(ip)));
                out.push(w::NT_SRC_VALUE, address_value(ip));
            }
            if let Some(ip) = net.dst {
                out.push(w::NT_DST_TYPE, FactValue::Str(address_type(ip)));
                out.push(w::NT_DST_VALUE, address_value(ip));
            }
            if let Some(port) = net.src_port {
                out.push(w::NT_SRC_PORT, FactValue::Int(i128::from(port)));
            }
            if let Some(port) = net.dst_port {
                out.push(w::NT_DST_PORT, FactValue::Int(i128::from(port)));
            }
            for protocol in &net.protocols {
                out.push(w::NT_PROTOCOLS, FactValue::Str(protocol));
            }
            out.push(w::NT_START, FactValue::Str(start));
        }
        for domain in &self.domains {
            out.push(w::DOMAIN_TYPE, FactValue::Str("domain-name"));
            out.push(w::DOMAIN_VALUE, FactValue::Str(domain));
        }
        for url in &self.urls {
            out.push(w::URL_TYPE, FactValue::Str("url"));
            out.push(w::URL_VALUE, FactValue::Str(url));
        }
        for file in &self.files {
            out.push(w::FILE_TYPE, FactValue::Str("file"));
            let pairs = [
                (w::FILE_MD5, &file.md5),
                (w::FILE_SHA1, &file.sha1),
                (w::FILE_SHA256, &file.sha256),
                (w::FILE_NAME, &file.name),
            ];
            for (path, value) in pairs {
                if let Some(value) = value {
                    out.push(path, FactValue::Str(value));
                }
            }
            if let Some(size) = file.size {
                out.push(w::FILE_SIZE, FactValue::Int(i128::from(size)));
            }
        }
        for cert in &self.certificates {
            out.push(w::X509_TYPE, FactValue::Str("x509-certificate"));
            let pairs = [
                (w::X509_SHA1, &cert.sha1),
                (w::X509_SHA256, &cert.sha256),
                (w::X509_SERIAL, &cert.serial_number),
                (w::X509_SUBJECT, &cert.subject),
                (w::X509_ISSUER, &cert.issuer),
            ];
            for (path, value) in pairs {
                if let Some(value) = value {
                    out.push(path, FactValue::Str(value));
                }
            }
        }
        if let Some(email) = &self.email {
            for address in self.email_addresses() {
                out.push(w::EMAIL_TYPE, FactValue::Str("email-addr"));
                out.push(w::EMAIL_VALUE, FactValue::Str(address));
            }
            out.push(w::EMAIL_MESSAGE_TYPE, FactValue::Str("email-message"));
            out.push(w::EMAIL_IS_MULTIPART, FactValue::Bool(false));
            if let Some(from) = email.from.as_deref().filter(|f| !f.is_empty()) {
                out.push(w::EMAIL_FROM, FactValue::Str(from));
                out.push(paths.email_from_type, FactValue::Str("email-addr"));
            }
            let mut seen: SmallVec<[&str; 2]> = SmallVec::new();
            for to in email.to.iter().filter(|t| !t.is_empty()) {
                // `to_refs` lists each address once: the SCO ids of equal values are equal.
                if seen.contains(&to.as_ref()) {
                    continue;
                }
                seen.push(to);
                out.push(w::EMAIL_TO, FactValue::Str(to));
                out.push(paths.email_to_type, FactValue::Str("email-addr"));
            }
            if let Some(subject) = &email.subject {
                out.push(w::EMAIL_SUBJECT, FactValue::Str(subject));
            }
        }
    }

    /// The `network-traffic:start` text (the event time as a STIX timestamp), formatted on
    /// the stack.
    pub fn start_text(&self) -> time::StixText {
        time::StixText::new(self.time)
    }

    /// The observed-data object (with id `observed_id`) and its SCOs, in reference order:
    /// addresses, `network-traffic`, domain names, URLs, files, certificates, e-mail
    /// addresses, `email-message`. SCO ids are deterministic (UUIDv5 over the standard's
    /// ID-contributing properties), so one value is one SCO across events.
    pub fn to_stix(&self, observed_id: &str) -> (Value, Vec<Value>) {
        let mut scos = Scos(Vec::with_capacity(8));
        if let Some(net) = &self.network {
            let src = net.src.map(|ip| scos.address(ip));
            let dst = net.dst.map(|ip| scos.address(ip));
            let mut nt = Map::new();
            nt.insert("start".into(), self.start_text().as_str().into());
            if let Some(src) = src {
                nt.insert("src_ref".into(), src);
            }
            if let Some(dst) = dst {
                nt.insert("dst_ref".into(), dst);
            }
            if let Some(port) = net.src_port {
                nt.insert("src_port".into(), port.into());
            }
            if let Some(port) = net.dst_port {
                nt.insert("dst_port".into(), port.into());
            }
            let protocols: Vec<Value> = net.protocols.iter().map(|p| p.as_ref().into()).collect();
            nt.insert("protocols".into(), protocols.into());
            scos.push("network-traffic", nt);
        }
        for domain in &self.domains {
            scos.push("domain-name", one("value", domain));
        }
        for url in &self.urls {
            scos.push("url", one("value", url));
        }
        for file in &self.files {
            let mut hashes = Map::new();
            for (name, value) in [
                ("MD5", &file.md5),
                ("SHA-1", &file.sha1),
                ("SHA-256", &file.sha256),
            ] {
                if let Some(value) = value {
                    hashes.insert(name.into(), value.as_ref().into());
                }
            }
            let mut props = Map::new();
            if !hashes.is_empty() {
                props.insert("hashes".into(), hashes.into());
            }
            if let Some(name) = &file.name {
                props.insert("name".into(), name.as_ref().into());
            }
            if let Some(size) = file.size {
                props.insert("size".into(), size.into());
            }
            scos.push("file", props);
        }
        for cert in &self.certificates {
            let mut hashes = Map::new();
            for (name, value) in [("SHA-1", &cert.sha1), ("SHA-256", &cert.sha256)] {
                if let Some(value) = value {
                    hashes.insert(name.into(), value.as_ref().into());
                }
            }
            let mut props = Map::new();
            if !hashes.is_empty() {
                props.insert("hashes".into(), hashes.into());
            }
            for (name, value) in [
                ("serial_number", &cert.serial_number),
                ("subject", &cert.subject),
                ("issuer", &cert.issuer),
            ] {
                if let Some(value) = value {
                    props.insert(name.into(), value.as_ref().into());
                }
            }
            scos.push("x509-certificate", props);
        }
        if let Some(email) = &self.email {
            let mut ids: Vec<(&str, Value)> = Vec::new();
            for address in self.email_addresses() {
                let id = scos.push("email-addr", one("value", address));
                ids.push((address, id));
            }
            let id_of = |address: &str| {
                ids.iter()
                    .find(|(a, _)| *a == address)
                    .map(|(_, id)| id.clone())
            };
            let mut props = Map::new();
            props.insert("is_multipart".into(), false.into());
            if let Some(from) = email.from.as_deref().and_then(id_of) {
                props.insert("from_ref".into(), from);
            }
            let mut to: Vec<Value> = Vec::new();
            for id in email.to.iter().filter_map(|t| id_of(t)) {
                if !to.contains(&id) {
                    to.push(id);
                }
            }
            if !to.is_empty() {
                props.insert("to_refs".into(), to.into());
            }
            if let Some(subject) = &email.subject {
                props.insert("subject".into(), subject.as_ref().into());
            }
            scos.push("email-message", props);
        }
        let start = time::stix_text(self.time);
        let created = time::stix_millis(self.time);
        let refs: Vec<Value> = scos.0.iter().map(|o| o["id"].clone()).collect();
        let observed = json!({
            "type": "observed-data",
            "spec_version": "2.1",
            "id": observed_id,
            "created": created,
            "modified": created,
            "first_observed": start,
            "last_observed": start,
            "number_observed": 1,
            "object_refs": refs,
        });
        (observed, scos.0)
    }
}

fn one(name: &str, value: &str) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert(name.into(), value.into());
    map
}

/// SCOs of one event, each id once.
struct Scos(Vec<Value>);

impl Scos {
    /// Adds the SCO (unless one with its id is there) and returns its id.
    fn push(&mut self, sco_type: &str, props: Map<String, Value>) -> Value {
        let mut object = Map::with_capacity(props.len() + 3);
        object.insert("type".into(), sco_type.into());
        object.insert("spec_version".into(), "2.1".into());
        object.insert("id".into(), Value::Null);
        object.extend(props);
        // Every SCO built here has its ID-contributing properties or falls back to a
        // random-free name-based id over what it has: `deterministic_id` returns `None` only
        // for unknown types, which this module never builds.
        let id = phalanx_stix::deterministic_id(&object)
            .unwrap_or_else(|| format!("{sco_type}--00000000-0000-5000-8000-000000000000"));
        object.insert("id".into(), id.clone().into());
        let id = Value::String(id);
        if !self.0.iter().any(|o| o.get("id") == Some(&id)) {
            self.0.push(Value::Object(object));
        }
        id
    }

    fn address(&mut self, ip: IpAddr) -> Value {
        self.push(address_type(ip), one("value", &ip.to_string()))
    }
}
