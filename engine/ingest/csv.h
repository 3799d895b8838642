/*
 * csv.h — the one streaming CSV reader for every input kind.
 *
 * RFC 4180: comma separated, fields optionally in double quotes, a quote
 * inside a quoted field doubled, commas and newlines allowed inside quotes;
 * LF or CRLF line ends; a leading UTF-8 BOM is skipped.  Plain files,
 * gzip files (recognised by their magic bytes, whatever the name) and "-"
 * (standard input) are read the same way, through zlib.
 *
 * Memory is bounded: one record is held at a time, in a buffer that never
 * grows beyond RS_CSV_RECORD_MAX bytes.  A longer record is reported as a
 * bad record ("record longer than 65536 bytes") and skipped up to the next
 * line end; reading goes on (the first LF at or after the record's
 * 65537th byte, for a long line).
 *
 * Resynchronisation after a quote that does not close.  A quoted field may
 * span lines only as part of a good record.  When a record's quote is
 * still open at the end of its first physical line and the record it
 * would make is bad — longer than the limit (the quote never closes
 * within 64 KiB), unterminated at end of file, or with a quoting, byte or
 * (past the header) field-count problem — only that first line is taken,
 * as a record with the problem "unterminated quote (reading resumes at
 * the next line)" (or its own, as a single line), and the next record
 * starts on the next line.  Every physical line is so either part of a
 * good record or reported under its own line number.  Cost: within the
 * stretch of lines a rejected record would have covered, at most
 * RS_CSV_RESYNC_TRIES further lines whose quote is open at their end are
 * tried as the start of a multi-line record; later ones there are
 * rejected alone without reading on, so a file made of such lines costs a
 * bounded multiple of its size, not 64 KiB a line.  The header is not
 * resynchronised: a header whose quote does not close refuses the file.
 *

 * Quoting is strict.  A '"' opens a quoted field only as the first byte of
 * a field; anywhere else in an unquoted field it is refused ("stray quote
 * in unquoted field"), and anything but a comma or the line end after a
 * closing quote is refused ("text after closing quote") — RFC 4180 forbids
 * both, and accepting them would guess where the field ends.  Such a record
 * is still split (the quote kept literally) so it can be shown in the
 * rejects, and reading goes on with the next record.  A CR is dropped only
 * right before the line end.  A line with nothing on it (or only a CR) is
 * not a record: it is skipped, though it still counts for line numbers.
 *
 * Header: leading blank lines are skipped; names are trimmed of spaces and
 * tabs (rs_csv_header returns the trimmed name); empty names may repeat
 * (spreadsheets leave trailing empty columns), others may not.  UTF-16 and
 * UTF-32 byte-order marks, NUL bytes (UTF-16 without a mark) and invalid
 * UTF-8 (Latin-1) in the header refuse the file with a message naming the
 * likely encoding; a header of one column containing ';', tabs or '|'
 * refuses it as "not comma-separated".
 *
 * Problems with one record (too long, unterminated quote at end of file, a
 * NUL byte, invalid UTF-8, a field count different from the header's) do not
 * stop the reader: rs_csv_next() returns the record with
 * rs_csv_record_problem() set, and the caller writes it to the rejects.
 * Problems with the file as a whole (cannot open, empty, no header, header
 * with NUL bytes or invalid UTF-8, another delimiter (; tab |), a duplicated
 * column name, a gzip stream that is corrupt) are errors: RS_EINPUT with
 * "FILE: reason" (and ":LINE" where one applies).
 *
 * A SHA-256 of the (decompressed) bytes is kept as they are read, so a file
 * can be recognised when loaded again under another name.
 */
#ifndef RS_CSV_H
#define RS_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "rs_err.h"

#define RS_CSV_RECORD_MAX 65536
#define RS_CSV_RESYNC_TRIES 16

typedef struct rs_csv rs_csv;

/* Opens path ("-" = stdin) and reads the header.  display_name is used in
 * messages (NULL: path).  Returns 0 and *out, or RS_EINPUT / RS_EIO. */
int rs_csv_open(rs_err *e, const char *path, const char *display_name, rs_csv **out);
void rs_csv_close(rs_csv *c);

/* Header. Column names are compared case-insensitively, surrounding spaces
 * ignored. */
size_t rs_csv_header_count(const rs_csv *c);
const char *rs_csv_header(const rs_csv *c, size_t i);
/* Index of the column with this name, or -1. */
int rs_csv_col(const rs_csv *c, const char *name);

