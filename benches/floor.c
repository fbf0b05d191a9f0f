/* The start-up floor: a trivial program that prints one go-plugin-shaped
 * handshake line and then waits to be killed, so the measurer times
 * exec -> first line and reads its resident memory exactly as it does
 * for a real provider. Compiled by benches/run.sh into target/bench-tools;
 * never committed as a binary. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
    fputs("1|6|unix|/tmp/plugin-floor|grpc|\n", stdout);
    fflush(stdout);
    for (;;) pause();
}
