/* Benchmark wrapper installed in the filesystem mirror in place of the
 * provider: runs the real provider ($TFWS_BENCH_EXEC, with the arguments
 * Terraform passed; or, without that variable, argv[1] with the rest) as
 * its child, with the same stdin/stdout/stderr, passes on
 * SIGINT/SIGTERM, and when the child ends appends one line to the file
 * named by $TFWS_BENCH_RUSAGE:
 *     wall_s user_s sys_s maxrss_kib
 * from wait4(2), in microseconds' precision (GNU time's %U/%S round to
 * 10 ms). Exits with the child's status. Compiled by benches/run.sh into
 * target/bench-tools; never committed as a binary. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child;

static void forward(int sig) {
    if (child > 0) kill(child, sig);
}

int main(int argc, char **argv) {
    const char *exe = getenv("TFWS_BENCH_EXEC");
    char **args = argv;
    if (!exe || !*exe) {
        if (argc < 2) {
            fputs("usage: rusage_wrap PROGRAM [ARG ...] (or set TFWS_BENCH_EXEC)\n", stderr);
            return 2;
        }
        exe = argv[1];
        args = argv + 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    child = fork();
    if (child < 0) { perror("fork"); return 1; }
    if (child == 0) {
        execv(exe, args);
        perror("execv");
        _exit(127);
    }
    signal(SIGINT, forward);
    signal(SIGTERM, forward);
    int status;
    struct rusage ru;
    while (wait4(child, &status, 0, &ru) < 0) {}
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const char *path = getenv("TFWS_BENCH_RUSAGE");
    if (path && *path) {
        FILE *f = fopen(path, "a");
        if (f) {
            fprintf(f, "%.6f %.6f %.6f %ld\n",
                    (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
                    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
                    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss);
            fclose(f);
        }
    }
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
