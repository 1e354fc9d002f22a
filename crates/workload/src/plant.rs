//! Planting indicator values into events.
//!
//! A hit event is a background event whose slot has been overwritten with an indicator's
//! value. The slot decides which event types can carry the value:
//!
//! | slot | EVE | Zeek |
//! |---|---|---|
//! | source / destination address | every type | every log |
//! | host | `dns` (a query name), `http` and `fileinfo` (`hostname`), `tls` (`sni`, subject CN), `smtp` (`helo`) | `dns` (`query`), `http` (`host`), `ssl` (`server_name`, subject CN), `smtp` (`helo`) |
//! | URL | `http`, `fileinfo` (`http://{hostname}{url}`, port 80) | `http` (`http://{host}{uri}`, port 80) |
//! | file hash | `fileinfo` `md5` / `sha256` | `files` `md5` / `sha256` |
//! | email address | `smtp` `mail_from` or `rcpt_to` (and the `email` header copies) | `smtp` `mailfrom` or `rcptto` (and `from` / `to`) |
//! | certificate SHA-1 | `tls` `fingerprint` | `files` record of an X.509 certificate, `sha1` |

use std::net::{IpAddr, Ipv4Addr};

use crate::config::TelemetryFormat;
use crate::draw::Draw;
use crate::event::{Body, Event, EventType};
use crate::indicator::{IndicatorFacts, IndicatorValues};
use crate::kind::IndicatorKind;
use crate::spec::IpSlot;

/// Where in an event an indicator value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Ip(IpSlot),
    Host,
    Url,
    FileHash,
    Email,
    Cert,
}

/// Whether events of type `ty` in `format` can carry a value in `slot`.
pub(crate) fn carries(format: TelemetryFormat, ty: EventType, slot: Slot) -> bool {
    use EventType as T;
    let eve = format == TelemetryFormat::Eve;
    match slot {
        Slot::Ip(_) => true,
        Slot::Host => matches!(ty, T::Dns | T::Http | T::Tls | T::Smtp) || (eve && ty == T::File),
        Slot::Url => ty == T::Http || (eve && ty == T::File),
        Slot::FileHash => ty == T::File,
        Slot::Email => ty == T::Smtp,
        Slot::Cert => ty == T::Certificate || (eve && ty == T::Tls),
    }
}

/// Chooses the slot for an indicator's value and whether the event is IPv6.
pub(crate) fn choose_slot(d: &mut Draw, facts: &IndicatorFacts, ipv6_share: f64) -> (Slot, bool) {
    let ip_slot = |d: &mut Draw| {
        if d.below(3) == 0 {
            Slot::Ip(IpSlot::Src)
        } else {
            Slot::Ip(IpSlot::Dst)
        }
    };
    match facts.kind {
        IndicatorKind::Ipv4 | IndicatorKind::Ipv4Cidr => (ip_slot(d), false),
        IndicatorKind::Ipv6 => (ip_slot(d), true),
        IndicatorKind::NetworkTrafficDst => (Slot::Ip(IpSlot::Dst), false),
        IndicatorKind::Ipv4OrDomain if d.chance(0.5) => (ip_slot(d), false),
        kind => {
            let slot = match kind {
                IndicatorKind::Url => Slot::Url,
                IndicatorKind::FileSha256 | IndicatorKind::FileMd5 => Slot::FileHash,
                IndicatorKind::X509Sha1 => Slot::Cert,
                IndicatorKind::EmailAddr => Slot::Email,
                _ => Slot::Host,
            };
            (slot, d.chance(ipv6_share))
        }
    }
}

/// Chooses an event type that can carry `slot`, by the mix weights of the candidates (or
/// uniformly among them when all candidates have weight 0).
pub(crate) fn choose_type(
    d: &mut Draw,
    format: TelemetryFormat,
    mix: &[u32],
    slot: Slot,
) -> EventType {
    let mut weights = [0u32; EventType::ALL.len()];
    let mut any_weight = false;
    for (w, ty) in weights.iter_mut().zip(EventType::ALL) {
        if carries(format, ty, slot) {
            *w = mix.get(ty as usize).copied().unwrap_or(0);
            any_weight |= *w > 0;
        }
    }
    if !any_weight {
        for (w, ty) in weights.iter_mut().zip(EventType::ALL) {
            *w = u32::from(carries(format, ty, slot));
        }
    }
    EventType::ALL
        .get(d.weighted(&weights))
        .copied()
        .unwrap_or(EventType::Flow)
}

