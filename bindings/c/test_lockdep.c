/* C tests of the lock-order validator: the classic cases through the C ABI, the batch encoding
 * of a report (path text, ids, tokens), argument checks, and a threaded run with a consistent
 * order that must report nothing. */
#include "lfe.h"
#include "test_util.h"
#include <pthread.h>
#include <string.h>

static int bytes_eq(lfe_bytes b, const char *s) {
    size_t n = strlen(s);
    return b.len == n && (n == 0 || memcmp(b.ptr, s, n) == 0);
}

static uint32_t reg(const lfe_lockdep *v, const char *name) {
    uint32_t id = 0;
    CHECK_EQ(lfe_lockdep_register(v, (const uint8_t *)name, strlen(name), &id), LFE_OK);
    return id;
}

/* Reads the whole report list. */
static lfe_batch *reports(const lfe_lockdep *v, uint64_t since) {
    lfe_batch *b = NULL;
    CHECK_EQ(lfe_lockdep_violations(v, since, &b), LFE_OK);
    CHECK(b != NULL);
    CHECK_EQ(b->kind, LFE_REC_LOCKDEP_VIOLATION);
    CHECK_EQ(b->record_size, sizeof(lfe_rec_lockdep_violation));
    return b;
}

struct worker {
    const lfe_lockdep *v;
    uint32_t ids[6];
    uint64_t token;
    int rounds;
    int bad;
};

static void *consistent(void *arg) {
    struct worker *w = arg;
    for (int r = 0; r < w->rounds; r++) {
        /* Always in id order, a different subset each round. */
        for (int i = 0; i < 6; i++)
            if ((r + i + (int)w->token) % 3 != 0)
                if (lfe_lockdep_acquire(w->v, w->token, w->ids[i], 0) != LFE_OK) w->bad++;
        for (int i = 5; i >= 0; i--)
            if ((r + i + (int)w->token) % 3 != 0)
                if (lfe_lockdep_release(w->v, w->token, w->ids[i], 0) != LFE_OK) w->bad++;
    }
    return NULL;
}

