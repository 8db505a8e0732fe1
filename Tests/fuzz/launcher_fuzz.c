/* libFuzzer entry for the launcher's parsing under ASan (scripts/fuzz.sh builds it with clang):
 * WARDEN_FUZZ_TARGET=opts splits the input at NULs into `run` options; =report escapes it as a
 * JSON string for the status line and checks the result is one. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl_opts.h"
#include "wl_report.h"

const char *wl_cgroup_kind(const struct wl_cgroup *cg) { (void)cg; return "none"; }

static int fuzz_opts(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    char *argv[66] = { "warden-launcher", "run" };
    int argc = 2;
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (size_t start = 0; start <= size && argc < 64;) {
        argv[argc++] = copy + start;
        size_t len = strlen(copy + start);
        start += len + 1;
    }
    argv[argc] = NULL;
    struct wl_opts o;
    if (wl_parse_run_opts(argc, argv, &o) == 0)
        free(o.py_argv);
    free(copy);
    return 0;
}

static int fuzz_report(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    wl_json_str(f, text);
    fclose(f);
    if (len < 2 || out[0] != '"' || out[len - 1] != '"') abort();
    for (size_t i = 1; i + 1 < len; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c < 0x20 || c >= 0x7f) abort();            /* every control or non-ASCII byte escaped */
        if (c == '"' && out[i - 1] != '\\') abort();    /* no quote ends the string early */
    }
    free(out);
    free(text);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *target = getenv("WARDEN_FUZZ_TARGET");
    if (target && !strcmp(target, "opts")) return fuzz_opts(data, size);
    if (target && !strcmp(target, "report")) return fuzz_report(data, size);
    fprintf(stderr, "set WARDEN_FUZZ_TARGET to opts or report\n");
    abort();
}
