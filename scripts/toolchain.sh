#!/usr/bin/env bash
# Build (from the Go module proxy only) and cache the offline toolchain for Pulumi + a local Kubernetes API server:
#   pulumi CLI, pulumi-language-nodejs, pulumi-resource-kubernetes, kube-apiserver, kube-controller-manager, etcd,
#   fake-gcs-server (the GCS emulator of the GCP permission proof in tests/airflow), actionlint (lints
#   .github/workflows offline), and the YAML and Python language hosts (+ a venv with the `pulumi` PyPI package)
#   that the component-package consumers of the e2e suite run on; kube-scheduler and kwok (simulated nodes, whose
#   pods turn Running/Ready without any container running) for scripts/cluster.sh's node pool; the helm CLI (the
#   adoption e2e installs the test chart with it, as a team does before it adopts the release).
#
# Usage:
#   scripts/toolchain.sh [install]        build what is missing (idempotent; a second run only verifies)
#   scripts/toolchain.sh install <step>.. only these steps: pulumi | nodejs | provider | k8s | scheduler | etcd | kwok
#                                         | fakegcs | crds | actionlint | yaml | python | helm
#   scripts/toolchain.sh --print-env      print `export ...` lines (eval "$(scripts/toolchain.sh --print-env)")
#   scripts/toolchain.sh --versions       print the pinned versions
#
# Nothing is written into the repository: binaries live in
#   ${ASTRO_TOOLCHAIN_CACHE:-$HOME/.cache/astro-agent-toolchain}/<name>-<version>/bin
# and every build runs in its own scratch wrapper module under that cache (…/<name>-<version>/build).
# See docs/toolchain-notes.md for why each step looks the way it does.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
CACHE="${ASTRO_TOOLCHAIN_CACHE:-$HOME/.cache/astro-agent-toolchain}"

# ---------------------------------------------------------------------------------------------------------------------
# Pins
# ---------------------------------------------------------------------------------------------------------------------
# Pulumi CLI: tag pkg/v3.248.0 = commit dc7edd58bc13179f81b80983aab4eb7f74a01b41 (matches @pulumi/pulumi 3.248.0, the
# last SDK that accepts Node 20).
PULUMI_VERSION="3.248.0"
PULUMI_COMMIT="dc7edd58bc13179f81b80983aab4eb7f74a01b41"
PULUMI_CLIPBOARD_FORK="github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e"

# Kubernetes provider. The proxy only serves ONE provider/v4 version (it has no tags; every release pseudo-version
# answers 403): commit f47bc2d6f199 (2026-01-15), see docs/toolchain-notes.md for how it maps to an npm version.
K8S_PROVIDER_DEFAULT_VERSION="4.25.0"
K8S_PROVIDER_MODULE="github.com/pulumi/pulumi-kubernetes/provider/v4"
K8S_PROVIDER_PSEUDO="v4.0.0-20260115033456-f47bc2d6f199"

# Kubernetes (kube-apiserver, kube-controller-manager, kube-scheduler) and etcd at Kubernetes' own go.mod pin.
K8S_VERSION="1.36.5"

# kwok (Kubernetes WithOut Kubelet): simulated nodes for scripts/cluster.sh. v0.8.0 needs go 1.26 and k8s.io/api
# v0.36.x; its go.mod has no replace directives. kwok refuses to start without Stage definitions: the module ships
# them under kustomize/stage/, and the step concatenates the ones below into <cache>/kwok-<version>/stages.yaml
# (node-initialize: a new Node turns Ready with the capacity it was created with; heartbeat-with-lease: keeps its
# conditions fresh while kwok renews its Lease; pod-ready: a bound Pod turns Running and Ready at once, no container
# runs; pod-complete: Job pods succeed; pod-delete: a deleted Pod goes away, as the kubelet would do).
KWOK_MODULE="sigs.k8s.io/kwok"
KWOK_VERSION="0.8.0"
KWOK_STAGES="node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml"

# GCS emulator for the GCP permission proof (tests/airflow/gcp_recorder.py). Its go.mod has no replace directives,
# so a wrapper module with `go get -tool` builds it as published.
FAKE_GCS_MODULE="github.com/fsouza/fake-gcs-server"
FAKE_GCS_VERSION="1.56.1"

# actionlint (GitHub Actions workflow linter). The proxy lists v1.6.27, v1.7.1, v1.7.3, v1.7.4, v1.7.7, v1.7.11, v1.7.12.
ACTIONLINT_VERSION="1.7.12"

# YAML language host (component-package consumer in YAML). The proxy lists pulumi-yaml v1.11.1 and v1.25.0; v1.25.0 is
# the one of the 3.2xx CLI era. Built with the pkg/sdk v3.206.0 it resolves (forcing v3.248.0 does not compile).
PULUMI_YAML_MODULE="github.com/pulumi/pulumi-yaml"
PULUMI_YAML_VERSION="1.25.0"

