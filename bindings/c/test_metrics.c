/* C tests of lfe_metrics_render: the size query, the text's frame, exact error codes. The
 * exposition itself is parsed by real OpenMetrics parsers in the Python and Go tests. */
#include "lfe.h"
#include "test_util.h"
#include <string.h>

static lfe_metrics_source src(uint32_t kind, const void *h, const char *name) {
    lfe_metrics_source s;
    memset(&s, 0, sizeof s);
    s.kind = kind;
    s.handle = h;
    s.name.ptr = (const uint8_t *)name;
    s.name.len = strlen(name);
    return s;
}

int main(void) {
    lfe_log *log = NULL;
    lfe_queue *q = NULL;
    CHECK_EQ(lfe_log_new(NULL, &log), LFE_OK);
    CHECK_EQ(lfe_queue_new(NULL, &q), LFE_OK);
    const char *line = "hello";
    CHECK_EQ(lfe_log_append(log, 1, LFE_LOG_STDOUT, 0, (const uint8_t *)line, 5, NULL), LFE_OK);
    lfe_metrics_source s[2] = {src(LFE_METRICS_LOG, log, "app"), src(LFE_METRICS_QUEUE, q, "jobs")};

    /* Size query: nothing copied, the length needed written. */
    size_t need = 0;
    CHECK_EQ(lfe_metrics_render(s, 2, NULL, 0, &need), LFE_E_BUFFER_TOO_SMALL);
    CHECK(need > 0);
    char *buf = malloc(need + 1);
    size_t got = 0;
    CHECK_EQ(lfe_metrics_render(s, 2, (uint8_t *)buf, need - 1, &got), LFE_E_BUFFER_TOO_SMALL);
    CHECK_EQ(got, need);
    CHECK_EQ(lfe_metrics_render(s, 2, (uint8_t *)buf, need, &got), LFE_OK);
    CHECK_EQ(got, need);
    buf[got] = 0;
    CHECK(strstr(buf, "lfe_log_appended_total{name=\"app\"} 1\n") != NULL);
    CHECK(strstr(buf, "lfe_queue_depth{name=\"jobs\"} 0\n") != NULL);
    CHECK(got >= 6 && strcmp(buf + got - 6, "# EOF\n") == 0);

    /* Nothing to export is just the end marker. */
    CHECK_EQ(lfe_metrics_render(NULL, 0, (uint8_t *)buf, need, &got), LFE_OK);
    CHECK_EQ(got, 6);

    /* Errors. */
    lfe_metrics_source bad = src(99, log, "x");
    CHECK_EQ(lfe_metrics_render(&bad, 1, (uint8_t *)buf, need, &got), LFE_E_INVALID);
    bad = src(LFE_METRICS_LOG, log, "");
    CHECK_EQ(lfe_metrics_render(&bad, 1, (uint8_t *)buf, need, &got), LFE_E_INVALID);
    lfe_metrics_source dup[2] = {src(LFE_METRICS_LOG, log, "a"), src(LFE_METRICS_LOG, log, "a")};
    CHECK_EQ(lfe_metrics_render(dup, 2, (uint8_t *)buf, need, &got), LFE_E_INVALID);
    bad = src(LFE_METRICS_QUEUE, NULL, "x");
    CHECK_EQ(lfe_metrics_render(&bad, 1, (uint8_t *)buf, need, &got), LFE_E_NULL);
    CHECK_EQ(lfe_metrics_render(NULL, 1, (uint8_t *)buf, need, &got), LFE_E_NULL);
    CHECK_EQ(lfe_metrics_render(s, 2, (uint8_t *)buf, need, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_metrics_render(s, 2, NULL, need, &got), LFE_E_NULL);

    free(buf);
    lfe_queue_free(q);
    lfe_log_free(log);
    return t_finish("c metrics");
}
