//! The client's own vocabulary: what callers read of links, addresses and
//! routes, in types that do not change when the pinned crate does.

use std::fmt;
use std::io;
use std::net::IpAddr;
use std::ops::{BitOr, BitOrAssign};

use netlink_packet_route::address::AddressFlags as WireAddressFlags;
use netlink_packet_route::link::State;
use netlink_packet_route::route::{RouteScope, RouteType};
use netlink_packet_route::AddressFamily;

/// What went wrong, as far as callers decide on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// EEXIST: the address (or label) is there already.
    Exists,
    /// ENODEV: the interface is gone.
    NoDevice,
    /// EPERM, EACCES: floatip lacks CAP_NET_ADMIN here.
    NotPermitted,
    /// EADDRNOTAVAIL: the address to delete is not (or no longer) there.
    AddressNotAvailable,
    /// ENOENT: no such object (a next-hop id, a socket gone by now).
    NotFound,
    /// EOPNOTSUPP: the kernel was built without it (SOCK_DESTROY).
    NotSupported,
    Other,
}

/// A failed request: the kernel's errno (or a socket error), classified.
/// It reads exactly as the underlying `io::Error`.
#[derive(Debug)]
pub struct Error {
    source: io::Error,
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self.source.raw_os_error() {
            Some(libc::EEXIST) => ErrorKind::Exists,
            Some(libc::ENODEV) => ErrorKind::NoDevice,
            Some(libc::EPERM) | Some(libc::EACCES) => ErrorKind::NotPermitted,
            Some(libc::EADDRNOTAVAIL) => ErrorKind::AddressNotAvailable,
            Some(libc::ENOENT) => ErrorKind::NotFound,
            Some(libc::EOPNOTSUPP) => ErrorKind::NotSupported,
            _ => ErrorKind::Other,
        }
    }
}

impl From<io::Error> for Error {
    fn from(source: io::Error) -> Error {
        Error { source }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.source.fmt(f)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// A string the kernel holds for us: an interface's name or alternative
/// name, an address's label. The kernel takes any byte in them (names:
/// anything but NUL, '/', ':' and white space; labels: anything), so they
/// are bytes, not `String`s: one that is not UTF-8 still names its link
/// or address, and shows as `\xNN` wherever it is printed.
#[derive(Clone, PartialEq, Eq, Default, Hash, PartialOrd, Ord)]
pub struct Name(Vec<u8>);

impl Name {
    pub fn from_bytes(bytes: &[u8]) -> Name {
        // Attributes end in NUL; what follows the first one is not the name.
        let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
        Name(bytes[..end].to_vec())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// As a path component (/proc/sys/net/ipv4/conf/<name>).
    pub fn as_os_str(&self) -> &std::ffi::OsStr {
        use std::os::unix::ffi::OsStrExt;
        std::ffi::OsStr::from_bytes(&self.0)
    }

    /// Decoded with U+FFFD for what is not UTF-8, for JSON strings.
    pub fn lossy(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }

    pub fn hex(&self) -> String {
        crate::printable::hex(&self.0)
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Name {
        Name(text.as_bytes().to_vec())
    }
}

impl From<String> for Name {
    fn from(text: String) -> Name {
        Name(text.into_bytes())
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.0 == other.as_bytes()
    }
}

/// Printable: control bytes and invalid UTF-8 as `\xNN`.
impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&crate::printable::escape_bytes(&self.0))
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", crate::printable::escape_bytes(&self.0))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    pub fn of(ip: IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        }
    }

    pub(super) fn wire(self) -> AddressFamily {
        match self {
            Family::Ipv4 => AddressFamily::Inet,
            Family::Ipv6 => AddressFamily::Inet6,
        }
    }
}

/// An address's IFA_F_* flags (linux/if_addr.h).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct AddressFlags(u32);

impl AddressFlags {
    pub const SECONDARY: AddressFlags = AddressFlags(0x01);
    pub const NODAD: AddressFlags = AddressFlags(0x02);
    pub const OPTIMISTIC: AddressFlags = AddressFlags(0x04);
    pub const DADFAILED: AddressFlags = AddressFlags(0x08);
    pub const DEPRECATED: AddressFlags = AddressFlags(0x20);
    pub const TENTATIVE: AddressFlags = AddressFlags(0x40);
    #[cfg(test)]
    pub const PERMANENT: AddressFlags = AddressFlags(0x80);
    pub const NOPREFIXROUTE: AddressFlags = AddressFlags(0x200);

