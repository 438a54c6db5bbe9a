/* C tests of the tables: process table, route table and request log. Every function, NULL
 * arguments, and the exact error codes (CONFLICT, INVALID, NOT_FOUND, EXISTS, ...). */
#include "lfe.h"
#include "test_util.h"
#include <stdint.h>
#include <string.h>

static lfe_bytes B(const char *s) {
    lfe_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = strlen(s);
    return b;
}

static int beq(lfe_bytes b, const char *s) {
    size_t n = strlen(s);
    return b.len == n && (n == 0 || memcmp(b.ptr, s, n) == 0);
}

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_procs(void) {
    lfe_procs *p = NULL;
    CHECK_EQ(lfe_procs_new(NULL, NULL), LFE_E_NULL);
    T_SIZED(lfe_procs_config, cfg);
    cfg.max_procs = 0;
    cfg.max_labels = 4;
    cfg.max_field = 64;
    CHECK_NEW_REFUSED(lfe_procs_new, cfg, p, LFE_E_INVALID);
    cfg.max_procs = 2;
    CHECK_EQ(lfe_procs_new(&cfg, &p), LFE_OK);
    CHECK(p != NULL);

    uint64_t gen = 0;
    CHECK_EQ(lfe_procs_generation(p, &gen), LFE_OK);
    CHECK_EQ(gen, 1);
    CHECK_NULLS(lfe_procs_generation, p, &gen);

    lfe_label labels[2];
    labels[0].key = B("team");
    labels[0].value = B("web");
    labels[1].key = B("k");
    labels[1].value = B("");
    lfe_proc_spec spec;
    spec.name = B("web");
    spec.command = B("npm run dev");
    spec.cwd = B("/srv/web");
    spec.labels = labels;
    spec.label_count = 2;
    uint64_t id = 0, id2 = 0;
    CHECK_EQ(lfe_procs_insert(p, &spec, &id), LFE_OK);
    CHECK_EQ(id, 1);
    CHECK_EQ(lfe_procs_insert(p, &spec, &id2), LFE_E_EXISTS);
    CHECK_EQ(lfe_procs_insert(NULL, &spec, &id2), LFE_E_NULL);
    CHECK_EQ(lfe_procs_insert(p, NULL, &id2), LFE_E_NULL);
    CHECK_EQ(lfe_procs_insert(p, &spec, NULL), LFE_E_NULL);
    lfe_proc_spec bad = spec;
    bad.name = B("");
    CHECK_EQ(lfe_procs_insert(p, &bad, &id2), LFE_E_INVALID);
    bad.name.ptr = NULL;
    bad.name.len = 3;
    CHECK_EQ(lfe_procs_insert(p, &bad, &id2), LFE_E_NULL);
    bad = spec;
    bad.name = B("a-name-that-is-longer-than-sixty-four-bytes-xxxxxxxxxxxxxxxxxxxxxxxxxx");
    CHECK_EQ(lfe_procs_insert(p, &bad, &id2), LFE_E_TOO_LARGE);
    bad = spec;
    bad.name = B("api");
    bad.labels = NULL;
    bad.label_count = 0;
    CHECK_EQ(lfe_procs_insert(p, &bad, &id2), LFE_OK);
    CHECK(id2 > id);
    bad.name = B("db");
    CHECK_EQ(lfe_procs_insert(p, &bad, &id2), LFE_E_FULL);

    size_t count = 0;
    CHECK_EQ(lfe_procs_count(p, &count), LFE_OK);
    CHECK_EQ(count, 2);
    CHECK_EQ(lfe_procs_count(p, NULL), LFE_E_NULL);

    lfe_batch *b = NULL;
    CHECK_EQ(lfe_procs_get(p, id, &b), LFE_OK);
    CHECK(b != NULL && b->kind == LFE_REC_PROC && b->count == 1);
    CHECK_EQ(b->record_size, sizeof(lfe_proc_record));
    {
        const lfe_proc_record *r = (const lfe_proc_record *)b->records;
        CHECK_EQ(r->id, id);
        CHECK_EQ(r->state, LFE_PROC_PENDING);
        CHECK(beq(r->name, "web") && beq(r->command, "npm run dev") && beq(r->cwd, "/srv/web"));
        CHECK_EQ(r->label_count, 2);
        /* labels: u32 LE key_len, key, u32 LE value_len, value */
        const uint8_t *q = r->labels.ptr;
        CHECK_EQ(r->labels.len, 4 + 4 + 4 + 3 + 4 + 1 + 4 + 0);
        CHECK_EQ(rd32(q), 4);
        CHECK(memcmp(q + 4, "team", 4) == 0);
        CHECK_EQ(rd32(q + 8), 3);
        CHECK(memcmp(q + 12, "web", 3) == 0);
        CHECK_EQ(rd32(q + 15), 1);
        CHECK_EQ(rd32(q + 20), 0);
    }
    lfe_batch_free(b);
    b = NULL;
    CHECK_EQ(lfe_procs_get(p, 999, &b), LFE_E_NOT_FOUND);
    CHECK(b == NULL);
    CHECK_EQ(lfe_procs_get(p, id, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_procs_get(NULL, id, &b), LFE_E_NULL);

    CHECK_EQ(lfe_procs_find(p, (const uint8_t *)"api", 3, &b), LFE_OK);
    CHECK_EQ(((const lfe_proc_record *)b->records)->id, id2);
    CHECK(beq(((const lfe_proc_record *)b->records)->name, "api"));
    lfe_batch_free(b);
    CHECK_EQ(lfe_procs_find(p, (const uint8_t *)"nope", 4, &b), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_procs_find(p, NULL, 4, &b), LFE_E_NULL);
    CHECK_EQ(lfe_procs_find(p, NULL, 0, &b), LFE_E_NOT_FOUND);

    /* Transitions. */
    CHECK_EQ(lfe_procs_transition(p, id, LFE_PROC_PENDING, LFE_PROC_STARTING, 0), LFE_OK);
    CHECK_EQ(lfe_procs_transition(p, id, LFE_PROC_PENDING, LFE_PROC_STARTING, 0), LFE_E_CONFLICT);
    CHECK_EQ(lfe_procs_transition(p, id, LFE_PROC_STARTING, LFE_PROC_PENDING, 0), LFE_E_INVALID);
    CHECK_EQ(lfe_procs_transition(p, id, 7, LFE_PROC_STARTING, 0), LFE_E_INVALID);
    CHECK_EQ(lfe_procs_transition(p, id, LFE_PROC_STARTING, 99, 0), LFE_E_INVALID);
    CHECK_EQ(lfe_procs_transition(p, 999, LFE_PROC_PENDING, LFE_PROC_STARTING, 0), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_procs_transition(NULL, id, LFE_PROC_PENDING, LFE_PROC_STARTING, 0), LFE_E_NULL);
    CHECK_EQ(lfe_procs_set_pid(p, id, 4242), LFE_OK);
    CHECK_EQ(lfe_procs_set_pid(p, 999, 1), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_procs_set_pid(NULL, id, 1), LFE_E_NULL);
    CHECK_EQ(lfe_procs_transition(p, id, LFE_PROC_STARTING, LFE_PROC_RUNNING, 0), LFE_OK);
    CHECK_EQ(lfe_procs_transition(p, id, LFE_PROC_RUNNING, LFE_PROC_EXITED, 3), LFE_E_INVALID);
    CHECK_EQ(lfe_procs_transition(p, id, LFE_PROC_RUNNING, LFE_PROC_FAILED, 0), LFE_E_INVALID);
    CHECK_EQ(lfe_procs_transition(p, id, LFE_PROC_RUNNING, LFE_PROC_STOPPING, 0), LFE_OK);
    CHECK_EQ(lfe_procs_transition(p, id, LFE_PROC_STOPPING, LFE_PROC_STOPPED, 0), LFE_OK);
    /* A late exit handler cannot turn stopped into failed. */
    CHECK_EQ(lfe_procs_transition(p, id, LFE_PROC_RUNNING, LFE_PROC_FAILED, 1), LFE_E_CONFLICT);
    CHECK_EQ(lfe_procs_transition(p, id, LFE_PROC_STOPPED, LFE_PROC_STARTING, 0), LFE_OK);
    CHECK_EQ(lfe_procs_transition(p, id, LFE_PROC_STARTING, LFE_PROC_FAILED, 2), LFE_OK);

    uint64_t gen2 = 0;
    CHECK_EQ(lfe_procs_generation(p, &gen2), LFE_OK);
    CHECK(gen2 > gen);
    CHECK_EQ(lfe_procs_list(p, &b), LFE_OK);
    CHECK_EQ(b->count, 2);
    CHECK_EQ(b->next, gen2);
    {
        const lfe_proc_record *r = (const lfe_proc_record *)b->records;
        CHECK_EQ(r[0].id, id);
        CHECK_EQ(r[0].state, LFE_PROC_FAILED);
        CHECK_EQ(r[0].exit_code, 2);
        CHECK_EQ(r[0].restarts, 1);
        CHECK_EQ(r[0].pid, 0); /* cleared by the restart */
        CHECK(r[0].end_ns >= r[0].start_ns && r[0].start_ns > 0);
        CHECK(r[1].id > r[0].id);
    }
    lfe_batch_free(b);
    CHECK_NULLS(lfe_procs_list, p, &b);

    CHECK_EQ(lfe_procs_remove(p, id), LFE_OK);
    CHECK_EQ(lfe_procs_remove(p, id), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_procs_remove(NULL, id), LFE_E_NULL);
    CHECK_EQ(lfe_procs_insert(p, &spec, &id2), LFE_OK);
    CHECK(id2 > id + 1); /* ids are never reused */

    lfe_procs_free(p);
    lfe_procs_free(NULL);
}

static void test_routes(void) {
    lfe_routes *r = NULL;
    CHECK_EQ(lfe_routes_new(NULL, NULL), LFE_E_NULL);
    lfe_routes_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.size = 1; /* smaller than the size field itself */
    CHECK_EQ(lfe_routes_new(&cfg, &r), LFE_E_INVALID);
    CHECK_EQ(lfe_routes_new(NULL, &r), LFE_OK);

    lfe_route_spec s;
    s.host = B("App.local");
    s.path_prefix = B("/api");
    s.target = B("http://localhost:3000");
    s.label = B("api");
    s.process_id = 7;
    s.proxy_port = 8080;
    uint64_t a = 0, w = 0, x = 0;
    CHECK_EQ(lfe_routes_add(r, &s, &a), LFE_OK);
    CHECK_EQ(lfe_routes_add(r, &s, &x), LFE_E_EXISTS);
    CHECK_EQ(lfe_routes_add(NULL, &s, &x), LFE_E_NULL);
    CHECK_EQ(lfe_routes_add(r, NULL, &x), LFE_E_NULL);
    CHECK_EQ(lfe_routes_add(r, &s, NULL), LFE_E_NULL);
    lfe_route_spec bad = s;
    bad.path_prefix = B("api");
    CHECK_EQ(lfe_routes_add(r, &bad, &x), LFE_E_INVALID);
    bad = s;
    bad.proxy_port = 70000;
    CHECK_EQ(lfe_routes_add(r, &bad, &x), LFE_E_INVALID);
    lfe_route_spec wild = s;
    wild.host = B("*");
    wild.path_prefix = B("/");
    wild.target = B("http://localhost:9000");
    wild.process_id = 9;
    CHECK_EQ(lfe_routes_add(r, &wild, &w), LFE_OK);

    lfe_batch *b = NULL;
    CHECK_EQ(lfe_routes_lookup(r, (const uint8_t *)"app.LOCAL", 9, (const uint8_t *)"/api/x", 6, &b),
             LFE_OK);
    CHECK(b->kind == LFE_REC_ROUTE && b->count == 1 && b->record_size == sizeof(lfe_route_record));
    {
        const lfe_route_record *rec = (const lfe_route_record *)b->records;
        CHECK_EQ(rec->id, a);
        CHECK_EQ(rec->process_id, 7);
        CHECK_EQ(rec->proxy_port, 8080);
        CHECK(beq(rec->host, "app.local") && beq(rec->path_prefix, "/api") && beq(rec->label, "api"));
        CHECK(beq(rec->target, "http://localhost:3000"));
    }
    lfe_batch_free(b);
    CHECK_EQ(lfe_routes_lookup(r, (const uint8_t *)"other", 5, (const uint8_t *)"/q", 2, &b), LFE_OK);
    CHECK_EQ(((const lfe_route_record *)b->records)->id, w);
    lfe_batch_free(b);
    /* Empty host falls back to the wildcard, but "/" does not match the empty path. */
    CHECK_EQ(lfe_routes_lookup(r, NULL, 0, NULL, 0, &b), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_routes_lookup(r, NULL, 3, NULL, 0, &b), LFE_E_NULL);
    CHECK_EQ(lfe_routes_lookup(r, NULL, 0, NULL, 0, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_routes_lookup(NULL, NULL, 0, NULL, 0, &b), LFE_E_NULL);

    CHECK_EQ(lfe_routes_get(r, a, &b), LFE_OK);
    CHECK_EQ(((const lfe_route_record *)b->records)->id, a);
    lfe_batch_free(b);
    CHECK_EQ(lfe_routes_get(r, 999, &b), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_routes_get(NULL, a, &b), LFE_E_NULL);
    CHECK_EQ(lfe_routes_get(r, a, NULL), LFE_E_NULL);

    const char *url = "http://LOCALHOST:3000/some/page";
    CHECK_EQ(lfe_routes_attribute(r, (const uint8_t *)url, strlen(url), &b), LFE_OK);
    CHECK_EQ(((const lfe_route_record *)b->records)->process_id, 7);
    lfe_batch_free(b);
    CHECK_EQ(lfe_routes_attribute(r, (const uint8_t *)"http://x:1", 10, &b), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_routes_attribute(r, NULL, 1, &b), LFE_E_NULL);
    CHECK_EQ(lfe_routes_attribute(NULL, NULL, 0, &b), LFE_E_NULL);
    CHECK_EQ(lfe_routes_attribute(r, NULL, 0, NULL), LFE_E_NULL);

    lfe_route_spec rep = s;
    rep.path_prefix = B("/v2");
    CHECK_EQ(lfe_routes_replace(r, a, &rep), LFE_OK);
    CHECK_EQ(lfe_routes_replace(r, 999, &rep), LFE_E_NOT_FOUND);
    rep.host = B("*");
    rep.path_prefix = B("/");
    CHECK_EQ(lfe_routes_replace(r, a, &rep), LFE_E_EXISTS);
    CHECK_EQ(lfe_routes_replace(NULL, a, &rep), LFE_E_NULL);
    CHECK_EQ(lfe_routes_replace(r, a, NULL), LFE_E_NULL);

    size_t n = 0;
    uint64_t gen = 0;
    CHECK_EQ(lfe_routes_count(r, &n), LFE_OK);
    CHECK_EQ(n, 2);
    CHECK_NULLS(lfe_routes_count, r, &n);
    CHECK_EQ(lfe_routes_generation(r, &gen), LFE_OK);
    CHECK_EQ(gen, 4); /* 1 + add + add + replace */
    CHECK_NULLS(lfe_routes_generation, r, &gen);
    CHECK_EQ(lfe_routes_list(r, &b), LFE_OK);
    CHECK_EQ(b->count, 2);
    CHECK_EQ(b->next, gen);
    CHECK_EQ(((const lfe_route_record *)b->records)[0].id, a);
    CHECK(beq(((const lfe_route_record *)b->records)[0].path_prefix, "/v2"));
    lfe_batch_free(b);
    CHECK_NULLS(lfe_routes_list, r, &b);

    CHECK_EQ(lfe_routes_remove(r, w), LFE_OK);
    CHECK_EQ(lfe_routes_remove(r, w), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_routes_remove(NULL, w), LFE_E_NULL);
    CHECK_EQ(lfe_routes_lookup(r, (const uint8_t *)"other", 5, (const uint8_t *)"/q", 2, &b),
             LFE_E_NOT_FOUND);
    lfe_routes_free(r);
    lfe_routes_free(NULL);
}

static lfe_request_in req(uint64_t route, uint32_t status, uint64_t dur) {
    lfe_request_in q;
    memset(&q, 0, sizeof q);
    q.route_id = route;
    q.status = status;
    q.duration_ns = dur;
    q.bytes = 10;
    q.method = B("GET");
    q.host = B("app");
    q.path = B("/x");
    return q;
}

static void test_requests(void) {
    lfe_requests *l = NULL;
    CHECK_EQ(lfe_requests_new(NULL, NULL), LFE_E_NULL);
    T_SIZED(lfe_requests_config, cfg);
    cfg.capacity = 0;
    cfg.max_routes = 4;
    cfg.max_field = 16;
    CHECK_EQ(lfe_requests_new(&cfg, &l), LFE_E_INVALID);
    cfg.capacity = 4;
    CHECK_EQ(lfe_requests_new(&cfg, &l), LFE_OK);

    uint64_t seq = 99;
    lfe_request_in q = req(1, 200, 1000);
    CHECK_EQ(lfe_requests_record(l, &q, &seq), LFE_OK);
    CHECK_EQ(seq, 0);
    CHECK_EQ(lfe_requests_record(NULL, &q, &seq), LFE_E_NULL);
    CHECK_EQ(lfe_requests_record(l, NULL, &seq), LFE_E_NULL);
    CHECK_EQ(lfe_requests_record(l, &q, NULL), LFE_E_NULL);
    lfe_request_in bad = q;
    bad.flags = 64;
    CHECK_EQ(lfe_requests_record(l, &bad, &seq), LFE_E_INVALID);
    bad = q;
    bad.path = B("/a/path/longer/than/16");
    CHECK_EQ(lfe_requests_record(l, &bad, &seq), LFE_E_TOO_LARGE);

    lfe_request_in qs[3];
    qs[0] = req(1, 500, 2000);
    qs[1] = req(0, 200, 3000);
    qs[1].flags = LFE_REQ_XHR;
    qs[1].trace_id = B("trace-1");
    qs[2] = req(2, 0, 4000);
    qs[2].flags = LFE_REQ_TRANSPORT_ERROR;
    CHECK_EQ(lfe_requests_record_batch(l, qs, 3, &seq), LFE_OK);
    CHECK_EQ(seq, 1);
    CHECK_EQ(lfe_requests_record_batch(l, NULL, 0, &seq), LFE_OK);
    CHECK_EQ(seq, 4);
    CHECK_EQ(lfe_requests_record_batch(l, NULL, 2, &seq), LFE_E_NULL);
    CHECK_EQ(lfe_requests_record_batch(NULL, qs, 3, &seq), LFE_E_NULL);
    CHECK_EQ(lfe_requests_record_batch(l, qs, 3, NULL), LFE_E_NULL);
    lfe_request_in many[5] = {q, q, q, q, q};
    CHECK_EQ(lfe_requests_record_batch(l, many, 5, &seq), LFE_E_TOO_LARGE);

    lfe_batch *b = NULL;
    CHECK_EQ(lfe_requests_read(l, 0, 100, &b), LFE_OK);
    CHECK(b->kind == LFE_REC_REQUEST && b->record_size == sizeof(lfe_request_record));
    CHECK_EQ(b->count, 4);
    CHECK_EQ(b->next, 4);
    CHECK_EQ(b->missed, 0);
    {
        const lfe_request_record *r = (const lfe_request_record *)b->records;
        for (size_t i = 0; i < 4; i++) CHECK_EQ(r[i].seq, i);
        CHECK_EQ(r[0].flags, 0);
        CHECK_EQ(r[1].flags, LFE_REQ_ERROR);
        CHECK_EQ(r[2].flags, LFE_REQ_XHR);
        CHECK(beq(r[2].trace_id, "trace-1"));
        CHECK_EQ(r[3].flags, LFE_REQ_TRANSPORT_ERROR | LFE_REQ_ERROR);
        CHECK(beq(r[0].method, "GET") && beq(r[0].host, "app") && beq(r[0].path, "/x"));
        CHECK(r[0].time_ns > 0);
    }
    lfe_batch_free(b);
    /* Two more: the ring (capacity 4) evicts seq 0 and 1. */
    CHECK_EQ(lfe_requests_record_batch(l, qs, 2, &seq), LFE_OK);
    CHECK_EQ(lfe_requests_read(l, 0, 2, &b), LFE_OK);
    CHECK_EQ(b->count, 2);
    CHECK_EQ(b->missed, 2);
    CHECK_EQ(b->next, 4);
    CHECK_EQ(((const lfe_request_record *)b->records)[0].seq, 2);
    lfe_batch_free(b);
    CHECK_EQ(lfe_requests_read(NULL, 0, 2, &b), LFE_E_NULL);
    CHECK_EQ(lfe_requests_read(l, 0, 2, NULL), LFE_E_NULL);

    CHECK_EQ(lfe_requests_recent(l, 2, &b), LFE_OK);
    CHECK_EQ(b->count, 2);
    CHECK_EQ(((const lfe_request_record *)b->records)[1].seq, 5);
    CHECK_EQ(b->next, 6);
    lfe_batch_free(b);
    CHECK_EQ(lfe_requests_recent(NULL, 2, &b), LFE_E_NULL);
    CHECK_EQ(lfe_requests_recent(l, 2, NULL), LFE_E_NULL);

    lfe_request_stats st;
    CHECK_EQ(lfe_requests_route_stats(l, 1, SIZED(st)), LFE_OK);
    CHECK_EQ(st.requests, 3);
    CHECK_EQ(st.errors, 2);
    CHECK_EQ(st.bytes, 30);
    CHECK(st.p50_ns >= 1000 && st.p50_ns <= st.p90_ns && st.p90_ns <= st.p99_ns);
    CHECK(st.p99_ns >= 2000 && st.p99_ns <= 2500);
    CHECK_EQ(lfe_requests_route_stats(l, 0, SIZED(st)), LFE_OK);
    CHECK_EQ(st.requests, 2);
    CHECK_EQ(lfe_requests_route_stats(l, 77, SIZED(st)), LFE_E_NOT_FOUND);
    CHECK_EQ(lfe_requests_route_stats(NULL, 1, SIZED(st)), LFE_E_NULL);
    CHECK_EQ(lfe_requests_route_stats(l, 1, NULL), LFE_E_NULL);
    CHECK_EQ(lfe_requests_global_stats(l, SIZED(st)), LFE_OK);
    CHECK_EQ(st.requests, 6);
    CHECK_EQ(st.errors, 3);
    CHECK_EQ(lfe_requests_global_stats(NULL, SIZED(st)), LFE_E_NULL);
    CHECK_EQ(lfe_requests_global_stats(l, NULL), LFE_E_NULL);

    /* Many records (lighter under valgrind): the cursor keeps up, nothing is duplicated. */
    int rounds = t_light() ? 200 : 5000;
    uint64_t cursor = 6, got = 0, missed = 0;
    for (int i = 0; i < rounds; i++) {
        CHECK_EQ(lfe_requests_record(l, &q, &seq), LFE_OK);
        if (i % 3 == 0) {
            CHECK_EQ(lfe_requests_read(l, cursor, 100, &b), LFE_OK);
            got += b->count;
            missed += b->missed;
            cursor = b->next;
            lfe_batch_free(b);
        }
    }
    CHECK_EQ(lfe_requests_read(l, cursor, 100, &b), LFE_OK);
    got += b->count;
    missed += b->missed;
    CHECK_EQ(b->next, 6 + (uint64_t)rounds);
    lfe_batch_free(b);
    CHECK_EQ(got + missed, (uint64_t)rounds);

    lfe_requests_free(l);
    lfe_requests_free(NULL);
}

/* Every table's config limits: zero bounds, each LFE_*_MAX_* accepted exactly and one over it
 * LFE_E_TOO_LARGE, the out-param untouched on failure. */
static void test_limits(void) {
    lfe_procs *p = NULL;
    T_SIZED(lfe_procs_config, pc);
    pc.max_procs = LFE_PROCS_MAX_PROCS;
    pc.max_labels = 0; /* no labels: valid */
    pc.max_field = LFE_PROCS_MAX_FIELD;
    CHECK_EQ(lfe_procs_new(&pc, &p), LFE_OK);
    lfe_label lab = {B("k"), B("v")};
    lfe_proc_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.name = B("a");
    spec.labels = &lab;
    spec.label_count = 1;
    uint64_t id = 0;
    CHECK_EQ(lfe_procs_insert(p, &spec, &id), LFE_E_TOO_LARGE);
    spec.label_count = 0;
    CHECK_EQ(lfe_procs_insert(p, &spec, &id), LFE_OK);
    CHECK_EQ(id, 1);
    lfe_procs_free(p);
    p = NULL;
    pc.max_labels = LFE_PROCS_MAX_LABELS;
    CHECK_NEW_FREE(lfe_procs_new, pc, p, lfe_procs_free);
    CHECK_OVER_MAX(lfe_procs_new, pc, p, max_procs, LFE_PROCS_MAX_PROCS, 1);
    CHECK_OVER_MAX(lfe_procs_new, pc, p, max_labels, LFE_PROCS_MAX_LABELS, 1);
    CHECK_OVER_MAX(lfe_procs_new, pc, p, max_field, LFE_PROCS_MAX_FIELD, 0);
    CHECK_NEW_REFUSED(lfe_procs_new, pc, p, LFE_E_INVALID);

    lfe_routes *r = NULL;
    T_SIZED(lfe_routes_config, rc);
    rc.max_routes = LFE_ROUTES_MAX_ROUTES;
    rc.max_field = LFE_ROUTES_MAX_FIELD;
    CHECK_NEW_FREE(lfe_routes_new, rc, r, lfe_routes_free);
    CHECK_OVER_MAX(lfe_routes_new, rc, r, max_routes, LFE_ROUTES_MAX_ROUTES, 1);
    CHECK_OVER_MAX(lfe_routes_new, rc, r, max_field, LFE_ROUTES_MAX_FIELD, 0);
    CHECK_NEW_REFUSED(lfe_routes_new, rc, r, LFE_E_INVALID);

    /* Request log: the largest capacity, with room for it, is created without committing its
     * slots (only the 128 KiB chunk table), or refused with NOMEM, never an abort; a record
     * commits one chunk of 1024 slots. Cheap under valgrind and ASan too. */
    lfe_requests *l = NULL;
    T_SIZED(lfe_requests_config, qc);
    qc.capacity = LFE_REQUESTS_MAX_CAPACITY;
    qc.max_routes = LFE_REQUESTS_MAX_ROUTES;
    qc.max_field = LFE_REQUESTS_MAX_FIELD;
    /* max_bytes 0 is the default, too small for this ring's slots */
    CHECK_EQ(lfe_requests_new(&qc, &l), LFE_E_TOO_LARGE);
    qc.max_bytes = SIZE_MAX;
    int32_t rc_new = lfe_requests_new(&qc, &l);
    CHECK(rc_new == LFE_OK || rc_new == LFE_E_NOMEM);
    if (rc_new == LFE_OK) {
        size_t bytes = 0;
        CHECK_EQ(lfe_requests_retained_bytes(l, &bytes), LFE_OK);
        CHECK(bytes <= 128 * 1024);
        size_t before = bytes;
        lfe_request_in q;
        memset(&q, 0, sizeof q);
        q.path = B("/");
        uint64_t seq = 99;
        CHECK_EQ(lfe_requests_record(l, &q, &seq), LFE_OK);
        CHECK_EQ(seq, 0);
        CHECK_EQ(lfe_requests_retained_bytes(l, &bytes), LFE_OK);
        CHECK_EQ(bytes, before + 1024 * LFE_REQUESTS_SLOT_BYTES);
        CHECK_NULLS(lfe_requests_retained_bytes, l, &bytes);
        lfe_requests_free(l);
    }
    l = NULL;
    CHECK_OVER_MAX(lfe_requests_new, qc, l, capacity, LFE_REQUESTS_MAX_CAPACITY, 4);
    /* then max_routes 0: no per-route stats, valid */
    CHECK_OVER_MAX(lfe_requests_new, qc, l, max_routes, LFE_REQUESTS_MAX_ROUTES, 0);
    CHECK_OVER_MAX(lfe_requests_new, qc, l, max_field, LFE_REQUESTS_MAX_FIELD, 16);
    qc.max_bytes = 4 * LFE_REQUESTS_SLOT_BYTES; /* no room for the chunk table */
    CHECK_EQ(lfe_requests_new(&qc, &l), LFE_E_TOO_LARGE);
    qc.max_field = 0;
    CHECK_NEW_REFUSED(lfe_requests_new, qc, l, LFE_E_INVALID);

    /* A bound in bytes: a small budget keeps retained bytes within max_bytes while long
     * records come in; the oldest long records are counted as missed. */
    qc.capacity = 16;
    qc.max_field = 256;
    qc.max_bytes = 16 * LFE_REQUESTS_SLOT_BYTES + 8 + 4 * 256 + 64; /* slots, table, ~3 paths */
    CHECK_EQ(lfe_requests_new(&qc, &l), LFE_OK);
    char path[256];
    memset(path, 'p', sizeof path);
    for (int i = 0; i < 16; i++) {
        lfe_request_in q;
        memset(&q, 0, sizeof q);
        q.path.ptr = (const uint8_t *)path;
        q.path.len = sizeof path;
        uint64_t seq = 0;
        CHECK_EQ(lfe_requests_record(l, &q, &seq), LFE_OK);
        size_t bytes = 0;
        CHECK_EQ(lfe_requests_retained_bytes(l, &bytes), LFE_OK);
        CHECK(bytes <= qc.max_bytes);
    }
    lfe_batch *b = NULL;
    CHECK_EQ(lfe_requests_read(l, 0, 100, &b), LFE_OK);
    CHECK_EQ(b->next, 16);
    CHECK(b->missed > 0 && b->count > 0);
    CHECK_EQ(b->count + b->missed, 16);
    lfe_batch_free(b);
    lfe_requests_free(l);
}

int main(void) {
    test_procs();
    test_routes();
    test_requests();
    test_limits();
    return t_finish("c tables");
}
