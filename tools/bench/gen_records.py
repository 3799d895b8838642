#!/usr/bin/env python3
"""gen_records.py — national-size record files for tools/bench/ingest_records.sh.

Replicates the sample county's rows (from roadsafe-gen) with new keys, so
every row is one the loaders accept and places inside the sample's
districts:
  detections.csv  N detections (README 'Input formats', section 2: lat/lon
                  layout), a new detection_id and a random plate per row
                  (about N/4 distinct plates), times spread over 2019-2020
  collisions.csv, casualties.csv, vehicles.csv
                  C collisions in the 2024 collision_* layout, each sample
                  collision copied under new collision indexes with its
                  casualties, and a vehicle file with one row per vehicle
                  (vehicle_type from the casualty's type where known)
usage: gen_records.py SAMPLE_DIR OUT_DIR [DETECTIONS] [COLLISIONS]
"""
import csv
import os
import random
import sys


def plates(rng, n):
    letters = "ABCDEFGHJKLMNOPRSTUVWXYZ"
    out = []
    for _ in range(n):
        out.append("%s%s%02d %s" % (rng.choice(letters), rng.choice(letters), rng.randrange(100),
                                    "".join(rng.choice(letters) for _ in range(3))))
    return out


def detections(sample, out, n, rng):
    with open(os.path.join(sample, "detections.csv"), newline="") as f:
        rows = list(csv.reader(f))
    head, rows = rows[0], rows[1:]
    col = {h: i for i, h in enumerate(head)}
    pool = plates(rng, max(1, n // 4))
    base = 1546300800  # 2019-01-01T00:00:00Z
    span = 2 * 365 * 86400
    with open(os.path.join(out, "detections.csv"), "w") as f:
        f.write(",".join(head) + "\n")
        m = len(rows)
        for i in range(n):
            r = list(rows[i % m])
            r[col["detection_id"]] = "N%s-%08d" % (r[col["device_id"]], i)
            t = base + (i * span) // n + rng.randrange(60)
            d, s = divmod(t, 86400)
            # civil date from days (Howard Hinnant's algorithm)
            z = d + 719468
            era = z // 146097
            doe = z - era * 146097
            yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
            y = yoe + era * 400
            doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
            mp = (5 * doy + 2) // 153
            dd = doy - (153 * mp + 2) // 5 + 1
            mm = mp + 3 if mp < 10 else mp - 9
            y += mm <= 2
            r[col["timestamp"]] = "%04d-%02d-%02dT%02d:%02d:%02dZ" % (
                y, mm, dd, s // 3600, s // 60 % 60, s % 60)
            r[col["vrm"]] = pool[rng.randrange(len(pool))]
            f.write(",".join(r) + "\n")


VEH_OF_CASUALTY = {"0": "9", "1": "1", "2": "2", "3": "3", "4": "4", "5": "5", "8": "8",
                   "9": "9", "10": "10", "11": "11", "19": "19", "20": "20", "21": "21",
                   "90": "90", "97": "97", "98": "98"}


def stats19(sample, out, ncoll, rng):
    with open(os.path.join(sample, "collisions.csv"), newline="") as f:
        crow = list(csv.reader(f))
    with open(os.path.join(sample, "casualties.csv"), newline="") as f:
        krow = list(csv.reader(f))
    chead, crow = crow[0], crow[1:]
    khead, krow = krow[0], krow[1:]
    cc = {h: i for i, h in enumerate(chead)}
    kc = {h: i for i, h in enumerate(khead)}
    by_coll = {}
    for k in krow:
        by_coll.setdefault(k[kc["collision_index"]], []).append(k)
    vhead = ["collision_index", "collision_year", "collision_ref_no", "vehicle_reference",
             "vehicle_type", "towing_and_articulation", "sex_of_driver", "age_of_driver",
             "age_band_of_driver", "engine_capacity_cc", "propulsion_code", "age_of_vehicle",
             "escooter_flag"]
    m = len(crow)
    with open(os.path.join(out, "collisions.csv"), "w") as fc, \
            open(os.path.join(out, "casualties.csv"), "w") as fk, \
            open(os.path.join(out, "vehicles.csv"), "w") as fv:
        fc.write(",".join(chead) + "\n")
        fk.write(",".join(khead) + "\n")
        fv.write(",".join(vhead) + "\n")
        for i in range(ncoll):
            c = list(crow[i % m])
            old = c[cc["collision_index"]]
            year = c[cc["collision_year"]]
            ref = "%09d" % (500000000 + i)
            idx = year + ref
            c[cc["collision_index"]] = idx
            c[cc["collision_reference"]] = ref
            fc.write(",".join(c) + "\n")
            types = {}
            for k in by_coll.get(old, []):
                k = list(k)
                k[kc["collision_index"]] = idx
                k[kc["collision_reference"]] = ref
                types.setdefault(k[kc["vehicle_reference"]],
                                 VEH_OF_CASUALTY.get(k[kc["casualty_type"]], "9"))
                fk.write(",".join(k) + "\n")
            nveh = c[cc["number_of_vehicles"]]
            nveh = int(nveh) if nveh.lstrip("-").isdigit() and int(nveh) > 0 else 1
            for v in range(1, nveh + 1):
                vt = types.get(str(v), "9")
                fv.write(",".join([idx, year, ref, str(v), vt, "0", str(rng.choice((1, 2))),
                                   str(rng.randrange(17, 90)), "-1", str(rng.choice((998, 1598, 1968))),
                                   "1", str(rng.randrange(0, 20)), "0"]) + "\n")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sample, out = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 2000000
    ncoll = int(sys.argv[4]) if len(sys.argv) > 4 else 1000000
    os.makedirs(out, exist_ok=True)
    rng = random.Random(18)
    if n > 0:
        detections(sample, out, n, rng)
    if ncoll > 0:
        stats19(sample, out, ncoll, rng)


if __name__ == "__main__":
    main()
