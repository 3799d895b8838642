#!/usr/bin/env bash
# roadsafe report end to end: help and usage errors (exit 2); the board pack
# of the generated county (seed 3) for 2020Q2: every section heading, an alt
# text and a data: URI on every image, no script, no external reference, the
# headline against `roadsafe ksi`, the district table's detections against
# the store, rejected rows in the data-quality section, byte-identical
# reruns, no temporary file left; financial labels and a district subset;
# then the pack in headless Chromium (Debian's `chromium`): a screenshot, a
# PDF, and no console error or failed load.  The browser part is skipped,
# saying so, when /usr/bin/chromium is absent.
source "$(dirname "$0")/lib.sh"

# Under -DROADSAFE_SANITIZE: fontconfig (below cairo's text API) keeps a
# few hundred bytes for the life of the process; not ours to free.
printf 'leak:libfontconfig.so\n' > "$T/lsan.supp"
export LSAN_OPTIONS="suppressions=$T/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# the pack draws its images in a private directory under TMPDIR
mkdir -p "$T/tmp"
export TMPDIR="$T/tmp"

# ---- help and usage errors -----------------------------------------------------
run 0 "$RS" report --help
has "$T/out" "usage: roadsafe report"
for o in --quarter --financial --districts --out --store; do
  has "$T/out" "$o"
done
run 0 "$RS" --help
has "$T/out" "report"

W="$T/ws.db"
run 2 "$RS" report --quarter 2020Q2 --out "$T/p.html" --store "$T/none.db"
has "$T/err" "no workspace at"
run 0 "$RS" init --store "$W"
run 2 "$RS" report --out "$T/p.html" --store "$W"
has "$T/err" "--quarter is required"
run 2 "$RS" report --quarter 2020Q2 --store "$W"
has "$T/err" "--out FILE.html is required"
run 2 "$RS" report --quarter 2020 --out "$T/p.html" --store "$W"
has "$T/err" "--quarter '2020' is not a quarter"
run 2 "$RS" report --quarter 2020Q5 --out "$T/p.html" --store "$W"
run 2 "$RS" report --quarter 2020-04 --out "$T/p.html" --store "$W"
run 2 "$RS" report --quarter 2020Q2 --bogus --out "$T/p.html" --store "$W"
has "$T/err" "unknown option '--bogus'"
run 2 "$RS" report --quarter 2020Q2 --out "$T/p.html" extra --store "$W"
run 2 "$RS" report --quarter 2020Q2 --districts "a,,b" --out "$T/p.html" --store "$W"
has "$T/err" "--districts is all"
run 2 "$RS" report --quarter 2020Q2 --districts Kingsmoor --out "$T/p.html" --store "$W"
has "$T/err" "no districts loaded"
run 2 "$RS" report --quarter 2020Q2 --out "$T" --store "$W"
has "$T/err" "is a directory"
[ -e "$T/p.html" ] && fail "a refused run wrote the pack"

# ---- the generated county ----------------------------------------------------------
run 0 "$GEN" --out "$T/gen" --seed 3
export ROADSAFE_KEY_FILE="$T/key"
run 0 "$RS" keygen "$ROADSAFE_KEY_FILE"
run 0 "$RS" districts load "$T/gen/districts.shp" --name-field NAME --code-field CODE --store "$W"
run 0 "$RS" ingest telematics "$T/gen/telematics.csv" --quiet --store "$W"
run 0 "$RS" ingest telematics --source fleet "$T/gen/fleet.csv" --quiet --store "$W"
run 0 "$RS" ingest detections "$T/gen/detections.csv" --quiet --store "$W"
run 0 "$RS" ingest stats19 "$T/gen/collisions.csv" "$T/gen/casualties.csv" --quiet --store "$W"
run 0 "$RS" ingest concerns "$T/gen/concerns.csv" --quiet --store "$W"
# two bad concern rows, so the data-quality section has rejects to show
cat > "$T/bad_concerns.csv" <<'EOF'
timestamp,lat,lon,source
2020-05-02T10:00:00Z,51.75,0.60,CSW
2020-05-02T11:00:00Z,95.0,0.60,CSW
2020-05-02T12:00:00Z,51.75,0.60,nobody
EOF
run 1 "$RS" ingest concerns "$T/bad_concerns.csv" --quiet --store "$W"

run 2 "$RS" report --quarter 2020Q2 --districts Nowhere --out "$T/p.html" --store "$W"
has "$T/err" "no district 'Nowhere'; the workspace has: Kingsmoor"

P="$T/pack.html"
run 0 "$RS" report --quarter 2020Q2 --out "$P" --store "$W"
has "$T/out" "board pack for 2020Q2 written to $P"
[ -s "$P" ] || fail "the pack was not written"