# Cilium's CiliumNetworkPolicy CRD (networkPolicy.flavor: cilium), which the e2e suite installs into the local API
# server so that it validates the program's policies against Cilium's own schema. Taken from the module zip the proxy
# serves (no build), pinned by version and by the file's sha256.
CILIUM_MODULE="github.com/cilium/cilium"
CILIUM_VERSION="1.18.4"
CILIUM_CNP_CRD="pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml"
CILIUM_CNP_SHA256="6be92d49dbdbdb23e41b07dd6e88649162e40b06f4dc2e68b06c75b0e92346e3"

# helm CLI (v3): the adoption e2e installs the test chart with it exactly as a team's `helm install -f values.yaml`
# does. helm's go.mod at v3.21.4 has no replace directives, so a wrapper module with `go get -tool` builds it.
HELM_MODULE="helm.sh/helm/v3"
HELM_VERSION="3.21.4"

# Python language host: from the same sdk/v3 module as the nodejs host (NODEJS_HOST_SDK_VERSION, below), with the
# `pulumi` PyPI package at the CLI's version in a venv of its own (the SDK the Python program imports).
PULUMI_PYPI_VERSION="$PULUMI_VERSION"

export GOPROXY="${TOOLCHAIN_GOPROXY:-https://proxy.golang.org}"   # no ",direct": GitHub is unreachable anyway
export GOSUMDB=off          # sum.golang.org is unreachable from here (connect timeout); the proxy is the only source
export GOFLAGS=-mod=mod
export CGO_ENABLED=0
export GOTOOLCHAIN=local
export GOMAXPROCS="${TOOLCHAIN_GOMAXPROCS:-2}"

log() { printf '[toolchain %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The provider version is the npm @pulumi/kubernetes version of the repo (package.json), unless overridden by
# ASTRO_K8S_PROVIDER_VERSION. Only versions listed in K8S_PROVIDER_BUILDABLE can be built (see above); for any other
# version the provider step fails instead of building a binary whose version label would be a lie.
K8S_PROVIDER_BUILDABLE="4.25.0"
k8s_provider_version() {
  local v="${ASTRO_K8S_PROVIDER_VERSION:-}"
  if [[ -z "$v" && -f "$REPO_ROOT/package.json" ]]; then
    v="$(node -e 'const p=require(process.argv[1]);const d=Object.assign({},p.devDependencies,p.dependencies);process.stdout.write((d["@pulumi/kubernetes"]||"").replace(/^[\^~=v]+/,""))' "$REPO_ROOT/package.json" 2>/dev/null || true)"
  fi
  echo "${v:-$K8S_PROVIDER_DEFAULT_VERSION}"
}
K8S_PROVIDER_VERSION="$(k8s_provider_version)"
check_provider_version() {
  case " $K8S_PROVIDER_BUILDABLE " in
    *" $K8S_PROVIDER_VERSION "*) return 0 ;;
  esac
  log "ERROR: @pulumi/kubernetes $K8S_PROVIDER_VERSION requested (package.json or ASTRO_K8S_PROVIDER_VERSION), but the"
  log "       Go module proxy serves the provider source only for: $K8S_PROVIDER_BUILDABLE"
  log "       (release pseudo-versions of $K8S_PROVIDER_MODULE answer 403). Pin \"@pulumi/kubernetes\": \"$K8S_PROVIDER_DEFAULT_VERSION\""
  log "       in package.json; see docs/toolchain-notes.md."
  return 1
}

dir_pulumi()   { echo "$CACHE/pulumi-$PULUMI_VERSION"; }
# The host's cache key names the patch generation and the RunPlugin patch's digest, so a changed patch rebuilds it.
dir_nodejs()   { echo "$CACHE/pulumi-language-nodejs-$NODEJS_HOST_SDK_VERSION-patched2-$(nodejs_patch_id)"; }
dir_provider() { echo "$CACHE/pulumi-resource-kubernetes-$K8S_PROVIDER_VERSION"; }
dir_k8s()      { echo "$CACHE/kubernetes-$K8S_VERSION"; }
dir_etcd()     { echo "$CACHE/etcd-k8s-$K8S_VERSION"; }   # etcd version is derived from kubernetes' go.mod
# kube-scheduler has a cache entry of its own (same module and version as dir_k8s), so adding it rebuilt nothing.
dir_scheduler() { echo "$CACHE/kube-scheduler-$K8S_VERSION"; }
dir_kwok()     { echo "$CACHE/kwok-$KWOK_VERSION"; }
dir_fakegcs()  { echo "$CACHE/fake-gcs-server-$FAKE_GCS_VERSION"; }
dir_crds()     { echo "$CACHE/crds-cilium-$CILIUM_VERSION"; }
dir_actionlint() { echo "$CACHE/actionlint-$ACTIONLINT_VERSION"; }
dir_yaml()     { echo "$CACHE/pulumi-language-yaml-$PULUMI_YAML_VERSION"; }
dir_helm()     { echo "$CACHE/helm-$HELM_VERSION"; }
dir_python()   { echo "$CACHE/pulumi-language-python-$NODEJS_HOST_SDK_VERSION-pypi-$PULUMI_PYPI_VERSION"; }
# The engine as the tests run it: `pulumi` and the language host side by side, hard-linked into a directory keyed by
# the host build, so a toolchain.sh of another checkout (linking another host) never changes which host this one uses.
dir_engine()   { echo "$CACHE/engine-$PULUMI_VERSION-nodejs-$NODEJS_HOST_SDK_VERSION-patched2-$(nodejs_patch_id)"; }
pulumi_home()  { echo "$CACHE/pulumi-home"; }

