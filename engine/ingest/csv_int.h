/*
 * csv_int.h — the CSV reader's state, shared by its two halves: csv.c
 * (opening a file or a memory reader, the header, the accessors) and
 * csv_record.c (bytes to records, and the runs of plain lines the
 * parallel loaders take), with csv_ahead.c (reading ahead on a helper
 * thread).  Private to the reader (like ingest_int.h it
 * sits in the room's include folder, kept private by review); users see
 * csv.h.
 *
 * Core data structure: one fixed read buffer of IN_CAP bytes (+1 spare
 * byte for a terminator).  A record is parsed *in place* inside that
 * buffer: delimiters become NULs, quoted fields are unescaped by shifting
 * bytes left (unescaping never lengthens), and a fixed array of
 * RS_CSV_RECORD_MAX + 2 uint32 offsets marks where each field starts.
 * When a record runs past the end of the buffered data the unread tail is
 * moved to the front and more is read; since IN_CAP is well above
 * RS_CSV_RECORD_MAX, a record either fits or is known to be too long, so
 * memory never grows with the input and nothing is allocated per record.
 */
#ifndef RS_CSV_INT_H
#define RS_CSV_INT_H

#include <openssl/evp.h>
#include <zlib.h>

#include "csv.h"

#define IN_CAP (512 * 1024)
_Static_assert(IN_CAP > 2 * (RS_CSV_RECORD_MAX + 2), "read buffer must hold a record");

#define MAX_FIELDS (RS_CSV_RECORD_MAX + 1)

struct rs_csv {
    char *name;            /* display name, for messages */
    gzFile gz;
    int64_t size;          /* stored size, -1 unknown */
    EVP_MD_CTX *sha;       /* running SHA-256 of decompressed bytes */
    EVP_MD_CTX *sha_tmp;   /* scratch for rs_csv_sha256 */
    int failed;            /* sticky read error code, 0 when none */

    unsigned char *buf;    /* IN_CAP + 1 bytes */
    size_t pos, len;       /* unread data is buf[pos, len) */
    int eof;               /* zlib has no more bytes */
    int mem;               /* memory reader: buf is the caller's, eof always */
    long line;             /* physical line of buf[pos] */

    char *hdr;             /* header names, trimmed, NUL-separated */
    size_t *hdr_off;       /* nhdr offsets into hdr */
    size_t nhdr;

    unsigned char *rec;    /* current record (inside buf) */
    uint32_t *starts;      /* MAX_FIELDS + 1 field start offsets */
    size_t nfields;
    long rec_line;
    const char *problem;
    char problem_buf[96];
    long resync_end;       /* line reached by the last record rejected for its quote */
    int resync_tries;      /* multi-line records tried since, before resync_end */

    int ahead_wanted;      /* rs_csv_read_ahead was called: start at the next record */
    struct rs_csv_ahead *ahead; /* reading ahead (csv_ahead.c): this reader is a view */
};

/* Moves the unread tail to the front of the buffer and reads more after
 * it.  Returns the number of bytes added (0 at end of file) or a negative
 * RS_E* code with the message in e (sticky: every later call returns it). */
int rs_csv_fill(rs_csv *c, rs_err *e);
/* Reads the next non-blank record without the field-count check (the
 * header is read with it too).  1, 0 at end of file, or an RS_E code. */
int rs_csv_read_record(rs_csv *c, rs_err *e);

/* Reading ahead (csv_ahead.c).  start: moves c's file state to a helper
 * thread's reader and makes c a view of the records it hands over; 0, or
 * -1 with c unchanged (it then reads by itself).  next: rs_csv_next for a
 * view.  bytes_in, sha256: the accessors for a view (the hash only once
 * the helper is joined, at end of file).  close: stops and joins the
 * helper and frees its reader; c is then a reader with no file state,
 * whose rs_csv_next fails (RS_EUSAGE). */
typedef struct rs_csv_ahead rs_csv_ahead;
int rs_csv_ahead_start(rs_csv *c);
int rs_csv_ahead_next(rs_csv *c, rs_err *e);
uint64_t rs_csv_ahead_bytes_in(const rs_csv *c);
void rs_csv_ahead_sha256(rs_csv *c, unsigned char out[32]);
void rs_csv_ahead_close(rs_csv *c);

#endif
