#!/usr/bin/env bash
# A stray quote loses its own line only: reading resumes on the next line,
# and every physical line of an input is either loaded or rejected (the
# summary and the rejects file add up to the input's lines).  It used to
# swallow the rest of the file (concerns: "loaded 0, rejected 1") or the
# next 64 KiB (telematics: "rejected 1 (lines 2-1048 skipped)").
source "$(dirname "$0")/lib.sh"

run 0 "$GEN" --out "$T/gen" --seed 3
G="$T/gen"
W="$T/ws.db"
run 0 "$RS" init --store "$W"
run 0 "$RS" districts load "$G/districts.shp" --name-field NAME --code-field CODE --store "$W"

# summary FILE: "loaded rejected" from the last ingest's summary line
summary() {
  sed -n "s/^.*(.*): loaded \([0-9]*\), rejected \([0-9]*\),.*/\1 \2/p" "$T/out"
}
# adds_up FILE REJECTS: loaded + rejected = data lines, rejects file agrees
adds_up() {
  local lines loaded rejected
  lines=$(($(wc -l < "$1") - 1))
  read -r loaded rejected <<< "$(summary)"
  eq "$((loaded + rejected))" "$lines" "$(basename "$1"): loaded + rejected against data lines"
  eq "$(($(wc -l < "$2") - 1))" "$rejected" "$(basename "$1"): rows in the rejects file"
}

# concerns: an opening quote on line 2 that never closes
n=$(($(wc -l < "$G/concerns.csv") - 1))
sed '2s/,public$/,"CSW/; 2s/,CSW$/,"CSW/; 2s/,council$/,"CSW/; 2s/,other$/,"CSW/' \
  "$G/concerns.csv" > "$T/c1.csv"
grep -q '"CSW$' "$T/c1.csv" || fail "the test file has no stray quote"
run 1 "$RS" ingest concerns "$T/c1.csv" --store "$W" --rejects "$T/r1.csv"
eq "$(summary)" "$((n - 1)) 1" "concerns with a stray quote on line 2 (loaded, rejected)"
adds_up "$T/c1.csv" "$T/r1.csv"
has "$T/r1.csv" "c1.csv,2,,unterminated quote (reading resumes at the next line)"

# concerns: several kinds of quote trouble, each losing its line only
awk 'NR == 10 { sub(/,[a-zA-Z]+$/, ",\"council") }            # never closes
     NR == 40 { sub(/,[a-zA-Z]+$/, ",\"pub\"lic") }            # closes, text after
     NR == 41 { sub(/^/, "\"") }                               # opens at line start
     NR == 300 { sub(/,[a-zA-Z]+$/, ",\"a\nb\"") }             # a good 2-line field
     { print }' "$G/concerns.csv" > "$T/c2.csv"
run 1 "$RS" ingest concerns "$T/c2.csv" --store "$W" --rejects "$T/r2.csv"
read -r loaded rejected <<< "$(summary)"
# line 300's record spans two lines and is one record (rejected for its source)
eq "$((loaded + rejected + 1))" "$(($(wc -l < "$T/c2.csv") - 1))" "c2.csv: every line counted"
eq "$rejected" "4" "c2.csv: rejected"
eq "$(($(wc -l < "$T/r2.csv") - 1))" "$rejected" "c2.csv: rows in the rejects file"
has "$T/r2.csv" "c2.csv,10,,unterminated quote"
has "$T/r2.csv" "c2.csv,300,source,"

# telematics (the threaded reader): a quote on line 2, and one on line 5000
sed '2s/,\([0-9]*\)$/,"\1/; 5000s/^/"/' "$G/telematics.csv" > "$T/t1.csv"
run 1 "$RS" ingest telematics "$T/t1.csv" --store "$W" --quiet --rejects "$T/r3.csv"
adds_up "$T/t1.csv" "$T/r3.csv"
eq "$(summary | cut -d' ' -f2)" "2" "telematics with two stray quotes: rejected"
has "$T/r3.csv" "t1.csv,2,,unterminated quote (reading resumes at the next line)"
has "$T/r3.csv" "t1.csv,5000,,"
lacks "$T/r3.csv" "skipped"

# the same, gzip-compressed from standard input
gzip -c "$T/t1.csv" > "$T/t1.csv.gz"
run 0 "$RS" init --store "$T/ws2.db"
run 1 "$RS" ingest telematics - --store "$T/ws2.db" --quiet --rejects "$T/r4.csv" < "$T/t1.csv.gz"
eq "$(summary | cut -d' ' -f2)" "2" "telematics from gzip on stdin: rejected"
finish
