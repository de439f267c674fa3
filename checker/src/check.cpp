// weft::check and weft::replay: the search loop around executions.
#include "weft/check.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>

#include "detect/deadlock.hpp"
#include "report/token.hpp"
#include "rt/dfs.hpp"
#include "rt/execution.hpp"
#include "rt/fiber.hpp"
#include "rt/pct.hpp"
#include "rt/sanitizers.hpp"
#include "rt/strategy.hpp"

namespace weft {

namespace {

#if defined(WEFT_RT_ASAN) || defined(WEFT_RT_TSAN)
constexpr std::size_t stack_size = std::size_t{1} << 20U;  // sanitizers need deeper stacks
#else
constexpr std::size_t stack_size = std::size_t{256} << 10U;
#endif

using clock = std::chrono::steady_clock;

void fill_failure(report& r, const rt::execution& ex) {
  const rt::finding& f = *ex.failure();
  r.verdict = verdict::fail;
  r.kind = f.kind;
  r.message = f.message;
  r.details = f.details;
}

// Re-runs one execution from its decisions with tracing on: the search
// records only decisions, so that tracing costs nothing until a failure.
void run_traced(const std::function<void()>& test, const check_options& options,
                std::vector<std::uint32_t> decisions, rt::stack_pool& stacks, report& r) {
  rt::replay_strategy replay(std::move(decisions));
  replay.begin_execution();
  rt::execution ex(options, replay, stacks, /*tracing=*/true);
  ex.run(test);
  r.trace = std::move(ex.trace());
  r.statistics.steps += ex.steps();
  if (ex.failure()) {
    fill_failure(r, ex);
  } else {
    r.verdict = verdict::pass;
    r.kind = finding_kind::none;
    r.message.clear();
    r.details.clear();
  }
}

// Counts distinct decision sequences by their 64-bit hashes in an open-
// addressing table that grows up to 2^18 slots (2 MiB), so that memory stays
// flat however long the search: past that the count is a lower bound.
class interleaving_counter {
 public:
  void add(const std::vector<std::uint32_t>& decisions) {
    std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ decisions.size();
    for (const std::uint32_t d : decisions)
      h = (h ^ d) * 0x100000001b3ULL + (h >> 29U);
    h |= 1U;  // 0 marks an empty slot
    if ((count_ + 1) * 4 > table_.size() * 3) {
      if (table_.size() >= max_slots) return;  // full: a lower bound from here
      grow();
    }
    insert(h);
  }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }

 private:
  static constexpr std::size_t max_slots = std::size_t{1} << 18U;

  void insert(std::uint64_t h) {
    const std::size_t mask = table_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      if (table_[i] == h) return;
      if (table_[i] == 0) {
        table_[i] = h;
        ++count_;
        return;
      }
    }
  }
  void grow() {
    std::vector<std::uint64_t> old =
        std::exchange(table_, std::vector<std::uint64_t>(table_.size() * 2));
    count_ = 0;
    for (const std::uint64_t h : old) {
      if (h != 0) insert(h);
    }
  }

  std::vector<std::uint64_t> table_ = std::vector<std::uint64_t>(256);
  std::uint64_t count_ = 0;
};

// Tells when the time budget is spent without reading the clock after every
// execution: a short execution takes well under a microsecond, a clock read
// a good fraction of that. The stride between reads doubles while reads come
// less than a millisecond apart and halves when they come further apart, so
// the budget is overrun by about a millisecond at most (or one execution).
class budget_watch {
 public:
  budget_watch(clock::time_point started, clock::time_point stop) noexcept
      : stop_(stop), last_(started) {}
  bool expired(std::uint64_t executions_done) {
    if (executions_done < next_read_) return false;
    const clock::time_point now = clock::now();
    if (now >= stop_) return true;
    constexpr std::uint64_t max_stride = 1024;
    if (now - last_ < std::chrono::milliseconds(1)) {
      stride_ = std::min(stride_ * 2, max_stride);
    } else {
      stride_ = std::max<std::uint64_t>(stride_ / 2, 1);
    }
    last_ = now;
    next_read_ = executions_done + stride_;
    return false;
  }
  // When expired() last read the clock.
  [[nodiscard]] clock::time_point last_read() const noexcept { return last_; }

