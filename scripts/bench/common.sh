# Sourced by the benchmark scripts (what both need).
#
# replace_section NAME SECTION_FILE writes SECTION_FILE into
# $BENCHMARKS_FILE between `<!-- NAME:start -->` and `<!-- NAME:end -->` (the section file holds
# both markers), leaving the rest of the file as it is; appends it when the markers are not there
# yet, and creates the file when it does not exist.
replace_section() {
    local name=$1 section=$2 scratch
    scratch=$(mktemp)
    if [[ ! -f "$BENCHMARKS_FILE" ]]; then
        printf '# Benchmarks\n\nFigures from the scripts in `scripts/`; rerun them to update their sections.\n\n' >"$BENCHMARKS_FILE"
    fi
    if grep -q "^<!-- $name:start -->\$" "$BENCHMARKS_FILE" && grep -q "^<!-- $name:end -->\$" "$BENCHMARKS_FILE"; then
        awk -v section="$section" -v start="<!-- $name:start -->" -v end="<!-- $name:end -->" '
            $0 == start { while ((getline line < section) > 0) print line; skipping = 1; next }
            $0 == end   { skipping = 0; next }
            !skipping { print }
        ' "$BENCHMARKS_FILE" >"$scratch"
    else
        { cat "$BENCHMARKS_FILE"; echo; cat "$section"; } >"$scratch"
    fi
    cat "$scratch" >"$BENCHMARKS_FILE"
    rm -f "$scratch"
}

# Percent of CPU time idle over a 2-second sample, from /proc/stat.
cpu_idle_percent() {
    local _ user nice system idle iowait irq softirq steal rest t1 i1 t2 i2
    read -r _ user nice system idle iowait irq softirq steal rest </proc/stat
    t1=$((user + nice + system + idle + iowait + irq + softirq + steal)); i1=$((idle + iowait))
    sleep 2
    read -r _ user nice system idle iowait irq softirq steal rest </proc/stat
    t2=$((user + nice + system + idle + iowait + irq + softirq + steal)); i2=$((idle + iowait))
    echo $((100 * (i2 - i1) / (t2 - t1 > 0 ? t2 - t1 : 1)))
}

# start NAME VAR=VALUE... -- COMMAND...: in the background, output to $work/NAME.log; its pid is
# added to the caller's `pids` and left in STARTED.
start() {
    local name=$1; shift
    local envs=()
    while [[ "$1" != "--" ]]; do envs+=("$1"); shift; done
    shift
    env "${envs[@]}" "$@" >>"$work/$name.log" 2>&1 &
    pids+=($!)
    STARTED=$!
}

# utime + stime of a process, in jiffies.
proc_cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# The median of the numbers on standard input, one a line ("-" for none).
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# wait_http PORT PATH SECONDS: until GET http://127.0.0.1:PORT/PATH answers 2xx; else names the
# caller's $work (kept: KEEP_WORK=1) and fails.
wait_http() {
    local i
    for i in $(seq 1 $(($3 * 20))); do
        curl -fsS -o /dev/null "http://127.0.0.1:$1$2" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "$(basename "$0"): http://127.0.0.1:$1$2 not ready within $3 s; logs in $work" >&2
    KEEP_WORK=1
    return 1
}
