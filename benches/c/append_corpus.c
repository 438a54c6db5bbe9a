/* Appends the benchmark corpus (benches/data/*.log) to a log store from C with the enrichment
 * worker on, then waits for enrichment with lfe_log_sync: the time per fully processed line, as
 * a host sees it. Built and run by `make bench-c-corpus` against this tree's library; build it
 * against another build's header and library (LFE_INC, LFE_LIB) to compare two versions side by
 * side in one sitting. Prints the median over ROUNDS rounds, each on a fresh store.
 *
 *   append_corpus ROUNDS file.log...
 */
#define _POSIX_C_SOURCE 200809L
#include "lfe.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct line {
    const uint8_t *p;
    size_t len;
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s ROUNDS file.log...\n", argv[0]);
        return 2;
    }
    int rounds = atoi(argv[1]);
    if (rounds < 1) rounds = 1;
    struct line *lines = NULL;
    size_t n = 0, cap = 0, bytes = 0;
    for (int f = 2; f < argc; f++) {
        FILE *fp = fopen(argv[f], "rb");
        if (!fp) {
            perror(argv[f]);
            return 1;
        }
        char *buf = NULL;
        size_t bcap = 0;
        ssize_t got;
        while ((got = getline(&buf, &bcap, fp)) >= 0) {
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                lines = realloc(lines, cap * sizeof *lines);
            }
            size_t len = (size_t)got;
            if (len && buf[len - 1] == '\n') len--;
            uint8_t *copy = malloc(len ? len : 1);
            memcpy(copy, buf, len);
            lines[n].p = copy;
            lines[n].len = len;
            bytes += len;
            n++;
        }
        free(buf);
        fclose(fp);
    }
    /* The corpus is small (a few thousand lines): append it REPEAT times per round so a round
     * lasts long enough to measure, through a store that wraps (capacity 10,000, the default). */
    const int repeat = 20;
    double *per_line = malloc((size_t)rounds * sizeof *per_line);
    for (int r = 0; r < rounds; r++) {
        lfe_log *log = NULL;
        if (lfe_log_new(NULL, &log) != LFE_OK) return 1;
        double t0 = now_s();
        for (int k = 0; k < repeat; k++)
            for (size_t i = 0; i < n; i++)
                if (lfe_log_append(log, 1 + i % 4, LFE_LOG_STDOUT, 0, lines[i].p, lines[i].len,
                                   NULL) != LFE_OK)
                    return 1;
        if (lfe_log_sync(log) != LFE_OK) return 1;
        double t1 = now_s();
        per_line[r] = (t1 - t0) * 1e9 / (double)(n * (size_t)repeat);
        lfe_log_free(log);
    }
    qsort(per_line, (size_t)rounds, sizeof *per_line, cmp_double);
    printf("append+enrich from C: %zu lines (%.1f bytes a line) x %d, %d rounds: median %.0f ns "
           "a line (min %.0f, max %.0f)\n",
           n, (double)bytes / (double)n, repeat, rounds, per_line[rounds / 2], per_line[0],
           per_line[rounds - 1]);
    for (size_t i = 0; i < n; i++) free((void *)lines[i].p);
    free(lines);
    free(per_line);
    return 0;
}
