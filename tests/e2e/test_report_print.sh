#!/usr/bin/env bash
# The board pack on paper (roadsafe report, printed by headless Chromium with
# --no-pdf-header-footer, the browser's own header and footer of date and
# file name turned off) on roadsafe-gen's county, seed 1, quarter 2020Q4:
#   - the pack's print CSS puts its own footer in the page margin (@page
#     margin boxes): "Road safety partnership board pack, QUARTER" and
#     "Page N of M" on every page of the PDF, N running 1..M;
#   - no page holds only a footnote: every page has text besides the notes
#     (p.note) and the footer;
#   - --context draws the county's roads and towns on the pack's maps (the
#     pack differs from one without); a missing context file is refused.
# (The maps' print layout, type >= 8 pt at 182 mm, is tests/unit/test_map_context.c.)
# The PDF's text is read by tests/e2e/pdf_pages.py (python3).
source "$(dirname "$0")/lib.sh"
require python3
CHROMIUM=/usr/bin/chromium
require "$CHROMIUM"
printf 'leak:libfontconfig.so\n' > "$T/lsan.supp"
export LSAN_OPTIONS="suppressions=$T/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
HERE="$(cd "$(dirname "$0")" && pwd)"

run 0 "$GEN" --out "$T/gen" --seed 1
export ROADSAFE_STORE="$T/ws.db" ROADSAFE_KEY_FILE="$T/key"
run 0 "$RS" init
run 0 "$RS" keygen "$ROADSAFE_KEY_FILE"
run 0 "$RS" districts load "$T/gen/districts.shp" --name-field NAME --code-field CODE
run 0 "$RS" ingest telematics --quiet "$T/gen/telematics.csv"
run 0 "$RS" ingest telematics --source fleet --quiet "$T/gen/fleet.csv"
run 0 "$RS" ingest detections --quiet "$T/gen/detections.csv"
run 0 "$RS" ingest stats19 --quiet "$T/gen/collisions.csv" "$T/gen/casualties.csv"
run 0 "$RS" ingest concerns --quiet "$T/gen/concerns.csv"
P="$T/pack.html"
run 0 "$RS" report --quarter 2020Q4 --out "$P" --context "$T/gen/roads.shp,$T/gen/towns.shp"
run 0 "$RS" report --quarter 2020Q4 --out "$T/plain.html"
cmp -s "$P" "$T/plain.html" && fail "--context changed nothing in the pack"
run 2 "$RS" report --quarter 2020Q4 --out "$T/bad.html" --context "$T/gen/nothere.shp"
has "$T/err" "nothere.shp"
[ -e "$T/bad.html" ] && fail "a refused --context still wrote the pack"

# the footer in the print CSS
has "$P" '@bottom-left { content: "Road safety partnership board pack, 2020Q4"'
has "$P" 'counter(page) " of " counter(pages)'

# ---- printed --------------------------------------------------------------------
CHROME_TMP=$(mktemp -d /tmp/rs-chromium.XXXXXX)
trap 'rm -rf "$CHROME_TMP"' EXIT
profile=$(mktemp -d "$T/profile.XXXXXX")
TMPDIR="$CHROME_TMP" timeout 900 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
  --no-first-run --disable-background-networking --disable-component-update --disable-sync \
  --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$profile" \
  --no-pdf-header-footer --print-to-pdf="$T/pack.pdf" "file://$P" >"$T/b.out" 2>"$T/b.err" ||
  fail "chromium --print-to-pdf failed: $(tail -3 "$T/b.err")"
[ "$(head -c 4 "$T/pack.pdf" 2>/dev/null)" = "%PDF" ] || fail "no PDF"
python3 "$HERE/pdf_pages.py" "$T/pack.pdf" >"$T/pages.txt" || fail "cannot read the PDF's text"
python3 - "$T/pages.txt" "$P" >"$T/check.txt" <<'PY' || fail "printed pages: $(cat "$T/check.txt")"
import html as H, re, sys
text = open(sys.argv[1]).read()
pages = re.split(r"=== page \d+ ===\n", text)[1:]
doc = open(sys.argv[2]).read()
notes = [re.sub(r"\s+", "", H.unescape(re.sub(r"<[^>]+>", "", n)))
         for n in re.findall(r'<p class="note">(.*?)</p>', doc, re.S)]
n = len(pages)
print("%d pages" % n)
assert n >= 7, "fewer pages than sections"
for i, p in enumerate(pages, 1):
    flat = re.sub(r"\s+", "", p)
    foot = "Page%dof%d" % (i, n)
    assert foot in flat, "page %d lacks '%s'" % (i, foot)
    assert "Roadsafetypartnershipboardpack,2020Q4" in flat, "page %d lacks the quarter" % i
    assert "file://" not in p and "pack.html" not in flat, "page %d shows the file" % i
    body = flat.replace(foot, "", 1).replace("Roadsafetypartnershipboardpack,2020Q4", "", 1)
    for note in notes:
        body = body.replace(note, "")
    assert len(body) > 40, "page %d holds only a footnote: %r" % (i, p[:200])
PY
finish
