# A Pacemaker cluster in network namespaces, for scripts/cluster-test and
# scripts/cluster-faults: a bridge, N nodes and a client on it, each node's
# corosync and pacemakerd started by scripts/cluster-node in a mount
# namespace of its own. Sourced; the caller sets `tag` and `node_count`
# first, then calls cluster_setup, and `trap cluster_cleanup EXIT`.
#
# Globals after cluster_setup: switch, client, nodes[] (namespaces),
# addresses[], state (a temporary directory), mac[nodeN], holder[nodeN]
# (the pid whose namespaces `on` enters), passed, failed.

passed=0 failed=0 ports=0
installed=
state= client= switch=
nodes=()
killed=()
declare -A inode holder mac port_of

# grep -q would stop reading early and, under pipefail, fail the pipeline
# with the writer's SIGPIPE: these greps read everything.
contains() { grep -e "$1" >/dev/null; }

check() { # description command...
    local description=$1; shift
    if "$@" >/dev/null 2>&1; then
        passed=$((passed + 1)); echo "ok - $description"
    else
        failed=$((failed + 1)); echo "not ok - $description"
    fi
}
wait_for() { # seconds command...: retries until the command succeeds
    local seconds=$1; shift
    local end=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -ge $end ] && return 1
        sleep 0.2
    done
}