    /// The flags `ip address` prints, by its names (PERMANENT is not one:
    /// it prints the lifetimes instead).
    const NAMES: &'static [(AddressFlags, &'static str)] = &[
        (Self::SECONDARY, "secondary"),
        (Self::NODAD, "nodad"),
        (Self::OPTIMISTIC, "optimistic"),
        (Self::DADFAILED, "dadfailed"),
        (Self::DEPRECATED, "deprecated"),
        (Self::TENTATIVE, "tentative"),
        (Self::NOPREFIXROUTE, "noprefixroute"),
    ];

    pub const fn empty() -> AddressFlags {
        AddressFlags(0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn contains(self, other: AddressFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// The names `ip address` prints for the flags set.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(flag, _)| self.contains(*flag))
            .map(|(_, name)| *name)
            .collect()
    }

    pub(super) fn from_wire(flags: WireAddressFlags) -> AddressFlags {
        AddressFlags(flags.bits())
    }

    pub(super) fn wire(self) -> WireAddressFlags {
        WireAddressFlags::from_bits_retain(self.0)
    }

    pub(super) fn bits(self) -> u32 {
        self.0
    }
}

impl BitOr for AddressFlags {
    type Output = AddressFlags;
    fn bitor(self, other: AddressFlags) -> AddressFlags {
        AddressFlags(self.0 | other.0)
    }
}

impl BitOrAssign for AddressFlags {
    fn bitor_assign(&mut self, other: AddressFlags) {
        self.0 |= other.0;
    }
}

impl fmt::Debug for AddressFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AddressFlags({:#x}: {})", self.0, self.names().join(" "))
    }
}

/// RFC 2863 operational state (IFLA_OPERSTATE), named as the kernel's
/// `operstate` attribute is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperState {
    Unknown,
    NotPresent,
    Down,
    LowerLayerDown,
    Testing,
    Dormant,
    Up,
    Other(u8),
}

impl OperState {
    /// As the kernel names it in /sys/class/net/<if>/operstate.
    pub fn as_str(self) -> String {
        match self {
            OperState::Unknown => "UNKNOWN".into(),
            OperState::NotPresent => "NOTPRESENT".into(),
            OperState::Down => "DOWN".into(),
            OperState::LowerLayerDown => "LOWERLAYERDOWN".into(),
            OperState::Testing => "TESTING".into(),
            OperState::Dormant => "DORMANT".into(),
            OperState::Up => "UP".into(),
            OperState::Other(value) => value.to_string(),
        }
    }

    pub(super) fn from_wire(state: State) -> OperState {
        match state {
            State::Unknown => OperState::Unknown,
            State::NotPresent => OperState::NotPresent,
            State::Down => OperState::Down,
            State::LowerLayerDown => OperState::LowerLayerDown,
            State::Testing => OperState::Testing,
            State::Dormant => OperState::Dormant,
            State::Up => OperState::Up,
            other => OperState::Other(u8::from(other)),
        }
    }
}

/// A route's scope (rtm_scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Universe,
    Site,
    Link,
    Host,
    Nowhere,
    Other(u8),
}

impl Scope {
    pub(super) fn from_wire(scope: RouteScope) -> Scope {
        match scope {
            RouteScope::Universe => Scope::Universe,
            RouteScope::Site => Scope::Site,
            RouteScope::Link => Scope::Link,
            RouteScope::Host => Scope::Host,
            RouteScope::NoWhere => Scope::Nowhere,
            other => Scope::Other(u8::from(other)),
        }
    }
}

/// Whether a route's type is unicast (RTN_UNICAST), the only kind that
/// places a VIP.
pub(super) fn is_unicast(kind: RouteType) -> bool {
    kind == RouteType::Unicast
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_classified_and_read_as_before() {
        let exists = Error::from(io::Error::from_raw_os_error(libc::EEXIST));
        assert_eq!(exists.kind(), ErrorKind::Exists);
        assert_eq!(
            exists.to_string(),
            io::Error::from_raw_os_error(libc::EEXIST).to_string()
        );
        for (errno, kind) in [
            (libc::ENODEV, ErrorKind::NoDevice),
            (libc::EPERM, ErrorKind::NotPermitted),
            (libc::EACCES, ErrorKind::NotPermitted),
            (libc::EADDRNOTAVAIL, ErrorKind::AddressNotAvailable),
            (libc::EINVAL, ErrorKind::Other),
        ] {
            assert_eq!(
                Error::from(io::Error::from_raw_os_error(errno)).kind(),
                kind
            );
        }
    }

    #[test]
    fn flags_round_trip_through_the_wire_type() {
        let flags = AddressFlags::NODAD | AddressFlags::NOPREFIXROUTE;
        assert_eq!(AddressFlags::from_wire(flags.wire()), flags);
        assert!(flags.contains(AddressFlags::NODAD));
        assert!(!flags.contains(AddressFlags::TENTATIVE));
        assert_eq!(flags.names(), ["nodad", "noprefixroute"]);
        assert_eq!(
            AddressFlags::from_wire(WireAddressFlags::Dadfailed),
            AddressFlags::DADFAILED
        );
        assert_eq!(
            AddressFlags::from_wire(WireAddressFlags::Tentative),
            AddressFlags::TENTATIVE
        );
    }
}
