/*
 * csv.c — the streaming CSV reader (RFC 4180) behind every ingest kind
 * (see csv.h): opening a plain or gzip file (or stdin) through zlib, or a
 * memory reader for a parallel loader's worker; checking the header once
 * (encoding, delimiter, duplicate names); closing; and the accessors of
 * the header and the current record.  The records themselves are read in
 * csv_record.c; the reader's state and buffer are described in csv_int.h.
 */
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv_int.h"

/* ---- header -------------------------------------------------------- */

static int lower(int ch)
{
    return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

/* ASCII case-insensitive comparison of a[0, an) and b[0, bn). */
static int name_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    for (size_t i = 0; i < n; i++) {
        int d = lower((unsigned char)a[i]) - lower((unsigned char)b[i]);
        if (d != 0)
            return d;
    }
    return an < bn ? -1 : an > bn ? 1 : 0;
}

static int is_space(int ch)
{
    return ch == ' ' || ch == '\t';
}

/* Trims spaces and tabs: *s, *n updated. */
static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_space((unsigned char)(*s)[0])) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_space((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static int cmp_names(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    int d = name_cmp(a, strlen(a), b, strlen(b));
    if (d != 0)
        return d;
    return a < b ? -1 : a > b ? 1 : 0; /* equal names in file order */
}

/* Refuses a header that names one column twice (empty names aside). */
static int check_duplicates(rs_csv *c, rs_err *e)
{
    if (c->nhdr < 2)
        return 0;
    const char **v = malloc(c->nhdr * sizeof *v);
    if (v == NULL)
        return rs_err_set(e, RS_ENOMEM, "%s: out of memory", c->name);
    for (size_t i = 0; i < c->nhdr; i++)
        v[i] = c->hdr + c->hdr_off[i];
    qsort(v, c->nhdr, sizeof *v, cmp_names);
    const char *dup = NULL, *second = NULL;
    for (size_t i = 1; i < c->nhdr; i++) {
        if (v[i][0] == '\0' || name_cmp(v[i - 1], strlen(v[i - 1]), v[i], strlen(v[i])) != 0)
            continue;
        if (i >= 2 && name_cmp(v[i - 2], strlen(v[i - 2]), v[i], strlen(v[i])) == 0)
            continue; /* third or later of a group */
        if (second == NULL || v[i] < second) {
            second = v[i];
            dup = v[i - 1];
        }
    }
    int rc = 0;
    if (dup != NULL) {
        /* by number, never by name: a headerless file's first line is data
         * (a plate), and no message quotes data */
        size_t a = 0, b = 0;
        for (size_t i = 0; i < c->nhdr; i++) {
            if (c->hdr + c->hdr_off[i] == dup)
                a = i + 1;
            if (c->hdr + c->hdr_off[i] == second)
                b = i + 1;
        }
        rc = rs_err_set(e, RS_EINPUT,
                        "%s:%ld: ambiguous header: columns %zu and %zu (of the header line) "
                        "have the same name",
                        c->name, c->rec_line, a < b ? a : b, a < b ? b : a);
    }
    free(v);
    return rc;
}

/* Refuses a header in another encoding or with another delimiter, then
 * keeps trimmed copies of the names. */
static int read_header(rs_csv *c, rs_err *e)
{
    /* the first bytes: emptiness and byte-order marks */
    while (c->len < 4 && !c->eof) {
        int rc = rs_csv_fill(c, e);
        if (rc < 0)
            return rc;
    }
    const unsigned char *b = c->buf;
    if (c->len == 0)
        return rs_err_set(e, RS_EINPUT, "%s: empty file", c->name);
    if (c->len >= 4 && ((b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0) ||
                        (b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF)))
        return rs_err_set(e, RS_EINPUT, "%s: text is UTF-32 (byte-order mark); save it as UTF-8",
                          c->name);
    if (c->len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)))
        return rs_err_set(e, RS_EINPUT, "%s: text is UTF-16 (byte-order mark %02X %02X); save it as UTF-8",
                          c->name, b[0], b[1]);
    if (c->len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        c->pos = 3;

    int rc = rs_csv_read_record(c, e);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return rs_err_set(e, RS_EINPUT, "%s: no header (only blank lines)", c->name);
    if (c->problem != NULL) {
        if (strcmp(c->problem, "NUL byte") == 0)
            return rs_err_set(e, RS_EINPUT, "%s:%ld: header is not UTF-8 (NUL bytes: UTF-16?)",
                              c->name, c->rec_line);
        if (strcmp(c->problem, "not valid UTF-8") == 0)
            return rs_err_set(e, RS_EINPUT,
                              "%s:%ld: header is not UTF-8 (Latin-1 or Windows-1252?)",
                              c->name, c->rec_line);
        if (strncmp(c->problem, "record longer", 13) == 0)
            return rs_err_set(e, RS_EINPUT, "%s:%ld: header longer than %d bytes", c->name,
                              c->rec_line, RS_CSV_RECORD_MAX);
        return rs_err_set(e, RS_EINPUT, "%s:%ld: bad header: %s", c->name, c->rec_line,
                          c->problem);
    }

    if (c->nfields == 1) {
        static const char delims[] = {';', '\t', '|'};
        size_t best = 0, count = 0;
        size_t n = c->starts[1] - 1;
        for (size_t d = 0; d < sizeof delims; d++) {
            size_t k = 0;
            for (size_t i = 0; i < n; i++)
                k += c->rec[i] == (unsigned char)delims[d];
            if (k > count) {
                count = k;
                best = d;
            }
        }
        if (count > 0)
            return rs_err_set(e, RS_EINPUT, "%s:%ld: not comma-separated (found %s)", c->name,
                              c->rec_line,
                              delims[best] == ';'    ? "';'"
                              : delims[best] == '\t' ? "tabs"
                                                     : "'|'");
    }
    for (size_t i = 0; i < c->nfields; i++)
        if (memchr(c->rec + c->starts[i], '\r', c->starts[i + 1] - c->starts[i] - 1) != NULL)
            return rs_err_set(e, RS_EINPUT,
                              "%s:%ld: line ends are bare CR (old Mac format); use LF or CRLF",
                              c->name, c->rec_line);

    size_t total = c->starts[c->nfields];
    c->hdr = malloc(total);
    c->hdr_off = malloc(c->nfields * sizeof *c->hdr_off);
    if (c->hdr == NULL || c->hdr_off == NULL)
        return rs_err_set(e, RS_ENOMEM, "%s: out of memory", c->name);
    size_t w = 0;
    for (size_t i = 0; i < c->nfields; i++) {
        const char *s = (const char *)c->rec + c->starts[i];
        size_t n = c->starts[i + 1] - c->starts[i] - 1;
        trim(&s, &n);
        c->hdr_off[i] = w;
        memcpy(c->hdr + w, s, n);
        w += n;
        c->hdr[w++] = '\0';
    }
    c->nhdr = c->nfields;
    return check_duplicates(c, e);
}

/* ---- open / close -------------------------------------------------- */

int rs_csv_open(rs_err *e, const char *path, const char *display_name, rs_csv **out)
{
    if (out == NULL || path == NULL)
        return rs_err_set(e, RS_EUSAGE, "rs_csv_open: no path");
    *out = NULL;
    rs_csv *c = calloc(1, sizeof *c);
    if (c == NULL)
        return rs_err_set(e, RS_ENOMEM, "out of memory");
    int rc = 0, fd = -1;
    c->line = 1;
    c->size = -1;
    c->rec = (unsigned char *)"";
    c->name = strdup(display_name ? display_name : path);
    if (c->name == NULL) {
        rc = rs_err_set(e, RS_ENOMEM, "out of memory");
        goto done;
    }
    int is_stdin = strcmp(path, "-") == 0;
    fd = is_stdin ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = rs_err_set(e, errno == ENOENT || errno == EACCES ? RS_EINPUT : RS_EIO,
                        "%s: cannot open: %s", c->name, strerror(errno));
        goto done;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = rs_err_set(e, RS_EIO, "%s: cannot stat: %s", c->name, strerror(errno));
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = rs_err_set(e, RS_EINPUT, "%s: is a directory", c->name);
        goto done;
    }
    if (!is_stdin && S_ISREG(st.st_mode))
        c->size = (int64_t)st.st_size;
    c->gz = gzdopen(fd, "rb");
    if (c->gz == NULL) {
        rc = rs_err_set(e, RS_ENOMEM, "%s: cannot start zlib", c->name);
        goto done;
    }
    fd = -1; /* owned by gz now */
    gzbuffer(c->gz, 128 * 1024);

    c->sha = EVP_MD_CTX_new();
    c->sha_tmp = EVP_MD_CTX_new();
    c->buf = malloc(IN_CAP + 1);
    c->starts = malloc((MAX_FIELDS + 1) * sizeof *c->starts);
    if (c->sha == NULL || c->sha_tmp == NULL || c->buf == NULL || c->starts == NULL) {
        rc = rs_err_set(e, RS_ENOMEM, "%s: out of memory", c->name);
        goto done;
    }
    if (EVP_DigestInit_ex(c->sha, EVP_sha256(), NULL) != 1) {
        rc = rs_err_set(e, RS_ERR, "%s: cannot start SHA-256", c->name);
        goto done;
    }
    rc = read_header(c, e);

done:
    if (fd >= 0)
        close(fd);
    if (rc != 0) {
        rs_csv_close(c);
        return rc;
    }
    c->problem = NULL;
    *out = c;
    return 0;
}