 private:
  clock::time_point stop_;
  clock::time_point last_;
  std::uint64_t stride_ = 1;
  std::uint64_t next_read_ = 0;
};

// Keeps a search's execution installed as the OS thread's seam runtime
// between its executions. Each execution installs itself and restores what
// was there when it ends; with itself already there, neither touches the
// process-wide count of installed runtimes (an atomic read-modify-write
// each, twice per execution otherwise). Nothing runs between executions
// that uses the seam, except the user's progress callback: the guard is
// dropped around it.
class kept_installed {
 public:
  explicit kept_installed(rt::execution& ex) noexcept : previous_(seam::install(&ex)) {}
  kept_installed(const kept_installed&) = delete;
  kept_installed& operator=(const kept_installed&) = delete;
  ~kept_installed() { seam::install(previous_); }

 private:
  seam::runtime* previous_;
};

std::unique_ptr<rt::strategy> make_strategy(const check_options& options) {
  switch (options.strategy) {
    case strategy_kind::random:
      return std::make_unique<rt::random_strategy>(options.seed);
    case strategy_kind::pct:
      return std::make_unique<rt::pct_strategy>(options.seed, options.pct_depth);
    case strategy_kind::dfs:
      return std::make_unique<rt::dfs_strategy>(options.reduction, std::nullopt);
    case strategy_kind::preemption_bounding:
      return std::make_unique<rt::dfs_strategy>(false, options.preemption_bound);
  }
  throw std::invalid_argument("weft::check: unknown strategy_kind");
}

void finish_statistics(report& r, clock::time_point started, const rt::stack_pool& stacks) {
  r.statistics.seconds = std::chrono::duration<double>(clock::now() - started).count();
  r.statistics.executions_per_second =
      r.statistics.seconds > 0 ? static_cast<double>(r.statistics.executions) / r.statistics.seconds
                               : 0;
  r.statistics.stacks_allocated = stacks.allocated();
}

}  // namespace

report check(const std::function<void()>& test, const check_options& options) {
  const clock::time_point started = clock::now();
  const clock::time_point stop = started + options.time_budget;
  rt::stack_pool stacks(stack_size);
  const std::unique_ptr<rt::strategy> strategy = make_strategy(options);
  interleaving_counter distinct;
  constexpr std::size_t max_warnings = 20;
  std::set<std::string> warnings_seen;
  report r;
  // One execution object runs them all, reusing its storage (see
  // rt::execution).
  rt::execution ex(options, *strategy, stacks, /*tracing=*/false);
  budget_watch budget(started, stop);
  clock::time_point last_progress = started;
  // Installed across the executions, not by each (see kept_installed).
  std::optional<kept_installed> installed(std::in_place, ex);
  for (std::uint64_t n = 0; n < options.executions; ++n) {
    if (n > 0 && budget.expired(n)) break;
    if (options.on_progress && budget.last_read() - last_progress >= options.progress_interval) {
      last_progress = budget.last_read();
      // The callback is the user's code, run natively.
      installed.reset();
      options.on_progress(
          progress{n, std::chrono::duration<double>(last_progress - started).count()});
      installed.emplace(ex);
    }
    if (!strategy->begin_execution()) {
      r.statistics.exhausted = true;
      break;
    }
    ex.run(test);
    strategy->end_execution();
    ++r.statistics.executions;
    r.statistics.steps += ex.steps();
    if (ex.abandoned()) {
      ++r.statistics.sleep_set_blocked;
      continue;
    }
    distinct.add(ex.decisions());
    for (const rt::execution::warning& w : ex.warnings()) {
      if (warnings_seen.size() < max_warnings && warnings_seen.insert(w.key).second)
        r.warnings.push_back(w.text);
    }
    if (!ex.failure()) continue;

    installed.reset();
    fill_failure(r, ex);
    const std::vector<std::uint32_t> decisions = ex.decisions();
    r.token = rt::encode_token(decisions);
    const report found = r;
    run_traced(test, options, decisions, stacks, r);
    if (r.passed() || r.kind != found.kind) {
      // The traced re-run took another path: the test depends on something
      // other than the schedule.
      r.verdict = verdict::fail;
      r.kind = found.kind;
      r.message = found.message +
                  " [the trace below does not show it: re-running the same schedule behaved "
                  "differently, so the test is nondeterministic]";
      r.details = found.details;
    }
    break;
  }
  installed.reset();
  // A search that ran its last execution without failing may still have
  // its tree done: ask, without running anything.
  if (r.passed() && !r.statistics.exhausted && r.statistics.executions == options.executions &&
      !strategy->begin_execution()) {
    r.statistics.exhausted = true;
  }
  r.statistics.distinct_interleavings = distinct.count();
  finish_statistics(r, started, stacks);
  return r;
}

