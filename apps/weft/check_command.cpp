// `weft check`: each selected variant under the checker, compared with its
// expected verdict.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "commands.hpp"
#include "merge.hpp"
#include "time_limit.hpp"

namespace weft::cli {

namespace {

// The variant's own options with the command line's overrides. Options
// that shape an execution (max_steps, grain, spurious wake-ups, timeouts)
// stay the variant's: its replay tokens depend on them.
struct overrides {
  std::optional<weft::strategy_kind> strategy;
  std::optional<std::uint64_t> executions;
  std::optional<std::uint64_t> seed;
  std::optional<std::chrono::milliseconds> time_limit;

  [[nodiscard]] weft::check_options apply(weft::check_options options) const {
    if (strategy) options.strategy = *strategy;
    if (executions) options.executions = *executions;
    if (seed) options.seed = *seed;
    if (time_limit) options.time_budget = *time_limit;
    return options;
  }
};

// One status line on a terminal while checks run (variants done, bugs
// found, the latest check's executions, rate and time), rewritten in place;
// nothing when stderr is not a terminal or under CI (CI set), where a log
// wants no carriage returns.
class progress_line {
 public:
  explicit progress_line(std::size_t total) : total_(total), on_(wanted()) {}
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;
  ~progress_line() {
    if (on_) std::fputs("\r\033[K", stderr);
  }

  [[nodiscard]] bool on() const noexcept { return on_; }
  void update(const std::string& name, const weft::progress& p) {
    const std::lock_guard lock(mutex_);
    const double rate = p.seconds > 0 ? static_cast<double>(p.executions) / p.seconds : 0;
    std::fprintf(stderr,
                 "\r\033[K[%zu/%zu checks done, %zu found] %s: %llu executions, %.0f/s, %.1f s",
                 done_, total_, found_, name.c_str(), static_cast<unsigned long long>(p.executions),
                 rate, p.seconds);
    std::fflush(stderr);
  }
  void finished(const variant_result& r) {
    const std::lock_guard lock(mutex_);
    ++done_;
    if (!r.report.passed()) ++found_;
  }

 private:
  // Called before any check thread starts.
  static bool wanted() {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread runs yet
    return ::isatty(STDERR_FILENO) == 1 && std::getenv("CI") == nullptr;
  }

  std::mutex mutex_;
  std::size_t total_;
  std::size_t done_ = 0;
  std::size_t found_ = 0;
  bool on_;
};

variant_result check_one(const selected& which, const weft::check_options& options,
                         progress_line& line) {
  variant_result result{which, options, {}, 0};
  const scenarios::variant& v = *which.variant;
  if (line.on()) {
    result.options.on_progress = [&line, name = which.name()](const weft::progress& p) {
      line.update(name, p);
    };
  }
  const auto start = std::chrono::steady_clock::now();
  result.report = weft::check([&v] { v.body(v.check_size); }, result.options);
  result.options.on_progress = nullptr;
  line.finished(result);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

// Checks `chosen` on `jobs` threads, as shard `shard` of the check: each
// variant's part (see shard_options), split further into `jobs` pieces
// when its strategy is seeded, so that one long check uses every job. The
// pieces of a variant are merged; the order of `chosen` is kept. Checks on
// different threads share nothing.
std::vector<variant_result> check_all(const std::vector<selected>& chosen, const overrides& with,
                                      unsigned jobs, shard_spec shard) {
  struct piece {
    selected which;
    weft::check_options options;
  };
  std::vector<piece> pieces;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const std::optional<weft::check_options> part =
        shard_options(with.apply(chosen[i].variant->options), shard, i);
    if (!part) continue;
    const unsigned split = splits_by_executions(part->strategy) ? jobs : 1U;
    for (unsigned k = 0; k < split; ++k) {
      if (const auto sub = shard_options(*part, {k, split}, 0)) pieces.push_back({chosen[i], *sub});
    }
  }
  std::vector<variant_result> results(pieces.size());
  progress_line line(pieces.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next.fetch_add(1); i < pieces.size(); i = next.fetch_add(1))
      results[i] = check_one(pieces[i].which, pieces[i].options, line);
  };
  const std::size_t threads_wanted = std::min<std::size_t>(jobs, pieces.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < threads_wanted; ++i)
    threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads)
    t.join();
  return merge_all(results);
}

}  // namespace

int check_command(const check_args& args) {
  overrides with;
  if (args.strategy) {
    with.strategy = parse_strategy(*args.strategy);
    if (!with.strategy) {
      std::cerr << "weft check: --strategy must be random, pct, dfs or bounded, not '"
                << *args.strategy << "'\n";
      return exit_bad_input;
    }
  }
  if (args.time_limit) {
    with.time_limit = parse_duration(*args.time_limit);
    if (!with.time_limit) {
      std::cerr << "weft check: --time-limit must be a positive duration such as 30s, 500ms, "
                   "2m or 1h (a plain number is seconds), not '"
                << *args.time_limit << "'\n";
      return exit_bad_input;
    }
  }
  with.executions = args.executions;
  with.seed = args.seed;
  if (args.names.empty() && !args.all) {
    std::cerr << "weft check: name scenarios or variants to check (see weft list), or --all\n";
    return exit_bad_input;
  }
  std::string error;
  const std::vector<selected> chosen = select(args.names, args.all, error);
  if (!error.empty()) {
    std::cerr << "weft check: " << error << "\n";
    return exit_bad_input;
  }

  shard_spec shard;
  if (args.shard) {
    const std::optional<shard_spec> parsed = parse_shard(*args.shard);
    if (!parsed) {
      std::cerr << "weft check: --shard must be K/N with 1 <= K <= N <= 4096, not '" << *args.shard
                << "'\n";
      return exit_bad_input;
    }
    shard = *parsed;
  }
  const std::vector<variant_result> results = check_all(chosen, with, args.jobs, shard);
  return write_results(results, args.format, args.output, args.verbose, "weft check");
}

}  // namespace weft::cli