int main(void) {
    lfe_lockdep *v = NULL;
    T_SIZED(lfe_lockdep_config, cfg);
    cfg.long_hold_ns = 1000;
    CHECK_EQ(lfe_lockdep_new(&cfg, NULL), LFE_E_NULL);
    cfg.max_locks = 100000;
    CHECK_NEW_REFUSED(lfe_lockdep_new, cfg, v, LFE_E_INVALID);
    cfg.max_locks = 0; /* default */
    CHECK_EQ(lfe_lockdep_new(&cfg, &v), LFE_OK);

    uint32_t a = reg(v, "A"), b = reg(v, "B"), c = reg(v, "C"), d = reg(v, "D");
    CHECK_EQ(reg(v, "A"), a);
    CHECK_EQ(lfe_lockdep_register(v, NULL, 3, &a), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_register(NULL, (const uint8_t *)"x", 1, &a), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_acquire(NULL, 1, a, 0), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_acquire(v, 1, 999, 0), LFE_E_NOT_FOUND);

    /* AB/BA: the second order is refused with CONFLICT, twice, reported once. */
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(lfe_lockdep_acquire(v, 1, a, 1), LFE_OK);
        CHECK_EQ(lfe_lockdep_acquire(v, 1, b, 1), LFE_OK);
        CHECK_EQ(lfe_lockdep_release(v, 1, b, 2), LFE_OK);
        CHECK_EQ(lfe_lockdep_release(v, 1, a, 2), LFE_OK);
        CHECK_EQ(lfe_lockdep_acquire(v, 2, b, 3), LFE_OK);
        CHECK_EQ(lfe_lockdep_acquire(v, 2, a, 3), LFE_E_CONFLICT);
        CHECK_EQ(lfe_lockdep_release(v, 2, a, 4), LFE_OK);
        CHECK_EQ(lfe_lockdep_release(v, 2, b, 4), LFE_OK);
    }
    /* B -> C (token 3), C -> D (token 4), D -> B (token 5) closes a 3-cycle. */
    CHECK_EQ(lfe_lockdep_acquire(v, 3, b, 5), LFE_OK);
    CHECK_EQ(lfe_lockdep_acquire(v, 3, c, 5), LFE_OK);
    CHECK_EQ(lfe_lockdep_release(v, 3, c, 6), LFE_OK);
    CHECK_EQ(lfe_lockdep_release(v, 3, b, 6), LFE_OK);
    CHECK_EQ(lfe_lockdep_acquire(v, 4, c, 5), LFE_OK);
    CHECK_EQ(lfe_lockdep_acquire(v, 4, d, 5), LFE_OK);
    CHECK_EQ(lfe_lockdep_release(v, 4, d, 6), LFE_OK);
    CHECK_EQ(lfe_lockdep_release(v, 4, c, 6), LFE_OK);
    CHECK_EQ(lfe_lockdep_acquire(v, 5, d, 5), LFE_OK);
    CHECK_EQ(lfe_lockdep_acquire(v, 5, b, 5), LFE_E_CONFLICT);
    CHECK_EQ(lfe_lockdep_release(v, 5, b, 6), LFE_OK);
    CHECK_EQ(lfe_lockdep_release(v, 5, d, 6), LFE_OK);
    /* Recursive: read under write. */
    CHECK_EQ(lfe_lockdep_acquire(v, 6, c, 10), LFE_OK);
    CHECK_EQ(lfe_lockdep_acquire_shared(v, 6, c, 10), LFE_E_CONFLICT);
    CHECK_EQ(lfe_lockdep_release(v, 6, c, 11), LFE_OK);
    CHECK_EQ(lfe_lockdep_release(v, 6, c, 11), LFE_OK);
    /* Release of a lock not held. */
    CHECK_EQ(lfe_lockdep_release(v, 7, d, 12), LFE_E_CONFLICT);
    /* Long hold, found by scan with injected time, then not reported again at release. */
    size_t n = 99;
    CHECK_EQ(lfe_lockdep_acquire_shared(v, 8, a, 100), LFE_OK);
    CHECK_EQ(lfe_lockdep_scan(v, 600, &n), LFE_OK);
    CHECK_EQ(n, 0);
    CHECK_EQ(lfe_lockdep_scan(v, 5000, &n), LFE_OK);
    CHECK_EQ(n, 1);
    CHECK_EQ(lfe_lockdep_scan(v, 5000, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_lockdep_release(v, 8, a, 6000), LFE_E_CONFLICT);

    lfe_batch *batch = reports(v, 0);
    CHECK_EQ(batch->count, 5);
    CHECK_EQ(batch->next, 5);
    CHECK_EQ(batch->missed, 0);
    if (batch->count == 5) {
        const lfe_rec_lockdep_violation *r = batch->records;
        CHECK_EQ(r[0].kind, LFE_LOCKDEP_ORDER_INVERSION);
        CHECK(bytes_eq(r[0].path, "B -> A -> B"));
        CHECK(bytes_eq(r[0].lock_name, "A"));
        CHECK_EQ(r[0].token, 2);
        CHECK_EQ(r[0].path_len, 3);
        CHECK_EQ(r[0].token_count, 2);
        uint32_t ids[3];
        uint64_t toks[2];
        CHECK_EQ(r[0].path_ids.len, sizeof ids);
        CHECK_EQ(r[0].tokens.len, sizeof toks);
        memcpy(ids, r[0].path_ids.ptr, sizeof ids);
        memcpy(toks, r[0].tokens.ptr, sizeof toks);
        CHECK(ids[0] == b && ids[1] == a && ids[2] == b);
        CHECK(toks[0] == 2 && toks[1] == 1);

        CHECK_EQ(r[1].kind, LFE_LOCKDEP_CYCLE);
        CHECK(bytes_eq(r[1].path, "D -> B -> C -> D"));
        CHECK_EQ(r[1].token_count, 3);
        uint64_t t3[3];
        memcpy(t3, r[1].tokens.ptr, sizeof t3);
        CHECK(t3[0] == 5 && t3[1] == 3 && t3[2] == 4);

        CHECK_EQ(r[2].kind, LFE_LOCKDEP_RECURSIVE);
        CHECK(bytes_eq(r[2].path, "C -> C"));
        CHECK_EQ(r[3].kind, LFE_LOCKDEP_RELEASE_UNHELD);
        CHECK(bytes_eq(r[3].path, "D"));
        CHECK_EQ(r[3].token, 7);
        CHECK_EQ(r[4].kind, LFE_LOCKDEP_LONG_HOLD);
        CHECK(bytes_eq(r[4].lock_name, "A"));
        CHECK_EQ(r[4].held_ns, 4900);
        for (size_t i = 0; i < batch->count; i++) CHECK_EQ(r[i].seq, i);
    }
    uint64_t next = batch->next;
    lfe_batch_free(batch);
    batch = reports(v, next);
    CHECK_EQ(batch->count, 0);
    CHECK(batch->records == NULL);
    lfe_batch_free(batch);

    lfe_lockdep_counters st;
    CHECK_EQ(lfe_lockdep_stats(v, SIZED(st)), LFE_OK);
    CHECK_EQ(st.locks, 4);
    CHECK_EQ(st.violations, 5);
    CHECK_EQ(st.holding_tokens, 0);
    CHECK_EQ(st.edges, 3); /* A->B, B->C, C->D */

    /* Disabled: nothing is recorded. */
    CHECK_EQ(lfe_lockdep_disable(v), LFE_OK);
    CHECK_EQ(lfe_lockdep_release(v, 9, a, 0), LFE_OK);
    CHECK_EQ(lfe_lockdep_enable(v), LFE_OK);
    CHECK_EQ(lfe_lockdep_enable(NULL), LFE_E_NULL);
    lfe_lockdep_free(v);
    lfe_lockdep_free(NULL);

    /* Threads with a consistent order: no report at all. */
    v = NULL;
    CHECK_EQ(lfe_lockdep_new(NULL, &v), LFE_OK);
    enum { T = 4 };
    struct worker w[T];
    pthread_t th[T];
    uint32_t ids[6];
    char name[16];
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof name, "L%d", i);
        ids[i] = reg(v, name);
    }
    for (int t = 0; t < T; t++) {
        w[t].v = v;
        memcpy(w[t].ids, ids, sizeof ids);
        w[t].token = (uint64_t)t + 100;
        w[t].rounds = t_light() ? 200 : 5000;
        w[t].bad = 0;
        CHECK_EQ(pthread_create(&th[t], NULL, consistent, &w[t]), 0);
    }
    for (int t = 0; t < T; t++) {
        pthread_join(th[t], NULL);
        CHECK_EQ(w[t].bad, 0);
    }
    batch = reports(v, 0);
    CHECK_EQ(batch->count, 0);
    lfe_batch_free(batch);
    CHECK_EQ(lfe_lockdep_stats(v, SIZED(st)), LFE_OK);
    CHECK_EQ(st.conflicts, 0);
    CHECK_EQ(st.acquires, st.releases);
    lfe_lockdep_free(v);

    return t_finish("c lockdep");
}
