#!/usr/bin/env bash
# All benchmarks in one command: builds the release preset, builds (or
# reuses) the page trace, replays it for density and speed, stores and
# frees a million small blobs (bench_blobs), measures the load path
# (bench_loadpath), the machine's cost of giving memory back and of
# faulting it in (bench_release) and a short pool's life (bench_pool_life),
# draws the plots (density, and ops/s
# against threads) and writes docs/benchmarks.md.
#
#   bench/run.sh [--quick] [--tree DIR] [--runs N] [--no-doc] [--speed-only]
#
#   --quick     one file in 10 of the kernel tarball, 5 speed runs,
#               100000 blobs
#   --tree DIR  any directory instead of Debian's linux-source-6.1
#   --runs N    speed runs per row (median, min, max; default 7)
#   --no-doc    print only; leave docs/benchmarks.md and the plot alone
#   --retrace   build the trace again even when a cached one exists
#   --speed-only  speed rows and the threads plot only, no density; copies
#               bench/threads.png (not with --no-doc), leaves
#               docs/benchmarks.md alone
#
# Traces are cached in ${ZS_BENCH_CACHE:-~/.cache/zsmalloc-bench}; results
# of the last run are in build/release/bench-out/. Figures never fail the
# script: only a missing tool or a crash does.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CACHE=${ZS_BENCH_CACHE:-$HOME/.cache/zsmalloc-bench}
OUT=$ROOT/build/release/bench-out
BIN=$ROOT/build/release/bench
QUICK=0 TREE= RUNS=7 DOC=1 RETRACE=0 SPEED_ONLY=0
CMDLINE="bench/run.sh${*:+ $*}"
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--tree) TREE=$(cd "$2" && pwd); shift ;;
	--runs) RUNS=$2; shift ;;
	--no-doc) DOC=0 ;;
	--retrace) RETRACE=1 ;;
	--speed-only) SPEED_ONLY=1 ;;
	*) sed -n '2,21p' "$0"; exit 2 ;;
	esac
	shift
done
[ "$QUICK" = 1 ] && [ "$RUNS" = 7 ] && RUNS=5

# ---- tools and data (Debian packages, installed when missing) ----
need=(cmake gcc make xz-utils liblzo2-dev liblz4-dev libjemalloc2
	libmimalloc2.0 gnuplot-nox)
[ -z "$TREE" ] && need+=(linux-source-6.1)
missing=()
for p in "${need[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "=== installing ${missing[*]}"
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
LIBDIR=$(dirname "$(dpkg -L libjemalloc2 | grep 'libjemalloc.so.2$' | head -1)")
JEMALLOC=$LIBDIR/libjemalloc.so.2
MIMALLOC=$(dpkg -L libmimalloc2.0 | grep 'libmimalloc.so.2$' | head -1)

echo "=== build (preset release)"
cmake --preset release >/dev/null
cmake --build --preset release --target bench_trace bench_density bench_speed \
	bench_blobs bench_loadpath bench_release bench_pool_life >/dev/null

# ---- the trace ----
mkdir -p "$CACHE" "$OUT"
if [ -n "$TREE" ]; then
	NAME=$(basename "$TREE")
	TRACE=$CACHE/$NAME.trace
	SOURCE="directory $TREE"
	build_trace() { "$BIN/bench_trace" --dir "$TREE" -o "$TRACE" "$@"; }
else
	TARBALL=/usr/src/linux-source-6.1.tar.xz
	NAME=linux-source-6.1
	TRACE=$CACHE/$NAME.trace
	SOURCE="Debian linux-source-6.1 ($(dpkg-query -W -f='${Version}' linux-source-6.1)), $TARBALL, archive order"
	build_trace() {
		xz -dc -T2 "$TARBALL" | "$BIN/bench_trace" --tar - -o "$TRACE" "$@"
	}
fi
EXTRA=()
if [ "$QUICK" = 1 ]; then
	TRACE=${TRACE%.trace}-quick.trace
	EXTRA=(--every 10)
	SOURCE="$SOURCE, one file in 10 (--quick)"