/* Reads the next record.  Returns 1 when a record was read (check
 * rs_csv_record_problem), 0 at end of file, RS_EIO / RS_EINPUT on a read
 * or decompression failure (message in e). */
int rs_csv_next(rs_csv *c, rs_err *e);

/* NULL when the record is good, else a short reason for the rejects file:
 * "record longer than 65536 bytes", "unterminated quote[ (reading resumes
 * at the next line)]", "NUL byte", "not valid UTF-8", "stray quote in unquoted field",
 * "text after closing quote", "N fields, header has M" (the first that
 * applies, in that order).  A too-long record has no fields; the others
 * keep theirs. */
const char *rs_csv_record_problem(const rs_csv *c);
/* Physical line (1-based) where the current record starts. */
long rs_csv_line(const rs_csv *c);
size_t rs_csv_nfields(const rs_csv *c);
/* Field i of the current record, NUL-terminated, quotes removed; "" when i
 * is beyond the record.  *len (may be NULL) gets its length. Borrowed until
 * the next rs_csv_next(). */
const char *rs_csv_field(const rs_csv *c, size_t i, size_t *len);

/* ---- parallel reading ------------------------------------------------
 *
 * For loaders that split records over threads.  The thread that owns the
 * file takes runs of simple records in bulk with rs_csv_take_plain and
 * reads the rest one at a time with rs_csv_next; each worker splits the
 * runs it is given with a memory reader of its own.  Either way a record
 * gets exactly the fields, line number and problem a single rs_csv_next
 * loop would give it. */

typedef struct rs_csv_span {
    const unsigned char *bytes; /* borrowed until the next call on the reader */
    size_t len;
    long first_line;            /* physical line of bytes[0] */
    size_t lines;               /* line ends (LF) inside the span */
} rs_csv_span;

/* When the data at the reader's position holds a run of at least
 * min_bytes (or everything to the end of the file) with no '"', takes the
 * whole lines of that run — at most max_lines line ends, and the last line
 * of the file even without one — and returns 1 with *span; the reader
 * goes on after them.  Returns 0 when the next record has to be read with
 * rs_csv_next (a quote is near, a line is not wholly buffered, or the file
 * is at its end), or an RS_E code on a read failure. */
int rs_csv_take_plain(rs_csv *c, rs_err *e, size_t max_lines, size_t min_bytes,
                      rs_csv_span *span);

/* A reader over bytes in memory, for a worker: records are then read with
 * rs_csv_next and the accessors above, checked against a header of nhdr
 * columns.  rs_csv_mem_set points it at the next span (bytes[0, len), with
 * one more writable byte after them; the bytes are split in place),
 * starting at physical line first_line.  Free it with rs_csv_close. */
int rs_csv_open_mem(rs_err *e, const char *display_name, size_t nhdr, rs_csv **out);
void rs_csv_mem_set(rs_csv *c, unsigned char *bytes, size_t len, long first_line);

/* ---- reading ahead ---------------------------------------------------
 *
 * For loaders that take records one at a time on one thread.  After
 * rs_csv_read_ahead, from the next rs_csv_next on, a helper thread reads,
 * decompresses, hashes and splits the file's records, in batches of up
 * to 512 KiB, up to three batches ahead of the one the caller is working
 * on.  rs_csv_next and the record accessors give exactly what
 * they give without it: the same records, fields, lines and problems, and
 * a read failure after the records before it.  Differences: the reader
 * holds about 6 MB more (four batches); rs_csv_bytes_in is the position after the batch
 * holding the current record (for progress lines); rs_csv_sha256 gives
 * the hash only after rs_csv_next has returned end of file (or an error)
 * — before that, 32 zero bytes; rs_csv_take_plain must not be used.
 * Meant for files (a pipe's writer could be left waiting on a helper that
 * rs_csv_close has to join).  Should the helper not start, the reader
 * simply reads on its own.  rs_csv_close stops the helper first. */
void rs_csv_read_ahead(rs_csv *c);

/* Bytes consumed so far from the file as stored (compressed when gzip), and
 * the stored size (-1 when unknown, e.g. stdin), for progress lines. */
uint64_t rs_csv_bytes_in(const rs_csv *c);
int64_t rs_csv_size(const rs_csv *c);
const char *rs_csv_name(const rs_csv *c);

/* SHA-256 of all decompressed bytes read so far (call after end of file for
 * the whole file's hash). */
void rs_csv_sha256(rs_csv *c, unsigned char out[32]);

#endif