# PATH gets pulumi (+ the language host next to it), kube-apiserver/kube-controller-manager, kube-scheduler, etcd,
# kwok, fake-gcs-server and actionlint. helm is not on PATH (a team's own helm must not be shadowed): ASTRO_HELM names it.
# The Kubernetes provider is deliberately NOT on PATH: it is found in $PULUMI_HOME's plugin cache by exact version
# (an "ambient" PATH copy would win without any version check and print a warning on every run).
bin_dirs() {
  echo "$(dir_engine)/bin:$(dir_k8s)/bin:$(dir_scheduler)/bin:$(dir_etcd)/bin:$(dir_kwok)/bin:$(dir_fakegcs)/bin:$(dir_actionlint)/bin"
}

print_env() {
  check_provider_version 2>&1 | sed 's/^/# /' >&2 || true
  cat <<EOF
export PATH="$(bin_dirs):\$PATH"
export PULUMI_HOME="$(pulumi_home)"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
export PULUMI_K8S_PROVIDER_VERSION="$K8S_PROVIDER_VERSION"
export ASTRO_PULUMI_PYTHON_VENV="$(dir_python)/venv"
export ASTRO_KWOK_STAGES="$(dir_kwok)/stages.yaml"
export ASTRO_CILIUM_CNP_CRD="$(dir_crds)/ciliumnetworkpolicies.yaml"
export ASTRO_HELM="$(dir_helm)/bin/helm"
EOF
}

# run_step NAME CMD...: prints the step and its wall time in seconds; records it in $CACHE/timings.log.
run_step() {
  local name="$1"; shift
  local t0 t1
  t0=$(date +%s)
  log "step $name: start"
  "$@"
  t1=$(date +%s)
  log "step $name: done in $((t1 - t0)) s"
  mkdir -p "$CACHE"
  printf '%s\t%s\t%ss\n' "$(date -u +%FT%TZ)" "$name" "$((t1 - t0))" >> "$CACHE/timings.log"
}

# A fresh scratch wrapper module in $1/build.
new_wrapper() {
  local d="$1/build" name="$2"
  rm -rf "$d"; mkdir -p "$d"
  (cd "$d" && go mod init "local/$name" >/dev/null 2>&1)
  echo "$d"
}

# ---------------------------------------------------------------------------------------------------------------------
# 1. Pulumi CLI
# ---------------------------------------------------------------------------------------------------------------------
build_pulumi() (
  local out; out="$(dir_pulumi)"
  local w; w="$(new_wrapper "$out" pulumi-build)"
  cd "$w"
  # pkg/go.mod at v3.248.0 replaces sdk/v3 => ../sdk and atotto/clipboard => a fork; replaces of dependencies are
  # ignored, so mirror them here.
  go mod edit -replace="github.com/atotto/clipboard=$PULUMI_CLIPBOARD_FORK"
  go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$PULUMI_VERSION"
  go get "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
  mkdir -p "$out/bin.tmp"
  go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$out/bin.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  rm -rf "$out/bin"; mv "$out/bin.tmp" "$out/bin"
)
verify_pulumi() { "$(dir_pulumi)/bin/pulumi" version 2>/dev/null | grep -qx "v$PULUMI_VERSION"; }

