#!/usr/bin/env bash
# A throw-away local Kubernetes cluster on 127.0.0.1 only: etcd + kube-apiserver + kube-controller-manager +
# kube-scheduler, and a pool of 4 SIMULATED nodes run by kwok (scripts/cluster/node-pool.json: two m5.2xlarge-sized
# "general" nodes in zones local-1a/local-1b, one m5.2xlarge-sized "workers" node tainted
# astro.local/pool=workers:NoSchedule, and one r5.2xlarge-sized node labelled and tainted
# workload=memory-optimized, the pool Pulumi.prod.yaml's high-memory workers select and tolerate). The real scheduler places Pods on them (nodeSelector, tolerations, resources,
# affinity and spread are honoured, FailedScheduling events are real); kwok's Stages then mark a bound Pod Running and
# Ready. NO CONTAINER EVER RUNS: there is no kubelet and no container runtime, images are never pulled, probes never
# execute, and Pod IPs (10.244.0.0/16) are labels nothing answers on. Without nodes (ASTRO_CLUSTER_NODES=0 or
# `up --no-nodes`) only etcd + kube-apiserver + kube-controller-manager run: Pods are admitted and stay Pending.
# Either way a default StorageClass (scripts/cluster/storage-class.json) is served by the controller-manager's in-tree
# hostPath provisioner, so a PersistentVolumeClaim binds; its volume is an API object only (no kubelet mounts it).
#
# Usage:
#   scripts/cluster.sh up [--no-nodes]
#                               start (free ports, self-signed certs, static token), write a kubeconfig, wait for /readyz
#                               and, with nodes, until every node is Ready and schedulable
#   scripts/cluster.sh env      print `export KUBECONFIG=...`  (eval "$(scripts/cluster.sh env)")
#   scripts/cluster.sh status   show PIDs, ports, readiness
#   scripts/cluster.sh down     kill exactly the recorded PIDs and remove the state dir
#   scripts/cluster.sh stop-apiserver
#                               stop kwok, kube-scheduler, kube-controller-manager and kube-apiserver; etcd and its
#                               data stay (an API server outage: every request is refused, no object is lost)
#   scripts/cluster.sh start-apiserver
#                               start them again on the same ports, certificates and etcd; wait for /readyz and nodes
#   scripts/cluster.sh restart  stop-apiserver, then start-apiserver
#
# Environment:
#   ASTRO_CLUSTER_DIR   state dir (default /tmp/astro-cluster-$(id -un)); holds certs, etcd data, logs, PIDs, kubeconfig
#   ASTRO_CLUSTER_WAIT  seconds to wait for /readyz (default 90)
#   ASTRO_CLUSTER_NODES "pool" (default): scheduler + kwok + scripts/cluster/node-pool.json; "0": no scheduler, no nodes
#   ASTRO_CLUSTER_NO_CONTROLLER_MANAGER=1   run only etcd + kube-apiserver (namespaces then never finalize on delete;
#                       implies no nodes: the controller-manager's node lifecycle controller makes new nodes schedulable)
#   ASTRO_KWOK_STAGES   kwok's Stage file (default: stages.yaml that scripts/toolchain.sh writes next to kwok's bin/);
#                       scripts/cluster/stages/pod-crashloop.yaml is always added (a simulated crash loop for Pods whose
#                       image contains "kwok-crashloop")
# Binaries (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok) are taken from PATH, else from
# scripts/toolchain.sh's cache.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE_DIR="${ASTRO_CLUSTER_DIR:-/tmp/astro-cluster-$(id -un)}"
WAIT_SECS="${ASTRO_CLUSTER_WAIT:-90}"
KUBECONFIG_FILE="$STATE_DIR/kubeconfig"
STORAGE_CLASS_FILE="$SCRIPT_DIR/cluster/storage-class.json"
NODE_POOL_FILE="$SCRIPT_DIR/cluster/node-pool.json"
NODES="${ASTRO_CLUSTER_NODES:-pool}"