in_namespace() { # namespace: pids whose network namespace it is, by inode
    local link
    for link in /proc/[0-9]*/ns/net; do
        [ "$(stat -L -c %i "$link" 2>/dev/null)" = "${inode[$1]}" ] && { link=${link#/proc/}; echo "${link%%/*}"; }
    done
    return 0
}
kill_namespace() { # namespace: every process in it, at once, until none is left
    local pids pid
    [ -n "${inode[$1]:-}" ] || return 0
    for _ in $(seq 100); do
        pids=$(in_namespace "$1")
        [ -z "$pids" ] && return 0
        killed+=($pids)
        # pacemakerd first: it would respawn the daemons killed before it.
        for pid in $pids; do
            [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = pacemakerd ] && kill -9 "$pid" 2>/dev/null
        done
        kill -9 $pids 2>/dev/null || true
        sleep 0.1
    done
}

cluster_cleanup() {
    set +e
    for ns in "${nodes[@]}" "$client" "$switch"; do
        [ -n "$ns" ] || continue
        kill_namespace "$ns"
        ip netns del "$ns" 2>/dev/null || true
    done
    # An exiting process no longer shows its namespace: wait for the pids
    # themselves (corosync's locked memory takes a moment to release).
    for _ in $(seq 100); do
        local alive=0
        for pid in "${killed[@]}"; do
            [ -d "/proc/$pid" ] && [ "$(awk '{print $3}' /proc/"$pid"/stat 2>/dev/null)" != Z ] && alive=1
        done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    # The tests' own install goes whatever the cluster namespaces left.
    [ -n "$installed" ] && FLOATIP_FORCE_REMOVE=1 dpkg -r floatip >/dev/null 2>&1 || true
    if [ "$failed" -gt 0 ]; then
        local log
        for log in "$state"/node*/var/log/pacemaker/pacemaker.log; do
            echo "# floatip's lines in ${log#"$state"/}:"
            grep -E "IPaddr2\(|error" "$log" 2>/dev/null | tail -n 20 | sed 's/^/#   /' || true
        done
    fi
    [ -z "$state" ] || rm -rf "$state"
}

# The tests never change what was installed before them, and never run
# beside a real cluster: on a host where floatip is installed (or the
# stock agent replaced by it), or where pacemakerd or corosync run outside
# the tests' own namespaces, they refuse unless told explicitly
# (FLOATIP_TESTS_MAY_REPLACE_FLOATIP=1: the installed floatip is replaced
# by this build and removed at the end; FLOATIP_TESTS_BESIDE_A_CLUSTER=1).
guard_host() {
    local pid comm root_net
    if [ "${FLOATIP_TESTS_BESIDE_A_CLUSTER:-}" != 1 ]; then
        # This shell runs in the machine's own network namespace.
        root_net=$(readlink /proc/self/ns/net)
        for pid in $(ls /proc | grep -E '^[0-9]+$'); do
            comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
            case "$comm" in
            pacemakerd | corosync)
                if [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$root_net" ]; then
                    echo "refusing: $comm (pid $pid) runs on this host, outside the tests' namespaces: this is a cluster node (FLOATIP_TESTS_BESIDE_A_CLUSTER=1 to run anyway)" >&2
                    exit 1
                fi
                ;;
            esac
        done
    fi
    if [ "${FLOATIP_TESTS_MAY_REPLACE_FLOATIP:-}" != 1 ]; then
        if dpkg-query -W -f='${Status}' floatip 2>/dev/null | grep -q "install ok installed"; then
            echo "refusing: floatip $(dpkg-query -W -f='${Version}' floatip) is installed on this host and the cluster tests install this build over it (FLOATIP_TESTS_MAY_REPLACE_FLOATIP=1 to replace it; it is removed at the end)" >&2
            exit 1
        fi
        if [ "$(readlink /usr/lib/ocf/resource.d/heartbeat/IPaddr2 2>/dev/null)" = /usr/sbin/floatip ]; then
            echo "refusing: floatip replaces ocf:heartbeat:IPaddr2 on this host (replace-stock-ipaddr2): the tests compare against the stock agent" >&2
            exit 1
        fi
    fi
}

# The package, installed the way cluster software is installed.
install_deb() {
    local deb
    guard_host
    deb=$(packaging/build-deb)
    dpkg -i "$deb" >/dev/null
    installed=yes
}

attach() { # namespace address: a host on the bridge
    local port=p$ports
    ports=$((ports + 1))
    port_of[$1]=$port
    ip netns add "$1"
    inode[$1]=$(stat -L -c %i "/run/netns/$1")
    ip -n "$1" link set lo up
    ip -n "$1" link add eth0 type veth peer name "$port" netns "$switch"
    ip -n "$switch" link set "$port" master br0
    ip -n "$switch" link set "$port" up
    ip -n "$1" link set eth0 up
    ip -n "$1" addr add "$2/24" dev eth0
}
port() { # namespace up|down: its switch port, as a cable plugged in or pulled
    ip -n "$switch" link set "${port_of[$1]}" "$2"
}

ns_of() { echo "${nodes[${1#node} - 1]}"; }   # nodeN: its network namespace
start_node() { # nodeN: corosync and pacemakerd, as at boot
    local i j others
    i=$((${1#node} - 1))
    others=("${addresses[$i]}")
    for j in "${!addresses[@]}"; do [ "$j" = "$i" ] || others+=("${addresses[$j]}"); done
    ip netns exec "${nodes[$i]}" unshare --mount --propagation private -- \
        scripts/cluster-node "$state/$1" "${others[@]}" >> "$state/$1.out" 2>&1 &
    disown  # cleanup kills it; no job notice
    wait_for 10 find_holder "${nodes[$i]}"
    holder[$1]=$(find_holder "${nodes[$i]}")
}
find_holder() { # namespace: the node script's final `sleep infinity`
    local pid
    for pid in $(ip netns pids "$1"); do
        [ "$(tr '\0' ' ' < /proc/"$pid"/cmdline 2>/dev/null)" = "sleep infinity " ] && { echo "$pid"; return 0; }
    done
    return 1
}
on() { # node command...: run inside the node's network and mount namespaces
    local node=$1; shift
    nsenter -t "${holder[$node]}" -m -n -- "$@"
}

cluster_setup() { # bridge, nodes, client; the cluster's daemons started
    state=$(mktemp -d /tmp/floatip-cluster.XXXXXX)
    switch=$tag-sw client=$tag-c
    nodes=() addresses=()
    local i
    for i in $(seq "$node_count"); do
        nodes+=("$tag-$i")
        addresses+=("192.0.2.$i")
    done
    ip netns add "$switch"
    inode[$switch]=$(stat -L -c %i "/run/netns/$switch")
    ip -n "$switch" link add br0 type bridge
    ip -n "$switch" link set br0 up
    for i in "${!nodes[@]}"; do attach "${nodes[$i]}" "${addresses[$i]}"; done
    attach "$client" 192.0.2.100
    for i in $(seq "$node_count"); do
        mac[node$i]=$(ip -n "${nodes[$((i - 1))]}" -br link show eth0 | awk '{print $3}')
        start_node "node$i"
    done
}

all_nodes() { local i; for i in $(seq "$node_count"); do printf 'node%s ' "$i"; done; }
all_online() { # node to ask: every node online in its view
    local view
    view=$(on "${1:-node1}" crm_mon -1 2>/dev/null) || return 1
    contains "Online: \[ $(all_nodes)\]" <<<"$view"
}
located() { # resource [node to ask]: the node it runs on
    { on "${2:-node1}" crm_resource --resource "$1" --locate 2>/dev/null || true; } |
        sed -n 's/.*is running on: \(node[0-9]\).*/\1/p'
}
settled() { # [node to ask]: no resource starting, stopping, reloading, failed or stopped, and no transition pending
    local view
    view=$(on "${1:-node1}" crm_mon -1 2>/dev/null) || return 1
    ! contains "Starting\|Stopping\|Reloading\|FAILED\|Stopped" <<<"$view" &&
        on "${1:-node1}" crm_resource --wait --timeout 1 >/dev/null 2>&1
}
holders() { # address: the nodes whose kernel holds it
    local i
    for i in "${!nodes[@]}"; do
        ip -n "${nodes[$i]}" -o addr show 2>/dev/null | contains " $1/" && printf 'node%s ' $((i + 1))
    done
    return 0
}
held_by() { [ "$(holders "$1")" = "$2 " ]; }   # address node: exactly that node holds it
client_sees() { # address node: the client reaches it, at that node's MAC
    ip netns exec "$client" ping -c 1 -W 1 -q "$1" >/dev/null &&
        ip -n "$client" neigh show "$1" | contains "lladdr ${mac[$2]}"
}

lost() { # ping output: requests without a reply
    sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$1" | awk '{ print $1 - $2 }'
}
gap() { # ping -D output: the longest gap between replies, in ms
    sed -n 's/^\[\([0-9.]*\)\].*bytes from.*/\1/p' "$1" |
        awk 'NR > 1 { g = ($1 - prev) * 1000; if (g > max) max = g } { prev = $1 } END { printf "%.0f", max }'
}
