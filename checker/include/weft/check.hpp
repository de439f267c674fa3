// weft/check.hpp
//
// `weft::check` runs a concurrent test many times under weft's own
// scheduler, each time in a different interleaving, and reports the first
// execution that fails, with a readable trace and a token that replays it
// exactly. `weft::replay` re-runs one execution from its token.
//
//   weft::report r = weft::check([] {
//     weft::atomic<int> counter{0};
//     auto increment = [&counter] { counter.store(counter.load() + 1); };
//     weft::thread a(increment), b(increment);
//     a.join();
//     b.join();
//     WEFT_ASSERT(counter.load() == 2);  // fails: a lost update
//   });
//   if (!r.passed()) std::cout << weft::to_string(r);  // trace + replay call
//
// How a test runs. The test body is the main model thread; every
// weft::thread it starts is another. All of them run as fibers on the
// calling OS thread, one at a time. Scheduling points: thread start, join,
// yield, every public operation of a weft primitive, every weft::atomic and
// weft::shared access made outside a primitive's operation, and (at
// implementation grain only) every atomic access and futex wait/wake inside
// the primitives. Blocking is modelled: a thread parked on a futex or joining
// an unfinished thread is not runnable. Timed waits may time out and futex
// waits may wake spuriously, as nondeterministic choices; time is virtual
// (seam::now advances only when a timeout is chosen).
//
// What is a failure: a WEFT_ASSERT that does not hold; an exception escaping
// any model thread; a deadlock (no thread can run while some are blocked);
// a misuse a primitive reports (unlock by a non-owner, ...); an execution
// longer than `max_steps` scheduling points (a livelock or a spin loop); a
// weft::thread destroyed or left at the end while still joinable; a data
// race on a weft::shared (see below).
//
// Data races. Two accesses to one weft::shared, at least one a write, from
// different threads, race unless one happens before the other. Happens-
// before comes from: thread start (everything the parent did before) and
// join (everything the joined thread did); at scenario grain, every public
// operation of a weft primitive, treated as acquire-then-release on that
// object (an over-approximation: a failed try_lock also orders, which can
// hide a race but never report a false one); weft::atomic accesses by their
// memory order (release stores and RMWs publish, acquire loads and RMWs
// take, seq_cst does both, relaxed neither: a relaxed flag does not order
// the data it guards); at implementation grain, the primitives' own atomics
// likewise; and a futex wake orders the waker before the woken wait's
// return. The finding names both accesses (read or write, thread, file:line)
// and the object; accesses made inside a primitive's operation at scenario
// grain (a condition variable's predicate) are not checked.
//
// Requirements on the test: it must be deterministic apart from the
// schedule (no real time, no real randomness, no I/O whose result matters),
// use weft's types for all synchronization, and be callable repeatedly (each
// execution calls it afresh). It must not catch exceptions it does not know
// with `catch (...)` without rethrowing: the checker stops threads by
// unwinding them.
//
// Hard limits: at most `max_threads` (64) model threads per execution, and
// `check_options::max_steps` scheduling points per execution. Each model
// thread's stack is 256 KiB (1 MiB under sanitizers).
//
// Concurrency contract: check and replay run the test on the calling OS
// thread and may be called from several OS threads at once (each check is
// independent). Code in the test that runs on other OS threads is not
// checked.
//
// Spin loops. A thread that yields (weft::this_thread::yield) is held back
// until another thread has taken a step (fair scheduling, as in CHESS), so a
// spin-wait must yield in its loop: under the systematic strategies a spin
// that does not yield runs until max_steps and is reported as a livelock.
//
// Lock-order inversions. A thread that blocks on a lock while holding others
// records "held -> acquired" edges; a cycle formed by distinct threads with
// no common gate lock is a potential deadlock even when no execution
// deadlocked: a warning in report::warnings (lock_order_policy::warn), a
// failure (fail), or nothing (off).
//
// Choosing a strategy. random (the default) finds most bugs quickly; pct
// gives a probabilistic guarantee per bug depth; dfs proves a small test
// correct ("all interleavings explored": statistics.exhausted) and with
// reduction runs one execution per distinct order of conflicting operations;
// preemption_bounding explores schedules by increasing number of
// preemptions, so the first failure found has the fewest. For dfs and
// preemption_bounding, raise `executions` and `time_budget` to let the
// search finish.
//
// Current limits of this version: executions are sequentially consistent
// (memory orders are accepted and order weft::shared accesses for the race
// detector, but weaker outcomes of atomics are not explored); operations
// made by std::lock(a, b) report the standard header's line as their
// location (std::lock_guard, std::unique_lock, std::shared_lock and
// std::scoped_lock of one or several weft locks report the caller's:
// weft/internal/std_lock_sites.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "weft/source_location.hpp"

