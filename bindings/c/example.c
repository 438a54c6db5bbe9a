/* The smallest useful lfe host: append a dev-server line, read it back with its detected URL.
 * Build: cc example.c $(pkg-config --cflags --libs lfe)   (or `make c-example` in the repo) */
#include <lfe.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    if (lfe_abi_version() != LFE_ABI_VERSION) {
        fprintf(stderr, "liblfe ABI %u, header ABI %d: rebuild the host\n", lfe_abi_version(),
                LFE_ABI_VERSION);
        return 1;
    }
    printf("lfe %s (ABI %u)\n", lfe_version(), lfe_abi_version());

    lfe_log *log;
    if (lfe_log_new(NULL, &log) != LFE_OK) return 1;          /* NULL config: defaults */

    const char *line = "  VITE v5.0.0  ready in 312 ms  ->  Local: http://localhost:5173/";
    uint64_t seq;
    int32_t rc = lfe_log_append(log, /*process*/ 1, LFE_LOG_STDOUT, /*ts: now*/ 0,
                                (const uint8_t *)line, strlen(line), &seq);
    if (rc != LFE_OK) { fprintf(stderr, "append: %s\n", lfe_status_str(rc)); return 1; }

    lfe_log_sync(log);                                        /* wait for enrichment (demo only) */

    lfe_batch *b;
    if (lfe_log_read(log, /*cursor*/ 0, /*max*/ 100, &b) == LFE_OK) {
        const lfe_log_line *lines = b->records;
        for (size_t i = 0; i < b->count; i++)
            printf("#%llu level=%u %.*s\n", (unsigned long long)lines[i].seq, lines[i].level,
                   (int)lines[i].text.len, (const char *)lines[i].text.ptr);
        /* b->next is the cursor for the next read; b->missed counts lines evicted unread */
        lfe_batch_free(b);
    }
    if (lfe_log_urls(log, &b) == LFE_OK) {
        const lfe_log_url *urls = b->records;
        for (size_t i = 0; i < b->count; i++)
            printf("url %.*s (seen %llu times)\n", (int)urls[i].url.len,
                   (const char *)urls[i].url.ptr, (unsigned long long)urls[i].count);
        lfe_batch_free(b);
    }
    lfe_log_free(log);
    return 0;
}