report replay(const std::function<void()>& test, std::string_view token,
              const check_options& options) {
  const clock::time_point started = clock::now();
  rt::stack_pool stacks(stack_size);
  report r;
  r.token = std::string(token);
  std::vector<std::uint32_t> decisions;
  try {
    decisions = rt::decode_token(token);
  } catch (const rt::token_error& e) {
    r.verdict = verdict::fail;
    r.kind = finding_kind::replay_error;
    r.message = e.message;
    finish_statistics(r, started, stacks);
    return r;
  }
  run_traced(test, options, std::move(decisions), stacks, r);
  r.statistics.executions = 1;
  finish_statistics(r, started, stacks);
  return r;
}

std::string_view to_string(finding_kind kind) noexcept {
  switch (kind) {
    case finding_kind::none:
      return "none";
    case finding_kind::assertion:
      return "assertion failure";
    case finding_kind::exception:
      return "escaped exception";
    case finding_kind::deadlock:
      return "deadlock";
    case finding_kind::misuse:
      return "misuse";
    case finding_kind::max_steps:
      return "max steps exceeded";
    case finding_kind::unjoined_thread:
      return "unjoined thread";
    case finding_kind::too_many_threads:
      return "too many threads";
    case finding_kind::replay_error:
      return "replay error";
    case finding_kind::data_race:
      return "data race";
    case finding_kind::lock_order_inversion:
      return "lock-order inversion";
  }
  return "?";
}

std::string_view to_string(strategy_kind kind) noexcept {
  switch (kind) {
    case strategy_kind::random:
      return "random";
    case strategy_kind::pct:
      return "pct";
    case strategy_kind::dfs:
      return "dfs";
    case strategy_kind::preemption_bounding:
      return "preemption_bounding";
  }
  return "?";
}

namespace {
// Read on every native assertion failure, set rarely: an atomic pointer.
std::atomic<native_assert_handler> g_native_assert_handler{nullptr};
}  // namespace

native_assert_handler set_native_assert_handler(native_assert_handler handler) noexcept {
  return g_native_assert_handler.exchange(handler, std::memory_order_acq_rel);
}

namespace internal {

void assert_failed(const char* expression, weft::source_location where) {
  if (rt::execution* ex = rt::execution::current()) {
    ex->assertion_failed(expression, where);
    return;
  }
  if (const native_assert_handler handler =
          g_native_assert_handler.load(std::memory_order_acquire)) {
    handler(expression, where);
    return;
  }
  std::fprintf(stderr, "WEFT_ASSERT(%s) failed at %s\n", expression,
               internal::format_location(where).c_str());
  std::abort();
}

}  // namespace internal

}  // namespace weft