/// The address an indicator puts into an address slot (a random host of its `/24` for a
/// network indicator), or `None` if it has no address.
fn address(d: &mut Draw, values: &IndicatorValues) -> Option<IpAddr> {
    match values {
        IndicatorValues::Ipv4(ip)
        | IndicatorValues::NetworkDst(ip)
        | IndicatorValues::Ipv4OrDomain { ip, .. } => Some(IpAddr::V4(*ip)),
        IndicatorValues::Ipv4Net(net) => {
            let [a, b, c, _] = net.octets();
            Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d.range(1, 254) as u8)))
        }
        IndicatorValues::Ipv6(ip) => Some(IpAddr::V6(*ip)),
        _ => None,
    }
}

/// The host name an indicator puts into a host slot (a fresh one-label subdomain for the
/// `LIKE`/`MATCHES` kinds), or `None` if it has no domain.
fn host(d: &mut Draw, values: &IndicatorValues) -> Option<String> {
    match values {
        IndicatorValues::Domain(name) | IndicatorValues::Ipv4OrDomain { domain: name, .. } => {
            Some(name.clone())
        }
        IndicatorValues::DomainSuffix(parent) => {
            let mut s = String::with_capacity(parent.len() + 9);
            d.alnum(3, 8, &mut s);
            s.push('.');
            s.push_str(parent);
            Some(s)
        }
        _ => None,
    }
}

/// Writes the indicator's value into `slot` of `ev`. Returns `false` (leaving the event
/// as it was) when the event or the indicator cannot fill that slot; the stream then does
/// not count the event as a hit for this indicator.
pub(crate) fn plant(d: &mut Draw, ev: &mut Event, facts: &IndicatorFacts, slot: Slot) -> bool {
    match slot {
        Slot::Ip(side) => {
            let Some(ip) = address(d, &facts.values) else {
                return false;
            };
            if ip.is_ipv6() != ev.src.is_ipv6() {
                return false;
            }
            match side {
                IpSlot::Src => ev.src = ip,
                IpSlot::Dst => ev.dst = ip,
            }
            true
        }
        Slot::Host => {
            let Some(name) = host(d, &facts.values) else {
                return false;
            };
            match &mut ev.body {
                Body::Dns(q) => {
                    let at = d.below(q.names.len() as u64) as usize;
                    match q.names.get_mut(at) {
                        Some(slot) => *slot = name,
                        None => return false,
                    }
                }
                Body::Http(h) => h.host = name,
                Body::File(f) => f.http.host = name,
                Body::Tls(t) => {
                    t.subject_cn = name.clone();
                    t.sni = name;
                }
                Body::Smtp(s) => s.helo = name,
                _ => return false,
            }
            true
        }
        Slot::Url => {
            let IndicatorValues::Url { host, path } = &facts.values else {
                return false;
            };
            match &mut ev.body {
                Body::Http(h) => {
                    h.host = host.clone();
                    h.path = path.clone();
                }
                Body::File(f) => {
                    f.http.host = host.clone();
                    f.http.path = path.clone();
                    let file = path.split('?').next().unwrap_or(path);
                    f.name = file.rsplit('/').next().unwrap_or(file).to_owned();
                }
                _ => return false,
            }
            // URLs are written without a port, so the request must use the default one.
            ev.dst_port = 80;
            true
        }
        Slot::FileHash => {
            let Body::File(f) = &mut ev.body else {
                return false;
            };
            match &facts.values {
                IndicatorValues::Sha256(h) => f.sha256 = *h,
                IndicatorValues::Md5(h) => f.md5 = *h,
                _ => return false,
            }
            true
        }
        Slot::Email => {
            let (Body::Smtp(s), IndicatorValues::Email(addr)) = (&mut ev.body, &facts.values)
            else {
                return false;
            };
            if d.chance(0.5) {
                s.mail_from = addr.clone();
            } else {
                s.rcpt_to = addr.clone();
            }
            true
        }
        Slot::Cert => {
            let IndicatorValues::X509Sha1(h) = &facts.values else {
                return false;
            };
            match &mut ev.body {
                Body::Tls(t) => t.sha1 = *h,
                Body::Certificate(c) => c.sha1 = *h,
                _ => return false,
            }
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slot_has_a_carrier_in_both_formats() {
        for format in [TelemetryFormat::Eve, TelemetryFormat::Zeek] {
            for slot in [
                Slot::Ip(IpSlot::Src),
                Slot::Host,
                Slot::Url,
                Slot::FileHash,
                Slot::Email,
                Slot::Cert,
            ] {
                assert!(
                    EventType::ALL.iter().any(|&t| carries(format, t, slot)),
                    "{format} {slot:?}"
                );
            }
        }
    }

    #[test]
    fn zeek_files_carry_no_host_or_url() {
        assert!(!carries(TelemetryFormat::Zeek, EventType::File, Slot::Host));
        assert!(!carries(TelemetryFormat::Zeek, EventType::File, Slot::Url));
        assert!(carries(TelemetryFormat::Eve, EventType::File, Slot::Url));
        assert!(!carries(TelemetryFormat::Zeek, EventType::Tls, Slot::Cert));
    }
}
