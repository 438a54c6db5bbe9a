/* C tests of the log store's edge contracts: memory bounded in bytes (large lines are freed
 * promptly, and given back after lfe_log_free), documented maximums, whole-field stats,
 * a cursor beyond the end, and truncation at a UTF-8 character boundary. */
#define _GNU_SOURCE
#include "lfe.h"
#include "test_util.h"
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define T_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_ASAN 1
#endif
#endif
#ifndef T_ASAN
#define T_ASAN 0
#endif

/* VmRSS of this process in KiB (0 if unknown). */
static long rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    long kib = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

static void trim(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

/* RSS means nothing under ASan (shadow memory, quarantine) or valgrind (LFE_TEST_LIGHT). */
static int rss_meaningful(void) { return !T_ASAN && !t_light() && rss_kib() > 0; }

/* capacity 4, 1 MiB lines: RSS stays within 64 MiB of the start while 1,000 lines (1 GiB) go
 * through, and comes back within 16 MiB of the start after lfe_log_free. */
static void large_lines_bounded(void) {
    const size_t line = 1u << 20;
    /* Light under valgrind; shorter under ASan too (its quarantine holds freed memory, and
     * the RSS checks are skipped there anyway). */
    const int n = t_light() ? 40 : T_ASAN ? 400 : 1000;
    uint8_t *buf = malloc(line);
    CHECK(buf != NULL);
    if (!buf) return;
    for (size_t i = 0; i < line; i++) buf[i] = (uint8_t)('a' + i % 26);
    memset(buf, 'x', 64); /* touch before measuring */

    trim();
    long start = rss_kib();
    T_SIZED(lfe_log_config, cfg);
    cfg.capacity = 4;
    cfg.max_line_len = line;
    cfg.manual = 1;
    lfe_log *log = NULL;
    CHECK_EQ(lfe_log_new(&cfg, &log), LFE_OK);
    long peak = start;
    int ok = 1;
    for (int i = 0; i < n && log; i++) {
        buf[0] = (uint8_t)('A' + i % 26);
        if (lfe_log_append(log, 1, LFE_LOG_STDOUT, 0, buf, line, NULL) != LFE_OK) ok = 0;
        if (i % 16 == 0) {
            long r = rss_kib();
            if (r > peak) peak = r;
        }
    }
    CHECK(ok);
    long r = rss_kib();
    if (r > peak) peak = r;
    T_SIZED(lfe_log_counters, st);
    CHECK_EQ(lfe_log_stats(log, &st), LFE_OK);
    CHECK_EQ(st.appended, (uint64_t)n);
    CHECK_EQ(st.evicted, (uint64_t)n - 4);
    /* The pending bytes are reported and kept near the budget (8 MiB default) even while
     * nothing else runs: at most the budget plus the one batch just handed over. */
    CHECK(st.unreclaimed_bytes <= LFE_LOG_DEFAULT_UNRECLAIMED_BYTES + 2 * line);
    lfe_log_free(log);
    trim();
    long end = rss_kib();
    printf("large lines: %d x 1 MiB, capacity 4: RSS start %ld KiB, peak %ld KiB (+%ld), "
           "after free %ld KiB (+%ld)\n",
           n, start, peak, peak - start, end, end - start);
    if (rss_meaningful()) {
        CHECK(peak - start <= 64 * 1024);
        CHECK(end - start <= 16 * 1024);
    }
    free(buf);
}

/* The documented maximums are accepted (or give NOMEM, never an abort) and one more is
 * INVALID; a zero budget takes the default. */
static void maximums(void) {
    T_SIZED(lfe_log_config, cfg);
    cfg.manual = 1;
    lfe_log *log = NULL;
    cfg.capacity = LFE_LOG_MAX_CAPACITY + 1;
    CHECK_NEW_REFUSED(lfe_log_new, cfg, log, LFE_E_INVALID);
    cfg.capacity = 4;
    cfg.max_line_len = LFE_LOG_MAX_LINE_LEN + 1;
    CHECK_NEW_REFUSED(lfe_log_new, cfg, log, LFE_E_INVALID);
    cfg.max_line_len = LFE_LOG_MAX_LINE_LEN;
    cfg.max_unreclaimed_bytes = 1; /* help after every eviction */
    CHECK_EQ(lfe_log_new(&cfg, &log), LFE_OK);
    for (int i = 0; i < 64 && log; i++) {
        char text[200];
        memset(text, 'a' + i % 26, sizeof text);
        CHECK_EQ(lfe_log_append(log, 1, LFE_LOG_STDOUT, 0, (const uint8_t *)text, sizeof text, NULL),
                 LFE_OK);
    }
    lfe_log_free(log);
    log = NULL;
    /* The largest capacity: 4 GiB of address space; valgrind would try to fill it. */
    if (!t_light() && !T_ASAN) {
        cfg.capacity = LFE_LOG_MAX_CAPACITY;
        cfg.max_unreclaimed_bytes = 0;
        int32_t rc = lfe_log_new(&cfg, &log);
        CHECK(rc == LFE_OK || rc == LFE_E_NOMEM);
        CHECK((rc == LFE_OK) == (log != NULL));
        if (log) {
            uint64_t seq = 9;
            CHECK_EQ(lfe_log_append(log, 1, LFE_LOG_STDOUT, 0, (const uint8_t *)"x", 1, &seq), LFE_OK);
            CHECK_EQ(seq, 0);
        }
        lfe_log_free(log);
    }
    CHECK(strcmp(lfe_status_str(LFE_E_NOMEM), "out of memory") == 0);
}

/* lfe_log_stats follows the size rule of versioned structs: `size` below the smallest known
 * version is LFE_E_INVALID (nothing written); a larger one gets every field this library has and
 * the bytes past them are not touched; `size` comes back as the bytes written. */
static void stats_size_rule(void) {
    lfe_log *log = NULL;
    CHECK_EQ(lfe_log_new(NULL, &log), LFE_OK);
    CHECK_EQ(lfe_log_append(log, 1, LFE_LOG_STDOUT, 0, (const uint8_t *)"hello", 5, NULL), LFE_OK);
    lfe_log_counters st;
    uint64_t untouched;
    memset(&untouched, 0xAB, sizeof untouched);
    /* Smaller than the struct: refused, nothing written. */
    memset(&st, 0xAB, sizeof st);
    st.size = offsetof(lfe_log_counters, bytes) + 4;
    CHECK_EQ(lfe_log_stats(log, &st), LFE_E_INVALID);
    CHECK(memcmp(&st.appended, &untouched, sizeof untouched) == 0);
    st.size = sizeof st - 1;
    CHECK_EQ(lfe_log_stats(log, &st), LFE_E_INVALID);
    /* A newer, larger struct gets everything this library has. */
    unsigned char big[sizeof(lfe_log_counters) + 16];
    memset(big, 0xAB, sizeof big);
    size_t bs = sizeof big;
    memcpy(big, &bs, sizeof bs);
    CHECK_EQ(lfe_log_stats(log, (lfe_log_counters *)(void *)big), LFE_OK);
    memcpy(&bs, big, sizeof bs);
    CHECK_EQ(bs, sizeof(lfe_log_counters));
    CHECK_EQ(big[sizeof(lfe_log_counters)], 0xAB);
    /* The whole struct, with the new last field. */
    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    CHECK_EQ(lfe_log_stats(log, &st), LFE_OK);
    CHECK_EQ(st.size, sizeof st);
    CHECK_EQ(st.bytes, 5);
    CHECK_EQ(st.capacity, 10000);
    lfe_log_free(log);
}

/* A cursor beyond the end is LFE_E_INVALID (never a silent stall); the end itself is fine. */
static void read_beyond_end(void) {
    lfe_log *log = NULL;
    CHECK_EQ(lfe_log_new(NULL, &log), LFE_OK);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(lfe_log_append(log, 1, LFE_LOG_STDOUT, 0, (const uint8_t *)"x", 1, NULL), LFE_OK);
    lfe_batch *b = NULL;
    CHECK_EQ(lfe_log_read(log, 3, 10, &b), LFE_OK);
    CHECK(b != NULL);
    if (b) {
        CHECK_EQ(b->count, 0);
        CHECK_EQ(b->next, 3);
    }
    lfe_batch_free(b);
    b = NULL;
    CHECK_EQ(lfe_log_read(log, 4, 10, &b), LFE_E_INVALID);
    CHECK(b == NULL);
    CHECK_EQ(lfe_log_read(log, UINT64_MAX, 0, &b), LFE_E_INVALID);
    CHECK(b == NULL);
    CHECK_EQ(lfe_log_read(log, 1, 10, &b), LFE_OK);
    if (b) {
        CHECK_EQ(b->count, 2);
        CHECK_EQ(b->next, 3);
    }
    lfe_batch_free(b);
    lfe_log_free(log);
}

/* Truncation never splits a UTF-8 character; bytes that are not UTF-8 are cut byte-exact. */
static void truncation_at_char(void) {
    T_SIZED(lfe_log_config, cfg);
    cfg.max_line_len = 5;
    cfg.manual = 1;
    lfe_log *log = NULL;
    CHECK_EQ(lfe_log_new(&cfg, &log), LFE_OK);
    struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"abc\xE2\x82\xAC", "abc"},           /* euro sign: 3 bytes, cut after 2 */
        {"abcd\xC3\xA9", "abcd"},              /* e-acute: 2 bytes, cut after 1 */
        {"a\xF0\x9F\x98\x80z", "a\xF0\x9F\x98\x80"}, /* emoji fits exactly */
        {"ab\xF0\x9F\x98\x80", "ab"},         /* emoji cut after 3 */
        {"abcd\xC3\x28", "abcd\xC3"},          /* not UTF-8: byte-exact */
        {"abc\xE2\x82\xFF", "abc\xE2\x82"},   /* invalid third byte: byte-exact */
        {"abcd\xFF\xFF", "abcd\xFF"},          /* not UTF-8 at all */
    };
    size_t nc = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < nc; i++)
        CHECK_EQ(lfe_log_append(log, 1, LFE_LOG_STDOUT, 0, (const uint8_t *)cases[i].in,
                                strlen(cases[i].in), NULL),
                 LFE_OK);
    lfe_batch *b = NULL;
    CHECK_EQ(lfe_log_read(log, 0, 100, &b), LFE_OK);
    CHECK(b != NULL && b->count == nc);
    if (b && b->count == nc) {
        const lfe_log_line *lines = (const lfe_log_line *)b->records;
        for (size_t i = 0; i < nc; i++) {
            size_t wl = strlen(cases[i].want);
            CHECK_EQ(lines[i].text.len, wl);
            CHECK(lines[i].text.len == wl && memcmp(lines[i].text.ptr, cases[i].want, wl) == 0);
            CHECK(lines[i].flags & LFE_LOG_FLAG_TRUNCATED);
        }
    }
    lfe_batch_free(b);
    lfe_log_free(log);
}

int main(void) {
    maximums();
    stats_size_rule();
    read_beyond_end();
    truncation_at_char();
    large_lines_bounded();
    return t_finish("test_log_bytes");
}