namespace weft {

inline constexpr std::size_t max_threads = 64;

enum class strategy_kind : std::uint8_t {
  // Seeded random walk: a uniform choice at every scheduling point.
  random,
  // PCT (Burckhardt et al., ASPLOS 2010): random thread priorities, the
  // highest-priority runnable thread runs, and `pct_depth - 1` randomly
  // placed priority change points. Finds a bug of depth d with probability
  // at least 1/(n k^(d-1)) per execution (n threads, k steps).
  pct,
  // Exhaustive depth-first search. With `reduction` (the default): source
  // DPOR with sleep sets (Abdulla et al., POPL 2014), one complete execution
  // per distinct order of the conflicting operations. Without: every
  // interleaving. Ends with statistics.exhausted when the tree is done.
  dfs,
  // Iterative preemption bounding (CHESS, Musuvathi & Qadeer, PLDI 2007):
  // depth-first search of every schedule with 0 preemptions, then exactly
  // 1, ... up to `preemption_bound`; each schedule is run once.
  preemption_bounding,
};

// "random", "pct", "dfs", "preemption_bounding".
[[nodiscard]] std::string_view to_string(strategy_kind kind) noexcept;

// What a lock-order inversion (two threads taking two locks in opposite
// orders, a potential deadlock even when this execution did not deadlock)
// does to the verdict.
enum class lock_order_policy : std::uint8_t {
  off,
  warn,  // recorded in report::warnings; the verdict is unaffected
  fail,  // a failure of kind lock_order_inversion
};

enum class grain : std::uint8_t {
  scenario,        // a primitive's public operation is one step
  implementation,  // a primitive's own atomics and futex calls are steps
};

// A search under way, for check_options::on_progress.
struct progress {
  std::uint64_t executions = 0;  // run so far
  double seconds = 0;            // since the check started
};

struct check_options {
  strategy_kind strategy = strategy_kind::random;
  // The search stops after this many executions, or when the time budget
  // is spent, or at the first failure.
  std::uint64_t executions = 1000;
  std::chrono::milliseconds time_budget{10'000};
  // An execution with more scheduling points than this is reported as a
  // livelock (non-termination).
  std::uint64_t max_steps = 10'000;
  std::uint64_t seed = 0x5eed;
  weft::grain grain = grain::scenario;
  bool spurious_wakeups = true;  // futex waits may return spuriously
  bool timeouts = true;          // timed waits may time out at any point
  // PCT: the bug depth d (d - 1 priority change points per execution).
  std::uint32_t pct_depth = 3;
  // preemption_bounding: the largest number of preemptions tried.
  std::uint32_t preemption_bound = 2;
  // dfs: partial-order reduction on (true) or every interleaving (false).
  bool reduction = true;
  weft::lock_order_policy lock_order = lock_order_policy::warn;
  // Called on the checking thread about every `progress_interval` while
  // the search runs (for progress displays; not at all if empty). It must
  // not start a check of its own.
  std::function<void(const progress&)> on_progress;
  std::chrono::milliseconds progress_interval{250};
};

enum class verdict : std::uint8_t { pass, fail };

enum class finding_kind : std::uint8_t {
  none,
  assertion,             // WEFT_ASSERT did not hold
  exception,             // an exception escaped a model thread
  deadlock,              // no runnable thread while some are blocked
  misuse,                // a primitive reported a misuse
  max_steps,             // the execution did not terminate within max_steps
  unjoined_thread,       // a weft::thread destroyed or left joinable
  too_many_threads,      // more than max_threads model threads
  replay_error,          // a malformed token, or the schedule diverged from it
  data_race,             // two weft::shared accesses not ordered by happens-before
  lock_order_inversion,  // two locks taken in opposite orders (lock_order_policy::fail)
};

[[nodiscard]] std::string_view to_string(finding_kind kind) noexcept;

// One step of a failing execution's trace.
struct trace_step {
  std::uint64_t step = 0;
  std::uint32_t thread = 0;
  std::string operation;  // "weft::mutex::lock", "atomic load", "spawn", ...
  std::string object;     // a short name stable across replays: "mutex#1"
  std::string detail;     // values and outcomes where cheap
  std::string file;
  std::uint32_t line = 0;
};

struct statistics {
  // Every execution run, including those a search cut short.
  std::uint64_t executions = 0;
  // Executions whose decision sequences differed (counted up to 2^18
  // distinct ones, then a lower bound).
  std::uint64_t distinct_interleavings = 0;
  // dfs: executions cut short because every runnable thread was in the
  // sleep set (they would only repeat an explored order).
  std::uint64_t sleep_set_blocked = 0;
  // dfs and preemption_bounding: the search tree was explored completely
  // (within the preemption bound).
  bool exhausted = false;
  double seconds = 0;
  double executions_per_second = 0;
  std::uint64_t steps = 0;           // scheduling points, all executions
  std::size_t stacks_allocated = 0;  // fiber stacks ever allocated
};

struct report {
  weft::verdict verdict = verdict::pass;
  finding_kind kind = finding_kind::none;
  std::string message;               // one line: what went wrong
  std::vector<std::string> details;  // e.g. every blocked thread
  weft::statistics statistics;
  std::vector<trace_step> trace;  // the failing execution, step by step
  std::string token;              // replays the failing execution
  // Potential problems that did not fail the check (lock-order inversions
  // under lock_order_policy::warn), each once.
  std::vector<std::string> warnings;

