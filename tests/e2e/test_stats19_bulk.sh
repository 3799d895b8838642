#!/usr/bin/env bash
# A big STATS19 collision load (100,000 rows and more, at least a quarter of
# the collisions stored) sets the table's time index aside and builds it
# again before it commits (rs_store_indexes_drop): afterwards the index is
# there with its own SQL, holds every collision, the workspace passes its
# schema and integrity checks, and a re-load finds every row present.
# Fixture: 130,000 collisions in the 2024 layout, written here.
source "$(dirname "$0")/lib.sh"
need_sqlite3
F="$(dirname "$0")/../fixtures/stats19"
W="$T/ws.db"
N=130000
{ head -n 1 "$F/collisions_2024.csv"
  sed -n 2p "$F/collisions_2024.csv" | awk -F, -v OFS=, -v n="$N" '{
    for (i = 1; i <= n; i++) {
      $1 = sprintf("2024%09d", i); $3 = sprintf("%09d", i)
      $4 = 560000 + (i * 37) % 30000; $5 = 190000 + (i * 53) % 30000
      $12 = sprintf("%02d/%02d/2024", 1 + i % 28, 1 + i % 12)
      $14 = sprintf("%02d:%02d", i % 24, i % 60)
      print } }'; } > "$T/big.csv"
run 0 "$RS" init --store "$W"
run 0 "$RS" ingest stats19 "$F/collisions_2023.csv" --store "$W"
small=$(sql "$W" "SELECT count(*) FROM collision")
run 0 "$RS" ingest stats19 "$T/big.csv" --store "$W"
has "$T/out" "loaded $N, rejected 0"
eq "$(sql "$W" "SELECT sql FROM sqlite_master WHERE name = 'collision_time'")" \
   "CREATE INDEX collision_time ON collision(t)" "the time index, as the schema has it"
eq "$(sql "$W" "SELECT count(*) FROM collision INDEXED BY collision_time WHERE t IS NOT NULL")" \
   "$(sql "$W" "SELECT count(*) FROM collision NOT INDEXED WHERE t IS NOT NULL")" "collisions in the time index"
eq "$(sql "$W" "SELECT count(*) FROM collision")" "$((small + N))" "collisions stored"
eq "$(sql "$W" "PRAGMA integrity_check")" "ok" "integrity after a big load"
run 0 "$RS" info --store "$W"
run 0 "$RS" ksi --by year --store "$W"
run 0 "$RS" ingest stats19 "$T/big.csv" --store "$W"
has "$T/out" "loaded 0, rejected 0, already present $N"
finish
