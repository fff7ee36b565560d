#!/usr/bin/env bash
# setup-podman.sh: makes Podman's API answer on the sockets podfn talks to (README: quick start; docs/operations.md, docs/functions.md: Isolation).
# Idempotent. On a fresh Debian 12 as root it installs Podman and friends, writes containers.conf
# (runc, cgroupfs, file events, explicit ulimits), creates the unprivileged runner user `podfn` with
# subordinate id ranges and starts its rootless API service; --rootful also starts the rootful one.
# As a normal user it starts that user's own rootless service, or says what root must do first.
#
# Usage: setup-podman.sh [--rootful | --rootful-only] [--if-needed] [--user NAME]
#   --rootful       rootless service (product default) and the rootful one at /run/podman/podman.sock
#   --rootful-only  only the rootful service
#   --if-needed     exit at once (quietly) when the wanted sockets already answer; used by `npm start`.
#                   With PODFN_CONTAINER_HOST set, only that socket is checked.
#   --user NAME     runner user (default $PODFN_USER or podfn; home /var/lib/NAME)
#   --grant NAME    with --rootful: let user NAME use the rootful API socket through the group
#                   podman-rootful (for a gateway that gives up root but drives rootful Podman).
#                   That access is root on this host: whoever can create containers there can mount /.
# Env: PODFN_SETUP_WAIT_S (seconds to wait for a service to answer, default 30); PODFN_SOCKET_DIR
# (default /run/podfn/sockets) and PODFN_SOCKET_DIR_MB (default 16): as root, that folder becomes a
# tmpfs of that size and 4096 entries, so hot functions (which can write into their socket folders)
# cannot fill the host's /run.
set -euo pipefail

ROOTLESS=1 ROOTFUL=0 IF_NEEDED=0 GRANT=
RUN_USER=${PODFN_USER:-podfn}
ROOTFUL_SOCK=/run/podman/podman.sock
SOCKET_DIR=${PODFN_SOCKET_DIR:-/run/podfn/sockets}
SOCKET_DIR_MB=${PODFN_SOCKET_DIR_MB:-16}
WAIT_S=${PODFN_SETUP_WAIT_S:-30}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONF_SRC="$HERE/containers.conf"
# catatonit: the init process behind `Init: true` (only a Recommends of podman, and we skip recommends)
PACKAGES=(podman runc catatonit uidmap slirp4netns fuse-overlayfs containernetworking-plugins busybox-static curl iproute2)

while [ $# -gt 0 ]; do
  case "$1" in
    --rootful) ROOTFUL=1 ;;
    --rootful-only) ROOTFUL=1 ROOTLESS=0 ;;
    --if-needed) IF_NEEDED=1 ;;
    --user) RUN_USER=$2; shift ;;
    --grant) GRANT=$2; shift ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup-podman: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "setup-podman: $*" >&2; }
die() { log "$*"; exit 1; }
# True when a Podman API answers on the given socket path.
ping_sock() { [ -S "$1" ] && [ "$(curl -fsS --max-time 2 --unix-socket "$1" http://d/_ping 2>/dev/null)" = OK ]; }