log() { printf '[cluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

find_bins() {
  local b need=(kube-apiserver etcd)
  [[ "$NODES" == 0 ]] || need+=(kube-scheduler kwok)
  for b in "${need[@]}"; do
    if ! command -v "$b" >/dev/null 2>&1; then
      # shellcheck disable=SC1090
      eval "$("$SCRIPT_DIR/toolchain.sh" --print-env 2>/dev/null)"
      break
    fi
  done
  ETCD_BIN="$(command -v etcd)" || die "etcd not found (run scripts/toolchain.sh)"
  APISERVER_BIN="$(command -v kube-apiserver)" || die "kube-apiserver not found (run scripts/toolchain.sh)"
  KCM_BIN="$(command -v kube-controller-manager || true)"
  if [[ "$NODES" != 0 ]]; then
    local hint="run scripts/toolchain.sh install scheduler kwok, or start without nodes: ASTRO_CLUSTER_NODES=0"
    SCHEDULER_BIN="$(command -v kube-scheduler)" || die "kube-scheduler not found ($hint)"
    KWOK_BIN="$(command -v kwok)" || die "kwok not found ($hint)"
    KWOK_STAGES="${ASTRO_KWOK_STAGES:-$(dirname "$(dirname "$KWOK_BIN")")/stages.yaml}"
    [[ -f "$KWOK_STAGES" ]] || die "kwok's Stage file $KWOK_STAGES not found ($hint)"
    [[ -n "$KCM_BIN" ]] || die "kube-controller-manager not found: nodes need its node lifecycle controller ($hint)"
  fi
}

# kube METHOD PATH [JSON-FILE]: the API server as the admin user (CA-verified); the response body on stdout.
kube() {
  local method="$1" path="$2" data="${3:-}"
  local port token
  port="$(sed -n 's/^APISERVER_PORT=//p' "$STATE_DIR/ports.env")"
  token="$(cut -d, -f1 "$STATE_DIR/tokens.csv")"
  local args=(-fsS --max-time 10 --cacert "$STATE_DIR/certs/ca.crt" -H "Authorization: Bearer $token" -X "$method")
  [[ -z "$data" ]] || args+=(-H "Content-Type: application/json" --data-binary "@$data")
  curl "${args[@]}" "https://127.0.0.1:$port$path"
}

# Creates the nodes of scripts/cluster/node-pool.json (a v1 List), one POST each.
create_nodes() {
  local dir="$STATE_DIR/nodes" f
  mkdir -p "$dir"
  python3 - "$NODE_POOL_FILE" "$dir" <<'EOF'
import json, sys
items = json.load(open(sys.argv[1]))["items"]
for i, node in enumerate(items):
    with open(f"{sys.argv[2]}/{i:02d}-{node['metadata']['name']}.json", "w") as f:
        json.dump(node, f)
EOF
  for f in "$dir"/*.json; do
    kube POST /api/v1/nodes "$f" >/dev/null || die "creating node $(basename "$f" .json) failed"
  done
}

# Prints how many nodes are Ready and carry no node.kubernetes.io/* taint (the API server taints new nodes not-ready;
# the controller-manager's node lifecycle controller lifts it once kwok reports them Ready).
schedulable_nodes() {
  kube GET /api/v1/nodes | python3 -c '
import json, sys
n = 0
for node in json.load(sys.stdin)["items"]:
    ready = any(c["type"] == "Ready" and c["status"] == "True" for c in node.get("status", {}).get("conditions", []))
    tainted = any(t["key"].startswith("node.kubernetes.io/") for t in node.get("spec", {}).get("taints", []))
    n += ready and not tainted
print(n)'
}

# kube-scheduler and kwok (the simulated nodes' kubelet stand-in), on the recorded ports.
start_node_daemons() {
  local sched_port; sched_port="$(sed -n 's/^SCHEDULER_PORT=//p' "$STATE_DIR/ports.env")"
  # The default profile (every in-tree plugin: resources, node affinity, taints, topology spread, ...).
  cat > "$STATE_DIR/kube-scheduler.yaml" <<EOF
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: $KUBECONFIG_FILE
leaderElection:
  leaderElect: false
EOF
  start kube-scheduler "$STATE_DIR/logs/kube-scheduler.log" "$SCHEDULER_BIN" \
    --config="$STATE_DIR/kube-scheduler.yaml" \
    --authentication-kubeconfig="$KUBECONFIG_FILE" --authorization-kubeconfig="$KUBECONFIG_FILE" \
    --bind-address=127.0.0.1 --secure-port="$sched_port"
  # KWOK_WORKDIR: kwok would otherwise also load ~/.kwok/kwok.yaml. No --node-port/--server-address: kwok serves
  # nothing (no logs/exec endpoints). Node IP 127.0.0.1 (and the API server's --kubelet-preferred-address-types=
  # InternalIP), so anything the API server dials for a node stays on loopback.
  mkdir -p "$STATE_DIR/kwok"
  start kwok "$STATE_DIR/logs/kwok.log" env KWOK_WORKDIR="$STATE_DIR/kwok" "$KWOK_BIN" \
    --kubeconfig="$KUBECONFIG_FILE" --config="$KWOK_STAGES" --config="$SCRIPT_DIR/cluster/stages/pod-crashloop.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-ip=127.0.0.1 --cidr=10.244.0.0/16 --node-lease-duration-seconds=40
}

# Waits (bounded) until every node of the pool is Ready and schedulable.
wait_nodes() {
  local want i n=0
  want="$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$NODE_POOL_FILE")"
  for ((i = 0; i < WAIT_SECS * 2; i++)); do
    n="$(schedulable_nodes 2>/dev/null || echo 0)"
    [[ "$n" != "$want" ]] || break
    alive "$STATE_DIR/pids/kwok.pid" || { tail -30 "$STATE_DIR/logs/kwok.log" >&2; die "kwok exited"; }
    alive "$STATE_DIR/pids/kube-scheduler.pid" ||
      { tail -30 "$STATE_DIR/logs/kube-scheduler.log" >&2; die "kube-scheduler exited"; }
    sleep 0.5
  done
  [[ "$n" == "$want" ]] || die "only $n of $want nodes Ready and schedulable after ${WAIT_SECS}s (logs: $STATE_DIR/logs)"
  log "$want simulated nodes Ready (kwok; no container runs on them)"
}

start_nodes() {
  start_node_daemons
  create_nodes
  wait_nodes
}

# n free TCP ports on 127.0.0.1 (all bound at once so they are distinct, then released).
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()
EOF
}

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# start NAME LOGFILE CMD...: detached (own session), PID recorded in $STATE_DIR/pids/NAME.pid
start() {
  local name="$1" logf="$2"; shift 2
  setsid "$@" </dev/null >"$logf" 2>&1 &
  echo $! > "$STATE_DIR/pids/$name.pid"
  log "started $name (pid $!), log $logf"
}

gen_certs() {
  local c="$STATE_DIR/certs"
  mkdir -p "$c"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$c/ca.key" -out "$c/ca.crt" -days 30 \
    -subj "/CN=astro-local-ca" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -keyout "$c/apiserver.key" -out "$c/apiserver.csr" \
    -subj "/CN=kube-apiserver" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.0.0.1\nextendedKeyUsage=serverAuth\n' > "$c/apiserver.ext"
  openssl x509 -req -in "$c/apiserver.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" -CAcreateserial \
    -out "$c/apiserver.crt" -days 30 -extfile "$c/apiserver.ext" >/dev/null 2>&1
  openssl genrsa -out "$c/sa.key" 2048 >/dev/null 2>&1
  openssl rsa -in "$c/sa.key" -pubout -out "$c/sa.pub" >/dev/null 2>&1
  chmod 600 "$c"/*.key
}

write_kubeconfig() {
  local port="$1" token="$2"
  local ca; ca="$(base64 -w0 < "$STATE_DIR/certs/ca.crt")"
  umask 077
  cat > "$KUBECONFIG_FILE" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: astro-local
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority-data: $ca
users:
- name: astro-admin
  user:
    token: $token
contexts:
- name: astro-local
  context:
    cluster: astro-local
    user: astro-admin
    namespace: default
current-context: astro-local
EOF
}

wait_ready() {
  local port="$1" token="$2" i n=$((WAIT_SECS * 2))
  for ((i = 0; i < n; i++)); do
    if curl -fsS --max-time 2 --cacert "$STATE_DIR/certs/ca.crt" -H "Authorization: Bearer $token" \
      "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
      return 0
    fi
    alive "$STATE_DIR/pids/etcd.pid" || { tail -20 "$STATE_DIR/logs/etcd.log" >&2; die "etcd exited"; }
    alive "$STATE_DIR/pids/kube-apiserver.pid" || { tail -30 "$STATE_DIR/logs/kube-apiserver.log" >&2; die "kube-apiserver exited"; }
    sleep 0.5
  done
  curl -sS --max-time 2 --cacert "$STATE_DIR/certs/ca.crt" -H "Authorization: Bearer $token" \
    "https://127.0.0.1:$port/readyz?verbose" >&2 || true
  die "kube-apiserver not ready after ${WAIT_SECS}s (log: $STATE_DIR/logs/kube-apiserver.log)"
}

# kube-apiserver on the recorded ports against the running etcd; waits for /readyz.
start_apiserver() {
  local c="$STATE_DIR/certs" etcd_client api_port token
  etcd_client="$(sed -n 's/^ETCD_CLIENT_PORT=//p' "$STATE_DIR/ports.env")"
  api_port="$(sed -n 's/^APISERVER_PORT=//p' "$STATE_DIR/ports.env")"
  token="$(cut -d, -f1 "$STATE_DIR/tokens.csv")"
  start kube-apiserver "$STATE_DIR/logs/kube-apiserver.log" "$APISERVER_BIN" \
    --etcd-servers="http://127.0.0.1:$etcd_client" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
    --tls-cert-file="$c/apiserver.crt" --tls-private-key-file="$c/apiserver.key" --client-ca-file="$c/ca.crt" \
    --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true \
    --authorization-mode=RBAC --token-auth-file="$STATE_DIR/tokens.csv" \
    --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$c/sa.pub" \
    --service-account-signing-key-file="$c/sa.key" \
    --endpoint-reconciler-type=none --enable-priority-and-fairness=false \
    --kubelet-preferred-address-types=InternalIP

  wait_ready "$api_port" "$token"
  log "kube-apiserver ready on https://127.0.0.1:$api_port"
}

# kube-controller-manager on the recorded port (node lifecycle on when the cluster has nodes).
start_kcm() {
  local c="$STATE_DIR/certs" kcm_port
  kcm_port="$(sed -n 's/^KCM_PORT=//p' "$STATE_DIR/ports.env")"
  local off='-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller,-persistentvolume-attach-detach-controller'
  [[ "$NODES" == 0 ]] || off="${off/-nodelifecycle,/}"
  start kube-controller-manager "$STATE_DIR/logs/kube-controller-manager.log" "$KCM_BIN" \
    --kubeconfig="$KUBECONFIG_FILE" --authentication-kubeconfig="$KUBECONFIG_FILE" \
    --authorization-kubeconfig="$KUBECONFIG_FILE" \
    --bind-address=127.0.0.1 --secure-port="$kcm_port" --leader-elect=false \
    --use-service-account-credentials=false \
    --service-account-private-key-file="$c/sa.key" --root-ca-file="$c/ca.crt" \
    --cluster-signing-cert-file="$c/ca.crt" --cluster-signing-key-file="$c/ca.key" \
    --controllers="*,$off" --enable-hostpath-provisioner
}

cmd_up() {
  if alive "$STATE_DIR/pids/kube-apiserver.pid"; then
    log "already running (state dir $STATE_DIR)"; cmd_env; return 0
  fi
  [[ ! -e "$STATE_DIR" ]] || die "$STATE_DIR exists but the cluster is not running: run '$0 down' first"
  case "$NODES" in
    pool | 0) ;;
    *) die "ASTRO_CLUSTER_NODES=$NODES: expected \"pool\" (default: scheduler + simulated node pool) or \"0\" (no nodes)" ;;
  esac
  if [[ -n "${ASTRO_CLUSTER_NO_CONTROLLER_MANAGER:-}" ]]; then NODES=0; fi
  find_bins
  command -v openssl >/dev/null || die "openssl not found"
  local t0; t0=$(date +%s)
  mkdir -p "$STATE_DIR"/{pids,logs,etcd}
  chmod 700 "$STATE_DIR"
  gen_certs
  local token; token="$(openssl rand -hex 24)"
  echo "$token,astro-admin,astro-admin,system:masters" > "$STATE_DIR/tokens.csv"
  chmod 600 "$STATE_DIR/tokens.csv"
  local ports etcd_client etcd_peer api_port kcm_port sched_port
  read -r etcd_client etcd_peer api_port kcm_port sched_port <<<"$(free_ports 5)"
  printf 'ETCD_CLIENT_PORT=%s\nETCD_PEER_PORT=%s\nAPISERVER_PORT=%s\nKCM_PORT=%s\n' \
    "$etcd_client" "$etcd_peer" "$api_port" "$kcm_port" > "$STATE_DIR/ports.env"
  [[ "$NODES" == 0 ]] || echo "SCHEDULER_PORT=$sched_port" >> "$STATE_DIR/ports.env"
  echo "NODES=$NODES" > "$STATE_DIR/nodes.env"

  start etcd "$STATE_DIR/logs/etcd.log" "$ETCD_BIN" \
    --name=astro --data-dir="$STATE_DIR/etcd" --unsafe-no-fsync \
    --listen-client-urls="http://127.0.0.1:$etcd_client" --advertise-client-urls="http://127.0.0.1:$etcd_client" \
    --listen-peer-urls="http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer" \
    --initial-cluster="astro=http://127.0.0.1:$etcd_peer" --listen-metrics-urls="" --log-level=warn

  write_kubeconfig "$api_port" "$token"
  start_apiserver

  if [[ -n "$KCM_BIN" && -z "${ASTRO_CLUSTER_NO_CONTROLLER_MANAGER:-}" ]]; then
    # Namespace finalization, Deployment -> ReplicaSet -> Pod creation (so PodSecurity evaluates them), default
    # ServiceAccounts, garbage collection. No cloud, no node IPAM. With nodes, also node lifecycle: it lifts the
    # not-ready taint the API server puts on every new node, and evicts pods from a node whose Lease kwok stops renewing.
    start_kcm
    # wait (bounded) until the controller-manager has created the default ServiceAccount
    local i
    for ((i = 0; i < 60; i++)); do
      if curl -fsS --max-time 2 --cacert "$STATE_DIR/certs/ca.crt" -H "Authorization: Bearer $token" \
        "https://127.0.0.1:$api_port/api/v1/namespaces/default/serviceaccounts/default" >/dev/null 2>&1; then
        break
      fi
      alive "$STATE_DIR/pids/kube-controller-manager.pid" ||
        { tail -30 "$STATE_DIR/logs/kube-controller-manager.log" >&2; die "kube-controller-manager exited"; }
      sleep 0.5
    done
    ((i < 60)) || log "warning: default ServiceAccount not created after 30s"
    # A default StorageClass served by the controller-manager's own hostPath provisioner
    # (--enable-hostpath-provisioner, a test/dev-only in-tree provisioner): a claim that names no class (the chart's
    # XCom claim in a local-files stack) gets a PersistentVolume and binds, so pods that mount it can be scheduled.
    # The volume is an API object only: nothing is written on disk (no kubelet mounts it), and deleting the claim
    # deletes the volume (reclaimPolicy Delete).
    kube POST /apis/storage.k8s.io/v1/storageclasses "$STORAGE_CLASS_FILE" >/dev/null ||
      die "creating the default StorageClass from $STORAGE_CLASS_FILE failed"
  else
    log "kube-controller-manager not started (namespaces will not finalize on delete)"
  fi
  if [[ "$NODES" == 0 ]]; then
    log "no scheduler and no nodes (ASTRO_CLUSTER_NODES=0): pods stay Pending"
  else
    start_nodes
  fi
  log "up in $(( $(date +%s) - t0 )) s; state dir $STATE_DIR"
  cmd_env
}

cmd_env() { echo "export KUBECONFIG=\"$KUBECONFIG_FILE\""; }

cmd_status() {
  [[ -d "$STATE_DIR" ]] || { echo "not running (no $STATE_DIR)"; return 1; }
  local f rc=0
  for f in "$STATE_DIR"/pids/*.pid; do
    [[ -e "$f" ]] || continue
    if alive "$f"; then echo "$(basename "$f" .pid): running (pid $(cat "$f"))"; else echo "$(basename "$f" .pid): DEAD"; rc=1; fi
  done
  cat "$STATE_DIR/ports.env" "$STATE_DIR/nodes.env" 2>/dev/null || true
  if grep -qx 'NODES=pool' "$STATE_DIR/nodes.env" 2>/dev/null && alive "$STATE_DIR/pids/kube-apiserver.pid"; then
    echo "SCHEDULABLE_NODES=$(schedulable_nodes 2>/dev/null || echo '?') (simulated by kwok: no container runs)"
  fi
  return $rc
}

# stop_named NAME: TERM (then KILL) exactly the recorded PID of NAME, if it is still that process.
stop_named() {
  local name="$1" f pid i
  f="$STATE_DIR/pids/$name.pid"
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    # only kill it if the PID still belongs to the process we started
    if [[ "$(cat "/proc/$pid/cmdline" 2>/dev/null | tr '\0' ' ')" == *"$name"* ]]; then
      kill -TERM "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
      log "stopped $name (pid $pid)"
    else
      log "pid $pid is no longer $name; not touching it"
    fi
  fi
}

cmd_down() {
  if [[ ! -d "$STATE_DIR" ]]; then log "nothing to stop ($STATE_DIR absent)"; return 0; fi
  local name
  for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    stop_named "$name"
  done
  rm -rf "$STATE_DIR"
  log "removed $STATE_DIR"
}

# The API server and what talks only to it go; etcd and its data stay, so every object survives.
cmd_stop_apiserver() {
  [[ -d "$STATE_DIR" ]] || die "no cluster ($STATE_DIR absent): run '$0 up' first"
  local name
  for name in kwok kube-scheduler kube-controller-manager kube-apiserver; do
    stop_named "$name"
  done
  log "API server stopped; etcd keeps running with the data"
}

# Starts the API server again on the same port, certificates and etcd, then what depends on it.
cmd_start_apiserver() {
  [[ -d "$STATE_DIR" ]] || die "no cluster ($STATE_DIR absent): run '$0 up' first"
  alive "$STATE_DIR/pids/etcd.pid" || die "etcd is not running: the data is gone with it; run '$0 down' and '$0 up'"
  if alive "$STATE_DIR/pids/kube-apiserver.pid"; then log "kube-apiserver already running"; return 0; fi
  NODES="$(sed -n 's/^NODES=//p' "$STATE_DIR/nodes.env")"
  find_bins
  start_apiserver
  # The controller-manager only if `up` started one (its pid file exists).
  [[ ! -f "$STATE_DIR/pids/kube-controller-manager.pid" ]] || start_kcm
  if [[ "$NODES" != 0 ]]; then
    start_node_daemons
    wait_nodes
  fi
}

case "${1:-}" in
  up)
    case "${2:-}" in
      "") ;;
      --no-nodes) NODES=0 ;;
      *) echo "usage: $0 up [--no-nodes]" >&2; exit 2 ;;
    esac
    cmd_up ;;
  down) cmd_down ;;
  stop-apiserver) cmd_stop_apiserver ;;
  start-apiserver) cmd_start_apiserver ;;
  restart) cmd_stop_apiserver; cmd_start_apiserver ;;
  env) cmd_env ;;
  status) cmd_status ;;
  *) echo "usage: $0 up [--no-nodes]|down|env|status|restart|stop-apiserver|start-apiserver" >&2; exit 2 ;;
esac
