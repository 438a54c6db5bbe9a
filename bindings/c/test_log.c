/* C tests of the log store ABI: append (single and batch) from C, read lines back by cursor,
 * tail, search (incl. a bad pattern with its message), URLs, error groups, stats, clear, NULLs. */
#include "lfe.h"
#include "test_util.h"
#include <stdint.h>
#include <string.h>

static int32_t append(const lfe_log *log, uint64_t pid, uint32_t stream, const char *s, uint64_t *seq) {
    return lfe_log_append(log, pid, stream, 0, (const uint8_t *)s, strlen(s), seq);
}

static int bytes_eq(lfe_bytes b, const char *s) {
    return b.len == strlen(s) && (b.len == 0 || memcmp(b.ptr, s, b.len) == 0);
}

int main(void) {
    lfe_log *log = NULL;
    T_SIZED(lfe_log_config, cfg);
    cfg.capacity = 100;
    cfg.manual = 1;
    CHECK_EQ(lfe_log_new(&cfg, &log), LFE_OK);
    CHECK(log != NULL);

    /* Bad configs and NULLs. */
    lfe_log *bad = NULL;
    lfe_log_config c2 = cfg;
    c2.manual = 2;
    CHECK_EQ(lfe_log_new(&c2, &bad), LFE_E_INVALID);
    CHECK(bad == NULL);
    CHECK_EQ(lfe_log_new(&cfg, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_log_append(NULL, 1, LFE_LOG_STDOUT, 0, (const uint8_t *)"x", 1, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_log_append(log, 1, LFE_LOG_STDOUT, 0, NULL, 3, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_log_append(log, 1, 7, 0, (const uint8_t *)"x", 1, NULL), LFE_E_INVALID);
    lfe_log_free(NULL);

    uint64_t seq = 99;
    CHECK_EQ(append(log, 1, LFE_LOG_STDOUT, "INFO listening on http://localhost:8080", &seq), LFE_OK);
    CHECK_EQ(seq, 0);
    CHECK_EQ(append(log, 2, LFE_LOG_STDERR, "TypeError: undefined is not a function", &seq), LFE_OK);
    CHECK_EQ(append(log, 2, LFE_LOG_STDERR, "    at main (/app/index.js:3:7)", NULL), LFE_OK);
    lfe_log_input in[2];
    memset(in, 0, sizeof in);
    in[0].process_id = 3;
    in[0].stream = LFE_LOG_SYSTEM;
    in[0].ts_ns = 1234;
    in[0].text.ptr = (const uint8_t *)"started";
    in[0].text.len = 7;
    in[1] = in[0];
    in[1].text.ptr = (const uint8_t *)"WARN slow";
    in[1].text.len = 9;
    uint64_t first = 0;
    CHECK_EQ(lfe_log_append_batch(log, in, 2, &first), LFE_OK);
    CHECK_EQ(first, 3);
    in[1].stream = 9;
    CHECK_EQ(lfe_log_append_batch(log, in, 2, NULL), LFE_E_INVALID);
    CHECK_EQ(lfe_log_append_batch(log, NULL, 2, NULL), LFE_E_NULL);

    size_t done = 0;
    CHECK_EQ(lfe_log_enrich(log, 100, &done), LFE_OK);
    CHECK_EQ(done, 5);

    /* Cursor read in two pieces. */
    lfe_batch *b = NULL;
    CHECK_EQ(lfe_log_read(log, 0, 3, &b), LFE_OK);
    CHECK_EQ(b->kind, LFE_REC_LOG_LINE);
    CHECK_EQ(b->record_size, sizeof(lfe_log_line));
    CHECK_EQ(b->count, 3);
    CHECK_EQ(b->next, 3);
    CHECK_EQ(b->missed, 0);
    const lfe_log_line *ln = (const lfe_log_line *)b->records;
    CHECK(bytes_eq(ln[0].text, "INFO listening on http://localhost:8080"));
    CHECK_EQ(ln[1].stream, LFE_LOG_STDERR);
    CHECK_EQ(ln[1].level, LFE_LOG_LEVEL_ERROR);
    CHECK((ln[1].flags & LFE_LOG_FLAG_ERROR_START) != 0);
    CHECK((ln[0].flags & LFE_LOG_FLAG_ENRICHED) != 0);
    uint64_t next = b->next;
    lfe_batch_free(b);
    CHECK_EQ(lfe_log_read(log, next, 100, &b), LFE_OK);
    CHECK_EQ(b->count, 2);
    CHECK_EQ(b->next, 5);
    ln = (const lfe_log_line *)b->records;
    CHECK_EQ(ln[0].ts_ns, 1234);
    CHECK_EQ(ln[1].level, LFE_LOG_LEVEL_WARN);
    lfe_batch_free(b);
    CHECK_EQ(lfe_log_read(log, 0, 1, NULL), LFE_E_NULL);

    /* Tail of one process. */
    CHECK_EQ(lfe_log_tail(log, 10, 1, 2, &b), LFE_OK);
    CHECK_EQ(b->count, 2);
    lfe_batch_free(b);
    CHECK_EQ(lfe_log_tail(log, 10, 5, 2, &b), LFE_E_INVALID);

    /* URLs. */
    CHECK_EQ(lfe_log_urls(log, &b), LFE_OK);
    CHECK_EQ(b->kind, LFE_REC_LOG_URL);
    CHECK_EQ(b->count, 1);
    if (b->count == 1) {
        const lfe_log_url *u = (const lfe_log_url *)b->records;
        CHECK(bytes_eq(u[0].url, "http://localhost:8080/"));
        CHECK_EQ(u[0].process_id, 1);
        CHECK_EQ(u[0].count, 1);
    }
    lfe_batch_free(b);

    /* Error groups: the TypeError and its stack frame. */
    CHECK_EQ(lfe_log_errors(log, &b), LFE_OK);
    CHECK_EQ(b->kind, LFE_REC_LOG_ERROR_GROUP);
    CHECK_EQ(b->count, 1);
    if (b->count == 1) {
        const lfe_log_error_group *g = (const lfe_log_error_group *)b->records;
        CHECK_EQ(g->process_id, 2);
        CHECK_EQ(g->first_seq, 1);
        CHECK_EQ(g->last_seq, 2);
        CHECK_EQ(g->line_count, 2);
        CHECK_EQ(g->seqs.len, 16);
        uint64_t s[2];
        memcpy(s, g->seqs.ptr, sizeof s);
        CHECK_EQ(s[0], 1);
        CHECK_EQ(s[1], 2);
        CHECK(bytes_eq(g->first_line, "TypeError: undefined is not a function"));
    }
    lfe_batch_free(b);

    /* Search: regex, case-insensitive, bad pattern with message, too large. */
    T_SIZED(lfe_log_query, q);
    q.pattern.ptr = (const uint8_t *)"typeerror";
    q.pattern.len = 9;
    q.flags = LFE_LOG_SEARCH_CASE_INSENSITIVE;
    CHECK_EQ(lfe_log_search(log, &q, &b, NULL), LFE_OK);
    CHECK_EQ(b->count, 1);
    lfe_batch_free(b);
    q.flags = LFE_LOG_SEARCH_HAS_PROCESS;
    q.process_id = 3;
    q.pattern.len = 0;
    CHECK_EQ(lfe_log_search(log, &q, &b, NULL), LFE_OK);
    CHECK_EQ(b->count, 2);
    lfe_batch_free(b);
    q.flags = 0;
    q.pattern.ptr = (const uint8_t *)"(oops";
    q.pattern.len = 5;
    lfe_batch *err = NULL;
    b = NULL;
    CHECK_EQ(lfe_log_search(log, &q, &b, &err), LFE_E_BAD_PATTERN);
    CHECK(b == NULL);
    CHECK(err != NULL);
    if (err) {
        CHECK_EQ(err->kind, LFE_REC_TEXT);
        CHECK_EQ(err->count, 1);
        CHECK(((const lfe_rec_text *)err->records)[0].text.len > 0);
        lfe_batch_free(err);
    }
    CHECK_EQ(lfe_log_search(log, &q, &b, NULL), LFE_E_BAD_PATTERN);
    q.flags = 1u << 10;
    CHECK_EQ(lfe_log_search(log, &q, &b, NULL), LFE_E_INVALID);
    CHECK_EQ(lfe_log_search(log, NULL, &b, NULL), LFE_E_NULL);

    /* Stats. */
    T_SIZED(lfe_log_counters, st);
    CHECK_EQ(lfe_log_stats(log, &st), LFE_OK);
    CHECK_EQ(st.appended, 5);
    CHECK_EQ(st.enriched, 5);
    CHECK_EQ(st.capacity, 100);
    CHECK_EQ(st.size, sizeof st);

    /* Clear one process, then everything. */
    CHECK_EQ(lfe_log_clear_process(log, 2), LFE_OK);
    CHECK_EQ(lfe_log_read(log, 0, 100, &b), LFE_OK);
    CHECK_EQ(b->count, 3);
    lfe_batch_free(b);
    CHECK_EQ(lfe_log_clear(log), LFE_OK);
    CHECK_EQ(lfe_log_read(log, 0, 100, &b), LFE_OK);
    CHECK_EQ(b->count, 0);
    lfe_batch_free(b);
    CHECK_EQ(append(log, 1, LFE_LOG_STDOUT, "again", &seq), LFE_OK);
    CHECK_EQ(seq, 5);
    lfe_log_free(log);

    /* A store with its worker, filled past capacity: lines are evicted and counted. */
    cfg.manual = 0;
    cfg.capacity = 16;
    CHECK_EQ(lfe_log_new(&cfg, &log), LFE_OK);
    int n = t_light() ? 100 : 1000;
    for (int i = 0; i < n; i++) CHECK_EQ(append(log, 1, LFE_LOG_STDOUT, "tick", NULL), LFE_OK);
    CHECK_EQ(lfe_log_sync(log), LFE_OK);
    CHECK_EQ(lfe_log_read(log, 0, 1000, &b), LFE_OK);
    CHECK_EQ(b->count, 16);
    CHECK_EQ(b->missed, n - 16);
    lfe_batch_free(b);
    lfe_log_free(log);

    /* Per-line URLs: one LFE_REC_TEXT record per URL of the line, in order; NOT_FOUND before
     * enrichment and for lines not retained; *out untouched on error. */
    cfg.manual = 1;
    cfg.capacity = 4;
    CHECK_EQ(lfe_log_new(&cfg, &log), LFE_OK);
    uint64_t u0 = 0, u1 = 0;
    CHECK_EQ(append(log, 1, LFE_LOG_STDOUT,
                    "  \x1b[36mhttp://localhost:\x1b[1m5173\x1b[22m/\x1b[39m and ws://[::1]:24678{x}", &u0),
             LFE_OK);
    CHECK_EQ(append(log, 1, LFE_LOG_STDOUT, "no url", &u1), LFE_OK);
    lfe_batch *ub = (lfe_batch *)&cfg; /* a sentinel: must stay as it is on error */
    CHECK_EQ(lfe_log_line_urls(log, u0, &ub), LFE_E_NOT_FOUND);
    CHECK(ub == (lfe_batch *)&cfg);
    CHECK_EQ(lfe_log_sync(log), LFE_OK);
    ub = NULL;
    CHECK_EQ(lfe_log_line_urls(log, u0, &ub), LFE_OK);
    CHECK(ub != NULL);
    CHECK_EQ(ub->kind, LFE_REC_TEXT);
    CHECK_EQ(ub->record_size, sizeof(lfe_rec_text));
    CHECK_EQ(ub->count, 2);
    const lfe_rec_text *ut = (const lfe_rec_text *)ub->records;
    CHECK(bytes_eq(ut[0].text, "http://localhost:5173/"));
    CHECK(bytes_eq(ut[1].text, "ws://[::1]:24678/"));
    lfe_batch_free(ub);
    CHECK_EQ(lfe_log_line_urls(log, u1, &ub), LFE_OK);
    CHECK_EQ(ub->count, 0);
    lfe_batch_free(ub);
    CHECK_EQ(lfe_log_line_urls(log, 1000, &ub), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_log_line_urls(NULL, u0, &ub), LFE_E_NULL);
    CHECK_EQ(lfe_log_line_urls(log, u0, NULL), LFE_E_NULL);
    for (int i = 0; i < 4; i++) CHECK_EQ(append(log, 1, LFE_LOG_STDOUT, "tick", NULL), LFE_OK);
    CHECK_EQ(lfe_log_sync(log), LFE_OK);
    CHECK_EQ(lfe_log_line_urls(log, u0, &ub), LFE_E_NOT_FOUND); /* evicted */
    lfe_log_free(log);
    return t_finish("c log");
}
