/* C tests of lfe_log_tail_into: the same lines as lfe_log_tail, in the caller's buffer (texts
 * inside it), the size query, exact error codes. */
#include "lfe.h"
#include "test_util.h"
#include <stdint.h>
#include <string.h>

int main(void) {
    lfe_log *log = NULL;
    T_SIZED(lfe_log_config, cfg);
    cfg.capacity = 8;
    cfg.manual = 1;
    CHECK_EQ(lfe_log_new(&cfg, &log), LFE_OK);
    const char *texts[] = {"zero", "one", "", "three", "four"};
    for (uint64_t i = 0; i < 5; i++) {
        const char *t = texts[i];
        CHECK_EQ(lfe_log_append(log, i % 2, LFE_LOG_STDOUT, 0, (const uint8_t *)t, strlen(t), NULL), LFE_OK);
    }

    /* Size query, then the call: same records as lfe_log_tail, texts inside buf. */
    size_t count = 99, need = 0, len = 0;
    CHECK_EQ(lfe_log_tail_into(log, 3, 0, 0, NULL, 0, &count, &need), LFE_E_BUFFER_TOO_SMALL);
    CHECK_EQ(count, 99); /* not written on an error */
    CHECK_EQ(need, 3 * sizeof(lfe_log_line) + strlen("") + strlen("three") + strlen("four"));
    uint64_t mem[64];
    uint8_t *buf = (uint8_t *)mem;
    CHECK_EQ(lfe_log_tail_into(log, 3, 0, 0, buf, need - 1, &count, &len), LFE_E_BUFFER_TOO_SMALL);
    CHECK_EQ(len, need);
    CHECK_EQ(lfe_log_tail_into(log, 3, 0, 0, buf, sizeof mem, &count, &len), LFE_OK);
    CHECK_EQ(count, 3);
    CHECK_EQ(len, need);
    lfe_batch *b = NULL;
    CHECK_EQ(lfe_log_tail(log, 3, 0, 0, &b), LFE_OK);
    const lfe_log_line *want = (const lfe_log_line *)b->records;
    const lfe_log_line *got = (const lfe_log_line *)buf;
    for (size_t i = 0; i < 3; i++) {
        CHECK_EQ(got[i].seq, want[i].seq);
        CHECK_EQ(got[i].process_id, want[i].process_id);
        CHECK_EQ(got[i].text.len, want[i].text.len);
        CHECK(got[i].text.len == 0 ||
              (got[i].text.ptr >= buf && got[i].text.ptr + got[i].text.len <= buf + len &&
               memcmp(got[i].text.ptr, want[i].text.ptr, want[i].text.len) == 0));
    }
    CHECK_EQ(got[0].seq, 2);
    lfe_batch_free(b);

    /* One process; nothing. */
    CHECK_EQ(lfe_log_tail_into(log, 10, 1, 1, buf, sizeof mem, &count, &len), LFE_OK);
    CHECK_EQ(count, 2);
    CHECK_EQ(((const lfe_log_line *)buf)[1].seq, 3);
    CHECK_EQ(lfe_log_tail_into(log, 0, 0, 0, NULL, 0, &count, &len), LFE_OK);
    CHECK_EQ(count, 0);
    CHECK_EQ(len, 0);

    /* Errors. */
    CHECK_EQ(lfe_log_tail_into(NULL, 3, 0, 0, buf, sizeof mem, &count, &len), LFE_E_NULL);
    CHECK_EQ(lfe_log_tail_into(log, 3, 0, 0, buf, sizeof mem, NULL, &len), LFE_E_NULL);
    CHECK_EQ(lfe_log_tail_into(log, 3, 0, 0, buf, sizeof mem, &count, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_log_tail_into(log, 3, 2, 0, buf, sizeof mem, &count, &len), LFE_E_INVALID);
    CHECK_EQ(lfe_log_tail_into(log, 3, 0, 0, buf + 1, sizeof mem - 1, &count, &len), LFE_E_INVALID);
    CHECK_EQ(lfe_log_tail_into(log, 3, 0, 0, NULL, sizeof mem, &count, &len), LFE_E_NULL);

    lfe_log_free(log);
    return t_finish("c log tail_into");
}
