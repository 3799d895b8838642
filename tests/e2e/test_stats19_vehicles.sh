#!/usr/bin/env bash
# STATS19 vehicle files (every header generation) and the KSI tables that
# use them: --split vehicle (a collision counts in every family it
# involves) and --involving FAMILY.  Fixtures: tests/fixtures/stats19/
# (2024 layout); then the real Leeds 2019 files (capitalised 2019 names),
# checked against an independent count from the CSV files.
source "$(dirname "$0")/lib.sh"
need_sqlite3
F="$(dirname "$0")/../fixtures/stats19"
W="$T/ws.db"
run 0 "$RS" init --store "$W"
# vehicles given first: collision files still load first
run 0 "$RS" ingest stats19 "$F/vehicles_2024.csv" "$F/casualties_2024.csv" "$F/collisions_2024.csv" --store "$W"
has "$T/out" "vehicles_2024.csv (vehicles): loaded 9, rejected 0, already present 0"
eq "$(sql "$W" "SELECT group_concat(vehicle_type || ':' || coalesce(escooter, ''), ' ') FROM (SELECT * FROM vehicle ORDER BY collision_index, vehicle_ref)")" \
   "9:0 5:0 21:0 9:0 90:1 1:0 11:0 8:0 22:0" "vehicle types and e-scooter flags"
eq "$(sql "$W" "SELECT age_of_driver || ',' || engine_cc FROM vehicle LIMIT 1")" "40,1598" "driver age, engine"
# a re-load stores nothing twice
run 0 "$RS" ingest stats19 "$F/vehicles_2024.csv" --store "$W"
has "$T/out" "loaded 0, rejected 0, already present 9"

# by vehicle: fatal,serious,ksi,slight,casualties per family (worked out by
# hand from the fixture: README of tests/fixtures/stats19)
run 0 "$RS" ksi --by year --split vehicle --store "$W"
for want in "2024,1,2,3,2,5,car," "2024,0,1,1,1,2,motorcycle," "2024,1,0,1,1,2,goods vehicle," \
            "2024,0,0,0,1,1,bus or coach," "2024,0,0,0,1,1,pedal cycle," "2024,0,2,2,0,2,e-scooter," \
            "2024,0,1,1,0,1,other,"; do
  has "$T/out" "$want"
done
lacks "$T/out" "(no vehicle records)"
run 0 "$RS" ksi --by year --split vehicle --format md --store "$W"
has "$T/out" "the rows overlap: a collision counts in every family of vehicle it involves, so the rows add up to more than the 9 casualties"
# --involving filters any table, also the collisions table
run 0 "$RS" ksi --by year --involving goods --collisions --store "$W"
has "$T/out" "2024,1,0,1,1,2,"
has "$T/out" "2024,1,0,1,0,1,"
run 0 "$RS" ksi --by year --involving escooter --split road_user --store "$W"
has "$T/out" "2024,0,1,1,0,1,pedestrian,"
has "$T/out" "2024,0,1,1,0,1,other,"
run 0 "$RS" ksi --by year --involving car --format md --store "$W"
has "$T/out" "in collisions involving a car"
run 0 "$RS" ksi --by year --split vehicle --collisions --out "$T/v.csv" --store "$W"
has "$T/v_collisions.csv" "2024,1,2,3,0,3,car,"
# a collision without vehicle records gets its own row
printf 'collision_index,collision_severity,date\nX1,2,01/03/2024\n' > "$T/c.csv"
printf 'collision_index,vehicle_reference,casualty_reference,casualty_severity\nX1,1,1,2\n' > "$T/k.csv"
run 0 "$RS" ingest stats19 "$T/c.csv" "$T/k.csv" --unlocated-ok --store "$W"
run 0 "$RS" ksi --by year --split vehicle --store "$W"
has "$T/out" "2024,0,1,1,0,1,(no vehicle records),"
has "$T/err" "1 casualty is in collisions without vehicle records, so in no vehicle family"
run 0 "$RS" ksi --by year --store "$W"
lacks "$T/err" "vehicle records"