fi
if [ ! -s "$TRACE" ] || [ "$RETRACE" = 1 ]; then
	echo "=== trace: $SOURCE"
	start=$(date +%s)
	build_trace "${EXTRA[@]}" | tee "$OUT/trace.txt"
	echo "trace built in $(($(date +%s) - start)) s" | tee -a "$OUT/trace.txt"
else
	echo "=== trace: cached $TRACE"
fi

LOAD_BEFORE=$(uptime | sed 's/.*load average: //')

# ---- density ----
# label | LD_PRELOAD | environment | bench_density args
ROWS=(
	"zsmalloc merge, chain 4|||--backend zsmalloc"
	"zsmalloc no merge, chain 4|||--backend zsmalloc-nomerge"
	"zsmalloc merge, chain 4, zs_compact|||--backend zsmalloc --compact"
	"zsmalloc no merge, chain 4, zs_compact|||--backend zsmalloc-nomerge --compact"
	"zsmalloc merge, chain 8, zs_compact|||--backend zsmalloc-c8 --compact"
	"zsmalloc merge, chain 8|||--backend zsmalloc-c8"
	"zsmalloc merge, chain 16|||--backend zsmalloc-c16"
	"zsmalloc, built-in page provider|||--backend zsmalloc-builtin"
	"zbud (zpool)|||--backend zpool-zbud"
	"glibc malloc|||--backend malloc"
	"glibc malloc + malloc_trim|||--backend malloc --release"
	"jemalloc|$JEMALLOC||--backend malloc"
	"jemalloc + purge|$JEMALLOC||--backend malloc --release"
	"mimalloc|$MIMALLOC||--backend malloc"
	"mimalloc + mi_collect|$MIMALLOC|MIMALLOC_RESET_DELAY=0 MIMALLOC_RESET_DECOMMITS=1|--backend malloc --release"
)
TSV=$OUT/density.tsv
if [ "$SPEED_ONLY" = 0 ]; then
	: >"$TSV"
	: >"$OUT/density.md"
	: >"$OUT/steps.md"
	echo "=== density"
	for codec in lzo lz4; do
		for order in archive shuffle; do
			for row in "${ROWS[@]}"; do
				IFS='|' read -r label preload envs args <<<"$row"
				# shellcheck disable=SC2086
				steps=/dev/null
				[ $codec/$order = lzo/archive ] && steps=$OUT/steps.md
				env $envs LD_PRELOAD="$preload" "$BIN/bench_density" "$TRACE" $args \
					--codec $codec --order $order --seed 1 \
					--label "$label|$codec|$order" --tsv "$TSV" |
					tee -a "$steps" >>"$OUT/density.md"
			done
		done
	done
fi

# ---- many small blobs ----
# label | LD_PRELOAD | environment | bench_blobs args
BLOB_ROWS=(
	"zsmalloc merge, chain 4|||--backend zsmalloc"
	"zsmalloc merge, chain 4, zs_compact|||--backend zsmalloc --compact"
	"zsmalloc, built-in page provider, zs_compact|||--backend zsmalloc-builtin --compact"
	"glibc malloc|||--backend malloc"
	"glibc malloc + malloc_trim|||--backend malloc --release"
	"jemalloc + purge|$JEMALLOC||--backend malloc --release"
	"mimalloc + mi_collect|$MIMALLOC|MIMALLOC_RESET_DELAY=0 MIMALLOC_RESET_DECOMMITS=1|--backend malloc --release"
)
BLOBS=1000000
[ "$QUICK" = 1 ] && BLOBS=100000
BTSV=$OUT/blobs.tsv
if [ "$SPEED_ONLY" = 0 ]; then
	: >"$BTSV"
	echo "=== many small blobs ($BLOBS)"
	for row in "${BLOB_ROWS[@]}"; do
		IFS='|' read -r label preload envs args <<<"$row"
		# shellcheck disable=SC2086
		env $envs LD_PRELOAD="$preload" "$BIN/bench_blobs" $args \
			--count $BLOBS --seed 1 --label "$label" --tsv "$BTSV" >/dev/null
	done
