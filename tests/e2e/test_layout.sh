#!/usr/bin/env bash
# test_layout.sh — the layout is the architecture: each folder is a layer,
# and a layer includes only its own headers and those of the layers below
#   geo <- base <- store <- ingest
#                        <- analysis <- output <- report <- tools/roadsafe
# A private header (*_int.h) is included only inside its own folder.  The
# build enforces the same through include directories and link order (a
# layer sees only the layers it links); this check reads the sources, so
# it also catches a header that happens to resolve by another path.  And
# no source file is longer than MAX_LINES (a file that long holds more than
# one idea: split it).
source "$(dirname "$0")/lib.sh"
MAX_LINES=750
ROOT=$(pwd)

allowed() { # the layers a file in layer $1 may include
  case $1 in
    geo) echo "geo" ;;
    base) echo "geo base" ;;
    store) echo "geo base store" ;;
    ingest) echo "geo base store ingest" ;;
    analysis) echo "geo base store analysis" ;;
    output) echo "geo base store analysis output" ;;
    report) echo "geo base store analysis output report" ;;
    roadsafe) echo "geo base store ingest analysis output report roadsafe" ;;
  esac
}
layer_of_dir() { # geo/..., engine/X/..., tools/roadsafe/...
  case $1 in
    geo/*) echo geo ;;
    engine/*/*) local r=${1#engine/}; echo "${r%%/*}" ;;
    tools/roadsafe/*) echo roadsafe ;;
  esac
}

# header name -> layer
declare -A home
files=$(cd "$ROOT" && ls geo/*.[ch] engine/*/*.[ch] tools/roadsafe/*.[ch])
for f in $files; do
  case $f in *.h) h=$(basename "$f")
    [ -n "${home[$h]:-}" ] && fail "two headers named $h: ${home[$h]} and $f"
    home[$h]=$f ;;
  esac
done
[ "$(echo "$files" | grep -c '^engine/')" -gt 40 ] || fail "the engine's layers were not found under engine/*/"

checked=0
for f in $files; do
  me=$(layer_of_dir "$f")
  ok=" $(allowed "$me") "
  [ "$ok" = "  " ] && { fail "$f is in no known layer (engine/{base,store,ingest,analysis,output,report}, geo, tools/roadsafe)"; continue; }
  while IFS= read -r inc; do
    [ -n "$inc" ] || continue
    h=$(basename "$inc")
    where=${home[$h]:-}
    [ -n "$where" ] || continue # generated (schema_sql.h) or a system header in quotes
    them=$(layer_of_dir "$where")
    checked=$((checked + 1))
    case "$ok" in *" $them "*) ;; *) fail "$f ($me) includes $h ($them): against the arrows" ;; esac
    case $h in *_int.h)
      [ "$(dirname "$where")" = "$(dirname "$f")" ] || fail "$f includes $h, private to $(dirname "$where")" ;;
    esac
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$ROOT/$f")
  n=$(wc -l < "$ROOT/$f")
  [ "$n" -le "$MAX_LINES" ] || fail "$f has $n lines (at most $MAX_LINES: split it)"
done
[ "$checked" -gt 200 ] || fail "only $checked includes were checked"
echo "layout: $(echo "$files" | wc -l) files, $checked includes checked"


[ "$FAILS" -eq 0 ] && echo ok || { echo "$FAILS failure(s)"; exit 1; }
