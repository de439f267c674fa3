// Checker benchmarks: how fast weft::check explores, how fast it switches
// fibers, how much DFS's reduction saves, how soon each strategy finds the
// known bugs, and whether memory stays flat over a long search.
//
//   executions/<test>            weft::check with the random strategy,
//                                10,000 executions per check; the rate is
//                                items_per_second (per CPU second of the
//                                benchmark thread, as every rate here). For (a) and
//                                (b), `vs_relacy_quoted` divides it by the
//                                Relacy rate that issue 3 quotes (2.6M/s and
//                                0.9M/s): a reference copied from the issue,
//                                not measured by this program.
//   fiber/resume_suspend         weft::rt::fiber directly: the benchmark
//                                thread resumes a fiber that suspends at
//                                once; two switches per iteration
//   fiber/switch_to_ping_pong    two fibers switching straight to each
//                                other (fiber::switch_to), 2,002 switches
//                                per iteration
//   fiber/create_run_destroy     a fiber from a warm stack_pool, run to its
//                                end, destroyed: what each model thread of
//                                an execution costs before it does anything
//   fiber/rearm_run              the same with one fiber re-armed (what a
//                                search does since it reuses fibers)
//   scheduling_points/yield      end to end: a check whose two threads each
//                                yield 10,000 times; scheduling points per
//                                second
//   dfs_exhaust/<test>/reduction:R
//                                options.strategy = dfs until the tree is
//                                exhausted (time per check = time to
//                                exhaust; 10 s budget); counters from the
//                                report, and Relacy's quoted full-search
//                                counts for comparison. Shapes (a), (b),
//                                and three threads incrementing once
//   first_bug/<test>/strategy:S  executions until the first failure, per
//                                strategy, averaged over seeds 1..20
//                                (the iteration index picks the seed)
//   memory/mutex_counter/executions:1000000
//                                one check of 1,000,000 executions of (a);
//                                resident set size sampled inside the test
//                                at execution 1,000 and at the last one.
//                                Excluded unless a --benchmark_filter names
//                                it (it is the slow one).
//
// The test shapes: (a) main spawns two weft::threads, each increments a
// weft::shared<int> under a weft::mutex once, main joins both and asserts
// the sum; (b) the same with three threads incrementing twice each
// (`mutex_counter_main_works`: the same with the main thread as one of the
// incrementing threads, so two and three model threads in all, as in a
// harness that runs only workers, like Relacy's); (c)
// dining philosophers with forks taken in ascending order (no deadlock).
// The bugs: the racy counter (weft::atomic load then store, a lost update)
// and naive dining philosophers (left fork then right: a deadlock).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "rt/fiber.hpp"                  // checker/src: the fiber itself, for the switch cost
#include "support/checker_programs.hpp"  // tests/: the shapes and bugs, as the tests run them
#include "weft/check.hpp"
#include "weft/thread.hpp"