fi

# One row per backend: every step's RSS overhead, metadata at both ends.
blob_summary() {
	awk -F'\t' '
	{ if (!($1 in seen)) { seen[$1] = 1; rows[++n] = $1 }
	  v[$1, $2] = $8; m[$1, $2] = $9; u[$1, $2] = $6 }
	END {
	  print "| backend | full: used overhead | full: RSS overhead | full: meta B/obj | 50%: RSS overhead | 10%: RSS overhead | 1%: RSS overhead | 1%: meta B/obj |"
	  print "|---|---:|---:|---:|---:|---:|---:|---:|"
	  for (i = 1; i <= n; i++) {
	    r = rows[i]
	    printf "| %s | %.2f%% | %.2f%% | %.1f | %.2f%% | %.2f%% | %.2f%% | %.1f |\n",
	      r, u[r, "full"], v[r, "full"], m[r, "full"], v[r, "50%"], v[r, "10%"], v[r, "1%"], m[r, "1%"]
	  } }' "$BTSV"
}

# Summary: first and last step of every row, per codec and order.
summary() {
	awk -F'\t' -v codec="$1" -v order="$2" '
	{ split($1, k, "|"); if (k[2] != codec || k[3] != order) next
	  if (!(k[1] in first)) { rows[++n] = k[1]; first[k[1]] = $0 }
	  last[k[1]] = $0 }
	END {
	  print "| backend | full: compr MiB | full: used MiB | full: overhead | full: RSS overhead | full: meta B/obj | end: compr MiB | end: used MiB | end: overhead | end: RSS overhead | end: meta B/obj |"
	  print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	  for (i = 1; i <= n; i++) {
	    split(first[rows[i]], f, "\t"); split(last[rows[i]], l, "\t")
	    printf "| %s | %.2f | %.2f | %.2f%% | %.2f%% | %.1f | %.2f | %.2f | %.2f%% | %.2f%% | %.1f |\n",
	      rows[i], f[4]/1048576, f[5]/1048576, f[7], f[9], f[11], l[4]/1048576, l[5]/1048576, l[7], l[9], l[11]
	  } }' "$TSV"
}

# ---- plot: overhead ratio per step, headline configuration ----
if [ "$SPEED_ONLY" = 0 ]; then
	PLOT=$OUT/density.png
	awk -F'\t' '{ split($1, k, "|"); if (k[2] == "lzo" && k[3] == "archive") print }' "$TSV" >"$OUT/plot.tsv"
	{
		echo "set terminal pngcairo size 1000,600 font ',10' noenhanced"
		echo "set output '$PLOT'"
		echo "set title 'untar-and-delete, $NAME, LZO, archive order: (used - compr) / compr'"
		echo "set ylabel 'overhead ratio, % (log scale)'"
		echo "set logscale y"
		echo "set grid"
		echo "set key outside right"
		echo "set xtics rotate by -30"
		echo "set datafile separator '\t'"
		printf "plot "
		i=0
		for row in "${ROWS[@]}"; do
			IFS='|' read -r label _ _ _ <<<"$row"
			[ $i -gt 0 ] && printf ", "
			style="lw 1 dt 2"
			case $label in zsmalloc*) style="lw 2" ;; esac
			printf "'< grep -F \"%s|lzo|archive\t\" %s' using 0:(\$7 > 0.01 ? \$7 : 0.01):xtic(2) with linespoints %s title '%s'" \
				"$label" "$OUT/plot.tsv" "$style" "$label"
			i=$((i + 1))
		done
		echo
	} >"$OUT/plot.gp"
	gnuplot "$OUT/plot.gp" || echo "gnuplot failed (plot skipped)"
fi

