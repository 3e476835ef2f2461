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
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A Rust toolchain: the one on PATH (rustup's, say), else Debian 12's own
# cargo-web and rustc-web (1.85 or newer from bookworm-security; floatip's
# rust-version is 1.85), installed as any other package. Never replaces a
# toolchain that is there.
ensure_cargo() {
    command -v cargo >/dev/null 2>&1 && return 0
    ensure_packages cargo-web rustc-web || return 1
    hash -r
    command -v cargo >/dev/null 2>&1 || { echo "cargo-web installed no cargo on PATH" >&2; return 1; }
}