int rs_csv_open_mem(rs_err *e, const char *display_name, size_t nhdr, rs_csv **out)
{
    if (out == NULL)
        return rs_err_set(e, RS_EUSAGE, "rs_csv_open_mem: no reader");
    rs_csv *c = calloc(1, sizeof *c);
    if (c == NULL)
        return rs_err_set(e, RS_ENOMEM, "out of memory");
    c->mem = 1;
    c->eof = 1;
    c->size = -1;
    c->line = 1;
    c->nhdr = nhdr;
    c->rec = (unsigned char *)"";
    c->buf = (unsigned char *)"";
    c->name = strdup(display_name ? display_name : "(memory)");
    c->starts = malloc((MAX_FIELDS + 1) * sizeof *c->starts);
    if (c->name == NULL || c->starts == NULL) {
        rs_csv_close(c);
        return rs_err_set(e, RS_ENOMEM, "out of memory");
    }
    *out = c;
    return 0;
}

void rs_csv_mem_set(rs_csv *c, unsigned char *bytes, size_t len, long first_line)
{
    if (c == NULL || !c->mem)
        return;
    c->buf = bytes;
    c->pos = 0;
    c->len = len;
    c->line = first_line;
    c->rec = (unsigned char *)"";
    c->nfields = 0;
    c->problem = NULL;
}