# ---- speed ----
# Every backend with 1 and 2 threads; zsmalloc (both providers) and glibc
# malloc also with 4 and 8 (more threads than this machine's cores
# time-share them).
CORES=$(nproc)
echo "=== speed ($RUNS runs per row; this machine has $CORES cores)"
SPEED=$OUT/speed.md
STSV=$OUT/speed.tsv
: >"$STSV"
{
	echo "| backend (malloc underneath) | threads | store ns/op median (min-max) | load ns/op | rewrite ns/op | discard ns/op | Mops/s |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for t in 1 2 4 8; do
		backends=(zsmalloc zsmalloc-obj zsmalloc-builtin
			zsmalloc-builtin-batch zpool-zbud malloc)
		[ "$t" -gt 2 ] && backends=(zsmalloc zsmalloc-builtin malloc)
		for be in "${backends[@]}"; do
			"$BIN/bench_speed" "$TRACE" --backend "$be" --threads "$t" --runs "$RUNS" --tsv "$STSV" 2>/dev/null
		done
		[ "$t" -gt 2 ] && continue
		LD_PRELOAD=$JEMALLOC "$BIN/bench_speed" "$TRACE" --backend malloc --threads "$t" --runs "$RUNS" --tsv "$STSV" 2>/dev/null
		LD_PRELOAD=$MIMALLOC "$BIN/bench_speed" "$TRACE" --backend malloc --threads "$t" --runs "$RUNS" --tsv "$STSV" 2>/dev/null
	done
} | tee "$SPEED"

# ---- plot: ops/s against threads, every phase ----
TPLOT=$OUT/threads.png
{
	echo "set terminal pngcairo size 1000,600 font ',10' noenhanced"
	echo "set output '$TPLOT'"
	echo "set title 'replay of $NAME, LZO, archive order, one shared pool: ops/s against threads ($CORES cores)'"
	echo "set xlabel 'threads'"
	echo "set ylabel 'Mops/s (objects / wall time of the phase, log scale)'"
	echo "set logscale x 2"
	echo "set xrange [0.8:10]"
	echo "set xtics (1, 2, 4, 8)"
	echo "set logscale y"
	echo "set grid"
	echo "set key outside right"
	echo "set datafile separator tab"
	echo "set arrow from $CORES, graph 0 to $CORES, graph 1 nohead dt 3"
	echo "set label '$CORES cores' at $CORES, graph 0.04 offset 0.5, 0"
	printf "plot "
	i=0
	# the library's default provider (the bench provider gives every
	# page back at once: a TLB shootdown per page with threads)
	for be in zsmalloc-builtin malloc; do
		awk -F'\t' -v l="$be (glibc malloc)" '$1 == l' "$STSV" >"$OUT/threads-$be.tsv"
		style="lw 2"
		[ $be = malloc ] && style="lw 1 dt 2"
		col=3
		for phase in store load rewrite discard; do
			[ $i -gt 0 ] && printf ", "
			printf "'%s' using 2:(1e3 / \$%d) with linespoints lc %d %s title '%s, %s'" \
				"$OUT/threads-$be.tsv" $col $((col - 2)) "$style" "$be (glibc)" $phase
			col=$((col + 1))
			i=$((i + 1))
		done
	done
	echo
} >"$OUT/threads.gp"
gnuplot "$OUT/threads.gp" || echo "gnuplot failed (plot skipped)"
if [ "$SPEED_ONLY" = 1 ]; then
	[ "$DOC" = 1 ] && cp "$TPLOT" "$ROOT/bench/threads.png" 2>/dev/null
	echo "=== --speed-only: $SPEED, $TPLOT; docs/benchmarks.md left alone"
	exit 0
fi
echo "=== load path (one thread)"
"$BIN/bench_loadpath" "$TRACE" --runs "$RUNS" | tee "$OUT/loadpath.md"
echo "=== giving memory back and taking it (the machine's cost, no zsmalloc)"
"$BIN/bench_release" --runs "$RUNS" | tee "$OUT/release.md"
echo "=== a short pool's life"
"$BIN/bench_pool_life" --runs "$RUNS" | tee "$OUT/pool_life.md"
MEMCPY=$("$BIN/bench_speed" --memcpy --runs "$RUNS")
echo "$MEMCPY"
LOAD_AFTER=$(uptime | sed 's/.*load average: //')