# ---------------------------------------------------------------------------------------------------------------------
# 2. Node.js language host
# The proxy serves github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 at NO version (every pseudo-version
# answers 403). The host lived inside the sdk/v3 module up to sdk/v3 v3.68.0 (package
# github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs), so that is what we build. The CLI (3.248) falls
# back for every RPC an old host does not implement (GetRequiredPackages -> GetRequiredPlugins, Handshake, ...), and the
# program itself runs in @pulumi/pulumi 3.248's own `cmd/run`, so SDK features are those of 3.248.
# ---------------------------------------------------------------------------------------------------------------------
NODEJS_HOST_SDK_VERSION="3.68.0"
# Patch 2 (a file, applied with `git apply`): the `RunPlugin` RPC, which the 3.68 host answers "not supported". The
# 3.248 CLI starts TypeScript policy packs (`pulumi preview --policy-pack DIR`) and source-based component packages
# through it. See docs/toolchain-notes.md, "Policy packs: RunPlugin".
NODEJS_HOST_PATCH="$SCRIPT_DIR/toolchain/pulumi-language-nodejs-runplugin.patch"
nodejs_patch_id() { sha256sum "$NODEJS_HOST_PATCH" | cut -c1-8; }
build_nodejs() (
  local out; out="$(dir_nodejs)"
  local w; w="$(new_wrapper "$out" pulumi-language-nodejs-build)"
  cd "$w"
  # sdk/v3 v3.68.0's own go.mod replaces golang.org/x/text => v0.3.6; mirror it (replaces of deps are ignored).
  go mod edit -replace=golang.org/x/text=golang.org/x/text@v0.3.6
  go get "github.com/pulumi/pulumi/sdk/v3@v$NODEJS_HOST_SDK_VERSION"
  local src; src="$(go list -m -f '{{.Dir}}' "github.com/pulumi/pulumi/sdk/v3")/nodejs/cmd/pulumi-language-nodejs"
  local f
  for f in main.go proxy.go proxy_unix.go proxy_windows.go; do cp "$src/$f" .; done
  chmod u+w ./*.go
  # Patch: hand the engine's real resource-monitor address to the Node program instead of the host's in-process
  # monitor proxy. The 2023 proxy only forwards the 7 RPCs it knew (RegisterResource, Invoke, ...), whereas
  # @pulumi/pulumi 3.248 also calls newer ones (transforms, hooks, SignalAndWaitForShutdown, RegisterPackage) that
  # the engine advertises via SupportsFeature; newer hosts pass the monitor address straight through as well.
  grep -q 'fmt.Sprintf("127.0.0.1:%d", handle.Port), pipes.directory())' main.go || die "nodejs host: patch target not found"
  sed -i 's|fmt.Sprintf("127.0.0.1:%d", handle.Port), pipes.directory())|req.GetMonitorAddress(), pipes.directory())|' main.go
  git apply --whitespace=nowarn "$NODEJS_HOST_PATCH" || die "nodejs host: $NODEJS_HOST_PATCH does not apply to sdk/v3@v$NODEJS_HOST_SDK_VERSION"
  go mod tidy >/dev/null 2>&1 || true
  mkdir -p "$out/bin.tmp"
  go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$NODEJS_HOST_SDK_VERSION" \
    -o "$out/bin.tmp/pulumi-language-nodejs" .
  rm -rf "$out/bin"; mv "$out/bin.tmp" "$out/bin"
)
verify_nodejs() {
  [[ -x "$(dir_nodejs)/bin/pulumi-language-nodejs" ]] && grep -q "run-policy-pack" "$(dir_nodejs)/bin/pulumi-language-nodejs"
}
# The engine looks for bundled plugins (language hosts) next to the resolved `pulumi` executable; found only on PATH,
# it works but prints "warning: using pulumi-language-nodejs from $PATH" on every run. So both go into dir_engine as
# hard links (no symlinks: the engine resolves them, and would look next to the original `pulumi`); copies when the
# cache spans file systems.
link_nodejs() {
  [[ -x "$(dir_pulumi)/bin/pulumi" && -x "$(dir_nodejs)/bin/pulumi-language-nodejs" ]] || return 0
  local d; d="$(dir_engine)/bin"
  mkdir -p "$d"
  ln -f "$(dir_pulumi)/bin/pulumi" "$d/pulumi" 2>/dev/null || cp -f "$(dir_pulumi)/bin/pulumi" "$d/pulumi"
  ln -f "$(dir_nodejs)/bin/pulumi-language-nodejs" "$d/pulumi-language-nodejs" 2>/dev/null ||
    cp -f "$(dir_nodejs)/bin/pulumi-language-nodejs" "$d/pulumi-language-nodejs"
  # The YAML and Python hosts (when built) sit there too, for the same reason.
  local f
  for f in "$(dir_yaml)/bin/pulumi-language-yaml" "$(dir_python)/bin/pulumi-language-python" \
    "$(dir_python)/bin/pulumi-language-python-exec"; do
    [[ -x "$f" ]] || continue
    ln -f "$f" "$d/$(basename "$f")" 2>/dev/null || cp -f "$f" "$d/$(basename "$f")"
  done
}

# ---------------------------------------------------------------------------------------------------------------------
# 3. Kubernetes provider (provider/v4 pseudo-version; source copied to a writable scratch module)
# ---------------------------------------------------------------------------------------------------------------------
K8S_PROVIDER_SDK_VERSION="4.25.0"   # sdk/v4 tag right after the provider commit (the provider imports the Go SDK)
build_provider() (
  check_provider_version || exit 1
  local out; out="$(dir_provider)"
  rm -rf "$out/build"; mkdir -p "$out/build"
  cd "$out/build"
  local dir
  dir="$(go mod download -json "$K8S_PROVIDER_MODULE@$K8S_PROVIDER_PSEUDO" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -n "$dir" && -d "$dir" ]] || die "provider: go mod download of $K8S_PROVIDER_MODULE@$K8S_PROVIDER_PSEUDO failed"
  cp -r "$dir" src; chmod -R u+w src; cd src
  go mod edit -dropreplace=github.com/pulumi/pulumi-kubernetes/sdk/v4
  go get "github.com/pulumi/pulumi-kubernetes/sdk/v4@v$K8S_PROVIDER_SDK_VERSION"
  (cd cmd/pulumi-resource-kubernetes && VERSION="$K8S_PROVIDER_VERSION" go run generate.go)
  mkdir -p "$out/bin.tmp"
  go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_PROVIDER_VERSION" \
    -o "$out/bin.tmp/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
  rm -rf "$out/bin"; mv "$out/bin.tmp" "$out/bin"
  rm -rf "$out/build/src"   # the copied source is ~40 MB and not needed any more
)
verify_provider() { [[ -x "$(dir_provider)/bin/pulumi-resource-kubernetes" ]] && plugin_installed; }

# Register the provider in the plugin cache of PULUMI_HOME (outside the repo) so the engine finds it by exact version,
# offline. (The engine would also find it on PATH as an "ambient" plugin, but that skips version matching and prints a
# warning on every run.)
plugin_installed() { [[ -x "$(pulumi_home)/plugins/resource-kubernetes-v$K8S_PROVIDER_VERSION/pulumi-resource-kubernetes" ]]; }
install_plugin() {
  PULUMI_HOME="$(pulumi_home)" PULUMI_SKIP_UPDATE_CHECK=true \
    "$(dir_pulumi)/bin/pulumi" plugin install resource kubernetes "$K8S_PROVIDER_VERSION" \
    --file "$(dir_provider)/bin/pulumi-resource-kubernetes" --reinstall
}

# ---------------------------------------------------------------------------------------------------------------------
# 4. kube-apiserver + kube-controller-manager
# k8s.io/kubernetes requires ~30 staging modules at v0.0.0 and replaces them with ./staging/...; a wrapper module
# replaces each with its published v0.<minor>.<patch> instead.
# ---------------------------------------------------------------------------------------------------------------------
k8s_gomod() { go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p'; }
k8s_ldflags() {
  local minor; minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  local date; date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  local f="-s -w" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    f="$f -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=$date"
  done
  echo "$f"
}
# In the current (wrapper) module: the staging replaces and the godebug default of k8s.io/kubernetes' own go.mod.
k8s_wrapper_setup() {
  local gomod; gomod="$(k8s_gomod)"
  [[ -f "$gomod" ]] || die "k8s: cannot download k8s.io/kubernetes@v$K8S_VERSION"
  local stag_ver="v0.$(echo "$K8S_VERSION" | cut -d. -f2-)"
  local m
  for m in $(sed -n 's/^[[:space:]]*\(k8s\.io\/[^[:space:]]*\) => \.\/staging\/.*/\1/p' "$gomod"); do
    case "$m" in k8s.io/sample-*) continue ;; esac   # not needed, and not served by the proxy
    go mod edit -replace="$m=$m@$stag_ver"
  done
  go mod edit -godebug=default=go1.26
}
build_k8s() (
  local out; out="$(dir_k8s)"
  local w; w="$(new_wrapper "$out" k8s-build)"
  cd "$w"
  k8s_wrapper_setup
  go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@v$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-controller-manager@v$K8S_VERSION"
  mkdir -p "$out/bin.tmp"
  local ld; ld="$(k8s_ldflags)"
  go build -trimpath -ldflags "$ld" -o "$out/bin.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  go build -trimpath -ldflags "$ld" -o "$out/bin.tmp/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager
  rm -rf "$out/bin"; mv "$out/bin.tmp" "$out/bin"
)
verify_k8s() {
  [[ -x "$(dir_k8s)/bin/kube-apiserver" && -x "$(dir_k8s)/bin/kube-controller-manager" ]] &&
    "$(dir_k8s)/bin/kube-apiserver" --version 2>/dev/null | grep -q "v$K8S_VERSION"
}