# --- fast path for `npm start`: one curl per wanted socket, nothing else ---------------------------
if [ "$IF_NEEDED" = 1 ]; then
  if [ -n "${PODFN_CONTAINER_HOST:-}" ]; then
    want=${PODFN_CONTAINER_HOST#unix://}
    ping_sock "$want" && exit 0
    [ "$want" = "$ROOTFUL_SOCK" ] && ROOTFUL=1 ROOTLESS=0
  else
    ok=1
    if [ "$(id -u)" = 0 ]; then
      mountpoint -q "$SOCKET_DIR" || ok=0
      if [ "$ROOTLESS" = 1 ]; then
        uid=$(id -u "$RUN_USER" 2>/dev/null) && ping_sock "/run/user/$uid/podman/podman.sock" || ok=0
      fi
      [ "$ROOTFUL" = 1 ] && { ping_sock "$ROOTFUL_SOCK" || ok=0; }
    else
      ping_sock "${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/podman/podman.sock" || ok=0
    fi
    [ "$ok" = 1 ] && exit 0
  fi
fi

# Starts `podman system service` detached and waits for it to answer. $1 socket, $2 log, rest: the
# command prefix that runs podman as the right user with the right environment.
start_service() {
  local sock=$1 logf=$2; shift 2
  if ping_sock "$sock"; then return 0; fi
  local rc=0
  launch_service "$sock" "$logf" "$@" || rc=$?
  [ "$rc" = 0 ] && return 0
  # It exited at once. Rootless Podman keeps its user namespace alive through a "pause" process it
  # records under $XDG_RUNTIME_DIR; a record that no longer matches a usable process makes every
  # podman command fail ("invalid internal status ... podman system migrate", "cannot re-exec process
  # to join the existing user namespace"). Podman's own remedy, then one more try.
  if [ "$rc" = 1 ]; then
    log "podman service exited at once: running podman system migrate, then trying again"
    "$@" podman system migrate >>"$logf" 2>&1 || true
    launch_service "$sock" "$logf" "$@" && return 0
  fi
  tail -n 20 "$logf" >&2 || true
  die "podman service did not answer on $sock within ${WAIT_S}s (log: $logf)"
}

# One attempt: starts the service and waits until it answers (0), exits (1) or WAIT_S passes (2).
launch_service() {
  local sock=$1 logf=$2; shift 2
  rm -f "$sock"   # a stale socket file from a dead service would make podman refuse to bind
  # cd /: Podman 4.3's service resolves a build's relative Containerfile name against its own working
  # directory first, so starting it in a source tree would make builds pick up the wrong file.
  (cd / && exec setsid nohup "$@" podman system service --time=0 "unix://$sock" </dev/null >>"$logf" 2>&1) &
  local pid=$! i
  for ((i = 0; i < WAIT_S * 10; i++)); do
    ping_sock "$sock" && return 0
    kill -0 "$pid" 2>/dev/null || { ping_sock "$sock" && return 0; return 1; }   # it exited: no point waiting
    sleep 0.1
  done
  return 2
}

# Stops the service listening on socket $1 (found by the socket, not by name). Rootless podman
# re-executes itself inside its user namespace, so the pid we started is not the listener.
stop_service() {
  local pids p
  pids=$(ss -xlpH 2>/dev/null | awk -v s="$1" '$5 == s' | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  for p in $pids; do for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; done
}

# --- not root: only this user's own rootless service ------------------------------------------------
if [ "$(id -u)" != 0 ]; then
  command -v podman >/dev/null || die "podman is not installed; as root run: sudo bash $0"
  me=$(id -un)
  grep -q "^$me:" /etc/subuid 2>/dev/null && grep -q "^$me:" /etc/subgid 2>/dev/null ||
    die "user $me has no /etc/subuid and /etc/subgid ranges; as root run: usermod --add-subuids 200000-265535 --add-subgids 200000-265535 $me (pick a free range), then podman system migrate"
  [ "$ROOTFUL" = 1 ] && log "not root: skipping the rootful service (run as root for --rootful)"
  export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}
  [ -d "$XDG_RUNTIME_DIR" ] && [ -w "$XDG_RUNTIME_DIR" ] ||
    die "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR missing or not writable; as root: install -d -m 0700 -o $me $XDG_RUNTIME_DIR"
  mkdir -p "$XDG_RUNTIME_DIR/podman" "${XDG_DATA_HOME:-$HOME/.local/share}"
  # Native overlay instead of the vfs fallback, but only for a store that does not exist yet.
  conf_dir=${XDG_CONFIG_HOME:-$HOME/.config}/containers
  if [ ! -f "$conf_dir/storage.conf" ] && [ ! -d "${XDG_DATA_HOME:-$HOME/.local/share}/containers/storage" ]; then
    mkdir -p "$conf_dir" && cp "$HERE/storage.conf" "$conf_dir/storage.conf" && log "wrote $conf_dir/storage.conf"
  fi
  sock="$XDG_RUNTIME_DIR/podman/podman.sock"
  start_service "$sock" "${XDG_DATA_HOME:-$HOME/.local/share}/podfn-podman-service.log" env
  echo "podman rootless socket: unix://$sock"
  exit 0
fi

# --- root: packages ---------------------------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- root: containers.conf (system-wide; rootless Podman reads it too) ------------------------------
install_conf() {  # $1 destination, $2 owner, $3 group, [$4 source]
  local src=${4:-$CONF_SRC}
  if ! cmp -s "$src" "$1"; then
    [ -f "$1" ] && [ ! -f "$1.podfn-orig" ] && cp -p "$1" "$1.podfn-orig"
    install -D -m 0644 -o "$2" -g "$3" "$src" "$1"
    log "wrote $1"
  fi
}
install_conf /etc/containers/containers.conf root root

# --- root: the hot containers' socket folder, a sized tmpfs ------------------------------------------
# A hot container binds its listener in a folder of its own under SOCKET_DIR, bind-mounted from the
# host; a bind mount has no size, so on /run itself one function could fill the tmpfs the whole
# system uses. Returns 0 when it mounted now (a running rootless service must then restart: it keeps
# its own mount namespace and would not see the new mount).
socket_tmpfs() {
  install -d -m 0711 "$(dirname "$SOCKET_DIR")" "$SOCKET_DIR"
  mountpoint -q "$SOCKET_DIR" && return 1
  mount -t tmpfs -o "size=${SOCKET_DIR_MB}m,nr_inodes=4096,mode=0711" podfn-sockets "$SOCKET_DIR"
  log "mounted a ${SOCKET_DIR_MB} MiB tmpfs on $SOCKET_DIR (hot containers' socket folders)"
  return 0
}
socket_dir_new=0
socket_tmpfs && socket_dir_new=1

# --- root: rootless runner user -------------------------------------------------------------------
# Appends NAME:START:65536 to an id map file, START past every range already there (min 100000).
add_subids() {
  local file=$1 user=$2
  grep -q "^$user:" "$file" 2>/dev/null && return 1
  local start
  start=$(awk -F: 'BEGIN { m = 100000 } NF >= 3 { e = $2 + $3; if (e > m) m = e } END { print m }' "$file" 2>/dev/null || echo 100000)
  echo "$user:$start:65536" >>"$file"
  log "added $user:$start:65536 to $file"
}

if [ "$ROOTLESS" = 1 ]; then
  home=/var/lib/$RUN_USER
  if ! id -u "$RUN_USER" >/dev/null 2>&1; then
    useradd --system --user-group --home-dir "$home" --create-home --shell /usr/sbin/nologin \
      --comment "podfn rootless Podman runner" "$RUN_USER"
    log "created user $RUN_USER"
  fi
  uid=$(id -u "$RUN_USER"); gid=$(id -g "$RUN_USER")
  install -d -m 0750 -o "$uid" -g "$gid" "$home"
  touch /etc/subuid /etc/subgid
  changed=0
  add_subids /etc/subuid "$RUN_USER" && changed=1
  add_subids /etc/subgid "$RUN_USER" && changed=1
  run_dir=/run/user/$uid
  install -d -m 0755 /run/user
  install -d -m 0700 -o "$uid" -g "$gid" "$run_dir" "$run_dir/podman"
  # Same settings per user: a user-level file would win over /etc if someone left one behind.
  install -d -m 0755 -o "$uid" -g "$gid" "$home/.config" "$home/.config/containers"
  install_conf "$home/.config/containers/containers.conf" "$uid" "$gid"
  install_conf "$home/.config/containers/storage.conf" "$uid" "$gid" "$HERE/storage.conf"
  as_user=(runuser -u "$RUN_USER" -- env -i "HOME=$home" "USER=$RUN_USER" "LOGNAME=$RUN_USER"
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "XDG_RUNTIME_DIR=$run_dir")
  # An earlier run without storage.conf left a vfs store (slow: a full copy per container). Podman
  # refuses to open it with another driver, so start over, but only while it holds no images.
  store=$home/.local/share/containers/storage
  if [ -d "$store/vfs-images" ] && [ ! -d "$store/overlay-images" ]; then
    if [ -n "$(ls -A "$store/vfs-images" 2>/dev/null | grep -v '\.lock$')" ]; then
      log "WARNING: $store uses vfs and holds images; to switch to overlay run: runuser -u $RUN_USER -- env XDG_RUNTIME_DIR=$run_dir podman system reset -f"
    else
      stop_service "$run_dir/podman/podman.sock"
      rm -rf "$store"; log "removed the empty vfs store $store (now overlay)"
    fi
  fi
  # New id ranges only take effect for an existing user namespace after a migrate.
  if [ "$changed" = 1 ] && [ -d "$home/.local/share/containers" ]; then
    stop_service "$run_dir/podman/podman.sock"
    "${as_user[@]}" podman system migrate >/dev/null 2>&1 || true
  fi
  # Every process of the runner user is gone (zombies aside: an init may reap them late) but its
  # runtime dir is not: processes were killed without a reboot and /run was kept. Podman would trust
  # the container states, conmon pids and pause-process record there, all pointing at dead (or reused)
  # pids, and refuse to start. A reboot would have emptied this tmpfs state: do the same.
  if ! ps -u "$uid" -o stat= 2>/dev/null | grep -qv "^Z" && [ -e "$run_dir/libpod" ]; then
    rm -rf "${run_dir:?}/libpod" "$run_dir/containers" "$run_dir/runc" "$run_dir/netns"
    log "no process of $RUN_USER is alive: cleared its stale runtime state in $run_dir"
  fi
  # Rootless Podman keeps one mount namespace alive in its pause process, across service restarts: a
  # folder mounted after it started stays invisible to containers (they would see the empty /run
  # beneath). Podman's own way to drop the pause process, then the service starts afresh.
  if [ "$socket_dir_new" = 1 ]; then
    stop_service "$run_dir/podman/podman.sock"
    "${as_user[@]}" podman system migrate >/dev/null 2>&1 || true
  fi
  # Rootless Podman 4.3 ignores the Ulimits of a Docker-API create: containers inherit the service's
  # own limits, so set them here (nproc counts every process of the runner user: containers' too).
  start_service "$run_dir/podman/podman.sock" "$home/podman-service.log" "${as_user[@]}" \
    prlimit --nofile="${PODFN_ROOTLESS_NOFILE:-4096}" --nproc="${PODFN_ROOTLESS_NPROC:-8192}" --
fi

if [ "$ROOTFUL" = 1 ]; then
  install -d -m 0755 /run/podman
  start_service "$ROOTFUL_SOCK" /var/log/podfn-podman-rootful.log env
  if [ -n "$GRANT" ]; then
    getent group podman-rootful >/dev/null || groupadd --system podman-rootful
    id -nG "$GRANT" | tr ' ' '\n' | grep -qx podman-rootful || usermod -aG podman-rootful "$GRANT"
    log "user $GRANT may use $ROOTFUL_SOCK (group podman-rootful): that is root on this host"
  fi
  # the service re-creates its socket 0600 root:root; a granted group keeps its access
  if getent group podman-rootful >/dev/null; then
    chgrp podman-rootful "$ROOTFUL_SOCK" && chmod 0660 "$ROOTFUL_SOCK"
  fi
fi

[ "$ROOTLESS" = 1 ] && echo "podman rootless socket: unix://$run_dir/podman/podman.sock"
[ "$ROOTFUL" = 1 ] && echo "podman rootful socket: unix://$ROOTFUL_SOCK"
exit 0