namespace {

// check.cpp's stack size outside sanitizers.
constexpr std::size_t fiber_stack_size = std::size_t{256} << 10U;

// Relacy's rates as issue 3 quotes them (measured there, not here).
constexpr double relacy_quoted_a = 2.6e6;
constexpr double relacy_quoted_b = 0.9e6;

// ---- the tests -------------------------------------------------------------

// The test shapes and the bugs: mutex_counter, philosophers, racy_counter.
using weft::testing::mutex_counter;
using weft::testing::philosophers;
using weft::testing::racy_counter;

void yielders(int yields) {
  auto body = [yields] {
    for (int i = 0; i < yields; ++i)
      weft::this_thread::yield();
  };
  weft::thread a(body);
  weft::thread b(body);
  a.join();
  b.join();
}

// A search that had to pass but did not: the benchmark is meaningless.
bool passed_or_skip(benchmark::State& state, const weft::report& r) {
  if (r.passed()) return true;
  state.SkipWithError(("check failed: " + weft::to_string(r)).c_str());
  return false;
}

// ---- executions per second (random walk) ----------------------------------

constexpr std::uint64_t executions_per_check = 10'000;

// CPU time of the calling thread, in seconds. Every rate here is per CPU
// second of the benchmark thread (Google Benchmark's default too): the
// checker runs on that one thread, and on this shared 2-core machine its
// wall time also counts whatever other processes took the core.
double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void run_throughput(benchmark::State& state, const std::function<void()>& test,
                    double relacy_reference) {
  weft::check_options options;
  options.strategy = weft::strategy_kind::random;
  options.executions = executions_per_check;
  options.time_budget = std::chrono::minutes(10);
  std::uint64_t executions = 0;
  std::uint64_t steps = 0;
  std::uint64_t seed = 1;
  double seconds = 0;
  for (auto _ : state) {
    options.seed = seed++;
    const double start = thread_cpu_seconds();
    const weft::report r = weft::check(test, options);
    seconds += thread_cpu_seconds() - start;
    if (!passed_or_skip(state, r)) break;
    executions += r.statistics.executions;
    steps += r.statistics.steps;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(executions));
  state.counters["steps_per_execution"] =
      executions > 0 ? static_cast<double>(steps) / static_cast<double>(executions) : 0.0;
  if (relacy_reference > 0 && seconds > 0) {
    // The same CPU time as items_per_second (the checks, back to back).
    state.counters["vs_relacy_quoted"] =
        static_cast<double>(executions) / seconds / relacy_reference;
    state.SetLabel("relacy_quoted=" + std::to_string(relacy_reference / 1e6).substr(0, 3) +
                   "M/s (quoted from issue 3, not measured here)");
  }
}

void register_throughput() {
  struct shape {
    int threads;
    int increments;
    double relacy;
  };
  for (const bool main_works : {false, true}) {
    for (const shape s : {shape{2, 1, relacy_quoted_a}, shape{3, 2, relacy_quoted_b}}) {
      const std::string name = std::string(main_works ? "executions/mutex_counter_main_works"
                                                      : "executions/mutex_counter") +
                               "/threads:" + std::to_string(s.threads) +
                               "/increments:" + std::to_string(s.increments);
      benchmark::RegisterBenchmark(name.c_str(), [s, main_works](benchmark::State& state) {
        run_throughput(
            state, [s, main_works] { mutex_counter(s.threads, s.increments, main_works); },
            s.relacy);
      })->Unit(benchmark::kMillisecond);
    }
  }
  for (const int n : {3, 5}) {
    const std::string name = "executions/philosophers_ordered/n:" + std::to_string(n);
    benchmark::RegisterBenchmark(name.c_str(), [n](benchmark::State& state) {
      run_throughput(
          state, [n] { philosophers(n, true); }, 0);
    })->Unit(benchmark::kMillisecond);
  }
}

// ---- fiber switches ---------------------------------------------------------

struct ping_pong {
  weft::rt::fiber* self = nullptr;
  bool stop = false;
};

void pong(void* arg) {
  auto* p = static_cast<ping_pong*>(arg);
  while (!p->stop)
    p->self->suspend();
}

void fiber_resume_suspend(benchmark::State& state) {
  weft::rt::stack_pool pool(fiber_stack_size);
  ping_pong p;
  weft::rt::fiber f(pool, &pong, &p);
  p.self = &f;
  for (auto _ : state)
    f.resume();  // into the fiber, and back when it suspends
  p.stop = true;
  f.resume();  // lets it return, as ~fiber requires
  if (!f.finished()) state.SkipWithError("the fiber did not finish");
  state.counters["switches_per_second"] = benchmark::Counter(
      2.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// Two fibers handing over to each other directly (fiber::switch_to), as the
// execution does when one model thread follows another: the scheduler
// resumes `a`, which switches to `b` and back `rounds` times, then suspends.
struct duo {
  weft::rt::fiber* a = nullptr;
  weft::rt::fiber* b = nullptr;
  int rounds = 0;
  bool stop = false;
};

void duo_a(void* arg) {
  auto* d = static_cast<duo*>(arg);
  while (!d->stop) {
    for (int i = 0; i < d->rounds; ++i)
      d->a->switch_to(*d->b);
    d->a->suspend();
  }
}

void duo_b(void* arg) {
  auto* d = static_cast<duo*>(arg);
  for (;;)  // abandoned in here when the benchmark ends
    d->b->switch_to(*d->a);
}

void fiber_switch_to_ping_pong(benchmark::State& state) {
  constexpr int rounds = 1000;
  weft::rt::stack_pool pool(fiber_stack_size);
  duo d;
  d.rounds = rounds;
  weft::rt::fiber a(pool, &duo_a, &d);
  weft::rt::fiber b(pool, &duo_b, &d);
  d.a = &a;
  d.b = &b;
  for (auto _ : state)
    a.resume();
  d.stop = true;
  a.resume();  // `a` returns; `b` stays parked in switch_to, abandoned
  if (!a.finished()) state.SkipWithError("the fiber did not finish");
  // Per iteration: scheduler -> a, rounds x (a -> b -> a), a -> scheduler.
  state.counters["switches_per_second"] = benchmark::Counter(
      static_cast<double>(2 * rounds + 2) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}

void nothing(void* /*arg*/) {}

void fiber_create_run_destroy(benchmark::State& state) {
  weft::rt::stack_pool pool(fiber_stack_size);
  for (auto _ : state) {
    weft::rt::fiber f(pool, &nothing, nullptr);
    f.resume();
  }
  state.counters["stacks_allocated"] = static_cast<double>(pool.allocated());
}

// What a search does per model thread per execution since fibers are
// reused: re-arm a finished fiber and run it to its end.
void fiber_rearm_run(benchmark::State& state) {
  weft::rt::stack_pool pool(fiber_stack_size);
  weft::rt::fiber f(pool, &nothing, nullptr);
  f.resume();
  for (auto _ : state) {
    f.rearm();
    f.resume();
  }
}

void scheduling_points_yield(benchmark::State& state) {
  constexpr int yields = 10'000;
  weft::check_options options;
  options.executions = 1;
  options.max_steps = 1'000'000;
  options.time_budget = std::chrono::minutes(10);
  std::uint64_t steps = 0;
  for (auto _ : state) {
    const weft::report r = weft::check([] { yielders(yields); }, options);
    if (!passed_or_skip(state, r)) break;
    steps += r.statistics.steps;
  }
  // Check setup included (one stack pool, three fibers per check).
  state.counters["points_per_second"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
  state.counters["points_per_check"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kAvgIterations);
}

void register_switches() {
  benchmark::RegisterBenchmark("fiber/resume_suspend", fiber_resume_suspend);
  benchmark::RegisterBenchmark("fiber/switch_to_ping_pong", fiber_switch_to_ping_pong);
  benchmark::RegisterBenchmark("fiber/create_run_destroy", fiber_create_run_destroy);
  benchmark::RegisterBenchmark("fiber/rearm_run", fiber_rearm_run);
  benchmark::RegisterBenchmark("scheduling_points/yield/threads:2/yields:10000",
                               scheduling_points_yield)
      ->Unit(benchmark::kMillisecond);
}

// ---- DFS: executions and time to exhaust ------------------------------------

// Relacy's full search (no reduction) as issue 3 quotes it: executions,
// and for (b) the time (0.33 s). Quoted, not measured here.
struct dfs_shape {
  int threads;
  int increments;
  double relacy_full_executions;
  double relacy_full_seconds;  // 0: not quoted
};
constexpr std::array<dfs_shape, 3> dfs_shapes{{
    {2, 1, 14, 0},
    {3, 1, 780, 0},
    {3, 2, 279'810, 0.330},
}};

void run_dfs_exhaust(benchmark::State& state, dfs_shape s, bool reduction) {
  weft::check_options options;
  options.strategy = weft::strategy_kind::dfs;
  options.reduction = reduction;
  options.executions = UINT64_MAX;
  // Bounds the run if the search does not end: `exhausted` = 0 says so.
  options.time_budget = std::chrono::seconds(10);
  weft::report r;
  double seconds = 0;
  for (auto _ : state) {
    const double start = thread_cpu_seconds();
    r = weft::check([s] { mutex_counter(s.threads, s.increments); }, options);
    seconds += thread_cpu_seconds() - start;
    if (!passed_or_skip(state, r)) return;
  }
  const weft::statistics& st = r.statistics;
  state.counters["executions"] = static_cast<double>(st.executions);
  state.counters["distinct"] = static_cast<double>(st.distinct_interleavings);
  state.counters["sleep_set_blocked"] = static_cast<double>(st.sleep_set_blocked);
  state.counters["exhausted"] = st.exhausted ? 1.0 : 0.0;
  state.counters["relacy_full_quoted_executions"] = s.relacy_full_executions;
  const double per_check = seconds / static_cast<double>(state.iterations());
  if (s.relacy_full_seconds > 0 && per_check > 0) {
    // How many times faster than Relacy's quoted full search of (b).
    state.counters["speedup_vs_relacy_full_quoted"] = s.relacy_full_seconds / per_check;
  }
}

void register_dfs_exhaust() {
  for (const dfs_shape s : dfs_shapes) {
    for (const bool reduction : {true, false}) {
      const std::string name = "dfs_exhaust/mutex_counter/threads:" + std::to_string(s.threads) +
                               "/increments:" + std::to_string(s.increments) +
                               "/reduction:" + (reduction ? "1" : "0");
      benchmark::RegisterBenchmark(name.c_str(), [s, reduction](benchmark::State& state) {
        run_dfs_exhaust(state, s, reduction);
      })->Unit(benchmark::kMillisecond);
    }
  }
}

// ---- executions until the first bug, per strategy -----------------------------

constexpr int first_bug_seeds = 20;

struct strategy_entry {
  weft::strategy_kind kind;
  const char* name;
};
constexpr std::array<strategy_entry, 4> strategies{{
    {weft::strategy_kind::random, "random"},
    {weft::strategy_kind::pct, "pct"},
    {weft::strategy_kind::dfs, "dfs"},
    {weft::strategy_kind::preemption_bounding, "preemption_bounding"},
}};

void run_first_bug(benchmark::State& state, const std::function<void()>& test,
                   weft::strategy_kind strategy, weft::finding_kind expected) {
  weft::check_options options;
  options.strategy = strategy;
  options.executions = 1'000'000;
  options.time_budget = std::chrono::seconds(5);
  std::uint64_t seed = 1;
  double total = 0;
  double found = 0;
  double worst = 0;
  for (auto _ : state) {
    options.seed = seed++;  // ignored by the systematic strategies
    const weft::report r = weft::check(test, options);
    const auto executions = static_cast<double>(r.statistics.executions);
    total += executions;
    worst = std::max(worst, executions);
    if (r.kind == expected) {
      found += 1;
    } else if (!r.passed()) {
      state.SkipWithError(("unexpected finding: " + weft::to_string(r)).c_str());
      break;
    }
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["executions_to_bug"] = n > 0 ? total / n : 0.0;
  state.counters["max_executions"] = worst;
  state.counters["found"] = n > 0 ? found / n : 0.0;  // fraction of seeds
}

void register_first_bug() {
  for (const strategy_entry s : strategies) {
    benchmark::RegisterBenchmark((std::string("first_bug/racy_counter/strategy:") + s.name).c_str(),
                                 [s](benchmark::State& state) {
                                   run_first_bug(state, racy_counter, s.kind,
                                                 weft::finding_kind::assertion);
                                 })
        ->Iterations(first_bug_seeds)
        ->Unit(benchmark::kMicrosecond);
  }
  for (const strategy_entry s : strategies) {
    benchmark::RegisterBenchmark(
        (std::string("first_bug/philosophers_naive/n:3/strategy:") + s.name).c_str(),
        [s](benchmark::State& state) {
          run_first_bug(
              state, [] { philosophers(3, false); }, s.kind, weft::finding_kind::deadlock);
        })
        ->Iterations(first_bug_seeds)
        ->Unit(benchmark::kMicrosecond);
  }
}

// ---- memory over a million executions -----------------------------------------

// Resident set size now, from /proc/self/statm (the second field, in
// pages). open/read rather than iostreams: this also runs on a fiber, inside
// the test, and should allocate nothing.
double rss_kib() {
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  std::array<char, 128> buf{};
  const ssize_t got = ::read(fd, buf.data(), buf.size() - 1);
  ::close(fd);
  if (got <= 0) return -1;
  char* end = nullptr;
  static_cast<void>(std::strtoull(buf.data(), &end, 10));  // total size: skipped
  const unsigned long long resident = std::strtoull(end, nullptr, 10);
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / 1024.0;
}

double max_rss_kib() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss);  // KiB on Linux
}

void memory_million(benchmark::State& state) {
  constexpr std::uint64_t executions = 1'000'000;
  constexpr std::uint64_t warm = 1'000;
  weft::check_options options;
  options.executions = executions;
  options.time_budget = std::chrono::hours(1);
  for (auto _ : state) {
    std::uint64_t calls = 0;
    double at_warm = 0;
    double at_last = 0;
    const double before = rss_kib();
    const double max_before = max_rss_kib();
    const weft::report r = weft::check(
        [&] {
          ++calls;
          if (calls == warm) at_warm = rss_kib();
          if (calls == executions) at_last = rss_kib();
          mutex_counter(2, 1);
        },
        options);
    const double after = rss_kib();
    const double max_after = max_rss_kib();
    if (!passed_or_skip(state, r)) break;
    if (r.statistics.executions != executions) {
      state.SkipWithError("the check stopped before 1,000,000 executions");
      break;
    }
    state.counters["executions"] = static_cast<double>(r.statistics.executions);
    state.counters["exec_per_second"] = r.statistics.executions_per_second;
    state.counters["rss_before_check_KiB"] = before;
    state.counters["rss_at_exec_1000_KiB"] = at_warm;
    state.counters["rss_at_exec_1000000_KiB"] = at_last;
    state.counters["rss_after_check_KiB"] = after;
    state.counters["rss_growth_KiB"] = at_last - at_warm;
    state.counters["maxrss_before_KiB"] = max_before;
    state.counters["maxrss_after_KiB"] = max_after;
    state.counters["maxrss_growth_KiB"] = max_after - max_before;
    state.counters["stacks_allocated"] = static_cast<double>(r.statistics.stacks_allocated);
  }
}
void register_memory() {
  benchmark::RegisterBenchmark("memory/mutex_counter/executions:1000000", memory_million)
      ->Iterations(1)
      ->Unit(benchmark::kSecond);
}

}  // namespace

// Without a --benchmark_filter, everything but the slow memory benchmark
// runs (Google Benchmark's negative filter).
int main(int argc, char** argv) {
  std::vector<char*> args(argv, argv + argc);
  bool filtered = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--benchmark_filter", 18) == 0) filtered = true;
  }
  static char default_filter[] = "--benchmark_filter=-^memory/";
  if (!filtered) args.push_back(default_filter);
  args.push_back(nullptr);
  int count = static_cast<int>(args.size()) - 1;

  register_throughput();
  register_switches();
  register_dfs_exhaust();
  register_first_bug();
  register_memory();

  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
  benchmark::AddCustomContext("relacy_quoted",
                              "2.6M exec/s on (a), 0.9M exec/s on (b): quoted from issue 3, "
                              "not measured in this run");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