# ---------------------------------------------------------------------------------------------------------------------
# 4b. kube-scheduler: the same k8s.io/kubernetes module, version and wrapper recipe as step 4, so the module download
#     (and most compiled packages, in Go's build cache) are step 4's; an entry of its own keeps step 4's cache valid.
# ---------------------------------------------------------------------------------------------------------------------
build_scheduler() (
  local out; out="$(dir_scheduler)"
  local w; w="$(new_wrapper "$out" kube-scheduler-build)"
  cd "$w"
  k8s_wrapper_setup
  go get -tool "k8s.io/kubernetes/cmd/kube-scheduler@v$K8S_VERSION"
  mkdir -p "$out/bin.tmp"
  go build -trimpath -ldflags "$(k8s_ldflags)" -o "$out/bin.tmp/kube-scheduler" k8s.io/kubernetes/cmd/kube-scheduler
  rm -rf "$out/bin"; mv "$out/bin.tmp" "$out/bin"
)
verify_scheduler() {
  [[ -x "$(dir_scheduler)/bin/kube-scheduler" ]] &&
    "$(dir_scheduler)/bin/kube-scheduler" --version 2>/dev/null | grep -q "v$K8S_VERSION"
}

# ---------------------------------------------------------------------------------------------------------------------
# 5. etcd at the version k8s.io/kubernetes pins (go.etcd.io/etcd/client/v3 line); own wrapper module.
# ---------------------------------------------------------------------------------------------------------------------
etcd_version() {
  local gomod; gomod="$(cd "$(mktemp -d)" && k8s_gomod)"
  sed -n 's/^[[:space:]]*go\.etcd\.io\/etcd\/client\/v3 \(v[^[:space:]]*\).*/\1/p' "$gomod" | head -1
}
build_etcd() (
  local out; out="$(dir_etcd)"
  local ev; ev="$(etcd_version)"
  [[ -n "$ev" ]] || die "etcd: cannot read the etcd pin from k8s.io/kubernetes@v$K8S_VERSION"
  log "etcd: kubernetes v$K8S_VERSION pins etcd $ev"
  local w; w="$(new_wrapper "$out" etcd-build)"
  cd "$w"
  go get -tool "go.etcd.io/etcd/server/v3@$ev"
  mkdir -p "$out/bin.tmp"
  go build -trimpath -ldflags "-s -w" -o "$out/bin.tmp/etcd" go.etcd.io/etcd/server/v3
  rm -rf "$out/bin"; mv "$out/bin.tmp" "$out/bin"
  echo "$ev" > "$out/ETCD_VERSION"
)
verify_etcd() { [[ -x "$(dir_etcd)/bin/etcd" ]] && "$(dir_etcd)/bin/etcd" --version >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------------------------------
# 5b. kwok (simulated nodes): its own wrapper module; the Stage files it needs come from the same module download.
# ---------------------------------------------------------------------------------------------------------------------
build_kwok() (
  local out; out="$(dir_kwok)"
  local w; w="$(new_wrapper "$out" kwok-build)"
  cd "$w"
  go get -tool "$KWOK_MODULE/cmd/kwok@v$KWOK_VERSION"
  mkdir -p "$out/bin.tmp"
  go build -trimpath \
    -ldflags "-s -w -X $KWOK_MODULE/pkg/consts.Version=$KWOK_VERSION -X $KWOK_MODULE/pkg/consts.PreRelease=GA" \
    -o "$out/bin.tmp/kwok" "$KWOK_MODULE/cmd/kwok"
  local src f sep=""; src="$(go list -m -f '{{.Dir}}' "$KWOK_MODULE")/kustomize/stage"
  for f in $KWOK_STAGES; do
    [[ -f "$src/$f" ]] || die "kwok: stage file $f not in $KWOK_MODULE@v$KWOK_VERSION"
    printf '%s# %s@v%s kustomize/stage/%s\n' "$sep" "$KWOK_MODULE" "$KWOK_VERSION" "$f"
    cat "$src/$f"
    [[ -z "$(tail -c1 "$src/$f")" ]] || echo
    sep=$'---\n'
  done > "$out/stages.yaml.tmp"
  rm -rf "$out/bin"; mv "$out/bin.tmp" "$out/bin"
  mv "$out/stages.yaml.tmp" "$out/stages.yaml"
)
verify_kwok() {
  local n; n="$(echo "$KWOK_STAGES" | wc -w)"
  [[ -x "$(dir_kwok)/bin/kwok" ]] &&
    KWOK_WORKDIR="$(dir_kwok)" "$(dir_kwok)/bin/kwok" --version 2>/dev/null | grep -q "^kwok version v$KWOK_VERSION " &&
    [[ "$(grep -c '^kind: Stage$' "$(dir_kwok)/stages.yaml" 2>/dev/null)" == "$n" ]]
}

# ---------------------------------------------------------------------------------------------------------------------
# 6. fake-gcs-server (GCS JSON API emulator; loopback only, started and stopped by the pytest fixture that uses it)
# ---------------------------------------------------------------------------------------------------------------------
build_fakegcs() (
  local out; out="$(dir_fakegcs)"
  local w; w="$(new_wrapper "$out" fake-gcs-server-build)"
  cd "$w"
  go get -tool "$FAKE_GCS_MODULE@v$FAKE_GCS_VERSION"
  mkdir -p "$out/bin.tmp"
  go build -trimpath -ldflags "-s -w" -o "$out/bin.tmp/fake-gcs-server" "$FAKE_GCS_MODULE"
  rm -rf "$out/bin"; mv "$out/bin.tmp" "$out/bin"
  echo "$FAKE_GCS_MODULE@v$FAKE_GCS_VERSION" > "$out/VERSION"
)
# The binary has no --version flag: the VERSION file written after a successful build names what was built, and
# `-help` proves the binary runs.
verify_fakegcs() {
  [[ -x "$(dir_fakegcs)/bin/fake-gcs-server" ]] &&
    grep -qx "$FAKE_GCS_MODULE@v$FAKE_GCS_VERSION" "$(dir_fakegcs)/VERSION" 2>/dev/null &&
    { "$(dir_fakegcs)/bin/fake-gcs-server" -help 2>&1 || true; } | grep -q -- "-backend"
}

# ---------------------------------------------------------------------------------------------------------------------
# 6b. CRDs: Cilium's CiliumNetworkPolicy, one file out of the module zip (~33 MB download, no build)
# ---------------------------------------------------------------------------------------------------------------------
build_crds() (
  local out; out="$(dir_crds)"
  mkdir -p "$out"
  local zip="$out/module.zip.tmp" file="$out/ciliumnetworkpolicies.yaml"
  curl -fsSL --retry 3 -o "$zip" "$GOPROXY/$CILIUM_MODULE/@v/v$CILIUM_VERSION.zip"
  python3 - "$zip" "$CILIUM_MODULE@v$CILIUM_VERSION/$CILIUM_CNP_CRD" "$file.tmp" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], "wb") as f:
    f.write(z.read(sys.argv[2]))
