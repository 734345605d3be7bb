/* What the interop drivers (driver.c, turn_pair.c) share: an HTTP
 * signaling client and a small JSON reader, talking to
 * tests/interop/signaling.py on 127.0.0.1 (HTTP/1.0, one request per
 * connection), the bulk pattern and candidate type names. Test code only: bounded buffers, loud
 * failures. */
#ifndef MESHRTC_INTEROP_SIG_H
#define MESHRTC_INTEROP_SIG_H

#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* The bulk pattern, the same in every implementation of the exchange. */
static inline uint8_t bulk_pattern(int64_t i) {
    return (uint8_t)((i * 7 + (i >> 8) * 13 + (i >> 16) * 31) & 255);
}

/* The name of a MESHRTC_CANDIDATE_* type (meshrtc_peer_stats). */
static inline const char *cand_name(int32_t t) {
    static const char *names[] = {"none", "host", "srflx", "prflx", "relay"};
    return t >= 0 && t <= 4 ? names[t] : "?";
}

/* ---------------------------------------------------------- growable text */

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static inline void sb_reserve(sbuf *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        fprintf(stderr, "FATAL: out of memory\n");
        exit(2);
    }
    b->p = p;
    b->cap = cap;
}

static inline void sb_add(sbuf *b, const char *s, size_t n) {
    sb_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static inline void sb_printf(sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    sb_reserve(b, (size_t)n);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
}

/* Appends s as a JSON string literal (quotes included). */
static inline void sb_json_str(sbuf *b, const char *s) {
    sb_add(b, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"': sb_add(b, "\\\"", 2); break;
        case '\\': sb_add(b, "\\\\", 2); break;
        case '\n': sb_add(b, "\\n", 2); break;
        case '\r': sb_add(b, "\\r", 2); break;
        case '\t': sb_add(b, "\\t", 2); break;
        default:
            if (*c < 0x20) {
                sb_printf(b, "\\u%04x", *c);
            } else {
                sb_add(b, (const char *)c, 1);
            }
        }
    }
    sb_add(b, "\"", 1);
}

static inline void sb_free(sbuf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ------------------------------------------------------------------- HTTP */

static int sig_port = 8765;

/* One HTTP/1.0 request to 127.0.0.1:sig_port. Returns the status code (or -1
 * when the server cannot be reached) and the body in *out (may be NULL). */
static inline int http_request(const char *method, const char *path, const char *body, size_t body_len, sbuf *out) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)sig_port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    sbuf req = {0};
    sb_printf(&req, "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: %zu\r\n\r\n", method, path, body_len);
    if (body_len) sb_add(&req, body, body_len);
    size_t off = 0;
    while (off < req.len) {
        ssize_t n = write(fd, req.p + off, req.len - off);
        if (n <= 0) {
            sb_free(&req);
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    sb_free(&req);
    sbuf resp = {0};
    char tmp[65536];
    for (;;) {
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        sb_add(&resp, tmp, (size_t)n);
    }
    close(fd);
    int status = -1;
    if (resp.len > 12 && sscanf(resp.p, "HTTP/%*s %d", &status) == 1 && out) {
        const char *start = strstr(resp.p, "\r\n\r\n");
        if (start) sb_add(out, start + 4, resp.len - (size_t)(start + 4 - resp.p));
    }
    sb_free(&resp);
    return status;
}

/* ------------------------------------------------------------ JSON reader */

/* Skips whitespace. */
static inline const char *js_ws(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

static inline void utf8_put(sbuf *b, unsigned cp) {
    char u[4];
    if (cp < 0x80) {
        u[0] = (char)cp;
        sb_add(b, u, 1);
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        sb_add(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        sb_add(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        sb_add(b, u, 4);
    }
}

/* Parses a JSON string at p (which points at '"'); appends it decoded to out
 * (may be NULL) and returns the position after it, or NULL when malformed. */
static inline const char *js_string(const char *p, sbuf *out) {
    if (*p != '"') return NULL;
    p++;
    while (*p && *p != '"') {
        if (*p != '\\') {
            if (out) sb_add(out, p, 1);
            p++;
            continue;
        }
        p++;
        char c = *p++;
        const char *simple = NULL;
        switch (c) {
        case '"': simple = "\""; break;
        case '\\': simple = "\\"; break;
        case '/': simple = "/"; break;
        case 'b': simple = "\b"; break;
        case 'f': simple = "\f"; break;
        case 'n': simple = "\n"; break;
        case 'r': simple = "\r"; break;
        case 't': simple = "\t"; break;
        case 'u': {
            unsigned cp = 0;
            if (sscanf(p, "%4x", &cp) != 1) return NULL;
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && p[0] == '\\' && p[1] == 'u') {
                unsigned lo = 0;
                if (sscanf(p + 2, "%4x", &lo) != 1) return NULL;
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (out) utf8_put(out, cp);
            break;
        }
        default: return NULL;
        }
        if (simple && out) sb_add(out, simple, 1);
    }
    return *p == '"' ? p + 1 : NULL;
}

/* Skips any JSON value; returns the position after it or NULL. */
static inline const char *js_skip(const char *p) {
    p = js_ws(p);
    if (*p == '"') return js_string(p, NULL);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = js_ws(p + 1);
        if (*p == close) return p + 1;
        for (;;) {
            if (close == '}') {
                p = js_string(js_ws(p), NULL);
                if (!p) return NULL;
                p = js_ws(p);
                if (*p++ != ':') return NULL;
            }
            p = js_skip(p);
            if (!p) return NULL;
            p = js_ws(p);
            if (*p == ',') {
                p++;
                continue;
            }
            return *p == close ? p + 1 : NULL;
        }
    }
    const char *s = p;
    while (*p && !strchr(",}] \t\r\n", *p)) p++;
    return p == s ? NULL : p;
}

/* Finds top-level key in the JSON object text obj. Strings are decoded into
 * out; other values are copied as written. Returns 1 if found. */
static inline int js_get(const char *obj, const char *key, sbuf *out) {
    const char *p = js_ws(obj);
    if (*p++ != '{') return 0;
    for (;;) {
        p = js_ws(p);
        if (*p == '}') return 0;
        sbuf k = {0};
        p = js_string(p, &k);
        if (!p) {
            sb_free(&k);
            return 0;
        }
        int match = k.p && strcmp(k.p, key) == 0;
        if (!k.p) match = key[0] == 0;
        sb_free(&k);
        p = js_ws(p);
        if (*p++ != ':') return 0;
        p = js_ws(p);
        if (match) {
            out->len = 0;
            sb_reserve(out, 0);
            out->p[0] = 0;
            if (*p == '"') return js_string(p, out) != NULL;
            const char *end = js_skip(p);
            if (!end) return 0;
            sb_add(out, p, (size_t)(end - p));
            return 1;
        }
        p = js_skip(p);
        if (!p) return 0;
        p = js_ws(p);
        if (*p == ',') {
            p++;
            continue;
        }
        return 0;
    }
}

#endif