# bad vehicle rows are rejected with line and column; the rest loads
H="collision_index,collision_year,collision_ref_no,vehicle_reference,vehicle_type,escooter_flag,age_of_driver"
printf '%s\n2024420000001,2024,420000001,9,9,0,40\n2024420000001,2024,420000001,x,9,0,40\n2024420000001,2024,420000001,8,9,2,40\n2024420000001,2024,420000001,7,car,0,40\n2024420000001,2024,420000001,6,9,0,130\nNOPE,2024,1,1,9,0,40\n' "$H" > "$T/bad.csv"
run 1 "$RS" ingest stats19 "$T/bad.csv" --rejects "$T/rej.csv" --store "$W"
has "$T/out" "loaded 1, rejected 5"
has "$T/rej.csv" "bad.csv,3,vehicle_reference,not a reference number"
has "$T/rej.csv" "bad.csv,4,escooter_flag,not 0 or 1"
has "$T/rej.csv" "bad.csv,5,vehicle_type,not an integer code"
has "$T/rej.csv" "bad.csv,6,age_of_driver,age out of range 0-120"
has "$T/rej.csv" "bad.csv,7,collision_index,no such collision in the workspace"

# ---- the real Leeds 2019 files -------------------------------------------------
L="$DATA/stats19/leeds_2019"
need_data "$L/leeds_2019_accidents.csv" "$L/leeds_2019_casualties.csv" "$L/leeds_2019_vehicles.csv"
require python3
LW="$T/leeds.db"
run 0 "$RS" init --store "$LW"
run 0 "$RS" ingest stats19 "$L/leeds_2019_vehicles.csv" "$L/leeds_2019_accidents.csv" "$L/leeds_2019_casualties.csv" --store "$LW"
has "$T/out" "leeds_2019_vehicles.csv (vehicles): loaded 2688, rejected 0"
run 0 "$RS" ksi --by year --split vehicle --out "$T/lv.csv" --store "$LW"
# the same from the CSV files, with the mapping written out again here
python3 - "$L" > "$T/want.txt" <<'PY'
import csv, sys
d = sys.argv[1]
fam = {}
for t in (8, 9, 108, 109): fam[t] = "car"
for t in (2, 3, 4, 5, 23, 97, 103, 104, 105, 106): fam[t] = "motorcycle"
for t in (19, 20, 21, 98, 113): fam[t] = "goods vehicle"
for t in (10, 11, 110): fam[t] = "bus or coach"
fam[1] = "pedal cycle"; fam[33] = "e-scooter"
inv = {}
for r in csv.DictReader(open(d + "/leeds_2019_vehicles.csv", encoding="utf-8-sig")):
    inv.setdefault(r["Accident_Index"], set()).add(fam.get(int(r["Vehicle_Type"]), "other"))
n = {}
for r in csv.DictReader(open(d + "/leeds_2019_casualties.csv", encoding="utf-8-sig")):
    s = int(r["Casualty_Severity"])
    for f in inv.get(r["Accident_Index"], {"(no vehicle records)"}):
        c = n.setdefault(f, [0, 0, 0, 0])
        c[s] += 1
for f in ("car", "motorcycle", "goods vehicle", "bus or coach", "pedal cycle", "e-scooter", "other"):
    c = n.get(f, [0, 0, 0, 0])
    print("2019,%d,%d,%d,%d,%d,%s," % (c[1], c[2], c[1] + c[2], c[3], c[1] + c[2] + c[3], f))
PY
eq "$(wc -l < "$T/want.txt")" 7 "seven families"
while read -r want; do has "$T/lv.csv" "$want"; done < "$T/want.txt"
# KSI involving a motorcycle, as the board asks
mc=$(grep ',motorcycle,' "$T/want.txt" | cut -d, -f4)
run 0 "$RS" ksi --by year --involving motorcycle --store "$LW"
has "$T/out" "2019,$(grep ',motorcycle,' "$T/want.txt" | cut -d, -f2-3),$mc,"
finish