PY
  rm -f "$zip"
  echo "$CILIUM_CNP_SHA256  $file.tmp" | sha256sum -c --quiet - || die "crds: $CILIUM_CNP_CRD of $CILIUM_MODULE@v$CILIUM_VERSION has another sha256"
  mv "$file.tmp" "$file"
)
verify_crds() {
  echo "$CILIUM_CNP_SHA256  $(dir_crds)/ciliumnetworkpolicies.yaml" | sha256sum -c --quiet - >/dev/null 2>&1
}

# ---------------------------------------------------------------------------------------------------------------------
# 7. actionlint: a small pure-Go module (~30 s cold); its own wrapper module.
# ---------------------------------------------------------------------------------------------------------------------
build_actionlint() (
  local out; out="$(dir_actionlint)"
  local w; w="$(new_wrapper "$out" actionlint-build)"
  cd "$w"
  go get -tool "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
  mkdir -p "$out/bin.tmp"
  go build -trimpath -ldflags "-s -w -X github.com/rhysd/actionlint.version=v$ACTIONLINT_VERSION" \
    -o "$out/bin.tmp/actionlint" github.com/rhysd/actionlint/cmd/actionlint
  rm -rf "$out/bin"; mv "$out/bin.tmp" "$out/bin"
)
verify_actionlint() {
  [[ -x "$(dir_actionlint)/bin/actionlint" ]] && "$(dir_actionlint)/bin/actionlint" -version 2>/dev/null | head -1 | grep -qx "v$ACTIONLINT_VERSION"
}

