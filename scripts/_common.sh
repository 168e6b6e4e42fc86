# Sourced by the scripts in this folder (not run directly).
# Moves to the repository root and makes sure `swift` is on PATH.

CAUSEWAY_CALLER_DIR="$PWD"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CAUSEWAY_ROOT="$PWD"

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

# quiet_run LABEL COMMAND...: runs COMMAND with its output captured; on failure prints the
# error lines (or the log's tail when there are none) and exits with COMMAND's status.
quiet_run() {
    local label="$1"; shift
    local log rc=0
    log="$(mktemp)"
    "$@" >"$log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "$label failed (exit $rc): $*" >&2
        if grep -qE 'error:' "$log"; then
            grep -E -A3 'error:' "$log" | head -n 80 >&2
        else
            tail -n 40 "$log" >&2
        fi
        rm -f "$log"
        exit "$rc"
    fi
    rm -f "$log"
}

# Release builds target the build machine's vector unit: AVX2+FMA ("haswell") when the CPU has
# them (about 20% faster elementwise kernels), else the baseline. Override with
# CAUSEWAY_TARGET_CPU=<llvm cpu name>, or CAUSEWAY_TARGET_CPU=generic for a portable binary
# (e.g. when the login node differs from the compute nodes).
release_flags=()
target_cpu="${CAUSEWAY_TARGET_CPU:-}"
if [ -z "$target_cpu" ] && [ -r /proc/cpuinfo ] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
    target_cpu=haswell
fi
if [ -n "$target_cpu" ] && [ "$target_cpu" != generic ]; then
    release_flags=(-Xswiftc -target-cpu -Xswiftc "$target_cpu")
fi