  [[nodiscard]] bool passed() const noexcept { return verdict == verdict::pass; }
};

// Explores interleavings of `test` (see the top of this file) and returns
// the verdict; for a failure, the trace and token of the first failing
// execution.
report check(const std::function<void()>& test, const check_options& options = {});

// Re-runs the one execution `token` describes, with tracing on. A malformed
// token, or one whose decisions do not fit the test (another test's token,
// or a nondeterministic test), gives kind `replay_error` with a message
// ("malformed token: ...", "schedule diverged at step N: ..."). Only
// `max_steps`, `grain`, `spurious_wakeups` and `timeouts` of `options` are
// used; they must match the check that produced the token.
report replay(const std::function<void()>& test, std::string_view token,
              const check_options& options = {});

// The report for people: verdict, message, details, statistics, the trace,
// and the exact replay call.
[[nodiscard]] std::string to_string(const report& r);
// The report as a JSON object.
[[nodiscard]] std::string to_json(const report& r);

// What a failed WEFT_ASSERT does outside a check (on real threads). The
// default handler prints the expression and where it failed to stderr and
// calls std::abort(). A handler that returns lets the program go on past
// the assertion (`weft run` counts the failures this way). It may be called
// from several threads at once. Returns the previous handler; nullptr
// restores the default. Inside a check, a failed WEFT_ASSERT is a finding
// and no handler is called.
using native_assert_handler = void (*)(const char* expression, weft::source_location where);
native_assert_handler set_native_assert_handler(native_assert_handler handler) noexcept;

namespace internal {
// WEFT_ASSERT's failure path. Under a check: records the failure and stops
// the calling model thread by unwinding it. Natively: the native assert
// handler (see set_native_assert_handler).
void assert_failed(const char* expression, weft::source_location where);
}  // namespace internal

}  // namespace weft

// Asserts `cond` in a test run by weft::check (see above); natively an
// assert that is never compiled out.
#define WEFT_ASSERT(cond)        \
  ((cond) ? static_cast<void>(0) \
          : ::weft::internal::assert_failed(#cond, ::weft::source_location::current()))
