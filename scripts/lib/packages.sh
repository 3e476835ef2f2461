# Sourced by scripts/test and scripts/demo: installs the Debian packages a
# script needs on a fresh Debian 12 machine (as root), or says which are
# missing (otherwise), and a Rust toolchain where there is none.
ensure_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing packages: ${missing[*]} (run as root to install them)" >&2
        return 1
    fi
    echo "installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Installing what is missing must not upgrade an installed cluster
    # package (on a cluster node: pacemaker, corosync, resource-agents and
    # their libraries): asked first. Other upgrades (libc6 for libc6-dev on
    # an older image) are apt's business.
    local upgrades
    upgrades=$(apt-get -s install --no-install-recommends "${missing[@]}" |
        awk '/^Inst [^ ]+ \[/ {print $2}' |
        grep -E '^(pacemaker|corosync|pcs|crmsh|resource-agents|fence-agents|libknet|libnozzle|libqb|libcorosync|libcfg|libcmap|libquorum|libvotequorum|libsam|libcib|libcrm|libpe-|libpacemaker|libstonithd|liblrmd)' |
        tr '\n' ' ' || true)
    if [ -n "$upgrades" ] && [ "${FLOATIP_TESTS_MAY_UPGRADE:-}" != 1 ]; then
        echo "refusing: installing ${missing[*]} would upgrade installed packages: $upgrades(FLOATIP_TESTS_MAY_UPGRADE=1 to allow it)" >&2
        return 1
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A Rust toolchain at least the crate's rust-version: the one on PATH
# (rustup's, say) when it is new enough, else the distribution's own,
# installed as any other package: Debian 12's cargo-web and rustc-web
# (1.85 or newer from bookworm-security), Debian 13's cargo and rustc.
# Never replaces a toolchain that is there.
cargo_new_enough() {
    local wanted have
    wanted=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml | head -1)
    have=$(cargo --version 2>/dev/null | awk '{print $2}')
    [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$wanted" "$have" | sort -V | head -1)" = "$wanted" ]
}
ensure_cargo() {
    command -v cargo >/dev/null 2>&1 && cargo_new_enough && return 0
    local version_id=
    [ -r /etc/os-release ] && version_id=$(. /etc/os-release && echo "${VERSION_ID:-}")
    case "$version_id" in
    12) ensure_packages cargo-web rustc-web || return 1 ;;
    *) ensure_packages cargo rustc || return 1 ;;
    esac
    hash -r
    command -v cargo >/dev/null 2>&1 || { echo "no cargo on PATH after installing Debian's toolchain" >&2; return 1; }
    cargo_new_enough || { echo "cargo $(cargo --version) is older than floatip's rust-version; install a newer toolchain (rustup) first" >&2; return 1; }
}