# every section, in order, and the parts within them
has "$P" '<html lang="en-GB">'
has "$P" "<h1>Road safety partnership board pack: 2020Q2</h1>"
heads=$(grep -o '<h[1-3][^>]*>[^<]*</h[1-3]>' "$P" | sed 's/<[^>]*>//g' | tr '\n' '|')
eq "$heads" "Road safety partnership board pack: 2020Q2|1. KSI headline|2. KSI trend|3. Districts|District funnel plot|4. Weekend speeding heat map|5. Reoffending: TRUCAM against GATSO|Survival curves|6. Weekend plan for 2020Q3|District scores|7. Data quality|Files and rejected rows|Collisions without a location|Coverage of each source by month|" \
  "headings in order"
for c in "Casualties and collisions in 2020Q2 against 2019Q2" \
         "KSI casualties by quarter, 2017Q3 to 2020Q2" \
         "KSI casualties, detections and concerns by district, 2020Q2" \
         "The 10 squares with the highest weekend share over the threshold, 2020Q2" \
         "Reoffending within 12 months of the first detection" \
         "Each device against TRUCAM (the reference)" \
         "Cumulative reoffending (Kaplan-Meier) with 95% intervals" \
         "Files loaded and rows rejected, by kind" \
         "Rejected rows by kind, column and reason (2 rows in all)" \
         "Collisions without a usable location" \
         "Rows per month of each source, 2019-07 to 2020-06"; do
  has "$P" "<caption>$c"
done
has "$P" '<th scope="col">measure</th>'
has "$P" '<th scope="row">County total</th>'
has "$P" '<th scope="row">2020-06</th>'
has "$P" "@page { size: A4;"
has "$P" "tr { break-inside: avoid;"
has "$P" "section { break-before: page;"
has "$P" "img { max-width: 100%;"
has "$P" "<caption>Weekend plan for 2020Q3: the district for each weekend"
has "$P" "<caption>District scores at the start of the quarter"

