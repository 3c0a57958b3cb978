#!/usr/bin/env bash
# Runs `swift test` with the given arguments, passes its output through unchanged, then prints one line
# counting the skipped tests and why (Swift Testing's `Test x() skipped: "reason".` lines and XCTest's
# `Test Case '…' skipped`), so a test run that silently skipped tests says so at its end.
# Exits with swift test's own status.
#   usage: scripts/swift-test-summary.sh [swift test arguments…]      (SWIFT=… overrides the swift binary)
set -uo pipefail
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
"${SWIFT:-swift}" test "$@" 2>&1 | awk -v summary="$summary" '
    { print; fflush() }
    # Swift Testing: "<symbol> Test name() skipped" or "<symbol> Test name() skipped: \"reason\"" (a final "." in some versions)
    /(Test|Suite) .* skipped(: ".*")?\.?$/ {
        line = $0
        sub(/^.*(Test|Suite) /, "", line)
        name = line; sub(/ skipped.*$/, "", name)
        reason = "no reason given"
        if (match(line, / skipped: ".*"\.?$/)) {
            reason = substr(line, RSTART + 11)
            sub(/"\.?$/, "", reason)
        }
        if (!(name in seen)) { seen[name] = 1; count++; reasons[reason] = reasons[reason] (reasons[reason] == "" ? "" : ", ") name }
        next
    }
    # XCTest: "Test Case '\''-[Module.Class method]'\'' skipped (0.001 seconds)." (reason on an earlier line)
    /^Test Case .* skipped/ {
        name = $0; sub(/^Test Case '\''/, "", name); sub(/'\'' skipped.*$/, "", name)
        if (!(name in seen)) { seen[name] = 1; count++; reasons["XCTSkip"] = reasons["XCTSkip"] (reasons["XCTSkip"] == "" ? "" : ", ") name }
    }
    END {
        if (count == 0) { line = "Skipped tests: 0" }
        else {
            line = "Skipped tests: " count " —"
            sep = " "
            for (reason in reasons) { line = line sep reason " (" reasons[reason] ")"; sep = "; " }
        }
        print line > summary
    }'
status=${PIPESTATUS[0]}
cat "$summary"
exit "$status"