# ---------------------------------------------------------------------------------------------------------------------
# 8. pulumi-language-yaml (~100 s cold): its own wrapper module; pulumi-yaml's go.mod has no replace directives.
# ---------------------------------------------------------------------------------------------------------------------
build_yaml() (
  local out; out="$(dir_yaml)"
  local w; w="$(new_wrapper "$out" pulumi-language-yaml-build)"
  cd "$w"
  go get -tool "$PULUMI_YAML_MODULE/cmd/pulumi-language-yaml@v$PULUMI_YAML_VERSION"
  mkdir -p "$out/bin.tmp"
  go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X $PULUMI_YAML_MODULE/pkg/version.Version=v$PULUMI_YAML_VERSION" \
    -o "$out/bin.tmp/pulumi-language-yaml" "$PULUMI_YAML_MODULE/cmd/pulumi-language-yaml"
  rm -rf "$out/bin"; mv "$out/bin.tmp" "$out/bin"
  echo "$PULUMI_YAML_MODULE@v$PULUMI_YAML_VERSION" > "$out/VERSION"
)
verify_yaml() {
  [[ -x "$(dir_yaml)/bin/pulumi-language-yaml" ]] &&
    grep -qx "$PULUMI_YAML_MODULE@v$PULUMI_YAML_VERSION" "$(dir_yaml)/VERSION" 2>/dev/null
}

# ---------------------------------------------------------------------------------------------------------------------
# 9. pulumi-language-python from sdk/v3@NODEJS_HOST_SDK_VERSION (the package and its `pulumi-language-python-exec`
#    script live in that module), and a venv with PyPI `pulumi==PULUMI_PYPI_VERSION`.
# ---------------------------------------------------------------------------------------------------------------------
build_python() (
  local out; out="$(dir_python)"
  local w; w="$(new_wrapper "$out" pulumi-language-python-build)"
  cd "$w"
  go mod edit -replace=golang.org/x/text=golang.org/x/text@v0.3.6   # as sdk/v3 v3.68.0's own go.mod does
  go get "github.com/pulumi/pulumi/sdk/v3@v$NODEJS_HOST_SDK_VERSION"
  local sdk; sdk="$(go list -m -f '{{.Dir}}' "github.com/pulumi/pulumi/sdk/v3")"
  mkdir -p "$out/bin.tmp"
  go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$NODEJS_HOST_SDK_VERSION" \
    -o "$out/bin.tmp/pulumi-language-python" github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python
  install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$out/bin.tmp/pulumi-language-python-exec"
  rm -rf "$out/venv"
  python3 -m venv "$out/venv"
  "$out/venv/bin/pip" install --quiet --disable-pip-version-check "pulumi==$PULUMI_PYPI_VERSION"
  rm -rf "$out/bin"; mv "$out/bin.tmp" "$out/bin"
)
verify_python() {
  [[ -x "$(dir_python)/bin/pulumi-language-python" && -x "$(dir_python)/bin/pulumi-language-python-exec" ]] &&
    [[ "$("$(dir_python)/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pulumi"))' 2>/dev/null)" == "$PULUMI_PYPI_VERSION" ]]
}

