# Shell helpers shared by the demo, the installer and the test runner.
#
# Under `set -o pipefail`, a pipeline whose reader is `head` or a quiet grep
# fails whenever the reader exits before `cmd` has written everything: `cmd`
# then dies of SIGPIPE and pipefail reports that. So output is captured
# whole first, then tested; nothing here ends a pipeline early.

# Prints the first line of what "$@" writes to stdout; fails if it fails.
first_line() {
  local out
  out=$("$@") || return
  printf '%s\n' "${out%%$'\n'*}"
}

# Succeeds when the Terraform binary at $1 is executable and reports
# exactly version $2 (e.g. 1.0.3) on its first line.
terraform_is_version() {
  local bin=$1 want=$2 line
  [ -x "$bin" ] || return 1
  line=$(CHECKPOINT_DISABLE=1 first_line "$bin" version 2>/dev/null) || return 1
  [ "$line" = "Terraform v$want" ]
}
