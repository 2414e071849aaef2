# Backstop's make targets. `make test` is what CI runs; the bench targets
# run the benchmark harness (bench/cmd/backstop-bench, docs/performance.md).

.PHONY: test bench bench-quick

test:
	go test -race ./...

# The full run (about 10 minutes on 2 cores): results under bench/results/,
# and docs/performance.md's latest table replaced by this run's.
bench:
	go run ./bench/cmd/backstop-bench --out bench/results --docs docs/performance.md

# A CI-sized run (about a minute); results go to a scratch folder.
bench-quick:
	go run ./bench/cmd/backstop-bench --quick --out $${TMPDIR:-/tmp}/backstop-bench/results