# ---- the document ----
summary lzo archive >"$OUT/summary.md"
cat "$OUT/summary.md"
blob_summary | tee "$OUT/blobs.md"
[ "$DOC" = 1 ] || exit 0
[ "$QUICK" = 1 ] && echo "(--quick: docs/benchmarks.md written from the quick trace)"
cp "$PLOT" "$ROOT/bench/density.png" 2>/dev/null || true
cp "$TPLOT" "$ROOT/bench/threads.png" 2>/dev/null || true
NPAGES=$(awk -F'\t' 'NR==1 { print $3 / 4096 }' "$TSV")
DOCF=$ROOT/docs/benchmarks.md
{
	echo "# Benchmarks"
	echo
	echo "Written by \`bench/run.sh\` (do not edit by hand; the notes at the end"
	echo "come from \`bench/notes.md\`)."
	echo
	echo "- command: \`$CMDLINE\`"
	echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD)"
	echo "- machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2/1048576 }' /proc/meminfo); $(uname -sr); $(cc --version | head -1)"
	echo "- load average (1, 5, 15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER (the machine is shared: timings are noisy)"
	echo "- data set: $SOURCE"
	[ -f "$OUT/trace.txt" ] && echo "- trace: $(head -1 "$OUT/trace.txt" | sed 's/ -> .*//')"
	echo "- pages stored at full load (LZO, not same-filled): $NPAGES"
	echo
	echo "## Density: untar, then delete top-level directories largest first"
	echo
	echo "Every page of every regular file is compressed and stored (zram of 2014:"
	echo "same-filled pages are not allocated, a page compressing to more than 3/4 of"
	echo "a page is stored whole); then the ten largest top-level directories are"
	echo "deleted, largest first, freeing their pages. *full* is after the load, *end*"
	echo "after the last deletion. overhead = (used - compr) / compr."
	echo
	echo "used is the pool's own page count (zs_get_total_pages() * 4096,"
	echo "zpool_get_total_size()) for zsmalloc and zbud, and resident growth"
	echo "(/proc/self/statm, against a baseline taken after the trace and the"
	echo "handle array are loaded) for the plain allocators. *RSS overhead* is"
	echo "resident growth for every row, so zsmalloc's and zbud's metadata"
	echo "(handle table, page and zspage descriptors) counts there. zsmalloc and"
	echo "zbud get pages from a bench page provider that gives a page back to the"
	echo "system when it is freed (madvise DONTNEED), as the kernel's page"
	echo "allocator would; the row \"built-in page provider\" uses the built-in one"
	echo "(2 MiB mmap regions, madvise DONTNEED on free). Plain allocators store each"
	echo "compressed page in its own block; \"+ trim/purge/collect\" rows ask the"
	echo "allocator to give"
	echo "freed memory back after each deletion (malloc_trim(0),"
	echo "mallctl arena.<all>.purge, mi_collect(true) with MIMALLOC_RESET_DELAY=0"
	echo "MIMALLOC_RESET_DECOMMITS=1, without which mimalloc resets lazily and"
	echo "resident memory stays high)."
	echo
	echo "*meta B/obj* is metadata alone: resident growth beyond the pool's"
	echo "pages (zsmalloc, zbud; beyond the stored bytes for plain allocators)"
	echo "per live object; the step tables below show it after every step and,"
	echo "for zsmalloc, split by part (\`zs_pool_meta()\`: handle table, zspage"
	echo "and page descriptors, pfn table; *other* is the rest of the growth)."
	echo
	echo "Rows with \"zs_compact\" call zs_compact() after every deletion (the"
	echo "kernel's zram does it on demand or from the shrinker)."
	echo
	echo "Published (3.19, ext4 on zram, 3.18 tree, no merge / merge): full 5.56% /"
	echo "5.34%, end (8.0 MB compressed) 91.24% / 46.53%."
	echo
	for codec in lzo lz4; do
		for order in archive shuffle; do
			echo "### $codec, $order order"
			echo
			summary $codec $order
			echo
		done
	done
	echo "![overhead ratio per step](../bench/density.png)"
	echo
	echo "### Every step (LZO, archive order)"
	echo
	sed 's/^\([^|].*\)|lzo|archive (/#### \1 (/' "$OUT/steps.md"
	echo
	echo "## Many small blobs"
	echo
	echo "\`bench_blobs --count $BLOBS --seed 1\`: blobs of 16..512 bytes, as many"
	echo "in each power of two (16..31, 32..63, ... 256..511: a store of small"
	echo "records), all stored, then freed in a random order down to a half, a"
	echo "tenth and a hundredth of them. The store's memory is asked back after"
	echo "each step where the row says so. Columns as above: overhead against the"
	echo "blobs' bytes, *used* the pool's pages (resident growth for plain"
	echo "allocators), *meta B/obj* resident growth beyond them per live blob."
	echo "Blobs never move in a plain allocator, nor do zsmalloc's handles: at a"
	echo "hundredth, what stays is the handle table's pages that hold a survivor."
	echo
	cat "$OUT/blobs.md"
	echo
	echo "## Speed"
	echo
	echo "The same stream of stored sizes (LZO, archive order) replayed as"
	echo "operations: store = allocate + write, load = read back, rewrite = free"
	echo "and store another size in its place (the pool stays full: the steady"
	echo "state, few fresh pages), discard = free;"
	echo "zsmalloc and zbud through map/unmap (zsmalloc-obj: the 2025 API,"
	echo "zs_obj_write and zs_obj_read_begin/_end; zsmalloc-builtin-batch: loads"
	echo "through zs_obj_read_batch, 16 objects a call, in the same order), plain"
	echo "allocators with memcpy. Every"
	echo "phase is timed as a whole (T threads: thread i takes every T-th object,"
	echo "one shared pool, ns/op is wall time / all objects). Every backend runs"
	echo "with 1 and 2 threads, zsmalloc and glibc malloc also with 4 and 8."
	echo "Median of $RUNS runs"
	echo "(min-max). Mops/s from the mean of the store, load and discard medians."
	echo "store includes first-touch page faults of fresh memory; zsmalloc's"
	echo "discard with the bench provider includes one madvise per freed page."
	echo
	cat "$SPEED"
	echo
	echo "This machine has $CORES cores: rows with more threads than cores"
	echo "(here from $((CORES + 1)) on) time-share them, so they show the cost of"
	echo "contention and preemption, not parallel speed-up."
	echo
	echo "![ops/s against threads, every phase](../bench/threads.png)"
	echo
	echo "### Load path, one thread (\`bench_loadpath\`)"
	echo
	echo "The load phase taken apart on the same stored sizes: the objects that"
	echo "lie within one page read back in store order through the map path,"
	echo "through parts of it, and by plain memcpy from the address the map"
	echo "gave or from a malloc'd copy of the same bytes. See the notes at the"
	echo "end for what it shows."
	echo
	cat "$OUT/loadpath.md"
	echo
	echo "Physical reference, large copies:"
	echo
	echo "| copy | median | min | max | per byte |"
	echo "|---|---:|---:|---:|---:|"
	echo "$MEMCPY"
	echo
	echo "Physical reference, giving memory back and taking fresh memory"
	echo "(\`bench_release\`): what the system charges per page, by the shape of"
	echo "the ranges and by the way pages are faulted in, with nothing of zsmalloc"
	echo "in the way (see the notes at the end):"
	echo
	cat "$OUT/release.md"
	echo
	echo "### A short pool's life (\`bench_pool_life\`)"
	echo
	echo "Create a pool (built-in provider), store, map, write and free one"
	echo "100-byte object, destroy the pool: ns per life, by configuration. What"
	echo "a pool per device, per request or per test costs, and every fuzz input."
	echo
	cat "$OUT/pool_life.md"
	echo
	[ -f "$ROOT/bench/notes.md" ] && cat "$ROOT/bench/notes.md"
} >"$DOCF"
echo "=== wrote $DOCF, bench/density.png and bench/threads.png"