# images: a data: URI and a non-empty alt on every one; nothing fetched
grep -o '<img [^>]*>' "$P" > "$T/imgs"
nimg=$(wc -l < "$T/imgs")
[ "$nimg" -ge 3 ] || fail "expected at least 3 images (trend, map, survival), got $nimg"
while IFS= read -r img; do
  case "$img" in
    '<img src="data:image/png;base64,iVBORw0KGgo'*) ;;
    *) fail "an image is not an embedded PNG: ${img:0:80}" ;;
  esac
  alt=$(printf '%s' "$img" | grep -o ' alt="[^"]*"' | head -1)
  [ ${#alt} -gt 20 ] || fail "an image has no alt text: ${img:0:60}...${img: -80}"
done < "$T/imgs"
lacks "$P" "<script"
lacks "$P" "http://"
lacks "$P" "https://"
lacks "$P" 'src="/'
lacks "$P" 'href="/'
lacks "$P" "url("
[ "$(grep -o 'href="[^"#][^"]*"' "$P" | wc -l)" -eq 0 ] || fail "a link leaves the page"

# the headline agrees with roadsafe ksi
run 0 "$RS" ksi --from 2020Q2 --to 2020Q2 --store "$W"
IFS=, read -r _ _ _ ksi _ _ before _ < <(sed -n 2p "$T/out")
has "$P" "KSI casualties: $ksi in 2020Q2 against $before in 2019Q2"
# the district table's detections agree with the store (UK April 1 00:00 = 23:00Z)
det=$(sql "$W" "SELECT count(*) FROM detection WHERE t >= strftime('%s','2020-03-31 23:00:00') AND t < strftime('%s','2020-06-30 23:00:00')")
detc=$(printf '%s' "$det" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta')
grep -q "<th scope=\"row\">County total</th>.*<td class=\"num\">$detc</td>" "$P" ||
  fail "county detections in the quarter should be $detc"
# the plan agrees with roadsafe weekends (ranked, cooldown 2) for the 13
# weekends of 2020Q3
run 0 "$RS" weekends --start 2020-07-01 --count 13 --cooldown 2 --store "$W"
awk -F, 'NR > 1 && NF > 2 && $1 ~ /^2020-/ { print $2 }' "$T/out" | head -13 > "$T/plan.cli"
eq "$(wc -l < "$T/plan.cli")" 13 "weekends planned by roadsafe weekends"
grep -o '<tr><th scope="row">[0-9]* [A-Z][a-z]* 2020</th><td>[^<]*</td>' "$P" |
  sed 's/.*<td>//; s/<\/td>//' > "$T/plan.pack"
cmp -s "$T/plan.cli" "$T/plan.pack" ||
  fail "the pack's plan differs from roadsafe weekends: $(paste -d' ' "$T/plan.cli" "$T/plan.pack" | head -3)"
has "$P" "<th scope=\"row\">4 July 2020</th>"
has "$P" "reoffended within 12 months"

# deterministic, and nothing left behind
run 0 "$RS" report --quarter 2020Q2 --out "$T/pack2.html" --store "$W"
cmp -s "$P" "$T/pack2.html" || fail "a second run differs"
ls "$T" | grep -q '\.tmp\.' && fail "a temporary file was left beside the pack"
[ -z "$(ls -A "$T/tmp")" ] || fail "the private image directory was left: $(ls "$T/tmp")"
run 3 "$RS" report --quarter 2020Q2 --out "$T/no/such/dir/p.html" --store "$W"

# financial labels, and two districts
run 0 "$RS" report --quarter 2020/21Q1 --financial --out "$T/fin.html" --store "$W"
has "$T/fin.html" "<h1>Road safety partnership board pack: 2020/21 Q1</h1>"
has "$T/fin.html" "against the same quarter a year earlier (2019/20 Q1)"
run 0 "$RS" report --quarter 2020Q2 --districts "wexley cross, X00000013" --out "$T/two.html" \
  --store "$W"
has "$T/two.html" "Wexley Cross, Hollins End (2 of 14)"
has "$T/two.html" '<th scope="row">Chosen districts</th>'
lacks "$T/two.html" '<th scope="row">Kingsmoor</th>'

# ---- in a browser ----------------------------------------------------------------
CHROMIUM=/usr/bin/chromium
require "$CHROMIUM"
# A fresh profile each time; no network at all (every host name fails to
# resolve), so a reference the pack should not have would show as an error.
# Chromium puts its singleton socket under TMPDIR, and a Unix socket path
# is limited to 107 bytes: a deep checkout would make it abort ("Socket path
# too long"), so it gets a short private TMPDIR of its own under /tmp.
CHROME_TMP=$(mktemp -d /tmp/rs-chromium.XXXXXX)
trap 'rm -rf "$CHROME_TMP"' EXIT
browse() {
  local profile
  profile=$(mktemp -d "$T/profile.XXXXXX")
  TMPDIR="$CHROME_TMP" timeout 900 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --host-resolver-rules="MAP * ~NOTFOUND" --enable-logging=stderr --v=0 \
    --user-data-dir="$profile" "$@" "file://$P"
}
browse --screenshot="$T/shot.png" --window-size=1280,2000 >"$T/b1.out" 2>"$T/b1.err" ||
  fail "chromium --screenshot failed: $(tail -3 "$T/b1.err")"
[ -s "$T/shot.png" ] || fail "no screenshot"
[ "$(head -c 8 "$T/shot.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
  fail "the screenshot is not a PNG"
browse --print-to-pdf="$T/pack.pdf" --no-pdf-header-footer >"$T/b2.out" 2>"$T/b2.err" ||
  fail "chromium --print-to-pdf failed: $(tail -3 "$T/b2.err")"
[ -s "$T/pack.pdf" ] || fail "no PDF"
[ "$(head -c 4 "$T/pack.pdf")" = "%PDF" ] || fail "the PDF does not start with %PDF"
pages=$(grep -ao '/Type */Pages\?' "$T/pack.pdf" | grep -c 'Page$' || true)
[ "$pages" -ge 7 ] || fail "the PDF should have a page per section at least, has $pages"
browse --dump-dom --log-net-log="$T/net.json" >"$T/dom.html" 2>"$T/b3.err" ||
  fail "chromium --dump-dom failed"
has "$T/dom.html" '<h2 id="quality-h">7. Data quality</h2>'
# The network log holds every request the browser tried: its own (Google
# update, time and account hosts, refused by the resolver rule) and the
# page's, of which there must be none.
if [ -s "$T/net.json" ]; then
  grep -o '"url":"[^"]*"' "$T/net.json" |
    grep -vE '"url":"(https?://([a-z0-9-]+[.])*(google[.]com|googleapis[.]com|gstatic[.]com)(/|")|file:|data:)' \
      >"$T/requests" || true
  [ -s "$T/requests" ] && fail "the page made requests: $(head -3 "$T/requests")"
else
  fail "chromium wrote no network log"
fi
for e in "$T/b1.err" "$T/b2.err" "$T/b3.err"; do
  if grep -E ':CONSOLE|Uncaught|Failed to load resource|net::ERR_|Not allowed to load' "$e" \
       >"$T/console"; then
    fail "the browser reported errors: $(head -3 "$T/console")"
  fi
done
echo "browser: screenshot $T/shot.png, PDF $T/pack.pdf ($pages pages)"

finish
