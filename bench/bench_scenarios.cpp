// Scenario benchmarks (issue 5): how fast the checker explores each
// scenario variant, and how long `weft check --all` takes on one and on two
// cores.
//
//   variant/<scenario>.<variant>  one weft::check of the variant at its
//                                 check size with its own options (strategy,
//                                 max_steps, ...), the executions capped at
//                                 20,000; items_per_second is executions per
//                                 CPU second of the benchmark thread. A
//                                 buggy variant's check stops at its first
//                                 failure, a dfs check when the tree is
//                                 exhausted: `executions` says how many ran.
//   check_all/executions:E/jobs:J weft::cli::check_command as `weft check
//                                 --all --executions E --jobs J` (E = 0:
//                                 every variant's own executions), report
//                                 to /dev/null; wall time (the --jobs run
//                                 uses threads, so CPU time would hide the
//                                 speed-up). Compare jobs:2 with jobs:1 of
//                                 the same run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <string>

#include "commands.hpp"  // apps/weft: the weft command's library
#include "weft/check.hpp"
#include "weft/scenarios/scenario.hpp"

namespace {

constexpr std::uint64_t max_executions_per_variant = 20'000;

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void variant_rate(benchmark::State& state, const weft::scenarios::variant* v) {
  weft::check_options options = v->options;
  options.executions = std::min(options.executions, max_executions_per_variant);
  std::uint64_t executions = 0;
  double cpu = 0;
  for (auto _ : state) {
    const double start = thread_cpu_seconds();
    const weft::report r = weft::check([v] { v->body(v->check_size); }, options);
    cpu += thread_cpu_seconds() - start;
    if (!v->expected.matches(r)) {
      state.SkipWithError("the variant's verdict is not the expected one");
      return;
    }
    executions += r.statistics.executions;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(executions));
  state.counters["executions"] =
      static_cast<double>(executions) / static_cast<double>(state.iterations());
  state.counters["exec_per_cpu_s"] = static_cast<double>(executions) / cpu;
}

void check_all(benchmark::State& state) {
  weft::cli::check_args args;
  args.all = true;
  if (state.range(0) > 0) args.executions = static_cast<std::uint64_t>(state.range(0));
  args.jobs = static_cast<unsigned>(state.range(1));
  args.output = "/dev/null";
  for (auto _ : state) {
    if (weft::cli::check_command(args) != weft::cli::exit_ok) {
      state.SkipWithError("weft check --all did not give every expected verdict");
      return;
    }
  }
}

void register_all() {
  for (const weft::scenarios::scenario& s : weft::scenarios::all()) {
    for (const weft::scenarios::variant& v : s.variants) {
      benchmark::RegisterBenchmark(("variant/" + s.name + "." + v.name).c_str(), variant_rate, &v)
          ->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::RegisterBenchmark("check_all", check_all)
      ->ArgNames({"executions", "jobs"})
      ->Args({0, 1})
      ->Args({0, 2})
      ->Args({100'000, 1})
      ->Args({100'000, 2})
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
