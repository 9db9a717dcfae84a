#!/usr/bin/env bash
# Installs the policy pack's own dependencies (policy/package-lock.json: @pulumi/policy and the
# @pulumi/pulumi it runs on) when they are missing or older than the lock, and builds the compiled pack
# (policy/dist/pack.js, policy/bundle.cjs) when it is missing or stale; a no-op when both are current.
# `npm run policy:deps` runs it (CI's setup action does, before `pulumi preview/up --policy-pack
# policy`), and so do `pretest` and `pretest:e2e`. Not an install hook: the published package carries
# no install-time scripts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../policy"
stamp=node_modules/.package-lock.json   # npm writes it on every install
if [[ ! -f "$stamp" || ! "$stamp" -nt package-lock.json ]]; then
  echo "policy pack: npm ci in policy/ (its own lock)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
node bundle.cjs