void rs_csv_close(rs_csv *c)
{
    if (c == NULL)
        return;
    rs_csv_ahead_close(c);
    if (c->gz != NULL)
        gzclose(c->gz);
    EVP_MD_CTX_free(c->sha);
    EVP_MD_CTX_free(c->sha_tmp);
    if (!c->mem)
        free(c->buf);
    free(c->starts);
    free(c->hdr);
    free(c->hdr_off);
    free(c->name);
    free(c);
}

/* ---- accessors ----------------------------------------------------- */

size_t rs_csv_header_count(const rs_csv *c)
{
    return c ? c->nhdr : 0;
}

const char *rs_csv_header(const rs_csv *c, size_t i)
{
    return c && i < c->nhdr ? c->hdr + c->hdr_off[i] : NULL;
}

int rs_csv_col(const rs_csv *c, const char *name)
{
    if (c == NULL || name == NULL)
        return -1;
    size_t n = strlen(name);
    trim(&name, &n);
    for (size_t i = 0; i < c->nhdr; i++) {
        const char *h = c->hdr + c->hdr_off[i];
        if (name_cmp(h, strlen(h), name, n) == 0)
            return (int)i;
    }
    return -1;
}

const char *rs_csv_record_problem(const rs_csv *c)
{
    return c ? c->problem : NULL;
}

long rs_csv_line(const rs_csv *c)
{
    return c ? c->rec_line : 0;
}

size_t rs_csv_nfields(const rs_csv *c)
{
    return c ? c->nfields : 0;
}

const char *rs_csv_field(const rs_csv *c, size_t i, size_t *len)
{
    if (c == NULL || i >= c->nfields) {
        if (len != NULL)
            *len = 0;
        return "";
    }
    if (len != NULL)
        *len = c->starts[i + 1] - c->starts[i] - 1;
    return (const char *)c->rec + c->starts[i];
}

uint64_t rs_csv_bytes_in(const rs_csv *c)
{
    if (c != NULL && c->ahead != NULL)
        return rs_csv_ahead_bytes_in(c);
    if (c == NULL || c->gz == NULL)
        return 0;
    z_off_t off = gzoffset(c->gz);
    return off < 0 ? 0 : (uint64_t)off;
}

int64_t rs_csv_size(const rs_csv *c)
{
    return c ? c->size : -1;
}

const char *rs_csv_name(const rs_csv *c)
{
    return c ? c->name : NULL;
}

void rs_csv_sha256(rs_csv *c, unsigned char out[32])
{
    unsigned int n = 0;
    if (c != NULL && c->ahead != NULL) {
        rs_csv_ahead_sha256(c, out);
        return;
    }
    if (c == NULL || EVP_MD_CTX_copy_ex(c->sha_tmp, c->sha) != 1 ||
        EVP_DigestFinal_ex(c->sha_tmp, out, &n) != 1 || n != 32)
        memset(out, 0, 32);
}
