# awk -f scripts/unfinished-tests.awk LOG: the swift-testing tests that LOG says started and
# never ended (passed, failed or skipped), one a line. Names are counted, not matched once: two
# suites may hold tests of the same name.
/^◇ Test .* started\.$/ {
  name = $0; sub(/^◇ Test /, "", name); sub(/ started\.$/, "", name)
  # "Test run" is the whole run; "Test case passing …" one case of a parameterized test.
  if (name != "run" && name !~ /^case passing /) open[name]++
  next
}
/^[^ ]+ Test .* (passed|failed|skipped)/ && !/ recorded an? / {
  name = $0; sub(/^[^ ]+ Test /, "", name)
  sub(/ (passed|failed|skipped).*$/, "", name)
  sub(/ with [0-9]+ test cases?$/, "", name)
  if (name in open) open[name]--
}
END { for (name in open) if (open[name] > 0) print "  " name }
