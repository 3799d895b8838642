#!/usr/bin/env bash
# roadsafe ksi on the real Essex January 2023 collisions (public test data)
# by district on the real boundaries.  Skipped when absent.
source "$(dirname "$0")/lib.sh"

# Under -DROADSAFE_SANITIZE: fontconfig (below cairo's text API) keeps a
# few hundred bytes for the life of the process; not ours to free.
printf 'leak:libfontconfig.so\n' > "$T/lsan.supp"
export LSAN_OPTIONS="suppressions=$T/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

E="$DATA/stats19/essex_pf42_collisions_2023_sample.csv"
B="$DATA/boundaries/essex_lad_wards2013_dissolved.shp"
need_data "$E" "$B"
EW="$T/essex.db"
run 0 "$RS" init --store "$EW"
run 0 "$RS" districts load "$B" --name-field LADNM --code-field LADCD --store "$EW"
run 0 "$RS" ingest stats19 "$E" --store "$EW"
run 0 "$RS" ksi --by month --collisions --split district --out "$T/essex.csv" --store "$EW"
has "$T/essex_collisions.csv" "2023-01,"
grep -q '^2023-01,[0-9]*,[0-9]*,[0-9]*,[0-9]*,14,Chelmsford,' "$T/essex_collisions.csv" ||
  fail "Chelmsford should have 14 collisions in January 2023"
eq "$(awk -F, 'NR > 1 { s += $6 } END { print s }' "$T/essex_collisions.csv")" 91 "Essex collisions"
eq "$(awk -F, 'NR > 1 { s += $4 } END { print s }' "$T/essex_collisions.csv")" 33 "Essex KSI collisions"
has "$T/err" "no casualties in the workspace"
finish
