#!/usr/bin/env bash
# Build a real Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler) from the Go module proxy alone, and
# cache the binaries outside the repository.
#
# Usage:   BIN=$(bash test/e2e/controlplane/build.sh)
#
# stdout:  the LAST line is the absolute bin directory (nothing else is printed
#          on stdout). Progress and errors go to stderr.
# exit:    0 on success; non-zero with "build.sh: ERROR: <step> failed: ..." on
#          any failure. Nothing is ever skipped silently.
#
# Environment:
#   K8S_VERSION      Kubernetes release to build (default: $DEFAULT_K8S_VERSION).
#   ETCD_VERSION     etcd server version (default: the go.etcd.io/etcd/server/v3
#                    version that the chosen k8s.io/kubernetes go.mod lists).
#   VTE_CACHE_DIR    cache root (default: $HOME/.cache/volume-topology-extender).
#   VTE_BUILD_VERBOSE=1  stream go output to stderr instead of only a log file.
#   GO               go binary (default: `go` on PATH, else /usr/local/go/bin/go).
#
# The Go module cache and build cache are the machine defaults (GOMODCACHE,
# GOCACHE under $HOME), so they survive between runs. GOPROXY/GOSUMDB/GONOSUMDB
# are taken from the environment / `go env` and never overridden.
#
# See README.md next to this file and /work/shared/docs/control-plane-recipe.md §1.
set -euo pipefail

# Pinned defaults. v1.37.1 is the newest 1.37.x/1.36.x release whose module zip
# the proxy serves (v1.37.2's .mod resolves but its .zip is "403 This module
# version is not available"); its go.mod says `go 1.26.0` and lists
# go.etcd.io/etcd/server/v3 v3.7.0 (indirect).
readonly DEFAULT_K8S_VERSION="v1.37.1"
readonly DEFAULT_ETCD_VERSION="v3.7.0" # etcd server version listed by DEFAULT_K8S_VERSION's go.mod