# ---------------------------------------------------------------------------------------------------------------------
# 10. helm CLI (cmd/helm): its own wrapper module; the version label is what `helm version` prints.
# ---------------------------------------------------------------------------------------------------------------------
build_helm() (
  local out; out="$(dir_helm)"
  local w; w="$(new_wrapper "$out" helm-build)"
  cd "$w"
  go get -tool "$HELM_MODULE/cmd/helm@v$HELM_VERSION"
  mkdir -p "$out/bin.tmp"
  go build -trimpath \
    -ldflags "-s -w -X $HELM_MODULE/internal/version.version=v$HELM_VERSION -X $HELM_MODULE/internal/version.gitTreeState=clean" \
    -o "$out/bin.tmp/helm" "$HELM_MODULE/cmd/helm"
  rm -rf "$out/bin"; mv "$out/bin.tmp" "$out/bin"
)
verify_helm() {
  [[ -x "$(dir_helm)/bin/helm" ]] && "$(dir_helm)/bin/helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "v$HELM_VERSION"
}

ensure() {
  local step="$1"
  if [[ "$step" == provider ]] && [[ -x "$(dir_provider)/bin/pulumi-resource-kubernetes" ]] && ! plugin_installed; then
    run_step provider-plugin-install install_plugin
  fi
  if "verify_$step"; then
    log "step $step: cached, verified"
  else
    run_step "$step" "build_$step"
    if [[ "$step" == provider ]]; then run_step provider-plugin-install install_plugin; fi
    "verify_$step" || die "step $step: built but verification failed"
  fi
}

main() {
  case "${1:-install}" in
    --print-env|env) print_env ;;
    --versions)
      echo "pulumi=$PULUMI_VERSION ($PULUMI_COMMIT)"
      echo "kubernetes-provider=$K8S_PROVIDER_VERSION ($K8S_PROVIDER_MODULE@$K8S_PROVIDER_PSEUDO)"
      echo "kubernetes=$K8S_VERSION (kube-apiserver, kube-controller-manager, kube-scheduler)"
      echo "kwok=$KWOK_VERSION ($KWOK_MODULE@v$KWOK_VERSION; stages: $KWOK_STAGES)"
      echo "fake-gcs-server=$FAKE_GCS_VERSION ($FAKE_GCS_MODULE@v$FAKE_GCS_VERSION)"
      echo "cilium-crds=$CILIUM_VERSION ($CILIUM_MODULE@v$CILIUM_VERSION $CILIUM_CNP_CRD)"
      echo "actionlint=$ACTIONLINT_VERSION"
      echo "pulumi-language-yaml=$PULUMI_YAML_VERSION ($PULUMI_YAML_MODULE@v$PULUMI_YAML_VERSION)"
      echo "pulumi-language-python=$NODEJS_HOST_SDK_VERSION (sdk/v3) + PyPI pulumi==$PULUMI_PYPI_VERSION"
      echo "helm=$HELM_VERSION ($HELM_MODULE@v$HELM_VERSION cmd/helm)"
      ;;
    install)
      command -v go >/dev/null || die "go not found"
      local steps=("${@:2}")
      [[ ${#steps[@]} -gt 0 ]] || steps=(pulumi nodejs provider k8s scheduler etcd kwok fakegcs crds actionlint yaml python helm)
      local t0; t0=$(date +%s)
      # An unbuildable provider version must not stop the other steps (the local cluster is useful on its own), but
      # the run still fails at the end. (No `ensure || ...`: that would disable `set -e` inside the build functions.)
      local s todo=() provider_bad=""
      for s in "${steps[@]}"; do
        if [[ "$s" == provider ]] && ! check_provider_version; then provider_bad=1; continue; fi
        todo+=("$s")
      done
      for s in "${todo[@]}"; do ensure "$s"; done
      link_nodejs
      log "all done in $(( $(date +%s) - t0 )) s"
      echo "bin dirs: $(bin_dirs) (+ provider $(dir_provider)/bin; engine = $(dir_pulumi)/bin/pulumi + $(dir_nodejs)/bin/pulumi-language-nodejs)"
      print_env
      [[ -z "$provider_bad" ]] || die "provider step skipped: @pulumi/kubernetes $K8S_PROVIDER_VERSION cannot be built (see above)"
      ;;
    *) echo "usage: $0 [install [step...]] | --print-env | --versions" >&2; exit 2 ;;
  esac
}
main "$@"