log() { printf '[controlplane/build.sh] %s\n' "$*" >&2; }
die() { printf 'build.sh: ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# Resolve versions and the cache key (must stay cheap: this is the warm path).
# ---------------------------------------------------------------------------
if [[ -n "${GO:-}" ]]; then
  GO_BIN="$GO"
elif command -v go >/dev/null 2>&1; then
  GO_BIN="$(command -v go)"
elif [[ -x /usr/local/go/bin/go ]]; then
  GO_BIN=/usr/local/go/bin/go
else
  die "locating go failed: no 'go' on PATH and /usr/local/go/bin/go does not exist"
fi

export GOTOOLCHAIN=local

K8S_VERSION="${K8S_VERSION:-$DEFAULT_K8S_VERSION}"
[[ "$K8S_VERSION" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] \
  || die "checking K8S_VERSION failed: '$K8S_VERSION' is not a release version like v1.37.1"
K8S_MINOR="${BASH_REMATCH[1]}"
K8S_PATCH="${BASH_REMATCH[2]}"
STAGING_VERSION="v0.${K8S_MINOR}.${K8S_PATCH}"

GO_ENV="$("$GO_BIN" env GOVERSION GOMODCACHE)" || die "running '$GO_BIN env' failed"
GO_VERSION="$(sed -n 1p <<<"$GO_ENV")"   # e.g. go1.26.8
GOMODCACHE_DIR="$(sed -n 2p <<<"$GO_ENV")"
[[ "$GO_VERSION" =~ ^go([0-9]+\.[0-9]+(\.[0-9]+)?)$ ]] \
  || die "detecting the Go version failed: 'go env GOVERSION' printed '$GO_VERSION' (need a release toolchain)"
GO_VERSION_NUM="${BASH_REMATCH[1]}"
K8S_GOMOD="" # set lazily by k8s_gomod_path

# Path of k8s.io/kubernetes's go.mod; downloads it (and the module) when missing.
k8s_gomod_path() {
  local cached="$GOMODCACHE_DIR/cache/download/k8s.io/kubernetes/@v/${K8S_VERSION}.mod"
  if [[ -s "$cached" && -s "${cached%.mod}.zip" ]]; then
    printf '%s\n' "$cached"
    return 0
  fi
  local json out
  json="$(cd / && GOFLAGS= "$GO_BIN" mod download -json "k8s.io/kubernetes@${K8S_VERSION}" 2>&1)" || {
    out="$(sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p' <<<"$json" | sed 's/\\n\\t/ /g; s/\\n/ /g')"
    [[ -n "$out" ]] || out="$json"
    die "downloading k8s.io/kubernetes@${K8S_VERSION} from the module proxy failed: ${out}"
  }
  sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p' <<<"$json"
}

if [[ -z "${ETCD_VERSION:-}" ]]; then
  if [[ "$K8S_VERSION" == "$DEFAULT_K8S_VERSION" ]]; then
    ETCD_VERSION="$DEFAULT_ETCD_VERSION"
  else
    K8S_GOMOD="$(k8s_gomod_path)"
    ETCD_VERSION="$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2; exit }' "$K8S_GOMOD")"
    [[ -n "$ETCD_VERSION" ]] \
      || die "finding the etcd version failed: go.etcd.io/etcd/server/v3 is not listed in $K8S_GOMOD (set ETCD_VERSION)"
  fi
fi
[[ "$ETCD_VERSION" =~ ^v3\.[0-9]+\.[0-9]+$ ]] \
  || die "checking ETCD_VERSION failed: '$ETCD_VERSION' is not a release version like v3.7.0"

CACHE_ROOT="${VTE_CACHE_DIR:-${HOME:?HOME is not set}/.cache/volume-topology-extender}/controlplane"
KEY="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_go-${GO_VERSION_NUM}"
KEY_DIR="$CACHE_ROOT/$KEY"
BIN_DIR="$KEY_DIR/bin"
STAMP="$BIN_DIR/.complete"
BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler)

is_complete() {
  [[ -f "$STAMP" ]] || return 1
  local b
  for b in "${BINARIES[@]}"; do [[ -x "$BIN_DIR/$b" ]] || return 1; done
}

if is_complete; then
  printf '%s\n' "$BIN_DIR"
  exit 0
fi

# ---------------------------------------------------------------------------
# Cold path.
# ---------------------------------------------------------------------------
START_TS=$(date +%s)
log "building control plane ${KEY} into ${BIN_DIR} (cold: ~10-20 min on 2 cores; ~30 s if the Go build cache is warm)"
mkdir -p "$KEY_DIR" || die "creating cache directory $KEY_DIR failed"

# Serialize concurrent builds of the same key.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$KEY_DIR/.lock" || die "opening lock file $KEY_DIR/.lock failed"
  if ! flock -n 9; then
    log "another build of ${KEY} is running; waiting for its lock"
    flock 9 || die "waiting for lock $KEY_DIR/.lock failed"
  fi
  if is_complete; then
    log "another process finished the build"
    printf '%s\n' "$BIN_DIR"
    exit 0
  fi
fi

WORK="$(mktemp -d "$KEY_DIR/.build.XXXXXX")" || die "creating a temp build directory under $KEY_DIR failed"
LOG="$WORK/build.log"
: >"$LOG"
cleanup() {
  local rc=$?
  if [[ $rc -ne 0 && -d "$WORK" ]]; then
    # Keep the log next to the cache for diagnosis, drop the rest.
    cp -f "$LOG" "$KEY_DIR/last-failed-build.log" 2>/dev/null || true
    log "full log of the failed build: $KEY_DIR/last-failed-build.log"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# run_step "<step description>" cmd args... : run, log output, fail loudly.
run_step() {
  local what="$1"; shift
  local t0=$SECONDS rc=0
  log "${what} ..."
  printf '\n### %s\n$ %s\n' "$what" "$*" >>"$LOG"
  if [[ "${VTE_BUILD_VERBOSE:-0}" == 1 ]]; then
    "$@" > >(tee -a "$LOG" >&2) 2>&1 || rc=$?
  else
    "$@" >>"$LOG" 2>&1 || rc=$?
  fi
  if [[ $rc -ne 0 ]]; then
    printf 'build.sh: ERROR: %s failed (exit %d):\n' "$what" "$rc" >&2
    # Show the most relevant output: the last lines of this step.
    awk -v s="### $what" 'index($0, s) == 1 { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$LOG" \
      | tail -n 40 | sed 's/^/    /' >&2
    exit 1
  fi
  log "${what} done ($((SECONDS - t0))s)"
}

# Keep machine GOFLAGS (e.g. -buildvcs=false) and add -mod=mod.
export GOFLAGS="-mod=mod${GOFLAGS:+ $GOFLAGS}"
export CGO_ENABLED=0

log "go=${GO_BIN} (${GO_VERSION}), GOPROXY=$("$GO_BIN" env GOPROXY), GOMODCACHE=${GOMODCACHE_DIR}, GOCACHE=$("$GO_BIN" env GOCACHE)"

# --- Kubernetes ------------------------------------------------------------
if [[ -z "$K8S_GOMOD" ]]; then
  log "resolving k8s.io/kubernetes@${K8S_VERSION} through the module proxy ..."
  K8S_GOMOD="$(k8s_gomod_path)"
fi
[[ -s "$K8S_GOMOD" ]] || die "reading the go.mod of k8s.io/kubernetes@${K8S_VERSION} failed: '$K8S_GOMOD' is missing or empty"

K8S_GO_LINE="$(awk '$1 == "go" { print $2; exit }' "$K8S_GOMOD")"
[[ -n "$K8S_GO_LINE" ]] || die "parsing $K8S_GOMOD failed: no 'go' line"
if [[ "$(printf '%s\n%s\n' "$K8S_GO_LINE" "$GO_VERSION_NUM" | sort -V | tail -n 1)" != "$GO_VERSION_NUM" ]]; then
  die "checking Go version failed: k8s.io/kubernetes@${K8S_VERSION} needs go ${K8S_GO_LINE}, local toolchain is ${GO_VERSION} (GOTOOLCHAIN=local)"
fi

# Staging modules: every `k8s.io/<x> => ./staging/src/k8s.io/<x>` replace.
mapfile -t STAGING < <(awk '$2 == "=>" && $3 ~ /^\.\/staging\/src\// { print $1 }' "$K8S_GOMOD" | sort -u)
[[ ${#STAGING[@]} -gt 0 ]] || die "parsing $K8S_GOMOD failed: no './staging/src/...' replace lines found"
log "k8s.io/kubernetes@${K8S_VERSION}: go ${K8S_GO_LINE}, ${#STAGING[@]} staging modules -> ${STAGING_VERSION}"

# godebug settings: single-line `godebug k=v` and block `godebug ( k=v ... )`.
mapfile -t GODEBUGS < <(awk '
  /^godebug[[:space:]]*\(/ { inblk = 1; next }
  inblk && /^\)/ { inblk = 0; next }
  inblk { for (i = 1; i <= NF; i++) if ($i ~ /=/) print $i; next }
  $1 == "godebug" { for (i = 2; i <= NF; i++) if ($i ~ /=/) print $i }
' "$K8S_GOMOD")

K8S_MOD="$WORK/k8s"
mkdir -p "$K8S_MOD"
cd "$K8S_MOD"
run_step "go mod init (kubernetes build module)" "$GO_BIN" mod init vte.local/controlplane-k8s-build

EDITS=("-go=${K8S_GO_LINE}" "-require=k8s.io/kubernetes@${K8S_VERSION}")
for kv in "${GODEBUGS[@]}"; do EDITS+=("-godebug=${kv}"); done
for m in "${STAGING[@]}"; do EDITS+=("-replace=${m}=${m}@${STAGING_VERSION}"); done
run_step "go mod edit (require, ${#STAGING[@]} replaces, godebug ${GODEBUGS[*]:-none})" "$GO_BIN" mod edit "${EDITS[@]}"

cat >tools.go <<'EOF'
//go:build tools

// Package tools pulls the control-plane commands into the build graph.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
EOF

run_step "go mod tidy (kubernetes build module; downloads ~1 GB on a cold module cache)" "$GO_BIN" mod tidy
# The resolved kubernetes version must be exactly the one asked for.
RESOLVED="$("$GO_BIN" list -m -f '{{.Version}}' k8s.io/kubernetes 2>>"$LOG")" \
  || die "go list -m k8s.io/kubernetes failed (see $LOG)"
[[ "$RESOLVED" == "$K8S_VERSION" ]] \
  || die "version check failed: go mod tidy resolved k8s.io/kubernetes ${RESOLVED}, expected ${K8S_VERSION}"

BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDFLAGS+=" -X ${pkg}.gitVersion=${K8S_VERSION}"
  LDFLAGS+=" -X ${pkg}.gitMajor=1"
  LDFLAGS+=" -X ${pkg}.gitMinor=${K8S_MINOR}"
  LDFLAGS+=" -X ${pkg}.gitTreeState=clean"
  LDFLAGS+=" -X ${pkg}.buildDate=${BUILD_DATE}"
done

# --- etcd ------------------------------------------------------------------
ETCD_MOD="$WORK/etcd"
mkdir -p "$ETCD_MOD"
cd "$ETCD_MOD"
run_step "go mod init (etcd build module)" "$GO_BIN" mod init vte.local/controlplane-etcd-build
cat >main.go <<'EOF'
// Command etcd is the upstream etcd server entry point (same as
// go.etcd.io/etcd/server/v3/main.go), built from the module proxy.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
EOF
run_step "go mod edit (etcd build module: require go.etcd.io/etcd/server/v3@${ETCD_VERSION})" \
  "$GO_BIN" mod edit "-go=${K8S_GO_LINE}" "-require=go.etcd.io/etcd/server/v3@${ETCD_VERSION}"
run_step "go mod tidy (etcd build module)" "$GO_BIN" mod tidy
RESOLVED="$("$GO_BIN" list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3 2>>"$LOG")" \
  || die "go list -m go.etcd.io/etcd/server/v3 failed (see $LOG)"
[[ "$RESOLVED" == "$ETCD_VERSION" ]] \
  || die "version check failed: go mod tidy resolved go.etcd.io/etcd/server/v3 ${RESOLVED}, expected ${ETCD_VERSION}"

# --- build -----------------------------------------------------------------
OUT="$WORK/bin"
mkdir -p "$OUT"
# Both modules are resolved before the slow compile, so resolution errors surface early.
# Tags as in upstream hack/lib/golang.sh for non-debug builds.
cd "$K8S_MOD"
run_step "go build kube-apiserver kube-controller-manager kube-scheduler (slowest step)" \
  "$GO_BIN" build -trimpath -tags=selinux,notest,grpcnotrace -ldflags="$LDFLAGS" -o "$OUT/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler

cd "$ETCD_MOD"
run_step "go build etcd" "$GO_BIN" build -trimpath -ldflags="-s -w" -o "$OUT/etcd" .

# --- verify ----------------------------------------------------------------
cd "$WORK"
VERSIONS=""
for b in kube-apiserver kube-controller-manager kube-scheduler; do
  v="$("$OUT/$b" --version 2>&1)" || die "verifying $b failed: '$b --version' exited non-zero: $v"
  [[ "$v" == "Kubernetes ${K8S_VERSION}" ]] \
    || die "verifying $b failed: '$b --version' printed '$v', expected 'Kubernetes ${K8S_VERSION}'"
  log "$b --version: $v"
  VERSIONS+="$b: $v"$'\n'
done
v="$("$OUT/etcd" --version 2>&1)" || die "verifying etcd failed: 'etcd --version' exited non-zero: $v"
grep -qx "etcd Version: ${ETCD_VERSION#v}" <<<"$v" \
  || die "verifying etcd failed: 'etcd --version' printed '$v', expected 'etcd Version: ${ETCD_VERSION#v}'"
log "etcd --version: $(tr '\n' ' ' <<<"$v")"
VERSIONS+="etcd: $(tr '\n' ' ' <<<"$v")"$'\n'

# --- install atomically ------------------------------------------------------
# $WORK is on the same filesystem as $BIN_DIR, so mv is a rename.
rm -rf "$BIN_DIR" || die "removing stale $BIN_DIR failed"
mv "$OUT" "$BIN_DIR" || die "moving binaries into $BIN_DIR failed"
{
  printf 'key=%s\nk8s=%s\netcd=%s\ngo=%s\nbuilt=%s\nbuild_seconds=%s\n' \
    "$KEY" "$K8S_VERSION" "$ETCD_VERSION" "$GO_VERSION" "$BUILD_DATE" "$(($(date +%s) - START_TS))"
  printf '%s' "$VERSIONS"
} >"$STAMP.tmp" && mv "$STAMP.tmp" "$STAMP" || die "writing stamp $STAMP failed"
rm -f "$KEY_DIR/last-failed-build.log"

log "done in $(($(date +%s) - START_TS))s: $BIN_DIR"
printf '%s\n' "$BIN_DIR"
